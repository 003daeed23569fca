/* Sparse matrices: COO/CSC assembly against dense accumulation, products,
 * sum, transpose, CHOLMOD and UMFPACK solves checked by their residuals,
 * bad input, and an allocation-failure countdown over the create functions. */
#include "pv_test.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <parseval/sparse.h>

/* Random triplets (with many duplicates) and their dense accumulation. */
static void random_coo(pv_rng *g, int64_t nr, int64_t nc, int64_t nnz, int64_t *r, int64_t *c,
                       double *v, double *dense) {
  memset(dense, 0, sizeof(double) * nr * nc);
  for (int64_t t = 0; t < nnz; t++) {
    r[t] = (int64_t)pv_rng_below(g, (uint64_t)nr);
    c[t] = (int64_t)pv_rng_below(g, (uint64_t)nc);
    v[t] = pv_rng_normal(g);
    dense[r[t] + c[t] * nr] += v[t];
  }
}

/* A's entries equal dense exactly (summation order is the same, triplet
 * order), rows are sorted and unique. */
static void check_equals_dense(const pv_sparse *A, const double *dense) {
  int64_t nr = pv_sparse_nrow(A), nc = pv_sparse_ncol(A);
  const int64_t *p, *i;
  const double *x;
  pv_sparse_csc(A, &p, &i, &x);
  double *back = calloc((size_t)(nr * nc), sizeof *back);
  for (int64_t j = 0; j < nc; j++)
    for (int64_t q = p[j]; q < p[j + 1]; q++) {
      if (q > p[j])
        CHECK(i[q] > i[q - 1]);
      back[i[q] + j * nr] = x[q];
    }
  for (int64_t q = 0; q < nr * nc; q++)
    CHECK_NEAR(back[q], dense[q], 1e-12);
  free(back);
}

static void test_coo_assembly_sums_duplicates(void) {
  pv_rng g;
  pv_rng_init(&g, 1, 0);
  int64_t nr = 37, nc = 23, nnz = 2000;
  int64_t *r = malloc(sizeof(int64_t) * nnz), *c = malloc(sizeof(int64_t) * nnz);
  double *v = malloc(sizeof(double) * nnz), *d = malloc(sizeof(double) * nr * nc);
  random_coo(&g, nr, nc, nnz, r, c, v, d);
  pv_sparse *A = NULL;
  CHECK_OK(pv_sparse_create_coo(NULL, nr, nc, nnz, r, c, v, &A));
  CHECK_EQ_INT(pv_sparse_nrow(A), nr);
  CHECK_EQ_INT(pv_sparse_ncol(A), nc);
  CHECK(pv_sparse_nnz(A) <= nr * nc);
  check_equals_dense(A, d);
  /* The same matrix through the CSC constructor with unsorted duplicates. */
  const int64_t *p, *i;
  const double *x;
  pv_sparse_csc(A, &p, &i, &x);
  int64_t m = pv_sparse_nnz(A);
  int64_t *p2 = malloc(sizeof(int64_t) * (nc + 1)), *i2 = malloc(sizeof(int64_t) * 2 * m);
  double *x2 = malloc(sizeof(double) * 2 * m);
  p2[0] = 0;
  for (int64_t j = 0; j < nc; j++) { /* each entry split in halves, reversed order */
    int64_t w = p2[j];
    for (int64_t q = p[j + 1] - 1; q >= p[j]; q--) {
      i2[w] = i[q], x2[w++] = 0.25 * x[q];
      i2[w] = i[q], x2[w++] = 0.75 * x[q];
    }
    p2[j + 1] = w;
  }
  pv_sparse *A2 = NULL;
  CHECK_OK(pv_sparse_create_csc(NULL, nr, nc, p2, i2, x2, &A2));
  CHECK_EQ_INT(pv_sparse_nnz(A2), m);
  check_equals_dense(A2, d);
  pv_sparse_destroy(&A2);
  pv_sparse_destroy(&A);
  CHECK(A == NULL);
  pv_sparse_destroy(NULL);
  free(r), free(c), free(v), free(d), free(p2), free(i2), free(x2);
}

static void test_bad_input(void) {
  pv_sparse *A = (pv_sparse *)&A; /* must be reset to NULL on failure */
  int64_t r[2] = {0, 5}, c[2] = {0, 1};
  double v[2] = {1, 2};
  CHECK_STATUS(pv_sparse_create_coo(NULL, 3, 3, 2, r, c, v, &A), PV_EINVAL);
  CHECK(A == NULL);
  r[1] = 1, c[1] = -1;
  CHECK_STATUS(pv_sparse_create_coo(NULL, 3, 3, 2, r, c, v, &A), PV_EINVAL);
  c[1] = 1, v[1] = NAN;
  CHECK_EQ_INT(pv_sparse_create_coo(NULL, 3, 3, 2, r, c, v, &A), PV_EINVAL);
  CHECK(strstr(pv_error_message(), "not finite") != NULL);
  pv_error_clear();
  v[1] = INFINITY;
  CHECK_STATUS(pv_sparse_create_coo(NULL, 3, 3, 2, r, c, v, &A), PV_EINVAL);
  CHECK_STATUS(pv_sparse_create_coo(NULL, -1, 3, 0, r, c, v, &A), PV_EINVAL);
  int64_t p[4] = {0, 2, 1, 2};
  v[1] = 1;
  CHECK_STATUS(pv_sparse_create_csc(NULL, 3, 3, p, r, v, &A), PV_EINVAL);
  double d[2] = {1, NAN};
  CHECK_STATUS(pv_sparse_create_diag(NULL, 2, d, &A), PV_EINVAL);
  CHECK(A == NULL);
}

static void test_products_sum_transpose(void) {
  pv_rng g;
  pv_rng_init(&g, 2, 0);
  int64_t nr = 31, nc = 17, nnz = 150, nv = 3, ld = 40;
  int64_t *r = malloc(sizeof(int64_t) * nnz), *c = malloc(sizeof(int64_t) * nnz);
  double *v = malloc(sizeof(double) * nnz), *d = malloc(sizeof(double) * nr * nc);
  double *d2 = malloc(sizeof(double) * nr * nc);
  random_coo(&g, nr, nc, nnz, r, c, v, d);
  pv_sparse *A = NULL, *B = NULL, *S = NULL, *T = NULL;
  CHECK_OK(pv_sparse_create_coo(NULL, nr, nc, nnz, r, c, v, &A));
  random_coo(&g, nr, nc, nnz / 2, r, c, v, d2);
  CHECK_OK(pv_sparse_create_coo(NULL, nr, nc, nnz / 2, r, c, v, &B));
  double X[40 * 3], Y[40 * 3], Z[40 * 3];
  for (int q = 0; q < 40 * 3; q++)
    X[q] = pv_rng_normal(&g), Y[q] = pv_rng_normal(&g), Z[q] = Y[q];
  CHECK_OK(pv_sparse_matmul(A, nv, 2.0, X, ld, 0.5, Y, ld));
  for (int64_t s = 0; s < nv; s++)
    for (int64_t i = 0; i < nr; i++) {
      double e = 0.5 * Z[i + s * ld];
      for (int64_t j = 0; j < nc; j++)
        e += 2.0 * d[i + j * nr] * X[j + s * ld];
      CHECK_NEAR(Y[i + s * ld], e, 1e-12);
    }
  CHECK_OK(pv_sparse_matmul_t(NULL, A, nv, 1.0, X, ld, 0.0, Y, ld));
  for (int64_t s = 0; s < nv; s++)
    for (int64_t j = 0; j < nc; j++) {
      double e = 0;
      for (int64_t i = 0; i < nr; i++)
        e += d[i + j * nr] * X[i + s * ld];
      CHECK_NEAR(Y[j + s * ld], e, 1e-12);
    }
  CHECK_OK(pv_sparse_add(NULL, 2.0, A, -3.0, B, &S));
  for (int64_t q = 0; q < nr * nc; q++)
    d2[q] = 2.0 * d[q] - 3.0 * d2[q];
  check_equals_dense(S, d2);
  CHECK_OK(pv_sparse_transpose(NULL, A, &T));
  for (int64_t i = 0; i < nr; i++)
    for (int64_t j = 0; j < nc; j++)
      d2[j + i * nc] = d[i + j * nr];
  check_equals_dense(T, d2);
  CHECK(!pv_sparse_is_symmetric(A, 1e-12));
  pv_sparse *AT = NULL;
  pv_sparse_destroy(&S);
  CHECK_STATUS(pv_sparse_add(NULL, 1.0, A, 1.0, T, &S), PV_EINVAL); /* shapes differ */
  CHECK_OK(pv_sparse_create_coo(NULL, nr, nr, 0, r, c, v, &AT));
  CHECK(pv_sparse_is_symmetric(AT, 0));
  pv_sparse_destroy(&AT);
  pv_sparse_destroy(&A), pv_sparse_destroy(&B), pv_sparse_destroy(&T);
  free(r), free(c), free(v), free(d), free(d2);
}

/* n x n SPD test matrix: 3 on the diagonal, -1 next to it (1D chain) and a
 * random weighted graph Laplacian on top; the dense copy goes to dense. */
static pv_sparse *spd_matrix(pv_rng *g, int64_t n, double *dense) {
  int64_t cap = 7 * n, t = 0;
  int64_t *r = malloc(sizeof(int64_t) * cap), *c = malloc(sizeof(int64_t) * cap);
  double *v = malloc(sizeof(double) * cap);
#define PUT(i_, j_, v_) (r[t] = (i_), c[t] = (j_), v[t] = (v_), t++)
  for (int64_t i = 0; i < n; i++) {
    PUT(i, i, 3.0);
    if (i + 1 < n)
      PUT(i, i + 1, -1.0), PUT(i + 1, i, -1.0);
    int64_t j = (int64_t)pv_rng_below(g, (uint64_t)n);
    double w = 0.5 * pv_rng_uniform(g);
    PUT(i, i, w), PUT(j, j, w), PUT(i, j, -w), PUT(j, i, -w);
  }
#undef PUT
  memset(dense, 0, sizeof(double) * n * n);
  for (int64_t q = 0; q < t; q++)
    dense[r[q] + c[q] * n] += v[q];
  pv_sparse *A = NULL;
  CHECK_OK(pv_sparse_create_coo(NULL, n, n, t, r, c, v, &A));
  free(r), free(c), free(v);
  return A;
}

static double resid(const double *dense, int64_t n, const double *x, const double *b) {
  double e = 0;
  for (int64_t i = 0; i < n; i++) {
    double s = -b[i];
    for (int64_t j = 0; j < n; j++)
      s += dense[i + j * n] * x[j];
    e = fmax(e, fabs(s));
  }
  return e;
}

static void test_cholmod_analyse_once_factor_many(void) {
  pv_rng g;
  pv_rng_init(&g, 3, 0);
  int64_t n = 300, ld = 310;
  double *d = malloc(sizeof(double) * n * n), *B = malloc(sizeof(double) * ld * 4);
  double *X = malloc(sizeof(double) * ld * 4);
  pv_sparse *A = spd_matrix(&g, n, d);
  CHECK(pv_sparse_is_symmetric(A, 0));
  for (int q = 0; q < ld * 4; q++)
    B[q] = pv_rng_normal(&g);
  pv_sparse_chol *f = NULL;
  CHECK_OK(pv_sparse_chol_create(NULL, A, &f));
  CHECK_STATUS(pv_sparse_chol_solve(f, 4, B, ld, X, ld), PV_EINVAL); /* not factorised */
  for (int round = 0; round < 3; round++) {
    double shift = round * 0.75; /* A + shift I with the same analysis */
    CHECK_OK(pv_sparse_chol_factorize(f, A, shift));
    CHECK(pv_sparse_chol_nnz(f) >= n);
    CHECK(pv_sparse_chol_rcond(f) > 1e-6);
    CHECK_OK(pv_sparse_chol_solve(f, 4, B, ld, X, ld));
    for (int64_t i = 0; i < n; i++)
      d[i + i * n] += shift;
    for (int s = 0; s < 4; s++)
      CHECK(resid(d, n, X + s * ld, B + s * ld) < 1e-10);
    for (int64_t i = 0; i < n; i++)
      d[i + i * n] -= shift;
  }
  /* Indefinite: shift the diagonal far down. */
  CHECK_STATUS(pv_sparse_chol_factorize(f, A, -10.0), PV_ENUMERIC);
  CHECK_STATUS(pv_sparse_chol_solve(f, 1, B, ld, X, ld), PV_EINVAL);
  pv_sparse_chol_destroy(&f);
  CHECK(f == NULL);
  pv_sparse_chol_destroy(NULL);
  pv_sparse_destroy(&A);
  free(d), free(B), free(X);
}

static void test_umfpack_unsymmetric_and_singular(void) {
  pv_rng g;
  pv_rng_init(&g, 4, 0);
  int64_t n = 200, nnz = 1200;
  int64_t *r = malloc(sizeof(int64_t) * 2 * (nnz + n)),
          *c = malloc(sizeof(int64_t) * 2 * (nnz + n));
  double *v = malloc(sizeof(double) * 2 * (nnz + n)), *d = malloc(sizeof(double) * n * n);
  random_coo(&g, n, n, nnz, r, c, v, d);
  for (int64_t i = 0; i < n; i++) { /* make it safely nonsingular */
    r[nnz + i] = i, c[nnz + i] = i, v[nnz + i] = 8;
    d[i + i * n] += 8;
  }
  pv_sparse *A = NULL;
  CHECK_OK(pv_sparse_create_coo(NULL, n, n, nnz + n, r, c, v, &A));
  pv_sparse_lu *f = NULL;
  CHECK_OK(pv_sparse_lu_create(NULL, A, &f));
  CHECK(pv_sparse_lu_rcond(f) > 1e-6);
  double b[2 * 200], x[2 * 200];
  for (int q = 0; q < 2 * n; q++)
    b[q] = pv_rng_normal(&g);
  CHECK_OK(pv_sparse_lu_solve(f, 0, 2, b, n, x, n));
  CHECK(resid(d, n, x, b) < 1e-10 && resid(d, n, x + n, b + n) < 1e-10);
  CHECK_OK(pv_sparse_lu_solve(f, 1, 1, b, n, x, n));
  for (int64_t i = 0; i < n; i++) /* transpose the dense copy */
    for (int64_t j = 0; j < i; j++) {
      double t = d[i + j * n];
      d[i + j * n] = d[j + i * n], d[j + i * n] = t;
    }
  CHECK(resid(d, n, x, b) < 1e-10);
  pv_sparse_lu_destroy(&f);
  pv_sparse_destroy(&A);
  /* Singular: row 5 duplicated into row 9 (and 9's own entries removed). */
  int64_t t = 0;
  for (int64_t q = 0; q < nnz + n; q++)
    if (r[q] != 9)
      r[t] = r[q], c[t] = c[q], v[t] = v[q], t++;
  for (int64_t q = 0, t0 = t; q < t0; q++)
    if (r[q] == 5)
      r[t] = 9, c[t] = c[q], v[t] = v[q], t++;
  CHECK_OK(pv_sparse_create_coo(NULL, n, n, t, r, c, v, &A));
  f = (pv_sparse_lu *)&f;
  CHECK_EQ_INT(pv_sparse_lu_create(NULL, A, &f), PV_ENUMERIC);
  CHECK(strstr(pv_error_message(), "singular") != NULL);
  pv_error_clear();
  CHECK(f == NULL);
  pv_sparse_destroy(&A);
  free(r), free(c), free(v), free(d);
}

/* CHOLMOD and UMFPACK error paths print nothing: stdout and stderr are
 * redirected to files that must stay empty. */
static void test_solvers_never_print(void) {
  char path[2][600];
  int saved[2] = {dup(1), dup(2)};
  for (int f = 0; f < 2; f++) {
    snprintf(path[f], sizeof path[f], "%s/out%d.txt", pv_test_tmpdir(), f);
    fflush(f ? stderr : stdout);
    int fd = open(path[f], O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, f + 1);
    close(fd);
  }
  int64_t r[3] = {0, 1, 2}, c[3] = {0, 1, 2};
  double v[3] = {1, -1, 0};
  pv_sparse *A = NULL;
  pv_sparse_chol *f = NULL;
  pv_sparse_lu *lu = NULL;
  int st0 = pv_sparse_create_coo(NULL, 3, 3, 3, r, c, v, &A);
  int st1 = pv_sparse_chol_create(NULL, A, &f);
  int st2 = pv_sparse_chol_factorize(f, A, 0.0);
  int st3 = pv_sparse_lu_create(NULL, A, &lu);
  fflush(stdout), fflush(stderr);
  dup2(saved[0], 1), dup2(saved[1], 2);
  close(saved[0]), close(saved[1]);
  CHECK_EQ_INT(st0, 0);
  CHECK_EQ_INT(st1, 0);
  CHECK_EQ_INT(st2, PV_ENUMERIC);
  CHECK_EQ_INT(st3, PV_ENUMERIC);
  pv_error_clear();
  for (int q = 0; q < 2; q++) {
    struct stat sb;
    CHECK(stat(path[q], &sb) == 0 && sb.st_size == 0);
  }
  pv_sparse_chol_destroy(&f);
  pv_sparse_destroy(&A);
}

/* Fail the 1st, 2nd, ... allocation until creation succeeds; each failure
 * must return PV_ENOMEM and leak nothing. */
static pv_sparse *cd_A;
static int mk_coo(void **o) {
  int64_t r[4] = {0, 1, 1, 2}, c[4] = {0, 1, 1, 2};
  double v[4] = {2, 1, 1, 2};
  return pv_sparse_create_coo(NULL, 3, 3, 4, r, c, v, (pv_sparse **)o);
}
static void rm_coo(void **o) {
  pv_sparse_destroy((pv_sparse **)o);
}
static int mk_chol(void **o) {
  int st = pv_sparse_chol_create(NULL, cd_A, (pv_sparse_chol **)o);
  if (!st && (st = pv_sparse_chol_factorize(*o, cd_A, 0)))
    pv_sparse_chol_destroy((pv_sparse_chol **)o);
  return st;
}
static void rm_chol(void **o) {
  pv_sparse_chol_destroy((pv_sparse_chol **)o);
}
static int mk_lu(void **o) {
  return pv_sparse_lu_create(NULL, cd_A, (pv_sparse_lu **)o);
}
static void rm_lu(void **o) {
  pv_sparse_lu_destroy((pv_sparse_lu **)o);
}
static int mk_add(void **o) {
  return pv_sparse_add(NULL, 1, cd_A, 2, cd_A, (pv_sparse **)o);
}
static int mk_tr(void **o) {
  return pv_sparse_transpose(NULL, cd_A, (pv_sparse **)o);
}

static void test_allocation_failures(void) {
  CHECK_OK(mk_coo((void **)&cd_A));
  pv_test_alloc_countdown("pv_sparse_create_coo", mk_coo, rm_coo);
  pv_test_alloc_countdown("pv_sparse_add", mk_add, rm_coo);
  pv_test_alloc_countdown("pv_sparse_transpose", mk_tr, rm_coo);
  pv_test_alloc_countdown("pv_sparse_chol_create+factorize", mk_chol, rm_chol);
  pv_test_alloc_countdown("pv_sparse_lu_create", mk_lu, rm_lu);
  pv_sparse_destroy(&cd_A);
}

PV_TEST_MAIN(PV_CASE(test_coo_assembly_sums_duplicates), PV_CASE(test_bad_input),
             PV_CASE(test_products_sum_transpose), PV_CASE(test_cholmod_analyse_once_factor_many),
             PV_CASE(test_umfpack_unsymmetric_and_singular), PV_CASE(test_solvers_never_print),
             PV_CASE(test_allocation_failures))
