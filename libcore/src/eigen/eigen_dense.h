/* eigen_dense.h - dense LAPACK path of the pencil solver (not installed). */
#ifndef PV_EIGEN_DENSE_H
#define PV_EIGEN_DENSE_H

#include <stdint.h>

#include <parseval/sparse.h>

/* The k smallest (which = PV_EIGEN_SMALLEST) or nearest-sigma eigenpairs of
 * the dense pencil, eigenvalues ascending, vectors B-orthonormal. */
int pv_eig_dense(const pv_sparse *A, const pv_sparse *B, int k, int which, double sigma,
                 double *lambda, double *X, int64_t ldx);

#endif
