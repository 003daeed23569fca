/* eigen_internal.h - the shift-invert operator and the block Krylov-Schur
 * core shared by the eigen (and cluster) sources; not installed. */
#ifndef PV_EIGEN_INTERNAL_H
#define PV_EIGEN_INTERNAL_H

#include <stdint.h>

#include <parseval/ctx.h>
#include <parseval/sparse.h>

/* OP = (A - sigma B)^{-1} B through one factor of C = A - sigma B. */
typedef struct pv_eig_op {
  int64_t n;
  pv_ctx *ctx;
  const pv_sparse *B;   /* NULL: identity */
  double *bdiag;        /* B's diagonal when B is diagonal (fast products), else NULL */
  const pv_sparse *C;   /* A - sigma B (for residual estimates) */
  struct pv_eig_snode *sn; /* exactly one of sn (SMALLEST) / lu (NEAREST) is set */
  pv_sparse_lu *lu;
  double *tmp;     /* n x block workspace */
  int64_t applies; /* vectors multiplied by OP so far */
} pv_eig_op;

/* Y = OP X for nv <= block vectors (n x nv, leading dimension n). */
int pv_eig_op_apply(pv_eig_op *op, int nv, const double *X, double *Y);
/* Y = B X (copy when B is the identity). */
int pv_eig_op_bmul(pv_eig_op *op, int nv, const double *X, double *Y);

/* Y = C X for nv <= 8 vectors (X n x nv with leading dimension ldx, Y with
 * ldy), C symmetric CSC; XI is n x 8 scratch (64-byte aligned); nthr
 * OpenMP threads above 20k rows (cmul.c). */
void pv_eig_cmul8(const pv_sparse *C, int nv, const double *X, int64_t ldx, double *XI, double *Y,
                  int64_t ldy, int nthr);

typedef struct pv_eig_ks_params {
  int k;     /* wanted pairs: largest |theta| of OP */
  int block; /* block size */
  int basis; /* maximum basis size m (block <= m, m + block <= n) */
  int max_restarts;
  double tol;          /* target of the original-pencil residual measure */
  double sigma;        /* shift, to turn theta into lambda = sigma + 1/theta */
  double bnorm_max;    /* upper bound of lambda_max(B), 1 for the identity */
  double lambda_floor; /* lower bound of lambda_max in the residual measure */
  uint64_t seed;       /* random start block */
} pv_eig_ks_params;

/* Block Krylov-Schur on OP: the k eigenvalues theta of largest magnitude
 * (theta[k], descending |theta|) and B-orthonormal Ritz vectors X (n x k,
 * leading dimension ldx). *restarts receives the cycles used; *residual the
 * residual measure computed explicitly from X (with C = A - sigma B), or NAN
 * when the run did not converge. Returns PV_ENOTCONV (outputs filled) when
 * max_restarts is exhausted. */
int pv_eig_krylov_schur(pv_eig_op *op, const pv_eig_ks_params *p, double *theta, double *X,
                        int64_t ldx, int *restarts, double *residual);

#endif
