/* bench_fft - timings of the FFT layer (run by run_bench.sh, see README.md).
 *
 *   bench_fft overhead R      pv_fft_execute against a raw FFTW call on the
 *                             SAME FFTW plan (checked with fftw_sprint_plan):
 *                             medians over R interleaved blocks per case and
 *                             the median of the paired per-block ratios
 *   bench_fft ns N B R        batched 2D r2c and c2r of B fields N x N, float,
 *                             1 thread, MEASURE, packed layout: the workload
 *                             of ../shared/peers/ns/fftw_floor.c, printed in
 *                             its format (median of R repetitions)
 *   bench_fft conv N B C M R  FNO-2D spectral-conv forward (B x C spectra of
 *                             N x N, modes M, width C -> C, float)
 *
 * This program calls FFTW directly only to measure the layer against it. */
#include <fftw3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <parseval/parseval.h>
#include <parseval/fft.h>
#include <parseval/spectral.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp);
  return v[n / 2];
}

static void die(const char *what) {
  fprintf(stderr, "bench_fft: %s: %s\n", what, pv_error_message());
  exit(1);
}

/* One overhead case: r2c of B fields of shape n (rank r), float. */
static void overhead_case(int rank, const int *n, int B, int R) {
  pv_fft_options o = PV_FFT_OPTIONS_INIT; /* MEASURE */
  pv_fft_plan *p = NULL;
  if (pv_fft_plan_create(NULL, PV_F32, PV_FFT_R2C, rank, n, B, &o, &p)) die("plan");
  pv_fft_info info = {.struct_size = sizeof info};
  pv_fft_plan_info(p, &info);
  float *x = pv_malloc(info.in_bytes);
  fftwf_complex *X = pv_malloc(info.out_bytes);
  for (size_t i = 0; i < info.in_count; i++) x[i] = (float)((i * 7919) % 1000) / 1000.0f - 0.5f;
  /* The raw plan: same problem and flags; FFTW's wisdom from our planning
   * makes it the same algorithm, which we check. */
  fftwf_plan raw = fftwf_plan_many_dft_r2c(rank, n, B, x, NULL, 1, (int)(info.in_count / B), X,
                                           NULL, 1, (int)(info.out_count / B), FFTW_MEASURE);
  char *ours = NULL, *theirs = fftwf_sprint_plan(raw);
  pv_fft_plan_describe(p, &ours);
  int same = ours && theirs && strcmp(ours, theirs) == 0;
  /* Repeat each call K times per block so a block lasts about 2 ms. */
  double t0 = now();
  fftwf_execute(raw);
  double one = now() - t0;
  int K = one > 2e-3 ? 1 : (int)(2e-3 / (one > 1e-7 ? one : 1e-7));
  double *to = malloc(sizeof(double) * R), *tr = malloc(sizeof(double) * R);
  for (int r = 0; r < R; r++) { /* interleaved, alternating which goes first */
    for (int half = 0; half < 2; half++) {
      int mine = (r + half) & 1;
      double a = now();
      if (mine)
        for (int k = 0; k < K; k++) pv_fft_execute(p, x, X);
      else
        for (int k = 0; k < K; k++) fftwf_execute_dft_r2c(raw, x, X);
      double t = (now() - a) / K;
      if (mine) to[r] = t;
      else tr[r] = t;
    }
  }
  double *ratio = malloc(sizeof(double) * R);
  for (int r = 0; r < R; r++) ratio[r] = to[r] / tr[r];
  double rat = median(ratio, R); /* paired: robust to load drifting between blocks */
  free(ratio);
  double mo = median(to, R), mr = median(tr, R);
  char shape[64];
  if (rank == 1) snprintf(shape, sizeof shape, "%d", n[0]);
  else snprintf(shape, sizeof shape, "%dx%d", n[0], n[1]);
  printf("overhead r2c f32 %-8s batch=%-3d ours_us=%9.3f raw_fftw_us=%9.3f "
         "median_paired_ratio=%.4f overhead=%+.2f%% same_plan=%s\n",
         shape, B, mo * 1e6, mr * 1e6, rat, 100.0 * (rat - 1.0), same ? "yes" : "NO");
  free(to);
  free(tr);
  free(theirs);
  pv_free(ours);
  pv_free(x);
  pv_free(X);
  fftwf_destroy_plan(raw);
  pv_fft_plan_destroy(&p);
}

static void ns_case(int N, int B, int R) {
  int n[2] = {N, N};
  pv_fft_options o = PV_FFT_OPTIONS_INIT; /* MEASURE, 1 thread (ctx NULL) */
  pv_fft_plan *pf = NULL, *pb = NULL;
  if (pv_fft_plan_create(NULL, PV_F32, PV_FFT_R2C, 2, n, B, &o, &pf) ||
      pv_fft_plan_create(NULL, PV_F32, PV_FFT_C2R, 2, n, B, &o, &pb))
    die("plan");
  size_t nr = (size_t)B * N * N, nc = (size_t)B * N * (N / 2 + 1);
  float *x = pv_malloc(nr * sizeof(float));
  float *X = pv_malloc(2 * nc * sizeof(float));
  srand(1);
  for (size_t i = 0; i < nr; i++) x[i] = (float)rand() / (float)RAND_MAX - 0.5f;
  double *tf = malloc(sizeof(double) * R), *tb = malloc(sizeof(double) * R);
  const float scale = 1.0f / (float)(N * N);
  for (int r = 0; r < R; r++) {
    double t0 = now();
    pv_fft_execute(pf, x, X);
    double t1 = now();
    pv_fft_execute(pb, X, x);
    double t2 = now();
    tf[r] = t1 - t0;
    tb[r] = t2 - t1;
    for (size_t i = 0; i < nr; i++) x[i] *= scale;
  }
  double f = median(tf, R), b = median(tb, R);
  printf("parseval_fft N=%d batch=%d threads=1 r2c_ms=%.4f c2r_ms=%.4f ns_step_floor_ms=%.4f "
         "(1 r2c+4 c2r) per_field_r2c_us=%.2f per_field_c2r_us=%.2f\n",
         N, B, f * 1e3, b * 1e3, (f + 4 * b) * 1e3, f * 1e6 / B, b * 1e6 / B);
  free(tf);
  free(tb);
  pv_free(x);
  pv_free(X);
  pv_fft_plan_destroy(&pf);
  pv_fft_plan_destroy(&pb);
}

/* FNO-2D spectral conv (forward) on B x C spectra of N x N, modes M, float. */
static void conv_case(int N, int B, int C, int M, int R) {
  pv_spectral_conv c = {sizeof c, PV_F32, 2, {N, N, 0}, {M, M, 0}, B, C, C, 1};
  size_t nw = 0, spec = (size_t)N * (N / 2 + 1);
  if (pv_spectral_conv_weight_count(&c, &nw)) die("conv");
  float *X = pv_malloc(2 * spec * B * C * sizeof(float)), *Y = pv_malloc(2 * spec * B * C * sizeof(float));
  float *W = pv_malloc(2 * nw * sizeof(float));
  for (size_t i = 0; i < 2 * spec * B * C; i++) X[i] = (float)((i * 7919) % 1000) / 1000.0f;
  for (size_t i = 0; i < 2 * nw; i++) W[i] = (float)((i * 104729) % 1000) / 1000.0f;
  double *t = malloc(sizeof(double) * R);
  for (int r = 0; r < R; r++) {
    double a = now();
    pv_spectral_conv_forward(&c, X, W, Y);
    t[r] = now() - a;
  }
  printf("parseval_spectral_conv N=%d batch=%d width=%d modes=%d forward_ms=%.4f\n", N, B, C, M,
         median(t, R) * 1e3);
  free(t);
  pv_free(X);
  pv_free(Y);
  pv_free(W);
}

int main(int argc, char **argv) {
  if (pv_init()) die("pv_init");
  if (argc >= 3 && strcmp(argv[1], "overhead") == 0) {
    int R = atoi(argv[2]);
    int n1 = 64, n1b = 256, n2[2] = {64, 64}, n3[2] = {256, 256};
    overhead_case(1, &n1, 1, R);
    overhead_case(1, &n1b, 1, R);
    overhead_case(2, n2, 1, R);
    overhead_case(2, n2, 20, R);
    overhead_case(2, n3, 1, R);
    return 0;
  }
  if (argc >= 5 && strcmp(argv[1], "ns") == 0) {
    ns_case(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
    return 0;
  }
  if (argc >= 7 && strcmp(argv[1], "conv") == 0) {
    conv_case(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), atoi(argv[5]), atoi(argv[6]));
    return 0;
  }
  fprintf(stderr, "usage: bench_fft overhead R | bench_fft ns N B R | bench_fft conv N B C M R\n");
  return 2;
}
