/* assemble.c - building CSC matrices: coordinate triplets to sorted,
 * duplicate-free compressed columns (two counting sorts, O(nnz + n)). */
#include <math.h>
#include <string.h>

#include "sparse_internal.h"
#include <parseval/alloc.h>
#include <parseval/error.h>

int pv_sparse_alloc_(int64_t nrow, int64_t ncol, int64_t nnz, pv_sparse **out) {
  pv_sparse *A = pv_calloc(1, sizeof *A);
  if (!A)
    return PV_ERROR(PV_ENOMEM, "sparse matrix header");
  A->nrow = nrow;
  A->ncol = ncol;
  A->p = pv_calloc((size_t)ncol + 1, sizeof *A->p);
  A->i = pv_malloc((size_t)(nnz > 0 ? nnz : 1) * sizeof *A->i);
  A->x = pv_malloc((size_t)(nnz > 0 ? nnz : 1) * sizeof *A->x);
  if (!A->p || !A->i || !A->x) {
    pv_sparse_destroy(&A);
    return PV_ERROR(PV_ENOMEM, "sparse matrix %lld x %lld with %lld entries", (long long)nrow,
                    (long long)ncol, (long long)nnz);
  }
  *out = A;
  return 0;
}

void pv_sparse_destroy(pv_sparse **A) {
  if (!A || !*A)
    return;
  pv_free((*A)->p);
  pv_free((*A)->i);
  pv_free((*A)->x);
  pv_free(*A);
  *A = NULL;
}

/* Column of triplet t: col[t] when given, else found from colptr. */
static int check_triplets(int64_t nrow, int64_t ncol, int64_t nnz, const int64_t *row,
                          const int64_t *col, const int64_t *colptr, const double *val) {
  int64_t c = 0;
  for (int64_t t = 0; t < nnz; t++) {
    if (colptr)
      while (colptr[c + 1] <= t)
        c++;
    int64_t j = colptr ? c : col[t];
    if (row[t] < 0 || row[t] >= nrow)
      return PV_ERROR(PV_EINVAL, "sparse entry %lld: row %lld outside [0, %lld)", (long long)t,
                      (long long)row[t], (long long)nrow);
    if (j < 0 || j >= ncol)
      return PV_ERROR(PV_EINVAL, "sparse entry %lld: column %lld outside [0, %lld)", (long long)t,
                      (long long)j, (long long)ncol);
    if (!isfinite(val[t]))
      return PV_ERROR(PV_EINVAL,
                      "sparse entry %lld (row %lld, column %lld): value %g is not finite",
                      (long long)t, (long long)row[t], (long long)j, val[t]);
  }
  return 0;
}

/* Sum duplicates in sorted columns, in place; returns the new nnz. */
static int64_t sum_duplicates(pv_sparse *A) {
  int64_t w = 0, start = 0;
  for (int64_t j = 0; j < A->ncol; j++) {
    int64_t end = A->p[j + 1], first = w;
    for (int64_t k = start; k < end; k++) {
      if (w > first && A->i[w - 1] == A->i[k]) {
        A->x[w - 1] += A->x[k];
      } else {
        A->i[w] = A->i[k];
        A->x[w] = A->x[k];
        w++;
      }
    }
    start = end;
    A->p[j + 1] = w;
  }
  return w;
}

/* Row-bucket the triplets (CSR), then column-bucket walking rows in order,
 * which leaves row indices sorted inside each column. */
static int assemble(int64_t nrow, int64_t ncol, int64_t nnz, const int64_t *row, const int64_t *col,
                    const int64_t *colptr, const double *val, pv_sparse **out) {
  int64_t *rp = pv_calloc((size_t)nrow + 1, sizeof *rp);
  int64_t *rc = pv_malloc((size_t)(nnz > 0 ? nnz : 1) * sizeof *rc);
  double *rv = pv_malloc((size_t)(nnz > 0 ? nnz : 1) * sizeof *rv);
  pv_sparse *A = NULL;
  int st = (rp && rc && rv)
               ? pv_sparse_alloc_(nrow, ncol, nnz, &A)
               : PV_ERROR(PV_ENOMEM, "sparse assembly workspace (%lld entries)", (long long)nnz);
  if (st)
    goto done;
  for (int64_t t = 0; t < nnz; t++)
    rp[row[t] + 1]++;
  for (int64_t r = 0; r < nrow; r++)
    rp[r + 1] += rp[r];
  int64_t c = 0;
  for (int64_t t = 0; t < nnz; t++) {
    if (colptr)
      while (colptr[c + 1] <= t)
        c++;
    int64_t j = colptr ? c : col[t];
    int64_t d = rp[row[t]]++;
    rc[d] = j;
    rv[d] = val[t];
    A->p[j + 1]++;
  }
  for (int64_t r = nrow; r > 0; r--) /* restore row starts */
    rp[r] = rp[r - 1];
  rp[0] = 0;
  for (int64_t j = 0; j < ncol; j++)
    A->p[j + 1] += A->p[j];
  int64_t *next = pv_malloc((size_t)(ncol + 1) * sizeof *next);
  if (!next) {
    st = PV_ERROR(PV_ENOMEM, "sparse assembly workspace (%lld columns)", (long long)ncol);
    goto done;
  }
  memcpy(next, A->p, (size_t)(ncol + 1) * sizeof *next);
  for (int64_t r = 0; r < nrow; r++)
    for (int64_t k = rp[r]; k < rp[r + 1]; k++) {
      int64_t d = next[rc[k]]++;
      A->i[d] = r;
      A->x[d] = rv[k];
    }
  pv_free(next);
  sum_duplicates(A);
done:
  pv_free(rp);
  pv_free(rc);
  pv_free(rv);
  if (st)
    pv_sparse_destroy(&A);
  *out = A;
  return st;
}

static int check_shape(int64_t nrow, int64_t ncol, int64_t nnz, pv_sparse **out) {
  if (!out)
    return PV_ERROR(PV_EINVAL, "sparse matrix: out is NULL");
  *out = NULL;
  if (nrow < 0 || ncol < 0 || nnz < 0)
    return PV_ERROR(PV_EINVAL, "sparse matrix: negative size (%lld x %lld, %lld entries)",
                    (long long)nrow, (long long)ncol, (long long)nnz);
  return 0;
}

int pv_sparse_create_coo(pv_ctx *ctx, int64_t nrow, int64_t ncol, int64_t nnz, const int64_t *row,
                         const int64_t *col, const double *val, pv_sparse **out) {
  (void)ctx;
  int st = check_shape(nrow, ncol, nnz, out);
  if (st)
    return st;
  if (nnz > 0 && (!row || !col || !val))
    return PV_ERROR(PV_EINVAL, "sparse COO: NULL triplet array");
  st = check_triplets(nrow, ncol, nnz, row, col, NULL, val);
  return st ? st : assemble(nrow, ncol, nnz, row, col, NULL, val, out);
}

int pv_sparse_create_csc(pv_ctx *ctx, int64_t nrow, int64_t ncol, const int64_t *colptr,
                         const int64_t *rowind, const double *val, pv_sparse **out) {
  (void)ctx;
  int st = check_shape(nrow, ncol, 0, out);
  if (st)
    return st;
  if (!colptr)
    return PV_ERROR(PV_EINVAL, "sparse CSC: colptr is NULL");
  if (colptr[0] != 0)
    return PV_ERROR(PV_EINVAL, "sparse CSC: colptr[0] = %lld, expected 0", (long long)colptr[0]);
  for (int64_t j = 0; j < ncol; j++)
    if (colptr[j + 1] < colptr[j])
      return PV_ERROR(PV_EINVAL, "sparse CSC: colptr decreases at column %lld", (long long)j);
  int64_t nnz = colptr[ncol];
  if (nnz > 0 && (!rowind || !val))
    return PV_ERROR(PV_EINVAL, "sparse CSC: NULL rowind or val");
  st = check_triplets(nrow, ncol, nnz, rowind, NULL, colptr, val);
  return st ? st : assemble(nrow, ncol, nnz, rowind, NULL, colptr, val, out);
}

int pv_sparse_create_diag(pv_ctx *ctx, int64_t n, const double *d, pv_sparse **out) {
  (void)ctx;
  int st = check_shape(n, n, n, out);
  if (st)
    return st;
  if (n > 0 && !d)
    return PV_ERROR(PV_EINVAL, "sparse diagonal: d is NULL");
  for (int64_t k = 0; k < n; k++)
    if (!isfinite(d[k]))
      return PV_ERROR(PV_EINVAL, "sparse diagonal: entry %lld = %g is not finite", (long long)k,
                      d[k]);
  pv_sparse *A;
  if ((st = pv_sparse_alloc_(n, n, n, &A)))
    return st;
  for (int64_t k = 0; k < n; k++) {
    A->p[k + 1] = k + 1;
    A->i[k] = k;
    A->x[k] = d[k];
  }
  *out = A;
  return 0;
}
