/* Dense LAPACK wrappers against closed forms: the 1D Dirichlet Laplacian
 * (eigenpairs 2 - 2 cos(k pi / (n + 1)), sin vectors), the P1 finite-element
 * pencil (stiffness, mass), SVD of matrices built from known factors, power
 * iteration, and bad input. */
#include "pv_test.h"
#include "la_testutil.h"

#include <parseval/linalg.h>

static pv_ctx *mkctx(int threads) {
  pv_ctx *c = NULL;
  CHECK_OK(pv_ctx_create(&c));
  CHECK_OK(pv_ctx_set_threads(c, threads));
  return c;
}

static void laplacian_1d(int n, double *a) {
  memset(a, 0, (size_t)n * n * sizeof *a);
  for (int i = 0; i < n; i++) {
    a[(size_t)i * n + i] = 2.0;
    if (i + 1 < n) a[(size_t)i * n + i + 1] = a[(size_t)(i + 1) * n + i] = -1.0;
  }
}

/* |<z, sin(j k pi / (n + 1))>| / (norms of both) == 1 for the eigenvector of index k (1-based). */
static double sine_overlap(int n, int k, const double *z) {
  double d = 0.0, s2 = 0.0, z2 = 0.0;
  for (int j = 0; j < n; j++) {
    double s = sin((j + 1) * k * M_PI / (n + 1));
    d += s * z[j];
    s2 += s * s;
    z2 += z[j] * z[j];
  }
  return fabs(d) / sqrt(s2 * z2);
}

static void test_sym_eig_laplacian(void) {
  pv_ctx *c = mkctx(2);
  enum { N = 60 };
  double *a = pv_malloc(N * N * sizeof *a), *z = pv_malloc(N * N * sizeof *z), w[N];
  laplacian_1d(N, a);
  CHECK_OK(pv_linalg_sym_eig(c, N, a, N, w, z, N));
  for (int k = 1; k <= N; k++) {
    CHECK_NEAR(w[k - 1], 2.0 - 2.0 * cos(k * M_PI / (N + 1)), 1e-12);
    CHECK_NEAR(sine_overlap(N, k, z + (size_t)(k - 1) * N), 1.0, 1e-10);
    CHECK(la_sign_ok(N, z + (size_t)(k - 1) * N));
  }
  CHECK(la_orth_rows_err(N, N, z, N) < 1e-12);
  /* In place (z == a). */
  CHECK_OK(pv_linalg_sym_eig(c, N, a, N, w, a, N));
  CHECK_NEAR(w[0], 2.0 - 2.0 * cos(M_PI / (N + 1)), 1e-12);
  CHECK_NEAR(sine_overlap(N, 1, a), 1.0, 1e-10);
  /* A subset: indices 3..7 (0-based). */
  laplacian_1d(N, a);
  double w5[5];
  CHECK_OK(pv_linalg_sym_eig_range(c, N, a, N, 3, 7, w5, z, N));
  for (int i = 0; i < 5; i++) {
    CHECK_NEAR(w5[i], 2.0 - 2.0 * cos((i + 4) * M_PI / (N + 1)), 1e-12);
    CHECK_NEAR(sine_overlap(N, i + 4, z + (size_t)i * N), 1.0, 1e-10);
  }
  CHECK_OK(pv_linalg_sym_eig_range(c, N, a, N, N - 1, N - 1, w5, NULL, 0));
  CHECK_NEAR(w5[0], 2.0 - 2.0 * cos(N * M_PI / (N + 1)), 1e-12);
  pv_free(a);
  pv_free(z);
  pv_ctx_destroy(&c);
}

/* P1 elements on a unit grid: K = tridiag(-1, 2, -1), M = tridiag(1, 4, 1) / 6;
 * K x = lambda M x has lambda_k = 6 (1 - cos t) / (2 + cos t), t = k pi / (n + 1). */
static void test_gen_eig_fem(void) {
  pv_ctx *c = mkctx(1);
  enum { N = 40 };
  double *k = pv_malloc(N * N * sizeof *k), *m = pv_calloc(N * N, sizeof *m);
  double *z = pv_malloc(N * N * sizeof *z), w[N];
  laplacian_1d(N, k);
  for (int i = 0; i < N; i++) {
    m[(size_t)i * N + i] = 4.0 / 6.0;
    if (i + 1 < N) m[(size_t)i * N + i + 1] = m[(size_t)(i + 1) * N + i] = 1.0 / 6.0;
  }
  CHECK_OK(pv_linalg_sym_gen_eig(c, N, k, N, m, N, w, z, N));
  double maxbo = 0.0;
  for (int p = 1; p <= N; p++) {
    double t = p * M_PI / (N + 1);
    CHECK_REL(w[p - 1], 6.0 * (1.0 - cos(t)) / (2.0 + cos(t)), 1e-11);
    CHECK_NEAR(sine_overlap(N, p, z + (size_t)(p - 1) * N), 1.0, 1e-10);
    for (int q = 1; q <= N; q++) { /* B-orthonormality: z_p^T M z_q = delta */
      double d = 0.0;
      for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
          d += z[(size_t)(p - 1) * N + i] * m[(size_t)i * N + j] * z[(size_t)(q - 1) * N + j];
      d = fabs(d - (p == q));
      if (d > maxbo) maxbo = d;
    }
  }
  CHECK(maxbo < 1e-12);
  /* B indefinite: clear error. */
  m[(size_t)2 * N + 2] = -5.0;
  CHECK_STATUS(pv_linalg_sym_gen_eig(c, N, k, N, m, N, w, z, N), PV_ENUMERIC);
  pv_free(k);
  pv_free(m);
  pv_free(z);
  pv_ctx_destroy(&c);
}

static void check_svd(pv_ctx *c, int m, int n) {
  pv_rng g;
  pv_rng_init(&g, 7, (uint64_t)(m * 1000 + n));
  int r = m < n ? m : n;
  double *a = pv_malloc((size_t)m * n * sizeof *a), *s0 = pv_malloc((size_t)r * sizeof *s0);
  double *s = pv_malloc((size_t)r * sizeof *s), *u = pv_malloc((size_t)m * r * sizeof *u);
  double *vt = pv_malloc((size_t)r * n * sizeof *vt);
  for (int i = 0; i < r; i++) s0[i] = 10.0 * pow(0.7, i);
  la_make_matrix(&g, m, n, s0, a, NULL, NULL);
  CHECK_OK(pv_linalg_svd(c, m, n, a, n, s, u, r, vt, n));
  for (int i = 0; i < r; i++) CHECK_NEAR(s[i], s0[i], 1e-12 * s0[0]);
  CHECK(la_recon_err(m, n, a, r, u, r, s, vt) < 1e-12 * s0[0] * sqrt(r));
  CHECK(la_orth_cols_err(m, r, u, r) < 1e-12);
  CHECK(la_orth_rows_err(r, n, vt, n) < 1e-12);
  for (int i = 0; i < r; i++) CHECK(la_sign_ok(n, vt + (size_t)i * n));
  double s2[64];
  CHECK_OK(pv_linalg_svd(c, m, n, a, n, s2, NULL, 0, NULL, 0));
  for (int i = 0; i < r && i < 64; i++) CHECK_NEAR(s2[i], s0[i], 1e-12 * s0[0]);
  double nrm = 0.0;
  CHECK_OK(pv_linalg_spectral_norm(c, m, n, a, n, 1e-13, 2000, &nrm));
  CHECK_REL(nrm, s0[0], 1e-10);
  pv_free(a);
  pv_free(s0);
  pv_free(s);
  pv_free(u);
  pv_free(vt);
}

static void test_svd_known_factors(void) {
  pv_ctx *c = mkctx(2);
  check_svd(c, 50, 20);
  check_svd(c, 17, 33);
  check_svd(c, 25, 25);
  pv_ctx_destroy(&c);
}

static void test_bad_input(void) {
  pv_ctx *c = mkctx(1);
  double a[9] = {2, 1, 0, 1, 2, 1, 0, 1, 2}, w[3], z[9], s[3], u[9], vt[9], nrm;
  a[4] = NAN;
  CHECK_STATUS(pv_linalg_sym_eig(c, 3, a, 3, w, z, 3), PV_EINVAL);
  CHECK_STATUS(pv_linalg_sym_gen_eig(c, 3, a, 3, a, 3, w, z, 3), PV_EINVAL);
  CHECK_STATUS(pv_linalg_svd(c, 3, 3, a, 3, s, u, 3, vt, 3), PV_EINVAL);
  CHECK_STATUS(pv_linalg_spectral_norm(c, 3, 3, a, 3, 1e-10, 100, &nrm), PV_EINVAL);
  a[4] = INFINITY;
  CHECK_STATUS(pv_linalg_svd(c, 3, 3, a, 3, s, NULL, 0, NULL, 0), PV_EINVAL);
  a[4] = 2.0;
  CHECK_STATUS(pv_linalg_sym_eig_range(c, 3, a, 3, 1, 3, w, z, 3), PV_EINVAL);
  CHECK_STATUS(pv_linalg_sym_eig_range(c, 3, a, 3, 2, 1, w, z, 3), PV_EINVAL);
  CHECK_STATUS(pv_linalg_sym_eig(c, 0, a, 3, w, z, 3), PV_EINVAL);
  CHECK_STATUS(pv_linalg_sym_eig(c, 3, a, 2, w, z, 3), PV_EINVAL);
  CHECK_STATUS(pv_linalg_svd(c, 3, 3, a, 3, s, u, 3, NULL, 3), PV_EINVAL);
  /* Lower triangle is not read. */
  a[3] = NAN;
  CHECK_OK(pv_linalg_sym_eig(c, 3, a, 3, w, z, 3));
  CHECK_NEAR(w[0], 2.0 - sqrt(2.0), 1e-14);
  /* Power iteration that cannot converge in one step. */
  double b6[6] = {3, 1, 0, 1, 2.9, 0.5};
  CHECK_STATUS(pv_linalg_spectral_norm(c, 2, 3, b6, 3, 1e-15, 1, &nrm), PV_ENOTCONV);
  CHECK(nrm > 0.0);
  /* Zero matrix: spectral norm 0. */
  double zero[6] = {0};
  CHECK_OK(pv_linalg_spectral_norm(c, 2, 3, zero, 3, 1e-10, 10, &nrm));
  CHECK(nrm == 0.0);
  pv_ctx_destroy(&c);
}

/* Every allocation failure returns PV_ENOMEM and leaks nothing. */
static void test_alloc_failures(void) {
  pv_ctx *c = mkctx(1);
  double a[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13}, s[3], u[12], vt[9], w[3], z[9];
  int ok = 0;
  for (long k = 0; k < 20 && !ok; k++) {
    long live = pv_test_alloc_live();
    pv_test_fail_alloc_after(k);
    int st = pv_linalg_svd(c, 4, 3, a, 3, s, u, 3, vt, 3);
    pv_test_fail_alloc_after(-1);
    CHECK(st == PV_OK || st == PV_ENOMEM);
    CHECK_EQ_INT(pv_test_alloc_live(), live);
    ok = st == PV_OK;
    pv_error_clear();
  }
  CHECK(ok);
  ok = 0;
  for (long k = 0; k < 20 && !ok; k++) {
    long live = pv_test_alloc_live();
    pv_test_fail_alloc_after(k);
    int st = pv_linalg_sym_eig_range(c, 3, a, 3, 0, 1, w, z, 3);
    pv_test_fail_alloc_after(-1);
    CHECK(st == PV_OK || st == PV_ENOMEM);
    CHECK_EQ_INT(pv_test_alloc_live(), live);
    ok = st == PV_OK;
    pv_error_clear();
  }
  CHECK(ok);
  pv_ctx_destroy(&c);
}

PV_TEST_MAIN(PV_CASE(test_sym_eig_laplacian), PV_CASE(test_gen_eig_fem),
             PV_CASE(test_svd_known_factors), PV_CASE(test_bad_input),
             PV_CASE(test_alloc_failures))
