/* lu.c - UMFPACK sparse LU for square indefinite or unsymmetric systems.
 * UMFPACK never prints here (print level 0 and no report calls). */
#include <math.h>
#include <string.h>

#include <umfpack.h>

#include "sparse_internal.h"
#include <parseval/alloc.h>
#include <parseval/error.h>

struct pv_sparse_lu {
  pv_sparse *A; /* own copy: the solver refines against it */
  void *numeric;
  double control[UMFPACK_CONTROL], info[UMFPACK_INFO];
  SuiteSparse_long *wi; /* wsolve workspace: n */
  double *w;            /* wsolve workspace: 5 n */
  double rcond;
};

static int copy_matrix(const pv_sparse *A, pv_sparse **out) {
  int64_t nnz = A->p[A->ncol];
  int st = pv_sparse_alloc_(A->nrow, A->ncol, nnz, out);
  if (st)
    return st;
  memcpy((*out)->p, A->p, (size_t)(A->ncol + 1) * sizeof *A->p);
  memcpy((*out)->i, A->i, (size_t)nnz * sizeof *A->i);
  memcpy((*out)->x, A->x, (size_t)nnz * sizeof *A->x);
  return 0;
}

static int umf_code(SuiteSparse_long status) {
  return status == UMFPACK_ERROR_out_of_memory ? PV_ENOMEM : PV_EINVAL;
}

static int factor(pv_sparse_lu *f) {
  const pv_sparse *A = f->A;
  void *symbolic = NULL;
  SuiteSparse_long st =
      umfpack_dl_symbolic(A->nrow, A->ncol, A->p, A->i, A->x, &symbolic, f->control, f->info);
  if (st != UMFPACK_OK)
    return PV_ERROR(umf_code(st), "LU: UMFPACK symbolic analysis failed (status %ld)", (long)st);
  st = umfpack_dl_numeric(A->p, A->i, A->x, symbolic, &f->numeric, f->control, f->info);
  umfpack_dl_free_symbolic(&symbolic);
  f->rcond = f->info[UMFPACK_RCOND];
  if (st == UMFPACK_WARNING_singular_matrix || (st == UMFPACK_OK && !(f->rcond >= 1e-14)))
    return PV_ERROR(PV_ENUMERIC, "LU: matrix of order %lld is singular (rcond %.3g)",
                    (long long)A->nrow, f->rcond);
  if (st != UMFPACK_OK)
    return PV_ERROR(umf_code(st), "LU: UMFPACK numeric factorisation failed (status %ld)",
                    (long)st);
  return 0;
}

int pv_sparse_lu_create(pv_ctx *ctx, const pv_sparse *A, pv_sparse_lu **out) {
  (void)ctx;
  if (!out || !A)
    return PV_ERROR(PV_EINVAL, "LU: NULL argument");
  *out = NULL;
  if (A->nrow != A->ncol || A->nrow == 0)
    return PV_ERROR(PV_EINVAL, "LU: matrix is %lld x %lld, need square and non-empty",
                    (long long)A->nrow, (long long)A->ncol);
  for (int64_t k = 0; k < A->p[A->ncol]; k++)
    if (!isfinite(A->x[k]))
      return PV_ERROR(PV_EINVAL, "LU: entry %lld is not finite", (long long)k);
  pv_sparse_lu *f = pv_calloc(1, sizeof *f);
  if (!f)
    return PV_ERROR(PV_ENOMEM, "LU factor object");
  umfpack_dl_defaults(f->control);
  f->control[UMFPACK_PRL] = 0;
  int st = copy_matrix(A, &f->A);
  if (!st) {
    f->wi = pv_malloc((size_t)A->nrow * sizeof *f->wi);
    f->w = pv_malloc((size_t)A->nrow * 5 * sizeof *f->w);
    if (!f->wi || !f->w)
      st = PV_ERROR(PV_ENOMEM, "LU solve workspace (n = %lld)", (long long)A->nrow);
  }
  if (!st)
    st = factor(f);
  if (st) {
    pv_sparse_lu_destroy(&f);
    return st;
  }
  *out = f;
  return 0;
}

int pv_sparse_lu_solve(pv_sparse_lu *f, int transposed, int64_t nrhs, const double *B, int64_t ldb,
                       double *X, int64_t ldx) {
  if (!f || (nrhs > 0 && (!B || !X)))
    return PV_ERROR(PV_EINVAL, "LU solve: NULL argument");
  int64_t n = f->A->nrow;
  if (nrhs < 0 || ldb < n || ldx < n)
    return PV_ERROR(PV_EINVAL, "LU solve: nrhs %lld, ldb %lld, ldx %lld (n = %lld)",
                    (long long)nrhs, (long long)ldb, (long long)ldx, (long long)n);
  for (int64_t v = 0; v < nrhs; v++) {
    SuiteSparse_long st =
        umfpack_dl_wsolve(transposed ? UMFPACK_At : UMFPACK_A, f->A->p, f->A->i, f->A->x,
                          X + v * ldx, B + v * ldb, f->numeric, f->control, f->info, f->wi, f->w);
    if (st != UMFPACK_OK)
      return PV_ERROR(umf_code(st), "LU solve failed for right-hand side %lld (status %ld)",
                      (long long)v, (long)st);
  }
  return 0;
}

double pv_sparse_lu_rcond(const pv_sparse_lu *f) {
  return f ? f->rcond : 0;
}

void pv_sparse_lu_destroy(pv_sparse_lu **pf) {
  if (!pf || !*pf)
    return;
  pv_sparse_lu *f = *pf;
  if (f->numeric)
    umfpack_dl_free_numeric(&f->numeric);
  pv_sparse_destroy(&f->A);
  pv_free(f->wi);
  pv_free(f->w);
  pv_free(f);
  *pf = NULL;
}
