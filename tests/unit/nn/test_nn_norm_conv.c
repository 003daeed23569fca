/* test_nn_norm_conv.c - layer / group / instance norm and the 3-D
 * convolution: forward against hand-computed values and a direct loop,
 * finite-difference gradients in double for every input and parameter,
 * float against double, and results independent of the thread count. */
#include <math.h>
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/ctx.h>
#include <parseval/error.h>
#include <parseval/nn.h>
#include <parseval/rng.h>
#include "pv_test.h"

static void fill(pv_rng *r, double *x, size_t n, double off) {
  for (size_t i = 0; i < n; i++) x[i] = pv_rng_normal(r) + off;
}

static double dot(const double *a, const double *b, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

/* ------------------------------------------------------------ norms */

typedef struct {
  int group; /* 0: layer norm over channels; else groups */
  int batch, C, G;
  size_t np;
} norm_case;

static int norm_fwd(const norm_case *k, pv_dtype dt, int thr, const void *X, const void *g,
                    const void *b, void *Y, void *stats) {
  if (!k->group)
    return pv_nn_layer_norm_forward(dt, thr, k->batch, k->C, k->np, 1e-5, X, g, b, Y, stats);
  return pv_nn_group_norm_forward(dt, thr, k->batch, k->C, k->G, k->np, 1e-5, X, g, b, Y, stats);
}

static int norm_bwd(const norm_case *k, pv_dtype dt, int thr, const void *X, const void *g,
                    const void *stats, const void *dY, void *dX, void *dg, void *db) {
  if (!k->group)
    return pv_nn_layer_norm_backward(dt, thr, k->batch, k->C, k->np, X, g, stats, dY, dX, dg, db);
  return pv_nn_group_norm_backward(dt, thr, k->batch, k->C, k->G, k->np, X, g, stats, dY, dX, dg,
                                   db);
}

/* loss = <Y(X, g, b), Rw>; analytic gradients against central differences */
static void norm_gradcheck(const norm_case *k) {
  pv_rng r;
  pv_rng_init(&r, 11, (uint64_t)k->G + 100u * (uint64_t)k->group);
  const size_t n = (size_t)k->batch * k->C * k->np, nst = 2 * (size_t)k->batch * (k->group ? (size_t)k->G : k->np);
  double *X = pv_malloc(n * sizeof *X), *Y = pv_malloc(n * sizeof *Y), *Rw = pv_malloc(n * sizeof *Rw);
  double *dX = pv_malloc(n * sizeof *dX), *st = pv_malloc(nst * sizeof *st);
  double g[8], b[8], dg[8] = {0}, db[8] = {0};
  fill(&r, X, n, 0.3);
  fill(&r, Rw, n, 0.0);
  fill(&r, g, (size_t)k->C, 1.0);
  fill(&r, b, (size_t)k->C, 0.0);
  CHECK_OK(norm_fwd(k, PV_F64, 1, X, g, b, Y, st));
  CHECK_OK(norm_bwd(k, PV_F64, 1, X, g, st, Rw, dX, dg, db));
  const double h = 1e-5;
  double worst = 0, scale = 0;
  for (size_t i = 0; i < n; i++) scale = fmax(scale, fabs(dX[i]));
  for (int c = 0; c < k->C; c++) scale = fmax(scale, fmax(fabs(dg[c]), fabs(db[c])));
  for (size_t i = 0; i < n + 2 * (size_t)k->C; i++) {
    double *v = i < n ? &X[i] : i < n + (size_t)k->C ? &g[i - n] : &b[i - n - k->C];
    double an = i < n ? dX[i] : i < n + (size_t)k->C ? dg[i - n] : db[i - n - k->C];
    double keep = *v;
    *v = keep + h;
    CHECK_OK(norm_fwd(k, PV_F64, 1, X, g, b, Y, NULL));
    double lp = dot(Y, Rw, n);
    *v = keep - h;
    CHECK_OK(norm_fwd(k, PV_F64, 1, X, g, b, Y, NULL));
    double lm = dot(Y, Rw, n);
    *v = keep;
    double fd = (lp - lm) / (2 * h), e = fabs(fd - an) / scale;
    if (e > worst) worst = e;
  }
  printf("norm group=%d G=%d: worst relative gradient error %.2e\n", k->group, k->G, worst);
  CHECK(worst < 1e-8);
  /* float agrees with double; two threads give the same bits as one */
  float *Xf = pv_malloc(n * sizeof *Xf), *Yf = pv_malloc(n * sizeof *Yf), gf[8], bf[8];
  float *sf = pv_malloc(nst * sizeof *sf);
  for (size_t i = 0; i < n; i++) Xf[i] = (float)X[i];
  for (int c = 0; c < k->C; c++) { gf[c] = (float)g[c]; bf[c] = (float)b[c]; }
  CHECK_OK(norm_fwd(k, PV_F32, 1, Xf, gf, bf, Yf, sf));
  CHECK_OK(norm_fwd(k, PV_F64, 1, X, g, b, Y, st));
  double ef = 0;
  for (size_t i = 0; i < n; i++) ef = fmax(ef, fabs(Yf[i] - Y[i]));
  CHECK(ef < 2e-5);
  double dg2[8] = {0}, db2[8] = {0}, *dX2 = pv_malloc(n * sizeof *dX2);
  memset(dg, 0, sizeof dg);
  memset(db, 0, sizeof db);
  CHECK_OK(norm_bwd(k, PV_F64, 1, X, g, st, Rw, dX, dg, db));
  CHECK_OK(norm_bwd(k, PV_F64, 2, X, g, st, Rw, dX2, dg2, db2));
  CHECK(!memcmp(dX, dX2, n * sizeof *dX) && !memcmp(dg, dg2, sizeof dg) && !memcmp(db, db2, sizeof db));
  pv_free(X); pv_free(Y); pv_free(Rw); pv_free(dX); pv_free(st); pv_free(dX2);
  pv_free(Xf); pv_free(Yf); pv_free(sf);
}

static void test_norm_gradients(void) {
  const norm_case ks[] = {{0, 2, 5, 1, 300}, {1, 2, 6, 1, 7}, {1, 2, 6, 2, 7}, {1, 2, 6, 3, 7},
                          {1, 2, 6, 6, 7}};
  for (size_t i = 0; i < sizeof ks / sizeof *ks; i++) norm_gradcheck(&ks[i]);
}

static void test_norm_forward_values(void) {
  /* layer norm over 3 channels at 2 points: x = (1, 2, 3) and (5, 5, 5) */
  const double X[6] = {1, 5, 2, 5, 3, 5}, g[3] = {1, 2, 3}, b[3] = {0, 1, -1};
  double Y[6], st[4];
  CHECK_OK(pv_nn_layer_norm_forward(PV_F64, 1, 1, 3, 2, 0.0, X, NULL, NULL, Y, st));
  const double s = sqrt(1.5); /* (x - 2) / sqrt(2/3) */
  CHECK_NEAR(Y[0], -s, 1e-15);
  CHECK_NEAR(Y[2], 0.0, 1e-15);
  CHECK_NEAR(Y[4], s, 1e-15);
  CHECK_NEAR(st[0], 2.0, 1e-15);
  CHECK_NEAR(st[1], 1 / sqrt(2.0 / 3.0), 1e-14);
  /* a constant column normalises to beta (eps keeps it finite) */
  CHECK_OK(pv_nn_layer_norm_forward(PV_F64, 1, 1, 3, 2, 1e-5, X, g, b, Y, st));
  CHECK_NEAR(Y[1], 0.0, 1e-12);
  CHECK_NEAR(Y[3], 1.0, 1e-12);
  CHECK_NEAR(Y[5], -1.0, 1e-12);
  CHECK_NEAR(Y[4], 3 * s / sqrt(1 + 1.5e-5) - 1, 1e-9);
  /* instance norm (groups = channels) against a direct two-pass loop;
   * group norm with one group: the whole sample has mean 0, variance 1 */
  pv_rng r;
  pv_rng_init(&r, 3, 0);
  double Z[2 * 4 * 50], W[2 * 4 * 50];
  fill(&r, Z, 400, 2.0);
  CHECK_OK(pv_nn_group_norm_forward(PV_F64, 2, 2, 4, 4, 50, 1e-5, Z, NULL, NULL, W, NULL));
  for (int bc = 0; bc < 8; bc++) {
    double mu = 0, var = 0;
    for (int p = 0; p < 50; p++) mu += Z[bc * 50 + p] / 50;
    for (int p = 0; p < 50; p++) var += (Z[bc * 50 + p] - mu) * (Z[bc * 50 + p] - mu) / 50;
    for (int p = 0; p < 50; p++)
      CHECK_NEAR(W[bc * 50 + p], (Z[bc * 50 + p] - mu) / sqrt(var + 1e-5), 1e-12);
  }
  CHECK_OK(pv_nn_group_norm_forward(PV_F64, 1, 2, 4, 1, 50, 0.0, Z, NULL, NULL, W, NULL));
  for (int bb = 0; bb < 2; bb++) {
    double mu = 0, m2 = 0;
    for (int i = 0; i < 200; i++) mu += W[bb * 200 + i] / 200;
    for (int i = 0; i < 200; i++) m2 += W[bb * 200 + i] * W[bb * 200 + i] / 200;
    CHECK_NEAR(mu, 0.0, 1e-13);
    CHECK_NEAR(m2, 1.0, 1e-12);
  }
  CHECK_STATUS(pv_nn_group_norm_forward(PV_F64, 1, 2, 4, 3, 50, 1e-5, Z, NULL, NULL, W, NULL),
               PV_EINVAL);
}

/* ------------------------------------------------------------ conv3d */

typedef struct {
  int cin, cout, k, pad, circ, n[3];
} conv_case;

/* Direct 8-fold loop of the definition. */
static void conv_direct(const conv_case *c, int batch, const double *X, const double *W,
                        const double *bias, double *Y) {
  int o3[3];
  for (int i = 0; i < 3; i++) o3[i] = c->n[i] + 2 * c->pad - c->k + 1;
  const int k = c->k;
  size_t yi = 0;
  for (int b = 0; b < batch; b++)
    for (int o = 0; o < c->cout; o++)
      for (int z = 0; z < o3[0]; z++)
        for (int y = 0; y < o3[1]; y++)
          for (int x = 0; x < o3[2]; x++, yi++) {
            double s = bias ? bias[o] : 0;
            for (int i = 0; i < c->cin; i++)
              for (int a = 0; a < k; a++)
                for (int e = 0; e < k; e++)
                  for (int d = 0; d < k; d++) {
                    int p[3] = {z - c->pad + a, y - c->pad + e, x - c->pad + d}, in = 1;
                    for (int q = 0; q < 3; q++) {
                      if (c->circ) p[q] = (p[q] % c->n[q] + c->n[q]) % c->n[q];
                      in = in && p[q] >= 0 && p[q] < c->n[q];
                    }
                    if (!in) continue;
                    s += W[(((size_t)o * c->cin + i) * k + a) * k * k + (size_t)e * k + d] *
                         X[(((size_t)b * c->cin + i) * c->n[0] + p[0]) * c->n[1] * c->n[2] +
                           (size_t)p[1] * c->n[2] + p[2]];
                  }
            Y[yi] = s;
          }
}

static void conv_check(pv_ctx *ctx, const conv_case *c) {
  const int batch = 2;
  pv_nn_conv3d_options o = PV_NN_CONV3D_OPTIONS_INIT;
  o.dtype = PV_F64;
  o.cin = c->cin; o.cout = c->cout; o.k = c->k; o.pad = c->pad; o.circular = c->circ;
  memcpy(o.n, c->n, sizeof o.n);
  o.max_batch = batch;
  pv_nn_conv3d *cv = NULL;
  CHECK_OK(pv_nn_conv3d_create(ctx, &o, &cv));
  int out[3];
  pv_nn_conv3d_out_size(cv, out);
  const size_t nx = (size_t)batch * c->cin * c->n[0] * c->n[1] * c->n[2];
  const size_t ny = (size_t)batch * c->cout * out[0] * out[1] * out[2];
  const size_t nw = pv_nn_conv3d_weight_count(cv);
  CHECK_EQ_INT(nw, (size_t)c->cout * c->cin * c->k * c->k * c->k);
  pv_rng r;
  pv_rng_init(&r, 17, (uint64_t)c->k);
  double *X = pv_malloc(nx * sizeof *X), *W = pv_malloc(nw * sizeof *W), bias[4];
  double *Y = pv_malloc(ny * sizeof *Y), *Yd = pv_malloc(ny * sizeof *Yd), *Rw = pv_malloc(ny * sizeof *Rw);
  double *dX = pv_malloc(nx * sizeof *dX), *dW = pv_calloc(nw, sizeof *dW), db[4] = {0};
  fill(&r, X, nx, 0.1);
  fill(&r, W, nw, 0.0);
  fill(&r, bias, (size_t)c->cout, 0.0);
  fill(&r, Rw, ny, 0.0);
  CHECK_OK(pv_nn_conv3d_forward(cv, batch, X, W, bias, Y));
  conv_direct(c, batch, X, W, bias, Yd);
  double ef = 0;
  for (size_t i = 0; i < ny; i++) ef = fmax(ef, fabs(Y[i] - Yd[i]));
  CHECK(ef < 1e-13);
  CHECK_OK(pv_nn_conv3d_backward(cv, batch, X, W, Rw, dX, dW, db));
  const double h = 1e-2; /* the loss is linear in each variable: no truncation error */
  double worst = 0, scale = 0;
  for (size_t i = 0; i < nx; i++) scale = fmax(scale, fabs(dX[i]));
  for (size_t i = 0; i < nw; i++) scale = fmax(scale, fabs(dW[i]));
  for (size_t i = 0; i < nx + nw + (size_t)c->cout; i++) {
    double *v = i < nx ? &X[i] : i < nx + nw ? &W[i - nx] : &bias[i - nx - nw];
    double an = i < nx ? dX[i] : i < nx + nw ? dW[i - nx] : db[i - nx - nw];
    double keep = *v;
    *v = keep + h;
    CHECK_OK(pv_nn_conv3d_forward(cv, batch, X, W, bias, Y));
    double lp = dot(Y, Rw, ny);
    *v = keep - h;
    CHECK_OK(pv_nn_conv3d_forward(cv, batch, X, W, bias, Y));
    double lm = dot(Y, Rw, ny);
    *v = keep;
    double fd = (lp - lm) / (2 * h), e = fabs(fd - an) / scale;
    if (e > worst) worst = e;
  }
  printf("conv3d k=%d pad=%d circ=%d: forward vs direct %.1e, worst gradient error %.2e\n",
         c->k, c->pad, c->circ, ef, worst);
  CHECK(worst < 1e-11);
  /* float forward against double */
  o.dtype = PV_F32;
  pv_nn_conv3d *cf = NULL;
  CHECK_OK(pv_nn_conv3d_create(ctx, &o, &cf));
  float *Xf = pv_malloc(nx * sizeof *Xf), *Wf = pv_malloc(nw * sizeof *Wf), bf[4];
  float *Yf = pv_malloc(ny * sizeof *Yf);
  for (size_t i = 0; i < nx; i++) Xf[i] = (float)X[i];
  for (size_t i = 0; i < nw; i++) Wf[i] = (float)W[i];
  for (int i = 0; i < c->cout; i++) bf[i] = (float)bias[i];
  CHECK_OK(pv_nn_conv3d_forward(cf, batch, Xf, Wf, bf, Yf));
  double e32 = 0;
  for (size_t i = 0; i < ny; i++) e32 = fmax(e32, fabs(Yf[i] - Yd[i]));
  CHECK(e32 < 1e-4);
  pv_nn_conv3d_destroy(&cf);
  pv_free(Xf); pv_free(Wf); pv_free(Yf);
  pv_free(X); pv_free(W); pv_free(Y); pv_free(Yd); pv_free(Rw); pv_free(dX); pv_free(dW);
  pv_nn_conv3d_destroy(&cv);
}

static void test_conv3d(void) {
  pv_ctx *ctx = NULL;
  CHECK_OK(pv_ctx_create(&ctx));
  const conv_case cs[] = {{2, 3, 3, 1, 0, {4, 5, 3}}, {2, 2, 2, 0, 0, {3, 4, 5}},
                          {1, 2, 3, 2, 0, {3, 3, 4}}, {2, 3, 3, 1, 1, {4, 3, 5}},
                          {3, 2, 1, 0, 0, {2, 3, 4}}};
  for (size_t i = 0; i < sizeof cs / sizeof *cs; i++) conv_check(ctx, &cs[i]);
  /* the weight gradient does not depend on the thread count */
  pv_nn_conv3d_options o = PV_NN_CONV3D_OPTIONS_INIT;
  o.cin = 3; o.cout = 4; o.k = 3; o.pad = 1; o.n[0] = 9; o.n[1] = 8; o.n[2] = 7; o.max_batch = 2;
  pv_nn_conv3d *c1 = NULL, *c2 = NULL;
  CHECK_OK(pv_nn_conv3d_create(ctx, &o, &c1));
  CHECK_OK(pv_ctx_set_threads(ctx, 2));
  CHECK_OK(pv_nn_conv3d_create(ctx, &o, &c2));
  const size_t nx = 2 * 3 * 9 * 8 * 7, ny = 2 * 4 * 9 * 8 * 7, nw = 4 * 3 * 27;
  float *X = pv_malloc(nx * sizeof *X), *dY = pv_malloc(ny * sizeof *dY), W[4 * 3 * 27];
  float dW1[4 * 3 * 27] = {0}, dW2[4 * 3 * 27] = {0}, b1[4] = {0}, b2[4] = {0};
  float *dX1 = pv_malloc(nx * sizeof *dX1), *dX2 = pv_malloc(nx * sizeof *dX2);
  pv_rng r;
  pv_rng_init(&r, 1, 1);
  for (size_t i = 0; i < nx; i++) X[i] = (float)pv_rng_normal(&r);
  for (size_t i = 0; i < ny; i++) dY[i] = (float)pv_rng_normal(&r);
  for (size_t i = 0; i < nw; i++) W[i] = (float)pv_rng_normal(&r);
  CHECK_OK(pv_nn_conv3d_backward(c1, 2, X, W, dY, dX1, dW1, b1));
  CHECK_OK(pv_nn_conv3d_backward(c2, 2, X, W, dY, dX2, dW2, b2));
  CHECK(!memcmp(dW1, dW2, sizeof dW1) && !memcmp(b1, b2, sizeof b1));
  CHECK(!memcmp(dX1, dX2, nx * sizeof *dX1));
  pv_free(X); pv_free(dY); pv_free(dX1); pv_free(dX2);
  pv_nn_conv3d_destroy(&c1);
  pv_nn_conv3d_destroy(&c2);
  /* bad options */
  pv_nn_conv3d *bad = NULL;
  o.circular = 1; o.k = 3; o.pad = 0;
  CHECK_STATUS(pv_nn_conv3d_create(ctx, &o, &bad), PV_EINVAL);
  o.circular = 0; o.k = 5; o.n[0] = 2;
  CHECK_STATUS(pv_nn_conv3d_create(ctx, &o, &bad), PV_EINVAL);
  CHECK(bad == NULL);
  pv_ctx_destroy(&ctx);
}

static int mk_conv(void **obj) {
  pv_nn_conv3d_options o = PV_NN_CONV3D_OPTIONS_INIT;
  o.cin = 2; o.cout = 3; o.n[0] = o.n[1] = o.n[2] = 5; o.max_batch = 2;
  return pv_nn_conv3d_create(NULL, &o, (pv_nn_conv3d **)obj);
}
static void rm_conv(void **obj) { pv_nn_conv3d_destroy((pv_nn_conv3d **)obj); }

static void test_conv3d_alloc_failures(void) {
  pv_test_alloc_countdown("pv_nn_conv3d_create", mk_conv, rm_conv);
}

PV_TEST_MAIN(PV_CASE(test_norm_forward_values), PV_CASE(test_norm_gradients),
             PV_CASE(test_conv3d), PV_CASE(test_conv3d_alloc_failures))
