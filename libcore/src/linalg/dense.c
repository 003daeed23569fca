/* Dense symmetric eigenproblems, generalized eigenproblems and SVD through
 * LAPACKE. Row-major input is handed to column-major LAPACK as its transpose
 * (symmetric: the same matrix with the other triangle), so nothing is
 * transposed: the column eigenvectors LAPACK writes are our rows. */
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/linalg.h>
#include <parseval/rng.h>

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "linalg/dense_internal.h"

/* Upper triangle (j >= i) of a symmetric row-major matrix must be finite. */
static int check_upper(const char *name, int n, const double *a, int lda) {
  for (int i = 0; i < n; i++)
    for (int j = i; j < n; j++)
      if (!isfinite(a[(size_t)i * lda + j]))
        return PV_ERROR(PV_EINVAL, "%s(%d, %d) = %g is not finite", name, i, j,
                        a[(size_t)i * lda + j]);
  return PV_OK;
}

static void copy_rows(int m, int n, const double *a, int lda, double *b, int ldb) {
  if (a == b) return;
  for (int i = 0; i < m; i++)
    memmove(b + (size_t)i * ldb, a + (size_t)i * lda, (size_t)n * sizeof *b);
}

static int check_square(const char *fn, int n, const void *a, int lda, const void *w,
                        const void *z, int ldz) {
  if (n < 1) return PV_ERROR(PV_EINVAL, "%s: n = %d must be >= 1", fn, n);
  if (!a || !w) return PV_ERROR(PV_EINVAL, "%s: NULL matrix or eigenvalue array", fn);
  if (lda < n) return PV_ERROR(PV_EINVAL, "%s: lda = %d < n = %d", fn, lda, n);
  if (z && ldz < n) return PV_ERROR(PV_EINVAL, "%s: ldz = %d < n = %d", fn, ldz, n);
  return PV_OK;
}

/* Workspace of the divide-and-conquer drivers, sized by a LAPACK query. */
typedef struct { double *work; lapack_int *iwork; lapack_int lwork, liwork; } lapack_ws;

static int ws_alloc(lapack_ws *ws, double qw, lapack_int qiw) {
  ws->lwork = (lapack_int)qw + 1;
  ws->liwork = qiw > 1 ? qiw : 1;
  ws->work = pv_malloc((size_t)ws->lwork * sizeof(double));
  ws->iwork = pv_malloc((size_t)ws->liwork * sizeof(lapack_int));
  if (!ws->work || !ws->iwork) {
    pv_free(ws->work);
    pv_free(ws->iwork);
    return PV_ENOMEM;
  }
  return PV_OK;
}

static void ws_free(lapack_ws *ws) {
  pv_free(ws->work);
  pv_free(ws->iwork);
}

int pv_linalg_sym_eig(pv_ctx *ctx, int n, const double *a, int lda, double *w,
                      double *z, int ldz) {
  int st = check_square("pv_linalg_sym_eig", n, a, lda, w, z, ldz);
  if (st) return st;
  if (!z) return PV_ERROR(PV_EINVAL, "pv_linalg_sym_eig: z is NULL");
  if (z == a && ldz != lda)
    return PV_ERROR(PV_EINVAL, "pv_linalg_sym_eig: z == a needs ldz == lda");
  if ((st = check_upper("A", n, a, lda))) return st;
  pv__linalg_blas_threads(ctx);
  double qw = 0.0;
  lapack_int qiw = 0;
  LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, 'V', 'L', n, z, ldz, w, &qw, -1, &qiw, -1);
  lapack_ws ws;
  if ((st = ws_alloc(&ws, qw, qiw))) return st;
  copy_rows(n, n, a, lda, z, ldz);
  lapack_int info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, 'V', 'L', n, z, ldz, w,
                                        ws.work, ws.lwork, ws.iwork, ws.liwork);
  ws_free(&ws);
  if (info > 0)
    return PV_ERROR(PV_ENOTCONV, "dsyevd (n = %d): %d off-diagonal elements did not converge",
                    n, (int)info);
  if (info < 0) return PV_ERROR(PV_EINTERNAL, "dsyevd: argument %d invalid", (int)-info);
  pv__linalg_fix_signs(n, n, z, (size_t)ldz, 0, NULL, 0);
  return PV_OK;
}

int pv_linalg_sym_eig_range(pv_ctx *ctx, int n, const double *a, int lda, int il,
                            int iu, double *w, double *z, int ldz) {
  int st = check_square("pv_linalg_sym_eig_range", n, a, lda, w, z, ldz);
  if (st) return st;
  if (il < 0 || iu < il || iu >= n)
    return PV_ERROR(PV_EINVAL, "pv_linalg_sym_eig_range: index range [%d, %d] not inside [0, %d]",
                    il, iu, n - 1);
  if ((st = check_upper("A", n, a, lda))) return st;
  pv__linalg_blas_threads(ctx);
  char jobz = z ? 'V' : 'N';
  double dummy = 0.0, qw = 0.0, *zz = z ? z : &dummy;
  lapack_int qiw = 0, found = 0, ldzz = z ? ldz : 1;
  LAPACKE_dsyevr_work(LAPACK_COL_MAJOR, jobz, 'I', 'L', n, NULL, n, 0.0, 0.0, il + 1,
                      iu + 1, 0.0, &found, w, zz, ldzz, NULL, &qw, -1, &qiw, -1);
  lapack_ws ws;
  if ((st = ws_alloc(&ws, qw, qiw))) return st;
  double *acopy = pv_malloc((size_t)n * n * sizeof *acopy);
  lapack_int *isuppz = pv_malloc(2 * (size_t)(iu - il + 1) * sizeof *isuppz);
  if (!acopy || !isuppz) {
    ws_free(&ws);
    pv_free(acopy);
    pv_free(isuppz);
    return PV_ENOMEM;
  }
  copy_rows(n, n, a, lda, acopy, n);
  lapack_int info = LAPACKE_dsyevr_work(LAPACK_COL_MAJOR, jobz, 'I', 'L', n, acopy, n, 0.0,
                                        0.0, il + 1, iu + 1, 0.0, &found, w, zz, ldzz,
                                        isuppz, ws.work, ws.lwork, ws.iwork, ws.liwork);
  ws_free(&ws);
  pv_free(acopy);
  pv_free(isuppz);
  if (info > 0) return PV_ERROR(PV_ENOTCONV, "dsyevr (n = %d): internal error %d", n, (int)info);
  if (info < 0) return PV_ERROR(PV_EINTERNAL, "dsyevr: argument %d invalid", (int)-info);
  if (found != iu - il + 1)
    return PV_ERROR(PV_ENOTCONV, "dsyevr found %d eigenvalues, expected %d", (int)found,
                    iu - il + 1);
  if (z) pv__linalg_fix_signs((int)found, n, z, (size_t)ldz, 0, NULL, 0);
  return PV_OK;
}

int pv_linalg_sym_gen_eig(pv_ctx *ctx, int n, const double *a, int lda, const double *b,
                          int ldb, double *w, double *z, int ldz) {
  int st = check_square("pv_linalg_sym_gen_eig", n, a, lda, w, z, ldz);
  if (st) return st;
  if (!b || !z) return PV_ERROR(PV_EINVAL, "pv_linalg_sym_gen_eig: b or z is NULL");
  if (ldb < n) return PV_ERROR(PV_EINVAL, "pv_linalg_sym_gen_eig: ldb = %d < n = %d", ldb, n);
  if (z == a || z == b) return PV_ERROR(PV_EINVAL, "pv_linalg_sym_gen_eig: z aliases a or b");
  if ((st = check_upper("A", n, a, lda)) || (st = check_upper("B", n, b, ldb))) return st;
  pv__linalg_blas_threads(ctx);
  double qw = 0.0;
  lapack_int qiw = 0;
  LAPACKE_dsygvd_work(LAPACK_COL_MAJOR, 1, 'V', 'L', n, z, ldz, NULL, n, w, &qw, -1, &qiw, -1);
  lapack_ws ws;
  if ((st = ws_alloc(&ws, qw, qiw))) return st;
  double *bcopy = pv_malloc((size_t)n * n * sizeof *bcopy);
  if (!bcopy) {
    ws_free(&ws);
    return PV_ENOMEM;
  }
  copy_rows(n, n, a, lda, z, ldz);
  copy_rows(n, n, b, ldb, bcopy, n);
  lapack_int info = LAPACKE_dsygvd_work(LAPACK_COL_MAJOR, 1, 'V', 'L', n, z, ldz, bcopy, n, w,
                                        ws.work, ws.lwork, ws.iwork, ws.liwork);
  ws_free(&ws);
  pv_free(bcopy);
  if (info > n)
    return PV_ERROR(PV_ENUMERIC, "B is not positive definite: leading minor of order %d",
                    (int)(info - n));
  if (info > 0) return PV_ERROR(PV_ENOTCONV, "dsygvd (n = %d): %d elements did not converge",
                                n, (int)info);
  if (info < 0) return PV_ERROR(PV_EINTERNAL, "dsygvd: argument %d invalid", (int)-info);
  pv__linalg_fix_signs(n, n, z, (size_t)ldz, 0, NULL, 0);
  return PV_OK;
}

/* A row-major is A^T column-major: dgesdd of A^T = U' S V'^T gives A = V' S U'^T,
 * and LAPACK's column-major U' / V'^T buffers are exactly our row-major VT / U. */
int pv_linalg_svd(pv_ctx *ctx, int m, int n, const double *a, int lda, double *s,
                  double *u, int ldu, double *vt, int ldvt) {
  if (m < 1 || n < 1) return PV_ERROR(PV_EINVAL, "pv_linalg_svd: size %d x %d", m, n);
  if (!a || !s) return PV_ERROR(PV_EINVAL, "pv_linalg_svd: NULL a or s");
  if (!u != !vt) return PV_ERROR(PV_EINVAL, "pv_linalg_svd: u and vt must be both set or both NULL");
  int r = m < n ? m : n;
  if (lda < n || (u && (ldu < r || ldvt < n)))
    return PV_ERROR(PV_EINVAL, "pv_linalg_svd: lda %d, ldu %d, ldvt %d too small for %d x %d",
                    lda, ldu, ldvt, m, n);
  int st = pv__linalg_check_finite("A", (size_t)m, (size_t)n, a, (size_t)lda);
  if (st) return st;
  pv__linalg_blas_threads(ctx);
  char jobz = u ? 'S' : 'N';
  double qw = 0.0, dummy = 0.0;
  lapack_int ld1 = u ? ldvt : 1, ld2 = u ? ldu : 1;
  LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, jobz, n, m, NULL, n, s, u ? vt : &dummy, ld1,
                      u ? u : &dummy, ld2, &qw, -1, NULL);
  lapack_ws ws;
  if ((st = ws_alloc(&ws, qw, 8 * (lapack_int)r))) return st;
  double *acopy = pv_malloc((size_t)m * n * sizeof *acopy);
  if (!acopy) {
    ws_free(&ws);
    return PV_ENOMEM;
  }
  copy_rows(m, n, a, lda, acopy, n);
  lapack_int info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, jobz, n, m, acopy, n, s,
                                        u ? vt : &dummy, ld1, u ? u : &dummy, ld2,
                                        ws.work, ws.lwork, ws.iwork);
  ws_free(&ws);
  pv_free(acopy);
  if (info > 0) return PV_ERROR(PV_ENOTCONV, "dgesdd (%d x %d): bidiagonal SVD did not converge",
                                m, n);
  if (info < 0) return PV_ERROR(PV_EINTERNAL, "dgesdd: argument %d invalid", (int)-info);
  if (u) pv__linalg_fix_signs(r, n, vt, (size_t)ldvt, (size_t)m, u, (size_t)ldu);
  return PV_OK;
}

int pv_linalg_spectral_norm(pv_ctx *ctx, int m, int n, const double *a, int lda,
                            double rtol, int maxit, double *norm) {
  if (m < 1 || n < 1 || !a || !norm || lda < n || maxit < 1 || !(rtol > 0.0))
    return PV_ERROR(PV_EINVAL, "pv_linalg_spectral_norm: bad arguments (%d x %d, lda %d, "
                    "maxit %d, rtol %g)", m, n, lda, maxit, rtol);
  int st = pv__linalg_check_finite("A", (size_t)m, (size_t)n, a, (size_t)lda);
  if (st) return st;
  pv__linalg_blas_threads(ctx);
  double *v = pv_malloc(((size_t)m + n) * sizeof *v), *y = v + n;
  if (!v) return PV_ENOMEM;
  pv_rng rng;
  pv_rng_init(&rng, ctx ? pv_ctx_seed(ctx) : 0, 0x5350);
  pv_rng_fill_normal(&rng, v, (size_t)n);
  double vn = cblas_dnrm2(n, v, 1), sigma = 0.0;
  cblas_dscal(n, 1.0 / vn, v, 1);
  st = PV_ENOTCONV;
  for (int it = 0; it < maxit; it++) {
    cblas_dgemv(CblasRowMajor, CblasNoTrans, m, n, 1.0, a, lda, v, 1, 0.0, y, 1);
    double s_new = cblas_dnrm2(m, y, 1);
    cblas_dgemv(CblasRowMajor, CblasTrans, m, n, 1.0, a, lda, y, 1, 0.0, v, 1);
    double g = cblas_dnrm2(n, v, 1);
    int done = s_new == 0.0 || g == 0.0 || fabs(s_new - sigma) <= rtol * s_new;
    sigma = s_new;
    if (done) {
      st = PV_OK;
      break;
    }
    cblas_dscal(n, 1.0 / g, v, 1);
  }
  pv_free(v);
  *norm = sigma;
  if (st) return PV_ERROR(st, "spectral norm: power iteration not converged to %g in %d steps",
                          rtol, maxit);
  return PV_OK;
}
