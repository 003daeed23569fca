/* parseval/nn_optim.h - matrix-aware optimisers (Muon, Conda, AuON), learning-
 * rate schedules, gradient clipping and sigmaReparam for pv_nn_param lists.
 *
 * Parameters are described by pv_nn_param (nn_param.h): float storage,
 * borrowed w and g. An optimiser never writes g; it reads `frozen` at every
 * step (frozen parameters are skipped and their state does not advance).
 *
 * Matrix view. A parameter is a "matrix" when ndim >= 2 and its group is not
 * in options.aux_groups; every other parameter (biases, gains, and the groups
 * the caller routes there, e.g. lifting/projection layers) gets the auxiliary
 * AdamW of Muon's reference (KellerJordan/Muon, adam_update). A real matrix is
 * viewed as rows = shape[0] by cols = numel / shape[0], the reference's rule
 * for 4-D convolution filters (update.view(len(update), -1)); a 2-D weight is
 * its own view. Complex parameters (spectral weights, shape (in, out, modes..))
 * are treated per optimiser as documented at pv_nn_optim_kind.
 *
 * Typical use (an FNO whose lifting/projection parameters carry group 1, so
 * that, as Muon's authors advise for first and last layers, they get AdamW):
 *   pv_nn_optim_options o = PV_NN_OPTIM_OPTIONS_INIT;
 *   o.aux_groups = 1u << 1;
 *   pv_nn_optim_create(ctx, PV_NN_OPTIM_MUON, &o, params, nparams, &opt);
 *   for each step t: (backward fills g) pv_nn_clip_grad_norm(params, n, 1.0, 2.0, NULL);
 *                    pv_nn_sched_lr(&sched, t, &lr, NULL); pv_nn_optim_step(opt, lr);
 *   checkpoint: pv_nn_optim_state(opt, &entries, &count) + pv_nn_optim_steps(opt);
 *   resume: pv_nn_optim_state_import(opt, name, data, n) per entry + set_steps. */
#ifndef PARSEVAL_NN_OPTIM_H
#define PARSEVAL_NN_OPTIM_H
#include <stddef.h>
#include <stdint.h>
#include <parseval/config.h>
#include <parseval/ctx.h>
#include <parseval/nn_param.h>
#ifdef __cplusplus
extern "C" {
#endif

/* Optimiser kinds.
 * MUON (Jordan et al. 2024, github.com/KellerJordan/Muon muon.py):
 *   m <- beta m + (1-beta) g;  u = nesterov ? g + beta (m - g) : m;
 *   X = NS5(u / (||u||_F + 1e-7)) with (a,b,c) = (3.4445, -4.7750, 2.0315);
 *   w <- (1 - lr wd) w - lr sqrt(max(1, rows/cols)) X.
 *   Complex weights (in, out, m1, m2[, m3]): each Fourier mode's in x out
 *   complex matrix is orthogonalised on its own (complex Newton-Schulz with
 *   X X^H): the spectral layer acts on mode k as the linear map C^in -> C^out
 *   given by that matrix, so its operator norm is the largest of the per-mode
 *   norms and Muon's "steepest descent in the spectral norm" applies per mode.
 *   options.muon_complex_flat = 1 instead orthogonalises the real float view
 *   (shape[0] x 2 numel/shape[0]), as a real-only optimiser sees a complex
 *   tensor through view_as_real (the reference has no complex path).
 * CONDA (Column-Normalized Adam, arXiv 2509.24218, github.com/jie040109/Conda
 *   conda.py + projector.py, proj_type "std"): exp_avg m as Adam; every
 *   update_proj_gap steps (and at the first) the basis is refreshed from the
 *   SVD of m: Vh (cols x cols) when rows >= cols, else U (rows x rows); the
 *   gradient and m are projected (G Vh^T or U^T G), the second moment v is kept
 *   in the projected space (column-normalised Adam there), the normalised
 *   update m~/(sqrt(v)+eps) is projected back and multiplied by conda_scale;
 *   w -= lr sqrt(1-b2^t)/(1-b1^t) * update, then w -= lr wd w. The reference
 *   defines the projection for real 2-D weights only; real weights of more
 *   axes use the matrix view above. Complex weights (in, out, modes..) get, by
 *   default (conda_complex_per_mode = 1), one basis per Fourier mode from the
 *   complex SVD of that mode's in x out momentum (P x = x Vh^H or U^H x) and
 *   one second moment per complex entry, |P g|^2: the SVD fixes each singular
 *   vector only up to a phase, and |z|^2 is the per-entry moment that does not
 *   depend on it (separate re/im moments would). With 0 they follow the
 *   reference file without projection (Adam on the real float view).
 * AUON (Maity 2025, arXiv 2509.24320, github.com/ryyzn9/AuON optimizer.py):
 *   w <- (1 - lr wd) w; m <- beta m + (1-beta) g; G = g + beta (m - g);
 *   r = sqrt(mean(cosh(gamma G / (||G|| + 1e-7))^2)); the update is
 *   G / (r + 1e-8) as in the code (auon_normalize = 0), or (auon_normalize = 1,
 *   default) the "unit-norm" update of the paper's abstract, in the form a
 *   third-party summary gives (the paper body was not retrieved): the
 *   unit-Frobenius direction
 *   (G/(||G|| + 1e-7)) / (r + 1e-8) times sqrt(max(1, rows/cols)). Linear time;
 *   complex weights are treated as their real float view.
 * AUON_HYBRID: the same with ns_steps Newton-Schulz iterations applied to G
 *   before the cosh scaling (the paper's Hybrid-AuON uses one; the code's
 *   default is 5). Complex weights as in MUON. */
typedef enum {
  PV_NN_OPTIM_MUON = 1,
  PV_NN_OPTIM_CONDA = 2,
  PV_NN_OPTIM_AUON = 3,
  PV_NN_OPTIM_AUON_HYBRID = 4
} pv_nn_optim_kind;

#define PV_NN_OPTIM_MAX_GROUPS 16

typedef struct pv_nn_optim_options {
  size_t struct_size;      /* sizeof(pv_nn_optim_options) */
  double momentum;         /* Muon/AuON beta (0.95) */
  int nesterov;            /* Muon: Nesterov momentum (1); AuON always uses it */
  int ns_steps;            /* Newton-Schulz steps; 0 = kind default (Muon 5, hybrid 1) */
  double weight_decay;     /* decoupled weight decay of matrix parameters (0) */
  double beta1, beta2;     /* Conda moments (0.9, 0.999) */
  double eps;              /* Conda epsilon (1e-8) */
  int update_proj_gap;     /* Conda basis refresh period in steps (500) */
  double conda_scale;      /* Conda back-projection scale (0.25, reference scripts) */
  double gamma;            /* AuON cosh scale (1.5) */
  int auon_normalize;      /* AuON: 1 paper's unit-norm update, 0 code's (1) */
  int muon_complex_flat;   /* 1: complex weights as their real view (0: per mode) */
  double aux_beta1, aux_beta2, aux_eps;  /* auxiliary AdamW (0.9, 0.95, 1e-10) */
  double aux_weight_decay; /* auxiliary AdamW decoupled decay (0) */
  double aux_lr_scale;     /* aux lr = lr * this (0.015 = 3e-4 / 0.02, Muon's defaults) */
  unsigned aux_groups;     /* bit g set: group g always uses the auxiliary AdamW (0) */
  double group_lr[PV_NN_OPTIM_MAX_GROUPS]; /* per-group lr factor; 0 entries mean 1 */
  int conda_complex_per_mode; /* Conda: project complex weights per mode (1) */
} pv_nn_optim_options;
#define PV_NN_OPTIM_OPTIONS_INIT {sizeof(pv_nn_optim_options), 0.95, 1, 0, 0.0, 0.9, 0.999, \
    1e-8, 500, 0.25, 1.5, 1, 0, 0.9, 0.95, 1e-10, 0.0, 0.015, 0u, {0}, 1}

typedef struct pv_nn_optim pv_nn_optim;

/* Create an optimiser over params[0..nparams) (descriptors are copied; w and g
 * stay borrowed and must outlive it; groups must be in [0, MAX_GROUPS)). All
 * state and workspace is allocated here (zero moments). opt may be NULL.
 * ctx borrowed (BLAS thread count), must outlive the optimiser. */
PV_API int pv_nn_optim_create(pv_ctx *ctx, pv_nn_optim_kind kind, const pv_nn_optim_options *opt,
                              const pv_nn_param *params, size_t nparams, pv_nn_optim **out);
PV_API void pv_nn_optim_destroy(pv_nn_optim **opt);  /* NULL-safe, sets NULL */

/* Refresh the borrowed frozen flags from params (same order and count as at
 * create; names must match). */
PV_API int pv_nn_optim_set_frozen(pv_nn_optim *opt, const pv_nn_param *params, size_t nparams);

/* One update of every non-frozen parameter with learning rate lr (>= 0,
 * times group_lr[group], times aux_lr_scale for auxiliary parameters).
 * Non-finite gradients are refused (PV_EINVAL naming the parameter) before
 * anything changes; a Conda SVD that fails (PV_ENOTCONV) stops the step after
 * the parameters before it were updated. Allocates nothing. */
PV_API int pv_nn_optim_step(pv_nn_optim *opt, double lr);

/* Role of parameter i: 1 matrix update, 0 auxiliary AdamW (or Conda without
 * projection); <0 for a bad index. */
PV_API int pv_nn_optim_param_role(const pv_nn_optim *opt, size_t i);

/* ---- State for checkpoints: a flat list of named float arrays ----
 * Names are "<param name>/<slot>" with slots momentum, exp_avg, exp_avg_sq,
 * conda_basis, steps (one float: that parameter's update count, exact below
 * 2^24). Together with pv_nn_optim_steps they restore the optimiser exactly. */
typedef struct pv_nn_optim_state_entry {
  char name[96];   /* "<param>/<slot>" */
  float *data;     /* owned by the optimiser; valid until destroy */
  size_t n;        /* float count */
} pv_nn_optim_state_entry;

/* The state list (borrowed, stable for the optimiser's lifetime). */
PV_API int pv_nn_optim_state(const pv_nn_optim *opt, const pv_nn_optim_state_entry **entries,
                             size_t *count);
/* Copy n floats into the entry called name: PV_EINVAL when no such entry, n
 * differs, or the data are not finite (nothing changed then). */
PV_API int pv_nn_optim_state_import(pv_nn_optim *opt, const char *name, const float *data,
                                    size_t n);
/* Global step counter (pv_nn_optim_step calls), for schedules and files. */
PV_API uint64_t pv_nn_optim_steps(const pv_nn_optim *opt);
PV_API void pv_nn_optim_set_steps(pv_nn_optim *opt, uint64_t steps);

/* ---- Newton-Schulz in float (Muon's quintic), real or complex ----
 * x: rows x cols row-major (complex: interleaved re/im, 2 floats each);
 * X <- X / (||X||_F + 1e-7), then `steps` iterations X <- a X + (b A + c A^2) X
 * with A = X X^H (or X p(X^H X) on the smaller side). work: at least
 * pv_nn_newton_schulz_work_floats(rows, cols, is_complex) floats. Allocates nothing. */
PV_API size_t pv_nn_newton_schulz_work_floats(size_t rows, size_t cols, int is_complex);
PV_API int pv_nn_newton_schulz_float(size_t rows, size_t cols, int is_complex, float *x, int steps,
                          float *work);

/* ---- Learning-rate schedules ---- */
typedef enum {
  PV_NN_SCHED_CONSTANT = 0,
  PV_NN_SCHED_STEP = 1,        /* torch StepLR: base gamma^floor(t / step_size) */
  PV_NN_SCHED_WARMUP_COSINE = 2, /* torch LinearLR(start_factor, warmup) then
                                  * CosineAnnealingLR(T_max = total - warmup, eta_min) */
  PV_NN_SCHED_ONE_CYCLE = 3    /* torch OneCycleLR (two-phase, cos anneal) */
} pv_nn_sched_kind;

typedef struct pv_nn_sched {
  size_t struct_size;   /* sizeof(pv_nn_sched) */
  int kind;             /* a pv_nn_sched_kind */
  double base_lr;       /* lr of CONSTANT/STEP/WARMUP_COSINE; max_lr of ONE_CYCLE */
  int64_t step_size;    /* STEP: period (scheduler steps) */
  double gamma;         /* STEP: factor (0.1) */
  int64_t warmup;       /* WARMUP_COSINE: warm-up steps (0 = none) */
  double start_factor;  /* WARMUP_COSINE: lr factor at t = 0 (1/3, torch's default) */
  int64_t total;        /* WARMUP_COSINE / ONE_CYCLE: total steps */
  double eta_min;       /* WARMUP_COSINE: floor (0) */
  double pct_start;     /* ONE_CYCLE: rising fraction (0.3) */
  double div_factor;    /* ONE_CYCLE: initial = max / div (25) */
  double final_div;     /* ONE_CYCLE: min = initial / final_div (1e4) */
  double base_momentum, max_momentum; /* ONE_CYCLE momentum cycle (0.85, 0.95) */
} pv_nn_sched;
#define PV_NN_SCHED_INIT {sizeof(pv_nn_sched), PV_NN_SCHED_CONSTANT, 1e-3, 1, 0.1, 0, \
    1.0 / 3.0, 1, 0.0, 0.3, 25.0, 1e4, 0.85, 0.95}

/* Learning rate (and, when momentum is non-NULL, ONE_CYCLE's momentum/beta1,
 * else NAN) at scheduler step t >= 0 (t = number of scheduler.step() calls
 * torch would have made). ONE_CYCLE refuses t > total as torch does
 * (t = total extrapolates the last phase, as torch's does). */
PV_API int pv_nn_sched_lr(const pv_nn_sched *s, int64_t t, double *lr, double *momentum);

/* ---- Gradient clipping (torch.nn.utils.clip_grad_norm_) ----
 * total = (sum over non-frozen parameters of sum |g|^p)^(1/p) over all stored
 * floats (complex: |z|^2 = re^2 + im^2), p = norm_type (>0, or INFINITY for
 * the max norm), accumulated in double. Every gradient is multiplied by
 * min(1, max_norm / (total + 1e-6)). *total_norm (may be NULL) receives total
 * (NaN/Inf total: PV_EINVAL, gradients unchanged). */
PV_API int pv_nn_clip_grad_norm(pv_nn_param *params, size_t nparams, double max_norm,
                                double norm_type, double *total_norm);

/* ---- sigmaReparam (Zhai et al. 2023): W^ = gamma / sigma(W) W ----
 * sigma = u^T W v with u, v from power iteration (u <- W v / |W v|,
 * v <- W^T u / |W^T u|), carried across calls and treated as constants in the
 * gradient (stop-gradient, as the paper): for G = dL/dW^,
 *   dL/dW = gamma/sigma G - gamma <G, W> / sigma^2 u v^T,
 *   dL/dgamma = <G, W> / sigma.
 * W is rows x cols row-major. The object owns u (rows) and v (cols); both are
 * checkpoint state (pv_nn_sigma_reparam_vectors). */
typedef struct pv_nn_sigma_reparam pv_nn_sigma_reparam;

/* u, v start as unit vectors drawn from ctx's seed on `stream`. */
PV_API int pv_nn_sigma_reparam_create(pv_ctx *ctx, size_t rows, size_t cols, uint64_t stream,
                                      pv_nn_sigma_reparam **out);
PV_API void pv_nn_sigma_reparam_destroy(pv_nn_sigma_reparam **s);  /* NULL-safe */
/* Borrowed u (rows) and v (cols), in double, for checkpoints. */
PV_API void pv_nn_sigma_reparam_vectors(pv_nn_sigma_reparam *s, double **u, double **v);
/* rows (length of u) and cols (length of v); 0 for NULL. */
PV_API void pv_nn_sigma_reparam_size(const pv_nn_sigma_reparam *s, size_t *rows, size_t *cols);

/* Forward: `iters` power iterations (>= 0; 1 per training step is the
 * paper's), then *sigma = u^T W v and wh = gamma / sigma * W (wh may be NULL).
 * PV_EINVAL when sigma is not positive and finite. */
PV_API int pv_nn_sigma_reparam_forward_f(pv_nn_sigma_reparam *s, const float *w, float gamma,
                                         int iters, float *wh, double *sigma);
PV_API int pv_nn_sigma_reparam_forward_d(pv_nn_sigma_reparam *s, const double *w, double gamma,
                                         int iters, double *wh, double *sigma);
/* Backward with the u, v of the last forward: gw = dL/dW (accumulated when
 * accumulate = 1, overwritten otherwise), *ggamma = dL/dgamma (may be NULL). */
PV_API int pv_nn_sigma_reparam_backward_f(const pv_nn_sigma_reparam *s, const float *w,
                                          float gamma, const float *gwh, float *gw,
                                          int accumulate, float *ggamma);
PV_API int pv_nn_sigma_reparam_backward_d(const pv_nn_sigma_reparam *s, const double *w,
                                          double gamma, const double *gwh, double *gw,
                                          int accumulate, double *ggamma);

#ifdef __cplusplus
}
#endif
#endif
