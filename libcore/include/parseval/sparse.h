/* parseval/sparse.h - sparse matrices (compressed sparse column, double) and
 * direct factorisations: CHOLMOD supernodal LL^T for symmetric positive
 * definite systems (symbolic analysis made once, numeric factorisation
 * repeated) and UMFPACK LU for indefinite or unsymmetric ones.
 *
 * Indices are 0-based int64_t. Row indices are sorted within each column and
 * every (row, column) position appears once. Dense blocks of vectors are
 * column-major with a leading dimension ("ld" >= number of rows). */
#ifndef PARSEVAL_SPARSE_H
#define PARSEVAL_SPARSE_H

#include <stddef.h>
#include <stdint.h>

#include <parseval/config.h>
#include <parseval/ctx.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An nrow x ncol CSC matrix; immutable once built. */
typedef struct pv_sparse pv_sparse;

/* Assemble from nnz coordinate triplets (row[i], col[i], val[i]); entries at
 * the same position are summed (finite-element style). Indices must lie in
 * range and values be finite, otherwise PV_EINVAL names the offending triplet.
 * Explicit zeros are kept (the pattern is what the caller asked for).
 * Arrays are borrowed; *out is owned by the caller. ctx may be NULL. */
PV_API int pv_sparse_create_coo(pv_ctx *ctx, int64_t nrow, int64_t ncol, int64_t nnz,
                                const int64_t *row, const int64_t *col, const double *val,
                                pv_sparse **out);

/* Copy a CSC matrix given by colptr[ncol+1], rowind[nnz], val[nnz]
 * (nnz = colptr[ncol]). Row indices may be unsorted and may repeat; they are
 * sorted and duplicates summed. Same checks as pv_sparse_create_coo. */
PV_API int pv_sparse_create_csc(pv_ctx *ctx, int64_t nrow, int64_t ncol, const int64_t *colptr,
                                const int64_t *rowind, const double *val, pv_sparse **out);

/* n x n diagonal matrix with the n finite values d (borrowed). */
PV_API int pv_sparse_create_diag(pv_ctx *ctx, int64_t n, const double *d, pv_sparse **out);

/* C = alpha A + beta B (same shape); the pattern of C is the union. */
PV_API int pv_sparse_add(pv_ctx *ctx, double alpha, const pv_sparse *A, double beta,
                         const pv_sparse *B, pv_sparse **out);

/* C = A^T. */
PV_API int pv_sparse_transpose(pv_ctx *ctx, const pv_sparse *A, pv_sparse **out);

/* Free a matrix; NULL-safe, sets *A to NULL. */
PV_API void pv_sparse_destroy(pv_sparse **A);

/* Shape and storage accessors. The arrays returned by pv_sparse_csc belong
 * to A (read-only, valid until A is destroyed); any out-pointer may be NULL. */
PV_API int64_t pv_sparse_nrow(const pv_sparse *A);
PV_API int64_t pv_sparse_ncol(const pv_sparse *A);
PV_API int64_t pv_sparse_nnz(const pv_sparse *A);
PV_API void pv_sparse_csc(const pv_sparse *A, const int64_t **colptr, const int64_t **rowind,
                          const double **val);

/* 1 if A is square and |a_ij - a_ji| <= tol * max|a| for all entries
 * (structural zeros count as 0), else 0. */
PV_API int pv_sparse_is_symmetric(const pv_sparse *A, double tol);

/* Y = alpha A X + beta Y for nvec dense vectors: X is ncol x nvec (leading
 * dimension ldx), Y is nrow x nvec (ldy). beta == 0 ignores Y's contents
 * (NaN included). X and Y must not overlap. */
PV_API int pv_sparse_matmul(const pv_sparse *A, int64_t nvec, double alpha, const double *X,
                            int64_t ldx, double beta, double *Y, int64_t ldy);

/* y = alpha A x + beta y (one vector; as pv_sparse_matmul with nvec = 1). */
PV_API int pv_sparse_matvec(const pv_sparse *A, double alpha, const double *x, double beta,
                            double *y);

/* Y = alpha A^T X + beta Y: X is nrow x nvec, Y is ncol x nvec. Columns of
 * Y are computed in parallel (OpenMP, ctx's thread count if ctx != NULL). */
PV_API int pv_sparse_matmul_t(pv_ctx *ctx, const pv_sparse *A, int64_t nvec, double alpha,
                              const double *X, int64_t ldx, double beta, double *Y, int64_t ldy);

/* ---- CHOLMOD: A = P^T L L^T P, A symmetric positive definite ------------ */

/* A factor: symbolic analysis (fill-reducing ordering, supernodal
 * structure) of a pattern, reused by every numeric factorisation. */
typedef struct pv_sparse_chol pv_sparse_chol;

/* Analyse the pattern of the lower triangle of the square matrix A (entries
 * above the diagonal are ignored: pass the full symmetric matrix or its lower
 * half). No numeric work; call pv_sparse_chol_factorize next. A is borrowed
 * and not retained; ctx (may be NULL) is used for logging only.
 * CHOLMOD errors are reported through pv_error; CHOLMOD never prints. */
PV_API int pv_sparse_chol_create(pv_ctx *ctx, const pv_sparse *A, pv_sparse_chol **out);

/* Numeric factorisation of A + shift I (shift may be 0). A must have the
 * analysed pattern or a subset of it. A that is not positive definite gives
 * PV_ENUMERIC naming the failing pivot; the factor is then unusable until the
 * next successful factorisation. */
PV_API int pv_sparse_chol_factorize(pv_sparse_chol *f, const pv_sparse *A, double shift);

/* Solve A X = B for nrhs right-hand sides (n x nrhs, leading dimensions ldb,
 * ldx; X may equal B). Needs a successful factorisation. Workspace is kept in
 * f between calls (not thread-safe: one factor per thread). */
PV_API int pv_sparse_chol_solve(pv_sparse_chol *f, int64_t nrhs, const double *B, int64_t ldb,
                                double *X, int64_t ldx);

/* Reciprocal condition estimate of the last factorisation, from the
 * extreme diagonal entries of L (cheap, order-of-magnitude). */
PV_API double pv_sparse_chol_rcond(const pv_sparse_chol *f);

/* Number of nonzeros in L (after factorisation; 0 before). */
PV_API int64_t pv_sparse_chol_nnz(const pv_sparse_chol *f);

/* Free the factor; NULL-safe, sets *f to NULL. */
PV_API void pv_sparse_chol_destroy(pv_sparse_chol **f);

/* ---- UMFPACK: P A Q = L U, A square, any nonsingular matrix ------------- */

typedef struct pv_sparse_lu pv_sparse_lu;

/* Symbolic and numeric LU factorisation of the square matrix A (borrowed;
 * the factor keeps its own copy for iterative refinement). A singular (or
 * numerically singular: rcond below 1e-14) matrix gives PV_ENUMERIC. */
PV_API int pv_sparse_lu_create(pv_ctx *ctx, const pv_sparse *A, pv_sparse_lu **out);

/* Solve A X = B (transposed = 0) or A^T X = B (transposed = 1) for nrhs
 * right-hand sides; X may not overlap B. Not thread-safe (shared workspace). */
PV_API int pv_sparse_lu_solve(pv_sparse_lu *f, int transposed, int64_t nrhs, const double *B,
                              int64_t ldb, double *X, int64_t ldx);

/* Reciprocal condition estimate reported by UMFPACK. */
PV_API double pv_sparse_lu_rcond(const pv_sparse_lu *f);

/* Free the factor; NULL-safe, sets *f to NULL. */
PV_API void pv_sparse_lu_destroy(pv_sparse_lu **f);

#ifdef __cplusplus
}
#endif
#endif /* PARSEVAL_SPARSE_H */
