/* test_nn_sfno_ft.c - Spectral-Refiner fine-tuning: the widened output
 * layer reproduces the base model, finite-difference gradient of the
 * residual loss through the output layer (both time-derivative forms),
 * frozen parameters untouched, the residual decreasing. */
#include <math.h>
#include <stdio.h>
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

static pv_nn_st_config tiny(void) {
  pv_nn_st_config c = PV_NN_ST_CONFIG_INIT;
  c.t_in = 4; c.t_out = 3; c.latent = 3; c.width = 4; c.expansion = 2; c.layers = 2;
  c.modes[0] = c.modes[1] = 2; c.modes[2] = 2;
  c.n = 8; c.max_batch = 1; c.act = PV_NN_ACT_GELU;
  return c;
}

static const int wide[3] = {4, 4, 3};

/* Base model with a non-zero output bias and O(1) output weights. */
static pv_nn_st *make_base(pv_ctx *ctx) {
  pv_nn_st_config c = tiny();
  pv_nn_st *b = NULL;
  CHECK_OK(pv_nn_st_create(ctx, PV_F64, &c, &b));
  pv_nn_param *ps;
  int np;
  double *w;
  CHECK_OK(pv_nn_st_params(b, &ps, &np));
  CHECK_OK(pv_nn_st_flat(b, (void **)&w, NULL, NULL));
  size_t off = 0;
  for (int i = 0; i < np; i++) {
    size_t cnt = pv_nn_param_numel(&ps[i]) * (ps[i].is_complex ? 2 : 1);
    if (!strncmp(ps[i].name, "out.", 4)) fill(w + off, cnt, 10 + (uint64_t)i, 0.5);
    off += cnt;
  }
  return b;
}

/* 1 where widened output entry (flat complex index within the parameter)
 * holds a copied base value (physical-frequency mapping, nn.h). */
static int is_copied(const int *om, const int *nm, size_t lead, size_t idx) {
  const size_t k = idx % (size_t)nm[2], j = idx / nm[2] % (size_t)nm[1],
               i = idx / ((size_t)nm[2] * nm[1]) % (size_t)nm[0];
  const size_t blk = idx / ((size_t)nm[2] * nm[1] * nm[0] * lead);
  const int lo_i = (blk & 1) ? nm[0] - om[0] : 0, lo_j = (blk & 2) ? nm[1] - om[1] : 0;
  return (int)k < om[2] && (int)i >= lo_i && (int)i < lo_i + om[0] && (int)j >= lo_j &&
         (int)j < lo_j + om[1];
}

static void test_widen_reproduces(void) {
  pv_ctx *ctx = NULL;
  CHECK_OK(pv_ctx_create(&ctx));
  pv_ctx_set_seed(ctx, 21);
  pv_nn_st *base = make_base(ctx), *ft = NULL;
  CHECK_OK(pv_nn_sfno_finetune_prepare(ctx, base, PV_F64, wide, 1, &ft));
  const size_t S = 64, ni = 4 * S, no = 3 * S;
  double *x0 = pv_malloc(ni * sizeof *x0), *y0 = pv_malloc(no * sizeof *y0),
         *y1 = pv_malloc(no * sizeof *y1);
  fill(x0, ni, 3, 1.0);
  CHECK_OK(pv_nn_st_forward(base, 1, x0, y0));
  CHECK_OK(pv_nn_st_forward(ft, 1, x0, y1));
  double e = 0, s = 0;
  for (size_t k = 0; k < no; k++) {
    e = fmax(e, fabs(y0[k] - y1[k]));
    s = fmax(s, fabs(y0[k]));
  }
  CHECK(s > 0.1 && e < 1e-4 * s); /* new entries ~ 1e-6 (xavier gain 1e-6) */
  CHECK(e > 0);                  /* ... but not zero */
  /* with the new entries zeroed the base output is reproduced to round-off */
  pv_nn_param *ps;
  int np;
  double *w;
  CHECK_OK(pv_nn_st_params(ft, &ps, &np));
  CHECK_OK(pv_nn_st_flat(ft, (void **)&w, NULL, NULL));
  size_t off = 0;
  int copied = 0;
  for (int i = 0; i < np; i++) {
    const size_t numel = pv_nn_param_numel(&ps[i]);
    if (!strncmp(ps[i].name, "out.", 4))
      for (size_t q = 0; q < numel; q++) {
        const int om[3] = {2, 2, 2};
        if (is_copied(om, wide, 1, q)) copied++;
        else w[off + 2 * q] = w[off + 2 * q + 1] = 0;
      }
    CHECK(ps[i].frozen == (strncmp(ps[i].name, "out.", 4) != 0));
    off += numel * (ps[i].is_complex ? 2 : 1);
  }
  CHECK(copied == 2 * 4 * 8); /* weights and bias: 4 blocks of 2 x 2 x 2 */
  CHECK_OK(pv_nn_st_forward(ft, 1, x0, y1));
  e = 0;
  for (size_t k = 0; k < no; k++) e = fmax(e, fabs(y0[k] - y1[k]));
  CHECK(e < 1e-12 * s);
  pv_free(x0); pv_free(y0); pv_free(y1);
  pv_nn_st_destroy(&base);
  pv_nn_st_destroy(&ft);
  pv_ctx_destroy(&ctx);
}

/* residual loss of the model's prediction; grad: analytic gradient added. */
static double res_loss(pv_nn_st *m, const double *x0, const pv_nn_ns_residual_options *ro,
                       int grad) {
  double pred[3 * 64], dw[3 * 64], loss = 0;
  CHECK_OK(pv_nn_st_forward(m, 1, x0, pred));
  CHECK_OK(pv_nn_loss_ns_residual(NULL, 8, 3, pred, ro, &loss, grad ? dw : NULL));
  if (grad) CHECK_OK(pv_nn_st_backward(m, 1, dw));
  return loss;
}

static void grad_form(int form) {
  pv_ctx *ctx = NULL;
  CHECK_OK(pv_ctx_create(&ctx));
  pv_ctx_set_seed(ctx, 22);
  pv_nn_st *base = make_base(ctx), *ft = NULL;
  CHECK_OK(pv_nn_sfno_finetune_prepare(ctx, base, PV_F64, wide, 1, &ft));
  double x0[4 * 64], forcing[64];
  fill(x0, 4 * 64, 5, 1.0);
  for (int i = 0; i < 8; i++)
    for (int j = 0; j < 8; j++)
      forcing[i * 8 + j] = 0.1 * (sin(2 * M_PI * (i + j) / 8.0) + cos(2 * M_PI * (i + j) / 8.0));
  pv_nn_ns_residual_options ro = PV_NN_NS_RESIDUAL_OPTIONS_INIT;
  ro.dt = 0.2;
  ro.forcing = forcing;
  ro.dt_form = form;
  ro.solver_dt = 1e-2; /* a larger step keeps the solver form well conditioned for FD */
  double *w, *g;
  size_t np;
  CHECK_OK(pv_nn_st_flat(ft, (void **)&w, (void **)&g, &np));
  pv_nn_st_zero_grad(ft);
  double l0 = res_loss(ft, x0, &ro, 1);
  CHECK(l0 > 0 && isfinite(l0));
  pv_nn_param *ps;
  int npar;
  CHECK_OK(pv_nn_st_params(ft, &ps, &npar));
  size_t off = 0, out0 = 0;
  for (int i = 0; i < npar; i++) {
    const size_t cnt = pv_nn_param_numel(&ps[i]) * (ps[i].is_complex ? 2 : 1);
    if (!strncmp(ps[i].name, "out.", 4)) { if (!out0) out0 = off; }
    else for (size_t k = 0; k < cnt; k++) CHECK(g[off + k] == 0); /* frozen: no gradient */
    off += cnt;
  }
  double *g0 = pv_malloc(np * sizeof *g0);
  memcpy(g0, g, np * sizeof *g0);
  double maxerr = 0, maxg = 0;
  const double h = 1e-5;
  for (size_t k = out0; k < np; k += 3) {
    double sv = w[k];
    w[k] = sv + h;
    double lp = res_loss(ft, x0, &ro, 0);
    w[k] = sv - h;
    double lm = res_loss(ft, x0, &ro, 0);
    w[k] = sv;
    double fd = (lp - lm) / (2 * h);
    maxg = fmax(maxg, fabs(fd));
    maxerr = fmax(maxerr, fabs(fd - g0[k]));
  }
  printf("  residual (%s) gradient: max abs error %.2e of max %.2e\n",
         form ? "solver" : "spectral", maxerr, maxg);
  /* the solver form is O(delta) small: central differences carry more round-off */
  CHECK(maxg > 0 && maxerr < (form ? 1e-4 : 1e-5) * maxg);
  pv_free(g0);
  pv_nn_st_destroy(&base);
  pv_nn_st_destroy(&ft);
  pv_ctx_destroy(&ctx);
}

static void test_grad_spectral(void) { grad_form(PV_NN_DT_SPECTRAL); }
static void test_grad_solver(void) { grad_form(PV_NN_DT_SOLVER); }

static void test_finetune_frozen(void) {
  pv_ctx *ctx = NULL;
  CHECK_OK(pv_ctx_create(&ctx));
  pv_ctx_set_seed(ctx, 23);
  pv_nn_st *base = make_base(ctx), *ft = NULL;
  CHECK_OK(pv_nn_sfno_finetune_prepare(ctx, base, PV_F64, wide, 1, &ft));
  double x0[4 * 64], before[3 * 64], after[3 * 64];
  fill(x0, 4 * 64, 6, 1.0);
  double *wb, *w;
  size_t nb, n;
  CHECK_OK(pv_nn_st_flat(base, (void **)&wb, NULL, &nb));
  CHECK_OK(pv_nn_st_flat(ft, (void **)&w, NULL, &n));
  double *w0 = pv_malloc(n * sizeof *w0);
  memcpy(w0, w, n * sizeof *w0);
  pv_nn_sfno_finetune_options o = PV_NN_SFNO_FINETUNE_OPTIONS_INIT;
  o.iters = 30;
  o.dt = 0.2;
  o.lr_weight = 1e-2;
  o.lr_bias = 1e-2;
  double r0 = 0, r1 = 0;
  CHECK_OK(pv_nn_sfno_finetune(ft, x0, &o, before, after, &r0, &r1));
  printf("  fine-tuning (spectral dt): residual %.4g -> %.4g\n", r0, r1);
  CHECK(r1 < 0.9 * r0);
  pv_nn_param *ps;
  int np;
  CHECK_OK(pv_nn_st_params(ft, &ps, &np));
  size_t off = 0;
  int changed = 0;
  for (int i = 0; i < np; i++) {
    const size_t cnt = pv_nn_param_numel(&ps[i]) * (ps[i].is_complex ? 2 : 1);
    for (size_t k = 0; k < cnt; k++) {
      if (ps[i].frozen) CHECK(w[off + k] == w0[off + k] && w[off + k] == wb[off + k]);
      else changed += w[off + k] != w0[off + k];
    }
    off += cnt;
  }
  CHECK(changed > 0);
  double d = 0;
  for (int k = 0; k < 3 * 64; k++) d = fmax(d, fabs(after[k] - before[k]));
  CHECK(d > 0);
  /* the solver form runs and gives a finite, small residual */
  o.dt_form = PV_NN_DT_SOLVER;
  o.iters = 2;
  CHECK_OK(pv_nn_sfno_finetune(ft, x0, &o, NULL, NULL, &r0, &r1));
  CHECK(isfinite(r0) && isfinite(r1));
  /* refusals: a float model, a model not prepared */
  pv_nn_st_config c = tiny();
  pv_nn_st *bad = NULL;
  CHECK_OK(pv_nn_st_create(ctx, PV_F64, &c, &bad));
  CHECK_STATUS(pv_nn_sfno_finetune(bad, x0, &o, NULL, NULL, NULL, NULL), PV_EINVAL);
  const int narrow[3] = {1, 2, 2};
  pv_nn_st *nw = NULL;
  CHECK_STATUS(pv_nn_sfno_finetune_prepare(ctx, base, PV_F64, narrow, 1, &nw), PV_EINVAL);
  pv_free(w0);
  pv_nn_st_destroy(&bad);
  pv_nn_st_destroy(&base);
  pv_nn_st_destroy(&ft);
  pv_ctx_destroy(&ctx);
}

PV_TEST_MAIN(PV_CASE(test_widen_reproduces), PV_CASE(test_grad_spectral), PV_CASE(test_grad_solver),
             PV_CASE(test_finetune_frozen))
