/* Pansharpening methods: Brovey and GIHS against their closed forms, every
 * method against plain interpolation on a synthetic scene with a known
 * high-resolution truth, Wald's protocol, the streaming Brovey path, no-data
 * handling and bad input. */
#include "pv_test.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/ctx.h>
#include <parseval/pansharpen.h>
#include <parseval/raster.h>

#include "psh_synth.h"

#define B 4
#define R 4
#define W 96
#define H 96
#define N (W * H)
#define WL (W / R)
#define HL (H / R)

static double truth[B * N], pan[N], ms[B * WL * HL], pw[B];

static void setup(void) {
  static int done;
  if (done) return;
  psh_synth(B, W, H, 3, truth, pan, pw);
  CHECK_OK(pv_psh_degrade(R, B, W, H, truth, NULL, ms));
  done = 1;
}

static int fuse(pv_psh_method m, const double *wts, double *out) {
  pv_psh_options o = PV_PSH_OPTIONS_INIT;
  o.method = m;
  o.ratio = R;
  o.weights = wts;
  return pv_psh_fuse(NULL, &o, B, WL, HL, ms, pan, out);
}

/* Brovey: sum_b w_b out_b = PAN and every pixel of the interpolated MS is
 * scaled by one factor (so SAM against the truth is unchanged). */
static void test_brovey_closed_form(void) {
  setup();
  double *e = pv_malloc(B * N * sizeof *e), *f = pv_malloc(B * N * sizeof *f);
  CHECK_OK(fuse(PV_PSH_EXP, NULL, e));
  CHECK_OK(fuse(PV_PSH_BROVEY, pw, f));
  double worst = 0, worst_ratio = 0;
  for (size_t i = 0; i < N; i++) {
    double s = 0;
    for (size_t b = 0; b < B; b++) s += pw[b] * f[b * N + i];
    worst = fmax(worst, fabs(s - pan[i]) / pan[i]);
    double k = f[i] / e[i];
    for (size_t b = 1; b < B; b++) worst_ratio = fmax(worst_ratio, fabs(f[b * N + i] / e[b * N + i] - k) / k);
  }
  CHECK(worst < 1e-13);
  CHECK(worst_ratio < 1e-12);
  CHECK_NEAR(pv_psh_sam_deg(B, N, truth, f), pv_psh_sam_deg(B, N, truth, e), 1e-9);
  pv_free(e), pv_free(f);
}

/* GIHS: the same detail P_eq - I is added to every band, so the band mean of
 * the output is PAN equalised to the mean of the interpolated bands. */
static void test_gihs_closed_form(void) {
  setup();
  double *e = pv_malloc(B * N * sizeof *e), *f = pv_malloc(B * N * sizeof *f), *I = pv_malloc(N * sizeof *I);
  CHECK_OK(fuse(PV_PSH_EXP, NULL, e));
  CHECK_OK(fuse(PV_PSH_GIHS, NULL, f));
  double mi = 0, mp = 0, vi = 0, vp = 0;
  for (size_t i = 0; i < N; i++) {
    I[i] = 0;
    for (size_t b = 0; b < B; b++) I[i] += e[b * N + i] / B;
    mi += I[i] / N, mp += pan[i] / N;
  }
  for (size_t i = 0; i < N; i++) vi += (I[i] - mi) * (I[i] - mi) / N, vp += (pan[i] - mp) * (pan[i] - mp) / N;
  double worst = 0, worst_d = 0;
  for (size_t i = 0; i < N; i++) {
    double peq = (pan[i] - mp) * sqrt(vi / vp) + mi, m = 0;
    for (size_t b = 0; b < B; b++) m += f[b * N + i] / B;
    worst = fmax(worst, fabs(m - peq));
    for (size_t b = 1; b < B; b++) worst_d = fmax(worst_d, fabs((f[b * N + i] - e[b * N + i]) - (f[i] - e[i])));
  }
  CHECK(worst < 1e-9);
  CHECK(worst_d < 1e-9);
  pv_free(e), pv_free(f), pv_free(I);
}

/* Every method beats plain interpolation on ERGAS and Q2n against the known
 * truth; the MTF-matched MRA and the adaptive CS beat the fixed-intensity CS
 * methods on ERGAS. */
static void test_methods_beat_interpolation(void) {
  setup();
  double *f = pv_malloc(B * N * sizeof *f), ergas[PV_PSH_METHOD_COUNT], q2n[PV_PSH_METHOD_COUNT], sam[PV_PSH_METHOD_COUNT];
  for (int m = 0; m < PV_PSH_METHOD_COUNT; m++) {
    CHECK_OK(fuse((pv_psh_method)m, m == PV_PSH_BROVEY ? pw : NULL, f));
    pv_psh_rr_scores s;
    CHECK_OK(pv_psh_rr_assess(B, W, H, truth, f, R, 8, 32, &s));
    ergas[m] = s.ergas, q2n[m] = s.q2n, sam[m] = s.sam_deg;
    printf("  %-8s ERGAS %7.4f  SAM %7.4f  Q2n %.4f  Q %.4f  SCC %.4f\n", pv_psh_method_name((pv_psh_method)m),
           s.ergas, s.sam_deg, s.q2n, s.q, s.scc);
  }
  for (int m = 1; m < PV_PSH_METHOD_COUNT; m++) {
    CHECK(ergas[m] < ergas[PV_PSH_EXP]);
    CHECK(q2n[m] > q2n[PV_PSH_EXP]);
  }
  CHECK_NEAR(sam[PV_PSH_BROVEY], sam[PV_PSH_EXP], 1e-9);
  CHECK(ergas[PV_PSH_GLP] < ergas[PV_PSH_GIHS] && ergas[PV_PSH_GLP] < ergas[PV_PSH_BROVEY]);
  CHECK(ergas[PV_PSH_GSA] < ergas[PV_PSH_GIHS] && ergas[PV_PSH_GSA] < ergas[PV_PSH_GS]);
  CHECK(sam[PV_PSH_GLP] < sam[PV_PSH_GIHS]);
  pv_free(f);
}

/* Wald's protocol on (MS, PAN): degrade both, fuse, score against MS. */
static void test_wald_protocol(void) {
  setup();
  pv_psh_rr_scores e, g;
  pv_psh_options o = PV_PSH_OPTIONS_INIT;
  o.ratio = R;
  o.method = PV_PSH_EXP;
  CHECK_OK(pv_psh_wald(NULL, &o, B, WL, HL, ms, pan, 2, 8, &e, NULL));
  o.method = PV_PSH_GLP;
  double *fu = pv_malloc(B * WL * HL * sizeof *fu);
  CHECK_OK(pv_psh_wald(NULL, &o, B, WL, HL, ms, pan, 2, 8, &g, fu));
  printf("  Wald: EXP ERGAS %.4f Q2n %.4f; GLP ERGAS %.4f Q2n %.4f\n", e.ergas, e.q2n, g.ergas, g.q2n);
  CHECK(g.ergas < e.ergas && g.q2n > e.q2n && g.sam_deg < e.sam_deg);
  pv_psh_rr_scores again;
  CHECK_OK(pv_psh_rr_assess(B, WL, HL, ms, fu, R, 2, 8, &again));
  CHECK_NEAR(again.ergas, g.ergas, 0);
  pv_free(fu);
}

static void test_full_resolution(void) {
  setup();
  double *e = pv_malloc(B * N * sizeof *e), *f = pv_malloc(B * N * sizeof *f);
  CHECK_OK(fuse(PV_PSH_EXP, NULL, e));
  CHECK_OK(fuse(PV_PSH_GLP, NULL, f));
  pv_psh_fr_scores se, sf;
  CHECK_OK(pv_psh_fr_assess(R, B, WL, HL, ms, pan, e, NULL, 0.15, 32, 1, &se));
  CHECK_OK(pv_psh_fr_assess(R, B, WL, HL, ms, pan, f, NULL, 0.15, 32, 1, &sf));
  printf("  FR: EXP Dl %.4f Ds %.4f QNR %.4f DsR2 %.4f; GLP Dl %.4f Ds %.4f QNR %.4f DsR2 %.4f\n", se.d_lambda, se.d_s,
         se.qnr, se.d_s_r2, sf.d_lambda, sf.d_s, sf.qnr, sf.d_s_r2);
  CHECK(sf.d_lambda < se.d_lambda); /* D_S (QNR) prefers EXP on this small scene: not asserted */
  CHECK(sf.d_s_r2 < se.d_s_r2);
  CHECK_NEAR(sf.qnr, (1 - sf.d_lambda) * (1 - sf.d_s), 1e-15);
  /* The PAN is an exact linear combination of the truth: R^2 = 1. */
  pv_psh_fr_scores st;
  CHECK_OK(pv_psh_fr_assess(R, B, WL, HL, ms, pan, truth, NULL, 0.15, 32, 1, &st));
  CHECK_NEAR(st.d_s_r2, 0, 1e-12);
  /* The MS was made by the same MTF degradation of the truth: D_lambda = 0. */
  CHECK_NEAR(st.d_lambda, 0, 1e-12);
  pv_free(e), pv_free(f);
}

/* Strip-wise Brovey equals the in-memory one. */
static void test_brovey_rows(void) {
  setup();
  double *f = pv_malloc(B * N * sizeof *f), *s = pv_malloc(B * 7 * W * sizeof *s);
  CHECK_OK(fuse(PV_PSH_BROVEY, pw, f));
  for (size_t y0 = 0; y0 < H; y0 += 7) {
    size_t rows = y0 + 7 <= H ? 7 : H - y0;
    CHECK_OK(pv_psh_brovey_rows(R, B, WL, HL, ms, NULL, pw, y0, rows, pan + y0 * W, s));
    for (size_t b = 0; b < B; b++)
      for (size_t i = 0; i < rows * W; i++) CHECK_NEAR(s[b * rows * W + i], f[b * N + y0 * W + i], 1e-9);
  }
  pv_free(f), pv_free(s);
}

/* Streamed MTF-GLP (three passes over a PAN raster, strips of 16 rows)
 * equals the in-memory one, no-data included. */
static void test_glp_streamed(void) {
  setup();
  pv_ctx *ctx = NULL;
  CHECK_OK(pv_ctx_create(&ctx));
  pv_raster_cube pc;
  CHECK_OK(pv_raster_cube_alloc(&pc, W, H, 1, PV_F64));
  memcpy(pc.data, pan, sizeof pan);
  ((double *)pc.data)[40 * W + 3] = NAN;
  double *m2 = pv_malloc(sizeof ms), *f = pv_malloc(B * N * sizeof *f);
  memcpy(m2, ms, sizeof ms);
  m2[2 * WL * HL + 10 * WL + 20] = NAN;
  const char *pp = pv_test_path("pan.tif"), *op = pv_test_path("glp.img");
  CHECK_OK(pv_raster_write(ctx, pp, PV_RASTER_GTIFF, &pc, PV_F64, 1));
  static const pv_psh_method ms_[2] = {PV_PSH_GLP, PV_PSH_GLP_HPM};
  for (int t = 0; t < 2; t++) {
    pv_psh_options o = PV_PSH_OPTIONS_INIT;
    o.ratio = R;
    o.method = ms_[t];
    CHECK_OK(pv_psh_fuse(NULL, &o, B, WL, HL, m2, pc.data, f));
    pv_raster *in = NULL;
    pv_raster_writer *w = NULL;
    CHECK_OK(pv_raster_open(ctx, pp, &in));
    CHECK_OK(pv_raster_writer_create(ctx, op, PV_RASTER_ENVI, W, H, B, PV_F64, NULL, 1, &w));
    CHECK_OK(pv_psh_glp_stream(ctx, &o, B, WL, HL, m2, in, w, 16));
    CHECK_OK(pv_raster_writer_commit(&w));
    pv_raster_close(&in);
    pv_raster_cube got;
    CHECK_OK(pv_raster_read(ctx, op, NULL, &got));
    const double *g = got.data;
    double worst = 0;
    size_t nan_mismatch = 0;
    for (size_t i = 0; i < B * N; i++) {
      if (isnan(f[i]) || isnan(g[i])) nan_mismatch += isnan(f[i]) != isnan(g[i]);
      else worst = fmax(worst, fabs(f[i] - g[i]) / fmax(1, fabs(f[i])));
    }
    CHECK_EQ_INT(nan_mismatch, 0);
    CHECK(worst < 1e-9);
    pv_raster_cube_free(&got);
  }
  pv_psh_options o = PV_PSH_OPTIONS_INIT;
  o.method = PV_PSH_GSA;
  pv_raster *in = NULL;
  pv_raster_writer *w = NULL;
  CHECK_OK(pv_raster_open(ctx, pp, &in));
  CHECK_OK(pv_raster_writer_create(ctx, op, PV_RASTER_ENVI, W, H, B, PV_F64, NULL, 1, &w));
  CHECK_STATUS(pv_psh_glp_stream(ctx, &o, B, WL, HL, m2, in, w, 16), PV_EINVAL);
  pv_raster_writer_abort(&w);
  pv_raster_close(&in);
  pv_raster_cube_free(&pc);
  pv_free(m2), pv_free(f);
  pv_ctx_destroy(&ctx);
}

static void test_nodata(void) {
  setup();
  double *m2 = pv_malloc(sizeof ms), *p2 = pv_malloc(sizeof pan), *f = pv_malloc(B * N * sizeof *f);
  memcpy(m2, ms, sizeof ms);
  memcpy(p2, pan, sizeof pan);
  p2[10 * W + 10] = NAN;
  m2[1 * WL * HL + 5 * WL + 7] = NAN; /* band 2, LR pixel (5, 7) */
  pv_psh_options o = PV_PSH_OPTIONS_INIT;
  o.ratio = R;
  for (int m = 0; m < PV_PSH_METHOD_COUNT; m++) {
    o.method = (pv_psh_method)m;
    CHECK_OK(pv_psh_fuse(NULL, &o, B, WL, HL, m2, p2, f));
    size_t nan = 0;
    for (size_t i = 0; i < B * N; i++) nan += isnan(f[i]);
    CHECK_EQ_INT(nan, B * (1 + R * R));
    CHECK(isnan(f[10 * W + 10]) && isnan(f[3 * N + (5 * R + 1) * W + 7 * R + 3]));
  }
  for (size_t i = 0; i < N; i++) p2[i] = NAN;
  o.method = PV_PSH_GLP;
  CHECK_STATUS(pv_psh_fuse(NULL, &o, B, WL, HL, m2, p2, f), PV_EINVAL);
  pv_free(m2), pv_free(p2), pv_free(f);
}

static void test_bad_input(void) {
  setup();
  double *f = pv_malloc(B * N * sizeof *f), g[B] = {0.3, 0.3, 1.5, 0.3};
  pv_psh_options o = PV_PSH_OPTIONS_INIT;
  o.ratio = 1;
  CHECK_STATUS(pv_psh_fuse(NULL, &o, B, WL, HL, ms, pan, f), PV_EINVAL);
  o.ratio = R;
  o.gnyq_ms = g;
  CHECK_STATUS(pv_psh_fuse(NULL, &o, B, WL, HL, ms, pan, f), PV_EINVAL);
  o.gnyq_ms = NULL;
  o.method = (pv_psh_method)99;
  CHECK_STATUS(pv_psh_fuse(NULL, &o, B, WL, HL, ms, pan, f), PV_EINVAL);
  pv_psh_method m;
  CHECK_STATUS(pv_psh_method_from_name("bdsd2", &m), PV_EINVAL);
  CHECK_OK(pv_psh_method_from_name("glp-hpm", &m));
  CHECK(m == PV_PSH_GLP_HPM);
  pv_ctx *ctx = NULL;
  CHECK_OK(pv_ctx_create(&ctx));
  CHECK_OK(pv_ctx_set_ram_budget(ctx, 64 * 1024));
  o.method = PV_PSH_GLP;
  CHECK_STATUS(pv_psh_fuse(ctx, &o, B, WL, HL, ms, pan, f), PV_ENOMEM);
  pv_ctx_destroy(&ctx);
  pv_free(f);
}

PV_TEST_MAIN(PV_CASE(test_brovey_closed_form), PV_CASE(test_gihs_closed_form), PV_CASE(test_methods_beat_interpolation),
             PV_CASE(test_wald_protocol), PV_CASE(test_full_resolution), PV_CASE(test_brovey_rows), PV_CASE(test_glp_streamed),
             PV_CASE(test_nodata), PV_CASE(test_bad_input))
