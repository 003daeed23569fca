/* parseval/eigen.h - sparse generalized symmetric eigenproblems
 *   A x = lambda B x,  A symmetric, B symmetric positive definite,
 * solved by shift-invert block Krylov-Schur (block Lanczos with thick
 * restart and full B-reorthogonalisation) on OP = (A - sigma B)^{-1} B:
 *  - PV_EIGEN_SMALLEST: the k smallest eigenvalues; sigma lies below the
 *    spectrum so A - sigma B is positive definite and one CHOLMOD
 *    factorisation serves every iteration;
 *  - PV_EIGEN_NEAREST: the k eigenvalues nearest an interior sigma; A - sigma B
 *    is indefinite and factorised once by UMFPACK LU.
 * Small problems (or opt.dense_max_n) use LAPACK's dense dsygvd instead.
 *
 * Results: eigenvalues ascending; eigenvectors B-orthonormal
 * (X^T B X = I), each signed so that its entry of largest magnitude is
 * positive (the first such entry on ties). Residual measure (the one
 * ../shared/peers/linalg/eigsh_bench.py prints):
 *   max_i ||A x_i - lambda_i B x_i||_2 / (lambda_max ||x_i||_2),
 * lambda_max = max_i |lambda_i| over the returned eigenvalues, so the measure
 * stays defined when an eigenvalue is zero; it is floored at
 * 1e-6 s, s = sum_j |a_jj| / sum_j b_jj (the pencil's scale: the B-weighted
 * mean of the diagonal Rayleigh quotients, which sliver faces with tiny
 * masses do not dominate) for the case where every wanted eigenvalue is
 * zero (a graph Laplacian with k components). */
#ifndef PARSEVAL_EIGEN_H
#define PARSEVAL_EIGEN_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include <parseval/config.h>
#include <parseval/ctx.h>
#include <parseval/sparse.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  PV_EIGEN_SMALLEST = 0, /* k smallest eigenvalues */
  PV_EIGEN_NEAREST = 1   /* k eigenvalues nearest sigma */
} pv_eigen_which;

typedef struct pv_eigen_options {
  size_t struct_size;  /* sizeof(pv_eigen_options) */
  int which;           /* pv_eigen_which */
  double sigma;        /* shift. SMALLEST: must lie below the spectrum; NAN picks
                          -1e-3 s, s the scale above (below a Gershgorin bound
                          when A is not diagonally dominant), then lower
                          candidates until A - sigma B factorises;
                          NEAREST: the target, required */
  double tol;          /* residual target in the measure above (default 1e-10) */
  int block;           /* Krylov block size (0: 8) */
  int basis;           /* basis vectors kept at most (0: max(2k, k + 8 block)) */
  int max_restarts;    /* restart cycles before PV_ENOTCONV (default 100) */
  int64_t dense_max_n; /* n at or below which dense LAPACK is used
                          (-1: automatic, when the Krylov basis would not fit) */
} pv_eigen_options;

#define PV_EIGEN_OPTIONS_INIT                                                                      \
  { sizeof(pv_eigen_options), PV_EIGEN_SMALLEST, NAN, 1e-10, 0, 0, 100, -1 }

/* What a solve did; all fields are outputs. */
typedef struct pv_eigen_info {
  size_t struct_size;     /* set by the caller: sizeof(pv_eigen_info) */
  double sigma;           /* shift actually used */
  double max_residual;    /* residual measure of the returned pairs, computed
                             explicitly at the end */
  double lambda_max;      /* lambda_max used in the measure (floored) */
  int restarts;           /* restart cycles */
  int dense;              /* 1 when the dense LAPACK path was taken */
  int64_t op_applies;     /* vectors multiplied by (A - sigma B)^{-1} B */
  int64_t factor_nnz;     /* nonzeros of the factor of A - sigma B */
  double seconds_factor;  /* analysis + factorisation wall time */
  double seconds_iterate; /* Krylov iterations + Ritz vectors wall time */
} pv_eigen_info;

/* Solve A x = lambda B x for k eigenpairs (1 <= k < n; k <= n for the dense
 * path). A and B are n x n, symmetric (both triangles stored; checked), finite;
 * B NULL means the identity. lambda[k] receives the eigenvalues ascending,
 * X (n x k, leading dimension ldx >= n) the eigenvectors. opt NULL uses the
 * defaults, info may be NULL. ctx (may be NULL) supplies threads (OpenMP and
 * BLAS), the seed of the random start block, log lines ("eigen") and
 * progress (fraction of converged pairs; cancelling returns PV_ECANCEL).
 * Errors: PV_EINVAL bad sizes/options, non-symmetric or non-finite input;
 * PV_ENUMERIC B not positive definite, sigma not below the spectrum
 * (SMALLEST with a given sigma), sigma (numerically) an eigenvalue;
 * PV_ENOTCONV not converged in max_restarts (lambda, X and info then hold the
 * best approximation). Memory: about n (basis + block) doubles, the factor
 * and three sparse matrices of A's size. */
PV_API int pv_eigen_pencil_solve(pv_ctx *ctx, const pv_sparse *A, const pv_sparse *B, int k,
                                 const pv_eigen_options *opt, double *lambda, double *X,
                                 int64_t ldx, pv_eigen_info *info);

/* Residual measure above for given pairs (X n x k, leading dimension ldx);
 * B NULL = identity. Returns the maximum through *res; res_each[k] (may be
 * NULL) receives each pair's ||A x_i - lambda_i B x_i|| / (lambda_max ||x_i||). */
PV_API int pv_eigen_residual(const pv_sparse *A, const pv_sparse *B, int k, const double *lambda,
                             const double *X, int64_t ldx, double *res, double *res_each);

#ifdef __cplusplus
}
#endif
#endif /* PARSEVAL_EIGEN_H */
