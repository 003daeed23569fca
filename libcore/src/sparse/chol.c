/* chol.c - CHOLMOD supernodal Cholesky: analyse once, factorise many,
 * solve with reused workspace. Each factor owns its cholmod_common, so
 * factors on different threads never share state. */
#include <string.h>

#include <cholmod.h>

#include "sparse_internal.h"
#include <parseval/alloc.h>
#include <parseval/core.h>
#include <parseval/error.h>

_Static_assert(sizeof(SuiteSparse_long) == sizeof(int64_t), "SuiteSparse_long is 64-bit");

struct pv_sparse_chol {
  cholmod_common cm;
  cholmod_factor *L;
  cholmod_dense *X, *Y, *E; /* solve2 output and workspace, reused */
  int64_t n, nnz_pattern;
  int factored;
};

cholmod_sparse pv_sparse_cholmod_lower_(const pv_sparse *A) {
  cholmod_sparse s;
  memset(&s, 0, sizeof s);
  s.nrow = (size_t)A->nrow;
  s.ncol = (size_t)A->ncol;
  s.nzmax = (size_t)A->p[A->ncol];
  s.p = A->p;
  s.i = A->i;
  s.x = A->x;
  s.stype = -1;
  s.itype = CHOLMOD_LONG;
  s.xtype = CHOLMOD_REAL;
  s.dtype = CHOLMOD_DOUBLE;
  s.sorted = 1;
  s.packed = 1;
  return s;
}

int pv_sparse_chol_create(pv_ctx *ctx, const pv_sparse *A, pv_sparse_chol **out) {
  (void)ctx;
  if (!out || !A)
    return PV_ERROR(PV_EINVAL, "cholesky: NULL argument");
  *out = NULL;
  if (A->nrow != A->ncol)
    return PV_ERROR(PV_EINVAL, "cholesky: matrix is %lld x %lld, not square", (long long)A->nrow,
                    (long long)A->ncol);
  pv_sparse_chol *f = pv_calloc(1, sizeof *f);
  if (!f)
    return PV_ERROR(PV_ENOMEM, "cholesky factor object");
  cholmod_l_start(&f->cm);
  f->cm.print = 0;
  f->cm.error_handler = pv_cholmod_error_handler;
  f->cm.supernodal = CHOLMOD_SUPERNODAL;
  f->cm.quick_return_if_not_posdef = 1;
  /* Ordering: CHOLMOD's default (AMD, METIS only when AMD fills badly).
   * Trying METIS too gives ~15% fewer nonzeros in L on 2D meshes above 20k
   * unknowns but its analysis costs about as much as those solves save. */
  f->n = A->nrow;
  f->nnz_pattern = A->p[A->ncol];
  cholmod_sparse s = pv_sparse_cholmod_lower_(A);
  f->L = cholmod_l_analyze(&s, &f->cm);
  if (!f->L) {
    int code = f->cm.status == CHOLMOD_OUT_OF_MEMORY ? PV_ENOMEM : PV_EINVAL;
    pv_sparse_chol_destroy(&f);
    return PV_ERROR(code, "cholesky: symbolic analysis of %lld x %lld matrix failed",
                    (long long)A->nrow, (long long)A->ncol);
  }
  *out = f;
  return 0;
}

int pv_sparse_chol_factorize(pv_sparse_chol *f, const pv_sparse *A, double shift) {
  if (!f || !A)
    return PV_ERROR(PV_EINVAL, "cholesky factorize: NULL argument");
  if (A->nrow != f->n || A->ncol != f->n)
    return PV_ERROR(PV_EINVAL, "cholesky factorize: matrix is %lld x %lld, analysed %lld x %lld",
                    (long long)A->nrow, (long long)A->ncol, (long long)f->n, (long long)f->n);
  for (int64_t k = 0; k < A->p[A->ncol]; k++)
    if (A->x[k] != A->x[k])
      return PV_ERROR(PV_EINVAL, "cholesky factorize: entry %lld is NaN", (long long)k);
  f->factored = 0;
  cholmod_sparse s = pv_sparse_cholmod_lower_(A);
  double beta[2] = {shift, 0};
  int ok = cholmod_l_factorize_p(&s, beta, NULL, 0, f->L, &f->cm);
  if (!ok || f->cm.status == CHOLMOD_OUT_OF_MEMORY)
    return PV_ERROR(f->cm.status == CHOLMOD_OUT_OF_MEMORY ? PV_ENOMEM : PV_EINVAL,
                    "cholesky: numeric factorisation failed (CHOLMOD status %d)", f->cm.status);
  if (f->cm.status == CHOLMOD_NOT_POSDEF || f->L->minor < f->L->n)
    return PV_ERROR(PV_ENUMERIC,
                    "cholesky: matrix (shift %g) is not positive definite: pivot %lld of %lld",
                    shift, (long long)f->L->minor, (long long)f->n);
  f->factored = 1;
  return 0;
}

int pv_sparse_chol_solve(pv_sparse_chol *f, int64_t nrhs, const double *B, int64_t ldb, double *X,
                         int64_t ldx) {
  if (!f || (nrhs > 0 && (!B || !X)))
    return PV_ERROR(PV_EINVAL, "cholesky solve: NULL argument");
  if (!f->factored)
    return PV_ERROR(PV_EINVAL, "cholesky solve: no valid numeric factorisation");
  if (nrhs < 0 || ldb < f->n || ldx < f->n)
    return PV_ERROR(PV_EINVAL, "cholesky solve: nrhs %lld, ldb %lld, ldx %lld (n = %lld)",
                    (long long)nrhs, (long long)ldb, (long long)ldx, (long long)f->n);
  if (nrhs == 0 || f->n == 0)
    return 0;
  cholmod_dense b;
  memset(&b, 0, sizeof b);
  b.nrow = (size_t)f->n;
  b.ncol = (size_t)nrhs;
  b.nzmax = (size_t)(ldb * nrhs);
  b.d = (size_t)ldb;
  b.x = (void *)B;
  b.xtype = CHOLMOD_REAL;
  b.dtype = CHOLMOD_DOUBLE;
  if (!cholmod_l_solve2(CHOLMOD_A, f->L, &b, NULL, &f->X, NULL, &f->Y, &f->E, &f->cm))
    return PV_ERROR(f->cm.status == CHOLMOD_OUT_OF_MEMORY ? PV_ENOMEM : PV_EINVAL,
                    "cholesky solve failed (CHOLMOD status %d)", f->cm.status);
  const double *x = f->X->x;
  for (int64_t v = 0; v < nrhs; v++)
    memcpy(X + v * ldx, x + v * (int64_t)f->X->d, (size_t)f->n * sizeof *X);
  return 0;
}

double pv_sparse_chol_rcond(const pv_sparse_chol *f) {
  if (!f || !f->factored)
    return 0;
  return cholmod_l_rcond(f->L, (cholmod_common *)&f->cm);
}

int64_t pv_sparse_chol_nnz(const pv_sparse_chol *f) {
  if (!f || !f->factored)
    return 0;
  return (int64_t)f->cm.lnz;
}

void pv_sparse_chol_destroy(pv_sparse_chol **pf) {
  if (!pf || !*pf)
    return;
  pv_sparse_chol *f = *pf;
  cholmod_l_free_factor(&f->L, &f->cm);
  cholmod_l_free_dense(&f->X, &f->cm);
  cholmod_l_free_dense(&f->Y, &f->cm);
  cholmod_l_free_dense(&f->E, &f->cm);
  cholmod_l_finish(&f->cm);
  pv_free(f);
  *pf = NULL;
}
