/* parseval/nn_layers.h - normalisation layers and the 3-D convolution of the
 * nn engine (included by parseval/nn.h). Conventions as nn.h: dtype PV_F32
 * or PV_F64 selects the template instance, data pointers are void* of that
 * real type, activations are channel-first X[b][c][p] over npts points (C
 * order), parameter gradients are ACCUMULATED (+=) in a fixed order that
 * does not depend on the thread count, input gradients overwritten. */
#ifndef PARSEVAL_NN_LAYERS_H
#define PARSEVAL_NN_LAYERS_H

#include <stddef.h>
#include <parseval/array.h>
#include <parseval/config.h>
#include <parseval/ctx.h>

#ifdef __cplusplus
extern "C" {
#endif

/* -------------------------------------------------------- normalisation */

/* Layer norm over channels, at every point p of every sample b (torch's
 * LayerNorm(C) applied to channels-last data):
 *   mu = (1/C) sum_c x[c],  var = (1/C) sum_c (x[c] - mu)^2 (biased),
 *   xh[c] = (x[c] - mu) / sqrt(var + eps),  y[c] = gamma[c] xh[c] + beta[c].
 * gamma, beta: C reals each, or NULL (1 and 0: no affine part). stats: NULL
 * or 2 batch npts reals receiving (mu, 1/sqrt(var + eps)) per point, which
 * the backward pass needs. Sums in double. Y may alias X. */
PV_API int pv_nn_layer_norm_forward(pv_dtype dtype, int threads, int batch, int channels,
                                    size_t npts, double eps, const void *X, const void *gamma,
                                    const void *beta, void *Y, void *stats);
/* Backward for upstream dY with the forward's stats: dX (overwritten; NULL:
 * skipped) = rstd (g - mean_c g - xh mean_c(g xh)), g = gamma dY;
 * dgamma[c] += sum_{b,p} dY xh, dbeta[c] += sum_{b,p} dY (NULL: skipped). */
PV_API int pv_nn_layer_norm_backward(pv_dtype dtype, int threads, int batch, int channels,
                                     size_t npts, const void *X, const void *gamma,
                                     const void *stats, const void *dY, void *dX, void *dgamma,
                                     void *dbeta);

/* Group norm (torch.nn.GroupNorm): the C channels form `groups` groups of
 * C / groups consecutive channels; each (sample, group) is normalised over
 * all its channels and points (mean and biased variance over C/groups * npts
 * values), then y = gamma[c] xh + beta[c] per channel. groups = C is the
 * instance norm (each channel over space), groups = 1 normalises a sample
 * over channels and space (the "LayerNorm" of Spectral-Refiner's SFNO).
 * stats: NULL or 2 batch groups reals (mu, rstd). groups must divide C. */
PV_API int pv_nn_group_norm_forward(pv_dtype dtype, int threads, int batch, int channels,
                                    int groups, size_t npts, double eps, const void *X,
                                    const void *gamma, const void *beta, void *Y, void *stats);
/* Backward as pv_nn_layer_norm_backward, the means over each group. */
PV_API int pv_nn_group_norm_backward(pv_dtype dtype, int threads, int batch, int channels,
                                     int groups, size_t npts, const void *X, const void *gamma,
                                     const void *stats, const void *dY, void *dX, void *dgamma,
                                     void *dbeta);

/* ------------------------------------------------------ 3-D convolution */

/* torch.nn.Conv3d with stride 1 and dilation 1 (a cross-correlation):
 *   Y[b][o][z][y][x] = bias[o] + sum_{i, a, c, d < k} W[o][i][a][c][d]
 *                      X[b][i][z - pad + a][y - pad + c][x - pad + d]
 * for an input X[b][cin][n0][n1][n2]; outside the box X is 0 (zero padding)
 * or, with circular = 1, wraps around (periodic fields; then 2 pad = k - 1,
 * so the output has the input's size). Output size n_i + 2 pad - k + 1.
 * Weights W[cout][cin][k][k][k] (torch's layout), bias[cout].
 * Method: im2col of one output plane at a time + gemm (OpenBLAS, one thread
 * per plane, planes over OpenMP threads); the input gradient is the same
 * correlation of dY with the flipped, transposed kernel (padding k-1-pad);
 * the weight gradient is summed over fixed plane chunks in a fixed order.
 * The object holds the workspace for max_batch samples; one per thread. */
typedef struct pv_nn_conv3d pv_nn_conv3d;

typedef struct pv_nn_conv3d_options {
  size_t struct_size; /* sizeof(pv_nn_conv3d_options) */
  pv_dtype dtype;     /* PV_F32 or PV_F64 */
  int cin, cout;      /* channels (>= 1) */
  int k;              /* kernel size per axis (>= 1) */
  int pad;            /* padding per side (>= 0) */
  int circular;       /* 1: periodic padding (needs 2 pad = k - 1) */
  int n[3];           /* input size per axis */
  int max_batch;      /* largest batch of a call */
} pv_nn_conv3d_options;
#define PV_NN_CONV3D_OPTIONS_INIT \
  { sizeof(pv_nn_conv3d_options), PV_F32, 1, 1, 3, 1, 0, {0, 0, 0}, 1 }

/* ctx: threads (may be NULL: 1); borrowed, must outlive the object. */
PV_API int pv_nn_conv3d_create(pv_ctx *ctx, const pv_nn_conv3d_options *o, pv_nn_conv3d **out);
PV_API void pv_nn_conv3d_destroy(pv_nn_conv3d **c); /* NULL-safe, sets NULL */
/* Output size per axis. */
PV_API void pv_nn_conv3d_out_size(const pv_nn_conv3d *c, int out[3]);
/* Reals in W: cout cin k^3. */
PV_API size_t pv_nn_conv3d_weight_count(const pv_nn_conv3d *c);
/* Y[b][cout][out...] = conv(X[b][cin][n...]) for batch <= max_batch; bias
 * may be NULL. */
PV_API int pv_nn_conv3d_forward(pv_nn_conv3d *c, int batch, const void *X, const void *W,
                                const void *bias, void *Y);
/* dX (overwritten; NULL: skipped), dW and dbias (accumulated; NULL:
 * skipped) for upstream dY[b][cout][out...]. */
PV_API int pv_nn_conv3d_backward(pv_nn_conv3d *c, int batch, const void *X, const void *W,
                                 const void *dY, void *dX, void *dW, void *dbias);

#ifdef __cplusplus
}
#endif
#endif
