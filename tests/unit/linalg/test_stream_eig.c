/* Streaming top-k eigenvectors against the dense eigenvectors of the exact
 * A^T A, on shuffled (random-order) streams of a spiked Gaussian model. */
#include "pv_test.h"
#include "la_testutil.h"

#include <parseval/linalg.h>

static double cblas_like_dot(int n, const double *a, const double *b) {
  double s = 0.0;
  for (int i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

enum { D = 40, K = 3, ROWS = 20000, B = 50 };

/* Rows x = V diag(sqrt(lam)) g with population eigenvalues 10, 6, 4, 1, 1, ... */
static void make_rows(double *a) {
  pv_rng g;
  pv_rng_init(&g, 21, 1);
  double *v = pv_malloc((size_t)D * D * sizeof *v), lam[D], z[D];
  la_random_orthonormal(&g, D, D, v);
  for (int j = 0; j < D; j++) lam[j] = j == 0 ? 10.0 : j == 1 ? 6.0 : j == 2 ? 4.0 : 1.0;
  for (int i = 0; i < ROWS; i++) {
    pv_rng_fill_normal(&g, z, D);
    for (int p = 0; p < D; p++) {
      double acc = 0.0;
      for (int j = 0; j < D; j++) acc += v[(size_t)p * D + j] * sqrt(lam[j]) * z[j];
      a[(size_t)i * D + p] = acc;
    }
  }
  pv_free(v);
}

static void test_shuffled_streams(void) {
  pv_ctx *c = NULL;
  CHECK_OK(pv_ctx_create(&c));
  double *a = pv_malloc((size_t)ROWS * D * sizeof *a), *ata = pv_calloc(D * D, sizeof *ata);
  double *blk = pv_malloc((size_t)B * D * sizeof *blk), w[D], z[D * D], q[K * D], lam[K];
  make_rows(a);
  for (int i = 0; i < ROWS; i++)
    for (int p = 0; p < D; p++)
      for (int r = 0; r < D; r++) ata[p * D + r] += a[(size_t)i * D + p] * a[(size_t)i * D + r];
  CHECK_OK(pv_linalg_sym_eig(c, D, ata, D, w, z, D)); /* truth: rows D-1, D-2, D-3 */
  size_t *perm = pv_malloc(ROWS * sizeof *perm);
  for (int shuffle = 0; shuffle < 3; shuffle++) {
    pv_rng g;
    pv_rng_init(&g, 99, (uint64_t)shuffle);
    for (size_t i = 0; i < ROWS; i++) perm[i] = i;
    pv_rng_shuffle(&g, perm, ROWS);
    pv_stream_eig_options o = PV_STREAM_EIG_OPTIONS_INIT;
    o.stream = (uint64_t)shuffle;
    pv_stream_eig *s = NULL;
    CHECK_OK(pv_linalg_stream_eig_create(c, D, K, B, &o, &s));
    for (int i0 = 0; i0 < ROWS; i0 += B) {
      for (int i = 0; i < B; i++) memcpy(blk + (size_t)i * D, a + perm[i0 + i] * D, D * sizeof *blk);
      CHECK_OK(pv_linalg_stream_eig_update(s, B, blk, D));
    }
    uint64_t seen = 0;
    CHECK_OK(pv_linalg_stream_eig_get(s, q, D, lam, &seen));
    CHECK_EQ_INT(seen, ROWS);
    CHECK(la_orth_rows_err(K, D, q, D) < 1e-12);
    double sub = 0.0;
    for (int j = 0; j < K; j++) {
      const double *t = z + (size_t)(D - 1 - j) * D;
      double corr = fabs(cblas_like_dot(D, q + (size_t)j * D, t));
      CHECK(corr > 0.999);
      CHECK(la_sign_ok(D, q + (size_t)j * D));
      CHECK_REL(lam[j], w[D - 1 - j] / ROWS, 0.02); /* per-row second moment */
      for (int p = 0; p < K; p++) {
        double d = cblas_like_dot(D, q + (size_t)p * D, t);
        sub += d * d;
      }
    }
    CHECK(sub / K > 0.999); /* ||Q^T V_k||_F^2 / k: subspace captured */
    pv_linalg_stream_eig_destroy(&s);
  }
  pv_free(perm);
  pv_free(a);
  pv_free(ata);
  pv_free(blk);
  pv_ctx_destroy(&c);
}

static void test_bad_input(void) {
  pv_stream_eig *s = NULL;
  CHECK_STATUS(pv_linalg_stream_eig_create(NULL, 5, 6, 10, NULL, &s), PV_EINVAL);
  CHECK_STATUS(pv_linalg_stream_eig_create(NULL, 5, 0, 10, NULL, &s), PV_EINVAL);
  pv_stream_eig_options o = PV_STREAM_EIG_OPTIONS_INIT;
  o.c = -1;
  CHECK_STATUS(pv_linalg_stream_eig_create(NULL, 5, 2, 10, &o, &s), PV_EINVAL);
  CHECK_OK(pv_linalg_stream_eig_create(NULL, 3, 2, 4, NULL, &s));
  double x[12] = {1, 0, 0, 0, 1, 0, 0, 0, NAN, 1, 1, 1}, q[6];
  uint64_t seen = 7;
  CHECK_STATUS(pv_linalg_stream_eig_update(s, 4, x, 3), PV_EINVAL);
  CHECK_STATUS(pv_linalg_stream_eig_update(s, 5, x, 3), PV_EINVAL);
  CHECK_OK(pv_linalg_stream_eig_get(s, q, 3, NULL, &seen));
  CHECK_EQ_INT(seen, 0); /* the refused block left no trace */
  CHECK_OK(pv_linalg_stream_eig_update(s, 2, x, 3));
  CHECK_OK(pv_linalg_stream_eig_get(s, q, 3, NULL, &seen));
  CHECK_EQ_INT(seen, 2);
  pv_linalg_stream_eig_destroy(&s);
  pv_linalg_stream_eig_destroy(&s);
}

PV_TEST_MAIN(PV_CASE(test_shuffled_streams), PV_CASE(test_bad_input))
