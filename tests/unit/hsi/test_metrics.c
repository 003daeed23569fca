/* Scores: angles of known vectors, the Hungarian assignment against
 * enumeration of every permutation, RMSE and SRE by hand. */
#include "pv_test.h"

#include <parseval/hsi.h>

static void test_sad(void) {
  double x[3] = {1, 0, 0}, y[3] = {0, 2, 0}, z[3] = {1, 1.7320508075688772, 0}, w[3] = {3, 0, 0};
  CHECK_NEAR(pv_hsi_sad_deg(3, x, y), 90, 1e-12);
  CHECK_NEAR(pv_hsi_sad_deg(3, x, z), 60, 1e-9);
  CHECK_NEAR(pv_hsi_sad_deg(3, x, w), 0, 1e-6);
  double zero[3] = {0, 0, 0};
  CHECK(isnan(pv_hsi_sad_deg(3, x, zero)));
}

static double best_by_enumeration(int n, const double *c, int *perm, int k, unsigned used, double acc) {
  if (k == n) return acc;
  double best = INFINITY;
  for (int j = 0; j < n; j++) {
    if (used >> j & 1) continue;
    double v = best_by_enumeration(n, c, perm, k + 1, used | 1u << j, acc + c[k * n + j]);
    if (v < best) best = v;
  }
  return best;
}

static void test_hungarian_against_enumeration(void) {
  pv_rng r;
  pv_rng_init(&r, 8, 8);
  for (int trial = 0; trial < 50; trial++) {
    int n = 1 + trial % 7;
    double c[49];
    for (int i = 0; i < n * n; i++) c[i] = trial % 3 ? pv_rng_uniform(&r) * 10 : (double)pv_rng_below(&r, 4);
    int perm[7], seen[7] = {0};
    CHECK_OK(pv_hsi_hungarian(n, c, perm));
    double got = 0;
    for (int i = 0; i < n; i++) {
      got += c[i * n + perm[i]];
      seen[perm[i]]++;
    }
    for (int i = 0; i < n; i++) CHECK_EQ_INT(seen[i], 1);
    CHECK_NEAR(got, best_by_enumeration(n, c, perm, 0, 0, 0), 1e-12);
  }
  double bad[4] = {1, NAN, 0, 1};
  int perm[2];
  CHECK_STATUS(pv_hsi_hungarian(2, bad, perm), PV_EINVAL);
}

static void test_match_rmse_sre(void) {
  /* Estimated endmembers are the reference ones permuted (2, 0, 1) and scaled. */
  double ref[3 * 4] = {1, 0, 0, 1, 0, 1, 0, 1, 1, 1, 1, 0};
  double est[3 * 4];
  const int order[3] = {2, 0, 1};
  for (int i = 0; i < 3; i++)
    for (int b = 0; b < 4; b++) est[order[i] * 4 + b] = 2 * ref[i * 4 + b];
  int perm[3];
  double sad[3];
  CHECK_OK(pv_hsi_match_endmembers(3, 4, est, ref, perm, sad));
  for (int i = 0; i < 3; i++) {
    CHECK_EQ_INT(perm[i], order[i]);
    CHECK_NEAR(sad[i], 0, 1e-6);
  }
  double A[2 * 3] = {0.2, 0.5, NAN, 0.8, 0.5, NAN}, R[2 * 3] = {0.0, 0.5, 0.3, 1.0, 0.5, 0.7};
  /* Errors 0.2, 0, -, -0.2, 0, -: sqrt(0.08 / 4). */
  CHECK_NEAR(pv_hsi_abundance_rmse(2, 3, A, 3, R, 3, NULL), sqrt(0.02), 1e-15);
  CHECK_NEAR(pv_hsi_sre_db(2, 3, A, 3, R, 3, NULL), 10 * log10(1.5 / 0.08), 1e-12);
  int swap[2] = {1, 0};
  CHECK(pv_hsi_abundance_rmse(2, 3, A, 3, R, 3, swap) > 0.3);
}

PV_TEST_MAIN(PV_CASE(test_sad), PV_CASE(test_hungarian_against_enumeration), PV_CASE(test_match_rmse_sre))
