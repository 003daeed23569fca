/* sparse_internal.h - layout of pv_sparse shared by the sparse, eigen and
 * cluster modules (not installed). */
#ifndef PV_SPARSE_INTERNAL_H
#define PV_SPARSE_INTERNAL_H

#include <stdint.h>

#include <cholmod.h>

#include <parseval/sparse.h>

struct pv_sparse {
  int64_t nrow, ncol;
  int64_t *p; /* column pointers, ncol + 1 */
  int64_t *i; /* row indices, sorted within each column, p[ncol] */
  double *x;  /* values, p[ncol] */
};

/* Allocate an empty nrow x ncol matrix with room for nnz entries
 * (p zeroed, i and x uninitialised). */
int pv_sparse_alloc_(int64_t nrow, int64_t ncol, int64_t nnz, pv_sparse **out);

/* *sym = 1 when A is symmetric within tol (as pv_sparse_is_symmetric);
 * returns PV_ENOMEM if the check could not be made. */
int pv_sparse_symmetry_(const pv_sparse *A, double tol, int *sym);

/* A non-owning cholmod_sparse header over A (int64 indices, double values),
 * read as symmetric with its lower triangle. */
cholmod_sparse pv_sparse_cholmod_lower_(const pv_sparse *A);

#endif
