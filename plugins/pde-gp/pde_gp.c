/* pde_gp.c - the pde-gp application: GP-HM (Gaussian processes with
 * spectral-mixture kernels) for high-frequency and multi-scale PDEs.
 *   solve: one problem (a named benchmark, optionally with another operator:
 *          the source is re-derived from the same exact solution) -> solution
 *          on the grid (.npy), PNG of the solution and of the pointwise error,
 *          JSON report (relative L2, iterations, time, provenance).
 *   bench: the paper's eleven benchmarks, our GP-HM beside the reference's
 *          logged errors and our SE / Matern baselines from the same run. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/array.h>
#include <parseval/error.h>
#include <parseval/fileout.h>
#include <parseval/gp.h>
#include <parseval/json.h>
#include <parseval/npy.h>
#include <parseval/plugin.h>
#include <parseval/provenance.h>
#include <parseval/render.h>

#define PDE_GP_VERSION "0.1.0"

static int parse_method(const pv_args *args, pv_gp_run_options *o) {
  const char *k = pv_args_string(args, "kernel");
  int st = k ? pv_gp_kernel_kind_parse(k, &o->kind) : 0;
  if (st) return st;
  o->optim.method = strcmp(pv_args_string(args, "method"), "adam") == 0 ? PV_GP_ADAM : PV_GP_LBFGS;
  o->optim.max_iter = (int)pv_args_int(args, "iters");
  o->optim.max_time = pv_args_real(args, "time");
  o->ntest = (int)pv_args_int(args, "ntest");
  const char *pr = pv_args_string(args, "profile");
  o->profile = strcmp(pr, "auto") == 0 ? -1 : strcmp(pr, "always") == 0 ? 1 : 0;
  const char *in = pv_args_string(args, "init");
  o->init = strcmp(in, "spectral") == 0 ? PV_GP_INIT_SPECTRAL
            : strcmp(in, "reference") == 0 ? PV_GP_INIT_REFERENCE : PV_GP_INIT_AUTO;
  if (pv_args_has(args, "coarse")) o->coarse_n = (int)pv_args_int(args, "coarse");
  return 0;
}

/* The benchmark, with the operator overrides of the command line. */
static int problem_from_args(const pv_args *args, pv_gp_benchmark *b, pv_gp_run_options *o) {
  const char *name = pv_args_string(args, "problem");
  const pv_gp_benchmark *base = pv_gp_benchmark_find(name);
  if (!base) return PV_ERROR(PV_EINVAL, "--problem: unknown benchmark '%s'", name);
  *b = *base;
  const double *v;
  size_t k = pv_args_real_list(args, "c2", &v);
  if (k && (int)k != b->dim)
    return PV_ERROR(PV_EINVAL, "--c2: %zu values for a %d-D problem", k, b->dim);
  for (size_t i = 0; i < k; i++) b->c2[i] = v[i];
  k = pv_args_real_list(args, "c1", &v);
  if (k && (int)k != b->dim)
    return PV_ERROR(PV_EINVAL, "--c1: %zu values for a %d-D problem", k, b->dim);
  for (size_t i = 0; i < k; i++) b->c1[i] = v[i];
  if (pv_args_has(args, "c0")) b->c0 = pv_args_real(args, "c0");
  if (pv_args_has(args, "c3")) b->c3 = pv_args_real(args, "c3");
  const int64_t *n;
  k = pv_args_int_list(args, "n", &n);
  if (k && k != 1 && (int)k != b->dim)
    return PV_ERROR(PV_EINVAL, "--n: %zu values for a %d-D problem", k, b->dim);
  for (int a = 0; a < b->dim && k; a++) o->n[a] = (int)n[k == 1 ? 0 : a];
  if (pv_args_has(args, "q")) o->q = (int)pv_args_int(args, "q");
  if (pv_args_has(args, "freq-scale")) o->freq_scale = pv_args_real(args, "freq-scale");
  return 0;
}

/* 1-D: line plots (solution with the exact one; |error| on a log axis);
 * 2-D: colour-mapped pictures. */
static int write_pictures(const pv_args *args, const pv_gp_benchmark *b, const int nt[],
                          const double *pred, const double *err, const pv_provenance *prov) {
  const char *paths[2] = {pv_args_string(args, "plot"), pv_args_string(args, "error")};
  int ow = pv_args_overwrite(args), st = 0;
  if (b->dim == 1) {
    double *x = pv_malloc((size_t)nt[0] * sizeof(double));
    if (!x) return PV_ERROR(PV_ENOMEM, "pde-gp: plot axis");
    for (int i = 0; i < nt[0]; i++) x[i] = b->lo[0] + (b->hi[0] - b->lo[0]) * i / (nt[0] - 1);
    for (int k = 0; k < 2 && !st; k++) {
      pv_plot *pl = NULL;
      st = pv_plot_create(900, 420, &pl);
      if (!st) st = pv_plot_set_title(pl, k ? "pointwise |error|" : b->formula);
      if (!st) st = pv_plot_set_xlabel(pl, "x");
      if (!st) st = pv_plot_add_series(pl, k ? "|u - u*|" : "GP mean", x, k ? err : pred,
                                       (size_t)nt[0], NULL);
      if (!st && k) pv_plot_set_log_y(pl, 1);
      if (!st) st = pv_plot_write_png(pl, paths[k], prov, ow);
      pv_plot_destroy(&pl);
    }
    pv_free(x);
    return st;
  }
  for (int k = 0; k < 2 && !st; k++) {
    pv_view v;
    size_t shape[2] = {(size_t)nt[0], (size_t)nt[1]};
    pv_quicklook_opts o = PV_QUICKLOOK_OPTS_INIT;
    o.title = k ? "pointwise |error|" : b->formula;
    o.lo_pct = 0.0;
    o.hi_pct = 100.0;
    pv_image *img = NULL;
    st = pv_view_init(&v, (void *)(k ? err : pred), PV_F64, 2, shape);
    if (!st) st = pv_quicklook_band(&v, &o, &img, NULL);
    if (!st) st = pv_image_write_png(img, paths[k], prov, ow);
    pv_image_destroy(&img);
  }
  return st;
}

static int write_report(const pv_args *args, const pv_gp_benchmark *b, const pv_gp_run_options *o,
                        const pv_gp_run_result *r, const pv_provenance *prov) {
  pv_json *j = NULL;
  int st = pv_json_create(2, &j);
  if (st) return st;
  pv_json_object_begin(j);
  pv_json_kv_string(j, "problem", b->name);
  pv_json_kv_string(j, "exact", b->formula);
  pv_json_kv_string(j, "kernel", pv_gp_kernel_kind_name(o->kind));
  pv_json_key(j, "grid");
  pv_json_array_begin(j);
  for (int a = 0; a < b->dim; a++) pv_json_int(j, r->n[a]);
  pv_json_array_end(j);
  pv_json_kv_int(j, "test_points_per_axis", r->ntest[0]);
  pv_json_kv_number(j, "rel_l2", r->optim.rel_l2);
  pv_json_kv_number(j, "reference_rel_l2", b->ref_err[o->kind]);
  pv_json_kv_int(j, "iterations", r->optim.iterations);
  pv_json_kv_int(j, "evaluations", r->optim.evaluations);
  pv_json_kv_number(j, "seconds", r->optim.seconds);
  pv_json_kv_number(j, "seconds_eliminating_u", r->optim.solve_seconds);
  pv_json_kv_number(j, "seconds_loss_and_gradient", r->optim.loss_seconds);
  pv_json_kv_number(j, "loss", r->optim.loss);
  pv_json_kv_int(j, "work", r->optim.work);
  pv_json_kv_int(j, "stop_reason", r->optim.stop_reason);
  pv_json_key(j, "stages");   /* staged (pruning) 1-D runs: budgets and use per stage */
  pv_json_array_begin(j);
  for (int k = 0; k < r->optim.stages; k++) {
    const pv_gp_stage_record *sr = &r->optim.stage[k];
    pv_json_object_begin(j);
    pv_json_kv_int(j, "work_limit", sr->work_limit);
    pv_json_kv_int(j, "iteration_limit", sr->iter_limit);
    pv_json_kv_int(j, "work", sr->work);
    pv_json_kv_int(j, "iterations", sr->iterations);
    pv_json_kv_int(j, "evaluations", sr->evaluations);
    pv_json_kv_int(j, "pruned", sr->pruned);
    pv_json_kv_int(j, "pruning_undone", sr->undone);
    pv_json_kv_int(j, "restarts", sr->restarts);
    pv_json_kv_int(j, "stop_reason", sr->stop_reason);
    pv_json_kv_number(j, "loss", sr->loss);
    pv_json_object_end(j);
  }
  pv_json_array_end(j);
  pv_json_kv_string(j, "method", o->optim.method == PV_GP_ADAM ? "adam" : "lbfgs");
  pv_json_kv_string(j, "u_elimination", r->profiled ? "exact solve (variable projection)" : "joint");
  pv_json_kv_string(j, "init", r->init == PV_GP_INIT_SPECTRAL ? "spectral" : "reference");
  pv_json_kv_int(j, "coarse_grid", r->coarse_n);
  pv_json_key(j, "provenance");
  pv_provenance_to_json(prov, j);
  pv_json_object_end(j);
  st = pv_json_finish(j);
  if (!st) st = pv_json_write_file(j, pv_args_string(args, "report"), pv_args_overwrite(args));
  pv_json_destroy(&j);
  return st;
}

#define N_SOLVE 21
static const pv_param solve_params[N_SOLVE];

static int solve_outputs(pv_gp_run_result *r, const pv_gp_benchmark *b, double *u,
                         const pv_args *args, pv_provenance *prov) {
  size_t shape[2] = {(size_t)r->n[0], (size_t)r->n[1]};
  pv_view v;
  int st = pv_view_init(&v, u, PV_F64, b->dim, shape);
  if (!st) st = pv_npy_write(pv_args_string(args, "solution"), &v, prov, pv_args_overwrite(args));
  return st;
}

static int run_solve(pv_ctx *ctx, const pv_args *args) {
  static const char *outs[4] = {"solution", "plot", "error", "report"};
  int ow = pv_args_overwrite(args), st = 0;
  for (int k = 0; k < 4 && !st; k++) st = pv_output_check(pv_args_string(args, outs[k]), ow);
  pv_gp_benchmark b;
  pv_gp_run_options o = PV_GP_RUN_OPTIONS_INIT;
  if (!st && pv_args_has(args, "config")) {   /* the file describes the whole problem */
    pv_gp_problem_file pf;
    st = pv_gp_problem_file_read(pv_args_string(args, "config"), &pf);
    b = pf.bench;
    o = pf.run;
  } else {
    if (!st) st = parse_method(args, &o);
    if (!st) st = problem_from_args(args, &b, &o);
  }
  if (st) return st;
  size_t M = 1, Mt = 1;
  for (int a = 0; a < b.dim; a++) {
    M *= (size_t)(o.n[a] > 0 ? o.n[a] : b.n[a]);
    Mt *= (size_t)o.ntest;
  }
  double *u = pv_malloc(M * sizeof(double)), *pred = pv_malloc(Mt * sizeof(double));
  double *ex = pv_malloc(Mt * sizeof(double));
  pv_provenance *prov = NULL;
  pv_gp_run_result r;
  if (!u || !pred || !ex) st = PV_ERROR(PV_ENOMEM, "pde-gp solve: %zu grid points", M);
  pv_log(ctx, PV_LOG_INFO, "pde-gp", "%s (%s), kernel %s", b.name, b.formula,
         pv_gp_kernel_kind_name(o.kind));
  if (!st) st = pv_gp_benchmark_run(ctx, &b, &o, u, pred, ex, &r);
  if (!st) st = pv_provenance_from_args(ctx, "pde-gp", "solve", solve_params, N_SOLVE, args, &prov);
  if (!st) {
    for (size_t i = 0; i < Mt; i++) ex[i] = fabs(pred[i] - ex[i]);
    st = solve_outputs(&r, &b, u, args, prov);
  }
  if (!st) st = write_pictures(args, &b, r.ntest, pred, ex, prov);
  if (!st) st = write_report(args, &b, &o, &r, prov);
  if (!st)
    pv_log(ctx, PV_LOG_INFO, "pde-gp", "rel L2 %.3e (reference %.3e) after %d iterations, %.1f s",
           r.optim.rel_l2, b.ref_err[o.kind], r.optim.iterations, r.optim.seconds);
  pv_provenance_destroy(&prov);
  pv_free(u); pv_free(pred); pv_free(ex);
  return st;
}

/* ---- bench ------------------------------------------------------------- */

static int run_bench(pv_ctx *ctx, const pv_args *args) {
  const char *only = pv_args_has(args, "only") ? pv_args_string(args, "only") : NULL;
  const char *kernels = pv_args_string(args, "kernels");
  pv_gp_run_options o = PV_GP_RUN_OPTIONS_INIT;
  int st = parse_method(args, &o);
  if (st) return st;
  char list[64];
  snprintf(list, sizeof list, "%s", kernels);
  pv_gp_kernel_kind kinds[8];
  int nk = 0;
  for (char *s = list, *tok; nk < 8 && (tok = strtok(s, ",")); s = NULL)
    if ((st = pv_gp_kernel_kind_parse(tok, &kinds[nk++])) != 0) return st;
  if (pv_args_has(args, "n")) o.n[0] = o.n[1] = (int)pv_args_int(args, "n");
  printf("%-26s %-6s %10s %10s %8s %6s %8s\n", "benchmark", "kernel", "ours", "reference",
         "ratio", "iters", "seconds");
  int matched = 0;
  for (int i = 0; i < pv_gp_benchmark_count() && !st; i++) {
    const pv_gp_benchmark *b = pv_gp_benchmark_get(i);
    if (only && !strstr(b->name, only)) continue;
    matched++;
    for (int k = 0; k < nk && !st; k++) {
      pv_gp_run_result r;
      o.kind = kinds[k];
      st = pv_gp_benchmark_run(ctx, b, &o, NULL, NULL, NULL, &r);
      if (st == PV_ECANCEL) break;
      if (st) {   /* one failed case is reported, the table goes on */
        pv_log(ctx, PV_LOG_WARN, "pde-gp", "%s/%s: %s", b->name, pv_gp_kernel_kind_name(kinds[k]),
               pv_error_message());
        pv_error_clear();
        st = 0;
        r.optim.rel_l2 = NAN;
      }
      printf("%-26s %-6s %10.3e %10.3e %8.2f %6d %8.1f\n", b->name,
             pv_gp_kernel_kind_name(kinds[k]), r.optim.rel_l2, b->ref_err[kinds[k]],
             r.optim.rel_l2 / b->ref_err[kinds[k]], r.optim.iterations, r.optim.seconds);
      fflush(stdout);
    }
  }
  if (!st && !matched) st = PV_ERROR(PV_EINVAL, "--only: no benchmark name contains '%s'", only);
  return st;
}

#define COMMON_PARAMS                                                                           \
  {"kernel", PV_PARAM_CHOICE, PV_ROLE_OPTION, 0, "gm", 0, 0, "gm|stm|se|matern",               \
   "kernel per axis: GP-HM Gaussian mixture, GP-HM Student-t (Matern-5/2 envelope), baselines", \
   NULL},                                                                                       \
  {"method", PV_PARAM_CHOICE, PV_ROLE_OPTION, 0, "lbfgs", 0, 0, "lbfgs|adam",                  \
   "optimiser: L-BFGS with Armijo line search, or Adam (lr 0.01) as the reference", NULL},     \
  {"iters", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_HAS_MIN | PV_PARAM_HAS_MAX, "100000", 1, 1e8, \
   NULL, "iteration limit", NULL},                                                              \
  {"time", PV_PARAM_REAL, PV_ROLE_OPTION, PV_PARAM_HAS_MIN, "30", 0, 0, NULL,                   \
   "wall-clock limit per solve (0: none)", "s"},                                                \
  {"ntest", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_HAS_MIN | PV_PARAM_HAS_MAX, "300", 2, 5000,  \
   NULL, "test grid points per axis for the relative L2 error", NULL},                          \
  {"profile", PV_PARAM_CHOICE, PV_ROLE_OPTION, 0, "auto", 0, 0, "auto|always|never",            \
   "eliminate U by an exact solve per evaluation (auto = always: dense 1-D, PCG 2-D)", NULL},   \
  {"init", PV_PARAM_CHOICE, PV_ROLE_OPTION, 0, "auto", 0, 0, "auto|reference|spectral",         \
   "mixture start: the reference's (log w = -log Q, mu spread over the band) or from the "      \
   "source and boundary spectra (auto: spectral in 2-D)", NULL},                                \
  {"coarse", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_OPTIONAL | PV_PARAM_HAS_MIN | PV_PARAM_HAS_MAX, \
   NULL, 0, 100000, NULL,                                                                       \
   "2-D: learn the kernel on a coarse N x N grid first (30 % of the budget); 0 off; default: "  \
   "n/4 for nonlinear problems on grids of 300 or more", NULL}

static const pv_param solve_params[N_SOLVE] = {
    {"solution", PV_PARAM_PATH, PV_ROLE_OUTPUT, 0, NULL, 0, 0, NULL,
     "GP mean on the collocation grid (.npy, float64, row-major)", NULL},
    {"plot", PV_PARAM_PATH, PV_ROLE_OUTPUT, 0, NULL, 0, 0, NULL,
     "PNG of the GP mean on the test grid", NULL},
    {"error", PV_PARAM_PATH, PV_ROLE_OUTPUT, 0, NULL, 0, 0, NULL,
     "PNG of the pointwise error |u - u*| on the test grid", NULL},
    {"report", PV_PARAM_PATH, PV_ROLE_OUTPUT, 0, NULL, 0, 0, NULL,
     "JSON: relative L2, iterations, time, provenance", NULL},
    {"config", PV_PARAM_PATH, PV_ROLE_OPTION, PV_PARAM_OPTIONAL, NULL, 0, 0, NULL,
     "problem description file (INI: [problem] [kernel] [weights] [optimizer], see "
     "parseval/gp.h); replaces the problem, operator and optimiser options", NULL},
    {"problem", PV_PARAM_CHOICE, PV_ROLE_OPTION, 0, "poisson_1d-single_sin", 0, 0,
     "poisson_1d-single_sin|poisson_1d-sin_cos|poisson_1d-x_time_sinx|poisson_1d-mix_sin|"
     "poisson_1d-x2_add_sinx|allencahn_1d-single_sin|allencahn_1d-sin_cos|poisson_2d-sin_sin|"
     "poisson_2d-sin_add_cos|allencahn_2d-mix-sincos|advection-sin",
     "exact solution, domain and default operator (the paper's benchmarks)", NULL},
    {"n", PV_PARAM_INT_LIST, PV_ROLE_OPTION, PV_PARAM_OPTIONAL | PV_PARAM_HAS_MIN | PV_PARAM_HAS_MAX,
     NULL, 3, 4000, NULL, "collocation points per axis (one value for all axes)", NULL},
    {"c2", PV_PARAM_REAL_LIST, PV_ROLE_OPTION, PV_PARAM_OPTIONAL, NULL, 0, 0, NULL,
     "operator: coefficients of u_aa per axis", NULL},
    {"c1", PV_PARAM_REAL_LIST, PV_ROLE_OPTION, PV_PARAM_OPTIONAL, NULL, 0, 0, NULL,
     "operator: coefficients of u_a per axis (advection speeds)", NULL},
    {"c0", PV_PARAM_REAL, PV_ROLE_OPTION, PV_PARAM_OPTIONAL, NULL, 0, 0, NULL,
     "operator: coefficient of u (Helmholtz: k^2)", NULL},
    {"c3", PV_PARAM_REAL, PV_ROLE_OPTION, PV_PARAM_OPTIONAL, NULL, 0, 0, NULL,
     "operator: coefficient of u^3 (Allen-Cahn: 1 with c0 = -1)", NULL},
    {"q", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_OPTIONAL | PV_PARAM_HAS_MIN | PV_PARAM_HAS_MAX,
     NULL, 1, 1000, NULL, "mixture components per axis (default 30)", NULL},
    {"freq-scale", PV_PARAM_REAL, PV_ROLE_OPTION, PV_PARAM_OPTIONAL | PV_PARAM_HAS_MIN, NULL, 0, 0,
     NULL, "initial frequencies linspace(0, 1, q) * this (default: the benchmark's)", "1/length"},
    COMMON_PARAMS,
};

#define N_BENCH 11
static const pv_param bench_params[N_BENCH] = {
    {"only", PV_PARAM_STRING, PV_ROLE_OPTION, PV_PARAM_OPTIONAL, NULL, 0, 0, NULL,
     "run the benchmarks whose name contains this text", NULL},
    {"kernels", PV_PARAM_STRING, PV_ROLE_OPTION, 0, "stm,gm,se,matern", 0, 0, NULL,
     "comma-separated kernels to run", NULL},
    {"n", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_OPTIONAL | PV_PARAM_HAS_MIN | PV_PARAM_HAS_MAX,
     NULL, 3, 4000, NULL, "collocation points per axis (default: the reference's)", NULL},
    COMMON_PARAMS,
};

static const pv_verb verbs[] = {
    {"solve", "solve one PDE with a GP (spectral-mixture kernels, Kronecker algebra)", solve_params,
     N_SOLVE, sizeof(pv_param), run_solve,
     "Solves one of the paper's benchmarks, or its exact solution under another second-order "
     "operator given by --c2/--c1/--c0/--c3 (the source is re-derived), from the reference's "
     "initialisation. Writes U on the grid (.npy with a provenance sidecar), PNGs of the GP "
     "mean and the pointwise error on the test grid, and a JSON report. The error is that of "
     "the final iterate."},
    {"bench", "the paper's eleven benchmarks beside the reference's logged errors", bench_params,
     N_BENCH, sizeof(pv_param), run_bench,
     "Prints, per benchmark and kernel, our relative L2 error (final iterate, 300-per-axis test "
     "grid), the reference's logged error (best of 20 test checkpoints), their ratio, the "
     "iterations and the seconds. SE and Matern rows are our baselines from the same run."},
};

static const char *const demos[] = {
    "solve --problem=poisson_1d-single_sin --time=20 {out}/sin100.npy "
    "{out}/sin100.png {out}/sin100_error.png {out}/sin100.json",
    NULL};

static const pv_plugin_descriptor descriptor = {
    PV_PLUGIN_ABI_VERSION, sizeof(pv_plugin_descriptor), "pde-gp", PDE_GP_VERSION,
    "Gaussian-process solver for high-frequency and multi-scale PDEs (GP-HM)",
    verbs, 2, sizeof(pv_verb), demos, {0}};

PV_PLUGIN_DEFINE(descriptor)
