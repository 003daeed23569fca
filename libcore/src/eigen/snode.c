/* snode.c - CHOLMOD's L L^T factor of C = A - sigma B with our own
 * interleaved multi-right-hand-side solve (see snode.h).
 *
 * After the numeric factorisation L (supernodal or simplicial, CHOLMOD's
 * choice) is copied into a column-compressed form without its exact zeros,
 * and CHOLMOD's values are freed. Relaxed amalgamation pads supernodes with structural zeros (they
 * stay exactly 0.0: every product that updates them has a zero factor);
 * the sweeps visited them too, 57% more entries than nnz(L) at 5k
 * unknowns, 38% at 20k. Skipping exact zeros changes no rounding (the
 * columns are visited in the same order, the rows in the same order), and
 * the copy (4-byte rows, 8-byte values) is smaller than the supernodal
 * values, so peak memory does not grow once these are freed. The backward
 * sweep sums each row in two partial sums (even and odd entries), which
 * halves the chain of dependent multiply-adds (~10% of the solve time). */
#include <stdint.h>
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
  cholmod_factor *L; /* symbolic after the copy (Perm, supernodes) */
  int64_t n;
  double *Y; /* n x NRHS, row-major, permuted order */
  /* L without exact zeros: column j has diagonal d[j] and the strictly
   * lower entries (ri, lx)[cp[j] .. cp[j + 1]), rows in CHOLMOD's order. */
  int64_t *cp;
  int32_t *ri;
  double *lx, *d;
  double rcond;
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
  /* CHOLMOD's own choice (flops / nnz(L) below 40: simplicial, which at
   * 5k-20k unknowns factorises faster than a supernodal factor of small
   * supernodes); either is copied into the same compressed form. */
  f->cm.supernodal = CHOLMOD_AUTO;
  f->cm.final_ll = 1;
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

static void free_compressed(pv_eig_snode *f) {
  pv_free(f->cp), pv_free(f->ri), pv_free(f->lx), pv_free(f->d);
  f->cp = NULL, f->ri = NULL, f->lx = NULL, f->d = NULL;
}

/* Nonzero strictly lower entries of column j of supernode s (rows in the
 * supernode's row-list order); with ri == NULL only counted. */
static int64_t column_entries(const cholmod_factor *L, int64_t s, int64_t j, int32_t *ri,
                              double *lx) {
  const int64_t *pi = L->pi, *px = L->px, *ls = L->s;
  int64_t nsr = pi[s + 1] - pi[s], c = 0;
  const double *lj = (const double *)L->x + px[s] + j * nsr;
  for (int64_t i = j + 1; i < nsr; i++)
    if (lj[i] != 0) {
      if (ri)
        ri[c] = (int32_t)ls[pi[s] + i], lx[c] = lj[i];
      c++;
    }
  return c;
}

/* Nonzero strictly lower entries of column k of a simplicial L L^T factor
 * (CHOLMOD stores the diagonal first); with ri == NULL only counted. */
static int64_t simplicial_entries(const cholmod_factor *L, int64_t k, int32_t *ri, double *lx) {
  const int64_t *lp = L->p, *li = L->i, *lnz = L->nz;
  const double *x = L->x;
  int64_t c = 0;
  for (int64_t q = lp[k] + 1; q < lp[k] + lnz[k]; q++)
    if (x[q] != 0) {
      if (ri)
        ri[c] = (int32_t)li[q], lx[c] = x[q];
      c++;
    }
  return c;
}

/* Entries of column k (counted only when ri == NULL); *d its diagonal. */
static int64_t entries(const cholmod_factor *L, const int64_t *col_super, int64_t k, int32_t *ri,
                       double *lx, double *d) {
  if (!L->is_super) {
    *d = ((const double *)L->x)[((const int64_t *)L->p)[k]];
    return simplicial_entries(L, k, ri, lx);
  }
  const int64_t *super = L->super, *pi = L->pi, *px = L->px;
  int64_t s = col_super[k], j = k - super[s];
  *d = ((const double *)L->x)[px[s] + j * (pi[s + 1] - pi[s]) + j];
  return column_entries(L, s, j, ri, lx);
}

/* The column-compressed copy of L (two passes: count, fill); col_super
 * maps a column to its supernode (supernodal L only). */
static int compress(pv_eig_snode *f) {
  const cholmod_factor *L = f->L;
  int64_t n = f->n;
  free_compressed(f);
  if (n > INT32_MAX)
    return PV_ERROR(PV_EINVAL, "eigen: %lld unknowns exceed the solve's 32-bit row indices",
                    (long long)n);
  f->cp = pv_malloc(sizeof(int64_t) * (size_t)(n + 1));
  f->d = pv_malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
  int64_t *col_super = L->is_super ? pv_malloc(sizeof(int64_t) * (size_t)(n > 0 ? n : 1)) : NULL;
  if (!f->cp || !f->d || (L->is_super && !col_super)) {
    pv_free(col_super);
    return PV_ERROR(PV_ENOMEM, "eigen: compressed factor of order %lld", (long long)n);
  }
  for (int64_t s = 0; L->is_super && s < (int64_t)L->nsuper; s++)
    for (int64_t k = ((const int64_t *)L->super)[s]; k < ((const int64_t *)L->super)[s + 1]; k++)
      col_super[k] = s;
  f->cp[0] = 0;
  for (int64_t k = 0; k < n; k++)
    f->cp[k + 1] = f->cp[k] + entries(L, col_super, k, NULL, NULL, f->d + k);
  int64_t nz = f->cp[n];
  f->ri = pv_malloc(sizeof(int32_t) * (size_t)(nz > 0 ? nz : 1));
  f->lx = pv_malloc(sizeof(double) * (size_t)(nz > 0 ? nz : 1));
  if (!f->ri || !f->lx) {
    pv_free(col_super);
    return PV_ERROR(PV_ENOMEM, "eigen: compressed factor with %lld entries", (long long)nz);
  }
  for (int64_t k = 0; k < n; k++)
    entries(L, col_super, k, f->ri + f->cp[k], f->lx + f->cp[k], f->d + k);
  pv_free(col_super);
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
  if (!f->L->is_ll)
    return PV_ERROR(PV_EINTERNAL, "eigen: CHOLMOD returned an LDL' factor");
  f->rcond = cholmod_l_rcond(f->L, &f->cm);
  int st = compress(f);
  /* CHOLMOD's values are no longer needed (supernodal symbolic remains, so
   * a later factorisation reuses the analysis). */
  if (!st && !cholmod_l_change_factor(CHOLMOD_PATTERN, 1, f->L->is_super, 1, 1, f->L, &f->cm))
    st = PV_ERROR(PV_EINTERNAL, "eigen: CHOLMOD could not drop the factor values");
  f->factored = !st;
  return st;
}

typedef double v8d __attribute__((vector_size(64), aligned(64), may_alias));

/* L y = y then L^T y = y on the interleaved rows of Y, column by column
 * (the compressed copy: diagonal d, strictly lower entries per column). */
#define SWEEPS_BODY                                                                                \
  const int64_t *cp = f->cp;                                                                       \
  const int32_t *ri = f->ri;                                                                       \
  const double *lx = f->lx, *d = f->d;                                                             \
  v8d *y = (v8d *)Y;                                                                               \
  int64_t n = f->n;                                                                                \
  for (int64_t j = 0; j < n; j++) {                                                                \
    v8d yj = y[j] / d[j];                                                                          \
    y[j] = yj;                                                                                     \
    for (int64_t q = cp[j]; q < cp[j + 1]; q++)                                                    \
      y[ri[q]] -= lx[q] * yj;                                                                      \
  }                                                                                                \
  for (int64_t j = n - 1; j >= 0; j--) { /* two partial sums: half the FMA latency chain */       \
    v8d acc = y[j], acc2 = {0, 0, 0, 0, 0, 0, 0, 0};                                               \
    int64_t q = cp[j];                                                                             \
    for (; q + 1 < cp[j + 1]; q += 2) {                                                            \
      acc -= lx[q] * y[ri[q]];                                                                     \
      acc2 -= lx[q + 1] * y[ri[q + 1]];                                                            \
    }                                                                                              \
    if (q < cp[j + 1])                                                                             \
      acc -= lx[q] * y[ri[q]];                                                                     \
    y[j] = (acc + acc2) / d[j];                                                                    \
  }

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define PV_SNODE_DISPATCH 1
__attribute__((target("avx512f"))) static void sweeps_avx512(const pv_eig_snode *f, double *Y) {
  SWEEPS_BODY
}
#endif

static void sweeps_generic(const pv_eig_snode *f, double *Y) { SWEEPS_BODY }

static void sweeps(const pv_eig_snode *f, double *Y) {
#ifdef PV_SNODE_DISPATCH
  if (pv_eig_use_avx512()) {
    sweeps_avx512(f, Y);
    return;
  }
#endif
  sweeps_generic(f, Y);
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
    sweeps(f, f->Y);
    for (int64_t k = 0; k < n; k++) {
      const double *yk = f->Y + NRHS * k;
      double *x = X + (int64_t)c0 * n + perm[k];
      for (int c = 0; c < w; c++)
        x[c * n] = yk[c];
    }
  }
  return 0;
}

double pv_eig_snode_rcond(pv_eig_snode *f) { return f && f->factored ? f->rcond : 0; }

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
  free_compressed(f);
  pv_free(f->Y);
  pv_free(f);
  *pf = NULL;
}
