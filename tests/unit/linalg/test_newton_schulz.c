/* Newton-Schulz against the scalar polynomial applied to known singular
 * values: X = U diag(s) V^T must map to U diag(p^steps(s / ||s||)) V^T. */
#include "pv_test.h"
#include "la_testutil.h"

#include <parseval/linalg.h>

static double quintic(double t) {
  double t2 = t * t;
  return t * (3.4445 + t2 * (-4.7750 + 2.0315 * t2));
}

/* Singular values whose Frobenius-normalised values span [1e-3, 1):
 * t_0 = sqrt(1 - sum others^2), t_i log-spaced in [1e-3, 0.2]. */
static void spectrum(int r, double *t, double scale) {
  double rest = 0.0;
  for (int i = 1; i < r; i++) {
    t[i] = 1e-3 * pow(200.0, (double)(i - 1) / (r - 2));
    rest += t[i] * t[i];
  }
  t[0] = sqrt(1.0 - rest);
  for (int i = 0; i < r; i++) t[i] *= scale;
}

static void check_ns(pv_ctx *c, int m, int n, pv_ns_kind kind, int steps) {
  pv_rng g;
  pv_rng_init(&g, 3, (uint64_t)(m * 100 + n));
  int r = m < n ? m : n;
  double *x = pv_malloc((size_t)m * n * sizeof *x), *u = pv_malloc((size_t)m * r * sizeof *u);
  double *v = pv_malloc((size_t)n * r * sizeof *v), *s = pv_malloc((size_t)r * sizeof *s);
  double *sv = pv_malloc((size_t)r * sizeof *sv), *want = pv_malloc((size_t)r * sizeof *want);
  spectrum(r, s, 7.5);
  la_make_matrix(&g, m, n, s, x, u, v);
  CHECK_OK(pv_linalg_newton_schulz(c, m, n, x, n, kind, steps));
  double lo = 1e300, hi = 0.0, maxdev = 0.0;
  for (int i = 0; i < r; i++) {
    double t = s[i] / 7.5;
    CHECK(t >= 1e-3 * (1 - 1e-12) && t <= 1.0);
    for (int k = 0; k < steps; k++) t = kind == PV_NS_QUINTIC ? quintic(t) : 1.5 * t - 0.5 * t * t * t;
    want[i] = t;
  }
  /* X must equal U diag(want) V^T: same singular vectors, mapped values. */
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) {
      double acc = 0.0;
      for (int p = 0; p < r; p++) acc += u[(size_t)i * r + p] * want[p] * v[(size_t)j * r + p];
      double dev = fabs(acc - x[(size_t)i * n + j]);
      if (dev > maxdev) maxdev = dev;
    }
  CHECK(maxdev < 1e-9);
  CHECK_OK(pv_linalg_svd(c, m, n, x, n, sv, NULL, 0, NULL, 0));
  for (int i = 0; i < r; i++) {
    lo = fmin(lo, sv[i]);
    hi = fmax(hi, sv[i]);
  }
  if (kind == PV_NS_QUINTIC) {
    CHECK(lo >= 0.68);
    CHECK(hi <= 1.21);
  } else {
    CHECK_NEAR(lo, 1.0, 1e-6);
    CHECK_NEAR(hi, 1.0, 1e-6);
  }
  pv_free(x);
  pv_free(u);
  pv_free(v);
  pv_free(s);
  pv_free(sv);
  pv_free(want);
}

static void test_quintic_band(void) {
  pv_ctx *c = NULL;
  CHECK_OK(pv_ctx_create(&c));
  check_ns(c, 40, 64, PV_NS_QUINTIC, 6); /* wide: X X^T side */
  check_ns(c, 90, 30, PV_NS_QUINTIC, 6); /* tall: X^T X side */
  pv_ctx_destroy(&c);
}

static void test_cubic_polar(void) {
  pv_ctx *c = NULL;
  CHECK_OK(pv_ctx_create(&c));
  check_ns(c, 40, 64, PV_NS_CUBIC, 30);
  check_ns(c, 90, 30, PV_NS_CUBIC, 30);
  pv_ctx_destroy(&c);
}

/* The quintic's maximum on [0, 1] is 1.2024 (so the band's top is reached). */
static void test_quintic_polynomial(void) {
  double best = 0.0;
  for (int i = 0; i <= 100000; i++) best = fmax(best, quintic(i / 100000.0));
  CHECK_NEAR(best, 1.2024, 1e-4);
}

/* 1 x 1: the normalised value is 1, so the quintic gives p^6(1) and the
 * cubic stays at 1 (sign kept). */
static void test_scalar(void) {
  double x = -3.0, want = 1.0;
  for (int k = 0; k < 6; k++) want = quintic(want);
  CHECK_OK(pv_linalg_newton_schulz(NULL, 1, 1, &x, 1, PV_NS_QUINTIC, 6));
  CHECK_NEAR(x, -want, 1e-14);
  x = -3.0;
  CHECK_OK(pv_linalg_newton_schulz(NULL, 1, 1, &x, 1, PV_NS_CUBIC, 30));
  CHECK_NEAR(x, -1.0, 1e-15);
}

static void test_bad_input(void) {
  double x[6] = {1, 2, 3, 4, 5, NAN}, z[6] = {0};
  CHECK_STATUS(pv_linalg_newton_schulz(NULL, 2, 3, x, 3, PV_NS_CUBIC, 3), PV_EINVAL);
  CHECK_STATUS(pv_linalg_newton_schulz(NULL, 2, 3, x, 2, PV_NS_CUBIC, 3), PV_EINVAL);
  CHECK_STATUS(pv_linalg_newton_schulz(NULL, 2, 3, z, 3, (pv_ns_kind)7, 3), PV_EINVAL);
  CHECK_OK(pv_linalg_newton_schulz(NULL, 2, 3, z, 3, PV_NS_QUINTIC, 3));
  for (int i = 0; i < 6; i++) CHECK(z[i] == 0.0);
}

PV_TEST_MAIN(PV_CASE(test_quintic_band), PV_CASE(test_cubic_polar),
             PV_CASE(test_quintic_polynomial), PV_CASE(test_scalar), PV_CASE(test_bad_input))
