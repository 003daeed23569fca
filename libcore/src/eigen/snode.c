/* snode.c - CHOLMOD supernodal factor of C = A - sigma B with our own
 * interleaved multi-right-hand-side solve (see snode.h). */
#include <string.h>

#include <cholmod.h>

#include "thin.h"
#include "snode.h"
#include "sparse/sparse_internal.h"
#include <parseval/alloc.h>
#include <parseval/core.h>
#include <parseval/error.h>

_Static_assert(sizeof(SuiteSparse_long) == sizeof(int64_t), "SuiteSparse_long is 64-bit");

#define NRHS 8 /* right-hand sides per sweep: one row of Y is 8 doubles */

struct pv_eig_snode {
  cholmod_common cm;
  cholmod_factor *L;
  int64_t n;
  double *Y; /* n x NRHS, row-major, permuted order */
  int factored;
};

int pv_eig_snode_create(const pv_sparse *C, pv_eig_snode **out) {
  *out = NULL;
  pv_eig_snode *f = pv_calloc(1, sizeof *f);
  if (!f)
    return PV_ERROR(PV_ENOMEM, "eigen: factor object");
  cholmod_l_start(&f->cm);
  f->cm.print = 0;
  f->cm.error_handler = pv_cholmod_error_handler;
  f->cm.supernodal = CHOLMOD_SUPERNODAL;
  f->cm.quick_return_if_not_posdef = 1;
  f->n = C->nrow;
  cholmod_sparse s = pv_sparse_cholmod_lower_(C);
  f->L = cholmod_l_analyze(&s, &f->cm);
  f->Y = pv_malloc(sizeof(double) * NRHS * (size_t)(f->n > 0 ? f->n : 1));
  if (!f->L || !f->Y) {
    int code = !f->Y || f->cm.status == CHOLMOD_OUT_OF_MEMORY ? PV_ENOMEM : PV_EINVAL;
    pv_eig_snode_destroy(&f);
    return PV_ERROR(code, "eigen: symbolic analysis of the %lld x %lld shifted matrix failed",
                    (long long)C->nrow, (long long)C->nrow);
  }
  *out = f;
  return 0;
}

int pv_eig_snode_factorize(pv_eig_snode *f, const pv_sparse *C) {
  f->factored = 0;
  cholmod_sparse s = pv_sparse_cholmod_lower_(C);
  int ok = cholmod_l_factorize(&s, f->L, &f->cm);
  if (!ok || f->cm.status == CHOLMOD_OUT_OF_MEMORY)
    return PV_ERROR(f->cm.status == CHOLMOD_OUT_OF_MEMORY ? PV_ENOMEM : PV_EINVAL,
                    "eigen: numeric factorisation failed (CHOLMOD status %d)", f->cm.status);
  if (f->cm.status == CHOLMOD_NOT_POSDEF || f->L->minor < f->L->n)
    return PV_ERROR(PV_ENUMERIC, "eigen: shifted matrix is not positive definite: pivot %lld of %lld",
                    (long long)f->L->minor, (long long)f->n);
  if (!f->L->is_super || !f->L->is_ll)
    return PV_ERROR(PV_EINTERNAL, "eigen: CHOLMOD returned a simplicial or LDL' factor");
  f->factored = 1;
  return 0;
}

typedef double v8d __attribute__((vector_size(64), aligned(64), may_alias));

/* L y = y then L^T y = y on the interleaved rows of Y, supernode by
 * supernode; column j of a supernode holds rows rs[j..nsr) of the panel. */
#define SWEEPS_BODY                                                                                \
  const int64_t *super = L->super, *pi = L->pi, *px = L->px, *ls = L->s;                           \
  const double *lx = L->x;                                                                         \
  v8d *y = (v8d *)Y;                                                                               \
  int64_t ns = (int64_t)L->nsuper;                                                                 \
  for (int64_t s = 0; s < ns; s++) {                                                               \
    int64_t k1 = super[s], nsc = super[s + 1] - k1, nsr = pi[s + 1] - pi[s];                       \
    const int64_t *rs = ls + pi[s];                                                                \
    for (int64_t j = 0; j < nsc; j++) {                                                            \
      const double *lj = lx + px[s] + j * nsr;                                                     \
      v8d yj = y[k1 + j] / lj[j];                                                                  \
      y[k1 + j] = yj;                                                                              \
      for (int64_t i = j + 1; i < nsr; i++)                                                        \
        y[rs[i]] -= lj[i] * yj;                                                                    \
    }                                                                                              \
  }                                                                                                \
  for (int64_t s = ns - 1; s >= 0; s--) {                                                          \
    int64_t k1 = super[s], nsc = super[s + 1] - k1, nsr = pi[s + 1] - pi[s];                       \
    const int64_t *rs = ls + pi[s];                                                                \
    for (int64_t j = nsc - 1; j >= 0; j--) {                                                       \
      const double *lj = lx + px[s] + j * nsr;                                                     \
      v8d acc = y[k1 + j];                                                                         \
      for (int64_t i = j + 1; i < nsr; i++)                                                        \
        acc -= lj[i] * y[rs[i]];                                                                   \
      y[k1 + j] = acc / lj[j];                                                                     \
    }                                                                                              \
  }

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define PV_SNODE_DISPATCH 1
__attribute__((target("avx512f"))) static void sweeps_avx512(const cholmod_factor *L, double *Y) {
  SWEEPS_BODY
}
#endif

static void sweeps_generic(const cholmod_factor *L, double *Y) { SWEEPS_BODY }

static void sweeps(const cholmod_factor *L, double *Y) {
#ifdef PV_SNODE_DISPATCH
  if (pv_eig_use_avx512()) {
    sweeps_avx512(L, Y);
    return;
  }
#endif
  sweeps_generic(L, Y);
}

int pv_eig_snode_solve(pv_eig_snode *f, int nv, const double *B, double *X) {
  if (!f->factored)
    return PV_ERROR(PV_EINTERNAL, "eigen: solve without a factorisation");
  int64_t n = f->n;
  const int64_t *perm = f->L->Perm;
  for (int c0 = 0; c0 < nv; c0 += NRHS) {
    int w = nv - c0 < NRHS ? nv - c0 : NRHS;
    for (int64_t k = 0; k < n; k++) {
      double *yk = f->Y + NRHS * k;
      const double *b = B + (int64_t)c0 * n + perm[k];
      int c = 0;
      for (; c < w; c++)
        yk[c] = b[c * n];
      for (; c < NRHS; c++)
        yk[c] = 0;
    }
    sweeps(f->L, f->Y);
    for (int64_t k = 0; k < n; k++) {
      const double *yk = f->Y + NRHS * k;
      double *x = X + (int64_t)c0 * n + perm[k];
      for (int c = 0; c < w; c++)
        x[c * n] = yk[c];
    }
  }
  return 0;
}

double pv_eig_snode_rcond(pv_eig_snode *f) {
  return f && f->factored ? cholmod_l_rcond(f->L, &f->cm) : 0;
}

int64_t pv_eig_snode_nnz(const pv_eig_snode *f) {
  return f && f->factored ? (int64_t)f->cm.lnz : 0;
}

void pv_eig_snode_destroy(pv_eig_snode **pf) {
  if (!pf || !*pf)
    return;
  pv_eig_snode *f = *pf;
  if (f->L)
    cholmod_l_free_factor(&f->L, &f->cm);
  cholmod_l_finish(&f->cm);
  pv_free(f->Y);
  pv_free(f);
  *pf = NULL;
}
