/* dense.c - the dense path of pv_eigen_pencil_solve for small problems:
 * LAPACK dsygvd on the full pencil, then selection of the wanted pairs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lapacke.h>

#include "eigen_dense.h"
#include "sparse/sparse_internal.h"
#include <parseval/alloc.h>
#include <parseval/eigen.h>
#include <parseval/error.h>

static void to_dense(const pv_sparse *A, int64_t n, double *D) {
  memset(D, 0, sizeof(double) * (size_t)(n * n));
  if (!A) {
    for (int64_t i = 0; i < n; i++)
      D[i + i * n] = 1;
    return;
  }
  for (int64_t j = 0; j < n; j++)
    for (int64_t q = A->p[j]; q < A->p[j + 1]; q++)
      D[A->i[q] + j * n] = A->x[q];
}

typedef struct {
  double key;
  int64_t idx;
} dkey;

static int by_key(const void *a, const void *b) {
  const dkey *x = a, *y = b;
  return x->key < y->key ? -1 : x->key > y->key ? 1 : (x->idx > y->idx) - (x->idx < y->idx);
}

/* Indices of the k eigenvalues (ascending w[n]) nearest sigma, ascending. */
static int nearest(const double *w, int64_t n, int k, double sigma, int64_t *sel) {
  dkey *d = pv_malloc(sizeof(dkey) * (size_t)n);
  if (!d)
    return PV_ERROR(PV_ENOMEM, "eigen: dense selection workspace");
  for (int64_t i = 0; i < n; i++)
    d[i] = (dkey){fabs(w[i] - sigma), i};
  qsort(d, (size_t)n, sizeof *d, by_key);
  for (int i = 0; i < k; i++)
    d[i].key = (double)d[i].idx;
  qsort(d, (size_t)k, sizeof *d, by_key);
  for (int i = 0; i < k; i++)
    sel[i] = d[i].idx;
  pv_free(d);
  return 0;
}

int pv_eig_dense(const pv_sparse *A, const pv_sparse *B, int k, int which, double sigma,
                 double *lambda, double *X, int64_t ldx) {
  int64_t n = A->nrow;
  double *Ad = pv_malloc(sizeof(double) * (size_t)(n * n));
  double *Bd = pv_malloc(sizeof(double) * (size_t)(n * n));
  double *w = pv_malloc(sizeof(double) * (size_t)n);
  int64_t *sel = pv_malloc(sizeof(int64_t) * (size_t)k);
  int st = 0;
  if (!Ad || !Bd || !w || !sel) {
    st = PV_ERROR(PV_ENOMEM, "eigen: dense pencil of order %lld", (long long)n);
    goto done;
  }
  to_dense(A, n, Ad);
  to_dense(B, n, Bd);
  lapack_int info = LAPACKE_dsygvd(LAPACK_COL_MAJOR, 1, 'V', 'L', (lapack_int)n, Ad, (lapack_int)n,
                                   Bd, (lapack_int)n, w);
  if (info > n) {
    st = PV_ERROR(PV_ENUMERIC, "eigen: B is not positive definite (leading minor %d)",
                  (int)(info - n));
    goto done;
  }
  if (info != 0) {
    st = PV_ERROR(info > 0 ? PV_ENOTCONV : PV_EINTERNAL, "eigen: LAPACK dsygvd failed (info %d)",
                  (int)info);
    goto done;
  }
  if (which == PV_EIGEN_NEAREST) {
    if ((st = nearest(w, n, k, sigma, sel)))
      goto done;
  } else {
    for (int i = 0; i < k; i++)
      sel[i] = i;
  }
  for (int i = 0; i < k; i++) {
    lambda[i] = w[sel[i]];
    memcpy(X + i * ldx, Ad + sel[i] * n, sizeof(double) * (size_t)n);
  }
done:
  pv_free(Ad);
  pv_free(Bd);
  pv_free(w);
  pv_free(sel);
  return st;
}
