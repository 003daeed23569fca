/* FFT layer: analytic transforms, batched layouts, Parseval / linearity /
 * shift, the plan cache, alignment and in-place fallbacks, wisdom files,
 * reproducible mode across processes, threads, and bad input. */
#include "pv_test.h"

#include <pthread.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <parseval/fft.h>
#if defined(_OPENMP)
#include <omp.h>
#endif

extern char **environ;
static const double TWO_PI = 6.283185307179586476925286766559;

static pv_fft_options opts_estimate(void) {
  pv_fft_options o = PV_FFT_OPTIONS_INIT;
  o.rigor = PV_FFT_ESTIMATE;
  return o;
}

/* 1D r2c of a*cos(2 pi p j/n) + b*sin(2 pi q j/n) + c: X_0 = c n, X_p = a n/2,
 * X_q = -i b n/2, everything else 0. Both precisions, odd and even n. */
static void check_r2c_1d(pv_dtype prec, int n, double tol) {
  const int p = 3, q = 5, nh = n / 2 + 1, howmany = 2;
  pv_fft_options o = opts_estimate();
  pv_fft_plan *plan = NULL;
  CHECK_OK(pv_fft_plan_create(NULL, prec, PV_FFT_R2C, 1, &n, howmany, &o, &plan));
  if (!plan) return;
  const int f64 = prec == PV_F64;
  size_t rs = f64 ? sizeof(double) : sizeof(float);
  void *x = pv_malloc(rs * (size_t)n * howmany), *X = pv_malloc(2 * rs * (size_t)nh * howmany);
  for (int b = 0; b < howmany; b++)
    for (int j = 0; j < n; j++) {
      double v = (b + 1) * (2.0 * cos(TWO_PI * p * j / n) + 0.5 * sin(TWO_PI * q * j / n) + 0.25);
      if (f64) ((double *)x)[b * n + j] = v;
      else ((float *)x)[b * n + j] = (float)v;
    }
  CHECK_OK(pv_fft_execute(plan, x, X));
  for (int b = 0; b < howmany; b++)
    for (int k = 0; k < nh; k++) {
      double re = f64 ? ((double *)X)[2 * (b * nh + k)] : ((float *)X)[2 * (b * nh + k)];
      double im = f64 ? ((double *)X)[2 * (b * nh + k) + 1] : ((float *)X)[2 * (b * nh + k) + 1];
      double ere = (b + 1) * (k == 0 ? 0.25 * n : k == p ? 1.0 * n : 0.0);
      double eim = (b + 1) * (k == q ? -0.25 * n : 0.0);
      CHECK_NEAR(re, ere, tol * n);
      CHECK_NEAR(im, eim, tol * n);
    }
  pv_free(x);
  pv_free(X);
  pv_fft_plan_destroy(&plan);
  CHECK(plan == NULL);
}

static void test_analytic_1d(void) {
  check_r2c_1d(PV_F64, 16, 1e-15);
  check_r2c_1d(PV_F64, 15, 1e-15);
  check_r2c_1d(PV_F32, 32, 1e-6);
  check_r2c_1d(PV_F32, 21, 1e-6);
}

/* 3D plane wave e^{2 pi i (a x + b y + c z)} through c2c: a single spike of
 * height N at (a, b, c) mod n; the backward transform returns N times it. */
static void test_analytic_3d_c2c(void) {
  int n[3] = {6, 8, 5};
  const int a = 2, b = -3, c = 1;
  const size_t N = 6 * 8 * 5;
  pv_fft_options o = opts_estimate();
  pv_fft_plan *fw = NULL, *bw = NULL;
  CHECK_OK(pv_fft_plan_create(NULL, PV_F64, PV_FFT_C2C_FORWARD, 3, n, 1, &o, &fw));
  CHECK_OK(pv_fft_plan_create(NULL, PV_F64, PV_FFT_C2C_BACKWARD, 3, n, 1, &o, &bw));
  double *x = pv_malloc(2 * N * sizeof(double)), *X = pv_malloc(2 * N * sizeof(double));
  double *y = pv_malloc(2 * N * sizeof(double));
  for (int i = 0; i < n[0]; i++)
    for (int j = 0; j < n[1]; j++)
      for (int k = 0; k < n[2]; k++) {
        double ph = TWO_PI * ((double)a * i / n[0] + (double)b * j / n[1] + (double)c * k / n[2]);
        size_t idx = ((size_t)i * n[1] + j) * n[2] + k;
        x[2 * idx] = cos(ph);
        x[2 * idx + 1] = sin(ph);
      }
  CHECK_OK(pv_fft_execute(fw, x, X));
  for (int i = 0; i < n[0]; i++)
    for (int j = 0; j < n[1]; j++)
      for (int k = 0; k < n[2]; k++) {
        size_t idx = ((size_t)i * n[1] + j) * n[2] + k;
        int spike = i == (a + 6) % 6 && j == (b + 8) % 8 && k == (c + 5) % 5;
        CHECK_NEAR(X[2 * idx], spike ? (double)N : 0.0, 1e-12 * N);
        CHECK_NEAR(X[2 * idx + 1], 0.0, 1e-12 * N);
      }
  CHECK_OK(pv_fft_execute(bw, X, y));
  for (size_t i = 0; i < 2 * N; i++) CHECK_NEAR(y[i], N * x[i], 1e-12 * N);
  pv_free(x);
  pv_free(X);
  pv_free(y);
  pv_fft_plan_destroy(&fw);
  pv_fft_plan_destroy(&bw);
}

/* Deterministic pseudo-random field. */
static void fill(double *x, size_t n, unsigned seed) {
  pv_rng r;
  pv_rng_init(&r, seed, 99);
  for (size_t i = 0; i < n; i++) x[i] = pv_rng_uniform(&r) - 0.5;
}

/* 2D batched r2c/c2r: Parseval (half-spectrum weights), linearity, the shift
 * theorem, and the round trip equal to N times the input. */
static void test_properties_2d(void) {
  int n[2] = {12, 10};
  const int B = 3, nh = n[1] / 2 + 1;
  const size_t N = 120, M = (size_t)n[0] * nh;
  pv_fft_options o = PV_FFT_OPTIONS_INIT; /* MEASURE */
  pv_fft_plan *fw = NULL, *bw = NULL;
  CHECK_OK(pv_fft_plan_create(NULL, PV_F64, PV_FFT_R2C, 2, n, B, &o, &fw));
  CHECK_OK(pv_fft_plan_create(NULL, PV_F64, PV_FFT_C2R, 2, n, B, &o, &bw));
  double *x = pv_malloc(B * N * sizeof(double)), *y = pv_malloc(B * N * sizeof(double));
  double *X = pv_malloc(2 * B * M * sizeof(double)), *Y = pv_malloc(2 * B * M * sizeof(double));
  fill(x, B * N, 1);
  CHECK_OK(pv_fft_execute(fw, x, X));
  for (int b = 0; b < B; b++) { /* Parseval per batch member */
    double e = 0, E = 0;
    for (size_t i = 0; i < N; i++) e += x[b * N + i] * x[b * N + i];
    for (int i = 0; i < n[0]; i++)
      for (int k = 0; k < nh; k++) {
        const double *z = X + 2 * (b * M + (size_t)i * nh + k);
        double w = (k == 0 || 2 * k == n[1]) ? 1.0 : 2.0;
        E += w * (z[0] * z[0] + z[1] * z[1]);
      }
    CHECK_REL(E / N, e, 1e-13);
  }
  /* Linearity: FFT(2 x0 - 3 x1) = 2 X0 - 3 X1 (batch members as inputs). */
  for (size_t i = 0; i < N; i++) y[i] = 2 * x[i] - 3 * x[N + i];
  CHECK_OK(pv_fft_execute(fw, y, Y));
  for (size_t i = 0; i < 2 * M; i++) CHECK_NEAR(Y[i], 2 * X[i] - 3 * X[2 * M + i], 1e-12);
  /* Shift: y(i, j) = x(i - s, j - t) -> Y = X e^{-2 pi i (k s/n0 + l t/n1)}. */
  const int s = 5, t = 3;
  for (int i = 0; i < n[0]; i++)
    for (int j = 0; j < n[1]; j++)
      y[i * n[1] + j] = x[((i - s + n[0]) % n[0]) * n[1] + (j - t + n[1]) % n[1]];
  CHECK_OK(pv_fft_execute(fw, y, Y));
  for (int k = 0; k < n[0]; k++)
    for (int l = 0; l < nh; l++) {
      double ph = -TWO_PI * ((double)k * s / n[0] + (double)l * t / n[1]);
      const double *z = X + 2 * ((size_t)k * nh + l), *w = Y + 2 * ((size_t)k * nh + l);
      CHECK_NEAR(w[0], z[0] * cos(ph) - z[1] * sin(ph), 1e-12);
      CHECK_NEAR(w[1], z[0] * sin(ph) + z[1] * cos(ph), 1e-12);
    }
  /* Round trip. */
  CHECK_OK(pv_fft_execute(bw, X, y));
  for (size_t i = 0; i < B * N; i++) CHECK_NEAR(y[i], N * x[i], 1e-12);
  pv_fft_info info = {.struct_size = sizeof info};
  CHECK_OK(pv_fft_plan_info(fw, &info));
  CHECK(info.N == N && info.in_count == B * N && info.out_count == B * M);
  CHECK(info.out_bytes == 2 * B * M * sizeof(double) && info.kind == PV_FFT_R2C);
  pv_free(x); pv_free(y); pv_free(X); pv_free(Y);
  pv_fft_plan_destroy(&fw);
  pv_fft_plan_destroy(&bw);
}

/* Same request twice: one FFTW plan, a cache hit, the same algorithm. */
static void test_cache_reuse(void) {
  pv_fft_cache_clear();
  int n[2] = {16, 18};
  pv_fft_options o = opts_estimate();
  pv_fft_plan *a = NULL, *b = NULL, *c = NULL;
  CHECK_OK(pv_fft_plan_create(NULL, PV_F32, PV_FFT_R2C, 2, n, 4, &o, &a));
  CHECK_OK(pv_fft_plan_create(NULL, PV_F32, PV_FFT_R2C, 2, n, 4, &o, &b));
  CHECK_OK(pv_fft_plan_create(NULL, PV_F32, PV_FFT_R2C, 2, n, 5, &o, &c));
  pv_fft_cache_stats st = {.struct_size = sizeof st};
  CHECK_OK(pv_fft_cache_stats_get(&st));
  CHECK_EQ_INT(st.entries, 2);
  CHECK_EQ_INT(st.hits, 1);
  CHECK_EQ_INT(st.misses, 2);
  char *da = NULL, *db = NULL;
  CHECK_OK(pv_fft_plan_describe(a, &da));
  CHECK_OK(pv_fft_plan_describe(b, &db));
  CHECK(da && db && strcmp(da, db) == 0 && strstr(da, "rdft") != NULL);
  pv_free(da);
  pv_free(db);
  pv_fft_plan_destroy(&a);
  pv_fft_cache_clear(); /* b and c still hold theirs */
  CHECK_OK(pv_fft_cache_stats_get(&st));
  CHECK_EQ_INT(st.entries, 2);
  CHECK_EQ_INT(st.in_use, 2);
  pv_fft_plan_destroy(&b);
  pv_fft_plan_destroy(&c);
  pv_fft_cache_clear();
  CHECK_OK(pv_fft_cache_stats_get(&st));
  CHECK_EQ_INT(st.entries, 0);
}

/* Buffers shifted off the SIMD alignment, and in-place execution of a
 * padded in-place plan, both give the aligned out-of-place answer. */
static void test_alignment_and_inplace(void) {
  int n[2] = {8, 14};
  const int nh = 8;
  const size_t N = 112, M = 8 * 8;
  pv_fft_options o = opts_estimate();
  pv_fft_plan *p = NULL, *pin = NULL;
  CHECK_OK(pv_fft_plan_create(NULL, PV_F64, PV_FFT_R2C, 2, n, 1, &o, &p));
  o.inplace = 1;
  CHECK_OK(pv_fft_plan_create(NULL, PV_F64, PV_FFT_R2C, 2, n, 1, &o, &pin));
  double *x = pv_malloc(N * sizeof(double)), *X = pv_malloc(2 * M * sizeof(double));
  double *xs = pv_malloc((N + 1) * sizeof(double)), *Xs = pv_malloc((2 * M + 1) * sizeof(double));
  fill(x, N, 2);
  memcpy(xs + 1, x, N * sizeof(double));
  CHECK_OK(pv_fft_execute(p, x, X));
  CHECK_OK(pv_fft_execute(p, xs + 1, Xs + 1)); /* 8-byte offset: unaligned variant */
  for (size_t i = 0; i < 2 * M; i++) CHECK_NEAR(Xs[1 + i], X[i], 1e-12);
  /* In place: real rows padded to 2*nh doubles. */
  double *buf = pv_malloc(2 * M * sizeof(double));
  for (int i = 0; i < n[0]; i++) memcpy(buf + (size_t)i * 2 * nh, x + (size_t)i * n[1], n[1] * sizeof(double));
  CHECK_OK(pv_fft_execute(pin, buf, buf));
  for (size_t i = 0; i < 2 * M; i++) CHECK_NEAR(buf[i], X[i], 1e-12);
  /* In-place execution of an out-of-place r2c plan is refused clearly. */
  CHECK_STATUS(pv_fft_execute(p, buf, buf), PV_EINVAL);
  /* Overlapping but different buffers are refused. */
  CHECK_STATUS(pv_fft_execute(p, buf, buf + 2), PV_EINVAL);
  pv_free(x); pv_free(X); pv_free(xs); pv_free(Xs); pv_free(buf);
  pv_fft_plan_destroy(&p);
  pv_fft_plan_destroy(&pin);
}

/* c2c in place on an out-of-place plan works through the in-place variant. */
static void test_c2c_inplace_variant(void) {
  int n = 30;
  pv_fft_options o = opts_estimate();
  pv_fft_plan *p = NULL;
  CHECK_OK(pv_fft_plan_create(NULL, PV_F32, PV_FFT_C2C_FORWARD, 1, &n, 2, &o, &p));
  float *x = pv_malloc(4 * n * sizeof(float)), *X = pv_malloc(4 * n * sizeof(float));
  for (int i = 0; i < 4 * n; i++) x[i] = (float)((i * 37) % 11) - 5.0f;
  CHECK_OK(pv_fft_execute(p, x, X));
  CHECK_OK(pv_fft_execute(p, x, x));
  for (int i = 0; i < 4 * n; i++) CHECK_NEAR(x[i], X[i], 1e-4);
  pv_free(x);
  pv_free(X);
  pv_fft_plan_destroy(&p);
}

/* preserve_input on a 2D c2r either works (input untouched) or is refused
 * with PV_EUNSUPPORTED; without it the plan is allowed to overwrite. */
static void test_preserve_input(void) {
  int n[2] = {8, 6};
  pv_fft_options o = opts_estimate();
  o.preserve_input = 1;
  pv_fft_plan *p = NULL;
  int s = pv_fft_plan_create(NULL, PV_F64, PV_FFT_C2R, 2, n, 1, &o, &p);
  CHECK(s == 0 || s == PV_EUNSUPPORTED);
  pv_error_clear();
  if (s == 0) {
    double X[2 * 8 * 4], Y[2 * 8 * 4], x[48];
    for (int i = 0; i < 64; i++) X[i] = (i % 7) - 3.0;
    for (int i = 0; i < 8; i++) X[2 * (i * 4) + 1] = X[2 * (i * 4 + 3) + 1] = 0; /* real rows 0, Nyq */
    memcpy(Y, X, sizeof X);
    CHECK_OK(pv_fft_execute(p, X, x));
    CHECK(memcmp(X, Y, sizeof X) == 0);
  }
  pv_fft_plan_destroy(&p);
}

/* Custom layout: channel-last batch (stride = C, dist = 1) equals the packed
 * transform of each channel. */
static void test_strided_layout(void) {
  int n = 24;
  const int C = 3, nh = 13;
  pv_fft_options o = opts_estimate();
  o.istride = C; o.idist = 1; o.ostride = C; o.odist = 1;
  pv_fft_plan *ps = NULL, *pp = NULL;
  CHECK_OK(pv_fft_plan_create(NULL, PV_F64, PV_FFT_R2C, 1, &n, C, &o, &ps));
  pv_fft_options op = opts_estimate();
  CHECK_OK(pv_fft_plan_create(NULL, PV_F64, PV_FFT_R2C, 1, &n, C, &op, &pp));
  double *xl = pv_malloc(n * C * sizeof(double)), *xp = pv_malloc(n * C * sizeof(double));
  double *Xl = pv_malloc(2 * nh * C * sizeof(double)), *Xp = pv_malloc(2 * nh * C * sizeof(double));
  fill(xl, (size_t)n * C, 3);
  for (int j = 0; j < n; j++)
    for (int c = 0; c < C; c++) xp[c * n + j] = xl[j * C + c];
  CHECK_OK(pv_fft_execute(ps, xl, Xl));
  CHECK_OK(pv_fft_execute(pp, xp, Xp));
  for (int k = 0; k < nh; k++)
    for (int c = 0; c < C; c++) {
      CHECK_NEAR(Xl[2 * (k * C + c)], Xp[2 * (c * nh + k)], 1e-13);
      CHECK_NEAR(Xl[2 * (k * C + c) + 1], Xp[2 * (c * nh + k) + 1], 1e-13);
    }
  pv_free(xl); pv_free(xp); pv_free(Xl); pv_free(Xp);
  pv_fft_plan_destroy(&ps);
  pv_fft_plan_destroy(&pp);
}

/* Plain write (no fsync: the atomic writer's fsync is slow on a busy disk). */
static void write_plain(const char *path, const void *data, size_t n) {
  FILE *f = fopen(path, "wb");
  CHECK(f && fwrite(data, 1, n, f) == n);
  if (f) fclose(f);
}

/* Wisdom: after forgetting, wisdom_only fails; after loading the saved file
 * it succeeds. Hostile files are refused with PV_EFORMAT. */
static void test_wisdom(void) {
  char path[600], bad[600];
  snprintf(path, sizeof path, "%s/wisdom", pv_test_tmpdir());
  snprintf(bad, sizeof bad, "%s/bad-wisdom", pv_test_tmpdir());
  int n[2] = {20, 24};
  pv_fft_options o = PV_FFT_OPTIONS_INIT;
  pv_fft_plan *p = NULL;
  pv_fft_wisdom_forget();
  pv_fft_cache_clear();
  CHECK_OK(pv_fft_plan_create(NULL, PV_F64, PV_FFT_C2R, 2, n, 2, &o, &p));
  pv_fft_plan *q = NULL;
  CHECK_OK(pv_fft_plan_create(NULL, PV_F32, PV_FFT_R2C, 1, n, 3, &o, &q));
  CHECK_OK(pv_fft_wisdom_save(path));
  pv_fft_plan_destroy(&p);
  pv_fft_plan_destroy(&q);
  pv_fft_wisdom_forget();
  pv_fft_cache_clear();
  o.wisdom_only = 1;
  CHECK_STATUS(pv_fft_plan_create(NULL, PV_F64, PV_FFT_C2R, 2, n, 2, &o, &p), PV_ENOTFOUND);
  CHECK_OK(pv_fft_wisdom_load(path));
  CHECK_OK(pv_fft_plan_create(NULL, PV_F64, PV_FFT_C2R, 2, n, 2, &o, &p));
  CHECK_OK(pv_fft_plan_create(NULL, PV_F32, PV_FFT_R2C, 1, n, 3, &o, &q));
  pv_fft_plan_destroy(&p);
  pv_fft_plan_destroy(&q);
  /* Hostile files. */
  char *good = NULL;
  size_t len = 0;
  CHECK_OK(pv_file_read_all(path, 1 << 24, &good, &len));
  static const char *const cases[] = {
      "", "parseval-fftw-wisdom 2\n", "parseval-fftw-wisdom 1\nf64 99999\nabc\n",
      "parseval-fftw-wisdom 1\nf64 x\n", "parseval-fftw-wisdom 1\nf64 5\n(junk\nf32 0\n\n",
      "parseval-fftw-wisdom 1\nf32 0\n\nf64 0\n\n"};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    write_plain(bad, cases[i], strlen(cases[i]));
    CHECK_STATUS(pv_fft_wisdom_load(bad), PV_EFORMAT);
  }
  for (size_t cut = 0; good && cut < len; cut += len / 7 + 1) { /* truncations */
    write_plain(bad, good, cut);
    CHECK_STATUS(pv_fft_wisdom_load(bad), PV_EFORMAT);
  }
  int s = pv_fft_wisdom_load(bad);
  CHECK(s == PV_EFORMAT && strstr(pv_error_message(), "bad-wisdom") != NULL);
  pv_error_clear();
  /* Oversized (sparse) file: refused by size before it is read. */
  FILE *f = fopen(bad, "wb");
  CHECK(f && ftruncate(fileno(f), (off_t)65 << 20) == 0);
  if (f) fclose(f);
  s = pv_fft_wisdom_load(bad);
  CHECK(s == PV_EFORMAT && strstr(pv_error_message(), "bad-wisdom") != NULL);
  pv_error_clear();
  CHECK_STATUS(pv_fft_wisdom_load("/nonexistent/dir/wisdom"), PV_EIO);
  /* Random byte mutations of a good file: loaded or refused, never a crash. */
  pv_rng rng;
  pv_rng_init(&rng, 5, 5);
  char *mut = pv_malloc(len + 1);
  int refused = 0;
  for (int t = 0; good && mut && t < 300; t++) {
    memcpy(mut, good, len);
    int flips = 1 + (int)pv_rng_below(&rng, 4);
    for (int k = 0; k < flips; k++) mut[pv_rng_below(&rng, len)] = (char)pv_rng_below(&rng, 256);
    write_plain(bad, mut, len);
    s = pv_fft_wisdom_load(bad);
    CHECK(s == 0 || s == PV_EFORMAT);
    refused += s == PV_EFORMAT;
    pv_error_clear();
  }
  CHECK(refused > 0);
  pv_fft_wisdom_forget(); /* drop whatever the mutants taught FFTW */
  pv_free(mut);
  pv_free(good);
  char dp[16];
  setenv("PV_FFT_WISDOM", "/tmp/some/wisdom-file", 1);
  CHECK_STATUS(pv_fft_wisdom_default_path(dp, sizeof dp), PV_EINVAL);
  char dp2[256];
  CHECK_OK(pv_fft_wisdom_default_path(dp2, sizeof dp2));
  CHECK(strcmp(dp2, "/tmp/some/wisdom-file") == 0);
  unsetenv("PV_FFT_WISDOM");
}

/* Reproducible mode: ESTIMATE plans with 2 threads give the same bytes in
 * this process and in a fresh process (this program re-run by itself); a
 * MEASURE plan rebuilt in the fresh process from the saved wisdom
 * (wisdom_only) gives the same bytes as the measured original. */
static void emit_reproducible(int measured, double *X, size_t *count) {
  int n[2] = {48, 40};
  const int B = 3, nh = 21;
  pv_ctx *ctx = NULL;
  CHECK_OK(pv_ctx_create(&ctx));
  CHECK_OK(pv_ctx_set_threads(ctx, 2));
  pv_fft_options o = opts_estimate();
  if (measured) {
    o.rigor = PV_FFT_MEASURE;
    o.wisdom_only = measured == 2;
  }
  pv_fft_plan *p = NULL;
  CHECK_OK(pv_fft_plan_create(ctx, PV_F64, PV_FFT_R2C, 2, n, B, &o, &p));
  double *x = pv_malloc(sizeof(double) * 48 * 40 * B);
  fill(x, 48 * 40 * B, 7);
  CHECK_OK(pv_fft_execute(p, x, X));
  *count = 2 * (size_t)48 * nh * B;
  pv_free(x);
  pv_fft_plan_destroy(&p);
  pv_ctx_destroy(&ctx);
}

static int same_file(const char *path, const double *v, size_t n) {
  char *data = NULL;
  size_t len = 0;
  int ok = pv_file_read_all(path, 1 << 24, &data, &len) == 0 && len == n * sizeof(double) &&
           memcmp(data, v, len) == 0;
  pv_free(data);
  return ok;
}

static void test_reproducible_mode(void) {
  const size_t cap = 2 * 48 * 21 * 3;
  double *a = pv_malloc(cap * sizeof(double)), *b = pv_malloc(cap * sizeof(double));
  double *m = pv_malloc(cap * sizeof(double));
  size_t na = 0, nb = 0, nm = 0;
  char est[700], wis[700], wfile[600];
  const char *child_out = getenv("PV_FFT_REPRO_OUT");
  snprintf(est, sizeof est, "%s.est", child_out ? child_out : "");
  snprintf(wis, sizeof wis, "%s.wis", child_out ? child_out : "");
  if (child_out) { /* the child: write the bytes of both modes and stop */
    emit_reproducible(0, a, &na);
    CHECK_OK(pv_file_write_atomic(est, a, na * sizeof(double), 1));
    CHECK_OK(pv_fft_wisdom_load(getenv("PV_FFT_REPRO_WISDOM")));
    emit_reproducible(2, m, &nm);
    CHECK_OK(pv_file_write_atomic(wis, m, nm * sizeof(double), 1));
    pv_free(a); pv_free(b); pv_free(m);
    return;
  }
  emit_reproducible(0, a, &na);
  pv_fft_cache_clear();
  pv_fft_wisdom_forget();
  emit_reproducible(0, b, &nb);
  CHECK(na == nb && memcmp(a, b, na * sizeof(double)) == 0);
  pv_fft_cache_clear();
  pv_fft_wisdom_forget();
  emit_reproducible(1, m, &nm);
  snprintf(wfile, sizeof wfile, "%s/repro-wisdom", pv_test_tmpdir());
  CHECK_OK(pv_fft_wisdom_save(wfile));
  char out[600], env1[700], env2[700];
  snprintf(out, sizeof out, "%s/repro.bin", pv_test_tmpdir());
  snprintf(env1, sizeof env1, "PV_FFT_REPRO_OUT=%s", out);
  snprintf(env2, sizeof env2, "PV_FFT_REPRO_WISDOM=%s", wfile);
  /* The child's leaks are this process's leaks (same code): LeakSanitizer
   * stays off there, as its stop-the-world can fail on a loaded machine. */
  char *envp[] = {env1, env2, "ASAN_OPTIONS=detect_leaks=0", NULL};
  char *argv[] = {"test_fft", "test_reproducible_mode", NULL};
  char exe[512], errpath[600];
  ssize_t el = readlink("/proc/self/exe", exe, sizeof exe - 1);
  CHECK(el > 0);
  exe[el > 0 ? el : 0] = '\0';
  snprintf(errpath, sizeof errpath, "%s/child.err", pv_test_tmpdir());
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid;
  int st = -1;
  CHECK(posix_spawn(&pid, exe, &fa, NULL, argv, envp) == 0 && waitpid(pid, &st, 0) == pid);
  posix_spawn_file_actions_destroy(&fa);
  if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
    char *err = NULL;
    size_t elen = 0;
    pv_file_read_all(errpath, 1 << 20, &err, &elen);
    pv_test_fail(__FILE__, __LINE__, "child exited with status %d: %s", st, err ? err : "");
    pv_free(err);
  }
  snprintf(est, sizeof est, "%s.est", out);
  snprintf(wis, sizeof wis, "%s.wis", out);
  CHECK(same_file(est, a, na));
  CHECK(same_file(wis, m, nm));
  pv_free(a); pv_free(b); pv_free(m);
}

/* Several threads creating and destroying plans of one key at once share
 * one cache entry. */
typedef struct { int ok; } maker;
static void *make_plans(void *arg) {
  maker *mk = arg;
  int n[2] = {20, 22};
  pv_fft_options o = opts_estimate();
  mk->ok = 1;
  for (int r = 0; r < 20; r++) {
    pv_fft_plan *p = NULL;
    if (pv_fft_plan_create(NULL, PV_F32, PV_FFT_C2R, 2, n, 2, &o, &p) != 0) mk->ok = 0;
    pv_fft_plan_destroy(&p);
  }
  return NULL;
}

static void test_concurrent_create(void) {
  pv_fft_cache_clear();
  pthread_t t[4];
  maker mk[4];
  for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, make_plans, &mk[i]);
  for (int i = 0; i < 4; i++) {
    pthread_join(t[i], NULL);
    CHECK(mk[i].ok);
  }
  pv_fft_cache_stats st = {.struct_size = sizeof st};
  CHECK_OK(pv_fft_cache_stats_get(&st));
  CHECK_EQ_INT(st.entries, 1);
  CHECK_EQ_INT(st.in_use, 0);
  CHECK_EQ_INT(st.misses, 1);
  CHECK_EQ_INT(st.hits, 79);
  pv_fft_cache_clear();
}

/* Threads: a 2-thread plan agrees with the 1-thread plan. */
static void test_threads(void) {
  int n[3] = {16, 12, 10};
  const size_t N = 1920, M = 16 * 12 * 6;
  pv_ctx *ctx = NULL;
  CHECK_OK(pv_ctx_create(&ctx));
  CHECK_OK(pv_ctx_set_threads(ctx, 2));
  pv_fft_options o = opts_estimate();
  pv_fft_plan *p1 = NULL, *p2 = NULL;
  CHECK_OK(pv_fft_plan_create(NULL, PV_F64, PV_FFT_R2C, 3, n, 2, &o, &p1));
  CHECK_OK(pv_fft_plan_create(ctx, PV_F64, PV_FFT_R2C, 3, n, 2, &o, &p2));
  pv_fft_info info = {.struct_size = sizeof info};
  CHECK_OK(pv_fft_plan_info(p2, &info));
  CHECK_EQ_INT(info.threads, 2);
  double *x = pv_malloc(2 * N * sizeof(double));
  double *X1 = pv_malloc(4 * M * sizeof(double)), *X2 = pv_malloc(4 * M * sizeof(double));
  fill(x, 2 * N, 4);
  CHECK_OK(pv_fft_execute(p1, x, X1));
  CHECK_OK(pv_fft_execute(p2, x, X2));
  for (size_t i = 0; i < 4 * M; i++) CHECK_NEAR(X2[i], X1[i], 1e-12);
  pv_free(x); pv_free(X1); pv_free(X2);
  pv_fft_plan_destroy(&p1);
  pv_fft_plan_destroy(&p2);
  pv_ctx_destroy(&ctx);
}

/* One plan executed by 4 threads at once on their own buffers. */
typedef struct { const pv_fft_plan *p; int id, ok; } job;
static void *worker(void *arg) {
  job *j = arg;
  const int n = 64, nh = 33;
  double *x = pv_malloc((n + 1) * sizeof(double)), *X = pv_malloc(2 * (nh + 1) * sizeof(double));
  j->ok = 1;
  for (int rep = 0; rep < 50 && x && X; rep++) {
    double *xi = x + (rep & 1); /* odd reps: off the SIMD alignment */
    for (int i = 0; i < n; i++) xi[i] = cos(TWO_PI * (j->id + 1) * i / n);
    if (pv_fft_execute(j->p, xi, X + (rep & 1) * 2) != 0) j->ok = 0;
    const double *Z = X + (rep & 1) * 2;
    for (int k = 0; k < nh - 1; k++)
      if (fabs(Z[2 * k] - (k == j->id + 1 ? n / 2.0 : 0.0)) > 1e-12) j->ok = 0;
  }
  pv_free(x);
  pv_free(X);
  return NULL;
}

static void test_concurrent_execute(void) {
  int n = 64;
  pv_fft_options o = opts_estimate();
  pv_fft_plan *p = NULL;
  CHECK_OK(pv_fft_plan_create(NULL, PV_F64, PV_FFT_R2C, 1, &n, 1, &o, &p));
  pthread_t t[4];
  job jobs[4];
  for (int i = 0; i < 4; i++) {
    jobs[i] = (job){p, i, 0};
    pthread_create(&t[i], NULL, worker, &jobs[i]);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(t[i], NULL);
    CHECK(jobs[i].ok);
  }
  pv_fft_plan_destroy(&p);
}

/* Plans made inside an OpenMP team use one FFTW thread whatever the ctx says. */
static void test_openmp_region(void) {
#if defined(_OPENMP)
  int n[2] = {32, 32}, seen[2] = {0, 0}, outside = 0;
  pv_ctx *ctx = NULL;
  CHECK_OK(pv_ctx_create(&ctx));
  CHECK_OK(pv_ctx_set_threads(ctx, 2));
  pv_fft_options o = opts_estimate();
#pragma omp parallel num_threads(2)
  {
    pv_fft_plan *p = NULL;
    pv_fft_info info = {.struct_size = sizeof info};
    if (pv_fft_plan_create(ctx, PV_F64, PV_FFT_R2C, 2, n, 1, &o, &p) == 0 &&
        pv_fft_plan_info(p, &info) == 0)
      seen[omp_get_thread_num() & 1] = info.threads;
    pv_fft_plan_destroy(&p);
  }
  pv_fft_plan *q = NULL;
  pv_fft_info info = {.struct_size = sizeof info};
  CHECK_OK(pv_fft_plan_create(ctx, PV_F64, PV_FFT_R2C, 2, n, 1, &o, &q));
  CHECK_OK(pv_fft_plan_info(q, &info));
  outside = info.threads;
  pv_fft_plan_destroy(&q);
  pv_ctx_destroy(&ctx);
  CHECK_EQ_INT(seen[0], 1);
  CHECK_EQ_INT(outside, 2);
#else
  printf("SKIP: test built without OpenMP\n");
#endif
}

static void test_bad_input(void) {
  pv_fft_plan *p = NULL;
  int n[3] = {8, 8, 8};
  int z[2] = {8, 0}, neg[1] = {-4};
  CHECK_STATUS(pv_fft_plan_create(NULL, PV_F64, PV_FFT_R2C, 2, z, 1, NULL, &p), PV_EINVAL);
  CHECK(p == NULL);
  int s = pv_fft_plan_create(NULL, PV_F64, PV_FFT_R2C, 1, neg, 1, NULL, &p);
  CHECK(s == PV_EINVAL && strstr(pv_error_message(), "n[0] = -4") != NULL);
  pv_error_clear();
  CHECK_STATUS(pv_fft_plan_create(NULL, PV_F64, PV_FFT_R2C, 0, n, 1, NULL, &p), PV_EINVAL);
  CHECK_STATUS(pv_fft_plan_create(NULL, PV_F64, PV_FFT_R2C, 4, n, 1, NULL, &p), PV_EINVAL);
  CHECK_STATUS(pv_fft_plan_create(NULL, PV_F64, PV_FFT_R2C, 3, n, 0, NULL, &p), PV_EINVAL);
  CHECK_STATUS(pv_fft_plan_create(NULL, PV_C128, PV_FFT_R2C, 3, n, 1, NULL, &p), PV_EINVAL);
  CHECK_STATUS(pv_fft_plan_create(NULL, PV_F64, (pv_fft_kind)7, 3, n, 1, NULL, &p), PV_EINVAL);
  CHECK_STATUS(pv_fft_plan_create(NULL, PV_F64, PV_FFT_R2C, 3, NULL, 1, NULL, &p), PV_EINVAL);
  CHECK_STATUS(pv_fft_plan_create(NULL, PV_F64, PV_FFT_R2C, 3, n, 1, NULL, NULL), PV_EINVAL);
  int big[3] = {4096, 4096, 4096};
  CHECK_STATUS(pv_fft_plan_create(NULL, PV_F64, PV_FFT_R2C, 3, big, 1, NULL, &p), PV_EINVAL);
  pv_fft_options o = opts_estimate();
  o.struct_size = 8;
  CHECK_STATUS(pv_fft_plan_create(NULL, PV_F64, PV_FFT_R2C, 1, n, 1, &o, &p), PV_EINVAL);
  o = opts_estimate();
  o.istride = -1;
  CHECK_STATUS(pv_fft_plan_create(NULL, PV_F64, PV_FFT_R2C, 1, n, 1, &o, &p), PV_EINVAL);
  o = opts_estimate();
  CHECK_OK(pv_fft_plan_create(NULL, PV_F64, PV_FFT_R2C, 1, n, 1, &o, &p));
  double buf[32];
  CHECK_STATUS(pv_fft_execute(p, NULL, buf), PV_EINVAL);
  CHECK_STATUS(pv_fft_execute(NULL, buf, buf), PV_EINVAL);
  /* Mismatched buffer sizes: 8 reals in, 5 complex out needed. */
  double out10[10];
  for (int i = 0; i < 32; i++) buf[i] = i;
  CHECK_OK(pv_fft_execute_sized(p, buf, 8 * sizeof(double), out10, sizeof out10));
  CHECK_NEAR(out10[0], 28.0, 1e-12); /* sum of 0..7 */
  CHECK_STATUS(pv_fft_execute_sized(p, buf, 7 * sizeof(double), buf + 8, 10 * sizeof(double)), PV_EINVAL);
  s = pv_fft_execute_sized(p, buf, 8 * sizeof(double), buf + 8, 9 * sizeof(double));
  CHECK(s == PV_EINVAL && strstr(pv_error_message(), "output buffer of 72 bytes, the plan needs 80"));
  pv_error_clear();
  pv_fft_plan_destroy(&p);
  pv_fft_plan_destroy(&p); /* NULL-safe */
  pv_fft_plan_destroy(NULL);
}

/* Every allocation failure during plan creation is reported and leaks
 * nothing. */
static void test_alloc_failures(void) {
  pv_fft_cache_clear();
  int n[2] = {10, 6};
  pv_fft_options o = opts_estimate();
  long base = pv_test_alloc_live();
  int ok = 0;
  for (long k = 0; k < 20 && !ok; k++) {
    pv_fft_cache_clear();
    base = pv_test_alloc_live();
    pv_fft_plan *p = NULL;
    pv_test_fail_alloc_after(k);
    int s = pv_fft_plan_create(NULL, PV_F64, PV_FFT_R2C, 2, n, 1, &o, &p);
    pv_test_fail_alloc_after(-1);
    if (s == 0) {
      ok = 1;
      pv_fft_plan_destroy(&p);
    } else {
      CHECK_EQ_INT(s, PV_ENOMEM);
      CHECK(p == NULL);
      pv_error_clear();
    }
    pv_fft_cache_clear();
    CHECK_EQ_INT(pv_test_alloc_live(), base);
  }
  CHECK(ok);
}

PV_TEST_MAIN(PV_CASE(test_analytic_1d), PV_CASE(test_analytic_3d_c2c),
             PV_CASE(test_properties_2d), PV_CASE(test_cache_reuse),
             PV_CASE(test_alignment_and_inplace), PV_CASE(test_c2c_inplace_variant),
             PV_CASE(test_strided_layout), PV_CASE(test_preserve_input), PV_CASE(test_wisdom), PV_CASE(test_reproducible_mode),
             PV_CASE(test_concurrent_create),
             PV_CASE(test_threads), PV_CASE(test_concurrent_execute), PV_CASE(test_openmp_region),
             PV_CASE(test_bad_input),
             PV_CASE(test_alloc_failures))
