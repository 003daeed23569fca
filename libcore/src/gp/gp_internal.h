/* gp_internal.h - helpers shared by the gp module's sources (not exported). */
#ifndef PV_GP_INTERNAL_H
#define PV_GP_INTERNAL_H

#include <stddef.h>

#define GP_TWO_PI 6.283185307179586476925286766559

/* Sizes of a mode-`axis` view of a row-major tensor n[0..d):
 * outer = prod n[<axis], inner = prod n[>axis]. */
void gp_mode_sizes(int d, const int n[], int axis, size_t *outer, size_t *inner);

/* G (n[axis] x n[axis]) = beta G + alpha sum over the other axes of
 * X[.., i, ..] Y[.., j, ..]: the mode-`axis` unfoldings X_(a) Y_(a)^T. */
void gp_mode_contract(int d, const int n[], int axis, double alpha, const double *X,
                      const double *Y, double beta, double *G);

/* Unchecked mode product (see pv_gp_mode_apply), optionally with A^T. */
void gp_mode_apply(int d, const int n[], int axis, const double *A, int transA,
                   const double *x, double *y);

/* Cholesky of the n x n SPD matrix A in place into its inverse; logdet out.
 * Returns PV_ENUMERIC (recorded) when A is not positive definite. */
int gp_spd_inverse(int n, double *A, double *logdet);

#endif
