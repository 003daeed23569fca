/* test_nn_fno.c - FNO-2D: whole-model finite-difference gradient check over a
 * 2-step rollout (double), float vs double, forward parity with a PyTorch
 * fixture (skipped when absent), Adam/AdamW against torch's numbers, and a
 * tiny model overfitting a tiny dataset. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/ctx.h>
#include <parseval/error.h>
#include <parseval/nn.h>
#include <parseval/npy.h>
#include <parseval/rng.h>
#include "pv_test.h"

static const char *fixture_dir;

static void fill(double *x, size_t n, uint64_t stream, double amp) {
  pv_rng r;
  pv_rng_init(&r, 7, stream);
  for (size_t i = 0; i < n; i++) x[i] = amp * (2 * pv_rng_uniform(&r) - 1);
}

static pv_nn_fno2d_config tiny_config(void) {
  pv_nn_fno2d_config c = PV_NN_FNO2D_CONFIG_INIT;
  c.t_in = 2; c.width = 3; c.modes = 2; c.layers = 2; c.proj = 4; c.n = 8; c.max_batch = 2;
  return c;
}

static void test_fno_grad(void) {
  pv_ctx *ctx = NULL;
  CHECK_OK(pv_ctx_create(&ctx));
  pv_ctx_set_seed(ctx, 3);
  pv_nn_fno2d_config c = tiny_config();
  pv_nn_fno2d *m = NULL;
  CHECK_OK(pv_nn_fno2d_create(ctx, PV_F64, &c, &m));
  const int B = 2, T = 2;
  const size_t S = 64;
  double *x0 = pv_malloc(B * c.t_in * S * sizeof *x0), *y = pv_malloc(B * T * S * sizeof *y);
  fill(x0, B * c.t_in * S, 1, 1.0);
  fill(y, B * T * S, 2, 1.0);
  double *w, *g;
  size_t np;
  CHECK_OK(pv_nn_fno2d_flat(m, (void **)&w, (void **)&g, &np));
  /* scale spectral weights up so the spectral path matters in the check */
  for (size_t k = 0; k < np; k++) w[k] *= 3.0;
  pv_nn_fno2d_zero_grad(m);
  double loss;
  CHECK_OK(pv_nn_fno2d_rollout(m, B, T, x0, y, PV_NN_REDUCE_SUM, 1, &loss, NULL));
  CHECK(loss > 0 && isfinite(loss));
  double *g0 = pv_malloc(np * sizeof *g0);
  memcpy(g0, g, np * sizeof *g0);
  const double h = 1e-6;
  double maxerr = 0, maxg = 0;
  for (size_t k = 0; k < np; k++) {
    double sv = w[k], lp, lm;
    w[k] = sv + h;
    pv_nn_fno2d_rollout(m, B, T, x0, y, PV_NN_REDUCE_SUM, 0, &lp, NULL);
    w[k] = sv - h;
    pv_nn_fno2d_rollout(m, B, T, x0, y, PV_NN_REDUCE_SUM, 0, &lm, NULL);
    w[k] = sv;
    double fd = (lp - lm) / (2 * h), e = fabs(fd - g0[k]) / fmax(1e-3, fabs(fd));
    maxerr = e > maxerr ? e : maxerr;
    maxg = fabs(g0[k]) > maxg ? fabs(g0[k]) : maxg;
  }
  if (maxerr > 1e-5) fprintf(stderr, "FNO grad: max relative error %g over %zu params\n", maxerr, np);
  CHECK(maxerr < 1e-5);
  CHECK(maxg > 1e-3); /* the check is not vacuous */
  /* float model with the same weights gives the same loss to float accuracy */
  pv_nn_fno2d *mf = NULL;
  CHECK_OK(pv_nn_fno2d_create(ctx, PV_F32, &c, &mf));
  float *wf;
  CHECK_OK(pv_nn_fno2d_flat(mf, (void **)&wf, NULL, NULL));
  for (size_t k = 0; k < np; k++) wf[k] = (float)w[k];
  float *x0f = pv_malloc(B * c.t_in * S * sizeof *x0f), *yf = pv_malloc(B * T * S * sizeof *yf);
  for (size_t k = 0; k < B * c.t_in * S; k++) x0f[k] = (float)x0[k];
  for (size_t k = 0; k < B * T * S; k++) yf[k] = (float)y[k];
  double lossf;
  CHECK_OK(pv_nn_fno2d_rollout(mf, B, T, x0f, yf, PV_NN_REDUCE_SUM, 0, &lossf, NULL));
  CHECK_REL(lossf, loss, 1e-5);
  pv_free(x0f); pv_free(yf); pv_free(x0); pv_free(y); pv_free(g0);
  pv_nn_fno2d_destroy(&mf);
  pv_nn_fno2d_destroy(&m);
  CHECK(m == NULL);
  pv_ctx_destroy(&ctx);
}

static void test_init_deterministic(void) {
  pv_ctx *ctx = NULL;
  CHECK_OK(pv_ctx_create(&ctx));
  pv_ctx_set_seed(ctx, 11);
  pv_nn_fno2d_config c = PV_NN_FNO2D_CONFIG_INIT; /* the peer's model */
  c.max_batch = 1;
  pv_nn_fno2d *a = NULL, *b = NULL;
  CHECK_OK(pv_nn_fno2d_create(ctx, PV_F32, &c, &a));
  CHECK_OK(pv_nn_fno2d_create(ctx, PV_F32, &c, &b));
  float *wa, *wb;
  size_t n;
  pv_nn_param *ps;
  int np;
  CHECK_OK(pv_nn_fno2d_flat(a, (void **)&wa, NULL, &n));
  CHECK_OK(pv_nn_fno2d_flat(b, (void **)&wb, NULL, NULL));
  CHECK_EQ_INT(n, 926357); /* the notes' count for modes 12 without BN */
  CHECK(memcmp(wa, wb, n * sizeof *wa) == 0);
  CHECK_OK(pv_nn_fno2d_params(a, &ps, &np));
  CHECK_EQ_INT(np, 2 + 4 * 4 + 4);
  CHECK(strcmp(ps[2].name, "spec.0.w_pos") == 0 && ps[2].is_complex);
  /* lift weights within torch's bound 1/sqrt(12), spectral within [0, 1/400) */
  double bound = 1 / sqrt(12.0), mx = 0;
  for (size_t k = 0; k < 240; k++) mx = fmax(mx, fabs(ps[0].w[k]));
  CHECK(mx <= bound && mx > 0.9 * bound);
  for (size_t k = 0; k < 2 * pv_nn_param_numel(&ps[2]); k++)
    CHECK(ps[2].w[k] >= 0 && ps[2].w[k] < 1.0 / 400);
  pv_nn_fno2d_destroy(&a);
  pv_nn_fno2d_destroy(&b);
  c.modes = 8;
  CHECK_OK(pv_nn_fno2d_create(ctx, PV_F32, &c, &a));
  CHECK_OK(pv_nn_fno2d_flat(a, NULL, NULL, &n));
  CHECK_EQ_INT(n, 414357); /* the paper's 414,517 minus the unused BN's 160 */
  pv_nn_fno2d_destroy(&a);
  c.modes = 33; /* 2 modes > n */
  CHECK_STATUS(pv_nn_fno2d_create(ctx, PV_F32, &c, &a), PV_EINVAL);
  pv_ctx_destroy(&ctx);
}

static int load(const char *name, pv_array **a) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", fixture_dir ? fixture_dir : ".", name);
  FILE *f = fopen(path, "rb");
  if (!f) return 1;
  fclose(f);
  CHECK_OK(pv_npy_read(path, a));
  return *a ? 0 : 1;
}

static void test_torch_parity(void) {
  pv_array *pa = NULL, *xa = NULL, *ya = NULL, *ca = NULL;
  if (load("fno_config.npy", &ca) || load("fno_params.npy", &pa) || load("fno_x.npy", &xa) ||
      load("fno_y.npy", &ya)) {
    printf("SKIP: torch fixture absent (tests/unit/nn/make_fno_fixture.py makes it)\n");
    pv_array_destroy(&pa); pv_array_destroy(&xa); pv_array_destroy(&ya); pv_array_destroy(&ca);
    return;
  }
  const int *cf = pv_array_data(ca);
  pv_nn_fno2d_config c = PV_NN_FNO2D_CONFIG_INIT;
  c.t_in = cf[0]; c.width = cf[1]; c.modes = cf[2]; c.layers = cf[3]; c.proj = cf[4];
  c.n = cf[5]; c.max_batch = cf[6];
  pv_nn_fno2d *m = NULL;
  CHECK_OK(pv_nn_fno2d_create(NULL, PV_F32, &c, &m));
  float *w;
  size_t n;
  CHECK_OK(pv_nn_fno2d_flat(m, (void **)&w, NULL, &n));
  CHECK_EQ_INT(pv_view_count(pv_array_view(pa)), n);
  if (m && pv_view_count(pv_array_view(pa)) == n) {
    memcpy(w, pv_array_data(pa), n * sizeof *w);
    const size_t S = (size_t)c.n * c.n;
    float *out = pv_malloc((size_t)c.max_batch * S * sizeof *out);
    CHECK_OK(pv_nn_fno2d_forward(m, c.max_batch, pv_array_data(xa), out));
    const float *ref = pv_array_data(ya);
    double e2 = 0, r2 = 0;
    for (size_t k = 0; k < (size_t)c.max_batch * S; k++) {
      e2 += (out[k] - ref[k]) * (double)(out[k] - ref[k]);
      r2 += ref[k] * (double)ref[k];
    }
    printf("torch parity: relative L2 difference %.3g\n", sqrt(e2 / r2));
    CHECK(sqrt(e2 / r2) < 1e-5);
    pv_free(out);
  }
  pv_nn_fno2d_destroy(&m);
  pv_array_destroy(&pa); pv_array_destroy(&xa); pv_array_destroy(&ya); pv_array_destroy(&ca);
}

/* Two steps of Adam and AdamW on 3 values; expected values printed by
 * torch 1.13 (torch.optim.Adam/AdamW, lr 0.1, wd 0.01, betas (0.9, 0.999),
 * eps 1e-8); step 1 by hand: w - lr sign(g + wd w). */
static void test_adam(void) {
  const float gs[2][3] = {{0.5f, 0.1f, -0.3f}, {-0.2f, 0.4f, 0.0f}};
  const double want[2][3] = {{0.8633641600608826, -2.18664288520813, 0.6654780507087708},
                             {0.8635404706001282, -2.1843395233154297, 0.6659063100814819}};
  for (int dec = 0; dec < 2; dec++) {
    float w[3] = {1.0f, -2.0f, 0.5f}, g[3];
    pv_nn_param p;
    memset(&p, 0, sizeof p);
    p.ndim = 1; p.shape[0] = 3; p.w = w; p.g = g;
    pv_nn_adam_options o = PV_NN_ADAM_OPTIONS_INIT;
    o.lr = 0.1; o.weight_decay = 0.01; o.decoupled = dec;
    pv_nn_adam *a = NULL;
    CHECK_OK(pv_nn_adam_create(&o, &p, 1, &a));
    memcpy(g, gs[0], sizeof g);
    CHECK_OK(pv_nn_adam_step(a));
    if (!dec) {
      CHECK_NEAR(w[0], 0.9, 1e-6);
      CHECK_NEAR(w[1], -2.1, 1e-6);
      CHECK_NEAR(w[2], 0.6, 1e-6);
    }
    memcpy(g, gs[1], sizeof g);
    CHECK_OK(pv_nn_adam_step(a));
    for (int k = 0; k < 3; k++) CHECK_NEAR(w[k], want[dec][k], 2e-7);
    CHECK_EQ_INT(pv_nn_adam_steps(a), 2);
    /* frozen parameters do not move */
    p.frozen = 1;
    float before = w[0];
    CHECK_OK(pv_nn_adam_step(a));
    CHECK(w[0] == before);
    pv_nn_adam_destroy(&a);
  }
  pv_nn_adam_options bad = PV_NN_ADAM_OPTIONS_INIT;
  bad.beta1 = 1.0;
  pv_nn_adam *a = NULL;
  float w = 0, g = 0;
  pv_nn_param p = {"x", 1, {1}, 0, &w, &g, 0, 0};
  CHECK_STATUS(pv_nn_adam_create(&bad, &p, 1, &a), PV_EINVAL);
}

/* A tiny FNO fits 2 samples (2-step rollout) to below 1% of its start. */
static void test_overfit(void) {
  pv_ctx *ctx = NULL;
  CHECK_OK(pv_ctx_create(&ctx));
  pv_ctx_set_seed(ctx, 5);
  pv_nn_fno2d_config c = PV_NN_FNO2D_CONFIG_INIT;
  c.t_in = 3; c.width = 8; c.modes = 4; c.layers = 2; c.proj = 16; c.n = 16; c.max_batch = 2;
  pv_nn_fno2d *m = NULL;
  CHECK_OK(pv_nn_fno2d_create(ctx, PV_F32, &c, &m));
  const int B = 2, T = 2, nf = c.t_in + T;
  const size_t S = 256;
  /* smooth travelling waves: frame f = cos(2 pi (k.x - 0.1 f)) + offset */
  float *seq = pv_malloc((size_t)B * nf * S * sizeof *seq);
  for (int b = 0; b < B; b++)
    for (int f = 0; f < nf; f++)
      for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j++)
          seq[((size_t)b * nf + f) * S + i * 16 + j] =
              (float)(cos(2 * M_PI * ((1 + b) * i / 16.0 + j / 16.0 - 0.1 * f)) + 0.5);
  float *x0 = pv_malloc((size_t)B * c.t_in * S * sizeof *x0), *y = pv_malloc((size_t)B * T * S * sizeof *y);
  for (int b = 0; b < B; b++) {
    memcpy(x0 + (size_t)b * c.t_in * S, seq + (size_t)b * nf * S, (size_t)c.t_in * S * sizeof *x0);
    memcpy(y + (size_t)b * T * S, seq + ((size_t)b * nf + c.t_in) * S, (size_t)T * S * sizeof *y);
  }
  pv_nn_param *ps;
  int np;
  CHECK_OK(pv_nn_fno2d_params(m, &ps, &np));
  pv_nn_adam_options o = PV_NN_ADAM_OPTIONS_INIT;
  o.lr = 5e-3;
  pv_nn_adam *a = NULL;
  CHECK_OK(pv_nn_adam_create(&o, ps, np, &a));
  double first = 0, loss = 0;
  int it;
  for (it = 0; it < 600; it++) {
    pv_nn_fno2d_zero_grad(m);
    CHECK_OK(pv_nn_fno2d_rollout(m, B, T, x0, y, PV_NN_REDUCE_SUM, 1, &loss, NULL));
    if (it == 0) first = loss;
    if (loss < 0.01 * first) break;
    CHECK_OK(pv_nn_adam_step(a));
  }
  printf("overfit: loss %.4g -> %.4g after %d steps\n", first, loss, it);
  CHECK(loss < 0.01 * first);
  pv_nn_adam_destroy(&a);
  pv_nn_fno2d_destroy(&m);
  pv_free(seq); pv_free(x0); pv_free(y);
  pv_ctx_destroy(&ctx);
}

int main(int argc, char **argv) {
  fixture_dir = argc > 1 ? argv[1] : NULL;
  static const pv_test_case cases[] = {PV_CASE(test_fno_grad), PV_CASE(test_init_deterministic),
                                       PV_CASE(test_torch_parity), PV_CASE(test_adam),
                                       PV_CASE(test_overfit)};
  return pv_test_main(1, argv, cases, (int)(sizeof cases / sizeof *cases));
}
