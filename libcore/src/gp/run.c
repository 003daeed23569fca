/* run.c - one benchmark solved end to end: problem, model, reference
 * initialisation, optimisation, prediction on the test grid. Shared by the
 * pde-gp plugin and the benchmark program. */
#include <math.h>
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/ctx.h>
#include <parseval/error.h>
#include <parseval/gp.h>
#include "gp_model.h"

#define GP_RUN_PCG_MAXIT 150
#define GP_RUN_NOISE_WARMUP 3
#define GP_RUN_COARSE_SHARE 0.3 /* share of the time and iteration budget on a coarse grid */
#define GP_RUN_TAU_CAP_2D 10.0   /* 2-D default bound on log tau (lambda_b tau ~ 4e6) */
#define GP_RUN_COARSE_MIN_N 300 /* nonlinear 2-D grids from this size start on a coarse grid */

/* 2-D with U eliminated: before the optimiser, the first U solve (without
 * the iteration cap set after it) and, unless the noise is fixed, alternate the U solve with
 * the closed-form minimisers over the noise levels at that U,
 * v = M / |H|^2 and tau = N_b / |U_b - g|^2 (from the loss gradient), so
 * the first quasi-Newton steps do not spend themselves on log v, log tau
 * and the PCG warm starts stay close. */
static int noise_warmup(pv_gp_model *m, double *p, const int n[2], double lambda_b, int fix,
                        double cap) {
  size_t np = pv_gp_model_nparams(m), M = pv_gp_model_npoints(m);
  double nb = 2.0 * ((double)n[0] + n[1]), L;
  double *g = pv_malloc(np * sizeof(double));
  if (!g) return PV_ERROR(PV_ENOMEM, "gp benchmark run: gradient");
  int st = 0;
  for (int k = 0; k < (fix == 1 ? 1 : GP_RUN_NOISE_WARMUP) && !st; k++) {
    st = pv_gp_model_solve_u(m, p);
    if (!st) st = pv_gp_model_loss(m, p, &L, g);
    if (st == PV_ENUMERIC) { pv_error_clear(); st = 0; break; }   /* the optimiser copes */
    if (st) break;
    if (fix == 1) break;   /* fixed noise: only the first solve, at full accuracy */
    double v = exp(p[np - 1]), tau = exp(p[np - 2]);
    double hh = 2.0 * (g[np - 1] + 0.5 * (double)M) / v, ee = 2.0 * (g[np - 2] / lambda_b + 0.5 * nb) / tau;
    if (!fix && hh > 0.0 && isfinite(hh)) p[np - 1] = log((double)M / hh);
    if (ee > 0.0 && isfinite(ee)) p[np - 2] = fmin(log(nb / ee), cap > 0 ? cap : INFINITY);
  }
  pv_free(g);
  return st;
}

/* 2-D coarse start: the model on a coarse nc x nc grid from the fine
 * start's kernel and noise levels (p layout: U, then the grid-independent
 * parameters), its first solve (PV_ENOTCONV if it outlasts oo->max_time),
 * optimisation for oo->max_time (and
 * max_iter) as given; its kernel and noise levels are copied back into pf
 * and its GP mean at the fine nodes (nf) becomes the fine start's U. */
static int coarse_stage(pv_ctx *ctx, const pv_gp_benchmark *b, const pv_gp_model_options *mo,
                        const pv_gp_optim_options *oo, int nc, size_t Mf, size_t npf, double *pf,
                        const int nf[2], pv_gp_optim_result *cr) {
  int n[2] = {nc, nc};
  size_t M = (size_t)nc * nc;
  double *f = pv_malloc(M * sizeof(double)), *ub = pv_malloc(M * sizeof(double)), *p = NULL;
  pv_gp_model *m = NULL;
  pv_gp_problem pr;
  int st = f && ub ? 0 : PV_ERROR(PV_ENOMEM, "gp coarse start: %zu grid points", M);
  if (!st) st = pv_gp_benchmark_problem(b, n, f, ub, &pr);
  if (!st) st = pv_gp_model_create(&pr, mo, &m);
  if (!st && !(p = pv_calloc(pv_gp_model_nparams(m), sizeof(double))))
    st = PV_ERROR(PV_ENOMEM, "gp coarse start: parameters");
  if (!st) {
    memcpy(p + M, pf + Mf, (npf - Mf) * sizeof(double));
    if (oo->max_time > 0) ((gp_model *)m)->deadline = gp_now_s() + oo->max_time;   /* its share */
    st = noise_warmup(m, p, n, mo->lambda_b, oo->fix_noise, oo->noise_cap);
    ((gp_model *)m)->deadline = 0.0;   /* the optimiser keeps its own limit */
  }
  if (!st) ((gp_model *)m)->opt.u_maxit = GP_RUN_PCG_MAXIT;
  if (!st) st = pv_gp_model_optimize(ctx, m, p, oo, cr);
  if (!st) {
    memcpy(pf + Mf, p + M, (npf - Mf) * sizeof(double));
    st = pv_gp_model_predict(m, p, nf, pf);
  }
  pv_gp_model_destroy(&m);
  pv_free(f); pv_free(ub); pv_free(p);
  return st;
}

/* The 1-D default work budget (linear least-squares solves, each ~3.3 n^3
 * flops): 2e11 / n^3, 3125 solves at n = 400 and 274 at n = 900, about
 * 40 s on one quiet core here; a count, so runs are reproducible. */
static long run_work_budget(int n) {
  double w = 2e11 / ((double)n * n * n);
  return w < 100.0 ? 100 : w > 1e6 ? 1000000 : (long)w;
}

static int run_checks(const pv_gp_benchmark *b, const pv_gp_run_options *o, int n[2], int nt[2]) {
  if (!b || !o || o->struct_size < sizeof(pv_gp_run_options))
    return PV_ERROR(PV_EINVAL, "gp benchmark run: NULL argument or struct_size too small");
  if (b->dim != 1 && b->dim != 2) return PV_ERROR(PV_EINVAL, "gp benchmark run: dim %d", b->dim);
  if (o->ntest < 2 || o->ntest > 5000)
    return PV_ERROR(PV_EINVAL, "gp benchmark run: ntest = %d (2..5000)", o->ntest);
  for (int a = 0; a < 2; a++) {
    n[a] = a < b->dim ? (o->n[a] > 0 ? o->n[a] : b->n[a]) : 1;
    nt[a] = a < b->dim ? o->ntest : 1;
  }
  if (b->dim == 1 && n[0] > 4000)
    return PV_ERROR(PV_EINVAL, "gp benchmark run: 1-D grid of %d points (at most 4000)", n[0]);
  return 0;
}

/* The coarse start of a run (coarse_stage) with a share of the budget (oo's
 * iteration budget reduced by what it used), then the first solve on the
 * fine grid (U in p). It can fail (its first solve outlasting its share of
 * the budget) or its kernel be unusable on the fine grid (a baseline's
 * weights grown until K's eigenvalues are lost to rounding at the fine
 * spacing): then the parameters are restored and 1 is returned (the run
 * continues without it, the coarse stage's time spent); 0 when used; a
 * negative status on error. */
static int coarse_start(pv_ctx *ctx, const pv_gp_benchmark *b, const pv_gp_model_options *mo,
                        pv_gp_optim_options *oo, int nc, pv_gp_model *m, double *p, const int n[2],
                        pv_gp_optim_result *cr) {
  size_t np = pv_gp_model_nparams(m), M = pv_gp_model_npoints(m);
  double *save = pv_malloc(np * sizeof(double));
  if (!save) return PV_ERROR(PV_ENOMEM, "gp coarse start: %zu parameters", np);
  memcpy(save, p, np * sizeof(double));
  pv_gp_optim_options oc = *oo;
  oc.max_time = GP_RUN_COARSE_SHARE * oo->max_time;
  oc.max_iter = (int)(GP_RUN_COARSE_SHARE * oo->max_iter);
  oc.monitor = NULL;   /* the caller's monitor knows the fine grid's layout only */
  int st = coarse_stage(ctx, b, mo, &oc, nc, M, np, p, n, cr);
  if (!st) oo->max_iter = oo->max_iter > cr->iterations ? oo->max_iter - cr->iterations : 1;
  double L = 0.0;
  if (!st) st = pv_gp_model_solve_u(m, p);
  if (!st) st = pv_gp_model_loss(m, p, &L, NULL);
  if (st == PV_ENUMERIC || st == PV_ENOTCONV || (!st && !isfinite(L))) {
    pv_log(ctx, PV_LOG_WARN, "gp", "coarse start undone, the %d x %d run starts from its own "
           "initialisation (%s)", n[0], n[1], st ? pv_error_message() : "loss not finite");
    pv_error_clear();
    memcpy(p, save, np * sizeof(double));
    st = 1;
  }
  pv_free(save);
  return st;
}

/* The model options of a benchmark run: the run's overrides, else the
 * benchmark's own freq_scale and lambda_b. */
static pv_gp_model_options run_model_options(const pv_gp_benchmark *b, const pv_gp_run_options *opt) {
  pv_gp_model_options mo = PV_GP_MODEL_OPTIONS_INIT;
  mo.kind = opt->kind;
  mo.q = opt->q;
  mo.freq_scale[0] = mo.freq_scale[1] = opt->freq_scale > 0 ? opt->freq_scale : b->freq_scale;
  mo.lambda_b = opt->lambda_b > 0 ? opt->lambda_b : b->lambda_b;
  if (opt->jitter > 0) mo.jitter = opt->jitter;
  return mo;
}

/* The start of a run where the options leave it to us (PV_GP_INIT_AUTO,
 * coarse_n < 0), unless plain: 2-D runs start from the spectral
 * initialisation (from the reference's, the 2-D benchmarks stay near their
 * first kernel for the whole budget); nonlinear 2-D problems on grids of
 * GP_RUN_COARSE_MIN_N or more per axis first learn the kernel on a grid a
 * quarter as fine (Allen-Cahn 400^2: each Gauss-Newton evaluation costs
 * ~10 linear solves). */
static void run_start_defaults(const pv_gp_benchmark *b, const pv_gp_run_options *opt, const int n[2],
                               int *init, int *coarse_n) {
  int auto_2d = !opt->plain && b->dim == 2;
  *init = opt->init != PV_GP_INIT_AUTO ? opt->init
          : auto_2d ? PV_GP_INIT_SPECTRAL : PV_GP_INIT_REFERENCE;
  int nmin = n[0] < n[1] ? n[0] : n[1];
  *coarse_n = opt->coarse_n >= 0 ? opt->coarse_n
              : auto_2d && b->c3 != 0.0 && nmin >= GP_RUN_COARSE_MIN_N ? nmin / 4 : 0;
}

/* The default route per dimension (unless plain); zero fields only, so an
 * explicit option always wins. n0: grid points per axis. */
static void run_route_defaults(const pv_gp_benchmark *b, const pv_gp_run_options *opt, int n0,
                               pv_gp_optim_options *o) {
  if (!opt->plain && b->dim == 1 && o->method == PV_GP_LBFGS) {
    if (o->noise_cap == 0) o->noise_cap = 20.0;
    if (o->prune_gap == 0) o->prune_gap = 5.0;
    if (o->log_w_max == 0) o->log_w_max = 6.0;
    if (o->prune_share == 0) o->prune_share = 1e-3;
    if (o->max_work == 0) o->max_work = run_work_budget(n0);
    o->grid_bounds = 1;
  }
  /* 2-D with U eliminated (unless plain): v fixed at its start (1) and log
   * tau learned up to GP_RUN_TAU_CAP_2D. The profiled loss is unbounded below
   * in both: the exact boundary data can be fitted ever more closely (tau)
   * and the M residuals nearly solved exactly on the grid (v); past the cap
   * the PCG tolerances, relative to a right-hand side dominated by the
   * boundary or PDE term, stop resolving U and the test error grows */
  if (!opt->plain && b->dim == 2 && o->profile_u && o->method == PV_GP_LBFGS) {
    if (o->fix_noise == 0) o->fix_noise = 2;
    if (o->noise_cap == 0) o->noise_cap = GP_RUN_TAU_CAP_2D;
  }
}

/* The coarse stage counts in the run's totals. */
static void add_coarse_totals(pv_gp_optim_result *r, const pv_gp_optim_result *c) {
  r->iterations += c->iterations;
  r->evaluations += c->evaluations;
  r->pcg_iterations += c->pcg_iterations;
  r->seconds += c->seconds;
  r->solve_seconds += c->solve_seconds;
  r->loss_seconds += c->loss_seconds;
}

/* The solves before the optimiser: the coarse start when coarse_n > 0 (its
 * grid, or 0 when undone, into *coarse_used), else the noise warm-up (2-D,
 * U eliminated). They stop at the end of oo's time budget (PV_ENOTCONV: a
 * kernel that resolves nothing can spend minutes there); the optimiser keeps
 * the budget itself, by not starting an evaluation that would overrun it. */
static int first_solves(pv_ctx *ctx, const pv_gp_benchmark *b, const pv_gp_model_options *mo,
                        pv_gp_optim_options *oo, int coarse_n, pv_gp_model *m, double *p,
                        const int n[2], pv_gp_optim_result *cr, int *coarse_used) {
  gp_model *gm = (gp_model *)m;
  int st = 0;
  if (oo->max_time > 0) gm->deadline = gp_now_s() + oo->max_time;
  *coarse_used = coarse_n;
  if (coarse_n > 0) {
    st = coarse_start(ctx, b, mo, oo, coarse_n, m, p, n, cr);
    if (st > 0) { *coarse_used = 0; st = 0; }   /* undone: the fine start as is */
  }
  /* a coarse start has made the first solve and its noise levels are kept */
  if (!st && oo->profile_u && b->dim == 2 && !*coarse_used)
    st = noise_warmup(m, p, n, mo->lambda_b, oo->fix_noise, oo->noise_cap);
  gm->deadline = 0.0;
  return st;
}

int pv_gp_benchmark_run(pv_ctx *ctx, const pv_gp_benchmark *b, const pv_gp_run_options *opt,
                        double *u, double *pred, double *exact, pv_gp_run_result *res) {
  int n[2], nt[2];
  if (!res) return PV_ERROR(PV_EINVAL, "gp benchmark run: NULL result");
  memset(res, 0, sizeof *res);
  int st = run_checks(b, opt, n, nt);
  if (st) return st;
  size_t M = (size_t)n[0] * n[1], Mt = (size_t)nt[0] * nt[1];
  double *f = pv_malloc(M * sizeof(double)), *ub = pv_malloc(M * sizeof(double));
  double *ex = pv_malloc(Mt * sizeof(double)), *p = NULL;
  pv_gp_model *m = NULL;
  pv_gp_problem pr;
  if (!f || !ub || !ex) st = PV_ERROR(PV_ENOMEM, "gp benchmark run: %zu grid points", M);
  if (!st) st = pv_gp_benchmark_problem(b, n, f, ub, &pr);
  if (!st) st = pv_gp_benchmark_fields(b, nt, ex, NULL);
  pv_gp_model_options mo = run_model_options(b, opt);
  if (!st) st = pv_gp_model_create(&pr, &mo, &m);
  if (!st && !(p = pv_malloc(pv_gp_model_nparams(m) * sizeof(double))))
    st = PV_ERROR(PV_ENOMEM, "gp benchmark run: parameters");
  int init, coarse_n;
  run_start_defaults(b, opt, n, &init, &coarse_n);
  if (!st) st = init == PV_GP_INIT_SPECTRAL ? pv_gp_model_init_spectral(m, p)
                                           : pv_gp_model_init_params(m, p);
  pv_gp_optim_options oo = opt->optim;
  oo.exact = ex;
  oo.ntest[0] = nt[0];
  oo.ntest[1] = nt[1];
  oo.profile_u = opt->profile != 0;
  run_route_defaults(b, opt, n[0], &oo);
  pv_gp_optim_result cr;
  memset(&cr, 0, sizeof cr);
  double t0 = gp_now_s();   /* the time budget covers the coarse stage and the first solves */
  int ran_coarse = b->dim == 2 && oo.profile_u && coarse_n > 1 && coarse_n < n[0] && coarse_n < n[1];
  res->init = init;
  if (!st) st = first_solves(ctx, b, &mo, &oo, ran_coarse ? coarse_n : 0, m, p, n, &cr, &res->coarse_n);
  if (oo.max_time > 0) oo.max_time = fmax(oo.max_time - (gp_now_s() - t0), 1e-3);
  /* 2-D, after the first solves: a U solve that needs more than this many
   * PCG iterations is a trial point far from the current one (the line
   * search then backs off, and the warm start makes the shorter step cheap) */
  if (!st && b->dim == 2) ((gp_model *)m)->opt.u_maxit = GP_RUN_PCG_MAXIT;
  if (!st) st = pv_gp_model_optimize(ctx, m, p, &oo, &res->optim);
  if (!st && ran_coarse) add_coarse_totals(&res->optim, &cr);   /* its work counts, used or not */
  if (!st && pred) st = pv_gp_model_predict(m, p, nt, pred);
  if (!st && u) st = pv_gp_model_predict(m, p, n, u);   /* the GP mean at the nodes */
  if (!st) {
    if (exact) memcpy(exact, ex, Mt * sizeof(double));
    for (int a = 0; a < 2; a++) { res->n[a] = n[a]; res->ntest[a] = nt[a]; }
    res->profiled = oo.profile_u;
  }
  pv_gp_model_destroy(&m);
  pv_free(f); pv_free(ub); pv_free(ex); pv_free(p);
  return st;
}
