/* bench_fno2d.c - FNO-2D training step and inference times (the peer
 * fno2d_bench.py's measurements): float32, modes/width/batch/n as given.
 * Usage: bench_fno2d [--modes 12] [--width 20] [--batch 20] [--n 64]
 *                    [--rollout 10] [--reps 7] [--threads 2]
 * Prints one line with the same keys as the peer. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <parseval/alloc.h>
#include <parseval/core.h>
#include <parseval/ctx.h>
#include <parseval/error.h>
#include <parseval/nn.h>
#include <parseval/rng.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *t, int n) {
  qsort(t, (size_t)n, sizeof *t, cmp);
  return n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

static int die(const char *what) {
  fprintf(stderr, "bench_fno2d: %s: %s\n", what, pv_error_message());
  return 1;
}

int main(int argc, char **argv) {
  int modes = 12, width = 20, batch = 20, n = 64, rollout = 10, reps = 7, threads = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    int v = atoi(argv[i + 1]);
    if (!strcmp(argv[i], "--modes")) modes = v;
    else if (!strcmp(argv[i], "--width")) width = v;
    else if (!strcmp(argv[i], "--batch")) batch = v;
    else if (!strcmp(argv[i], "--n")) n = v;
    else if (!strcmp(argv[i], "--rollout")) rollout = v;
    else if (!strcmp(argv[i], "--reps")) reps = v;
    else if (!strcmp(argv[i], "--threads")) threads = v;
    else { fprintf(stderr, "bench_fno2d: unknown option %s\n", argv[i]); return 2; }
  }
  if (reps < 1 || reps > 100) reps = 7;
  pv_ctx *ctx = NULL;
  if (pv_init() || pv_ctx_create(&ctx) || pv_ctx_set_threads(ctx, threads)) return die("init");
  pv_nn_fno2d_config c = PV_NN_FNO2D_CONFIG_INIT;
  c.modes = modes; c.width = width; c.n = n; c.max_batch = batch;
  c.rigor = PV_FFT_MEASURE;
  pv_nn_fno2d *m = NULL;
  if (pv_nn_fno2d_create(ctx, PV_F32, &c, &m)) return die("model");
  const size_t S = (size_t)n * n;
  float *x0 = pv_malloc((size_t)batch * c.t_in * S * sizeof *x0);
  float *y = pv_malloc((size_t)batch * rollout * S * sizeof *y);
  float *out = pv_malloc((size_t)batch * S * sizeof *out);
  pv_rng r;
  pv_rng_init(&r, 0, 0);
  for (size_t k = 0; k < (size_t)batch * c.t_in * S; k++) x0[k] = (float)pv_rng_normal(&r);
  for (size_t k = 0; k < (size_t)batch * rollout * S; k++) y[k] = (float)pv_rng_normal(&r);
  pv_nn_param *ps;
  int np;
  size_t nreal;
  pv_nn_fno2d_params(m, &ps, &np);
  pv_nn_fno2d_flat(m, NULL, NULL, &nreal);
  pv_nn_adam_options ao = PV_NN_ADAM_OPTIONS_INIT;
  ao.weight_decay = 1e-4;
  pv_nn_adam *opt = NULL;
  if (pv_nn_adam_create(&ao, ps, np, &opt)) return die("adam");
  double t1[100], tr[100], ti1[500], tib[100], loss = 0;
  /* one model call: fwd + bwd + Adam */
  for (int i = -2; i < reps; i++) {
    double t0 = now();
    pv_nn_fno2d_zero_grad(m);
    if (pv_nn_fno2d_rollout(m, batch, 1, x0, y, PV_NN_REDUCE_SUM, 1, &loss, NULL) ||
        pv_nn_adam_step(opt))
      return die("train step");
    if (i >= 0) t1[i] = now() - t0;
  }
  const int rr = reps / 2 > 3 ? reps / 2 : 3;
  for (int i = -1; i < rr; i++) {
    double t0 = now();
    pv_nn_fno2d_zero_grad(m);
    if (pv_nn_fno2d_rollout(m, batch, rollout, x0, y, PV_NN_REDUCE_SUM, 1, &loss, NULL) ||
        pv_nn_adam_step(opt))
      return die("rollout step");
    if (i >= 0) tr[i] = now() - t0;
  }
  for (int i = -2; i < reps * 5; i++) {
    double t0 = now();
    if (pv_nn_fno2d_forward(m, 1, x0, out)) return die("inference");
    if (i >= 0) ti1[i] = now() - t0;
  }
  for (int i = -2; i < reps; i++) {
    double t0 = now();
    if (pv_nn_fno2d_forward(m, batch, x0, out)) return die("inference");
    if (i >= 0) tib[i] = now() - t0;
  }
  double s1 = median(t1, reps), sr = median(tr, rr), i1 = median(ti1, reps * 5),
         ib = median(tib, reps);
  printf("parseval_fno2d n=%d modes=%d width=%d t_in=%d batch=%d threads=%d params=%zu "
         "train_step_1call_ms=%.1f train_step_rollout%d_ms=%.1f epoch_est_s(N=1000,rollout%d)=%.1f "
         "infer_1call_bs1_ms=%.2f infer_1call_per_sample_bs%d_ms=%.2f loss=%.4g\n",
         n, modes, width, c.t_in, batch, threads, nreal, s1 * 1e3, rollout, sr * 1e3, rollout,
         sr * 1000 / batch, i1 * 1e3, batch, ib * 1e3 / batch, loss);
  pv_nn_adam_destroy(&opt);
  pv_nn_fno2d_destroy(&m);
  pv_free(x0); pv_free(y); pv_free(out);
  pv_ctx_destroy(&ctx);
  return 0;
}
