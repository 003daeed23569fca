/* Periodic spectral calculus: derivatives, Poisson/Helmholtz, curl/stream,
 * dealiasing and filters, resampling, all against analytic trigonometric
 * polynomials or residuals; bad input. */
#include "pv_test.h"

#include <string.h>
#include <parseval/spectral.h>

static const double TWO_PI = 6.283185307179586476925286766559;

static pv_spectral_box *make_box(int dim, const int *n, const double *L) {
  pv_spectral_options o = PV_SPECTRAL_OPTIONS_INIT;
  o.rigor = PV_FFT_ESTIMATE;
  pv_spectral_box *b = NULL;
  CHECK_OK(pv_spectral_box_create(NULL, dim, n, L, &o, &b));
  return b;
}

static double maxdiff(const double *a, const double *b, size_t n) {
  double m = 0;
  for (size_t i = 0; i < n; i++) m = fmax(m, fabs(a[i] - b[i]));
  return m;
}

/* u = sin(a x) cos(b y) + 0.7 cos(c z) + 0.3 with a = 2 pi 2/L0, b = 2 pi 3/L1,
 * c = 2 pi/L2 on a 9 x 10 x 8 box of lengths 1.5, 2, 3. */
static void test_derivatives_3d(void) {
  const int n[3] = {9, 10, 8};
  const double L[3] = {1.5, 2.0, 3.0};
  const double a = TWO_PI * 2 / L[0], bb = TWO_PI * 3 / L[1], c = TWO_PI / L[2];
  pv_spectral_box *b = make_box(3, n, L);
  if (!b) return;
  const size_t N = 720;
  CHECK_EQ_INT(pv_spectral_box_npoints(b), N);
  CHECK_EQ_INT(pv_spectral_box_nmodes(b), 9 * 10 * 5);
  double *u = pv_malloc(N * 8), *g = pv_malloc(3 * N * 8), *ge = pv_malloc(3 * N * 8);
  double *lap = pv_malloc(N * 8), *lape = pv_malloc(N * 8), *v = pv_malloc(3 * N * 8);
  double *d = pv_malloc(N * 8), *w = pv_malloc(N * 8);
  size_t q = 0;
  for (int i = 0; i < n[0]; i++)
    for (int j = 0; j < n[1]; j++)
      for (int k = 0; k < n[2]; k++, q++) {
        double x = i * L[0] / n[0], y = j * L[1] / n[1], z = k * L[2] / n[2];
        u[q] = sin(a * x) * cos(bb * y) + 0.7 * cos(c * z) + 0.3;
        ge[q] = a * cos(a * x) * cos(bb * y);
        ge[N + q] = -bb * sin(a * x) * sin(bb * y);
        ge[2 * N + q] = -0.7 * c * sin(c * z);
        lape[q] = -(a * a + bb * bb) * sin(a * x) * cos(bb * y) - 0.7 * c * c * cos(c * z);
      }
  CHECK_OK(pv_spectral_gradient(b, u, g));
  CHECK(maxdiff(g, ge, 3 * N) < 1e-12 * 30);
  CHECK_OK(pv_spectral_laplacian(b, u, lap));
  CHECK(maxdiff(lap, lape, N) < 1e-11 * 30);
  memcpy(w, u, N * 8); /* in place */
  CHECK_OK(pv_spectral_laplacian(b, w, w));
  CHECK(maxdiff(w, lape, N) < 1e-11 * 30);
  CHECK_OK(pv_spectral_divergence(b, ge, d)); /* div grad u = lap u */
  CHECK(maxdiff(d, lape, N) < 1e-11 * 30);
  /* Inverse Laplacian of lap u returns u minus its mean (0.3). */
  CHECK_OK(pv_spectral_inverse_laplacian(b, lape, w));
  for (size_t i = 0; i < N; i++) v[i] = u[i] - 0.3;
  CHECK(maxdiff(w, v, N) < 1e-13 * 10);
  /* Wavenumbers of axis 1 (n = 10, L = 2): 0, pi, .., 5 pi (Nyquist), -4 pi... */
  double k[10];
  CHECK_OK(pv_spectral_wavenumbers(b, 1, k));
  CHECK_NEAR(k[1], TWO_PI / 2, 1e-15);
  CHECK_NEAR(k[5], 5 * TWO_PI / 2, 1e-14);
  CHECK_NEAR(k[6], -4 * TWO_PI / 2, 1e-14);
  pv_free(u); pv_free(g); pv_free(ge); pv_free(lap); pv_free(lape); pv_free(v); pv_free(d); pv_free(w);
  pv_spectral_box_destroy(&b);
}

/* Even n: the Nyquist mode's first derivative is 0, its Laplacian -(pi n/L)^2. */
static void test_nyquist_convention(void) {
  const int n = 8;
  const double L = 2.0;
  pv_spectral_box *b = make_box(1, &n, &L);
  double u[8], g[8], lap[8];
  for (int i = 0; i < n; i++) u[i] = (i % 2) ? -1.0 : 1.0; /* cos(pi n x / L) */
  CHECK_OK(pv_spectral_gradient(b, u, g));
  CHECK_OK(pv_spectral_laplacian(b, u, lap));
  double kn = 3.14159265358979323846 * n / L;
  for (int i = 0; i < n; i++) {
    CHECK_NEAR(g[i], 0.0, 1e-13);
    CHECK_NEAR(lap[i], -kn * kn * u[i], 1e-11);
  }
  pv_spectral_box_destroy(&b);
}

static void fill(double *x, size_t n, unsigned seed) {
  pv_rng r;
  pv_rng_init(&r, seed, 5);
  for (size_t i = 0; i < n; i++) x[i] = pv_rng_normal(&r);
}

/* Poisson and Helmholtz residuals on random (fully resolved) right sides. */
static void test_poisson_helmholtz(void) {
  const int n[2] = {24, 18};
  const double L[2] = {1.0, 0.75};
  const size_t N = 24 * 18;
  pv_spectral_box *b = make_box(2, n, L);
  double *f = pv_malloc(N * 8), *u = pv_malloc(N * 8), *r = pv_malloc(N * 8);
  fill(f, N, 1);
  double mean = 0;
  for (size_t i = 0; i < N; i++) mean += f[i] / N;
  CHECK_OK(pv_spectral_inverse_laplacian(b, f, u));
  CHECK_OK(pv_spectral_laplacian(b, u, r));
  double um = 0, res = 0;
  for (size_t i = 0; i < N; i++) {
    um += u[i] / N;
    res = fmax(res, fabs(r[i] - (f[i] - mean)));
  }
  CHECK(res < 1e-11);
  CHECK_NEAR(um, 0.0, 1e-15);
  /* a u - b lap u = f. */
  const double a = 2.5, c = 0.03;
  CHECK_OK(pv_spectral_helmholtz_solve(b, a, c, f, u));
  CHECK_OK(pv_spectral_laplacian(b, u, r));
  res = 0;
  for (size_t i = 0; i < N; i++) res = fmax(res, fabs(a * u[i] - c * r[i] - f[i]));
  CHECK(res < 1e-11);
  /* Singular: a = 0 (k = 0) and a + b |k|^2 = 0 at |k| = 2 pi. */
  CHECK_STATUS(pv_spectral_helmholtz_solve(b, 0.0, 1.0, f, u), PV_EINVAL);
  CHECK_STATUS(pv_spectral_helmholtz_solve(b, TWO_PI * TWO_PI, -1.0, f, u), PV_EINVAL);
  CHECK_STATUS(pv_spectral_helmholtz_solve(b, NAN, 1.0, f, u), PV_EINVAL);
  pv_free(f); pv_free(u); pv_free(r);
  pv_spectral_box_destroy(&b);
}

/* psi = sin(2 pi x) sin(4 pi y / Ly) + cos(2 pi 3 x): w = -lap psi,
 * u = psi_y, v = -psi_x; curl(u, v) = w. */
static void test_curl_stream_2d(void) {
  const int n[2] = {16, 20};
  const double L[2] = {1.0, 2.0};
  const size_t N = 320;
  pv_spectral_box *b = make_box(2, n, L);
  double *psi = pv_malloc(N * 8), *w = pv_malloc(N * 8), *ue = pv_malloc(N * 8), *ve = pv_malloc(N * 8);
  double *p2 = pv_malloc(N * 8), *u = pv_malloc(N * 8), *v = pv_malloc(N * 8), *w2 = pv_malloc(N * 8);
  const double kx = TWO_PI, ky = 2 * TWO_PI / L[1], k3 = 3 * TWO_PI;
  for (int i = 0; i < n[0]; i++)
    for (int j = 0; j < n[1]; j++) {
      double x = i * L[0] / n[0], y = j * L[1] / n[1];
      size_t q = (size_t)i * n[1] + j;
      psi[q] = sin(kx * x) * sin(ky * y) + cos(k3 * x);
      w[q] = (kx * kx + ky * ky) * sin(kx * x) * sin(ky * y) + k3 * k3 * cos(k3 * x);
      ue[q] = ky * sin(kx * x) * cos(ky * y);
      ve[q] = -(kx * cos(kx * x) * sin(ky * y) - k3 * sin(k3 * x));
    }
  CHECK_OK(pv_spectral_stream2d(b, w, p2, u, v));
  CHECK(maxdiff(p2, psi, N) < 1e-13);
  CHECK(maxdiff(u, ue, N) < 1e-12);
  CHECK(maxdiff(v, ve, N) < 1e-12);
  CHECK_OK(pv_spectral_curl2d(b, ue, ve, w2));
  CHECK(maxdiff(w2, w, N) < 1e-10);
  CHECK_OK(pv_spectral_stream2d(b, w, NULL, NULL, v)); /* optional outputs */
  CHECK(maxdiff(v, ve, N) < 1e-12);
  pv_free(psi); pv_free(w); pv_free(ue); pv_free(ve); pv_free(p2); pv_free(u); pv_free(v); pv_free(w2);
  pv_spectral_box_destroy(&b);
}

/* 2/3 rule keeps 3|m| <= 2 floor(n/2) per axis; the exponential filter
 * multiplies mode m by exp(-36 (|m|/kmax)^36). */
static void test_dealias_filter(void) {
  const int n[2] = {16, 12};
  const double L[2] = {1, 1};
  pv_spectral_box *b = make_box(2, n, L);
  const size_t M = 16 * 7;
  double *uh = pv_malloc(2 * M * 8), *f = pv_malloc(2 * M * 8);
  for (size_t i = 0; i < 2 * M; i++) uh[i] = 1.0;
  CHECK_OK(pv_spectral_dealias(b, uh));
  int kept = 0;
  for (int i = 0; i < 16; i++)
    for (int j = 0; j < 7; j++) {
      int fi = i <= 8 ? i : 16 - i;
      int keep = 3 * fi <= 16 && 3 * j <= 12;
      kept += keep;
      CHECK_NEAR(uh[2 * (i * 7 + j)], keep ? 1.0 : 0.0, 0);
    }
  CHECK_EQ_INT(kept, 11 * 5); /* |m0| <= 5, m1 in 0..4 */
  for (size_t i = 0; i < 2 * M; i++) f[i] = 1.0;
  CHECK_OK(pv_spectral_filter_exp(b, f, 36.0, 36.0));
  CHECK_NEAR(f[0], 1.0, 0);
  CHECK_REL(f[2 * (8 * 7 + 0)], exp(-36.0), 1e-14);              /* Nyquist row */
  CHECK_REL(f[2 * (4 * 7 + 3)], exp(-36.0 * (pow(0.5, 36) + pow(0.5, 36))), 1e-14);
  CHECK_REL(f[2 * (12 * 7 + 6) + 1], exp(-36.0 * (pow(0.5, 36) + 1.0)), 1e-14);
  CHECK_STATUS(pv_spectral_filter_exp(b, f, -1.0, 36.0), PV_EINVAL);
  CHECK_STATUS(pv_spectral_filter_exp(b, f, 1.0, NAN), PV_EINVAL);
  pv_free(uh); pv_free(f);
  pv_spectral_box_destroy(&b);
}

/* A trig polynomial with frequencies below 5 (2D) sampled on 10 x 11,
 * interpolated to 16 x 17 and to 6 x 11: both equal the polynomial sampled
 * there. Up then down is the identity even with Nyquist content; strided
 * down-sampling picks every s-th point. */
static double trig(double x, double y) {
  return 1.0 + cos(TWO_PI * 2 * x) * sin(TWO_PI * 1 * y) + 0.5 * sin(TWO_PI * (2 * x + 2 * y)) +
         0.25 * cos(TWO_PI * 1 * y);
}

static void sample_trig(int n0, int n1, double *u) {
  for (int i = 0; i < n0; i++)
    for (int j = 0; j < n1; j++) u[i * n1 + j] = trig((double)i / n0, (double)j / n1);
}

static void test_resample(void) {
  int nin[2] = {10, 11}, nup[2] = {16, 17}, ndn[2] = {6, 11};
  double *u = pv_malloc(110 * 8), *up = pv_malloc(272 * 8), *e = pv_malloc(272 * 8);
  double *dn = pv_malloc(66 * 8), *back = pv_malloc(110 * 8);
  sample_trig(10, 11, u);
  CHECK_OK(pv_spectral_resample(NULL, 2, nin, u, nup, up));
  sample_trig(16, 17, e);
  CHECK(maxdiff(up, e, 272) < 1e-13);
  CHECK_OK(pv_spectral_resample(NULL, 2, nin, u, ndn, dn));
  sample_trig(6, 11, e);
  CHECK(maxdiff(dn, e, 66) < 1e-13);
  /* Identity on random data through 10x11 -> 16x17 -> 10x11. */
  fill(u, 110, 3);
  CHECK_OK(pv_spectral_resample(NULL, 2, nin, u, nup, up));
  CHECK_OK(pv_spectral_resample(NULL, 2, nup, up, nin, back));
  CHECK(maxdiff(back, u, 110) < 1e-13);
  /* 1D: a Nyquist-containing even signal upsampled keeps its samples. */
  int n8 = 8, n16 = 16;
  double s8[8], s16[16];
  for (int i = 0; i < 8; i++) s8[i] = (i % 2 ? -1.0 : 1.0) + 0.1 * i;
  CHECK_OK(pv_spectral_resample(NULL, 1, &n8, s8, &n16, s16));
  for (int i = 0; i < 8; i++) CHECK_NEAR(s16[2 * i], s8[i], 1e-13);
  /* Strided down-sampling of the fine grid = coarse samples. */
  int nf[2] = {12, 15}, st[2] = {3, 5};
  double *fine = pv_malloc(180 * 8), coarse[12], ec[12];
  sample_trig(12, 15, fine);
  CHECK_OK(pv_spectral_downsample(2, nf, fine, st, coarse));
  sample_trig(4, 3, ec);
  CHECK(maxdiff(coarse, ec, 12) < 1e-15);
  int bad[2] = {0, 3};
  CHECK_STATUS(pv_spectral_downsample(2, nf, fine, bad, coarse), PV_EINVAL);
  CHECK_STATUS(pv_spectral_resample(NULL, 2, bad, u, nin, up), PV_EINVAL);
  pv_free(u); pv_free(up); pv_free(e); pv_free(dn); pv_free(back); pv_free(fine);
}

static void test_bad_input(void) {
  pv_spectral_box *b = NULL;
  int n[3] = {8, 8, 8}, n1[2] = {8, 1};
  double L[3] = {1, 1, 1}, Lnan[2] = {1, NAN}, Lneg[2] = {-1, 1};
  CHECK_STATUS(pv_spectral_box_create(NULL, 2, n1, L, NULL, &b), PV_EINVAL);
  CHECK_STATUS(pv_spectral_box_create(NULL, 2, n, Lnan, NULL, &b), PV_EINVAL);
  CHECK_STATUS(pv_spectral_box_create(NULL, 2, n, Lneg, NULL, &b), PV_EINVAL);
  CHECK_STATUS(pv_spectral_box_create(NULL, 4, n, L, NULL, &b), PV_EINVAL);
  CHECK_STATUS(pv_spectral_box_create(NULL, 0, n, L, NULL, &b), PV_EINVAL);
  CHECK(b == NULL);
  b = make_box(3, n, L);
  double *u = pv_malloc(512 * 8), *w = pv_malloc(512 * 8);
  memset(u, 0, 512 * 8);
  int s = pv_spectral_curl2d(b, u, u, w);
  CHECK(s == PV_EINVAL && strstr(pv_error_message(), "dim 3") != NULL);
  pv_error_clear();
  CHECK_STATUS(pv_spectral_stream2d(b, u, w, NULL, NULL), PV_EINVAL);
  CHECK_STATUS(pv_spectral_gradient(b, NULL, w), PV_EINVAL);
  CHECK_STATUS(pv_spectral_laplacian(NULL, u, w), PV_EINVAL);
  CHECK_STATUS(pv_spectral_wavenumbers(b, 3, w), PV_EINVAL);
  pv_free(u); pv_free(w);
  pv_spectral_box_destroy(&b);
  pv_spectral_box_destroy(&b);
  /* Allocation failures while creating a box leak nothing. */
  pv_fft_cache_clear();
  for (long k = 0; k < 40; k++) {
    long live = pv_test_alloc_live();
    pv_test_fail_alloc_after(k);
    int st = pv_spectral_box_create(NULL, 3, n, L, NULL, &b);
    pv_test_fail_alloc_after(-1);
    if (st == 0) {
      pv_spectral_box_destroy(&b);
      pv_fft_cache_clear();
      CHECK_EQ_INT(pv_test_alloc_live(), live);
      break;
    }
    CHECK_EQ_INT(st, PV_ENOMEM);
    pv_error_clear();
    pv_fft_cache_clear();
    CHECK_EQ_INT(pv_test_alloc_live(), live);
  }
}

PV_TEST_MAIN(PV_CASE(test_derivatives_3d), PV_CASE(test_nyquist_convention),
             PV_CASE(test_poisson_helmholtz), PV_CASE(test_curl_stream_2d),
             PV_CASE(test_dealias_filter), PV_CASE(test_resample), PV_CASE(test_bad_input))
