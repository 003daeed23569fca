/* parseval/nn.h - neural-operator engine: tensors, layers with hand-written
 * backward passes, losses, the FNO-2D model and Adam/AdamW. Normalisation
 * layers and the 3-D convolution: parseval/nn_layers.h (included); Muon,
 * Conda, AuON, schedules, sigmaReparam: parseval/nn_optim.h; weight-spectrum
 * diagnostics: parseval/nn_diag.h.
 *
 * Precision. Every kernel exists in float (PV_F32: training and inference)
 * and double (PV_F64: finite-difference gradient checks), generated from one
 * template; a `dtype` argument selects it and data pointers are void* of that
 * real type. Complex values are two reals, re then im.
 *
 * Layout. Activations are channel-first: X[b][c][p] with p running over the
 * npts spatial points of one channel in C order (x slowest). A pointwise
 * linear layer (torch's Linear over the channel axis, or a 1x1 convolution)
 * has weight W[cout][cin] (torch's layout) and bias b[cout].
 *
 * Determinism. Reductions over the batch (weight gradients) are summed in a
 * fixed order, so results do not depend on the thread count; FFT plans follow
 * pv_fft's reproducibility rules (rigor ESTIMATE, or wisdom, for bit-identical
 * reruns across processes).
 *
 * Threads. Kernels use OpenMP with the thread count given (pv_ctx_threads);
 * OpenBLAS is called single-threaded from inside those regions and FFTs use
 * FFTW threads outside them, so thread pools never multiply. */
#ifndef PARSEVAL_NN_H
#define PARSEVAL_NN_H

#include <stddef.h>
#include <stdint.h>
#include <parseval/array.h>
#include <parseval/config.h>
#include <parseval/ctx.h>
#include <parseval/fft.h>
#include <parseval/nn_layers.h>
#include <parseval/nn_param.h>
#include <parseval/rng.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- tensors */

/* A dense float or double tensor: shape and strides (in elements) over data
 * that it owns (pv_nn_tensor_create) or borrows (pv_nn_tensor_wrap). */
typedef struct pv_nn_tensor {
  pv_dtype dtype;        /* PV_F32 or PV_F64 */
  int ndim;              /* 0..6 */
  size_t shape[6];
  ptrdiff_t strides[6];  /* C order for created tensors */
  void *data;
  int owns;              /* 1: data freed by pv_nn_tensor_destroy */
} pv_nn_tensor;

/* Zeroed C-order tensor; *out owned by the caller (pv_nn_tensor_destroy). */
PV_API int pv_nn_tensor_create(pv_dtype dtype, int ndim, const size_t shape[],
                               pv_nn_tensor **out);
/* Borrowing C-order tensor header over data (caller keeps data alive). */
PV_API int pv_nn_tensor_wrap(pv_dtype dtype, int ndim, const size_t shape[], void *data,
                             pv_nn_tensor *t);
/* For tensors from pv_nn_tensor_create only; NULL-safe; sets *t to NULL. */
PV_API void pv_nn_tensor_destroy(pv_nn_tensor **t);
/* Number of elements (1 for ndim 0). */
PV_API size_t pv_nn_tensor_numel(const pv_nn_tensor *t);

/* ---------------------------------------------------------- pointwise ops */

/* Y[b][o][p] = sum_i W[o][i] X[b][i][p] + bias[o] (bias may be NULL).
 * OpenBLAS gemm per (sample, column block), threads OpenMP threads. */
PV_API int pv_nn_linear_forward(pv_dtype dtype, int threads, int batch, int cin, int cout,
                                size_t npts, const void *X, const void *W, const void *bias,
                                void *Y);
/* Backward of pv_nn_linear_forward for upstream gradient dY:
 * dX = W^T dY (overwritten; NULL: skipped), dW += sum_b dY[b] X[b]^T,
 * dbias += sum_{b,p} dY (dW, dbias NULL: skipped). Batch sums run in a fixed
 * order (independent of threads). work: NULL or batch * cout * (cin + 1)
 * reals of scratch (NULL: allocated per call). */
PV_API int pv_nn_linear_backward(pv_dtype dtype, int threads, int batch, int cin, int cout,
                                 size_t npts, const void *X, const void *W, const void *dY,
                                 void *dX, void *dW, void *dbias, void *work);

/* GELU, exact form x Phi(x) = x/2 (1 + erf(x / sqrt 2)) (torch's default).
 * Float uses an erf with absolute error below 2e-7; double uses libm's erf.
 * y may alias x. */
PV_API int pv_nn_gelu_forward(pv_dtype dtype, int threads, size_t n, const void *x, void *y);
/* dx = dy * GELU'(x) with GELU'(x) = Phi(x) + x phi(x); dx may alias dy. */
PV_API int pv_nn_gelu_backward(pv_dtype dtype, int threads, size_t n, const void *x,
                               const void *dy, void *dx);
/* Residual add y = a + b (y may alias a or b); its backward passes the
 * gradient unchanged to both inputs. */
PV_API int pv_nn_add(pv_dtype dtype, int threads, size_t n, const void *a, const void *b,
                     void *y);

/* ------------------------------------------------- spectral convolution */

/* FNO spectral convolution layer in 2D or 3D: y = IDFT( A(W) DFT(x) ) / N,
 * A the truncated-mode complex multiplication of pv_spectral_conv (corner
 * blocks of `modes`, weights W[nblocks][cin][cout][m...], nblocks 2 in 2D and
 * 4 in 3D; torch's weights1..4 in order). The object holds FFT plans for a
 * given batch and a workspace; one object per thread. */
typedef struct pv_nn_spectral pv_nn_spectral;

typedef struct pv_nn_spectral_options {
  size_t struct_size;  /* sizeof(pv_nn_spectral_options) */
  pv_dtype dtype;      /* PV_F32 or PV_F64 */
  int dim;             /* 2 or 3 */
  int n[3];            /* real-space sizes */
  int modes[3];        /* retained modes per axis (see pv_spectral_conv) */
  int cin, cout;
  pv_fft_rigor rigor;  /* FFT planner effort (ESTIMATE: reproducible everywhere) */
} pv_nn_spectral_options;
#define PV_NN_SPECTRAL_OPTIONS_INIT \
  { sizeof(pv_nn_spectral_options), PV_F32, 2, {0, 0, 0}, {0, 0, 0}, 0, 0, PV_FFT_ESTIMATE }

/* ctx: threads (FFT and mode products) and logs (may be NULL: 1 thread). */
PV_API int pv_nn_spectral_create(pv_ctx *ctx, const pv_nn_spectral_options *o,
                                 pv_nn_spectral **out);
PV_API void pv_nn_spectral_destroy(pv_nn_spectral **s);
/* Complex numbers per channel of the Xh array the backward pass needs (2D:
 * the 2 m0 m1 retained modes; 3D: the whole half spectrum) and in the
 * weight array. */
PV_API size_t pv_nn_spectral_spec_size(const pv_nn_spectral *s);
PV_API size_t pv_nn_spectral_weight_count(const pv_nn_spectral *s);
/* Y[b][cout][pts] = layer(X[b][cin][pts]). Xh: NULL or batch * cin *
 * pv_nn_spectral_spec_size complex receiving DFT(x) for the backward pass
 * (else a workspace is used). In 2D the DFT is pruned (rows transformed in
 * full, columns only where modes are kept) and Xh holds only the retained
 * modes, [b][cin][2 m0][m1]: rows 0..m0-1 the low ones, then the high ones. */
PV_API int pv_nn_spectral_forward(pv_nn_spectral *s, int batch, const void *X, const void *W,
                                  void *Y, void *Xh);
/* Backward: dX = layer^T(dY) (overwritten; NULL: skipped), dW += weight
 * gradient from Xh (the forward's DFT(x)) and dY (NULL: skipped). The
 * half-spectrum weights account for the Hermitian columns the half spectrum
 * leaves out (factor 2 off the first and Nyquist columns of the last axis). */
PV_API int pv_nn_spectral_backward(pv_nn_spectral *s, int batch, const void *Xh, const void *W,
                                   const void *dY, void *dX, void *dW);

/* ---------------------------------------------------------------- losses */

/* How per-sample losses combine. */
typedef enum { PV_NN_REDUCE_SUM = 0, PV_NN_REDUCE_MEAN = 1 } pv_nn_reduce;

/* Relative L2 (FNO's LpLoss): per sample ||pred - true||_2 / ||true||_2 over
 * npts values, then summed or averaged over the batch. dpred: NULL or the
 * gradient of the loss (overwritten). PV_ENUMERIC when a target is zero. */
PV_API int pv_nn_loss_rel_l2(pv_dtype dtype, int batch, size_t npts, const void *pred,
                             const void *truth, pv_nn_reduce reduce, double *loss, void *dpred);

/* Squared H^{-1}_alpha norm of the error on a 2D/3D periodic box (unit
 * lengths), per sample then reduced: (1/N^2) sum_k (alpha + |2 pi k|^2)^-1
 * |DFT(pred - true)_k|^2, i.e. pv_spectral_sobolev_norm2 with s = -1 on the
 * unit box. n: dim sizes. With relative = 1 each sample's value is divided by
 * the same norm of the truth. dpred: NULL or the gradient. Computed in double
 * through the spectral module whatever dtype is. */
PV_API int pv_nn_loss_hminus1(pv_ctx *ctx, pv_dtype dtype, int dim, const int n[], int batch,
                              const void *pred, const void *truth, double alpha, int relative,
                              pv_nn_reduce reduce, double *loss, void *dpred);

/* Gaussian negative log-likelihood (torch.nn.GaussianNLLLoss, full = 0):
 * mean over the n values of 0.5 (log max(var, eps) + (pred - y)^2 / max(var, eps)).
 * dpred, dvar: NULL or gradients; as in torch the clamp is not differentiated
 * (dvar is evaluated at the clamped variance). */
PV_API int pv_nn_loss_gaussian_nll(pv_dtype dtype, size_t n, const void *pred, const void *truth,
                                   const void *var, double eps, double *loss, void *dpred,
                                   void *dvar);

/* Spectral-Refiner's fine-tuning loss: the H^{-1}_alpha norm of the 2D
 * Navier-Stokes vorticity residual r = dw/dt + u.grad w - nu Lap w - f of a
 * trajectory w[nt][n][n] on the unit torus (u = (psi_y, -psi_x), -Lap psi = w),
 * computed pseudo-spectrally in double with the 2/3 rule on u.grad w:
 *   loss = ( (1/nt) sum_t ||r(t)||^2_{H^-1_alpha} )^{1/2},
 * ||.||^2 as pv_spectral_sobolev_norm2 (s = -1). The reference code's sum
 * sum_k w_k |DFT(r)_k|^2 over the unnormalised DFT equals n^4 times the
 * squared spatial norm here. dw/dt is the SPECTRAL time derivative of the
 * trajectory (time frequencies m / (nt dt), Nyquist dropped: the trajectory
 * is treated as periodic over nt dt, as the reference ResidualLoss does).
 * dt_form = 1 (PV_NN_DT_SOLVER) is the reference fine-tuning's form instead
 * (OutConvFT.get_temporal_derivative): dw/dt = (E/(1 - a) + E/(1 + a)) / 2
 * from one IMEX-CN step of +-delta (solver_dt) of each snapshot, E = -u.grad w
 * + nu Lap w + f, a = delta nu Lap / 2, and r evaluated at the mean of the
 * two stepped snapshots; since dw/dt comes from the PDE itself, r = O(delta)
 * whatever w is: the loss is small by construction and only weakly tied to
 * the trajectory (its time ordering plays no part). */
typedef struct pv_nn_ns_residual_options {
  size_t struct_size;     /* sizeof(pv_nn_ns_residual_options) */
  double nu;              /* viscosity (1e-3) */
  double dt;              /* time between snapshots (> 0) */
  double alpha;           /* Sobolev shift (10^-1.5) */
  const double *forcing;  /* [n][n] time-independent forcing, or NULL for none */
  int dt_form;            /* PV_NN_DT_SPECTRAL (0) or PV_NN_DT_SOLVER (1, see below) */
  double solver_dt;       /* PV_NN_DT_SOLVER step delta (1e-6) */
} pv_nn_ns_residual_options;
#define PV_NN_NS_RESIDUAL_OPTIONS_INIT \
  { sizeof(pv_nn_ns_residual_options), 1e-3, 1.0, 0.031622776601683794, NULL, 0, 1e-6 }

/* Loss of trajectory w (nt >= 1 snapshots of n x n, n even) and, when dw is
 * not NULL, its gradient with respect to w (same layout). ctx: threads and
 * logs (may be NULL). PV_ENUMERIC for a non-finite result. */
PV_API int pv_nn_loss_ns_residual(pv_ctx *ctx, int n, int nt, const double *w,
                                  const pv_nn_ns_residual_options *o, double *loss, double *dw);

/* -------------------------------------------------------------- FNO-2D */

/* FNO-2D of Li et al. (fourier_2d_time.py) for recurrent Navier-Stokes
 * forecasting: input t_in frames + (x, y) grid (linspace(0, 1, n), endpoint
 * included), lift Linear(t_in+2 -> width), `layers` x [SpectralConv2d(modes)
 * + Conv1x1], GELU between layers (not after the last), Linear(width ->
 * proj) -> GELU -> Linear(proj -> 1). */
typedef struct pv_nn_fno2d_config {
  size_t struct_size;  /* sizeof(pv_nn_fno2d_config) */
  int t_in;            /* input frames (10) */
  int width;           /* channels (20) */
  int modes;           /* retained modes per axis (12; the paper's count: 8) */
  int layers;          /* Fourier layers (4) */
  int proj;            /* projection width (128) */
  int n;               /* grid size n x n (64); 2 modes <= n */
  int max_batch;       /* largest batch a call may use (20) */
  pv_fft_rigor rigor;  /* FFT planner effort (default ESTIMATE: reproducible) */
} pv_nn_fno2d_config;
#define PV_NN_FNO2D_CONFIG_INIT \
  { sizeof(pv_nn_fno2d_config), 10, 20, 12, 4, 128, 64, 20, PV_FFT_ESTIMATE }

typedef struct pv_nn_fno2d pv_nn_fno2d;

/* New model in dtype (PV_F32 for training, PV_F64 for gradient checks),
 * initialised deterministically from pv_ctx_seed(ctx): linear layers as
 * torch's default (kaiming-uniform: W, b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))),
 * spectral weights (1/(width^2)) * U[0,1) for re and im as the FNO code.
 * ctx supplies threads; it must outlive the model. */
PV_API int pv_nn_fno2d_create(pv_ctx *ctx, pv_dtype dtype, const pv_nn_fno2d_config *cfg,
                              pv_nn_fno2d **out);
PV_API void pv_nn_fno2d_destroy(pv_nn_fno2d **m);
PV_API int pv_nn_fno2d_get_config(const pv_nn_fno2d *m, pv_nn_fno2d_config *cfg);
PV_API pv_dtype pv_nn_fno2d_dtype(const pv_nn_fno2d *m);

/* Parameters as optimisers see them (float models only; PV_EINVAL for
 * double). The array and the storage belong to the model. Lifting and
 * projection parameters carry group 1, the Fourier layers group 0 (matrix
 * optimisers route group 1 to their auxiliary AdamW). Names follow the peer: lift.weight, lift.bias, spec.<l>.w_pos, spec.<l>.w_neg,
 * pw.<l>.weight [w,w,1,1], pw.<l>.bias, proj1.*, proj2.*. */
PV_API int pv_nn_fno2d_params(pv_nn_fno2d *m, pv_nn_param **params, int *count);
/* All parameters (and gradients) as one flat array of reals in the order of
 * the parameter list (complex counted as 2 reals); any dtype. */
PV_API int pv_nn_fno2d_flat(pv_nn_fno2d *m, void **w, void **g, size_t *count);

/* One model call: out[b][n][n] = model(frames[b][t_in][n][n]) for batch <=
 * max_batch; no gradient state is kept. */
PV_API int pv_nn_fno2d_forward(pv_nn_fno2d *m, int batch, const void *frames, void *out);

/* Autoregressive rollout of T steps (FNO's recurrent training step):
 * prediction t from the last t_in frames of [x0, pred_0..pred_{t-1}],
 * loss = sum_t loss_rel_l2(pred_t, y[:, t], reduce). With grad = 1, gradients
 * of that loss are ADDED to the model's gradient array (zero it first with
 * pv_nn_fno2d_zero_grad). x0: [b][t_in][n][n], y: [b][T][n][n] (may be NULL
 * when grad = 0: then loss is not computed), pred: NULL or [b][T][n][n]. */
PV_API int pv_nn_fno2d_rollout(pv_nn_fno2d *m, int batch, int T, const void *x0,
                               const void *y, pv_nn_reduce reduce, int grad, double *loss,
                               void *pred);
PV_API void pv_nn_fno2d_zero_grad(pv_nn_fno2d *m);

/* ------------------------------------------------------------ optimisers */

/* Adam (Kingma & Ba) with torch.optim.Adam semantics: weight_decay adds
 * wd * w to the gradient (L2); decoupled = 1 gives AdamW (w *= 1 - lr wd,
 * torch.optim.AdamW). Complex parameters are treated as pairs of reals, as
 * torch does. Frozen parameters are skipped. */
typedef struct pv_nn_adam_options {
  size_t struct_size;   /* sizeof(pv_nn_adam_options) */
  double lr;            /* 1e-3 */
  double beta1, beta2;  /* 0.9, 0.999 */
  double eps;           /* 1e-8 */
  double weight_decay;  /* 0 */
  int decoupled;        /* 0: Adam (L2), 1: AdamW */
} pv_nn_adam_options;
#define PV_NN_ADAM_OPTIONS_INIT { sizeof(pv_nn_adam_options), 1e-3, 0.9, 0.999, 1e-8, 0.0, 0 }

typedef struct pv_nn_adam pv_nn_adam;

/* State (first and second moments, zero) for the given parameters; the
 * parameter array is borrowed and must outlive the optimiser. */
PV_API int pv_nn_adam_create(const pv_nn_adam_options *o, pv_nn_param *params, int count,
                             pv_nn_adam **out);
PV_API void pv_nn_adam_destroy(pv_nn_adam **a);
/* One update from the gradients in params[].g. */
PV_API int pv_nn_adam_step(pv_nn_adam *a);
/* Change the learning rate (schedules). */
PV_API void pv_nn_adam_set_lr(pv_nn_adam *a, double lr);
PV_API double pv_nn_adam_get_lr(const pv_nn_adam *a);
/* Steps taken, and the moment arrays of parameter i (for checkpoints):
 * 2*numel floats for complex parameters, numel otherwise. */
PV_API int64_t pv_nn_adam_steps(const pv_nn_adam *a);
PV_API int pv_nn_adam_state(pv_nn_adam *a, int i, float **m, float **v);
PV_API void pv_nn_adam_set_steps(pv_nn_adam *a, int64_t steps);

/* ----------------------------------------------------------- checkpoints */

/* Checkpoint file (HDF5, written to PATH.tmp-like name and renamed on
 * success through pv_h5, so an interrupted write never replaces a good file):
 *   root attributes: format "parseval-nn-checkpoint", version 1, model
 *     "fno2d", t_in, width, modes, layers, proj, n (architecture; must match
 *     on load), nparams (parameter tensors), nreal (parameter reals),
 *     epoch, step, rng_s0..rng_s3 (pv_rng state words as int64 bit patterns),
 *     rng_spare, rng_has_spare, config (JSON text, the caller's), and when
 *     an optimiser is stored: adam_steps, adam_lr;
 *     with a data normaliser (meta->norm, pv_nn_ns_norm): norm_kind
 *     "gaussian", norm_mean, norm_std (float64). Absent: no normaliser. On
 *     load, norm_mean / norm_std without norm_kind, an unknown kind, a
 *     non-finite mean or a std that is not finite and > 0 are PV_EFORMAT
 *     naming the file and attribute, before anything changes.
 *   /params/<name>     float32, the parameter's logical shape, complex
 *                      parameters with a trailing axis of 2 (re, im)
 *   /adam/m/<name>, /adam/v/<name>  float32, same shapes (optional)
 * Parameter names are the model's (pv_nn_fno2d_params).
 * Training state (pv_nn_train_state, written by the _state functions):
 *   root attribute optimizer: "adam", "muon", "conda", "auon", "auon-hybrid"
 *     or "none" (files without it: "adam" when adam_steps exists, else none);
 *   with a matrix optimiser (parseval/nn_optim.h) also the root attributes
 *     optim_steps (pv_nn_optim_steps), optim_entries (number of state arrays),
 *     optim_options (JSON text of its options, for the record), and one
 *     float32 dataset [n] per pv_nn_optim_state entry:
 *   /optim/<param>/<slot>  slot momentum (Muon, AuON), exp_avg, exp_avg_sq
 *                          (Conda; auxiliary AdamW), conda_basis (Conda's
 *                          projection bases: Vh or U per matrix, per Fourier
 *                          mode for complex weights), steps (1 float: that
 *                          parameter's update count, Conda's refresh clock);
 *   with sigmaReparam weights: root attribute nsigma and float64 datasets
 *   /sigma/<name>/u [rows], /sigma/<name>/v [cols] (the power-iteration
 *     vectors carried between steps).
 * Loading checks the stored optimiser name, every state array's name and
 * length and that values are finite before anything changes: a checkpoint
 * of another optimiser or model shape is PV_EFORMAT naming the file and the
 * attribute or dataset. */
/* Data normaliser of the Navier-Stokes training verbs (stored with the
 * model, see the checkpoint layout): kind PV_NN_NORM_GAUSSIAN feeds the
 * network (w - mean) / std and maps its output back (out * std + mean)
 * before the loss, so losses and errors stay in physical units. One scalar
 * mean and standard deviation (population, computed in double over every
 * frame of the training samples only): independent of the grid, so a model
 * trained at 64 x 64 still runs zero-shot at 256 x 256. */
typedef enum pv_nn_norm_kind { PV_NN_NORM_NONE = 0, PV_NN_NORM_GAUSSIAN = 1 } pv_nn_norm_kind;
typedef struct pv_nn_ns_norm {
  int kind;          /* pv_nn_norm_kind */
  double mean, std;  /* vorticity units; std > 0 and finite for GAUSSIAN */
} pv_nn_ns_norm;

typedef struct pv_nn_checkpoint_meta {
  size_t struct_size;   /* sizeof(pv_nn_checkpoint_meta) */
  int64_t epoch, step;  /* training position */
  pv_rng rng;           /* the training loop's generator (shuffling) */
  char *config_json;    /* save: borrowed (may be NULL); load: pv_malloc'd or NULL,
                         * the caller frees */
  pv_nn_ns_norm norm;   /* data normaliser (zero: none) */
} pv_nn_checkpoint_meta;

typedef struct pv_nn_optim pv_nn_optim;                 /* parseval/nn_optim.h */
typedef struct pv_nn_sigma_reparam pv_nn_sigma_reparam; /* parseval/nn_optim.h */

/* Training state stored beside the weights: at most one of adam / optim,
 * plus nsigma sigmaReparam objects with names (no '/'). All borrowed. */
typedef struct pv_nn_train_state {
  size_t struct_size;                /* sizeof(pv_nn_train_state) */
  pv_nn_adam *adam;                  /* Adam / AdamW, or NULL */
  pv_nn_optim *optim;                /* Muon / Conda / AuON, or NULL */
  int nsigma;                        /* sigmaReparam objects (0) */
  pv_nn_sigma_reparam *const *sigma; /* nsigma objects */
  const char *const *sigma_names;    /* nsigma names */
} pv_nn_train_state;
#define PV_NN_TRAIN_STATE_INIT { sizeof(pv_nn_train_state), NULL, NULL, 0, NULL, NULL }

/* Save model weights, optimiser state (a may be NULL) and meta (may be NULL)
 * to path; PV_EEXIST when path exists and overwrite is 0. Float models only. */
PV_API int pv_nn_fno2d_save(const char *path, int overwrite, pv_nn_fno2d *m, pv_nn_adam *a,
                            const pv_nn_checkpoint_meta *meta);
/* Read the architecture stored in a checkpoint (to create a matching model;
 * max_batch and rigor keep the defaults). */
PV_API int pv_nn_fno2d_checkpoint_config(const char *path, pv_nn_fno2d_config *cfg);
/* Load into an existing model (and optimiser, when a is not NULL: the file
 * must hold its state). Everything is read and checked before anything is
 * written: a checkpoint of another architecture or a damaged file gives
 * PV_EFORMAT naming the file and the field, and leaves m and a unchanged.
 * The grid size n may differ from the stored one (the weights do not depend
 * on it): a model trained at 64 x 64 runs zero-shot at 256 x 256. */
PV_API int pv_nn_fno2d_load(const char *path, pv_nn_fno2d *m, pv_nn_adam *a,
                            pv_nn_checkpoint_meta *meta);
/* The same with any training state (ts may be NULL: weights only). Loading
 * with a state needs the file to hold that state (same optimiser, same
 * parameter shapes, same sigma names and sizes); state the file holds but ts
 * does not ask for is ignored (e.g. predicting from a training checkpoint). */
PV_API int pv_nn_fno2d_save_state(const char *path, int overwrite, pv_nn_fno2d *m,
                                  const pv_nn_train_state *ts, const pv_nn_checkpoint_meta *meta);
PV_API int pv_nn_fno2d_load_state(const char *path, pv_nn_fno2d *m, const pv_nn_train_state *ts,
                                  pv_nn_checkpoint_meta *meta);

/* ------------------------------------------- space-time models: FNO-3D, SFNO */

/* Trajectory-to-trajectory models: t_in input frames x0[b][t_in][n][n] ->
 * t_out output frames out[b][t_out][n][n] in one call (no rollout).
 *
 * FNO-3D (Li et al., fourier_3d.py): input channels = the t_in frames, each
 * repeated over the t_out output times, + grids x, y (linspace(0, 1, n)) and
 * t (linspace(0, 1, t_out)); Linear(t_in+3 -> width); pad_t zero frames
 * appended in time; `layers` x [SpectralConv3d(modes) + Conv1x1], GELU
 * between layers (not after the last); padding removed; Linear(width ->
 * proj) -> GELU -> Linear(proj -> 1). The model itself has no normaliser
 * (the reference's UnitGaussianNormalizer is not applied; the data are
 * O(1)); the training verbs offer a scalar one (pv_nn_ns_norm).
 *
 * SFNO (Spectral-Refiner, Cao et al. 2025, torch-cfd fno/sfno.py), width W:
 *   lifting: x + PE (channels x, y, t = k/100 grids and W-3 channels
 *     e^{beta t} sin/cos(pi (k+1) t)), GroupNorm(1 group, eps 1e-7, affine),
 *     Conv1x1(W -> W) = p, SpectralConvT(W -> W, modes, t_in -> latent
 *     steps) -> FFN (Conv1x1 W -> eW, act, eW -> W) = f, v = act(p[.., last
 *     input time] + f);
 *   layers-1 x [v = act(FFN(SpectralConvS(v)) + Conv1x1(v))];
 *   Conv1x1(W -> 1) = r; output layer: [zeros(latent+1), x[last], r] in
 *     time (length 2 (latent+1)) -> SpectralConvT(1 -> 1, out_modes, with
 *     spectral bias scaled by delta) resampled to t_out + latent + 2 steps,
 *     the last t_out kept, plus the last input frame (skip).
 * Spectral layers: rfftn over (x, y, t), 4 corner blocks (+-kx, +-ky, kt <
 * mt), irfftn to the output length with 1/(nx ny nt_out) (torch "backward").
 * Weights do not depend on n or t_out: a model runs at other grids (zero
 * shot) and other output lengths (pv_nn_st_checkpoint_config, then set n,
 * t_out before create).
 *
 * Layout additions. Space-time activations are X[b][c][x][y][t] (t
 * fastest); spectral weights W[4][cin][cout][mx][my][mt] complex (block
 * = high_x + 2 high_y, torch's weight[ix + 2 iy]); the output bias
 * [4][mx][my][mt] complex. Parameters (names as in checkpoints):
 *   FNO-3D: lift.weight [W][t_in+3], lift.bias, spec.<l>.w [4][W][W][m..],
 *     pw.<l>.weight [W][W][1], pw.<l>.bias, proj1.*, proj2.*;
 *   SFNO: lift.norm.weight/bias [W], lift.proj.weight [W][W][1,1,1]/bias,
 *     lift.spec.w, lift.ffn1.*, lift.ffn2.*, layer.<l>.spec.w,
 *     layer.<l>.ffn1.*, layer.<l>.ffn2.*, layer.<l>.w.*, reduce.*,
 *     out.spec.w [4][1][1][omx][omy][omt], out.spec.bias [4][omx][omy][omt].
 * Groups: 0 spectral and FFN weights, 1 norm, lifting projection, biases,
 * reduction; 2 the SFNO output layer (the fine-tuned one). */
typedef enum { PV_NN_ST_FNO3D = 1, PV_NN_ST_SFNO = 2 } pv_nn_st_kind;
typedef enum { PV_NN_ACT_GELU = 0, PV_NN_ACT_RELU = 1 } pv_nn_act;

typedef struct pv_nn_st_config {
  size_t struct_size;  /* sizeof(pv_nn_st_config) */
  pv_nn_st_kind kind;  /* FNO3D or SFNO */
  int t_in, t_out;     /* input and output frames (10, 10) */
  int width;           /* channels (20) */
  int modes[3];        /* x, y, t modes: FNO-3D (8, 8, 8), SFNO (12, 12, 5) */
  int layers;          /* spectral layers (4; SFNO: the lifting's counts) */
  int proj;            /* FNO-3D projection width (128) */
  int pad_t;           /* FNO-3D zero frames appended in time (6) */
  int latent;          /* SFNO latent steps (10; <= t_in) */
  int expansion;       /* SFNO FFN channel expansion (4) */
  int out_modes[3];    /* SFNO output-layer modes (0: = modes; fine-tuning widens them) */
  double beta;         /* SFNO positional-encoding time scale (1e-2) */
  double delta;        /* SFNO output spectral-bias scale (0.1) */
  pv_nn_act act;       /* SFNO activation (ReLU, the reference's); FNO-3D uses GELU */
  int n;               /* grid n x n (64) */
  int max_batch;       /* largest batch per call (4) */
  pv_fft_rigor rigor;  /* FFT planner effort (ESTIMATE: reproducible) */
} pv_nn_st_config;
#define PV_NN_ST_CONFIG_INIT                                                              \
  { sizeof(pv_nn_st_config), PV_NN_ST_SFNO, 10, 10, 20, {12, 12, 5}, 4, 128, 6, 10, 4,  \
    {0, 0, 0}, 1e-2, 0.1, PV_NN_ACT_RELU, 64, 4, PV_FFT_ESTIMATE }

typedef struct pv_nn_st pv_nn_st;

/* New model (PV_F32 training, PV_F64 gradient checks and fine-tuning),
 * initialised from pv_ctx_seed(ctx): linear/1x1 layers as torch's default
 * (U(+-1/sqrt(fan_in))), spectral weights U[0,1) / (cin cout) (FNO-3D) or
 * 0.5 U[0,1) / (cin cout) (SFNO), norm weight 1 and bias 0, output bias 0.
 * ctx supplies threads and must outlive the model. */
PV_API int pv_nn_st_create(pv_ctx *ctx, pv_dtype dtype, const pv_nn_st_config *cfg,
                           pv_nn_st **out);
PV_API void pv_nn_st_destroy(pv_nn_st **m);
PV_API int pv_nn_st_get_config(const pv_nn_st *m, pv_nn_st_config *cfg);
PV_API pv_dtype pv_nn_st_dtype(const pv_nn_st *m);
/* Parameter list (the model's storage; w and g valid for float models only,
 * NULL for double ones, whose values are reached through pv_nn_st_flat). */
PV_API int pv_nn_st_params(pv_nn_st *m, pv_nn_param **params, int *count);
/* Flat parameters and gradients (reals, parameter order, complex as 2). */
PV_API int pv_nn_st_flat(pv_nn_st *m, void **w, void **g, size_t *count);
PV_API void pv_nn_st_zero_grad(pv_nn_st *m);
/* out[b][t_out][n][n] = model(x0[b][t_in][n][n]), batch <= max_batch; keeps
 * the activations for pv_nn_st_backward. */
PV_API int pv_nn_st_forward(pv_nn_st *m, int batch, const void *x0, void *out);
/* Adds to the gradient array the gradient for upstream dout (same layout as
 * out) of the last pv_nn_st_forward (same batch). Frozen parameters
 * (pv_nn_st_finetune_prepare) get no gradient. */
PV_API int pv_nn_st_backward(pv_nn_st *m, int batch, const void *dout);
/* Forward, loss = sum (or mean) over the batch of per-sample relative L2
 * over the whole output block (FNO-3D's LpLoss on view(batch, -1)), and
 * with grad = 1 the gradient added. pred: NULL or [b][t_out][n][n]. */
PV_API int pv_nn_st_step(pv_nn_st *m, int batch, const void *x0, const void *y,
                         pv_nn_reduce reduce, int grad, double *loss, void *pred);

/* Checkpoints: the layout of pv_nn_fno2d_save with model "fno3d" or
 * "sfno" and root attributes t_in, t_out, width, modes_x/y/t, layers, proj,
 * pad_t, latent, expansion, out_modes_x/y/t, act, n (int) and beta, delta
 * (double). Loading a checkpoint of another model or architecture gives
 * PV_EFORMAT naming the file and the field and changes nothing; n and
 * t_out may differ (weights do not depend on them). Float models save;
 * both dtypes load. */
PV_API int pv_nn_st_save(const char *path, int overwrite, pv_nn_st *m, pv_nn_adam *a,
                         const pv_nn_checkpoint_meta *meta);
PV_API int pv_nn_st_checkpoint_config(const char *path, pv_nn_st_config *cfg);
PV_API int pv_nn_st_load(const char *path, pv_nn_st *m, pv_nn_adam *a,
                         pv_nn_checkpoint_meta *meta);
/* Model name stored in a checkpoint ("fno2d", "fno3d", "sfno"), copied
 * into name (cap bytes). PV_EFORMAT for a file that is not a checkpoint. */
PV_API int pv_nn_checkpoint_model(const char *path, char *name, size_t cap);

/* ------------------------------------------ Spectral-Refiner fine-tuning */

/* Widened output layer: an SFNO model `base` (any dtype) copied into a new
 * model `*out` of dtype whose output layer has modes out_modes (each >= the
 * base's): the base's output weights and bias fill the low corner of every
 * block, new entries are xavier-uniform with gain 1e-6 (weights) and 0
 * (bias), as OutConvFT._update_spectral_conv_weights. Every other parameter
 * is copied and frozen. With the new entries zeroed the widened model
 * reproduces the base's output (the trigonometric modes added are 0). */
PV_API int pv_nn_sfno_finetune_prepare(pv_ctx *ctx, const pv_nn_st *base, pv_dtype dtype,
                                       const int out_modes[3], int max_batch, pv_nn_st **out);

/* How the Navier-Stokes residual forms dw/dt (pv_nn_ns_residual_options). */
typedef enum {
  PV_NN_DT_SPECTRAL = 0, /* spectral derivative of the trajectory in time (default) */
  PV_NN_DT_SOLVER = 1    /* the reference fine-tuning's: +-delta IMEX-CN steps of each
                          * snapshot, weights (1/2, 1/2), residual at their mean */
} pv_nn_dt_form;

typedef struct pv_nn_sfno_finetune_options {
  size_t struct_size;    /* sizeof(pv_nn_sfno_finetune_options) */
  int iters;             /* Adam iterations per trajectory (50) */
  double lr_weight;      /* Adam lr of the output weights (1e-4) */
  double lr_bias;        /* Adam lr of the output spectral bias (0.2) */
  double nu;             /* viscosity (1e-3) */
  double dt;             /* time between output frames */
  double alpha;          /* H^-1 shift (10^-1.5) */
  const double *forcing; /* [n][n] or NULL */
  pv_nn_dt_form dt_form; /* residual's time derivative */
  double solver_dt;      /* PV_NN_DT_SOLVER step (1e-6) */
} pv_nn_sfno_finetune_options;
#define PV_NN_SFNO_FINETUNE_OPTIONS_INIT                                                \
  { sizeof(pv_nn_sfno_finetune_options), 50, 1e-4, 0.2, 1e-3, 1.0, 0.031622776601683794, \
    NULL, PV_NN_DT_SPECTRAL, 1e-6 }

/* Fine-tune the output layer of m (from pv_nn_sfno_finetune_prepare, f64)
 * on one trajectory: input x0[t_in][n][n], Adam on the residual loss of the
 * prediction (pv_nn_loss_ns_residual with o's form); the trunk runs once
 * (its latent output is cached). pred_before / pred_after: NULL or
 * [t_out][n][n] double; res_before / res_after: NULL or the residual loss
 * before and after (same form). m's output layer keeps the tuned values. */
PV_API int pv_nn_sfno_finetune(pv_nn_st *m, const double *x0,
                               const pv_nn_sfno_finetune_options *o, double *pred_before,
                               double *pred_after, double *res_before, double *res_after);

/* ------------------------------------------- Navier-Stokes forecasting */

/* Vorticity trajectories read from a parseval/ns.h dataset file, as float:
 * w[s][t][r][r] for samples [first, first + count). */
typedef struct pv_nn_ns_data {
  int samples, times, res;
  float *w;
} pv_nn_ns_data;

/* Read samples [first, first + count) of the dataset at path (checked
 * against ctx's RAM budget). PV_EFORMAT naming the file and sample when a
 * value is NaN or infinite or the file is incomplete. */
PV_API int pv_nn_ns_data_load(pv_ctx *ctx, const char *path, int first, int count,
                              pv_nn_ns_data **out);
PV_API void pv_nn_ns_data_destroy(pv_nn_ns_data **d);

/* Training protocol of fno2d_train.py / fourier_2d_time.py: the first ntrain
 * samples train, the last ntest test; input steps [t0, t0 + t_in), targets
 * the next t_out; batches drawn by a shuffle from pv_rng(seed, 0x6e73); loss =
 * sum over the rollout of relative L2 summed over the batch; Adam (or AdamW),
 * lr halved (gamma) every step_size epochs. */
typedef struct pv_nn_ns_train_options {
  size_t struct_size;      /* sizeof(pv_nn_ns_train_options) */
  int ntrain, ntest;       /* 100, 50 */
  int t0, t_out;           /* first input slice (0), forecast steps (10) */
  int epochs, batch;       /* 30, 20 */
  double lr, weight_decay; /* 1e-3, 1e-4 */
  int decoupled;           /* 1: AdamW */
  int step_size;           /* epochs per lr decay (10) */
  double gamma;            /* decay factor (0.5) */
  uint64_t seed;           /* shuffling */
  const char *checkpoint;  /* NULL or path written atomically every checkpoint_every
                            * batches and at the end */
  int checkpoint_every;    /* batches; 0: only at the end */
  int resume;              /* 1: continue from checkpoint when it exists */
  const char *metrics_csv; /* NULL or CSV: epoch,lr,train_loss,test_rel_l2,seconds */
  int optimizer;           /* 0: Adam / AdamW above; else a pv_nn_optim_kind (Muon, Conda,
                            * AuON, parseval/nn_optim.h) with its defaults, weight_decay
                            * decoupled, lifting/projection (group 1) on its auxiliary
                            * AdamW; its state is checkpointed as Adam's (resume is
                            * bit for bit) */
  int normalize;           /* pv_nn_norm_kind: NONE (default, the peer's protocol) or
                            * GAUSSIAN (pv_nn_ns_norm_fit over the training samples,
                            * stored in the checkpoint) */
} pv_nn_ns_train_options;
#define PV_NN_NS_TRAIN_OPTIONS_INIT \
  { sizeof(pv_nn_ns_train_options), 100, 50, 0, 10, 30, 20, 1e-3, 1e-4, 0, 10, 0.5, 0, NULL, 0, 0, \
    NULL, 0, 0 }

typedef struct pv_nn_ns_train_result {
  size_t struct_size;      /* sizeof(pv_nn_ns_train_result) */
  double train_loss;       /* last epoch, per sample per step */
  double test_rel_l2;      /* whole-trajectory relative L2 averaged over test samples */
  double median_epoch_s;   /* median wall time of the epochs run */
  int epochs_run;
  double *train_curve;     /* epochs_run per-epoch train losses (pv_malloc'd or NULL; */
  double *test_curve;      /*  the caller pv_frees both); test errors */
} pv_nn_ns_train_result;

/* Train m (float, m's n = the data's resolution, max_batch >= batch) on the
 * dataset file; progress and cancellation through ctx. res may be NULL. */
PV_API int pv_nn_ns_train(pv_ctx *ctx, const char *path, pv_nn_fno2d *m,
                          const pv_nn_ns_train_options *o, pv_nn_ns_train_result *res);

/* Roll m forward over samples of d from t0: pred[s][t][r][r] for t < t_out
 * (caller's array, count * t_out * r * r floats), per-step relative L2
 * averaged over the samples (step_err: t_out doubles, may be NULL) and the
 * whole-trajectory relative L2 averaged over samples (*err, may be NULL).
 * PV_EINVAL when d's resolution differs from the model's. */
PV_API int pv_nn_ns_predict(pv_nn_fno2d *m, const pv_nn_ns_data *d, int first, int count,
                            int t0, int t_out, float *pred, double *step_err, double *err);
/* The same through a data normaliser (norm NULL or kind NONE: as above),
 * e.g. meta.norm of the checkpoint m was loaded from; pred and the errors
 * are in physical units. PV_EINVAL for an invalid norm. */
PV_API int pv_nn_ns_predict_norm(pv_nn_fno2d *m, const pv_nn_ns_norm *norm,
                                 const pv_nn_ns_data *d, int first, int count, int t0, int t_out,
                                 float *pred, double *step_err, double *err);
/* pv_nn_fno2d_rollout (float model) through a data normaliser: x0, y and
 * pred in physical units, the network sees (w - mean) / std and its output
 * is mapped back before the loss; gradients (grad = 1) are with respect to
 * m's parameters and accumulate as in pv_nn_fno2d_rollout. Implemented by
 * folding the affine maps into the lifting (lift.*) and the last projection
 * (proj2.*) for the call and restoring them bit for bit afterwards. */
PV_API int pv_nn_fno2d_rollout_norm(pv_nn_fno2d *m, const pv_nn_ns_norm *norm, int batch, int T,
                                    const float *x0, const float *y, pv_nn_reduce reduce,
                                    int grad, double *loss, float *pred);
/* Gaussian normaliser of d: mean and population standard deviation of all
 * d->samples x d->times frames, two passes in double. PV_ENUMERIC when the
 * data are constant (std 0). */
PV_API int pv_nn_ns_norm_fit(const pv_nn_ns_data *d, pv_nn_ns_norm *out);
/* PV_OK when n is usable (kind NONE, or GAUSSIAN with finite mean and
 * finite std > 0); else PV_EINVAL naming `where` and the field. */
PV_API int pv_nn_ns_norm_check(const pv_nn_ns_norm *n, const char *where);

/* pv_nn_ns_train for a space-time model (FNO-3D, SFNO; float, n = the
 * data's resolution, o->t_out = the model's t_out): one call maps the t_in
 * input frames to the t_out-frame block; loss = relative L2 over the block
 * summed over the batch; Adam / AdamW only (o->optimizer must be 0); the
 * checkpoint (pv_nn_st_save) holds the Adam state and resumes exactly. */
PV_API int pv_nn_ns_train_st(pv_ctx *ctx, const char *path, pv_nn_st *m,
                             const pv_nn_ns_train_options *o, pv_nn_ns_train_result *res);
/* pv_nn_ns_predict for a space-time model: pred[s][t_out][r][r] of samples
 * [first, first + count) of d from t0, per-step and whole-trajectory
 * relative L2 (averaged over samples). */
PV_API int pv_nn_ns_predict_st(pv_nn_st *m, const pv_nn_ns_data *d, int first, int count, int t0,
                               float *pred, double *step_err, double *err);
/* The same through a data normaliser (norm NULL or kind NONE: as above). */
PV_API int pv_nn_ns_predict_st_norm(pv_nn_st *m, const pv_nn_ns_norm *norm, const pv_nn_ns_data *d,
                                    int first, int count, int t0, float *pred, double *step_err,
                                    double *err);
/* pv_nn_st_step (float model) through a data normaliser: x0, y and pred in
 * physical units; the network sees (x0 - mean) / std, its output is mapped
 * back (out * std + mean) before the loss, and the gradient of the output
 * is scaled by std before pv_nn_st_backward. Buffers of batch x (t_in +
 * 2 t_out) frames are allocated per call. */
PV_API int pv_nn_st_step_norm(pv_nn_st *m, const pv_nn_ns_norm *norm, int batch, const float *x0,
                              const float *y, pv_nn_reduce reduce, int grad, double *loss,
                              float *pred);

#ifdef __cplusplus
}
#endif
#endif
