/* Pansharpening indexes, MTF filters and interpolators against closed forms
 * (identical images, scaled images, one-band Q2n = UIQI) and against the
 * independent NumPy reference (reference.py -> reference.txt, argv[1]). */
#include "pv_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/pansharpen.h>

static const char *fixture;

/* The closed-form arrays of reference.py's cube(). */
static double *cube(size_t bands, size_t h, size_t w, int kind) {
  double *x = pv_malloc(bands * h * w * sizeof *x);
  for (size_t b = 0; b < bands; b++)
    for (size_t r = 0; r < h; r++)
      for (size_t c = 0; c < w; c++) {
        double B = (double)b, R = (double)r, C = (double)c;
        double v = 100 + 40 * sin(0.31 * R + 0.7 * B) * cos(0.23 * C + 0.05 * B * R) + 7 * B;
        if (kind) v += 6 * sin(1.37 * R * C + B) + 3 * cos(0.91 * C - 0.4 * R * B);
        x[(b * h + r) * w + c] = v;
      }
  return x;
}

static double ref_value(const char *key) {
  FILE *f = fopen(fixture, "r");
  char line[256], k[200];
  double v = NAN;
  if (!f) return NAN;
  while (fgets(line, sizeof line, f)) {
    double x;
    if (sscanf(line, "%199s = %lf", k, &x) == 2 && !strcmp(k, key)) v = x;
  }
  fclose(f);
  if (isnan(v)) pv_test_fail(__FILE__, __LINE__, "key %s missing from %s", key, fixture);
  return v;
}

static void test_identical(void) {
  size_t B = 4, h = 32, w = 32, n = h * w;
  double *a = cube(B, h, w, 1), q = 0;
  CHECK_NEAR(pv_psh_ergas(B, n, a, a, 4), 0, 1e-15);
  CHECK_NEAR(pv_psh_sam_deg(B, n, a, a), 0, 1e-5); /* acos near 1: sqrt(eps) resolution */
  CHECK_NEAR(pv_psh_scc(B, w, h, a, a), 1, 1e-14);
  CHECK_OK(pv_psh_q2n(B, w, h, a, a, 16, 16, &q));
  CHECK_NEAR(q, 1, 1e-12);
  CHECK_NEAR(pv_psh_uiqi(w, h, a, a, 8), 1, 1e-12);
  pv_free(a);
}

/* Mean and sample standard deviation (N-1) of one k x k block. */
static void block_stats(const double *a, size_t w, size_t y0, size_t x0, size_t k, double *m, double *t) {
  double s = 0, ss = 0;
  for (size_t r = 0; r < k; r++)
    for (size_t c = 0; c < k; c++) s += a[(y0 + r) * w + x0 + c];
  s /= (double)(k * k);
  for (size_t r = 0; r < k; r++)
    for (size_t c = 0; c < k; c++) ss += pow(a[(y0 + r) * w + x0 + c] - s, 2);
  *m = s, *t = sqrt(ss / (double)(k * k - 1));
}

/* fus = c * ref: SAM 0; ERGAS = 100/r |c-1| sqrt(mean_b E[x_b^2]/mu_b^2);
 * the UIQI of every window is (2c / (1 + c^2))^2. Q2n normalises each block
 * by the reference's mean s and std t (d1 = (x-s)/t + 1, d2 = (y-s)/t + 1),
 * so for one band its block value is the UIQI of (d1, d2): correlation 1,
 * means 1 and 1 + (c-1)s/t, deviations 1 and c. */
static void test_scaled(void) {
  size_t B = 3, h = 24, w = 24, n = h * w;
  double *a = cube(B, h, w, 1), *b = pv_malloc(B * n * sizeof *b), c = 1.25, q = 0;
  for (size_t i = 0; i < B * n; i++) b[i] = c * a[i];
  double acc = 0;
  for (size_t k = 0; k < B; k++) {
    double m = 0, s2 = 0;
    for (size_t i = 0; i < n; i++) m += a[k * n + i] / (double)n, s2 += a[k * n + i] * a[k * n + i] / (double)n;
    acc += s2 / (m * m) / (double)B;
  }
  CHECK_REL(pv_psh_ergas(B, n, a, b, 4), 25.0 * (c - 1) * sqrt(acc), 1e-12);
  CHECK_NEAR(pv_psh_sam_deg(B, n, a, b), 0, 1e-5);
  CHECK_NEAR(pv_psh_uiqi(w, h, a, b, 8), pow(2 * c / (1 + c * c), 2), 1e-12);
  double expect = 0, lum = 0;
  for (size_t by = 0; by < 3; by++)
    for (size_t bx = 0; bx < 3; bx++) {
      double s, t;
      block_stats(a, w, by * 8, bx * 8, 8, &s, &t);
      double m2 = 1 + (c - 1) * s / t;
      expect += 2 * m2 / (1 + m2 * m2) * 2 * c / (1 + c * c) / 9;
      m2 = 1 + 30 / t; /* y = x + 30: only the luminance term is left */
      lum += 2 * m2 / (1 + m2 * m2) / 9;
    }
  CHECK_OK(pv_psh_q2n(1, w, h, a, b, 8, 8, &q));
  CHECK_NEAR(q, expect, 1e-12);
  for (size_t i = 0; i < n; i++) b[i] = a[i] + 30;
  CHECK_OK(pv_psh_q2n(1, w, h, a, b, 8, 8, &q));
  CHECK_NEAR(q, lum, 1e-12);
  pv_free(a), pv_free(b);
}

/* One band: Q2n over one whole-image block is the UIQI of the block after
 * the reference's normalisation. */
static void test_q2n_one_band_is_uiqi(void) {
  size_t h = 16, w = 16, n = h * w;
  double *a = cube(1, h, w, 0), *b = cube(1, h, w, 1), q = 0, s, t;
  CHECK_OK(pv_psh_q2n(1, w, h, a, b, 16, 16, &q));
  block_stats(a, w, 0, 0, 16, &s, &t);
  for (size_t i = 0; i < n; i++) a[i] = (a[i] - s) / t + 1, b[i] = (b[i] - s) / t + 1;
  CHECK_NEAR(q, pv_psh_uiqi(w, h, a, b, 16), 1e-12);
  pv_free(a), pv_free(b);
}

static void test_against_numpy(void) {
  static const size_t cfg[4][4] = {{1, 24, 24, 8}, {3, 20, 28, 8}, {4, 32, 32, 16}, {8, 16, 16, 8}};
  for (int t = 0; t < 4; t++) {
    size_t B = cfg[t][0], h = cfg[t][1], w = cfg[t][2], bs = cfg[t][3];
    double *a = cube(B, h, w, 0), *b = cube(B, h, w, 1), q = 0;
    char key[128];
    snprintf(key, sizeof key, "ergas_b%zu_%zux%zu", B, h, w);
    CHECK_REL(pv_psh_ergas(B, h * w, a, b, 4), ref_value(key), 1e-10);
    snprintf(key, sizeof key, "sam_b%zu_%zux%zu", B, h, w);
    CHECK_NEAR(pv_psh_sam_deg(B, h * w, a, b), ref_value(key), B == 1 ? 1e-5 : 1e-9);
    snprintf(key, sizeof key, "scc_b%zu_%zux%zu", B, h, w);
    CHECK_REL(pv_psh_scc(B, w, h, a, b), ref_value(key), 1e-12);
    snprintf(key, sizeof key, "q2n_b%zu_%zux%zu_bs%zu", B, h, w, bs);
    CHECK_OK(pv_psh_q2n(B, w, h, a, b, bs, bs, &q));
    CHECK_REL(q, ref_value(key), 1e-10);
    snprintf(key, sizeof key, "uiqi_b%zu_%zux%zu_bs%zu", B, h, w, bs);
    CHECK_REL(pv_psh_uiqi(w, h, a, b, bs), ref_value(key), 1e-10);
    pv_free(a), pv_free(b);
  }
}

static void test_mtf_kernel(void) {
  static const double g[4] = {0.3, 0.15, 0.29, 0.25};
  static const int r[4] = {4, 4, 2, 3}, at[4][2] = {{20, 20}, {20, 23}, {17, 25}, {20, 30}};
  double h[41 * 41];
  for (int t = 0; t < 4; t++) {
    CHECK_OK(pv_psh_mtf_kernel(g[t], r[t], 41, h));
    double s = 0, resp = 0;
    for (int i = 0; i < 41 * 41; i++) s += h[i];
    CHECK_NEAR(s, 1, 1e-13);
    for (int k = 0; k < 4; k++) {
      char key[64];
      snprintf(key, sizeof key, "mtf_%g_%d_%d_%d", g[t], r[t], at[k][0], at[k][1]);
      CHECK_NEAR(h[at[k][0] * 41 + at[k][1]], ref_value(key), 1e-15);
    }
    /* Gain at the low-resolution Nyquist frequency 1/(2 ratio) ~ gnyq (the
     * window and the sampling move it by a few percent at most). */
    for (int i = 0; i < 41; i++)
      for (int j = 0; j < 41; j++) resp += h[i * 41 + j] * cos(M_PI * (j - 20) / r[t]);
    CHECK_NEAR(resp, g[t], 0.03);
  }
  CHECK_STATUS(pv_psh_mtf_kernel(1.2, 4, 41, h), PV_EINVAL);
  CHECK_STATUS(pv_psh_mtf_kernel(0.3, 4, 40, h), PV_EINVAL);
}

static void test_interp_against_numpy(void) {
  double *lr = cube(1, 6, 5, 1);
  static const int ratios[4] = {2, 4, 3, 6};
  for (int t = 0; t < 4; t++) {
    int r = ratios[t];
    size_t H = 6 * (size_t)r, W = 5 * (size_t)r;
    double *up = pv_malloc(H * W * sizeof *up), *rows = pv_malloc(3 * W * sizeof *rows);
    CHECK_OK(pv_psh_interp(r, 5, 6, lr, up));
    int at[5][2] = {{0, 0}, {1, 2}, {r + 1, 2 * r - 1}, {5 * r, 4 * r + r / 2}, {3 * r - 1, r}};
    for (int k = 0; k < 5; k++) {
      char key[64];
      snprintf(key, sizeof key, "interp_%d_%d_%d", r, at[k][0], at[k][1]);
      CHECK_NEAR(up[(size_t)at[k][0] * W + (size_t)at[k][1]], ref_value(key), 1e-10);
    }
    /* A strip equals the same rows of the whole image. */
    CHECK_OK(pv_psh_interp_rows(r, 5, 6, lr, H - 3, 3, rows));
    for (size_t i = 0; i < 3 * W; i++) CHECK_NEAR(rows[i], up[(H - 3) * W + i], 1e-12);
    /* Half-band cascades keep the low-resolution samples exactly. */
    if (r == 2 || r == 4)
      for (size_t y = 0; y < 6; y++)
        for (size_t x = 0; x < 5; x++) CHECK_NEAR(up[(y * r + r / 2) * W + x * r + r / 2], lr[y * 5 + x], 1e-9);
    pv_free(up), pv_free(rows);
  }
  pv_free(lr);
}

/* The separable expansion against a brute-force 2-D correlation with
 * replicated borders. */
static void test_filter_expansion(void) {
  double h[41 * 41];
  CHECK_OK(pv_psh_mtf_kernel(0.3, 4, 41, h));
  pv_psh_filter *f = NULL;
  CHECK_OK(pv_psh_filter_create_mtf(0.3, 4, &f));
  CHECK(pv_psh_filter_rank(f) >= 1 && pv_psh_filter_rank(f) <= 12);
  size_t W = 24, H = 20;
  double *img = cube(1, H, W, 1), *out = pv_malloc(W * H * sizeof *out), *dec = pv_malloc(30 * sizeof *dec);
  CHECK_OK(pv_psh_filter_apply(f, W, H, img, out));
  double worst = 0;
  for (size_t y = 0; y < H; y++)
    for (size_t x = 0; x < W; x++) {
      double s = 0;
      for (int a = -20; a <= 20; a++)
        for (int b = -20; b <= 20; b++) {
          long yy = (long)y + a, xx = (long)x + b;
          yy = yy < 0 ? 0 : yy >= (long)H ? (long)H - 1 : yy;
          xx = xx < 0 ? 0 : xx >= (long)W ? (long)W - 1 : xx;
          s += h[(a + 20) * 41 + b + 20] * img[yy * (long)W + xx];
        }
      worst = fmax(worst, fabs(s - out[y * W + x]));
    }
  CHECK(worst < 1e-10);
  CHECK_OK(pv_psh_filter_decimate(f, 4, W, H, img, dec));
  for (size_t y = 0; y < 5; y++)
    for (size_t x = 0; x < 6; x++) CHECK_NEAR(dec[y * 6 + x], out[(y * 4 + 2) * W + x * 4 + 2], 1e-12);
  CHECK_STATUS(pv_psh_filter_decimate(f, 4, 25, H, img, dec), PV_EINVAL);
  pv_psh_filter_destroy(&f);
  CHECK(f == NULL);
  pv_free(img), pv_free(out), pv_free(dec);
}

static void test_nan_and_errors(void) {
  size_t B = 2, h = 16, w = 16, n = h * w;
  double *a = cube(B, h, w, 0), *b = cube(B, h, w, 1), q = 0, e0 = pv_psh_ergas(B, n, a, b, 4);
  b[5] = NAN; /* pixel 5 of band 0 */
  double e1 = pv_psh_ergas(B, n, a, b, 4);
  CHECK(isfinite(e1) && e1 != e0);
  CHECK(isfinite(pv_psh_sam_deg(B, n, a, b)));
  CHECK_OK(pv_psh_q2n(B, w, h, a, b, 8, 8, &q)); /* the block with the NaN is skipped */
  CHECK(q > 0 && q <= 1);
  for (size_t i = 0; i < n; i++) b[i] = NAN;
  CHECK(isnan(pv_psh_ergas(B, n, a, b, 4)));
  CHECK_STATUS(pv_psh_q2n(B, w, h, a, b, 8, 8, &q), PV_EINVAL);
  CHECK_STATUS(pv_psh_q2n(300, w, h, a, b, 8, 8, &q), PV_EINVAL);
  double g[8], gp = 0;
  CHECK_OK(pv_psh_sensor_gains("WV3", 8, g, &gp));
  CHECK_NEAR(g[0], 0.325, 0);
  CHECK_NEAR(gp, 0.14, 0);
  CHECK_STATUS(pv_psh_sensor_gains("WV3", 4, g, &gp), PV_EINVAL);
  CHECK_STATUS(pv_psh_sensor_gains("Landsat", 4, g, &gp), PV_EINVAL);
  pv_free(a), pv_free(b);
}

int main(int argc, char **argv) {
  fixture = argc > 1 ? argv[1] : "reference.txt";
  static const pv_test_case cases[] = {PV_CASE(test_identical),         PV_CASE(test_scaled),
                                       PV_CASE(test_q2n_one_band_is_uiqi), PV_CASE(test_against_numpy),
                                       PV_CASE(test_mtf_kernel),        PV_CASE(test_interp_against_numpy),
                                       PV_CASE(test_filter_expansion),  PV_CASE(test_nan_and_errors)};
  return pv_test_main(argc > 1 ? 1 : argc, argv, cases, (int)(sizeof cases / sizeof cases[0]));
}
