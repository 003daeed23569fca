/* nn_internal.h - shared helpers of the nn module (not installed). */
#ifndef PV_NN_INTERNAL_H
#define PV_NN_INTERNAL_H
#include <stddef.h>
#include <parseval/nn.h>

/* Strided-batch variants used by the models: X[b] starts at X + b * xs,
 * Y[b] at Y + b * ys (in reals). accumulate: Y += W X + bias. */
void pv__nn_linear_fwd_f32(int threads, int batch, int cin, int cout, size_t npts,
                           const float *X, size_t xs, const float *W, const float *bias,
                           float *Y, size_t ys, int accumulate);
void pv__nn_linear_fwd_f64(int threads, int batch, int cin, int cout, size_t npts,
                           const double *X, size_t xs, const double *W, const double *bias,
                           double *Y, size_t ys, int accumulate);
/* dX (stride dxs, may be NULL) = W^T dY; dW, db += batch sums in fixed order;
 * work: batch * cout * (cin + 1) reals. */
void pv__nn_linear_bwd_f32(int threads, int batch, int cin, int cout, size_t npts,
                           const float *X, size_t xs, const float *W, const float *dY,
                           size_t dys, float *dX, size_t dxs, float *dW, float *db,
                           float *work);
void pv__nn_linear_bwd_f64(int threads, int batch, int cin, int cout, size_t npts,
                           const double *X, size_t xs, const double *W, const double *dY,
                           size_t dys, double *dX, size_t dxs, double *dW, double *db,
                           double *work);
void pv__nn_gelu_fwd_f32(int threads, size_t n, const float *x, float *y);
void pv__nn_gelu_fwd_f64(int threads, size_t n, const double *x, double *y);
void pv__nn_gelu_bwd_f32(int threads, size_t n, const float *x, const float *dy, float *dx);
void pv__nn_gelu_bwd_f64(int threads, size_t n, const double *x, const double *dy, double *dx);
/* Relative L2 over `batch` samples of npts values at batch strides ps/ts/gs;
 * returns per-sample sum (reduce applied by caller via scale); dpred scaled
 * by `scale` (NULL: skipped). PV_ENUMERIC on a zero target. */
int pv__nn_rel_l2_f32(int batch, size_t npts, const float *p, size_t ps, const float *t,
                      size_t ts, double scale, double *loss, float *dp, size_t gs);
int pv__nn_rel_l2_f64(int batch, size_t npts, const double *p, size_t ps, const double *t,
                      size_t ts, double scale, double *loss, double *dp, size_t gs);
/* Sets OpenBLAS to one thread (the nn kernels parallelise outside BLAS). */
void pv__nn_blas_single(void);
#endif
