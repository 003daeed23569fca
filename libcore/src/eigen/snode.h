/* snode.h - the shift-invert factor of PV_EIGEN_SMALLEST: CHOLMOD's
 * L L^T of C = A - sigma B (analysed once, factorised per shift; supernodal
 * or simplicial as CHOLMOD chooses), copied without its exact zeros and
 * solved by our own multi-right-hand-side triangular sweeps (not installed).
 *
 * CHOLMOD's supernodal solve runs a small dense BLAS call per supernode,
 * which on surface meshes (supernodes of a few columns) costs more than the
 * arithmetic: ~1 GFLOP/s at 5k-20k unknowns. Here the right-hand sides are
 * interleaved (row-major n x 8, one row = 64 bytes = one AVX-512 vector), so
 * every factor entry costs one 8-wide multiply-add on a contiguous row. */
#ifndef PV_EIGEN_SNODE_H
#define PV_EIGEN_SNODE_H

#include <stdint.h>

#include <parseval/sparse.h>

typedef struct pv_eig_snode pv_eig_snode;

/* Symbolic analysis (CHOLMOD's default ordering) of the pattern of C. */
int pv_eig_snode_create(const pv_sparse *C, pv_eig_snode **out);
/* Numeric factorisation of C (same pattern). PV_ENUMERIC when C is not
 * positive definite. */
int pv_eig_snode_factorize(pv_eig_snode *f, const pv_sparse *C);
/* X = C^{-1} B for nv right-hand sides (n x nv, leading dimension n);
 * B and X may alias. */
int pv_eig_snode_solve(pv_eig_snode *f, int nv, const double *B, double *X);
/* Reciprocal condition estimate of the factor (CHOLMOD's), 0 if none. */
double pv_eig_snode_rcond(pv_eig_snode *f);
/* Nonzeros of L, 0 before a factorisation. */
int64_t pv_eig_snode_nnz(const pv_eig_snode *f);
void pv_eig_snode_destroy(pv_eig_snode **f);

#endif
