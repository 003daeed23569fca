/* post.c - output conventions of the pencil solver (sign, ascending order)
 * and the residual measure. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "eigen_post.h"
#include "sparse/sparse_internal.h"
#include <parseval/alloc.h>
#include <parseval/eigen.h>
#include <parseval/error.h>

/* Sign convention: each column's entry of largest magnitude (the first on
 * ties) is made positive. */
static void sign_convention(int64_t n, int k, double *X, int64_t ldx) {
  for (int i = 0; i < k; i++) {
    double *x = X + i * ldx, best = -1;
    int64_t at = 0;
    for (int64_t r = 0; r < n; r++)
      if (fabs(x[r]) > best)
        best = fabs(x[r]), at = r;
    if (x[at] < 0)
      cblas_dscal((int)n, -1.0, x, 1);
  }
}

typedef struct {
  double lam;
  int idx;
} lam_key;

static int by_lambda(const void *a, const void *b) {
  const lam_key *x = a, *y = b;
  return x->lam < y->lam ? -1 : x->lam > y->lam ? 1 : x->idx - y->idx;
}

/* Sort pairs ascending by lambda, permuting X's columns through cycles with
 * one n-vector of scratch. */
static int sort_pairs(int64_t n, int k, double *lambda, double *X, int64_t ldx) {
  lam_key *key = pv_malloc(sizeof(lam_key) * (size_t)k);
  double *tmp = pv_malloc(sizeof(double) * (size_t)n);
  char *done = pv_calloc((size_t)k, 1);
  if (!key || !tmp || !done) {
    pv_free(key), pv_free(tmp), pv_free(done);
    return PV_ERROR(PV_ENOMEM, "eigen: sort workspace");
  }
  for (int i = 0; i < k; i++)
    key[i] = (lam_key){lambda[i], i};
  qsort(key, (size_t)k, sizeof *key, by_lambda);
  for (int i = 0; i < k; i++) { /* position i takes old column key[i].idx */
    if (done[i] || key[i].idx == i) {
      done[i] = 1;
      continue;
    }
    memcpy(tmp, X + i * ldx, sizeof(double) * (size_t)n);
    int dst = i;
    while (key[dst].idx != i) {
      memcpy(X + dst * ldx, X + key[dst].idx * ldx, sizeof(double) * (size_t)n);
      done[dst] = 1;
      dst = key[dst].idx;
    }
    memcpy(X + dst * ldx, tmp, sizeof(double) * (size_t)n);
    done[dst] = 1;
  }
  for (int i = 0; i < k; i++)
    lambda[i] = key[i].lam;
  pv_free(key), pv_free(tmp), pv_free(done);
  return 0;
}

int pv_eigen_residual(const pv_sparse *A, const pv_sparse *B, int k, const double *lambda,
                      const double *X, int64_t ldx, double *res, double *res_each) {
  if (!A || !lambda || !X || !res || k < 1 || ldx < A->nrow)
    return PV_ERROR(PV_EINVAL, "eigen residual: bad argument (k = %d)", k);
  int64_t n = A->nrow;
  double *r = pv_malloc(sizeof(double) * (size_t)n);
  if (!r)
    return PV_ERROR(PV_ENOMEM, "eigen residual: workspace");
  double lmax = pv_eig_lambda_floor(A, B);
  for (int i = 0; i < k; i++)
    lmax = fmax(lmax, fabs(lambda[i]));
  *res = 0;
  for (int i = 0; i < k; i++) {
    const double *x = X + i * ldx;
    if (B)
      pv_sparse_matvec(B, -lambda[i], x, 0.0, r);
    else
      for (int64_t q = 0; q < n; q++)
        r[q] = -lambda[i] * x[q];
    pv_sparse_matvec(A, 1.0, x, 1.0, r);
    double xn = cblas_dnrm2((int)n, x, 1);
    double e = cblas_dnrm2((int)n, r, 1) / (lmax * (xn > 0 ? xn : 1));
    if (res_each)
      res_each[i] = e;
    *res = fmax(*res, e);
  }
  pv_free(r);
  return 0;
}

int pv_eig_finish(const pv_sparse *A, const pv_sparse *B, int k, double *lambda, double *X,
                  int64_t ldx, double *res, double *lmax) {
  int64_t n = A->nrow;
  sign_convention(n, k, X, ldx);
  int st = sort_pairs(n, k, lambda, X, ldx);
  if (st)
    return st;
  *lmax = pv_eig_lambda_floor(A, B);
  for (int i = 0; i < k; i++)
    *lmax = fmax(*lmax, fabs(lambda[i]));
  return isnan(*res) ? pv_eigen_residual(A, B, k, lambda, X, ldx, res, NULL) : 0;
}
