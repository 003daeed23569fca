/* op.c - the shift-invert operator OP = (A - sigma B)^{-1} B. */
#include <string.h>

#include "eigen_internal.h"
#include "snode.h"
#include <parseval/error.h>

int pv_eig_op_bmul(pv_eig_op *op, int nv, const double *X, double *Y) {
  if (op->bdiag) {
    for (int c = 0; c < nv; c++) {
      const double *x = X + c * op->n;
      double *y = Y + c * op->n;
      for (int64_t i = 0; i < op->n; i++)
        y[i] = op->bdiag[i] * x[i];
    }
    return 0;
  }
  if (!op->B) {
    memcpy(Y, X, sizeof(double) * (size_t)(op->n * nv));
    return 0;
  }
  /* B is symmetric, so B X = B^T X: the gather form runs in parallel. */
  return pv_sparse_matmul_t(op->ctx, op->B, nv, 1.0, X, op->n, 0.0, Y, op->n);
}

int pv_eig_op_apply(pv_eig_op *op, int nv, const double *X, double *Y) {
  int st = pv_eig_op_bmul(op, nv, X, op->tmp);
  if (st)
    return st;
  st = op->sn ? pv_eig_snode_solve(op->sn, nv, op->tmp, Y)
              : pv_sparse_lu_solve(op->lu, 0, nv, op->tmp, op->n, Y, op->n);
  op->applies += nv;
  return st;
}
