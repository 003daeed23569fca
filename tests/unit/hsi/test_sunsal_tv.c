/* SUnSAL-TV: with lambda_tv = 0 it solves SUnSAL's problem (two different
 * solvers agree); on a noisy piecewise-constant scene it beats SUnSAL on
 * SRE; its result is a minimum of its objective (no feasible perturbation
 * lowers it; longer runs never end higher). */
#include "pv_test.h"

#include <parseval/hsi.h>
#include <stdlib.h>

enum { BANDS = 30, M = 8, W = 20, H = 16, N = W * H, P = 4 };

/* Library: M smooth positive spectra; truth: P of them mixed in 4 x 4
 * constant blocks (a block's abundances drawn on the simplex); noise at
 * snr dB. */
static void make(pv_rng *r, double *lib, double *y, double *truth, double snr) {
  for (int i = 0; i < M; i++)
    for (int b = 0; b < BANDS; b++) {
      double c = (i + 0.5) * BANDS / M;
      lib[i * BANDS + b] = 0.1 + 0.5 * exp(-0.5 * (b - c) * (b - c) / 9.0) + 0.05 * pv_rng_uniform(r);
    }
  double blocks[20][P];
  for (int k = 0; k < 20; k++) {
    double s = 0;
    for (int i = 0; i < P; i++) s += blocks[k][i] = pv_rng_exponential(r);
    for (int i = 0; i < P; i++) blocks[k][i] /= s;
  }
  for (int j = 0; j < N; j++) {
    int row = j / W, col = j % W, k = (row / 4) * 5 + col / 4;
    for (int i = 0; i < M; i++) truth[i * N + j] = i < P ? blocks[k][i] : 0;
  }
  double power = 0;
  for (int b = 0; b < BANDS; b++)
    for (int j = 0; j < N; j++) {
      double s = 0;
      for (int i = 0; i < M; i++) s += lib[i * BANDS + b] * truth[i * N + j];
      y[b * N + j] = s;
      power += s * s;
    }
  double sigma = sqrt(power / (BANDS * N) / pow(10, snr / 10));
  for (int k = 0; k < BANDS * N; k++) y[k] += sigma * pv_rng_normal(r);
}

static double lib[M * BANDS], y[BANDS * N], truth[M * N], x[M * N], x2[M * N];

static void test_zero_tv_is_sunsal(void) {
  pv_rng r;
  pv_rng_init(&r, 5, 0);
  make(&r, lib, y, truth, 30);
  pv_hsi_sunsal_options so = PV_HSI_SUNSAL_OPTIONS_INIT;
  so.lambda = 2e-3;
  so.tol = 1e-10;
  so.max_iter = 20000;
  CHECK_OK(pv_hsi_sunsal(NULL, BANDS, M, lib, N, y, N, &so, x2, N));
  pv_hsi_sunsal_tv_options o = PV_HSI_SUNSAL_TV_OPTIONS_INIT;
  o.lambda = 2e-3;
  o.lambda_tv = 0;
  o.mu = 0.5;
  o.tol = 1e-9;
  o.max_iter = 20000;
  int it = 0;
  CHECK_OK(pv_hsi_sunsal_tv(NULL, BANDS, M, lib, W, H, y, N, &o, x, N, &it));
  double d = 0;
  for (int k = 0; k < M * N; k++) d = fmax(d, fabs(x[k] - x2[k]));
  printf("  lambda_tv = 0: %d iterations, max |X_tv - X_sunsal| = %.2e\n", it, d);
  CHECK(d < 1e-5);
}

static void test_beats_sunsal_on_blocks(void) {
  pv_rng r;
  pv_rng_init(&r, 7, 0);
  make(&r, lib, y, truth, 15);
  pv_hsi_sunsal_options so = PV_HSI_SUNSAL_OPTIONS_INIT;
  so.lambda = 1e-3;
  CHECK_OK(pv_hsi_sunsal(NULL, BANDS, M, lib, N, y, N, &so, x2, N));
  pv_hsi_sunsal_tv_options o = PV_HSI_SUNSAL_TV_OPTIONS_INIT;
  o.lambda = 1e-3;
  o.lambda_tv = 5e-3;
  o.mu = 0.5;
  o.max_iter = 3000;
  CHECK_OK(pv_hsi_sunsal_tv(NULL, BANDS, M, lib, W, H, y, N, &o, x, N, NULL));
  double sre_s = pv_hsi_sre_db(M, N, x2, N, truth, N, NULL), sre_tv = pv_hsi_sre_db(M, N, x, N, truth, N, NULL);
  printf("  SRE at 15 dB: SUnSAL %.2f dB, SUnSAL-TV %.2f dB\n", sre_s, sre_tv);
  CHECK(sre_tv > sre_s + 3.0);
  for (int k = 0; k < M * N; k++) CHECK(x[k] >= 0);
  /* Isotropic TV: also better than SUnSAL, and below SUnSAL's solution on
   * its own objective. */
  o.isotropic = 1;
  CHECK_OK(pv_hsi_sunsal_tv(NULL, BANDS, M, lib, W, H, y, N, &o, x, N, NULL));
  double sre_iso = pv_hsi_sre_db(M, N, x, N, truth, N, NULL);
  double f_iso = pv_hsi_sunsal_tv_objective(BANDS, M, lib, W, H, y, N, x, N, o.lambda, o.lambda_tv, 1);
  double f_s = pv_hsi_sunsal_tv_objective(BANDS, M, lib, W, H, y, N, x2, N, o.lambda, o.lambda_tv, 1);
  printf("  isotropic: SRE %.2f dB, objective %.6g (SUnSAL's solution %.6g)\n", sre_iso, f_iso, f_s);
  CHECK(sre_iso > sre_s + 3.0);
  CHECK(f_iso < f_s);
}

static double objective(const double *a, double lambda, double lambda_tv) {
  return pv_hsi_sunsal_tv_objective(BANDS, M, lib, W, H, y, N, a, N, lambda, lambda_tv, 0);
}

static void test_minimum(void) {
  pv_rng r;
  pv_rng_init(&r, 9, 0);
  make(&r, lib, y, truth, 20);
  const double lam = 1e-3, lam_tv = 5e-3;
  pv_hsi_sunsal_tv_options o = PV_HSI_SUNSAL_TV_OPTIONS_INIT;
  o.lambda = lam;
  o.lambda_tv = lam_tv;
  o.mu = 0.5;
  o.tol = 1e-12;
  double f[3];
  int iters[3] = {50, 400, 4000};
  for (int t = 0; t < 3; t++) {
    o.max_iter = iters[t];
    int rc = pv_hsi_sunsal_tv(NULL, BANDS, M, lib, W, H, y, N, &o, x, N, NULL);
    CHECK(rc == PV_OK || rc == PV_ENOTCONV);
    pv_error_clear();
    f[t] = objective(x, lam, lam_tv);
  }
  printf("  objective after 50 / 400 / 4000 iterations: %.9g %.9g %.9g\n", f[0], f[1], f[2]);
  CHECK(f[1] <= f[0] * (1 + 1e-9) && f[2] <= f[1] * (1 + 1e-9));
  /* A claimed convergence is honest at any penalty: PV_OK only near the minimum. */
  double mus[3] = {0.05, 5.0, 50.0};
  for (int t = 0; t < 3; t++) {
    o.mu = mus[t];
    o.tol = 1e-5;
    o.max_iter = 3000;
    int rc = pv_hsi_sunsal_tv(NULL, BANDS, M, lib, W, H, y, N, &o, x2, N, NULL);
    CHECK(rc == PV_OK || rc == PV_ENOTCONV);
    pv_error_clear();
    double g = objective(x2, lam, lam_tv);
    printf("  mu %g: %s, objective %.9g\n", mus[t], rc ? "not converged" : "converged", g);
    if (rc == PV_OK) CHECK(g <= f[2] * (1 + 1e-4));
  }
  /* SUnSAL's minimiser (feasible, no TV) is worse for this objective. */
  pv_hsi_sunsal_options so = PV_HSI_SUNSAL_OPTIONS_INIT;
  so.lambda = lam;
  CHECK_OK(pv_hsi_sunsal(NULL, BANDS, M, lib, N, y, N, &so, x2, N));
  CHECK(f[2] < objective(x2, lam, lam_tv));
  /* No feasible perturbation (x >= 0 kept) lowers it. */
  double worst = -INFINITY;
  for (int trial = 0; trial < 40; trial++) {
    double step = trial < 20 ? 1e-3 : 1e-5;
    for (int k = 0; k < M * N; k++) x2[k] = fmax(0, x[k] + step * pv_rng_normal(&r) * (pv_rng_uniform(&r) < 0.1));
    worst = fmax(worst, f[2] - objective(x2, lam, lam_tv));
  }
  printf("  largest decrease from 40 feasible perturbations: %.2e (objective %.6g)\n", worst, f[2]);
  CHECK(worst < 1e-7 * f[2]);
}

static void test_errors_and_masks(void) {
  pv_hsi_sunsal_tv_options o = PV_HSI_SUNSAL_TV_OPTIONS_INIT;
  CHECK_STATUS(pv_hsi_sunsal_tv(NULL, BANDS, M, lib, 1, N, y, N, &o, x, N, NULL), PV_EINVAL);
  CHECK_STATUS(pv_hsi_sunsal_tv(NULL, BANDS, M, lib, W, H, y, N - 1, &o, x, N, NULL), PV_EINVAL);
  o.lambda_tv = -1;
  CHECK_STATUS(pv_hsi_sunsal_tv(NULL, BANDS, M, lib, W, H, y, N, &o, x, N, NULL), PV_EINVAL);
  /* A NaN pixel is returned as NaN; the others stay finite. */
  pv_rng r;
  pv_rng_init(&r, 11, 0);
  make(&r, lib, y, truth, 30);
  y[3 * N + 17] = NAN;
  o.lambda_tv = 1e-3;
  o.mu = 0.5;
  o.max_iter = 200;
  int rc = pv_hsi_sunsal_tv(NULL, BANDS, M, lib, W, H, y, N, &o, x, N, NULL);
  CHECK(rc == PV_OK || rc == PV_ENOTCONV);
  pv_error_clear();
  CHECK(isnan(x[17]) && isnan(x[5 * N + 17]) && isfinite(x[16]) && isfinite(x[18]));
  for (int k = 0; k < BANDS * N; k++) y[k] = NAN;
  CHECK_STATUS(pv_hsi_sunsal_tv(NULL, BANDS, M, lib, W, H, y, N, &o, x, N, NULL), PV_EINVAL);
}

/* Allocation-failure countdown over workspace, FFT plans and inverse. */
static int mk_tv(void **obj) {
  pv_hsi_sunsal_tv_options o = PV_HSI_SUNSAL_TV_OPTIONS_INIT;
  o.max_iter = 3;
  int rc = pv_hsi_sunsal_tv(NULL, BANDS, M, lib, W, H, y, N, &o, x, N, NULL);
  if (rc == PV_ENOTCONV) rc = PV_OK;
  if (!rc) *obj = malloc(1);
  return rc;
}
static void rm_tv(void **obj) {
  free(*obj);
  *obj = NULL;
}
static void test_alloc_failures(void) {
  pv_rng r;
  pv_rng_init(&r, 13, 0);
  make(&r, lib, y, truth, 30);
  void *warm = NULL; /* the FFT plan cache keeps its plans: fill it first */
  CHECK_OK(mk_tv(&warm));
  rm_tv(&warm);
  pv_test_alloc_countdown("pv_hsi_sunsal_tv", mk_tv, rm_tv);
  pv_error_clear();
}

PV_TEST_MAIN(PV_CASE(test_alloc_failures), PV_CASE(test_zero_tv_is_sunsal), PV_CASE(test_beats_sunsal_on_blocks), PV_CASE(test_minimum),
             PV_CASE(test_errors_and_masks))
