/* parseval/gp.h - Gaussian-process PDE solver for high-frequency and
 * multi-scale problems (GP-HM, Fang et al., ICLR 2024).
 *
 * The solution u is a GP whose values U on a uniform tensor grid (1-D or 2-D,
 * row-major, axis 0 slowest) are free parameters. The covariance is a product
 * of one stationary kernel per axis, so it is a Kronecker product and every
 * solve, log-determinant and derivative operator works axis by axis.
 * Derivatives of u are those of the GP mean: u_x(X) = K_x K^-1 U with
 * K_x[i][j] = k'(x_i - x_j), K_xx[i][j] = k''(x_i - x_j).
 *
 * Kernel parameters of one axis: theta[3q] = [log w (q) | log l (q) | mu (q)],
 * weights in the log domain (flat prior in log w = Jeffreys prior on w),
 * l an inverse (squared) length scale, mu a frequency in cycles per unit. */
#ifndef PARSEVAL_GP_H
#define PARSEVAL_GP_H

#include <stddef.h>
#include <parseval/config.h>
#include <parseval/ctx.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Kernel families; z = x - x', d = |z|, m = 2 pi mu.
 *  GM (GP-HM-GM):  sum w exp(-l z^2) cos(m z)
 *  STM (GP-HM-StM, the reference's Matern-5/2 envelope, b = sqrt(5) l):
 *                  sum w (1 + b d + b^2 d^2 / 3) exp(-b d) cos(m z)
 *  SE, MATERN52:   the same envelopes without the cosine (mu unused). */
typedef enum {
  PV_GP_KERNEL_GM = 0,
  PV_GP_KERNEL_STM = 1,
  PV_GP_KERNEL_SE = 2,
  PV_GP_KERNEL_MATERN52 = 3
} pv_gp_kernel_kind;

/* Kind from its name ("gm", "stm", "se", "matern"); PV_EINVAL otherwise. */
PV_API int pv_gp_kernel_kind_parse(const char *name, pv_gp_kernel_kind *kind);
/* Name of a kind ("gm", "stm", "se", "matern"), "?" when out of range. */
PV_API const char *pv_gp_kernel_kind_name(pv_gp_kernel_kind kind);

/* The reference initialisation: log w = log(1/q), log l = 0,
 * mu = linspace(0, 1, q) * freq_scale. theta has 3q entries. */
PV_API int pv_gp_kernel_init(int q, double freq_scale, double *theta);

/* k, k', k'' (derivatives in z) at lag z into k[3]. */
PV_API int pv_gp_kernel_eval(pv_gp_kernel_kind kind, int q, const double *theta,
                             double z, double k[3]);

/* Parameter gradients at lag z: dk[r * 3q + p] = d k^(r)(z) / d theta_p for
 * r = 0, 1, 2 (dk has 9q entries). mu entries are 0 for SE and MATERN52. */
PV_API int pv_gp_kernel_grad(pv_gp_kernel_kind kind, int q, const double *theta,
                             double z, double *dk);

/* Matrices on the uniform grid x_i = i h, i < n, row-major n x n:
 * K[i][j] = k(z) + jitter [i == j], K1[i][j] = k'(z), K2[i][j] = k''(z) with
 * z = (i - j) h. Any of K, K1, K2 may be NULL. */
PV_API int pv_gp_kernel_matrices(pv_gp_kernel_kind kind, int q, const double *theta,
                                 int n, double h, double jitter,
                                 double *K, double *K1, double *K2);

/* Cross matrix C[i][j] = k(xs_i - x_j), xs: ns points, x: n points, row-major ns x n. */
PV_API int pv_gp_kernel_cross(pv_gp_kernel_kind kind, int q, const double *theta,
                              const double *xs, int ns, const double *x, int n,
                              double *C);

/* ---- Kronecker algebra over d <= 3 axes --------------------------------- */

/* Mode product: y = (I x .. A .. x I) x, A (m x n[axis], row-major) applied
 * along `axis` of the row-major tensor x with sizes n[0..d); y has n[axis]
 * replaced by m. x and y must not overlap. */
PV_API int pv_gp_mode_apply(int d, const int n[], int axis, const double *A, int m,
                            const double *x, double *y);

/* Per-axis eigendecompositions K_a = Q_a diag(lambda_a) Q_a^T of a Kronecker
 * product K_0 x ... x K_{d-1} of symmetric positive-definite factors. */
typedef struct pv_gp_kron pv_gp_kron;

/* Decompose the factors K[a] (n[a] x n[a], borrowed, copied). PV_ENUMERIC when
 * a factor is not positive definite. *out owned by the caller. */
PV_API int pv_gp_kron_create(int d, const int n[], const double *const K[],
                             pv_gp_kron **out);
PV_API void pv_gp_kron_destroy(pv_gp_kron **kron); /* NULL-safe */
/* Replace factor `axis` (the others keep their decompositions). */
PV_API int pv_gp_kron_update(pv_gp_kron *kron, int axis, const double *K);
/* y = (K_0 x ... x K_{d-1}) x; x, y of prod n entries (may not overlap). */
PV_API int pv_gp_kron_matvec(pv_gp_kron *kron, const double *x, double *y);
/* x = (K_0 x ... x K_{d-1})^-1 b. */
PV_API int pv_gp_kron_solve(pv_gp_kron *kron, const double *b, double *x);
/* log det = sum_a (M / n_a) log det K_a, M = prod n. */
PV_API int pv_gp_kron_logdet(const pv_gp_kron *kron, double *logdet);
/* Derivative operator along an axis: y = (Kd K_axis^-1) applied along axis,
 * Kd an n[axis] x n[axis] derivative kernel matrix (K1 or K2). */
PV_API int pv_gp_kron_deriv(pv_gp_kron *kron, int axis, const double *Kd,
                            const double *x, double *y);

/* ---- Problems ----------------------------------------------------------- */

/* Second-order operator on a uniform tensor grid, residual
 *   H = sum_a (c2[a] u_aa + c1[a] u_a) + c0 u + c3 u^3 - f
 * Boundary: 1-D the two end points, 2-D the four edges (corners twice, as the
 * reference does). Grid axis a: n[a] points, linspace(lo[a], hi[a]). */
typedef struct pv_gp_problem {
  size_t struct_size;
  int dim;                 /* 1 or 2 */
  int n[2];                /* grid points per axis, >= 3 */
  double lo[2], hi[2];     /* domain, hi > lo */
  double c2[2], c1[2];     /* second and first derivative coefficients */
  double c0, c3;           /* u and u^3 coefficients (Allen-Cahn: -1, 1) */
  const double *f;         /* source on the grid (M values), borrowed */
  const double *ub;        /* full-grid array whose edge values are the
                              Dirichlet data (interior ignored), borrowed */
} pv_gp_problem;
#define PV_GP_PROBLEM_INIT {sizeof(pv_gp_problem), 1, {0, 0}, {0, 0}, {1, 1}, \
                            {0, 0}, {0, 0}, 0, 0, NULL, NULL}

/* Model options; the defaults are the reference's. */
typedef struct pv_gp_model_options {
  size_t struct_size;
  pv_gp_kernel_kind kind;  /* per-axis kernel family */
  int q;                   /* mixture components (30) */
  double freq_scale[2];    /* initial mu range per axis (20) */
  double jitter;           /* added to every K diagonal (1e-6) */
  double lambda_b;         /* boundary weight (200) */
  int u_solver;            /* elimination of U: PV_GP_USOLVE_* (AUTO) */
  double u_tol;            /* PCG: relative residual of the normal equations (1e-10) */
  int u_maxit;             /* PCG: iterations per linear solve (3000) */
} pv_gp_model_options;

/* How pv_gp_model_solve_u solves for U: AUTO is dense for 1-D and 2-D grids of
 * at most 1024 points, PCG beyond. */
enum { PV_GP_USOLVE_AUTO = 0, PV_GP_USOLVE_DENSE = 1, PV_GP_USOLVE_PCG = 2 };
#define PV_GP_MODEL_OPTIONS_INIT {sizeof(pv_gp_model_options), PV_GP_KERNEL_GM, 30, \
                                  {20, 20}, 1e-6, 200, PV_GP_USOLVE_AUTO, 1e-10, 3000}

/* A problem bound to a kernel, with workspaces sized once. The parameter
 * vector p (pv_gp_model_nparams entries) is laid out as
 * [U (M) | theta axis 0 (3q) | theta axis 1 (3q, 2-D) | log tau | log v]. */
typedef struct pv_gp_model pv_gp_model;

/* Validate and bind (f and ub copied). PV_EINVAL with the field named for a
 * missing boundary or source, a grid of fewer than 3 points, NaN or infinite
 * data, an operator with no derivative term. */
PV_API int pv_gp_model_create(const pv_gp_problem *prob, const pv_gp_model_options *opt,
                              pv_gp_model **out);
PV_API void pv_gp_model_destroy(pv_gp_model **model); /* NULL-safe */
PV_API size_t pv_gp_model_nparams(const pv_gp_model *model);
PV_API size_t pv_gp_model_npoints(const pv_gp_model *model); /* M */
/* Offset of axis a's theta within p. */
PV_API size_t pv_gp_model_theta_offset(const pv_gp_model *model, int axis);
/* The reference initialisation (U = 0, reference kernel init, tau = v = 1). */
PV_API int pv_gp_model_init_params(const pv_gp_model *model, double *p);

/* Ours, not the reference's: the frequencies of each axis placed on the
 * peaks of the windowed power spectra of the source and of the boundary
 * data along that axis (one component at 0, the others round robin over the
 * peaks, largest first, within [0, freq_scale]); weights, length scales, U,
 * tau and v as pv_gp_model_init_params. */
PV_API int pv_gp_model_init_spectral(const pv_gp_model *model, double *p);

/* Negative log joint (the reference's loss):
 *   1/2 log|K| + 1/2 U^T K^-1 U + lambda_b (tau/2 |U_b - g|^2 - N_b/2 log tau)
 *   + v/2 |H|^2 - M/2 log v.
 * grad (may be NULL): its gradient in p, by hand-derived formulas.
 * PV_ENUMERIC when a K factor is not positive definite. */
PV_API int pv_gp_model_loss(pv_gp_model *model, const double *p, double *loss,
                            double *grad);

/* Replace U in p by the minimiser of the loss over U with everything else
 * fixed: one linear solve for linear operators, Gauss-Newton from the U in p
 * when c3 != 0. Dense least squares (QR; 1-D up to 4000 points, 2-D with
 * M <= 4096, PV_EUNSUPPORTED beyond) or preconditioned conjugate gradients
 * on the normal equations with Kronecker products (any size, warm-started
 * from the U in p), per the model's u_solver. */
PV_API int pv_gp_model_solve_u(pv_gp_model *model, double *p);

/* The profiled loss (variable projection): U in p is replaced by the
 * minimiser over U (pv_gp_model_solve_u), then the loss and (grad may be
 * NULL) its gradient in the kernel parameters, log tau and log v; grad's U
 * entries are zero for 1-D dense solves. 1-D dense: evaluated in the
 * coordinates beta = K^-1 U from the least-squares solution (no explicit
 * K^-1 in the value or the data terms of the gradient). */
PV_API int pv_gp_model_profiled_loss(pv_gp_model *model, double *p, double *loss, double *grad);

/* The GP mean on a uniform test grid of nt[a] points per axis over the same
 * domain, row-major into out (prod nt values). */
PV_API int pv_gp_model_predict(pv_gp_model *model, const double *p, const int nt[],
                               double *out);

/* ---- Optimisation ------------------------------------------------------- */

typedef enum { PV_GP_ADAM = 0, PV_GP_LBFGS = 1 } pv_gp_method;

/* Monitor called every `monitor_every` iterations; return nonzero to stop. */
typedef int (*pv_gp_monitor_fn)(int iter, double loss, const double *p, void *user);

typedef struct pv_gp_optim_options {
  size_t struct_size;
  pv_gp_method method;
  int max_iter;            /* iterations (Adam steps or L-BFGS accepted steps) */
  double max_time;         /* wall seconds, <= 0: none; an outer safety stop only (the
                              run then depends on the machine load): use max_work
                              and max_iter for reproducible budgets */
  double tol;              /* stop when |dloss| <= tol (1 + |loss|) over 10 steps */
  double lr;               /* Adam learning rate (0.01) */
  int lbfgs_m;             /* L-BFGS memory (20) */
  int profile_u;           /* 1: U is eliminated by pv_gp_model_solve_u at every
                              evaluation (variable projection); the optimiser
                              sees theta, tau, v */
  const double *exact;     /* exact u on the test grid, or NULL */
  int ntest[2];            /* test grid for `exact` and the progress error */
  int monitor_every;       /* 0: never */
  pv_gp_monitor_fn monitor;
  void *user;
  int fix_noise;           /* 1: keep log tau and log v at their values in p;
                              2: keep log v only (learn log tau) */
  double noise_cap;        /* > 0: upper bound on log tau and log v (L-BFGS, projected);
                              the profiled loss is unbounded below in tau (two exact
                              boundary values) and, past ~1e-9 relative residuals,
                              only rounding decides; 0: none */
  double prune_gap;        /* > 0 (L-BFGS): three stages, ending at 40 %, 70 % and 100 %
                              of max_work and of max_iter (or earlier, at convergence:
                              tol or a failed line search); before the 2nd and 3rd,
                              components whose log weight is more than prune_gap below
                              their axis' largest are removed (weight 0, frozen); a
                              stage ending above the loss before its pruning is undone.
                              The stage boundaries are counts, never clock readings:
                              the same inputs give the same result whatever the load,
                              unless max_time binds. 0: one run */
  int grid_bounds;         /* 1 (L-BFGS): envelopes resolved by the grid (Gaussian
                              l h^2 <= 1, Matern sqrt(5) l h <= 1) and |mu| <= 1/(2h):
                              finer components alias the derivative operators at the
                              nodes, and the loss then prefers a white-noise "solution"
                              whose second derivative is free (u ~ 0) */
  double log_w_max;        /* > 0 (L-BFGS): upper bound on every log weight. With a
                              fixed jitter, cond(K) grows with the weight and past
                              w ~ e^6 (for solutions of unit size) rounding, not the
                              loss, steers the weights; 0: none */
  long max_work;           /* > 0: budget in work units, deterministic (unlike
                              max_time): one per loss evaluation, with profile_u one
                              per linear solve for U (1-D: a Gauss-Newton step each,
                              at least one per evaluation); 0: none */
  double prune_share;      /* > 0 (with prune_gap, 1-D, profile_u): also prune the
                              components whose share of the prior energy of U
                              (a' K_i a / sum_j a' K_j a, a = K^-1 U: the posterior
                              mean's split into components) is below this; 0: the
                              weight gap only */
} pv_gp_optim_options;
#define PV_GP_OPTIM_OPTIONS_INIT {sizeof(pv_gp_optim_options), PV_GP_LBFGS, 1000, 0, \
                                  1e-12, 0.01, 20, 0, NULL, {300, 300}, 0, NULL, NULL, 0, 0, 0, 0, \
                                  0, 0, 0}

/* One L-BFGS stage of a staged (pruning) run. Budgets are cumulative limits
 * from the start of the run (0: none); the other counts are the stage's own. */
typedef struct pv_gp_stage_record {
  long work_limit;         /* the stage ends when the run's work reaches this */
  int iter_limit;          /* ... or its iterations reach this */
  long work;               /* work units used in the stage */
  int iterations, evaluations;
  int pruned;              /* components pruned before the stage */
  int undone;              /* 1: the stage ended above the loss before its pruning,
                              which was undone */
  int restarts;            /* fresh L-BFGS runs after the first (last stage) */
  int stop_reason;         /* as pv_gp_optim_result.stop_reason, of its last run */
  double loss;             /* at the stage's end (after any undo) */
} pv_gp_stage_record;
#define PV_GP_STAGES_MAX 3

typedef struct pv_gp_optim_result {
  int iterations;          /* iterations done */
  int evaluations;         /* loss + gradient evaluations */
  double loss;             /* final loss */
  double rel_l2;           /* final relative L2 on the test grid (NaN without exact) */
  double seconds;          /* wall time */
  int stop_reason;         /* 0 iterations, 1 tolerance, 2 time, 3 monitor, 4 line search,
                              5 work budget */
  double solve_seconds;    /* of which in the elimination of U (profile_u) */
  double loss_seconds;     /* of which in loss + gradient evaluations */
  long pcg_iterations;     /* PCG iterations in the eliminations of U (2-D) */
  long work;               /* work units used (see max_work) */
  int stages;              /* staged runs: stages done, recorded in stage[] */
  pv_gp_stage_record stage[PV_GP_STAGES_MAX];
} pv_gp_optim_result;

/* Minimise the loss from p (updated in place, the final iterate). Progress
 * goes through ctx (fraction of max_iter, message with loss and error).
 * L-BFGS accepts only steps that lower the loss (Armijo backtracking). */
PV_API int pv_gp_model_optimize(pv_ctx *ctx, pv_gp_model *model, double *p,
                                const pv_gp_optim_options *opt, pv_gp_optim_result *res);

/* ---- The paper's benchmarks --------------------------------------------- */

/* One benchmark: exact solution, operator, the reference's grid and settings
 * and its logged relative L2 errors (StM, GM, SE, Matern; plain method). */
typedef struct pv_gp_benchmark {
  const char *name;
  const char *formula;     /* exact u as text */
  int dim;
  int n[2];
  double lo[2], hi[2];
  double c2[2], c1[2], c0, c3;
  double freq_scale;
  double lambda_b;
  double ref_err[4];       /* indexed by pv_gp_kernel_kind */
  double ref_seconds[4];   /* the logs' used_time of those runs (unrecorded
                              hardware), 0 when not logged */
} pv_gp_benchmark;

PV_API int pv_gp_benchmark_count(void);
/* Benchmark i (0 <= i < count), borrowed static data; NULL when out of range. */
PV_API const pv_gp_benchmark *pv_gp_benchmark_get(int i);
/* Benchmark by name, NULL when unknown. */
PV_API const pv_gp_benchmark *pv_gp_benchmark_find(const char *name);
/* Exact u on the uniform grid n[] over the benchmark's domain (u) and the
 * source f of its operator (either may be NULL). */
PV_API int pv_gp_benchmark_fields(const pv_gp_benchmark *b, const int n[], double *u,
                                  double *f);
/* The exact solution is that of the benchmark named b->name; b may be a
 * modified copy (operator, domain): the source follows the copy's operator,
 * which makes manufactured problems (Helmholtz-type: c0 != 0) from any
 * benchmark's solution. PV_ENOTFOUND for an unknown name. */

/* Exact u and source f at one point x[dim] (either output may be NULL). */
PV_API int pv_gp_benchmark_point(const pv_gp_benchmark *b, const double x[], double *u,
                                 double *f);
/* Fill a problem from a benchmark; f and ub (prod n values each, caller-owned)
 * receive the source and the exact solution used as boundary data. */
PV_API int pv_gp_benchmark_problem(const pv_gp_benchmark *b, const int n[], double *f,
                                   double *ub, pv_gp_problem *prob);

/* ---- One benchmark run ---------------------------------------------- */

typedef struct pv_gp_run_options {
  size_t struct_size;
  pv_gp_kernel_kind kind;
  int n[2];                /* collocation grid; 0: the benchmark's */
  int ntest;               /* test grid points per axis (300) */
  int q;                   /* mixture components (30) */
  double freq_scale;       /* <= 0: the benchmark's */
  int profile;             /* -1 auto (= 1), 0 joint, 1 U eliminated by an exact
                              solve per evaluation (dense 1-D, PCG 2-D) */
  double jitter;           /* <= 0: 1e-6 */
  double lambda_b;         /* <= 0: the benchmark's */
  pv_gp_optim_options optim; /* method, iterations, time, tolerance, monitor */
  int plain;               /* 0: 1-D L-BFGS runs get noise_cap 20, prune_gap 5,
                              prune_share 1e-3, log_w_max 6, max_work 2e11 / n^3 linear
                              solves (3125 at n = 400, ~40 s on one quiet core; where
                              the optim options leave them 0) and grid_bounds; 2-D
                              profiled L-BFGS runs get fix_noise 2 (v kept at 1, tau
                              learned) and noise_cap 10 where those are 0; 1: the
                              optim options exactly as given */
  int init;                /* PV_GP_INIT_REFERENCE, PV_GP_INIT_SPECTRAL, or
                              PV_GP_INIT_AUTO (default): spectral in 2-D, the
                              reference's in 1-D and in plain runs */
  int coarse_n;            /* 2-D, 0 < coarse_n < n: first optimise on a coarse_n^2
                              grid for 30 % of the time budget, then on the full
                              grid from its kernel, noise levels and GP mean (the
                              parameters are in physical units); 0: off; < 0
                              (default): n / 4 for nonlinear 2-D problems on grids
                              of 300 or more per axis (not in plain runs), else off */
} pv_gp_run_options;
enum { PV_GP_INIT_AUTO = -1, PV_GP_INIT_REFERENCE = 0, PV_GP_INIT_SPECTRAL = 1 };
#define PV_GP_RUN_OPTIONS_INIT {sizeof(pv_gp_run_options), PV_GP_KERNEL_GM, {0, 0}, 300, 30, \
                                0, -1, 0, 0, PV_GP_OPTIM_OPTIONS_INIT, 0, PV_GP_INIT_AUTO, -1}

typedef struct pv_gp_run_result {
  int n[2], ntest[2];      /* grids used */
  int profiled;            /* U eliminated by exact solves */
  int init, coarse_n;      /* the start used (auto resolved): PV_GP_INIT_*, coarse grid (0: none) */
  pv_gp_optim_result optim;/* iterations, time, loss, rel_l2 (final iterate) */
} pv_gp_run_result;

/* Solve benchmark b (or a modified copy) from the initialisation opt chooses.
 * u (may be NULL; prod n values) receives the GP mean on the collocation
 * grid (U - jitter K^-1 U, the reference's prediction at the nodes), pred
 * and exact (may be NULL; ntest^dim values) the GP mean and the
 * exact solution on the test grid. */
PV_API int pv_gp_benchmark_run(pv_ctx *ctx, const pv_gp_benchmark *b,
                               const pv_gp_run_options *opt, double *u, double *pred,
                               double *exact, pv_gp_run_result *res);

/* ---- Problem description file -------------------------------------- */

/* A problem read from a small INI file ('#' or ';' comments, at most 64 KiB,
 * 512 characters a line, each key once):
 *   [problem]   solution = <benchmark name> (required: exact u, domain, grid)
 *               equation = poisson | allen-cahn | advection (beta 200) | helmholtz
 *                          (c0 = 1); presets the operator, then overridden by
 *               c2 = a[, b]   c1 = a[, b]   c0 = x   c3 = x   (per axis: dim values)
 *               lo = a[, b]   hi = a[, b]   grid = n[, m]    (one value: all axes)
 *   [kernel]    kind = gm|stm|se|matern   q = 30   freq_scale = F   jitter = 1e-6
 *   [weights]   lambda_b = 200
 *   [optimizer] method = lbfgs|adam  iters = N  time = s  tol = x  lr = x
 *               memory = m  ntest = 300  fix_noise = 0|1|2  work = N (max_work)
 *               init = auto|reference|spectral  coarse = N (coarse_n; 0: off)
 * The source is re-derived from the exact solution under the operator. */
typedef struct pv_gp_problem_file {
  pv_gp_benchmark bench;   /* solution by name, domain and operator */
  pv_gp_run_options run;   /* grid, kernel, weights, optimiser, stopping */
} pv_gp_problem_file;

/* Parse len bytes of text; `name` (may be NULL) names the file in errors,
 * which give the line and the field. PV_EFORMAT for syntax, PV_EINVAL for a
 * bad or missing value. */
PV_API int pv_gp_problem_file_parse(const char *text, size_t len, const char *name,
                                    pv_gp_problem_file *out);
/* Read and parse the file at path. */
PV_API int pv_gp_problem_file_read(const char *path, pv_gp_problem_file *out);

#ifdef __cplusplus
}
#endif
#endif
