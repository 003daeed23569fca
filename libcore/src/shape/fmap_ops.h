/* shape/fmap_ops.h - spectral operators used by the functional-map energy. */
#ifndef PV_SHAPE_FMAP_OPS_H
#define PV_SHAPE_FMAP_OPS_H
#include <parseval/shape.h>
/* A = Phi[:, :k]^T M D (k x nd, column-major). */
int pv_fmap_project(const pv_shape_basis *b, int k, const double *D, int nd, double *A);
/* G = Phi^T M diag(f) Phi (k x k): multiplication by f in the basis. */
int pv_fmap_mult_op(const pv_shape_basis *b, int k, const double *f, double *G);
/* O = Phi^T W_f Phi (k x k): g -> n . (grad f x grad g), face-wise. */
int pv_fmap_orient_op(const pv_shape_basis *b, const pv_mesh *m, int k, const double *f, double *O);
#endif
