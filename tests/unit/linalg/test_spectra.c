/* Matrix spectra against closed forms: diagonal matrices (nuclear norm = sum
 * |d|, effective rank = exp(entropy of |d| / sum |d|)), exact power laws
 * (alpha-ReQ), Pareto samples with a known exponent (power-law MLE + KS),
 * FARMS windows against explicit submatrix SVDs. */
#include "pv_test.h"
#include "la_testutil.h"

#include <parseval/linalg.h>
#include <parseval/spectra.h>

static void test_diagonal(void) {
  enum { M = 7, N = 5 };
  double a[M * N] = {0}, d[N] = {3.0, -2.0, 0.5, 0.0, 1.5}, nuc = 0, l12 = 0, er = 0, s[N];
  for (int i = 0; i < N; i++) a[i * N + i] = d[i];
  CHECK_OK(pv_spectra_nuclear_norm(NULL, M, N, a, N, &nuc));
  CHECK_NEAR(nuc, 7.0, 1e-13);
  CHECK_OK(pv_spectra_nuclear_l12(M, N, a, N, 0, &l12)); /* exact for orthogonal columns */
  CHECK_NEAR(l12, 7.0, 1e-13);
  for (int i = 0; i < N; i++) s[i] = fabs(d[i]);
  CHECK_OK(pv_spectra_effective_rank(s, N, &er));
  double h = 0.0;
  for (int i = 0; i < N; i++)
    if (s[i] > 0) h -= s[i] / 7.0 * log(s[i] / 7.0);
  CHECK_NEAR(er, exp(h), 1e-13);
  double eq[4] = {2, 2, 2, 2}, one[3] = {5, 0, 0};
  CHECK_OK(pv_spectra_effective_rank(eq, 4, &er));
  CHECK_NEAR(er, 4.0, 1e-13);
  CHECK_OK(pv_spectra_effective_rank(one, 3, &er));
  CHECK_NEAR(er, 1.0, 1e-15);
  /* A dense matrix with known singular values: with D = n (all columns) the
   * column-norm sum bounds the nuclear norm from above (triangle inequality on
   * A = sum_j A e_j e_j^T), and it lies between ||A||_F and sqrt(n) ||A||_F. */
  pv_rng g;
  pv_rng_init(&g, 1, 1);
  double b[M * N], sv[N] = {3, 2, 1.5, 0.5, 0.1}, fro = 0;
  la_make_matrix(&g, M, N, sv, b, NULL, NULL);
  for (int i = 0; i < N; i++) fro += sv[i] * sv[i];
  fro = sqrt(fro);
  CHECK_OK(pv_spectra_nuclear_norm(NULL, M, N, b, N, &nuc));
  CHECK_NEAR(nuc, 7.1, 1e-12);
  CHECK_OK(pv_spectra_nuclear_l12(M, N, b, N, 0, &l12));
  CHECK(l12 >= fro * (1 - 1e-12) && l12 <= sqrt((double)N) * fro);
  CHECK(l12 >= nuc * (1 - 1e-12));
  CHECK(l12 > nuc * 1.01); /* a rotated matrix: the approximation is not exact */
  /* Normalised variant: rows of the centred matrix have unit length, so the
   * column norms' squares sum to the number of nonzero rows. */
  CHECK_OK(pv_spectra_nuclear_l12(M, N, b, N, 1, &l12));
  CHECK(l12 <= sqrt((double)N * M) + 1e-12 && l12 >= sqrt((double)M) - 1e-12);
}

static void test_alpha_req(void) {
  enum { R = 200 };
  double lam[R];
  for (int i = 0; i < R; i++) lam[R - 1 - i] = 3.0 * pow(i + 1.0, -1.3); /* stored ascending */
  double alpha = 0;
  CHECK_OK(pv_spectra_alpha_req(lam, R, 1, R, &alpha));
  CHECK_NEAR(alpha, 1.3, 1e-12);
  CHECK_OK(pv_spectra_alpha_req(lam, R, 10, 50, &alpha));
  CHECK_NEAR(alpha, 1.3, 1e-12);
  lam[5] = 0.0;
  CHECK_STATUS(pv_spectra_alpha_req(lam, R, 1, R, &alpha), PV_EINVAL);
  CHECK_STATUS(pv_spectra_alpha_req(lam, R, 5, 5, &alpha), PV_EINVAL);
  CHECK_STATUS(pv_spectra_alpha_req(lam, R, 1, R + 1, &alpha), PV_EINVAL);
}

/* Pareto tail p(x) ~ x^-alpha on x >= 1 (x = (1 - u)^(-1 / (alpha - 1))),
 * below it a uniform body on [0.05, 1) that the KS scan must reject. */
static void test_powerlaw_recovers_exponent(void) {
  enum { TAIL = 3000, BODY = 1500 };
  static double x[TAIL + BODY];
  const double alphas[3] = {2.0, 2.5, 4.0};
  for (int t = 0; t < 3; t++) {
    pv_rng g;
    pv_rng_init(&g, 17, (uint64_t)t);
    for (int i = 0; i < TAIL; i++) x[i] = pow(1.0 - pv_rng_uniform(&g), -1.0 / (alphas[t] - 1.0));
    for (int i = 0; i < BODY; i++) x[TAIL + i] = 0.05 + 0.95 * pv_rng_uniform(&g);
    pv_powerlaw_fit f;
    CHECK_OK(pv_spectra_powerlaw_fit(x, TAIL + BODY, NULL, &f));
    /* standard error of the MLE: (alpha - 1) / sqrt(tail) ~ 0.03 */
    CHECK_NEAR(f.alpha, alphas[t], 0.12);
    CHECK(f.xmin > 0.8 && f.xmin < 1.6);
    CHECK(f.ks < 0.03);
    CHECK_EQ_INT(f.used, TAIL + BODY);
    /* Tail only, median xmin: also consistent (a Pareto tail of a Pareto). */
    pv_powerlaw_options o = PV_POWERLAW_OPTIONS_INIT;
    o.mode = PV_POWERLAW_XMIN_MEDIAN;
    CHECK_OK(pv_spectra_powerlaw_fit(x, TAIL, &o, &f));
    CHECK_NEAR(f.alpha, alphas[t], 0.15);
    CHECK_EQ_INT(f.tail, TAIL - TAIL / 2);
  }
  double few[5] = {1, 2, 3, 4, 5}, bad[3] = {1, NAN, 2};
  pv_powerlaw_fit f;
  CHECK_STATUS(pv_spectra_powerlaw_fit(few, 5, NULL, &f), PV_EINVAL);
  CHECK_STATUS(pv_spectra_powerlaw_fit(bad, 3, NULL, &f), PV_EINVAL);
}

static void test_farms(void) {
  enum { M = 60, N = 130 };
  pv_rng g;
  pv_rng_init(&g, 4, 4);
  double *w = pv_malloc(M * N * sizeof *w);
  pv_rng_fill_normal(&g, w, M * N);
  pv_farms_options o = PV_FARMS_OPTIONS_INIT;
  o.rows = 20;
  o.aspect = 1.5;
  o.windows = 4;
  size_t count = 0;
  CHECK_OK(pv_spectra_farms_count(M, N, &o, &count));
  /* rows: step floor(40 / 3) = 13 -> 4 windows; cols c = 30: step floor(100 / 3) = 33 -> 4 */
  CHECK_EQ_INT(count, 4 * 4 * 20);
  double *ev = pv_malloc(count * sizeof *ev), *want = pv_malloc(count * sizeof *want);
  CHECK_OK(pv_spectra_farms_esd(NULL, M, N, w, N, &o, ev));
  /* Independent: explicit windows, squared singular values by the dense SVD. */
  double sub[20 * 30], s[20];
  size_t at = 0;
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++) {
      int r0 = i * 13, c0 = j * 33;
      for (int p = 0; p < 20; p++)
        for (int q = 0; q < 30; q++) sub[p * 30 + q] = w[(r0 + p) * N + c0 + q];
      CHECK_OK(pv_linalg_svd(NULL, 20, 30, sub, 30, s, NULL, 0, NULL, 0));
      for (int q = 0; q < 20; q++) want[at++] = s[q] * s[q];
    }
  for (size_t i = 0; i < count; i++) { /* sort want ascending (insertion) */
    for (size_t j = i; j > 0 && want[j - 1] > want[j]; j--) {
      double t = want[j];
      want[j] = want[j - 1];
      want[j - 1] = t;
    }
  }
  for (size_t i = 0; i < count; i++) CHECK_NEAR(ev[i], want[i], 1e-10 * want[count - 1]);
  /* Windows larger than the matrix are clipped. */
  o.rows = 100;
  CHECK_OK(pv_spectra_farms_count(M, N, &o, &count));
  CHECK_EQ_INT(count, 1 * 1 * 60);
  w[7] = NAN;
  CHECK_STATUS(pv_spectra_farms_esd(NULL, M, N, w, N, &o, ev), PV_EINVAL);
  o.windows = 0;
  CHECK_STATUS(pv_spectra_farms_count(M, N, &o, &count), PV_EINVAL);
  pv_free(w);
  pv_free(ev);
  pv_free(want);
}

/* FARMS removes the aspect-ratio bias of the plain ESD fit: for i.i.d. Gaussian
 * matrices of aspect 1 and 4 the plain ESD exponents differ (Marchenko-Pastur
 * shapes differ), the FARMS exponents (same window shape) agree closely. */
static void test_farms_aspect_bias(void) {
  enum { R = 120 };
  pv_rng g;
  pv_rng_init(&g, 8, 8);
  double *w1 = pv_malloc(R * R * sizeof *w1), *w4 = pv_malloc(R * 4 * R * sizeof *w4);
  pv_rng_fill_normal(&g, w1, R * R);
  pv_rng_fill_normal(&g, w4, R * 4 * R);
  pv_powerlaw_options po = PV_POWERLAW_OPTIONS_INIT;
  po.mode = PV_POWERLAW_XMIN_MEDIAN;
  double s1[R], s4[R];
  CHECK_OK(pv_linalg_svd(NULL, R, R, w1, R, s1, NULL, 0, NULL, 0));
  CHECK_OK(pv_linalg_svd(NULL, R, 4 * R, w4, 4 * R, s4, NULL, 0, NULL, 0));
  for (int i = 0; i < R; i++) {
    s1[i] *= s1[i];
    s4[i] *= s4[i];
  }
  pv_powerlaw_fit f1, f4, g1, g4;
  CHECK_OK(pv_spectra_powerlaw_fit(s1, R, &po, &f1));
  CHECK_OK(pv_spectra_powerlaw_fit(s4, R, &po, &f4));
  pv_farms_options o = PV_FARMS_OPTIONS_INIT;
  o.rows = 40;
  o.aspect = 1.0;
  o.windows = 6;
  size_t c1, c4;
  CHECK_OK(pv_spectra_farms_count(R, R, &o, &c1));
  CHECK_OK(pv_spectra_farms_count(R, 4 * R, &o, &c4));
  double *e1 = pv_malloc(c1 * sizeof *e1), *e4 = pv_malloc(c4 * sizeof *e4);
  CHECK_OK(pv_spectra_farms_esd(NULL, R, R, w1, R, &o, e1));
  CHECK_OK(pv_spectra_farms_esd(NULL, R, 4 * R, w4, 4 * R, &o, e4));
  CHECK_OK(pv_spectra_powerlaw_fit(e1, c1, &po, &g1));
  CHECK_OK(pv_spectra_powerlaw_fit(e4, c4, &po, &g4));
  CHECK(fabs(f1.alpha - f4.alpha) > 0.5);
  CHECK(fabs(g1.alpha - g4.alpha) < 0.1 * fabs(f1.alpha - f4.alpha));
  pv_free(w1);
  pv_free(w4);
  pv_free(e1);
  pv_free(e4);
}

/* Degenerate and hostile input: clear errors, no crash. */
static void test_edge_cases(void) {
  double ones[100], out = 0, a[4] = {1, 2, NAN, 4}, neg[3] = {1, -1, 2}, zero[3] = {0, 0, 0};
  for (int i = 0; i < 100; i++) ones[i] = 1.0;
  pv_powerlaw_fit f;
  CHECK_STATUS(pv_spectra_powerlaw_fit(ones, 100, NULL, &f), PV_ENUMERIC);
  CHECK_STATUS(pv_spectra_powerlaw_fit(zero, 3, NULL, &f), PV_EINVAL);
  CHECK_STATUS(pv_spectra_effective_rank(neg, 3, &out), PV_EINVAL);
  CHECK_STATUS(pv_spectra_effective_rank(zero, 3, &out), PV_EINVAL);
  CHECK_STATUS(pv_spectra_nuclear_l12(2, 2, a, 2, 0, &out), PV_EINVAL);
  CHECK_STATUS(pv_spectra_nuclear_norm(NULL, 2, 2, a, 2, &out), PV_EINVAL);
  CHECK_STATUS(pv_spectra_nuclear_l12(2, 2, a, 1, 0, &out), PV_EINVAL);
  double one = -5.0; /* 1 x 1: |x| = 5, L12 = 5, normalised: centred to 0 */
  CHECK_OK(pv_spectra_nuclear_norm(NULL, 1, 1, &one, 1, &out));
  CHECK_NEAR(out, 5.0, 1e-15);
  CHECK_OK(pv_spectra_nuclear_l12(1, 1, &one, 1, 1, &out));
  CHECK_NEAR(out, 0.0, 0.0);
  pv_powerlaw_options o = PV_POWERLAW_OPTIONS_INIT;
  o.min_tail = 1;
  CHECK_STATUS(pv_spectra_powerlaw_fit(ones, 100, &o, &f), PV_EINVAL);
  o.struct_size = 4;
  CHECK_STATUS(pv_spectra_powerlaw_fit(ones, 100, &o, &f), PV_EINVAL);
}

PV_TEST_MAIN(PV_CASE(test_diagonal), PV_CASE(test_edge_cases), PV_CASE(test_alpha_req),
             PV_CASE(test_powerlaw_recovers_exponent), PV_CASE(test_farms),
             PV_CASE(test_farms_aspect_bias))
