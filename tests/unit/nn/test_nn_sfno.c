/* test_nn_sfno.c - space-time models: finite-difference gradient checks in
 * double of SFNO (GELU and ReLU) and FNO-3D, the parameter count of the
 * reference SFNO, float vs double, checkpoint round trip and refusal of an
 * FNO-2D checkpoint, and a tiny SFNO overfitting a tiny dataset. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/ctx.h>
#include <parseval/error.h>
#include <parseval/nn.h>
#include <parseval/rng.h>
#include "pv_test.h"

static void fill(double *x, size_t n, uint64_t stream, double amp) {
  pv_rng r;
  pv_rng_init(&r, 7, stream);
  for (size_t i = 0; i < n; i++) x[i] = amp * (2 * pv_rng_uniform(&r) - 1);
}

static pv_nn_st_config tiny_sfno(void) {
  pv_nn_st_config c = PV_NN_ST_CONFIG_INIT;
  c.kind = PV_NN_ST_SFNO;
  c.t_in = 4; c.t_out = 3; c.latent = 3; c.width = 4; c.expansion = 2; c.layers = 2;
  c.modes[0] = c.modes[1] = 2; c.modes[2] = 2;
  c.n = 8; c.max_batch = 2; c.act = PV_NN_ACT_GELU;
  return c;
}

static pv_nn_st_config tiny_fno3d(void) {
  pv_nn_st_config c = PV_NN_ST_CONFIG_INIT;
  c.kind = PV_NN_ST_FNO3D;
  c.t_in = 2; c.t_out = 3; c.pad_t = 2; c.width = 3; c.proj = 4; c.layers = 2;
  c.modes[0] = c.modes[1] = 2; c.modes[2] = 2;
  c.n = 8; c.max_batch = 2;
  return c;
}

/* Max relative error of the analytic gradient of the rel-L2 loss against
 * central differences over every `stride`-th parameter. */
static double grad_check(pv_nn_st *m, int B, const double *x0, const double *y, size_t stride,
                         double scale) {
  double *w, *g;
  size_t np;
  CHECK_OK(pv_nn_st_flat(m, (void **)&w, (void **)&g, &np));
  for (size_t k = 0; k < np; k++) w[k] *= scale;
  pv_nn_st_zero_grad(m);
  double loss;
  CHECK_OK(pv_nn_st_step(m, B, x0, y, PV_NN_REDUCE_SUM, 1, &loss, NULL));
  CHECK(loss > 0 && isfinite(loss));
  double *g0 = pv_malloc(np * sizeof *g0);
  memcpy(g0, g, np * sizeof *g0);
  const double h = 1e-6;
  double maxerr = 0, maxg = 0;
  for (size_t k = 0; k < np; k += stride) {
    double sv = w[k], lp, lm;
    w[k] = sv + h;
    pv_nn_st_step(m, B, x0, y, PV_NN_REDUCE_SUM, 0, &lp, NULL);
    w[k] = sv - h;
    pv_nn_st_step(m, B, x0, y, PV_NN_REDUCE_SUM, 0, &lm, NULL);
    w[k] = sv;
    double fd = (lp - lm) / (2 * h), e = fabs(fd - g0[k]) / fmax(1e-3, fabs(fd));
    if (e > maxerr && getenv("PV_GRAD_DEBUG"))
      fprintf(stderr, "  param real %zu: fd %.9g analytic %.9g\n", k, fd, g0[k]);
    maxerr = e > maxerr ? e : maxerr;
    maxg = fmax(maxg, fabs(g0[k]));
  }
  CHECK(maxg > 1e-3); /* the check is not vacuous */
  pv_free(g0);
  return maxerr;
}

static void run_grad(pv_nn_st_config c, double tol, double scale) {
  pv_ctx *ctx = NULL;
  CHECK_OK(pv_ctx_create(&ctx));
  pv_ctx_set_seed(ctx, 3);
  pv_nn_st *m = NULL;
  CHECK_OK(pv_nn_st_create(ctx, PV_F64, &c, &m));
  const int B = 2;
  const size_t S = (size_t)c.n * c.n;
  double *x0 = pv_malloc(B * c.t_in * S * sizeof *x0), *y = pv_malloc(B * c.t_out * S * sizeof *y);
  fill(x0, B * c.t_in * S, 1, 1.0);
  fill(y, B * c.t_out * S, 2, 1.0);
  double err = grad_check(m, B, x0, y, 1, scale);
  printf("  %s gradient check: max relative error %.2e\n",
         c.kind == PV_NN_ST_SFNO ? "SFNO" : "FNO-3D", err);
  CHECK(err < tol);
  pv_free(x0);
  pv_free(y);
  pv_nn_st_destroy(&m);
  pv_ctx_destroy(&ctx);
}

static void test_sfno_grad_gelu(void) { run_grad(tiny_sfno(), 1e-5, 3.0); }

static void test_sfno_grad_relu(void) {
  pv_nn_st_config c = tiny_sfno();
  c.act = PV_NN_ACT_RELU;
  run_grad(c, 1e-5, 3.0); /* kinks are hit with probability ~0 at h = 1e-6 */
}

static void test_fno3d_grad(void) { run_grad(tiny_fno3d(), 1e-5, 3.0); }

/* Spectral-Refiner's SFNO: modes (12, 12, 5), width 20, 4 layers. */
static void test_sfno_param_count(void) {
  pv_nn_st_config c = PV_NN_ST_CONFIG_INIT;
  c.n = 16; c.max_batch = 1; c.modes[0] = c.modes[1] = 4; /* n small: count by formula */
  pv_nn_st *m = NULL;
  CHECK_OK(pv_nn_st_create(NULL, PV_F32, &c, &m));
  size_t nreal;
  CHECK_OK(pv_nn_st_flat(m, NULL, NULL, &nreal));
  /* with modes 12: spectral 4 * (4*400*720*2) = 9,216,000 + output 2*5760 = 11,520 +
   * FFN 4 * 3300 + hidden 1x1 3 * 420 + norm 40 + lifting 1x1 420 + reduction 21 */
  const size_t spec4 = 4 * (4 * 400 * 4 * 4 * 5 * 2), out = 2 * (4 * 4 * 4 * 5 * 2);
  CHECK(nreal == spec4 + out + 4 * 3300 + 3 * 420 + 40 + 420 + 21);
  pv_nn_st_destroy(&m);
}

/* float and double models with the same seed agree to float accuracy. */
static void test_float_double(void) {
  pv_ctx *ctx = NULL;
  CHECK_OK(pv_ctx_create(&ctx));
  pv_ctx_set_seed(ctx, 9);
  for (int kind = 0; kind < 2; kind++) {
    pv_nn_st_config c = kind ? tiny_fno3d() : tiny_sfno();
    pv_nn_st *md = NULL, *mf = NULL;
    CHECK_OK(pv_nn_st_create(ctx, PV_F64, &c, &md));
    CHECK_OK(pv_nn_st_create(ctx, PV_F32, &c, &mf));
    const size_t S = (size_t)c.n * c.n, ni = 2 * c.t_in * S, no = 2 * c.t_out * S;
    double *xd = pv_malloc(ni * sizeof *xd), *od = pv_malloc(no * sizeof *od);
    float *xf = pv_malloc(ni * sizeof *xf), *of = pv_malloc(no * sizeof *of);
    fill(xd, ni, 4, 1.0);
    for (size_t k = 0; k < ni; k++) xf[k] = (float)xd[k];
    CHECK_OK(pv_nn_st_forward(md, 2, xd, od));
    CHECK_OK(pv_nn_st_forward(mf, 2, xf, of));
    double e = 0, s = 0;
    for (size_t k = 0; k < no; k++) {
      e = fmax(e, fabs(od[k] - of[k]));
      s = fmax(s, fabs(od[k]));
    }
    CHECK(s > 0 && e < 1e-5 * s + 1e-6);
    pv_free(xd); pv_free(od); pv_free(xf); pv_free(of);
    pv_nn_st_destroy(&md);
    pv_nn_st_destroy(&mf);
  }
  pv_ctx_destroy(&ctx);
}

static void test_checkpoint(void) {
  pv_ctx *ctx = NULL;
  CHECK_OK(pv_ctx_create(&ctx));
  pv_ctx_set_seed(ctx, 11);
  char path[1024], p2[1024];
  snprintf(path, sizeof path, "%s/sfno.h5", pv_test_tmpdir());
  snprintf(p2, sizeof p2, "%s/fno2d.h5", pv_test_tmpdir());
  pv_nn_st_config c = tiny_sfno();
  pv_nn_st *a = NULL, *b = NULL;
  CHECK_OK(pv_nn_st_create(ctx, PV_F32, &c, &a));
  pv_ctx_set_seed(ctx, 12);
  CHECK_OK(pv_nn_st_create(ctx, PV_F32, &c, &b));
  CHECK_OK(pv_nn_st_save(path, 1, a, NULL, NULL));
  char name[32];
  CHECK_OK(pv_nn_checkpoint_model(path, name, sizeof name));
  CHECK(strcmp(name, "sfno") == 0);
  CHECK_OK(pv_nn_st_load(path, b, NULL, NULL));
  float *wa, *wb;
  size_t n;
  pv_nn_st_flat(a, (void **)&wa, NULL, &n);
  pv_nn_st_flat(b, (void **)&wb, NULL, NULL);
  CHECK(memcmp(wa, wb, n * sizeof *wa) == 0);
  /* an FNO-2D checkpoint is refused by the SFNO loader, and vice versa */
  pv_nn_fno2d_config fc = PV_NN_FNO2D_CONFIG_INIT;
  fc.t_in = 2; fc.width = 3; fc.modes = 2; fc.layers = 2; fc.proj = 4; fc.n = 8; fc.max_batch = 1;
  pv_nn_fno2d *f = NULL;
  CHECK_OK(pv_nn_fno2d_create(ctx, PV_F32, &fc, &f));
  CHECK_OK(pv_nn_fno2d_save(p2, 1, f, NULL, NULL));
  float *before = pv_malloc(n * sizeof *before);
  memcpy(before, wb, n * sizeof *before);
  CHECK(pv_nn_st_load(p2, b, NULL, NULL) == PV_EFORMAT);
  CHECK(strstr(pv_error_message(), "model 'fno2d' is not a space-time model") != NULL);
  pv_error_clear();
  CHECK(memcmp(before, wb, n * sizeof *wb) == 0);
  pv_nn_st_config got;
  CHECK_STATUS(pv_nn_st_checkpoint_config(p2, &got), PV_EFORMAT);
  CHECK_STATUS(pv_nn_fno2d_load(path, f, NULL, NULL), PV_EFORMAT);
  /* another SFNO architecture */
  pv_nn_st_config c2 = c;
  c2.width = 6;
  pv_nn_st *d = NULL;
  CHECK_OK(pv_nn_st_create(ctx, PV_F32, &c2, &d));
  CHECK(pv_nn_st_load(path, d, NULL, NULL) == PV_EFORMAT);
  CHECK(strstr(pv_error_message(), "another architecture") != NULL);
  pv_error_clear();
  pv_free(before);
  pv_nn_st_destroy(&a);
  pv_nn_st_destroy(&b);
  pv_nn_st_destroy(&d);
  pv_nn_fno2d_destroy(&f);
  pv_ctx_destroy(&ctx);
}

/* Smooth travelling waves: a tiny SFNO fits 2 samples (loss < 1% of start). */
static void test_overfit(void) {
  pv_ctx *ctx = NULL;
  CHECK_OK(pv_ctx_create(&ctx));
  pv_ctx_set_seed(ctx, 5);
  pv_nn_st_config c = PV_NN_ST_CONFIG_INIT;
  c.t_in = 6; c.t_out = 4; c.latent = 6; c.width = 8; c.expansion = 2; c.layers = 2;
  c.modes[0] = c.modes[1] = 3; c.modes[2] = 3; c.n = 16; c.max_batch = 2;
  pv_nn_st *m = NULL;
  CHECK_OK(pv_nn_st_create(ctx, PV_F32, &c, &m));
  const int B = 2, nf = c.t_in + c.t_out;
  const size_t S = 256;
  float *x0 = pv_malloc((size_t)B * c.t_in * S * sizeof *x0);
  float *y = pv_malloc((size_t)B * c.t_out * S * sizeof *y);
  for (int b = 0; b < B; b++)
    for (int f = 0; f < nf; f++)
      for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j++) {
          float v = (float)(cos(2 * M_PI * ((1 + b) * i / 16.0 + j / 16.0 - 0.1 * f)) *
                            (1.0 - 0.05 * f));
          if (f < c.t_in) x0[((size_t)b * c.t_in + f) * S + i * 16 + j] = v;
          else y[((size_t)b * c.t_out + f - c.t_in) * S + i * 16 + j] = v;
        }
  pv_nn_param *ps;
  int np;
  CHECK_OK(pv_nn_st_params(m, &ps, &np));
  pv_nn_adam_options o = PV_NN_ADAM_OPTIONS_INIT;
  o.lr = 1e-2;
  pv_nn_adam *adam = NULL;
  CHECK_OK(pv_nn_adam_create(&o, ps, np, &adam));
  double first = 0, loss = 0;
  for (int it = 0; it < 600; it++) {
    pv_nn_st_zero_grad(m);
    CHECK_OK(pv_nn_st_step(m, B, x0, y, PV_NN_REDUCE_SUM, 1, &loss, NULL));
    if (it == 0) first = loss;
    CHECK_OK(pv_nn_adam_step(adam));
    if (loss < 0.01 * first) break;
  }
  printf("  SFNO overfit: loss %.4g -> %.4g\n", first, loss);
  CHECK(loss < 0.01 * first);
  pv_nn_adam_destroy(&adam);
  pv_free(x0);
  pv_free(y);
  pv_nn_st_destroy(&m);
  pv_ctx_destroy(&ctx);
}


/* Output layer against a hand computation: with the trunk zeroed, r is the
 * reduction bias b; with one weight (1, 0) at mode (0, 0, 0) the output is
 * x[last] + (sum of the padded time series) / (n n (t_out + latent + 2)):
 * torch's irfftn to the resampled length with the "backward" 1/N. */
static void test_output_layer_dc(void) {
  pv_nn_st_config c = tiny_sfno();
  pv_nn_st *m = NULL;
  CHECK_OK(pv_nn_st_create(NULL, PV_F64, &c, &m));
  pv_nn_param *ps;
  int np;
  double *w;
  CHECK_OK(pv_nn_st_params(m, &ps, &np));
  CHECK_OK(pv_nn_st_flat(m, (void **)&w, NULL, NULL));
  size_t off = 0, nreal;
  pv_nn_st_flat(m, NULL, NULL, &nreal);
  memset(w, 0, nreal * sizeof *w);
  const double b = 0.3;
  for (int i = 0; i < np; i++) {
    if (!strcmp(ps[i].name, "reduce.bias")) w[off] = b;
    if (!strcmp(ps[i].name, "out.spec.w")) w[off] = 1.0; /* block 0, mode (0, 0, 0), re */
    off += pv_nn_param_numel(&ps[i]) * (ps[i].is_complex ? 2 : 1);
  }
  const size_t S = 64;
  double x0[4 * 64], out[3 * 64];
  fill(x0, 4 * S, 8, 1.0);
  CHECK_OK(pv_nn_st_forward(m, 1, x0, out));
  double sum = 0;
  for (size_t s = 0; s < S; s++) sum += x0[3 * S + s] + b * c.latent;
  const double dc = sum / (double)(S * (c.t_out + c.latent + 2));
  for (int t = 0; t < c.t_out; t++)
    for (size_t s = 0; s < S; s++) CHECK_NEAR(out[t * S + s], x0[3 * S + s] + dc, 1e-13);
  pv_nn_st_destroy(&m);
}

PV_TEST_MAIN(PV_CASE(test_sfno_grad_gelu), PV_CASE(test_sfno_grad_relu), PV_CASE(test_fno3d_grad),
             PV_CASE(test_sfno_param_count), PV_CASE(test_float_double), PV_CASE(test_checkpoint),
             PV_CASE(test_overfit), PV_CASE(test_output_layer_dc))
