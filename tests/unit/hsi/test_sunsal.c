/* SUnSAL: optimality (KKT) conditions of the l1 problems it solves, and
 * agreement with the exact active-set NCLS/FCLS when lambda = 0. */
#include "pv_test.h"

#include <parseval/hsi.h>
#include <stdlib.h>

enum { BANDS = 40, M = 12, N = 300 };

static void make(pv_rng *r, double *lib, double *y, double *truth) {
  for (int i = 0; i < M * BANDS; i++) lib[i] = fabs(pv_rng_normal(r)) + 0.1;
  for (int j = 0; j < N; j++) {
    for (int i = 0; i < M; i++) truth[i * N + j] = 0;
    for (int k = 0; k < 3; k++) truth[(int)pv_rng_below(r, M) * N + j] += 0.2 + pv_rng_uniform(r);
  }
  for (int b = 0; b < BANDS; b++)
    for (int j = 0; j < N; j++) {
      double s = 0.01 * pv_rng_normal(r);
      for (int i = 0; i < M; i++) s += lib[i * BANDS + b] * truth[i * N + j];
      y[b * N + j] = s;
    }
}

/* Max violation of the optimality conditions of pixel j. */
static double kkt_violation(const double *lib, const double *y, const double *x, int j, double lambda, int positivity) {
  double res[BANDS], worst = 0;
  for (int b = 0; b < BANDS; b++) {
    res[b] = -y[b * N + j];
    for (int i = 0; i < M; i++) res[b] += lib[i * BANDS + b] * x[i * N + j];
  }
  for (int i = 0; i < M; i++) {
    double g = 0, xi = x[i * N + j];
    for (int b = 0; b < BANDS; b++) g += lib[i * BANDS + b] * res[b];
    double v;
    if (xi != 0) v = fabs(g + lambda * (xi > 0 ? 1 : -1));
    else v = positivity ? fmax(0, -(g + lambda)) : fmax(0, fabs(g) - lambda);
    worst = fmax(worst, v);
  }
  return worst;
}

static void test_kkt_conditions(void) {
  pv_rng r;
  pv_rng_init(&r, 12, 0);
  double *lib = malloc(M * BANDS * sizeof *lib), *y = malloc(BANDS * N * sizeof *y);
  double *t = malloc(M * N * sizeof *t), *x = malloc(M * N * sizeof *x);
  make(&r, lib, y, t);
  pv_ctx *ctx;
  CHECK_OK(pv_ctx_create(&ctx));
  CHECK_OK(pv_ctx_set_threads(ctx, 2));
  for (int positivity = 0; positivity <= 1; positivity++) {
    pv_hsi_sunsal_options o = PV_HSI_SUNSAL_OPTIONS_INIT;
    o.lambda = 0.5;
    o.positivity = positivity;
    o.tol = 1e-10;
    o.max_iter = 20000;
    CHECK_OK(pv_hsi_sunsal(ctx, BANDS, M, lib, N, y, N, &o, x, N));
    double worst = 0, nnz = 0;
    for (int j = 0; j < N; j++) worst = fmax(worst, kkt_violation(lib, y, x, j, o.lambda, positivity));
    for (int k = 0; k < M * N; k++) nnz += x[k] != 0;
    printf("  positivity %d: max KKT violation %.2e (lambda %.1f), %.1f nonzeros per pixel\n", positivity, worst,
           o.lambda, nnz / N);
    CHECK(worst < 1e-5);
    CHECK(nnz / N < M); /* the l1 term does make it sparse */
  }
  pv_ctx_destroy(&ctx);
  free(lib); free(y); free(t); free(x);
}

static void test_lambda_zero_equals_active_set(void) {
  pv_rng r;
  pv_rng_init(&r, 13, 0);
  double *lib = malloc(M * BANDS * sizeof *lib), *y = malloc(BANDS * N * sizeof *y);
  double *t = malloc(M * N * sizeof *t), *x = malloc(M * N * sizeof *x), *a = malloc(M * N * sizeof *a);
  make(&r, lib, y, t);
  pv_ctx *ctx;
  CHECK_OK(pv_ctx_create(&ctx));
  for (int sum1 = 0; sum1 <= 1; sum1++) {
    pv_hsi_sunsal_options o = PV_HSI_SUNSAL_OPTIONS_INIT;
    o.lambda = 0;
    o.sum_to_one = sum1;
    o.tol = 1e-11;
    o.max_iter = 50000;
    CHECK_OK(pv_hsi_sunsal(ctx, BANDS, M, lib, N, y, N, &o, x, N));
    pv_hsi_lsu *s;
    CHECK_OK(pv_hsi_lsu_create(ctx, sum1 ? PV_HSI_FCLS : PV_HSI_NCLS, BANDS, M, lib, &s));
    CHECK_OK(pv_hsi_lsu_solve(s, N, y, N, a, N, NULL));
    double worst = 0;
    for (int k = 0; k < M * N; k++) worst = fmax(worst, fabs(x[k] - a[k]));
    printf("  lambda 0, sum-to-one %d: max |SUnSAL - %s| = %.2e\n", sum1, sum1 ? "FCLS" : "NCLS", worst);
    CHECK(worst < 1e-6);
    pv_hsi_lsu_destroy(&s);
  }
  pv_hsi_sunsal_options bad = PV_HSI_SUNSAL_OPTIONS_INIT;
  bad.lambda = -1;
  CHECK_STATUS(pv_hsi_sunsal(ctx, BANDS, M, lib, N, y, N, &bad, x, N), PV_EINVAL);
  y[5 * N + 7] = NAN;
  CHECK_OK(pv_hsi_sunsal(ctx, BANDS, M, lib, N, y, N, NULL, x, N)); /* default options */
  CHECK(isnan(x[7]) && !isnan(x[8]));
  pv_ctx_destroy(&ctx);
  free(lib); free(y); free(t); free(x); free(a);
}

PV_TEST_MAIN(PV_CASE(test_kkt_conditions), PV_CASE(test_lambda_zero_equals_active_set))
