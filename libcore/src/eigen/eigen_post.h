/* eigen_post.h - checks, shift candidates and output conventions of the
 * pencil solver (not installed). */
#ifndef PV_EIGEN_POST_H
#define PV_EIGEN_POST_H

#include <stdint.h>

#include <parseval/ctx.h>
#include <parseval/sparse.h>

/* M is n x n, finite and symmetric; name ("A", "B") goes into messages. */
int pv_eig_check_matrix(const char *name, const pv_sparse *M, int64_t n);
/* B positive definite (diagonal > 0, Gershgorin, else a Cholesky attempt);
 * *bmax receives an upper bound of lambda_max(B). */
int pv_eig_check_b(pv_ctx *ctx, const pv_sparse *B, double *bmax);
/* *C = A - sigma I. */
int pv_eig_shift_identity(const pv_sparse *A, double sigma, pv_sparse **C);
/* Shifts to try for PV_EIGEN_SMALLEST, best first (sigma itself when not
 * NAN); returns how many (<= 8) were written to cand. */
int pv_eig_shift_candidates(const pv_sparse *A, const pv_sparse *B, double sigma, double *cand);
/* Floor of lambda_max in the residual measure: 1e-6 max_j |a_jj| / b_jj. */
double pv_eig_lambda_floor(const pv_sparse *A, const pv_sparse *B);
/* Sign convention, ascending order, residual measure and lambda_max. *res
 * is in-out: the measure when the caller computed it already from these
 * vectors (sign and order do not change it), NAN to compute it here. */
int pv_eig_finish(const pv_sparse *A, const pv_sparse *B, int k, double *lambda, double *X,
                  int64_t ldx, double *res, double *lmax);

#endif
