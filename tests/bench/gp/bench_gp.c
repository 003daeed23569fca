/* bench_gp.c - the paper's eleven benchmarks: our GP-HM (GM and StM kernels)
 * and the SE / Matern baselines, run in this invocation, beside the
 * reference's logged errors (the reference needs JAX and cannot run here).
 * Error: relative L2 of the final iterate on the 300-per-axis test grid;
 * ref_s: the logged wall time of the reference run (unrecorded hardware).
 *   bench_gp [--only NAME] [--kernels gm,stm,se,matern] [--iters N]
 *            [--time SEC] [--n N] [--method lbfgs|adam] [--joint] [--verbose]
 *            [--init auto|reference|spectral] [--coarse N] (full list: README.md) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <parseval/parseval.h>
#include <parseval/gp.h>

typedef struct {
  const char *only, *kernels;
  int iters, n, adam, joint, verbose, every, fixnoise, plain, init, coarse;
  double time, jitter, cap, prune, wmax, share;
  long work;
} args;

typedef struct { size_t M; int q, d; } layout;

/* The loss and, per axis, the components still active (log w > -500):
 * weight, inverse length scale, frequency. */
static int verbose_monitor(int iter, double loss, const double *p, void *user) {
  const layout *L = user;
  fprintf(stderr, "  iter %5d loss %.10e\n", iter, loss);
  for (int a = 0; a < L->d; a++) {
    const double *th = p + L->M + 3 * (size_t)L->q * a;
    fprintf(stderr, "    axis %d:", a);
    for (int i = 0; i < L->q; i++)
      if (th[i] > -500) fprintf(stderr, " [w %.2e l %.2e mu %.4f]", exp(th[i]), exp(th[L->q + i]),
                                th[2 * L->q + i]);
    fprintf(stderr, "\n");
  }
  fprintf(stderr, "    log tau %.3f log v %.3f\n", p[L->M + 3 * (size_t)L->q * L->d],
          p[L->M + 3 * (size_t)L->q * L->d + 1]);
  return 0;
}

/* --verbose: the optimiser's progress line (loss and test error, about once
 * a second) with the elapsed time. */
static int verbose_progress(double frac, const char *msg, void *user) {
  (void)frac;
  fprintf(stderr, "  [cpu %6.1f s] %s\n", (double)(clock() - *(const clock_t *)user) / CLOCKS_PER_SEC, msg);
  return 1;   /* continue */
}

/* The stages of a staged run: cumulative budgets (work, iterations) and
 * what each used, the components pruned before it, its final loss. */
static void print_stages(const pv_gp_optim_result *r) {
  for (int k = 0; k < r->stages; k++) {
    const pv_gp_stage_record *s = &r->stage[k];
    printf("  # stage %d: budget work %ld iters %d; used work %ld iters %d evals %d; pruned %d%s;"
           " restarts %d; stop %d; loss %.10e\n", k + 1, s->work_limit, s->iter_limit, s->work,
           s->iterations, s->evaluations, s->pruned, s->undone ? " (undone)" : "", s->restarts,
           s->stop_reason, s->loss);
  }
}

static int run_one(const pv_gp_benchmark *b, pv_gp_kernel_kind kind, const args *a,
                   double *err, double *secs, int *iters, double split[2], long *pcg, int *evals,
                   double *cpu, pv_gp_run_result *out) {
  pv_gp_run_options o = PV_GP_RUN_OPTIONS_INIT;
  o.kind = kind;
  if (a->n > 0) o.n[0] = o.n[1] = a->n;
  o.coarse_n = a->coarse;
  o.profile = a->joint ? 0 : -1;
  o.optim.method = a->adam ? PV_GP_ADAM : PV_GP_LBFGS;
  o.optim.max_iter = a->iters;
  o.optim.max_time = a->time;
  o.optim.fix_noise = a->fixnoise;
  o.init = a->init;
  if (a->jitter > 0) o.jitter = a->jitter;
  /* 1-D L-BFGS defaults (pv_gp_benchmark_run): noise cap 20, pruning gap 5,
   * log-weight bound 6, grid bounds; --plain: none of them */
  if (a->cap > 0) o.optim.noise_cap = a->cap;
  if (a->prune > 0) o.optim.prune_gap = a->prune;
  if (a->wmax > 0) o.optim.log_w_max = a->wmax;
  if (a->share > 0) o.optim.prune_share = a->share;
  if (a->work > 0) o.optim.max_work = a->work;
  o.plain = a->plain;
  layout lay = {(size_t)(a->n > 0 ? a->n : b->n[0]) * (b->dim == 2 ? (size_t)(a->n > 0 ? a->n : b->n[1]) : 1),
                o.q, b->dim};
  if (a->verbose) {
    o.optim.monitor = verbose_monitor;
    o.optim.monitor_every = a->every;
    o.optim.user = &lay;
  }
  pv_gp_run_result r;
  clock_t c0 = clock();
  struct timespec w0, w1;
  timespec_get(&w0, TIME_UTC);
  pv_ctx *ctx = NULL;
  if (a->verbose && pv_ctx_create(&ctx) == 0) pv_ctx_set_progress(ctx, verbose_progress, &c0);
  int st = pv_gp_benchmark_run(ctx, b, &o, NULL, NULL, NULL, &r);
  pv_ctx_destroy(&ctx);
  *cpu = (double)(clock() - c0) / CLOCKS_PER_SEC;
  timespec_get(&w1, TIME_UTC);
  if (!st) {
    /* wall time of the whole run: set-up and the first U solves included */
    *err = r.optim.rel_l2; *iters = r.optim.iterations;
    *secs = (double)(w1.tv_sec - w0.tv_sec) + 1e-9 * (double)(w1.tv_nsec - w0.tv_nsec);
    *pcg = r.optim.pcg_iterations;
    *evals = r.optim.evaluations;
    *out = r;
    split[0] = r.optim.solve_seconds / r.optim.seconds;
    split[1] = r.optim.loss_seconds / r.optim.seconds;
    if (a->verbose)
      fprintf(stderr, "  stop %d, %d evaluations, loss %.10e, U %s\n", r.optim.stop_reason,
              r.optim.evaluations, r.optim.loss, r.profiled ? "profiled" : "joint");
  } else {
    fprintf(stderr, "%s/%s: %s\n", b->name, pv_gp_kernel_kind_name(kind), pv_error_message());
  }
  return st;
}

int main(int argc, char **argv) {
  args a = {NULL, "stm,gm,se,matern", 2000, 0, 0, 0, 0, 10, 0, 0, PV_GP_INIT_AUTO, -1, 60.0, 0.0, -1.0,
            -1.0, -1.0, -1.0, 0};
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--only") && i + 1 < argc) a.only = argv[++i];
    else if (!strcmp(argv[i], "--kernels") && i + 1 < argc) a.kernels = argv[++i];
    else if (!strcmp(argv[i], "--iters") && i + 1 < argc) a.iters = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--time") && i + 1 < argc) a.time = atof(argv[++i]);
    else if (!strcmp(argv[i], "--n") && i + 1 < argc) a.n = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--coarse") && i + 1 < argc) a.coarse = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--method") && i + 1 < argc) a.adam = !strcmp(argv[++i], "adam");
    else if (!strcmp(argv[i], "--joint")) a.joint = 1;
    else if (!strcmp(argv[i], "--fix-noise")) a.fixnoise = 1;
    else if (!strcmp(argv[i], "--fix-v")) a.fixnoise = 2;
    else if (!strcmp(argv[i], "--init") && i + 1 < argc) {
      const char *v = argv[++i];
      a.init = !strcmp(v, "spectral") ? PV_GP_INIT_SPECTRAL : !strcmp(v, "reference") ? PV_GP_INIT_REFERENCE
               : PV_GP_INIT_AUTO;
    }
    else if (!strcmp(argv[i], "--plain")) a.plain = 1;
    else if (!strcmp(argv[i], "--jitter") && i + 1 < argc) a.jitter = atof(argv[++i]);
    else if (!strcmp(argv[i], "--cap") && i + 1 < argc) a.cap = atof(argv[++i]);
    else if (!strcmp(argv[i], "--prune") && i + 1 < argc) a.prune = atof(argv[++i]);
    else if (!strcmp(argv[i], "--wmax") && i + 1 < argc) a.wmax = atof(argv[++i]);
    else if (!strcmp(argv[i], "--share") && i + 1 < argc) a.share = atof(argv[++i]);
    else if (!strcmp(argv[i], "--work") && i + 1 < argc) a.work = atol(argv[++i]);
    else if (!strcmp(argv[i], "--verbose")) a.verbose = 1;
    else if (!strcmp(argv[i], "--every") && i + 1 < argc) a.every = atoi(argv[++i]);
    else { fprintf(stderr, "usage: see tests/bench/gp/README.md\n"); return 2; }
  }
  if (pv_init() != 0) return 1;
  printf("%-24s %-6s %10s %10s %8s %7s %6s %8s %6s %5s %6s %7s %7s %6s\n", "benchmark", "kernel",
         "ours", "reference", "ratio", "seconds", "cpu_s", "ref_s", "iters", "evals", "work", "pcg_it",
         "solveU%", "loss%");
  for (int i = 0; i < pv_gp_benchmark_count(); i++) {
    const pv_gp_benchmark *b = pv_gp_benchmark_get(i);
    if (a.only && !strstr(b->name, a.only)) continue;
    char buf[64];
    snprintf(buf, sizeof buf, "%s", a.kernels);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
      pv_gp_kernel_kind kind;
      if (pv_gp_kernel_kind_parse(tok, &kind)) { fprintf(stderr, "%s\n", pv_error_message()); return 2; }
      double err = NAN, secs = NAN, split[2] = {NAN, NAN}, cpu = NAN;
      int it = 0, ev = 0;
      long pcg = 0;
      pv_gp_run_result rr;
      memset(&rr, 0, sizeof rr);
      run_one(b, kind, &a, &err, &secs, &it, split, &pcg, &ev, &cpu, &rr);
      const pv_gp_optim_result *r = &rr.optim;
      char rs[16] = "-";
      if (b->ref_seconds[kind] > 0) snprintf(rs, sizeof rs, "%.0f", b->ref_seconds[kind]);
      printf("%-24s %-6s %10.3e %10.3e %8.2f %7.1f %6.1f %8s %6d %5d %6ld %7ld %7.0f %6.0f\n",
             b->name, tok, err, b->ref_err[kind], err / b->ref_err[kind], secs, cpu, rs, it, ev,
             r->work, pcg, 100 * split[0], 100 * split[1]);
      if (b->dim == 2 && isfinite(err))
        printf("  # start: %s initialisation, coarse grid %d (0: none)\n",
               rr.init == PV_GP_INIT_SPECTRAL ? "spectral" : "reference", rr.coarse_n);
      print_stages(r);
      fflush(stdout);
    }
  }
  return 0;
}
