/* check.c - input checks of the pencil solver and the choice of shift
 * candidates for PV_EIGEN_SMALLEST. */
#include <math.h>
#include <string.h>

#include "eigen_post.h"
#include "sparse/sparse_internal.h"
#include <parseval/alloc.h>
#include <parseval/eigen.h>
#include <parseval/error.h>

int pv_eig_check_matrix(const char *name, const pv_sparse *M, int64_t n) {
  if (M->nrow != n || M->ncol != n)
    return PV_ERROR(PV_EINVAL, "eigen: %s is %lld x %lld, expected %lld x %lld", name,
                    (long long)M->nrow, (long long)M->ncol, (long long)n, (long long)n);
  for (int64_t j = 0; j < n; j++)
    for (int64_t q = M->p[j]; q < M->p[j + 1]; q++)
      if (!isfinite(M->x[q]))
        return PV_ERROR(PV_EINVAL, "eigen: %s(%lld, %lld) = %g is not finite", name,
                        (long long)M->i[q], (long long)j, M->x[q]);
  int sym, st = pv_sparse_symmetry_(M, 1e-12, &sym);
  if (st)
    return st;
  if (!sym)
    return PV_ERROR(PV_EINVAL, "eigen: %s is not symmetric (store both triangles)", name);
  return 0;
}

/* Diagonal of M (0 where absent) and Gershgorin bounds: lo <= lambda_min(M),
 * hi >= lambda_max(M). Returns 1 if M is diagonal. */
static int gershgorin(const pv_sparse *M, double *diag, double *lo, double *hi) {
  int64_t n = M->ncol;
  int is_diag = 1;
  *lo = INFINITY;
  *hi = -INFINITY;
  for (int64_t j = 0; j < n; j++) { /* symmetric: column sums = row sums */
    double d = 0, off = 0;
    for (int64_t q = M->p[j]; q < M->p[j + 1]; q++) {
      if (M->i[q] == j)
        d += M->x[q];
      else if (M->x[q] != 0)
        off += fabs(M->x[q]), is_diag = 0;
    }
    if (diag)
      diag[j] = d;
    *lo = fmin(*lo, d - off);
    *hi = fmax(*hi, d + off);
  }
  return is_diag;
}

int pv_eig_check_b(pv_ctx *ctx, const pv_sparse *B, double *bmax) {
  double lo, hi;
  double *d = pv_malloc(sizeof(double) * (size_t)(B->ncol > 0 ? B->ncol : 1));
  if (!d)
    return PV_ERROR(PV_ENOMEM, "eigen: diagonal of B");
  int is_diag = gershgorin(B, d, &lo, &hi), st = 0;
  *bmax = hi;
  for (int64_t j = 0; j < B->ncol && !st; j++)
    if (!(d[j] > 0))
      st = PV_ERROR(PV_ENUMERIC, "eigen: B is not positive definite: B(%lld, %lld) = %g",
                    (long long)j, (long long)j, d[j]);
  pv_free(d);
  if (st || is_diag || lo > 0)
    return st;
  pv_sparse_chol *f = NULL;
  st = pv_sparse_chol_create(ctx, B, &f);
  if (!st && pv_sparse_chol_factorize(f, B, 0.0))
    st = PV_ERROR(PV_ENUMERIC, "eigen: B is not positive definite");
  pv_sparse_chol_destroy(&f);
  return st;
}

int pv_eig_shift_identity(const pv_sparse *A, double sigma, pv_sparse **C) {
  int64_t n = A->nrow;
  double *one = pv_malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
  if (!one)
    return PV_ERROR(PV_ENOMEM, "eigen: identity of order %lld", (long long)n);
  for (int64_t i = 0; i < n; i++)
    one[i] = 1;
  pv_sparse *I = NULL;
  int st = pv_sparse_create_diag(NULL, n, one, &I);
  if (!st)
    st = pv_sparse_add(NULL, 1.0, A, -sigma, I, C);
  pv_sparse_destroy(&I);
  pv_free(one);
  return st;
}

/* sum_j |a_jj| / sum_j b_jj: the B-weighted mean of the diagonal Rayleigh
 * quotients |a_jj| / b_jj, the pencil's scale. The maximum of the ratios
 * is not used: a sliver face (tiny lumped mass, huge cotangent weight)
 * makes it many orders of magnitude above the low spectrum, and a shift
 * scaled by it leaves the wanted eigenvalues of OP clustered. */
static double diag_scale(const pv_sparse *A, const pv_sparse *B) {
  double sa = 0, sb = B ? 0 : (double)A->ncol;
  for (int64_t j = 0; j < A->ncol; j++) {
    for (int64_t q = A->p[j]; q < A->p[j + 1]; q++)
      sa += A->i[q] == j ? fabs(A->x[q]) : 0;
    for (int64_t q = B ? B->p[j] : 0; B && q < B->p[j + 1]; q++)
      sb += B->i[q] == j ? B->x[q] : 0;
  }
  return sa > 0 && sb > 0 ? sa / sb : 1;
}

double pv_eig_lambda_floor(const pv_sparse *A, const pv_sparse *B) {
  return 1e-6 * diag_scale(A, B);
}

int pv_eig_shift_candidates(const pv_sparse *A, const pv_sparse *B, double sigma, double *cand) {
  if (!isnan(sigma)) {
    cand[0] = sigma;
    return 1;
  }
  double loA, hiA, loB = 1, hiB = 1, scale = diag_scale(A, B);
  gershgorin(A, NULL, &loA, &hiA);
  if (B)
    gershgorin(B, NULL, &loB, &hiB);
  int nc = 0;
  /* Not too close to a zero eigenvalue: theta_max / theta_k sets the rounding
   * floor of the small-theta residuals. */
  cand[nc++] = -1e-3 * scale;
  if (loA < 0 && loB > 0)
    cand[nc++] = loA / loB - 1e-3 * scale;
  for (double f = 1e-2; f <= 1e3 && nc < 8; f *= 1e1)
    cand[nc++] = -f * scale + (loA < 0 && loB > 0 ? loA / loB : 0);
  return nc;
}
