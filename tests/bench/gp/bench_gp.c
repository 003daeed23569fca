/* bench_gp.c - the paper's eleven benchmarks: our GP-HM (GM and StM kernels)
 * and the SE / Matern baselines, run in this invocation, beside the
 * reference's logged errors (the reference needs JAX and cannot run here).
 * Error: relative L2 of the final iterate on the 300-per-axis test grid.
 *   bench_gp [--only NAME] [--kernels gm,stm,se,matern] [--iters N]
 *            [--time SEC] [--n N] [--method lbfgs|adam] [--joint] [--verbose] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <parseval/parseval.h>
#include <parseval/gp.h>

typedef struct {
  const char *only, *kernels;
  int iters, n, adam, joint, verbose, every, fixnoise;
  double time;
} args;

typedef struct { pv_gp_model *m; const double *exact; int nt[2]; size_t Mt; } watch;

static double rel_error(pv_gp_model *m, const double *p, const double *exact, const int nt[],
                        size_t Mt) {
  double *u = malloc(Mt * sizeof(double)), num = 0, den = 0;
  if (!u || pv_gp_model_predict(m, p, nt, u)) { free(u); return NAN; }
  for (size_t i = 0; i < Mt; i++) {
    num += (u[i] - exact[i]) * (u[i] - exact[i]);
    den += exact[i] * exact[i];
  }
  free(u);
  return sqrt(num / den);
}

static int verbose_monitor(int iter, double loss, const double *p, void *user) {
  watch *w = user;
  size_t np = pv_gp_model_nparams(w->m);
  fprintf(stderr, "  iter %5d loss %.10e err %.3e log tau %.2f log v %.2f\n", iter, loss,
          rel_error(w->m, p, w->exact, w->nt, w->Mt), p[np - 2], p[np - 1]);
  return 0;
}

static int run_one(const pv_gp_benchmark *b, pv_gp_kernel_kind kind, const args *a,
                   double *err, double *secs, int *iters) {
  int n[2] = {b->n[0], b->n[1]}, nt[2] = {300, 300};
  if (a->n > 0) n[0] = n[1] = a->n;
  size_t M = (size_t)n[0] * (b->dim == 2 ? (size_t)n[1] : 1);
  size_t Mt = (size_t)nt[0] * (b->dim == 2 ? (size_t)nt[1] : 1);
  double *f = malloc(M * sizeof(double)), *ub = malloc(M * sizeof(double));
  double *ex = malloc(Mt * sizeof(double)), *p = NULL;
  pv_gp_model *m = NULL;
  pv_gp_problem pr;
  int st = pv_gp_benchmark_problem(b, n, f, ub, &pr);
  if (!st) st = pv_gp_benchmark_fields(b, nt, ex, NULL);
  pv_gp_model_options mo = PV_GP_MODEL_OPTIONS_INIT;
  mo.kind = kind;
  mo.freq_scale[0] = mo.freq_scale[1] = b->freq_scale;
  mo.lambda_b = b->lambda_b;
  if (!st) st = pv_gp_model_create(&pr, &mo, &m);
  if (!st) {
    p = malloc(pv_gp_model_nparams(m) * sizeof(double));
    st = pv_gp_model_init_params(m, p);
  }
  pv_gp_optim_options oo = PV_GP_OPTIM_OPTIONS_INIT;
  oo.method = a->adam ? PV_GP_ADAM : PV_GP_LBFGS;
  oo.max_iter = a->iters;
  oo.max_time = a->time;
  oo.exact = ex;
  oo.ntest[0] = nt[0];
  oo.ntest[1] = nt[1];
  oo.fix_noise = a->fixnoise;
  oo.profile_u = !a->joint && (b->dim == 1 || M <= 4096);
  watch w = {m, ex, {nt[0], nt[1]}, Mt};
  if (a->verbose) { oo.monitor = verbose_monitor; oo.monitor_every = a->every; oo.user = &w; }
  pv_gp_optim_result r;
  if (!st) st = pv_gp_model_optimize(NULL, m, p, &oo, &r);
  if (!st) { *err = r.rel_l2; *secs = r.seconds; *iters = r.iterations;
    if (a->verbose) fprintf(stderr, "  stop %d, %d evaluations, loss %.10e\n", r.stop_reason, r.evaluations, r.loss); }
  else fprintf(stderr, "%s/%s: %s\n", b->name, pv_gp_kernel_kind_name(kind), pv_error_message());
  pv_gp_model_destroy(&m);
  free(f); free(ub); free(ex); free(p);
  return st;
}

int main(int argc, char **argv) {
  args a = {NULL, "stm,gm,se,matern", 2000, 0, 0, 0, 0, 10, 0, 60.0};
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--only") && i + 1 < argc) a.only = argv[++i];
    else if (!strcmp(argv[i], "--kernels") && i + 1 < argc) a.kernels = argv[++i];
    else if (!strcmp(argv[i], "--iters") && i + 1 < argc) a.iters = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--time") && i + 1 < argc) a.time = atof(argv[++i]);
    else if (!strcmp(argv[i], "--n") && i + 1 < argc) a.n = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--method") && i + 1 < argc) a.adam = !strcmp(argv[++i], "adam");
    else if (!strcmp(argv[i], "--joint")) a.joint = 1;
    else if (!strcmp(argv[i], "--fix-noise")) a.fixnoise = 1;
    else if (!strcmp(argv[i], "--verbose")) a.verbose = 1;
    else if (!strcmp(argv[i], "--every") && i + 1 < argc) a.every = atoi(argv[++i]);
    else { fprintf(stderr, "usage: see tests/bench/gp/README.md\n"); return 2; }
  }
  if (pv_init() != 0) return 1;
  printf("%-26s %-6s %10s %10s %8s %6s %8s\n", "benchmark", "kernel", "ours", "reference",
         "ratio", "iters", "seconds");
  for (int i = 0; i < pv_gp_benchmark_count(); i++) {
    const pv_gp_benchmark *b = pv_gp_benchmark_get(i);
    if (a.only && !strstr(b->name, a.only)) continue;
    char buf[64];
    snprintf(buf, sizeof buf, "%s", a.kernels);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
      pv_gp_kernel_kind kind;
      if (pv_gp_kernel_kind_parse(tok, &kind)) { fprintf(stderr, "%s\n", pv_error_message()); return 2; }
      double err = NAN, secs = NAN;
      int it = 0;
      run_one(b, kind, &a, &err, &secs, &it);
      printf("%-26s %-6s %10.3e %10.3e %8.2f %6d %8.1f\n", b->name, tok, err, b->ref_err[kind],
             err / b->ref_err[kind], it, secs);
      fflush(stdout);
    }
  }
  return 0;
}
