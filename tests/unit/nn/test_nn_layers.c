/* test_nn_layers.c - nn layers and losses: finite-difference gradient checks
 * in double, the spectral convolution against a direct DFT, float vs double. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/nn.h>
#include <parseval/rng.h>
#include "pv_test.h"

static double *rnd(size_t n, uint64_t stream) {
  double *x = pv_malloc(n * sizeof *x);
  pv_rng r;
  pv_rng_init(&r, 42, stream);
  for (size_t i = 0; i < n; i++) x[i] = 2 * pv_rng_uniform(&r) - 1;
  return x;
}

static double dot(const double *a, const double *b, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

/* Loss <r, linear(X)> and its FD derivative in each entry of X, W and bias. */
static void test_linear_grad(void) {
  const int B = 2, ci = 3, co = 4;
  const size_t P = 5;
  double *X = rnd(B * ci * P, 1), *W = rnd(co * ci, 2), *bias = rnd(co, 3), *r = rnd(B * co * P, 4);
  double *Y = pv_malloc(B * co * P * sizeof *Y), *dX = pv_malloc(B * ci * P * sizeof *dX);
  double *dW = pv_calloc(co * ci, sizeof *dW), *db = pv_calloc(co, sizeof *db);
  CHECK_OK(pv_nn_linear_forward(PV_F64, 2, B, ci, co, P, X, W, bias, Y));
  /* direct sum */
  for (int b = 0; b < B; b++)
    for (int o = 0; o < co; o++)
      for (size_t p = 0; p < P; p++) {
        double s = bias[o];
        for (int i = 0; i < ci; i++) s += W[o * ci + i] * X[(b * ci + i) * P + p];
        CHECK_NEAR(Y[(b * co + o) * P + p], s, 1e-14);
      }
  CHECK_OK(pv_nn_linear_backward(PV_F64, 2, B, ci, co, P, X, W, r, dX, dW, db, NULL));
  const double h = 1e-6;
  double *arrs[3] = {X, W, bias}, *grads[3] = {dX, dW, db};
  size_t lens[3] = {B * ci * P, (size_t)co * ci, (size_t)co};
  for (int a = 0; a < 3; a++)
    for (size_t k = 0; k < lens[a]; k++) {
      double s = arrs[a][k], lp, lm;
      arrs[a][k] = s + h;
      pv_nn_linear_forward(PV_F64, 1, B, ci, co, P, X, W, bias, Y);
      lp = dot(r, Y, B * co * P);
      arrs[a][k] = s - h;
      pv_nn_linear_forward(PV_F64, 1, B, ci, co, P, X, W, bias, Y);
      lm = dot(r, Y, B * co * P);
      arrs[a][k] = s;
      CHECK_NEAR(grads[a][k], (lp - lm) / (2 * h), 1e-8);
    }
  double *ptrs[] = {X, W, bias, r, Y, dX, dW, db};
  for (size_t i = 0; i < sizeof ptrs / sizeof *ptrs; i++) pv_free(ptrs[i]);
}

static void test_gelu(void) {
  const size_t n = 2001;
  double *x = pv_malloc(n * sizeof *x), *y = pv_malloc(n * sizeof *y), *g = pv_malloc(n * sizeof *g);
  double *one = pv_malloc(n * sizeof *one);
  float *xf = pv_malloc(n * sizeof *xf), *yf = pv_malloc(n * sizeof *yf), *gf = pv_malloc(n * sizeof *gf);
  float *onef = pv_malloc(n * sizeof *onef);
  for (size_t i = 0; i < n; i++) {
    x[i] = -10 + 20.0 * i / (n - 1);
    xf[i] = (float)x[i];
    one[i] = 1;
    onef[i] = 1;
  }
  CHECK_OK(pv_nn_gelu_forward(PV_F64, 1, n, x, y));
  CHECK_OK(pv_nn_gelu_backward(PV_F64, 1, n, x, one, g));
  CHECK_OK(pv_nn_gelu_forward(PV_F32, 1, n, xf, yf));
  CHECK_OK(pv_nn_gelu_backward(PV_F32, 1, n, xf, onef, gf));
  /* known values: GELU(1) = Phi(1) = 0.841344746068543, GELU(-1) = -0.158655253931457 */
  double v1, vm1;
  double a1 = 1.0, am1 = -1.0;
  pv_nn_gelu_forward(PV_F64, 1, 1, &a1, &v1);
  pv_nn_gelu_forward(PV_F64, 1, 1, &am1, &vm1);
  CHECK_NEAR(v1, 0.841344746068543, 1e-14);
  CHECK_NEAR(vm1, -0.158655253931457, 1e-14);
  const double h = 1e-6;
  for (size_t i = 0; i < n; i++) {
    double p = x[i] + h, m = x[i] - h, yp, ym;
    pv_nn_gelu_forward(PV_F64, 1, 1, &p, &yp);
    pv_nn_gelu_forward(PV_F64, 1, 1, &m, &ym);
    CHECK_NEAR(g[i], (yp - ym) / (2 * h), 1e-8);
    /* float kernel (own erf and exp) against double */
    CHECK_NEAR(yf[i], y[i], 4e-7 * fmax(1.0, fabs(x[i])));
    CHECK_NEAR(gf[i], g[i], 1e-6 * fmax(1.0, fabs(x[i])));
  }
  double *pd[] = {x, y, g, one};
  float *pf[] = {xf, yf, gf, onef};
  for (int i = 0; i < 4; i++) { pv_free(pd[i]); pv_free(pf[i]); }
}

/* Direct evaluation of the layer: DFT by sums, retained modes, inverse with
 * the Hermitian extension (column 0 once, others twice, real part). 2D. */
static void direct_spectral2d(int B, int ci, int co, int n0, int n1, int m0, int m1,
                              const double *X, const double *W, double *Y) {
  const double tp = 2 * M_PI;
  for (int b = 0; b < B; b++)
    for (int o = 0; o < co; o++)
      for (int j0 = 0; j0 < n0; j0++)
        for (int j1 = 0; j1 < n1; j1++) {
          double acc = 0;
          for (int blk = 0; blk < 2; blk++)
            for (int a = 0; a < m0; a++)
              for (int c = 0; c < m1; c++) {
                int k0 = blk ? n0 - m0 + a : a, k1 = c;
                double yr = 0, yi = 0;
                for (int i = 0; i < ci; i++) {
                  double xr = 0, xi = 0;
                  for (int q0 = 0; q0 < n0; q0++)
                    for (int q1 = 0; q1 < n1; q1++) {
                      double th = -tp * ((double)k0 * q0 / n0 + (double)k1 * q1 / n1);
                      double v = X[((b * ci + i) * n0 + q0) * n1 + q1];
                      xr += v * cos(th);
                      xi += v * sin(th);
                    }
                  const double *w = W + 2 * ((((size_t)blk * ci + i) * co + o) * m0 * m1 + a * m1 + c);
                  yr += xr * w[0] - xi * w[1];
                  yi += xr * w[1] + xi * w[0];
                }
                double th = tp * ((double)k0 * j0 / n0 + (double)k1 * j1 / n1);
                acc += (k1 == 0 ? 1.0 : 2.0) * (yr * cos(th) - yi * sin(th));
              }
          Y[((b * co + o) * n0 + j0) * n1 + j1] = acc / (n0 * n1);
        }
}

static void test_spectral_vs_dft(void) {
  const int B = 2, ci = 2, co = 3, n0 = 8, n1 = 6, m0 = 3, m1 = 3;
  pv_nn_spectral_options o = PV_NN_SPECTRAL_OPTIONS_INIT;
  o.dtype = PV_F64; o.dim = 2; o.n[0] = n0; o.n[1] = n1; o.modes[0] = m0; o.modes[1] = m1;
  o.cin = ci; o.cout = co;
  pv_nn_spectral *s = NULL, *sf = NULL;
  CHECK_OK(pv_nn_spectral_create(NULL, &o, &s));
  const size_t wc = pv_nn_spectral_weight_count(s), np = (size_t)n0 * n1;
  CHECK_EQ_INT(wc, 2 * ci * co * m0 * m1);
  double *X = rnd(B * ci * np, 10), *W = rnd(2 * wc, 11), *Y = pv_malloc(B * co * np * sizeof *Y);
  double *Yd = pv_malloc(B * co * np * sizeof *Yd);
  CHECK_OK(pv_nn_spectral_forward(s, B, X, W, Y, NULL));
  direct_spectral2d(B, ci, co, n0, n1, m0, m1, X, W, Yd);
  for (size_t k = 0; k < B * co * np; k++) CHECK_NEAR(Y[k], Yd[k], 1e-13);
  /* the float layer agrees to float rounding */
  o.dtype = PV_F32;
  CHECK_OK(pv_nn_spectral_create(NULL, &o, &sf));
  float *Xf = pv_malloc(B * ci * np * sizeof *Xf), *Wf = pv_malloc(2 * wc * sizeof *Wf);
  float *Yf = pv_malloc(B * co * np * sizeof *Yf);
  for (size_t k = 0; k < B * ci * np; k++) Xf[k] = (float)X[k];
  for (size_t k = 0; k < 2 * wc; k++) Wf[k] = (float)W[k];
  CHECK_OK(pv_nn_spectral_forward(sf, B, Xf, Wf, Yf, NULL));
  for (size_t k = 0; k < B * co * np; k++) CHECK_NEAR(Yf[k], Yd[k], 2e-6);
  pv_nn_spectral_destroy(&s);
  pv_nn_spectral_destroy(&sf);
  CHECK(s == NULL);
  pv_free(X); pv_free(W); pv_free(Y); pv_free(Yd); pv_free(Xf); pv_free(Wf); pv_free(Yf);
}

/* FD gradient of <r, layer(X; W)> in X and W, 2D (even and odd last axis) and 3D. */
static void spectral_grad(int dim, const int n[3], const int modes[3], int B, int ci, int co) {
  pv_nn_spectral_options o = PV_NN_SPECTRAL_OPTIONS_INIT;
  o.dtype = PV_F64; o.dim = dim; o.cin = ci; o.cout = co;
  size_t np = 1;
  for (int a = 0; a < dim; a++) { o.n[a] = n[a]; o.modes[a] = modes[a]; np *= (size_t)n[a]; }
  pv_nn_spectral *s = NULL;
  CHECK_OK(pv_nn_spectral_create(NULL, &o, &s));
  if (!s) return;
  const size_t wr = 2 * pv_nn_spectral_weight_count(s), sp = pv_nn_spectral_spec_size(s);
  double *X = rnd(B * ci * np, 20), *W = rnd(wr, 21), *r = rnd(B * co * np, 22);
  double *Y = pv_malloc(B * co * np * sizeof *Y), *dX = pv_malloc(B * ci * np * sizeof *dX);
  double *dW = pv_calloc(wr, sizeof *dW), *Xh = pv_malloc(2 * B * ci * sp * sizeof *Xh);
  CHECK_OK(pv_nn_spectral_forward(s, B, X, W, Y, Xh));
  CHECK_OK(pv_nn_spectral_backward(s, B, Xh, W, r, dX, dW));
  const double h = 1e-6;
  double *arrs[2] = {X, W}, *grads[2] = {dX, dW};
  size_t lens[2] = {B * ci * np, wr};
  double maxerr = 0;
  for (int a = 0; a < 2; a++)
    for (size_t k = 0; k < lens[a]; k++) {
      double sv = arrs[a][k];
      arrs[a][k] = sv + h;
      pv_nn_spectral_forward(s, B, X, W, Y, NULL);
      double lp = dot(r, Y, B * co * np);
      arrs[a][k] = sv - h;
      pv_nn_spectral_forward(s, B, X, W, Y, NULL);
      double lm = dot(r, Y, B * co * np);
      arrs[a][k] = sv;
      double e = fabs(grads[a][k] - (lp - lm) / (2 * h));
      maxerr = e > maxerr ? e : maxerr;
    }
  CHECK(maxerr < 1e-8);
  if (maxerr >= 1e-8) fprintf(stderr, "spectral grad dim %d: max error %g\n", dim, maxerr);
  pv_nn_spectral_destroy(&s);
  pv_free(X); pv_free(W); pv_free(r); pv_free(Y); pv_free(dX); pv_free(dW); pv_free(Xh);
}

static void test_spectral_grad(void) {
  int n2[3] = {8, 8, 0}, m2[3] = {3, 4, 0};
  spectral_grad(2, n2, m2, 2, 2, 3);
  int n2o[3] = {6, 7, 0}, m2o[3] = {2, 3, 0};
  spectral_grad(2, n2o, m2o, 1, 3, 2);
  int n3[3] = {4, 6, 6}, m3[3] = {2, 2, 3};
  spectral_grad(3, n3, m3, 2, 2, 2);
}

static void test_rel_l2(void) {
  const int B = 3;
  const size_t P = 7;
  double *p = rnd(B * P, 30), *t = rnd(B * P, 31), *g = pv_malloc(B * P * sizeof *g);
  double loss, ref = 0;
  CHECK_OK(pv_nn_loss_rel_l2(PV_F64, B, P, p, t, PV_NN_REDUCE_MEAN, &loss, g));
  for (int b = 0; b < B; b++) {
    double e2 = 0, t2 = 0;
    for (size_t i = 0; i < P; i++) {
      double e = p[b * P + i] - t[b * P + i];
      e2 += e * e;
      t2 += t[b * P + i] * t[b * P + i];
    }
    ref += sqrt(e2 / t2) / B;
  }
  CHECK_NEAR(loss, ref, 1e-15);
  const double h = 1e-6;
  for (size_t k = 0; k < B * P; k++) {
    double sv = p[k], lp, lm;
    p[k] = sv + h;
    pv_nn_loss_rel_l2(PV_F64, B, P, p, t, PV_NN_REDUCE_MEAN, &lp, NULL);
    p[k] = sv - h;
    pv_nn_loss_rel_l2(PV_F64, B, P, p, t, PV_NN_REDUCE_MEAN, &lm, NULL);
    p[k] = sv;
    CHECK_NEAR(g[k], (lp - lm) / (2 * h), 1e-8);
  }
  memset(t, 0, P * sizeof *t);
  CHECK_STATUS(pv_nn_loss_rel_l2(PV_F64, B, P, p, t, PV_NN_REDUCE_SUM, &loss, NULL), PV_ENUMERIC);
  pv_free(p); pv_free(t); pv_free(g);
}

static void test_hminus1(void) {
  /* single mode: e = cos(2 pi (2x + y)) on the unit square; ||e||^2_{H^-1_a}
   * = (1/2) / (a + 4 pi^2 * 5) */
  const int n[2] = {8, 8};
  const size_t N = 64;
  double *p = pv_calloc(2 * N, sizeof *p), *t = pv_calloc(2 * N, sizeof *t);
  double *g = pv_malloc(2 * N * sizeof *g);
  const double alpha = pow(10.0, -1.5);
  for (int i = 0; i < 8; i++)
    for (int j = 0; j < 8; j++) {
      p[i * 8 + j] = cos(2 * M_PI * (2.0 * i / 8 + 1.0 * j / 8));
      t[N + i * 8 + j] = 1.0 + 0.1 * sin(2 * M_PI * i / 8);
      p[N + i * 8 + j] = t[N + i * 8 + j];
    }
  double loss;
  CHECK_OK(pv_nn_loss_hminus1(NULL, PV_F64, 2, n, 2, p, t, alpha, 0, PV_NN_REDUCE_SUM, &loss, NULL));
  CHECK_REL(loss, 0.5 / (alpha + 4 * M_PI * M_PI * 5), 1e-12);
  /* gradient check, relative, random data */
  pv_free(p); pv_free(t);
  p = rnd(2 * N, 40);
  t = rnd(2 * N, 41);
  CHECK_OK(pv_nn_loss_hminus1(NULL, PV_F64, 2, n, 2, p, t, alpha, 1, PV_NN_REDUCE_MEAN, &loss, g));
  const double h = 1e-6;
  for (size_t k = 0; k < 2 * N; k += 3) {
    double sv = p[k], lp, lm;
    p[k] = sv + h;
    pv_nn_loss_hminus1(NULL, PV_F64, 2, n, 2, p, t, alpha, 1, PV_NN_REDUCE_MEAN, &lp, NULL);
    p[k] = sv - h;
    pv_nn_loss_hminus1(NULL, PV_F64, 2, n, 2, p, t, alpha, 1, PV_NN_REDUCE_MEAN, &lm, NULL);
    p[k] = sv;
    CHECK_NEAR(g[k], (lp - lm) / (2 * h), 1e-7 * fmax(1, fabs(g[k])));
  }
  pv_free(p); pv_free(t); pv_free(g);
}

static void test_gaussian_nll(void) {
  const size_t n = 9;
  double *p = rnd(n, 50), *t = rnd(n, 51), *v = rnd(n, 52), *gp = pv_malloc(n * sizeof *gp);
  double *gv = pv_malloc(n * sizeof *gv), loss, ref = 0;
  for (size_t i = 0; i < n; i++) v[i] = 0.1 + fabs(v[i]);
  CHECK_OK(pv_nn_loss_gaussian_nll(PV_F64, n, p, t, v, 1e-6, &loss, gp, gv));
  for (size_t i = 0; i < n; i++)
    ref += 0.5 * (log(v[i]) + (p[i] - t[i]) * (p[i] - t[i]) / v[i]) / n;
  CHECK_NEAR(loss, ref, 1e-15);
  const double h = 1e-6;
  double *arrs[2] = {p, v}, *grads[2] = {gp, gv};
  for (int a = 0; a < 2; a++)
    for (size_t k = 0; k < n; k++) {
      double sv = arrs[a][k], lp, lm;
      arrs[a][k] = sv + h;
      pv_nn_loss_gaussian_nll(PV_F64, n, p, t, v, 1e-6, &lp, NULL, NULL);
      arrs[a][k] = sv - h;
      pv_nn_loss_gaussian_nll(PV_F64, n, p, t, v, 1e-6, &lm, NULL, NULL);
      arrs[a][k] = sv;
      CHECK_NEAR(grads[a][k], (lp - lm) / (2 * h), 1e-8);
    }
  v[0] = -1;
  CHECK_STATUS(pv_nn_loss_gaussian_nll(PV_F64, n, p, t, v, 1e-6, &loss, NULL, NULL), PV_EINVAL);
  pv_free(p); pv_free(t); pv_free(v); pv_free(gp); pv_free(gv);
}

/* Navier-Stokes residual: zero for a steady Kolmogorov-type flow, the
 * analytic value for a time-periodic mode, and a finite-difference gradient. */
static void test_ns_residual(void) {
  const int n = 16, nt = 6;
  const size_t N = (size_t)n * n;
  double *w = pv_malloc(nt * N * sizeof *w), *f = pv_malloc(N * sizeof *f);
  pv_nn_ns_residual_options o = PV_NN_NS_RESIDUAL_OPTIONS_INIT;
  o.nu = 1e-2;
  o.dt = 0.1;
  const double k2 = 8 * M_PI * M_PI;
  for (int t = 0; t < nt; t++)
    for (int i = 0; i < n; i++)
      for (int j = 0; j < n; j++) {
        double phi = sin(2 * M_PI * i / n) * sin(2 * M_PI * j / n);
        w[t * N + i * n + j] = 0.7 * phi;
        f[i * n + j] = o.nu * k2 * 0.7 * phi;
      }
  o.forcing = f;
  double loss;
  CHECK_OK(pv_nn_loss_ns_residual(NULL, n, nt, w, &o, &loss, NULL));
  CHECK(loss < 1e-13);
  /* w = cos(2 pi t / (nt dt)) phi, no forcing: r = (a' + nu k2 a) phi */
  o.forcing = NULL;
  double want = 0;
  for (int t = 0; t < nt; t++) {
    double om = 2 * M_PI / (nt * o.dt), a = cos(om * t * o.dt), ad = -om * sin(om * t * o.dt);
    want += (ad + o.nu * k2 * a) * (ad + o.nu * k2 * a) * 0.25 / (o.alpha + k2) / nt;
    for (int i = 0; i < n; i++)
      for (int j = 0; j < n; j++)
        w[t * N + i * n + j] = a * sin(2 * M_PI * i / n) * sin(2 * M_PI * j / n);
  }
  CHECK_OK(pv_nn_loss_ns_residual(NULL, n, nt, w, &o, &loss, NULL));
  CHECK_REL(loss, sqrt(want), 1e-10);
  /* gradient: random small field with forcing */
  const int m = 8, mt = 4;
  const size_t M = (size_t)m * m;
  double *x = rnd(mt * M, 60), *fo = rnd(M, 61), *g = pv_malloc(mt * M * sizeof *g);
  o.forcing = fo;
  o.nu = 3e-2;
  CHECK_OK(pv_nn_loss_ns_residual(NULL, m, mt, x, &o, &loss, g));
  const double h = 1e-6;
  double maxerr = 0;
  for (size_t k = 0; k < mt * M; k += 3) {
    double sv = x[k], lp, lm;
    x[k] = sv + h;
    pv_nn_loss_ns_residual(NULL, m, mt, x, &o, &lp, NULL);
    x[k] = sv - h;
    pv_nn_loss_ns_residual(NULL, m, mt, x, &o, &lm, NULL);
    x[k] = sv;
    double e = fabs((lp - lm) / (2 * h) - g[k]);
    maxerr = e > maxerr ? e : maxerr;
  }
  if (maxerr > 1e-7) fprintf(stderr, "NS residual grad: max error %g\n", maxerr);
  CHECK(maxerr < 1e-7);
  CHECK_STATUS(pv_nn_loss_ns_residual(NULL, 7, mt, x, &o, &loss, NULL), PV_EINVAL);
  pv_free(w); pv_free(f); pv_free(x); pv_free(fo); pv_free(g);
}

static void test_bad_args(void) {
  pv_nn_spectral_options o = PV_NN_SPECTRAL_OPTIONS_INIT;
  pv_nn_spectral *s = NULL;
  o.n[0] = o.n[1] = 8; o.modes[0] = 5; o.modes[1] = 3; o.cin = o.cout = 1;
  CHECK_STATUS(pv_nn_spectral_create(NULL, &o, &s), PV_EINVAL); /* 2 * 5 > 8 */
  CHECK(s == NULL);
  double x = 0;
  CHECK_STATUS(pv_nn_linear_forward(PV_I32, 1, 1, 1, 1, 1, &x, &x, NULL, &x), PV_EINVAL);
  CHECK_STATUS(pv_nn_linear_forward(PV_F64, 1, 0, 1, 1, 1, &x, &x, NULL, &x), PV_EINVAL);
  size_t sh[2] = {3, 4};
  pv_nn_tensor *t = NULL;
  CHECK_OK(pv_nn_tensor_create(PV_F32, 2, sh, &t));
  CHECK_EQ_INT(pv_nn_tensor_numel(t), 12);
  CHECK_EQ_INT(t->strides[0], 4);
  pv_nn_tensor_destroy(&t);
  CHECK(t == NULL);
}

PV_TEST_MAIN(PV_CASE(test_linear_grad), PV_CASE(test_gelu), PV_CASE(test_spectral_vs_dft),
             PV_CASE(test_spectral_grad), PV_CASE(test_rel_l2), PV_CASE(test_hminus1),
             PV_CASE(test_gaussian_nll), PV_CASE(test_ns_residual), PV_CASE(test_bad_args))
