/* ops.c - operations on CSC matrices: accessors, sum, transpose, symmetry
 * test and products with dense blocks. */
#include <math.h>
#include <string.h>

#include "sparse_internal.h"
#include <parseval/alloc.h>
#include <parseval/error.h>

int64_t pv_sparse_nrow(const pv_sparse *A) {
  return A ? A->nrow : 0;
}
int64_t pv_sparse_ncol(const pv_sparse *A) {
  return A ? A->ncol : 0;
}
int64_t pv_sparse_nnz(const pv_sparse *A) {
  return A ? A->p[A->ncol] : 0;
}

void pv_sparse_csc(const pv_sparse *A, const int64_t **colptr, const int64_t **rowind,
                   const double **val) {
  if (colptr)
    *colptr = A ? A->p : NULL;
  if (rowind)
    *rowind = A ? A->i : NULL;
  if (val)
    *val = A ? A->x : NULL;
}

/* Merge two sorted columns: pass 0 counts, pass 1 writes. */
int pv_sparse_add(pv_ctx *ctx, double alpha, const pv_sparse *A, double beta, const pv_sparse *B,
                  pv_sparse **out) {
  (void)ctx;
  if (!out || !A || !B)
    return PV_ERROR(PV_EINVAL, "sparse add: NULL argument");
  *out = NULL;
  if (A->nrow != B->nrow || A->ncol != B->ncol)
    return PV_ERROR(PV_EINVAL, "sparse add: shapes %lld x %lld and %lld x %lld differ",
                    (long long)A->nrow, (long long)A->ncol, (long long)B->nrow, (long long)B->ncol);
  int64_t nnz = 0;
  for (int64_t j = 0; j < A->ncol; j++) {
    int64_t a = A->p[j], b = B->p[j];
    while (a < A->p[j + 1] || b < B->p[j + 1]) {
      int64_t ra = a < A->p[j + 1] ? A->i[a] : INT64_MAX;
      int64_t rb = b < B->p[j + 1] ? B->i[b] : INT64_MAX;
      a += ra <= rb;
      b += rb <= ra;
      nnz++;
    }
  }
  pv_sparse *C;
  int st = pv_sparse_alloc_(A->nrow, A->ncol, nnz, &C);
  if (st)
    return st;
  int64_t w = 0;
  for (int64_t j = 0; j < A->ncol; j++) {
    int64_t a = A->p[j], b = B->p[j];
    while (a < A->p[j + 1] || b < B->p[j + 1]) {
      int64_t ra = a < A->p[j + 1] ? A->i[a] : INT64_MAX;
      int64_t rb = b < B->p[j + 1] ? B->i[b] : INT64_MAX;
      double v = 0;
      if (ra <= rb)
        v += alpha * A->x[a++];
      if (rb <= ra)
        v += beta * B->x[b++];
      C->i[w] = ra < rb ? ra : rb;
      C->x[w++] = v;
    }
    C->p[j + 1] = w;
  }
  *out = C;
  return 0;
}

int pv_sparse_transpose(pv_ctx *ctx, const pv_sparse *A, pv_sparse **out) {
  (void)ctx;
  if (!out || !A)
    return PV_ERROR(PV_EINVAL, "sparse transpose: NULL argument");
  *out = NULL;
  int64_t nnz = A->p[A->ncol];
  pv_sparse *T;
  int st = pv_sparse_alloc_(A->ncol, A->nrow, nnz, &T);
  if (st)
    return st;
  int64_t *next = pv_malloc((size_t)(A->nrow + 1) * sizeof *next);
  if (!next) {
    pv_sparse_destroy(&T);
    return PV_ERROR(PV_ENOMEM, "sparse transpose workspace");
  }
  for (int64_t k = 0; k < nnz; k++)
    T->p[A->i[k] + 1]++;
  for (int64_t r = 0; r < A->nrow; r++)
    T->p[r + 1] += T->p[r];
  memcpy(next, T->p, (size_t)(A->nrow + 1) * sizeof *next);
  for (int64_t j = 0; j < A->ncol; j++)
    for (int64_t k = A->p[j]; k < A->p[j + 1]; k++) {
      int64_t d = next[A->i[k]]++;
      T->i[d] = j;
      T->x[d] = A->x[k];
    }
  pv_free(next);
  *out = T;
  return 0;
}

int pv_sparse_symmetry_(const pv_sparse *A, double tol, int *sym) {
  *sym = 0;
  if (!A || A->nrow != A->ncol)
    return 0;
  pv_sparse *T = NULL, *D = NULL;
  int st = pv_sparse_transpose(NULL, A, &T);
  if (!st)
    st = pv_sparse_add(NULL, 1.0, A, -1.0, T, &D);
  if (!st) {
    double amax = 0, dmax = 0;
    for (int64_t k = 0; k < A->p[A->ncol]; k++)
      amax = fmax(amax, fabs(A->x[k]));
    for (int64_t k = 0; k < D->p[D->ncol]; k++)
      dmax = fmax(dmax, fabs(D->x[k]));
    *sym = dmax <= tol * amax;
  }
  pv_sparse_destroy(&T);
  pv_sparse_destroy(&D);
  return st;
}

int pv_sparse_is_symmetric(const pv_sparse *A, double tol) {
  int sym;
  return pv_sparse_symmetry_(A, tol, &sym) ? 0 : sym;
}

static int check_block(const pv_sparse *A, int64_t nvec, const double *X, int64_t ldx,
                       int64_t xrows, const double *Y, int64_t ldy, int64_t yrows) {
  if (!A || (nvec > 0 && (!X || !Y)))
    return PV_ERROR(PV_EINVAL, "sparse product: NULL argument");
  if (nvec < 0 || ldx < (xrows > 1 ? xrows : 1) || ldy < (yrows > 1 ? yrows : 1))
    return PV_ERROR(
        PV_EINVAL, "sparse product: nvec %lld, ldx %lld (need >= %lld), ldy %lld (need >= %lld)",
        (long long)nvec, (long long)ldx, (long long)xrows, (long long)ldy, (long long)yrows);
  return 0;
}

int pv_sparse_matmul(const pv_sparse *A, int64_t nvec, double alpha, const double *X, int64_t ldx,
                     double beta, double *Y, int64_t ldy) {
  int st = check_block(A, nvec, X, ldx, A ? A->ncol : 0, Y, ldy, A ? A->nrow : 0);
  if (st)
    return st;
  for (int64_t v = 0; v < nvec; v++) {
    const double *x = X + v * ldx;
    double *y = Y + v * ldy;
    if (beta == 0)
      memset(y, 0, (size_t)A->nrow * sizeof *y);
    else if (beta != 1)
      for (int64_t r = 0; r < A->nrow; r++)
        y[r] *= beta;
    for (int64_t j = 0; j < A->ncol; j++) {
      double xj = alpha * x[j];
      for (int64_t k = A->p[j]; k < A->p[j + 1]; k++)
        y[A->i[k]] += A->x[k] * xj;
    }
  }
  return 0;
}

int pv_sparse_matvec(const pv_sparse *A, double alpha, const double *x, double beta, double *y) {
  return pv_sparse_matmul(A, 1, alpha, x, A ? (A->ncol > 0 ? A->ncol : 1) : 1, beta, y,
                          A ? (A->nrow > 0 ? A->nrow : 1) : 1);
}

int pv_sparse_matmul_t(pv_ctx *ctx, const pv_sparse *A, int64_t nvec, double alpha, const double *X,
                       int64_t ldx, double beta, double *Y, int64_t ldy) {
  int st = check_block(A, nvec, X, ldx, A ? A->nrow : 0, Y, ldy, A ? A->ncol : 0);
  if (st)
    return st;
  int nthr = ctx ? pv_ctx_threads(ctx) : 1;
  int64_t ncol = A->ncol;
#pragma omp parallel for num_threads(nthr) schedule(static) if (ncol * nvec > 20000)
  for (int64_t j = 0; j < ncol; j++) {
    for (int64_t v = 0; v < nvec; v++) {
      const double *x = X + v * ldx;
      double s = 0;
      for (int64_t k = A->p[j]; k < A->p[j + 1]; k++)
        s += A->x[k] * x[A->i[k]];
      double *y = Y + v * ldy + j;
      *y = beta == 0 ? alpha * s : alpha * s + beta * *y;
    }
  }
  return 0;
}
