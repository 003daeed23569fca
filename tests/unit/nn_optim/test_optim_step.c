/* Single optimiser steps against values worked out in closed form:
 * Newton-Schulz on matrices whose singular values are all equal reduces to
 * the scalar recursion x <- a x + b x^3 + c x^5; Conda's first step on a
 * matrix with one non-zero per row and column is sign-like per entry; AuON's
 * cosh RMS of a +-c matrix is cosh of one number. Also: frozen parameters,
 * refused gradients, state export/import, allocation failures. */
#include <parseval/linalg.h>
#include <parseval/nn_optim.h>
#include <string.h>

#include "pv_test.h"

static const double NA = 3.4445, NB = -4.7750, NC = 2.0315;

static pv_nn_param mkp(const char *name, int ndim, const size_t *shape, int cplx, float *w,
                       float *g, int group) {
  pv_nn_param p;
  memset(&p, 0, sizeof p);
  snprintf(p.name, sizeof p.name, "%s", name);
  p.ndim = ndim;
  for (int i = 0; i < ndim; i++) p.shape[i] = shape[i];
  p.is_complex = cplx;
  p.w = w;
  p.g = g;
  p.group = group;
  return p;
}

/* The quintic applied `steps` times to a singular value x. */
static double quintic(double x, int steps) {
  for (int i = 0; i < steps; i++) x = NA * x + NB * x * x * x + NC * x * x * x * x * x;
  return x;
}

/* Q: 2 x 3 with orthonormal rows (1,2,2)/3, (2,1,-2)/3. */
static const double Q[6] = {1 / 3., 2 / 3., 2 / 3., 2 / 3., 1 / 3., -2 / 3.};

static void muon_matrix(void) {
  /* wide 2x3 (G = 2Q) and tall 3x2 (G = 3 Q^T): Muon's first step. */
  float w1[6], g1[6], w2[6], g2[6], w0[6];
  for (int i = 0; i < 6; i++) {
    w0[i] = w1[i] = w2[i] = 0.1f * (float)(i - 2);
    g1[i] = (float)(2 * Q[i]);
  }
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 2; j++) g2[i * 2 + j] = (float)(3 * Q[j * 3 + i]);
  size_t s1[2] = {2, 3}, s2[2] = {3, 2};
  pv_nn_param ps[2] = {mkp("wide", 2, s1, 0, w1, g1, 0), mkp("tall", 2, s2, 0, w2, g2, 0)};
  pv_nn_optim_options o = PV_NN_OPTIM_OPTIONS_INIT;
  o.weight_decay = 0.2;
  pv_nn_optim *opt = NULL;
  CHECK_OK(pv_nn_optim_create(NULL, PV_NN_OPTIM_MUON, &o, ps, 2, &opt));
  CHECK_EQ_INT(pv_nn_optim_param_role(opt, 0), 1);
  double lr = 0.05, beta = 0.95, k = 1 - beta * beta;
  CHECK_OK(pv_nn_optim_step(opt, lr));
  /* u = (1 - beta^2) g; both singular values of u/(|u|_F + 1e-7) are equal */
  double fw = quintic(k * 2 / (k * 2 * sqrt(2.0) + 1e-7), 5);
  double ft = quintic(k * 3 / (k * 3 * sqrt(2.0) + 1e-7), 5);
  for (int i = 0; i < 6; i++) {
    CHECK_NEAR(w1[i], w0[i] * (1 - lr * 0.2) - lr * fw * Q[i], 2e-6);
    int r = i / 2, c = i % 2;
    CHECK_NEAR(w2[i], w0[i] * (1 - lr * 0.2) - lr * sqrt(1.5) * ft * Q[c * 3 + r], 2e-6);
  }
  CHECK_EQ_INT(pv_nn_optim_steps(opt), 1);
  pv_nn_optim_destroy(&opt);
  CHECK(opt == NULL);
}

/* The float Newton-Schulz against linalg's double one (a second
 * implementation; it normalises without the 1e-7 guard, which is below float
 * rounding here), wide and tall, 5 steps. */
static void ns_float_vs_linalg(void) {
  const int shapes[2][2] = {{4, 7}, {9, 3}};
  for (int k = 0; k < 2; k++) {
    int r = shapes[k][0], c = shapes[k][1];
    double xd[63];
    float xf[63], work[256];
    pv_rng rng;
    pv_rng_init(&rng, 17, (uint64_t)k);
    pv_rng_fill_normal(&rng, xd, (size_t)(r * c));
    for (int i = 0; i < r * c; i++) xf[i] = (float)xd[i];
    CHECK((size_t)pv_nn_newton_schulz_work_floats((size_t)r, (size_t)c, 0) <= 256);
    CHECK_OK(pv_nn_newton_schulz_float((size_t)r, (size_t)c, 0, xf, 5, work));
    CHECK_OK(pv_linalg_newton_schulz(NULL, r, c, xd, c, PV_NS_QUINTIC, 5));
    for (int i = 0; i < r * c; i++) CHECK_NEAR(xf[i], xd[i], 2e-5);
  }
  float z[4] = {0};
  float w[16];
  CHECK_OK(pv_nn_newton_schulz_float(2, 2, 0, z, 5, w)); /* zero stays zero */
  CHECK(z[0] == 0 && z[3] == 0);
  CHECK_STATUS(pv_nn_newton_schulz_float(0, 2, 0, z, 5, w), PV_EINVAL);
}

static void muon_complex_per_mode(void) {
  /* shape (2, 3, 2) complex: mode 0 holds Q, mode 1 holds 10 i Q. Each mode
   * is orthogonalised on its own, so both get the same gain f and keep their
   * phase; a flat treatment would shrink mode 0 by the factor 10. */
  float w[24] = {0}, g[24];
  for (int e = 0; e < 6; e++) {
    g[2 * (e * 2 + 0)] = (float)Q[e];
    g[2 * (e * 2 + 0) + 1] = 0.0f;
    g[2 * (e * 2 + 1)] = 0.0f;
    g[2 * (e * 2 + 1) + 1] = (float)(10 * Q[e]);
  }
  size_t sh[3] = {2, 3, 2};
  pv_nn_param p = mkp("spec", 3, sh, 1, w, g, 0);
  pv_nn_optim *opt = NULL;
  CHECK_OK(pv_nn_optim_create(NULL, PV_NN_OPTIM_MUON, NULL, &p, 1, &opt));
  double lr = 0.1, k = 1 - 0.95 * 0.95;
  CHECK_OK(pv_nn_optim_step(opt, lr));
  double f0 = quintic(k / (k * sqrt(2.0) + 1e-7), 5), f1 = quintic(10 * k / (10 * k * sqrt(2.0) + 1e-7), 5);
  for (int e = 0; e < 6; e++) {
    CHECK_NEAR(w[2 * (e * 2)], -lr * f0 * Q[e], 2e-6);
    CHECK_NEAR(w[2 * (e * 2) + 1], 0.0, 2e-6);
    CHECK_NEAR(w[2 * (e * 2 + 1)], 0.0, 2e-6);
    CHECK_NEAR(w[2 * (e * 2 + 1) + 1], -lr * f1 * Q[e], 2e-6);
  }
  pv_nn_optim_destroy(&opt);
}

/* Conda's first update of entry x of a matrix with one non-zero per row and
 * column: the projected momentum and gradient are signed permutations of g. */
static double conda_first(double w0, double x, double lr, double scale, double wd) {
  double b1 = 0.9, b2 = 0.999, eps = 1e-8;
  double n = (1 - b1) * x / (sqrt((1 - b2) * x * x) + eps);
  double w = w0 - lr * sqrt(1 - b2) / (1 - b1) * scale * n;
  return w - lr * wd * w;
}

/* muon_complex_flat: the real float view (2 x 12) orthogonalised as one
 * matrix, checked against linalg's double Newton-Schulz of that view. */
static void muon_complex_flat(void) {
  float w[24] = {0}, g[24];
  double x[24];
  for (int i = 0; i < 24; i++) g[i] = (float)sin(1.0 + 0.7 * i);
  double k = 1 - 0.95 * 0.95;
  for (int i = 0; i < 24; i++) x[i] = k * g[i];
  CHECK_OK(pv_linalg_newton_schulz(NULL, 2, 12, x, 12, PV_NS_QUINTIC, 5));
  size_t sh[3] = {2, 3, 2};
  pv_nn_param p = mkp("spec", 3, sh, 1, w, g, 0);
  pv_nn_optim_options o = PV_NN_OPTIM_OPTIONS_INIT;
  o.muon_complex_flat = 1;
  pv_nn_optim *opt = NULL;
  CHECK_OK(pv_nn_optim_create(NULL, PV_NN_OPTIM_MUON, &o, &p, 1, &opt));
  CHECK_OK(pv_nn_optim_step(opt, 0.1));
  for (int i = 0; i < 24; i++) CHECK_NEAR(w[i], -0.1 * x[i], 3e-6);
  pv_nn_optim_destroy(&opt);
}

/* Per-mode Newton-Schulz on 1 and on 3 threads: the same bits. */
static void muon_threads_equal(void) {
  enum { N = 4 * 3 * 5 * 2 * 2 };
  float w1[N], w3[N], g[N];
  for (int i = 0; i < N; i++) {
    w1[i] = w3[i] = 0.01f * (float)(i % 13);
    g[i] = (float)cos(0.37 * i * i);
  }
  size_t sh[4] = {4, 3, 5, 2};
  for (int pass = 0; pass < 2; pass++) {
    pv_ctx *ctx = NULL;
    CHECK_OK(pv_ctx_create(&ctx));
    CHECK_OK(pv_ctx_set_threads(ctx, pass ? 3 : 1));
    pv_nn_param p = mkp("spec", 4, sh, 1, pass ? w3 : w1, g, 0);
    pv_nn_optim *opt = NULL;
    CHECK_OK(pv_nn_optim_create(ctx, PV_NN_OPTIM_MUON, NULL, &p, 1, &opt));
    for (int s = 0; s < 3; s++) CHECK_OK(pv_nn_optim_step(opt, 0.05));
    pv_nn_optim_destroy(&opt);
    pv_ctx_destroy(&ctx);
  }
  CHECK(!memcmp(w1, w3, sizeof w1));
  CHECK(w1[0] != 0.0f);
}

static void conda_first_step(void) {
  float wt[6] = {1, 2, 3, 4, 5, 6}, gt[6] = {0, 3, 1, 0, 0, 0};      /* 3 x 2 */
  float ww[6] = {-1, -2, -3, 1, 2, 3}, gw[6] = {0, 0, 2, 0.5f, 0, 0}; /* 2 x 3 */
  float wb[3] = {0.5f, -0.5f, 1}, gb[3] = {2, -0.25f, 0};             /* vector */
  float t0[6], w0[6], b0[3];
  memcpy(t0, wt, sizeof t0);
  memcpy(w0, ww, sizeof w0);
  memcpy(b0, wb, sizeof b0);
  size_t st[2] = {3, 2}, sw[2] = {2, 3}, sb[1] = {3};
  pv_nn_param ps[3] = {mkp("tall", 2, st, 0, wt, gt, 0), mkp("wide", 2, sw, 0, ww, gw, 0),
                       mkp("bias", 1, sb, 0, wb, gb, 0)};
  pv_nn_optim_options o = PV_NN_OPTIM_OPTIONS_INIT;
  o.weight_decay = 0.1;
  o.conda_scale = 0.5;
  pv_nn_optim *opt = NULL;
  CHECK_OK(pv_nn_optim_create(NULL, PV_NN_OPTIM_CONDA, &o, ps, 3, &opt));
  CHECK_EQ_INT(pv_nn_optim_param_role(opt, 2), 0);
  double lr = 0.01;
  CHECK_OK(pv_nn_optim_step(opt, lr));
  for (int i = 0; i < 6; i++) {
    CHECK_NEAR(wt[i], conda_first(t0[i], gt[i], lr, 0.5, 0.1), 1e-6);
    CHECK_NEAR(ww[i], conda_first(w0[i], gw[i], lr, 0.5, 0.1), 1e-6);
  }
  for (int i = 0; i < 3; i++) CHECK_NEAR(wb[i], conda_first(b0[i], gb[i], lr, 1.0, 0.1), 1e-6);
  pv_nn_optim_destroy(&opt);
}

/* Per-mode complex Conda, first step: each mode is a phased permutation
 * matrix, so P g and P m keep one entry per row and column and the update is
 * g_ij f(|g_ij|) in place, the complex form of conda_first. */
static void conda_complex_first_step(void) {
  /* (in, out, modes) = (2, 2, 2); mode 0 [[0, 3i], [1+i, 0]], mode 1 [[2, 0], [0, -0.5i]] */
  const double gre[2][4] = {{0, 0, 1, 0}, {2, 0, 0, 0}}, gim[2][4] = {{0, 3, 1, 0}, {0, 0, 0, -0.5}};
  float w[16], g[16], w0[16];
  for (int e = 0; e < 4; e++)
    for (int k = 0; k < 2; k++) {
      g[2 * (e * 2 + k)] = (float)gre[k][e];
      g[2 * (e * 2 + k) + 1] = (float)gim[k][e];
    }
  for (int i = 0; i < 16; i++) w[i] = w0[i] = 0.25f * (float)(i % 5) - 0.5f;
  size_t sh[3] = {2, 2, 2};
  pv_nn_param p = mkp("spec", 3, sh, 1, w, g, 0);
  pv_nn_optim_options o = PV_NN_OPTIM_OPTIONS_INIT;
  o.weight_decay = 0.1;
  pv_nn_optim *opt = NULL;
  CHECK_OK(pv_nn_optim_create(NULL, PV_NN_OPTIM_CONDA, &o, &p, 1, &opt));
  CHECK_EQ_INT(pv_nn_optim_param_role(opt, 0), 1);
  double lr = 0.02, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  CHECK_OK(pv_nn_optim_step(opt, lr));
  for (int e = 0; e < 4; e++)
    for (int k = 0; k < 2; k++) {
      double re = gre[k][e], im = gim[k][e], mag = hypot(re, im);
      double f = lr * sqrt(1 - b2) / (1 - b1) * 0.25 * (1 - b1) / (sqrt(1 - b2) * mag + eps);
      for (int h = 0; h < 2; h++) {
        int i = 2 * (e * 2 + k) + h;
        double x = w0[i] - f * (h ? im : re);
        CHECK_NEAR(w[i], x - lr * 0.1 * x, 1e-6);
      }
    }
  pv_nn_optim_destroy(&opt);
}

static void auon_first_step(void) {
  /* G = c s with s_ij = +-1 (N = 6): every gamma G_ij/|G| is +-gamma/sqrt(6),
   * so r = cosh(gamma / sqrt(6)) up to the 1e-7 guard. gamma 1.5 takes the
   * series path, gamma 4 libm's cosh. */
  static const float sg[6] = {1, -1, 1, 1, 1, -1};
  for (int variant = 0; variant < 4; variant++) {
    int normalize = variant & 1;
    double gamma = variant < 2 ? 1.5 : 4.0;
    float w[6], g[6];
    for (int i = 0; i < 6; i++) {
      w[i] = 1.0f;
      g[i] = 0.3f * sg[i];
    }
    size_t sh[2] = {3, 2};
    pv_nn_param p = mkp("w", 2, sh, 0, w, g, 0);
    pv_nn_optim_options o = PV_NN_OPTIM_OPTIONS_INIT;
    o.auon_normalize = normalize;
    o.weight_decay = 0.5;
    o.gamma = gamma;
    pv_nn_optim *opt = NULL;
    CHECK_OK(pv_nn_optim_create(NULL, PV_NN_OPTIM_AUON, &o, &p, 1, &opt));
    double lr = 0.2, k = 1 - 0.95 * 0.95, G = 0.3 * k, gn = G * sqrt(6.0);
    CHECK_OK(pv_nn_optim_step(opt, lr));
    double r = cosh(gamma * G / (gn + 1e-7));
    double upd = normalize ? G / (gn + 1e-7) / (r + 1e-8) * sqrt(1.5) : G / (r + 1e-8);
    for (int i = 0; i < 6; i++) CHECK_NEAR(w[i], (1 - lr * 0.5) - lr * upd * sg[i], 1e-6);
    pv_nn_optim_destroy(&opt);
  }
}

static void hybrid_first_step(void) {
  /* one Newton-Schulz step on 2Q gives f1 Q, then the cosh brake on f1 Q */
  float w[6] = {0}, g[6];
  for (int i = 0; i < 6; i++) g[i] = (float)(2 * Q[i]);
  size_t sh[2] = {2, 3};
  pv_nn_param p = mkp("w", 2, sh, 0, w, g, 0);
  pv_nn_optim_options o = PV_NN_OPTIM_OPTIONS_INIT;
  o.auon_normalize = 0;
  pv_nn_optim *opt = NULL;
  CHECK_OK(pv_nn_optim_create(NULL, PV_NN_OPTIM_AUON_HYBRID, &o, &p, 1, &opt));
  double lr = 0.1, k = 1 - 0.95 * 0.95;
  CHECK_OK(pv_nn_optim_step(opt, lr));
  double f1 = quintic(2 * k / (2 * k * sqrt(2.0) + 1e-7), 1), xn = f1 * sqrt(2.0), acc = 0;
  for (int i = 0; i < 6; i++) acc += pow(cosh(1.5 * f1 * Q[i] / (xn + 1e-7)), 2);
  double r = sqrt(acc / 6);
  for (int i = 0; i < 6; i++) CHECK_NEAR(w[i], -lr * f1 * Q[i] / (r + 1e-8), 1e-6);
  pv_nn_optim_destroy(&opt);
}

static void aux_adamw_first_step(void) {
  /* a vector and a matrix routed to the auxiliary AdamW by its group:
   * bias-corrected m/sqrt(v) is g/|g| on the first step. */
  float b[3] = {1, 2, 3}, gb[3] = {0.5f, -2, 1e-3f}, m[4] = {1, 1, 1, 1}, gm[4] = {1, -1, 2, 0};
  size_t sb[1] = {3}, sm[2] = {2, 2};
  pv_nn_param ps[2] = {mkp("b", 1, sb, 0, b, gb, 0), mkp("lift", 2, sm, 0, m, gm, 3)};
  pv_nn_optim_options o = PV_NN_OPTIM_OPTIONS_INIT;
  o.aux_groups = 1u << 3;
  o.aux_lr_scale = 0.5;
  o.aux_weight_decay = 0.1;
  o.group_lr[3] = 2.0;
  pv_nn_optim *opt = NULL;
  CHECK_OK(pv_nn_optim_create(NULL, PV_NN_OPTIM_MUON, &o, ps, 2, &opt));
  CHECK_EQ_INT(pv_nn_optim_param_role(opt, 1), 0);
  double lr = 0.1;
  CHECK_OK(pv_nn_optim_step(opt, lr));
  const double b0[3] = {1, 2, 3};
  for (int i = 0; i < 3; i++) {
    double l = lr * 0.5, gi = gb[i];
    CHECK_NEAR(b[i], b0[i] * (1 - l * 0.1) - l * gi / (fabs(gi) + 1e-10), 1e-6);
  }
  for (int i = 0; i < 4; i++) {
    double l = lr * 0.5 * 2.0, gi = gm[i];
    CHECK_NEAR(m[i], (1 - l * 0.1) - (gi == 0 ? 0 : l * gi / (fabs(gi) + 1e-10)), 1e-6);
  }
  pv_nn_optim_destroy(&opt);
}

static void frozen_and_refused(void) {
  float w[4] = {1, 2, 3, 4}, g[4] = {1, 1, 1, 1}, v[2] = {5, 6}, gv[2] = {1, NAN};
  size_t sm[2] = {2, 2}, sv[1] = {2};
  pv_nn_param ps[2] = {mkp("w", 2, sm, 0, w, g, 0), mkp("v", 1, sv, 0, v, gv, 0)};
  ps[1].frozen = 1;
  pv_nn_optim *opt = NULL;
  CHECK_OK(pv_nn_optim_create(NULL, PV_NN_OPTIM_AUON, NULL, ps, 2, &opt));
  CHECK_OK(pv_nn_optim_step(opt, 0.1)); /* NaN in a frozen gradient is never read */
  CHECK(v[0] == 5 && v[1] == 6);
  CHECK(w[0] != 1);
  float w1[4];
  memcpy(w1, w, sizeof w1);
  ps[1].frozen = 0;
  CHECK_OK(pv_nn_optim_set_frozen(opt, ps, 2));
  CHECK_STATUS(pv_nn_optim_step(opt, 0.1), PV_EINVAL);
  CHECK(!memcmp(w, w1, sizeof w1) && v[0] == 5); /* nothing changed */
  CHECK_STATUS(pv_nn_optim_step(opt, -1), PV_EINVAL);
  pv_nn_param bad = ps[0];
  snprintf(bad.name, sizeof bad.name, "other");
  pv_nn_param two[2] = {bad, ps[1]};
  CHECK_STATUS(pv_nn_optim_set_frozen(opt, two, 2), PV_EINVAL);
  pv_nn_optim_destroy(&opt);
  pv_nn_optim_destroy(&opt);
  /* bad descriptors and options */
  pv_nn_param z = ps[0];
  z.group = PV_NN_OPTIM_MAX_GROUPS;
  CHECK_STATUS(pv_nn_optim_create(NULL, PV_NN_OPTIM_MUON, NULL, &z, 1, &opt), PV_EINVAL);
  z = ps[0];
  z.w = NULL;
  CHECK_STATUS(pv_nn_optim_create(NULL, PV_NN_OPTIM_MUON, NULL, &z, 1, &opt), PV_EINVAL);
  pv_nn_optim_options o = PV_NN_OPTIM_OPTIONS_INIT;
  o.momentum = 1.0;
  CHECK_STATUS(pv_nn_optim_create(NULL, PV_NN_OPTIM_MUON, &o, ps, 1, &opt), PV_EINVAL);
  CHECK_STATUS(pv_nn_optim_create(NULL, (pv_nn_optim_kind)9, NULL, ps, 1, &opt), PV_EINVAL);
  CHECK(opt == NULL);
}

/* Two runs: 6 steps straight, or 3 steps, export, a fresh optimiser, import,
 * 3 more: equal to the bit, for every kind. */
static void state_round_trip(void) {
  for (int kind = PV_NN_OPTIM_MUON; kind <= PV_NN_OPTIM_AUON_HYBRID; kind++) {
    float wa[12], wb[12], g[12], ca[8], cb[8], gc[8], ba[3], bb[3], gbv[3];
    size_t sm[2] = {4, 3}, sc[3] = {2, 2, 1}, sb[1] = {3};
    pv_nn_optim_options o = PV_NN_OPTIM_OPTIONS_INIT;
    o.update_proj_gap = 2;
    pv_nn_optim *A = NULL, *B = NULL;
    for (int i = 0; i < 12; i++) wa[i] = wb[i] = 0.1f * (float)(i % 5) - 0.2f;
    for (int i = 0; i < 8; i++) ca[i] = cb[i] = 0.3f - 0.05f * (float)i;
    for (int i = 0; i < 3; i++) ba[i] = bb[i] = (float)i;
    pv_nn_param pa[3] = {mkp("m", 2, sm, 0, wa, g, 0), mkp("c", 3, sc, 1, ca, gc, 1),
                         mkp("b", 1, sb, 0, ba, gbv, 1)};
    pv_nn_param pb[3] = {mkp("m", 2, sm, 0, wb, g, 0), mkp("c", 3, sc, 1, cb, gc, 1),
                         mkp("b", 1, sb, 0, bb, gbv, 1)};
    CHECK_OK(pv_nn_optim_create(NULL, (pv_nn_optim_kind)kind, &o, pa, 3, &A));
    for (int s = 0; s < 6; s++) {
      if (s == 3) { /* checkpoint A into a fresh B that has B's weights = A's */
        memcpy(wb, wa, sizeof wa);
        memcpy(cb, ca, sizeof ca);
        memcpy(bb, ba, sizeof ba);
        CHECK_OK(pv_nn_optim_create(NULL, (pv_nn_optim_kind)kind, &o, pb, 3, &B));
        const pv_nn_optim_state_entry *e;
        size_t n;
        CHECK_OK(pv_nn_optim_state(A, &e, &n));
        CHECK(n >= 6);
        for (size_t i = 0; i < n; i++) CHECK_OK(pv_nn_optim_state_import(B, e[i].name, e[i].data, e[i].n));
        pv_nn_optim_set_steps(B, pv_nn_optim_steps(A));
        CHECK_STATUS(pv_nn_optim_state_import(B, "nope/steps", e[0].data, 1), PV_EINVAL);
        CHECK_STATUS(pv_nn_optim_state_import(B, e[0].name, e[0].data, e[0].n + 1), PV_EINVAL);
        float neg = -1;
        CHECK_STATUS(pv_nn_optim_state_import(B, "m/steps", &neg, 1), PV_EINVAL);
      }
      for (int i = 0; i < 12; i++) g[i] = wa[i] - 0.05f * (float)(i * s % 7);
      for (int i = 0; i < 8; i++) gc[i] = ca[i] + 0.1f * (float)(i - s);
      for (int i = 0; i < 3; i++) gbv[i] = ba[i] - 1.0f;
      CHECK_OK(pv_nn_optim_step(A, 0.05));
      if (B) CHECK_OK(pv_nn_optim_step(B, 0.05));
    }
    CHECK(!memcmp(wa, wb, sizeof wa) && !memcmp(ca, cb, sizeof ca) && !memcmp(ba, bb, sizeof ba));
    CHECK_EQ_INT(pv_nn_optim_steps(B), 6);
    pv_nn_optim_destroy(&A);
    pv_nn_optim_destroy(&B);
  }
}

static float aw[20], ag[20], ac[16], agc[16];
static int mk_opt(void **obj) {
  size_t sm[2] = {5, 4}, sc[3] = {2, 2, 2};
  pv_nn_param ps[2] = {mkp("m", 2, sm, 0, aw, ag, 0), mkp("c", 3, sc, 1, ac, agc, 0)};
  static int kind = PV_NN_OPTIM_MUON;
  int st = pv_nn_optim_create(NULL, (pv_nn_optim_kind)kind, NULL, ps, 2, (pv_nn_optim **)obj);
  if (st == 0) kind = kind % 4 + 1;
  return st;
}
static void rm_opt(void **obj) { pv_nn_optim_destroy((pv_nn_optim **)obj); }

static void alloc_failures(void) {
  for (int k = 0; k < 4; k++) pv_test_alloc_countdown("nn_optim_create", mk_opt, rm_opt);
}

PV_TEST_MAIN(PV_CASE(muon_matrix), PV_CASE(ns_float_vs_linalg), PV_CASE(muon_complex_per_mode), PV_CASE(muon_complex_flat), PV_CASE(muon_threads_equal), PV_CASE(conda_first_step),
             PV_CASE(conda_complex_first_step), PV_CASE(auon_first_step), PV_CASE(hybrid_first_step), PV_CASE(aux_adamw_first_step),
             PV_CASE(frozen_and_refused), PV_CASE(state_round_trip), PV_CASE(alloc_failures))
