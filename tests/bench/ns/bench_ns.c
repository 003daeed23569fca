/* bench_ns: time per step of the NS solver (FNO reference scheme by default)
 * for a batch of fields, beside the FFT floor of the same step (1 r2c + 4 c2r
 * per field through the FFT layer = FFTW, same precision, threads and rigor)
 * measured in the same run. Prints one key=value line.
 * Wall-clock figures (step_ms, fft_floor_ms) and process CPU time (cpu_*:
 * steadier on a loaded machine; summed over threads) are both printed.
 * usage: bench_ns N BATCH STEPS REPS THREADS f32|f64 [fno|cnab2|ifrk4] */
#include <parseval/parseval.h>
#include <parseval/fft.h>
#include <parseval/ns.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* CPU seconds of the whole process (all threads): under a loaded machine
 * this counts only the time we actually ran, a steadier A/B measure. */
static double cpu(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmpd(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmpd);
  return v[n / 2];
}

/* Floor: one r2c + four c2r of each field, batched as the solver batches them
 * (one field per thread, single-thread FFTW, when batch >= threads). */
typedef struct floor_ws {
  pv_fft_plan *r2c, *c2r;
  int per_thread, nw, batch, threads;
  char **re, **sp;
} floor_ws;

static void floor_init(floor_ws *f, pv_ctx *ctx, int n, int batch, int threads, pv_dtype prec) {
  int nn[2] = {n, n};
  f->per_thread = batch >= threads && threads > 1;
  f->batch = batch;
  f->threads = threads;
  pv_fft_options fo = PV_FFT_OPTIONS_INIT;
  fo.threads = f->per_thread ? 1 : threads;
  size_t rs = prec == PV_F64 ? 8 : 4, N = (size_t)n * n, M = (size_t)n * (n / 2 + 1);
  if (pv_fft_plan_create(ctx, prec, PV_FFT_R2C, 2, nn, 1, &fo, &f->r2c) ||
      pv_fft_plan_create(ctx, prec, PV_FFT_C2R, 2, nn, 4, &fo, &f->c2r)) {
    fprintf(stderr, "bench_ns: %s\n", pv_error_message());
    exit(1);
  }
  f->nw = f->per_thread ? threads : 1;
  f->re = calloc((size_t)f->nw, sizeof *f->re);
  f->sp = calloc((size_t)f->nw, sizeof *f->sp);
  for (int i = 0; i < f->nw; i++) {
    f->re[i] = pv_calloc(4 * N, rs);
    f->sp[i] = pv_calloc(8 * M, rs);
  }
}

/* Seconds for `steps` floor steps of the whole batch (fields outermost, as
 * the solver runs them: one parallel region per call). */
static double floor_run(floor_ws *f, int steps) {
  double t0 = now();
  if (f->per_thread) {
#pragma omp parallel for num_threads(f->threads) schedule(static)
    for (int b = 0; b < f->batch; b++) {
      int id = 0;
#ifdef _OPENMP
      id = omp_get_thread_num();
#endif
      for (int s = 0; s < steps; s++) {
        pv_fft_execute(f->c2r, f->sp[id], f->re[id]);
        pv_fft_execute(f->r2c, f->re[id], f->sp[id]);
      }
    }
  } else {
    for (int b = 0; b < f->batch; b++)
      for (int s = 0; s < steps; s++) {
        pv_fft_execute(f->c2r, f->sp[0], f->re[0]);
        pv_fft_execute(f->r2c, f->re[0], f->sp[0]);
      }
  }
  return now() - t0;
}

static void floor_free(floor_ws *f) {
  for (int i = 0; i < f->nw; i++) {
    pv_free(f->re[i]);
    pv_free(f->sp[i]);
  }
  free(f->re);
  free(f->sp);
  pv_fft_plan_destroy(&f->r2c);
  pv_fft_plan_destroy(&f->c2r);
}

int main(int argc, char **argv) {
  if (argc < 7) {
    fprintf(stderr, "usage: bench_ns N BATCH STEPS REPS THREADS f32|f64 [fno|cnab2|ifrk4]\n");
    return 2;
  }
  int n = atoi(argv[1]), batch = atoi(argv[2]), steps = atoi(argv[3]), reps = atoi(argv[4]);
  int threads = atoi(argv[5]);
  pv_dtype prec = strcmp(argv[6], "f32") == 0 ? PV_F32 : PV_F64;
  pv_ns_options o = PV_NS_OPTIONS_INIT;
  if (argc > 7 && pv_ns_scheme_parse(argv[7], &o.scheme)) return 2;
  o.n = n;
  o.batch = batch;
  o.precision = prec;
  o.dt = 1e-4;
  o.nu = 1e-3;
  pv_ctx *ctx;
  pv_ctx_create(&ctx);
  pv_ctx_set_threads(ctx, threads);
  pv_ns_solver *s;
  if (pv_ns_solver_create(ctx, &o, &s)) {
    fprintf(stderr, "bench_ns: %s\n", pv_error_message());
    return 1;
  }
  for (int b = 0; b < batch; b++) pv_ns_set_grf(s, b, 1, (uint64_t)b);
  pv_ns_step(s, 5); /* warm-up */
  floor_ws fw;
  floor_init(&fw, ctx, n, batch, threads, prec);
  floor_run(&fw, 2);
  /* solver and floor alternate, so that load changes hit both alike */
  double *t = malloc(sizeof(double) * (size_t)reps), *tf = malloc(sizeof(double) * (size_t)reps);
  double *c = malloc(sizeof(double) * (size_t)reps), *cf = malloc(sizeof(double) * (size_t)reps);
  for (int r = 0; r < reps; r++) {
    double t0 = now(), c0 = cpu();
    if (pv_ns_step(s, steps)) {
      fprintf(stderr, "bench_ns: %s\n", pv_error_message());
      return 1;
    }
    t[r] = (now() - t0) / steps;
    c[r] = (cpu() - c0) / steps;
    c0 = cpu();
    tf[r] = floor_run(&fw, steps) / steps;
    cf[r] = (cpu() - c0) / steps;
  }
  double step = median(t, reps), floor_ = median(tf, reps);
  double cstep = median(c, reps), cfloor = median(cf, reps);
  free(c);
  free(cf);
  floor_free(&fw);
  free(tf);
  int evals = o.scheme == PV_NS_SCHEME_IFRK4 ? 4 : 1;
  printf("parseval_ns n=%d batch=%d dtype=%s scheme=%s threads=%d step_ms=%.4f "
         "fft_floor_ms=%.4f step_over_floor=%.3f cpu_step_ms=%.4f cpu_floor_ms=%.4f "
         "cpu_step_over_floor=%.3f\n",
         n, batch, pv_dtype_name(prec), pv_ns_scheme_name(o.scheme), threads, step * 1e3,
         floor_ * evals * 1e3, step / (floor_ * evals), cstep * 1e3, cfloor * evals * 1e3,
         cstep / (cfloor * evals));
  free(t);
  pv_ns_solver_destroy(&s);
  pv_ctx_destroy(&ctx);
  return 0;
}
