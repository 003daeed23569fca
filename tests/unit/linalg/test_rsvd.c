/* Randomized SVD against the exact truncation error of matrices built from
 * known factors: Halko-Martinsson-Tropp bounds (Thm 10.5 for q = 0 in the
 * Frobenius norm, Cor 10.10 for q > 0 in the spectral norm), agreement of the
 * GRAM and PASS methods and of in-memory and streamed runs, bad input. */
#include "pv_test.h"
#include "la_testutil.h"

#include <parseval/linalg.h>

enum { M = 700, N = 60, K = 8, P = 6 };

typedef struct {
  const double *a;
  int n;
  size_t calls;
  int fail_at;
} reader_state;

static int read_rows(size_t row0, size_t nrows, double *buf, void *user) {
  reader_state *rs = user;
  if (rs->fail_at >= 0 && rs->calls == (size_t)rs->fail_at)
    return PV_ERROR(PV_EIO, "test reader: simulated failure at row %zu", row0);
  rs->calls++;
  memcpy(buf, rs->a + row0 * (size_t)rs->n, nrows * (size_t)rs->n * sizeof *buf);
  return 0;
}

typedef struct { double *a, *s0, *u, *vt, s[K]; pv_ctx *ctx; } fixture;

static void setup(fixture *f, double decay) {
  pv_rng g;
  pv_rng_init(&g, 11, 3);
  CHECK_OK(pv_ctx_create(&f->ctx));
  CHECK_OK(pv_ctx_set_threads(f->ctx, 2));
  f->a = pv_malloc((size_t)M * N * sizeof *f->a);
  f->s0 = pv_malloc(N * sizeof *f->s0);
  f->u = pv_malloc((size_t)M * K * sizeof *f->u);
  f->vt = pv_malloc((size_t)K * N * sizeof *f->vt);
  for (int j = 0; j < N; j++) f->s0[j] = pow(1.0 + j, -decay);
  la_make_matrix(&g, M, N, f->s0, f->a, NULL, NULL);
}

static void teardown(fixture *f) {
  pv_free(f->a);
  pv_free(f->s0);
  pv_free(f->u);
  pv_free(f->vt);
  pv_ctx_destroy(&f->ctx);
}

static double tail(const double *s0, int from, double power) {
  double t = 0.0;
  for (int j = from; j < N; j++) t += pow(s0[j], power);
  return t;
}

static void run_rsvd(fixture *f, int q, int method) {
  pv_rsvd_options o = PV_RSVD_OPTIONS_INIT;
  o.oversample = P;
  o.power_iters = q;
  o.method = method;
  o.block_rows = 128;
  pv_rsvd *r = NULL;
  CHECK_OK(pv_linalg_rsvd_create(f->ctx, M, N, K, &o, &r));
  CHECK_OK(pv_linalg_rsvd_compute(r, f->a, N, f->s, f->u, K, f->vt, N));
  pv_linalg_rsvd_destroy(&r);
  CHECK(r == NULL);
}

/* Spectral norm of A - U S VT through the dense SVD. */
static double spectral_err(fixture *f) {
  double *res = pv_malloc((size_t)M * N * sizeof *res), sv[N];
  for (int i = 0; i < M; i++)
    for (int j = 0; j < N; j++) {
      double acc = f->a[(size_t)i * N + j];
      for (int p = 0; p < K; p++) acc -= f->u[(size_t)i * K + p] * f->s[p] * f->vt[(size_t)p * N + j];
      res[(size_t)i * N + j] = acc;
    }
  CHECK_OK(pv_linalg_svd(f->ctx, M, N, res, N, sv, NULL, 0, NULL, 0));
  pv_free(res);
  return sv[0];
}

static void test_halko_bounds(void) {
  fixture f;
  setup(&f, 0.5);
  double best_f = sqrt(tail(f.s0, K, 2.0));
  /* q = 0: E ||A - QQ^T A||_F <= sqrt(1 + k / (p - 1)) * best (Halko Thm 10.5). */
  run_rsvd(&f, 0, PV_RSVD_PASS);
  double e0 = la_recon_err(M, N, f.a, K, f.u, K, f.s, f.vt);
  CHECK(e0 >= best_f * (1.0 - 1e-12));
  CHECK(e0 <= sqrt(1.0 + (double)K / (P - 1)) * best_f);
  /* q = 2: Halko Cor 10.10 for QQ^T A plus sigma_{k+1} for the truncation (Sec 9.4). */
  for (int method = PV_RSVD_GRAM; method <= PV_RSVD_PASS; method++) {
    int q = 2, e = 2 * q + 1;
    run_rsvd(&f, q, method);
    double bound = pow((1.0 + sqrt((double)K / (P - 1))) * pow(f.s0[K], e) +
                           exp(1.0) * sqrt((double)(K + P)) / P * sqrt(tail(f.s0, K, 2.0 * e)),
                       1.0 / e);
    double es = spectral_err(&f), ef = la_recon_err(M, N, f.a, K, f.u, K, f.s, f.vt);
    CHECK(es >= f.s0[K] * (1.0 - 1e-12));
    CHECK(es <= f.s0[K] + bound);
    CHECK(ef >= best_f * (1.0 - 1e-12));
    CHECK(ef <= 1.01 * best_f);
    CHECK(ef < e0);
    CHECK(la_orth_cols_err(M, K, f.u, K) < 1e-10);
    CHECK(la_orth_rows_err(K, N, f.vt, N) < 1e-12);
    for (int j = 0; j < K; j++) {
      CHECK(la_sign_ok(N, f.vt + (size_t)j * N));
      CHECK(f.s[j] <= f.s0[j] * (1.0 + 1e-12)); /* Ritz values never exceed the truth */
      CHECK(f.s[j] >= 0.97 * f.s0[j]);
    }
  }
  teardown(&f);
}

/* GRAM and PASS apply the same A^T A; streamed runs read the same rows. */
static void test_methods_agree(void) {
  fixture f;
  setup(&f, 1.0);
  double s1[K], *u1 = pv_malloc((size_t)M * K * sizeof *u1), *v1 = pv_malloc((size_t)K * N * sizeof *v1);
  run_rsvd(&f, 3, PV_RSVD_GRAM);
  memcpy(s1, f.s, sizeof s1);
  memcpy(u1, f.u, (size_t)M * K * sizeof *u1);
  memcpy(v1, f.vt, (size_t)K * N * sizeof *v1);
  run_rsvd(&f, 3, PV_RSVD_PASS);
  for (int j = 0; j < K; j++) CHECK_NEAR(f.s[j], s1[j], 1e-12);
  for (int i = 0; i < K * N; i++) CHECK_NEAR(f.vt[i], v1[i], 1e-9);
  for (int i = 0; i < M * K; i++) CHECK_NEAR(f.u[i], u1[i], 1e-9);
  /* One thread (no OpenMP split) gives the same factors up to rounding. */
  CHECK_OK(pv_ctx_set_threads(f.ctx, 1));
  run_rsvd(&f, 3, PV_RSVD_GRAM);
  for (int j = 0; j < K; j++) CHECK_NEAR(f.s[j], s1[j], 1e-12);
  for (int i = 0; i < K * N; i++) CHECK_NEAR(f.vt[i], v1[i], 1e-9);
  CHECK_OK(pv_ctx_set_threads(f.ctx, 2));
  for (int method = PV_RSVD_GRAM; method <= PV_RSVD_PASS; method++) {
    run_rsvd(&f, 3, method);
    memcpy(s1, f.s, sizeof s1);
    memcpy(u1, f.u, (size_t)M * K * sizeof *u1);
    pv_rsvd_options o = PV_RSVD_OPTIONS_INIT;
    o.oversample = P;
    o.power_iters = 3;
    o.method = method;
    o.block_rows = 128;
    pv_rsvd *r = NULL;
    CHECK_OK(pv_linalg_rsvd_create(f.ctx, M, N, K, &o, &r));
    reader_state rs = {f.a, N, 0, -1};
    CHECK_OK(pv_linalg_rsvd_compute_stream(r, read_rows, &rs, f.s, f.u, K, f.vt, N));
    size_t blocks = (M + 127) / 128;
    CHECK_EQ_INT(rs.calls, blocks * (method == PV_RSVD_GRAM ? 2 : 3 + 2));
    /* Same algebra, different row splits over the threads: equal to rounding. */
    for (int j = 0; j < K; j++) CHECK_NEAR(f.s[j], s1[j], 1e-13);
    for (int i = 0; i < M * K; i++) CHECK_NEAR(f.u[i], u1[i], 1e-10);
    /* Without U: one pass less. */
    rs.calls = 0;
    CHECK_OK(pv_linalg_rsvd_compute_stream(r, read_rows, &rs, f.s, NULL, 0, f.vt, N));
    CHECK_EQ_INT(rs.calls, blocks * (method == PV_RSVD_GRAM ? 1 : 3 + 1));
    /* A failing reader aborts with its own code. */
    rs.fail_at = 2;
    rs.calls = 0;
    CHECK_STATUS(pv_linalg_rsvd_compute_stream(r, read_rows, &rs, f.s, f.u, K, f.vt, N), PV_EIO);
    pv_linalg_rsvd_destroy(&r);
  }
  pv_free(u1);
  pv_free(v1);
  teardown(&f);
}

/* Exact rank 5 with k = 8 > rank: the rank-5 part is recovered to rounding,
 * the extra singular values are ~0 and nothing is NaN. */
static void test_low_rank(void) {
  fixture f;
  setup(&f, 0.0);
  for (int j = 0; j < N; j++) f.s0[j] = j < 5 ? 5.0 - j : 0.0;
  pv_rng g;
  pv_rng_init(&g, 5, 5);
  la_make_matrix(&g, M, N, f.s0, f.a, NULL, NULL);
  run_rsvd(&f, 1, PV_RSVD_AUTO);
  for (int j = 0; j < K; j++) {
    CHECK(isfinite(f.s[j]));
    CHECK_NEAR(f.s[j], f.s0[j], 1e-10);
  }
  for (int i = 0; i < M * K; i++) CHECK(isfinite(f.u[i]));
  CHECK(la_recon_err(M, N, f.a, K, f.u, K, f.s, f.vt) < 1e-10);
  teardown(&f);
}

/* center = 1 factors A - 1 mu^T: equal to the plain run on the explicitly
 * centred matrix (same probes), for both methods, in memory and streamed. */
static void test_center(void) {
  fixture f;
  setup(&f, 0.7);
  double *ac = pv_malloc((size_t)M * N * sizeof *ac), mu[N] = {0}, s1[K];
  double *u1 = pv_malloc((size_t)M * K * sizeof *u1), *v1 = pv_malloc((size_t)K * N * sizeof *v1);
  /* Offsets up to 10x the entries' spread (~0.04): centring A^T A then costs
   * about log10(100) = 2 digits, as the header states. */
  for (int i = 0; i < M; i++)
    for (int j = 0; j < N; j++) f.a[(size_t)i * N + j] += 0.1 + 0.005 * j;
  for (int i = 0; i < M; i++)
    for (int j = 0; j < N; j++) mu[j] += f.a[(size_t)i * N + j] / M;
  for (int i = 0; i < M; i++)
    for (int j = 0; j < N; j++) ac[(size_t)i * N + j] = f.a[(size_t)i * N + j] - mu[j];
  for (int method = PV_RSVD_GRAM; method <= PV_RSVD_PASS; method++) {
    pv_rsvd_options o = PV_RSVD_OPTIONS_INIT;
    o.oversample = P;
    o.power_iters = 2;
    o.method = method;
    o.block_rows = 100;
    pv_rsvd *r = NULL;
    CHECK_OK(pv_linalg_rsvd_create(f.ctx, M, N, K, &o, &r));
    CHECK_OK(pv_linalg_rsvd_compute(r, ac, N, s1, u1, K, v1, N));
    pv_linalg_rsvd_destroy(&r);
    o.center = 1;
    CHECK_OK(pv_linalg_rsvd_create(f.ctx, M, N, K, &o, &r));
    for (int pass = 0; pass < 2; pass++) {
      reader_state rs = {f.a, N, 0, -1};
      if (pass == 0) CHECK_OK(pv_linalg_rsvd_compute(r, f.a, N, f.s, f.u, K, f.vt, N));
      else CHECK_OK(pv_linalg_rsvd_compute_stream(r, read_rows, &rs, f.s, f.u, K, f.vt, N));
      for (int j = 0; j < K; j++) CHECK_NEAR(f.s[j], s1[j], 1e-11 * s1[0]);
      for (int i = 0; i < K * N; i++) CHECK_NEAR(f.vt[i], v1[i], 1e-9);
      for (int i = 0; i < M * K; i++) CHECK_NEAR(f.u[i], u1[i], 1e-9);
    }
    pv_linalg_rsvd_destroy(&r);
  }
  pv_free(ac);
  pv_free(u1);
  pv_free(v1);
  teardown(&f);
}

/* Fewer rows than probes (6 x 20, l = 10): the range is captured exactly. */
static void test_wide(void) {
  enum { MW = 6, NW = 20, KW = 4 };
  pv_rng g;
  pv_rng_init(&g, 9, 9);
  double a[MW * NW], s0[MW] = {4, 3, 2, 1, 0.5, 0.25}, s[KW], u[MW * KW], vt[KW * NW];
  la_make_matrix(&g, MW, NW, s0, a, NULL, NULL);
  for (int method = PV_RSVD_GRAM; method <= PV_RSVD_PASS; method++) {
    pv_rsvd_options o = PV_RSVD_OPTIONS_INIT;
    o.oversample = 6;
    o.method = method;
    pv_rsvd *r = NULL;
    CHECK_OK(pv_linalg_rsvd_create(NULL, MW, NW, KW, &o, &r));
    CHECK_OK(pv_linalg_rsvd_compute(r, a, NW, s, u, KW, vt, NW));
    for (int j = 0; j < KW; j++) CHECK_NEAR(s[j], s0[j], 1e-12);
    CHECK(la_orth_cols_err(MW, KW, u, KW) < 1e-12);
    pv_linalg_rsvd_destroy(&r);
  }
}

static int cancel_cb(double frac, const char *msg, void *user) {
  (void)msg;
  (void)user;
  return frac < 0.5;
}

static void test_bad_input(void) {
  fixture f;
  setup(&f, 1.0);
  pv_rsvd *r = NULL;
  CHECK_STATUS(pv_linalg_rsvd_create(f.ctx, M, N, N + 1, NULL, &r), PV_EINVAL);
  CHECK_STATUS(pv_linalg_rsvd_create(f.ctx, M, N, 0, NULL, &r), PV_EINVAL);
  CHECK_STATUS(pv_linalg_rsvd_create(f.ctx, 5, N, 6, NULL, &r), PV_EINVAL);
  pv_rsvd_options o = PV_RSVD_OPTIONS_INIT;
  o.struct_size = 8;
  CHECK_STATUS(pv_linalg_rsvd_create(f.ctx, M, N, K, &o, &r), PV_EINVAL);
  CHECK(r == NULL);
  CHECK_OK(pv_ctx_set_ram_budget(f.ctx, 4096));
  CHECK_STATUS(pv_linalg_rsvd_create(f.ctx, M, N, K, NULL, &r), PV_ENOMEM);
  CHECK_OK(pv_ctx_set_ram_budget(f.ctx, (size_t)1 << 30));
  o = (pv_rsvd_options)PV_RSVD_OPTIONS_INIT;
  o.oversample = 2147483647; /* clamped to n, no overflow */
  CHECK_OK(pv_linalg_rsvd_create(f.ctx, M, N, K, &o, &r));
  pv_linalg_rsvd_destroy(&r);
  CHECK_OK(pv_linalg_rsvd_create(f.ctx, M, N, K, NULL, &r));
  double saved = f.a[(size_t)321 * N + 7];
  f.a[(size_t)321 * N + 7] = NAN;
  CHECK_STATUS(pv_linalg_rsvd_compute(r, f.a, N, f.s, f.u, K, f.vt, N), PV_EINVAL);
  reader_state rs = {f.a, N, 0, -1};
  CHECK_STATUS(pv_linalg_rsvd_compute_stream(r, read_rows, &rs, f.s, f.u, K, f.vt, N), PV_EINVAL);
  f.a[(size_t)321 * N + 7] = saved;
  CHECK_STATUS(pv_linalg_rsvd_compute(r, f.a, N, f.s, f.u, K - 1, f.vt, N), PV_EINVAL);
  CHECK_STATUS(pv_linalg_rsvd_compute(r, f.a, N, f.s, f.u, K, f.vt, 3), PV_EINVAL);
  pv_ctx_set_progress(f.ctx, cancel_cb, NULL);
  CHECK_STATUS(pv_linalg_rsvd_compute(r, f.a, N, f.s, f.u, K, f.vt, N), PV_ECANCEL);
  pv_linalg_rsvd_destroy(&r);
  pv_linalg_rsvd_destroy(&r); /* NULL-safe */
  /* k + p > n: l is clamped to n and the result is the exact SVD. */
  o = (pv_rsvd_options)PV_RSVD_OPTIONS_INIT;
  o.oversample = 100;
  CHECK_OK(pv_linalg_rsvd_create(f.ctx, M, N, K, &o, &r));
  pv_ctx_set_progress(f.ctx, NULL, NULL);
  CHECK_OK(pv_linalg_rsvd_compute(r, f.a, N, f.s, f.u, K, f.vt, N));
  for (int j = 0; j < K; j++) CHECK_NEAR(f.s[j], f.s0[j], 1e-12);
  pv_linalg_rsvd_destroy(&r);
  teardown(&f);
}

static void test_alloc_failures(void) {
  int ok = 0;
  for (long k = 0; k < 40 && !ok; k++) {
    long live = pv_test_alloc_live();
    pv_rsvd *r = NULL;
    pv_test_fail_alloc_after(k);
    int st = pv_linalg_rsvd_create(NULL, 100, 20, 3, NULL, &r);
    pv_test_fail_alloc_after(-1);
    CHECK(st == PV_OK || st == PV_ENOMEM);
    ok = st == PV_OK;
    pv_linalg_rsvd_destroy(&r);
    CHECK_EQ_INT(pv_test_alloc_live(), live);
    pv_error_clear();
  }
  CHECK(ok);
}

PV_TEST_MAIN(PV_CASE(test_halko_bounds), PV_CASE(test_methods_agree), PV_CASE(test_low_rank),
             PV_CASE(test_center), PV_CASE(test_wide),
             PV_CASE(test_bad_input), PV_CASE(test_alloc_failures))
