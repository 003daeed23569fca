/* Helpers of the dense linear-algebra module: BLAS threads, input checks,
 * sign convention, Householder orthonormalisation. */
#include "linalg/dense_internal.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <parseval/error.h>

void pv__linalg_blas_threads(const pv_ctx *ctx) {
  int t = ctx ? pv_ctx_threads(ctx) : 1;
  openblas_set_num_threads(t < 1 ? 1 : t);
}

/* 1 when row r[0..n) holds an Inf or NaN (all exponent bits set). */
static int row_bad(const double *r, size_t n) {
  const uint64_t expo = 0x7ff0000000000000ull;
  uint64_t bad = 0;
  for (size_t j = 0; j < n; j++) { /* branch-free, vectorisable */
    uint64_t b;
    memcpy(&b, r + j, sizeof b);
    bad |= (uint64_t)((b & expo) == expo);
  }
  return bad != 0;
}

int pv__linalg_all_finite(size_t m, size_t n, const double *a, size_t lda) {
  for (size_t i = 0; i < m; i++)
    if (row_bad(a + i * lda, n)) return 0;
  return 1;
}

int pv__linalg_check_finite(const char *name, size_t m, size_t n,
                            const double *a, size_t lda) {
  for (size_t i = 0; i < m; i++) {
    const double *r = a + i * lda;
    if (!row_bad(r, n)) continue;
    for (size_t j = 0; j < n; j++)
      if (!isfinite(r[j]))
        return PV_ERROR(PV_EINVAL, "%s(%zu, %zu) = %g is not finite", name, i, j, r[j]);
  }
  return PV_OK;
}

void pv__linalg_fix_signs(int r, int n, double *v, size_t ldv, size_t m,
                          double *u, size_t ldu) {
  for (int j = 0; j < r; j++) {
    double *row = v + (size_t)j * ldv;
    int best = 0;
    for (int i = 1; i < n; i++)
      if (fabs(row[i]) > fabs(row[best])) best = i;
    if (row[best] >= 0.0) continue;
    for (int i = 0; i < n; i++) row[i] = -row[i];
    if (u)
      for (size_t i = 0; i < m; i++) u[i * ldu + (size_t)j] = -u[i * ldu + (size_t)j];
  }
}

int pv__linalg_orth_lwork(int n, int l) {
  double q1 = 0.0, q2 = 0.0;
  if (LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, n, l, NULL, n, NULL, &q1, -1) != 0) return -1;
  if (LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, n, l, l, NULL, n, NULL, &q2, -1) != 0) return -1;
  double q = q1 > q2 ? q1 : q2;
  return (int)q + 1;
}

int pv__linalg_orth(int n, int l, double *z, double *tau, double *work, int lwork) {
  lapack_int info = LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, n, l, z, n, tau, work, lwork);
  if (info == 0) info = LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, n, l, l, z, n, tau, work, lwork);
  if (info != 0) return PV_ERROR(PV_EINTERNAL, "Householder QR of a %d x %d block: info %d", n, l, (int)info);
  return PV_OK;
}
