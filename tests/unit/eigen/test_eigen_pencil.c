/* Generalized eigensolver on random sparse SPD pencils against LAPACK's
 * dense dsygvd (smallest and interior shift), B-orthonormality, the
 * sign convention, bad input, cancellation and allocation failures. */
#include "pv_test.h"

#include <stdlib.h>
#include <string.h>

#include "grid.h"
#include <lapacke.h>
#include <parseval/eigen.h>

/* Random symmetric sparse matrix: a 1D chain, nr random symmetric couplings,
 * diagonal diag0 + random in [0, diagr). Dense copy into D (n x n). */
static pv_sparse *random_sym(pv_rng *g, int64_t n, int nr, double diag0, double diagr, double off,
                             double *D) {
  int64_t cap = n + 2 * (n + nr), t = 0;
  int64_t *r = malloc(sizeof(int64_t) * cap), *c = malloc(sizeof(int64_t) * cap);
  double *v = malloc(sizeof(double) * cap);
  for (int64_t i = 0; i < n; i++) {
    r[t] = i, c[t] = i, v[t++] = diag0 + diagr * pv_rng_uniform(g);
    if (i + 1 < n) {
      double w = off * (pv_rng_uniform(g) - 0.5);
      r[t] = i, c[t] = i + 1, v[t++] = w;
      r[t] = i + 1, c[t] = i, v[t++] = w;
    }
  }
  for (int q = 0; q < nr; q++) {
    int64_t i = (int64_t)pv_rng_below(g, (uint64_t)n), j = (int64_t)pv_rng_below(g, (uint64_t)n);
    double w = off * (pv_rng_uniform(g) - 0.5);
    r[t] = i, c[t] = j, v[t++] = w;
    r[t] = j, c[t] = i, v[t++] = w;
  }
  memset(D, 0, sizeof(double) * n * n);
  for (int64_t q = 0; q < t; q++)
    D[r[q] + c[q] * n] += v[q];
  pv_sparse *A = NULL;
  CHECK_OK(pv_sparse_create_coo(NULL, n, n, t, r, c, v, &A));
  free(r), free(c), free(v);
  return A;
}

typedef struct {
  int64_t n;
  pv_sparse *A, *B;
  double *Ad, *Bd, *w, *Z; /* dense copies, all eigenvalues / B-orthonormal vectors */
} pencil;

static void make_pencil(pencil *p, int64_t n, uint64_t seed) {
  pv_rng g;
  pv_rng_init(&g, seed, 7);
  p->n = n;
  p->Ad = malloc(sizeof(double) * n * n), p->Bd = malloc(sizeof(double) * n * n);
  p->Z = malloc(sizeof(double) * n * n), p->w = malloc(sizeof(double) * n);
  p->A = random_sym(&g, n, (int)n, -1.0, 3.0, 2.0, p->Ad);    /* indefinite A */
  p->B = random_sym(&g, n, (int)n / 2, 2.0, 1.0, 0.5, p->Bd); /* diagonally dominant SPD */
  double *Bc = malloc(sizeof(double) * n * n);
  memcpy(p->Z, p->Ad, sizeof(double) * n * n);
  memcpy(Bc, p->Bd, sizeof(double) * n * n);
  CHECK_EQ_INT(LAPACKE_dsygvd(LAPACK_COL_MAJOR, 1, 'V', 'L', n, p->Z, n, Bc, n, p->w), 0);
  free(Bc);
}

static void free_pencil(pencil *p) {
  pv_sparse_destroy(&p->A), pv_sparse_destroy(&p->B);
  free(p->Ad), free(p->Bd), free(p->w), free(p->Z);
}

/* |x^T B z| for the dense reference vector z (column j of p->Z). */
static double bdot_ref(const pencil *p, const double *x, int64_t j) {
  double s = 0;
  for (int64_t c = 0; c < p->n; c++) {
    double bz = 0;
    for (int64_t r = 0; r < p->n; r++)
      bz += p->Bd[c + r * p->n] * p->Z[r + j * p->n];
    s += x[c] * bz;
  }
  return fabs(s);
}

/* X^T B X = I, sign convention, and pair i matches dense pair ref[i]. */
static void check_pairs(const pencil *p, int k, const double *lam, const double *X,
                        const int64_t *ref) {
  int64_t n = p->n;
  double scale = fabs(p->w[0]) > fabs(p->w[n - 1]) ? fabs(p->w[0]) : fabs(p->w[n - 1]);
  for (int i = 0; i < k; i++) {
    CHECK_NEAR(lam[i], p->w[ref[i]], 1e-9 * scale);
    double gap = INFINITY; /* vector comparison only for well separated values */
    if (ref[i] > 0)
      gap = fmin(gap, p->w[ref[i]] - p->w[ref[i] - 1]);
    if (ref[i] + 1 < n)
      gap = fmin(gap, p->w[ref[i] + 1] - p->w[ref[i]]);
    if (gap > 1e-3 * scale)
      CHECK_NEAR(bdot_ref(p, X + i * n, ref[i]), 1.0, 1e-7);
    double big = 0;
    int64_t at = 0;
    for (int64_t r = 0; r < n; r++)
      if (fabs(X[i * n + r]) > big)
        big = fabs(X[i * n + r]), at = r;
    CHECK(X[i * n + at] > 0);
    for (int j = 0; j <= i; j++) {
      double s = 0;
      for (int64_t c = 0; c < n; c++)
        for (int64_t r = 0; r < n; r++)
          s += X[i * n + r] * p->Bd[r + c * n] * X[j * n + c];
      CHECK_NEAR(s, i == j, 1e-9);
    }
  }
}

static void test_smallest_vs_dsygvd(void) {
  pencil p;
  make_pencil(&p, 400, 11);
  int k = 25;
  double lam[25], *X = malloc(sizeof(double) * p.n * k);
  pv_eigen_info info = {.struct_size = sizeof info};
  CHECK_OK(pv_eigen_pencil_solve(NULL, p.A, p.B, k, NULL, lam, X, p.n, &info));
  CHECK(!info.dense);
  CHECK(info.sigma < p.w[0]); /* automatic shift found below the spectrum */
  CHECK(info.max_residual <= 1e-10);
  int64_t ref[25];
  for (int i = 0; i < k; i++)
    ref[i] = i;
  check_pairs(&p, k, lam, X, ref);
  /* A given sigma above the smallest eigenvalue is refused. */
  pv_eigen_options opt = PV_EIGEN_OPTIONS_INIT;
  opt.sigma = 0.5 * (p.w[0] + p.w[1]);
  CHECK_STATUS(pv_eigen_pencil_solve(NULL, p.A, p.B, k, &opt, lam, X, p.n, NULL), PV_ENUMERIC);
  /* The residual the solver reports (computed from its vectors with
   * C = A - sigma B) agrees with pv_eigen_residual (A and B separately) up
   * to the rounding of the residual vectors themselves: eps (||A|| +
   * |lambda| ||B||) / lambda_max ~ 1e-15 here. */
  double res, each[25];
  CHECK_OK(pv_eigen_residual(p.A, p.B, k, lam, X, p.n, &res, each));
  CHECK_NEAR(res, info.max_residual, 1e-14 + 1e-6 * res);
  free(X);
  free_pencil(&p);
}

/* A basis barely larger than k forces many thick restarts, in which the
 * converged leading Ritz pairs are locked (deflated); the pairs must still
 * match the dense solver. */
static void test_locking_small_basis_vs_dsygvd(void) {
  pencil p;
  make_pencil(&p, 400, 13);
  int k = 30;
  pv_eigen_options opt = PV_EIGEN_OPTIONS_INIT;
  opt.block = 4, opt.basis = k + 5 * 4;
  double lam[30], *X = malloc(sizeof(double) * p.n * k);
  pv_eigen_info info = {.struct_size = sizeof info};
  CHECK_OK(pv_eigen_pencil_solve(NULL, p.A, p.B, k, &opt, lam, X, p.n, &info));
  CHECK(!info.dense);
  CHECK(info.restarts >= 5);
  CHECK(info.max_residual <= 1e-10);
  int64_t ref[30];
  for (int i = 0; i < k; i++)
    ref[i] = i;
  check_pairs(&p, k, lam, X, ref);
  free(X);
  free_pencil(&p);
}

/* A lumped mass spread over two decades (as on meshes with uneven
 * triangles): the residual estimates divide by the smallest ||x||_2 a
 * B-normalised vector can have, so near the target they are refined with
 * the Ritz vectors' own norms. The pairs must match the dense solver, the
 * residual recomputed from A and B must meet tol, and X^T B X = I to 1e-12. */
/* Counts the solver's "refined with ||x||" debug lines. */
static void count_refined(pv_log_level level, const char *category, const char *message,
                          void *user) {
  (void)level, (void)category;
  if (strstr(message, "refined with ||x||"))
    ++*(int *)user;
}

static void test_uneven_mass_vs_dsygvd(void) {
  pencil p = {.n = 300};
  int64_t n = p.n;
  int k = 20;
  CHECK_OK(grid_laplacian(20, 15, 0, &p.A));
  double *m = malloc(sizeof(double) * n);
  pv_rng g;
  pv_rng_init(&g, 29, 3);
  for (int64_t i = 0; i < n; i++)
    m[i] = pow(10.0, -2.0 * pv_rng_uniform(&g));
  CHECK_OK(pv_sparse_create_diag(NULL, n, m, &p.B));
  p.Ad = calloc((size_t)(n * n), sizeof(double)), p.Bd = calloc((size_t)(n * n), sizeof(double));
  p.Z = malloc(sizeof(double) * n * n), p.w = malloc(sizeof(double) * n);
  double *Bc = calloc((size_t)(n * n), sizeof(double)), *e = calloc((size_t)n, sizeof(double));
  for (int64_t j = 0; j < n; j++) { /* dense A column by column: A e_j */
    e[j] = 1;
    CHECK_OK(pv_sparse_matvec(p.A, 1.0, e, 0.0, p.Ad + j * n));
    e[j] = 0;
    p.Bd[j + j * n] = Bc[j + j * n] = m[j];
  }
  memcpy(p.Z, p.Ad, sizeof(double) * n * n);
  CHECK_EQ_INT(LAPACKE_dsygvd(LAPACK_COL_MAJOR, 1, 'V', 'L', n, p.Z, n, Bc, n, p.w), 0);
  double lam[20], *X = malloc(sizeof(double) * n * k), res;
  pv_eigen_info info = {.struct_size = sizeof info};
  pv_ctx *ctx = NULL;
  int refined = 0;
  CHECK_OK(pv_ctx_create(&ctx));
  pv_ctx_set_log(ctx, PV_LOG_DEBUG, count_refined, &refined);
  CHECK_OK(pv_ctx_set_debug(ctx, "eigen"));
  CHECK_OK(pv_eigen_pencil_solve(ctx, p.A, p.B, k, NULL, lam, X, n, &info));
  pv_ctx_destroy(&ctx);
  CHECK(!info.dense);
  CHECK(refined > 0); /* the path under test ran */
  CHECK_OK(pv_eigen_residual(p.A, p.B, k, lam, X, n, &res, NULL));
  CHECK(res <= 1e-10);
  int64_t ref[20];
  for (int i = 0; i < k; i++)
    ref[i] = i;
  check_pairs(&p, k, lam, X, ref);
  double worst = 0;
  for (int i = 0; i < k; i++)
    for (int j = 0; j <= i; j++) {
      double s = 0;
      for (int64_t r = 0; r < n; r++)
        s += X[i * n + r] * m[r] * X[j * n + r];
      worst = fmax(worst, fabs(s - (i == j)));
    }
  printf("  uneven mass: residual %.2e, max |X^T B X - I| %.2e\n", res, worst);
  CHECK(worst <= 1e-12);
  free(X), free(m), free(Bc), free(e);
  free_pencil(&p);
}

/* Block 12: each shift-invert solve runs as two interleaved sweeps (8 + 4
 * right-hand sides, the second padded); pairs must match the dense solver. */
static void test_block12_vs_dsygvd(void) {
  pencil p;
  make_pencil(&p, 300, 17);
  int k = 20;
  pv_eigen_options opt = PV_EIGEN_OPTIONS_INIT;
  opt.block = 12;
  double lam[20], *X = malloc(sizeof(double) * p.n * k);
  pv_eigen_info info = {.struct_size = sizeof info};
  CHECK_OK(pv_eigen_pencil_solve(NULL, p.A, p.B, k, &opt, lam, X, p.n, &info));
  CHECK(!info.dense);
  CHECK(info.op_applies % 12 == 0);
  CHECK(info.max_residual <= 1e-10);
  int64_t ref[20];
  for (int i = 0; i < k; i++)
    ref[i] = i;
  check_pairs(&p, k, lam, X, ref);
  free(X);
  free_pencil(&p);
}

static void test_interior_vs_dsygvd(void) {
  pencil p;
  make_pencil(&p, 450, 12);
  int k = 16;
  pv_eigen_options opt = PV_EIGEN_OPTIONS_INIT;
  opt.which = PV_EIGEN_NEAREST;
  opt.sigma = 0.5 * (p.w[200] + p.w[201]) + 1e-3 * (p.w[201] - p.w[200]);
  double lam[16], *X = malloc(sizeof(double) * p.n * k);
  pv_eigen_info info = {.struct_size = sizeof info};
  CHECK_OK(pv_eigen_pencil_solve(NULL, p.A, p.B, k, &opt, lam, X, p.n, &info));
  CHECK(!info.dense);
  CHECK(info.max_residual <= 1e-10);
  /* The 16 nearest in the dense spectrum: a window around 200/201. */
  int64_t lo = 200, hi = 201, ref[16];
  while (hi - lo + 1 < k) {
    if (lo > 0 && (hi + 1 >= p.n || opt.sigma - p.w[lo - 1] < p.w[hi + 1] - opt.sigma))
      lo--;
    else
      hi++;
  }
  for (int i = 0; i < k; i++)
    ref[i] = lo + i;
  check_pairs(&p, k, lam, X, ref);
  /* The dense path gives the same selection. */
  opt.dense_max_n = p.n;
  double lam2[16];
  CHECK_OK(pv_eigen_pencil_solve(NULL, p.A, p.B, k, &opt, lam2, X, p.n, &info));
  CHECK(info.dense);
  for (int i = 0; i < k; i++)
    CHECK_NEAR(lam2[i], lam[i], 1e-9);
  free(X);
  free_pencil(&p);
}

static int cancel_at_first(double frac, const char *msg, void *user) {
  (void)frac, (void)msg;
  return ++*(int *)user > 1 ? 0 : 1;
}

static void test_bad_input(void) {
  pv_sparse *A = NULL, *B = NULL, *Bneg = NULL, *Bind = NULL;
  CHECK_OK(grid_laplacian(30, 10, 1, &A)); /* periodic: eigenvalue 0 exactly */
  int64_t n = 300;
  double *d = malloc(sizeof(double) * n), *X = malloc(sizeof(double) * n * 10), lam[10];
  for (int64_t i = 0; i < n; i++)
    d[i] = 1 + (i % 7);
  CHECK_OK(pv_sparse_create_diag(NULL, n, d, &B));
  d[17] = -1;
  CHECK_OK(pv_sparse_create_diag(NULL, n, d, &Bneg));
  /* Indefinite B with a positive diagonal: 1 on the diagonal, 2 off it. */
  int64_t r[4] = {0, 1, 0, 1}, c[4] = {0, 1, 1, 0};
  double v[4] = {1, 1, 2, 2};
  pv_sparse *blk = NULL;
  CHECK_OK(pv_sparse_create_coo(NULL, n, n, 4, r, c, v, &blk));
  for (int64_t i = 0; i < n; i++)
    d[i] = i < 2 ? 0 : 1;
  pv_sparse *rest = NULL;
  CHECK_OK(pv_sparse_create_diag(NULL, n, d, &rest));
  CHECK_OK(pv_sparse_add(NULL, 1.0, blk, 1.0, rest, &Bind));
  pv_sparse_destroy(&blk), pv_sparse_destroy(&rest);

  CHECK_STATUS(pv_eigen_pencil_solve(NULL, A, Bneg, 5, NULL, lam, X, n, NULL), PV_ENUMERIC);
  CHECK_EQ_INT(pv_eigen_pencil_solve(NULL, A, Bind, 5, NULL, lam, X, n, NULL), PV_ENUMERIC);
  CHECK(strstr(pv_error_message(), "B is not positive definite") != NULL);
  pv_error_clear();
  CHECK_STATUS(pv_eigen_pencil_solve(NULL, A, B, (int)n + 1, NULL, lam, X, n, NULL), PV_EINVAL);
  CHECK_STATUS(pv_eigen_pencil_solve(NULL, A, B, 0, NULL, lam, X, n, NULL), PV_EINVAL);
  pv_eigen_options opt = PV_EIGEN_OPTIONS_INIT;
  opt.dense_max_n = 0; /* Krylov path cannot hold k = n - 2 */
  CHECK_STATUS(pv_eigen_pencil_solve(NULL, A, B, (int)n - 2, &opt, lam, X, n, NULL), PV_EINVAL);
  /* Singular shift: 0 is an exact eigenvalue of the periodic Laplacian. */
  opt = (pv_eigen_options)PV_EIGEN_OPTIONS_INIT;
  opt.which = PV_EIGEN_NEAREST, opt.sigma = 0;
  CHECK_EQ_INT(pv_eigen_pencil_solve(NULL, A, B, 5, &opt, lam, X, n, NULL), PV_ENUMERIC);
  CHECK(strstr(pv_error_message(), "eigenvalue") != NULL);
  pv_error_clear();
  opt.which = PV_EIGEN_SMALLEST;
  CHECK_STATUS(pv_eigen_pencil_solve(NULL, A, B, 5, &opt, lam, X, n, NULL), PV_ENUMERIC);
  opt.which = PV_EIGEN_NEAREST, opt.sigma = NAN;
  CHECK_STATUS(pv_eigen_pencil_solve(NULL, A, B, 5, &opt, lam, X, n, NULL), PV_EINVAL);
  opt = (pv_eigen_options)PV_EIGEN_OPTIONS_INIT;
  opt.struct_size = 3;
  CHECK_STATUS(pv_eigen_pencil_solve(NULL, A, B, 5, &opt, lam, X, n, NULL), PV_EINVAL);
  CHECK_STATUS(pv_eigen_pencil_solve(NULL, A, B, 5, NULL, lam, X, n - 1, NULL), PV_EINVAL);
  /* Unsymmetric A. */
  pv_sparse *U = NULL;
  int64_t ur[1] = {3}, uc[1] = {4};
  double uv[1] = {0.5};
  CHECK_OK(pv_sparse_create_coo(NULL, n, n, 1, ur, uc, uv, &U));
  pv_sparse *AU = NULL;
  CHECK_OK(pv_sparse_add(NULL, 1.0, A, 1.0, U, &AU));
  CHECK_STATUS(pv_eigen_pencil_solve(NULL, AU, B, 5, NULL, lam, X, n, NULL), PV_EINVAL);
  /* Cancellation from the progress callback; too few restarts. */
  pv_ctx *ctx = NULL;
  CHECK_OK(pv_ctx_create(&ctx));
  int calls = 0;
  pv_ctx_set_progress(ctx, cancel_at_first, &calls);
  opt = (pv_eigen_options)PV_EIGEN_OPTIONS_INIT;
  opt.basis = 30, opt.block = 4;
  CHECK_STATUS(pv_eigen_pencil_solve(ctx, A, B, 10, &opt, lam, X, n, NULL), PV_ECANCEL);
  opt.max_restarts = 0;
  CHECK_STATUS(pv_eigen_pencil_solve(NULL, A, B, 10, &opt, lam, X, n, NULL), PV_ENOTCONV);
  pv_ctx_destroy(&ctx);
  pv_sparse_destroy(&U), pv_sparse_destroy(&AU);
  pv_sparse_destroy(&A), pv_sparse_destroy(&B), pv_sparse_destroy(&Bneg), pv_sparse_destroy(&Bind);
  free(d), free(X);
}

static void test_allocation_failures(void) {
  pv_sparse *A = NULL;
  CHECK_OK(grid_laplacian(20, 15, 0, &A));
  int64_t n = 300;
  double *X = malloc(sizeof(double) * n * 6), lam[6];
  pv_eigen_options opt = PV_EIGEN_OPTIONS_INIT;
  opt.block = 2;
  int failures = 0;
  for (long k = 0; k < 400; k++) {
    long before = pv_test_alloc_live();
    pv_test_fail_alloc_after(k);
    int rc = pv_eigen_pencil_solve(NULL, A, NULL, 6, &opt, lam, X, n, NULL);
    pv_test_fail_alloc_after(-1);
    CHECK_EQ_INT(pv_test_alloc_live(), before);
    if (rc == PV_OK)
      break;
    CHECK_EQ_INT(rc, PV_ENOMEM);
    pv_error_clear();
    failures++;
  }
  printf("  pv_eigen_pencil_solve: %d allocation failure points\n", failures);
  CHECK(failures > 10 && failures < 400);
  double *w = grid_spectrum(20, 15, 0);
  for (int i = 0; i < 6; i++)
    CHECK_NEAR(lam[i], w[i], 1e-9);
  free(w), free(X);
  pv_sparse_destroy(&A);
}

PV_TEST_MAIN(PV_CASE(test_smallest_vs_dsygvd), PV_CASE(test_locking_small_basis_vs_dsygvd),
             PV_CASE(test_block12_vs_dsygvd), PV_CASE(test_uneven_mass_vs_dsygvd),
             PV_CASE(test_interior_vs_dsygvd),
             PV_CASE(test_bad_input), PV_CASE(test_allocation_failures))
