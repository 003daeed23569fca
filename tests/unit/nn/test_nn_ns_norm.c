/* test_nn_ns_norm.c - the Navier-Stokes training verbs' Gaussian data
 * normaliser (pv_nn_ns_norm): statistics against a direct two-pass sum
 * over the training split read from the file in double; the folded
 * rollout against an explicit normalise -> network -> denormalise
 * construction and the affine identity f_N'(a w + b) = a f_N(w) + b; its
 * gradient against central differences; train -> checkpoint -> predict
 * reproduces the training's final test error; resume bit for bit; hostile
 * normaliser attributes refused with the model and the file unchanged;
 * the space-time models' normalised step (SFNO). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/ctx.h>
#include <parseval/error.h>
#include <parseval/fileout.h>
#include <parseval/h5.h>
#include <parseval/nn.h>
#include <parseval/ns.h>
#include "pv_test.h"

enum { N = 16, NS = 6, NT = 6, NTRAIN = 4, NTEST = 2, TIN = 2, TOUT = 3 };
static char data_path[4096];
static int times; /* time slices per sample in the file */

static void make_dataset(void) {
  snprintf(data_path, sizeof data_path, "%s", pv_test_path("ns.h5"));
  pv_ns_dataset_options o = PV_NS_DATASET_OPTIONS_INIT;
  o.solver.n = N;
  o.solver.dt = 1e-2;
  o.solver.rigor = PV_FFT_ESTIMATE;
  o.samples = NS;
  o.nt = NT;
  o.dt_record = 0.5;
  o.seed = 3;
  CHECK_OK(pv_ns_dataset_generate(NULL, data_path, 1, &o));
  pv_ns_dataset_info info = {sizeof info, 0, 0, 0, 0, PV_F64};
  CHECK_OK(pv_ns_dataset_info_read(data_path, &info));
  times = info.times;
}

static pv_nn_fno2d *model(pv_ctx *ctx, uint64_t seed) {
  pv_nn_fno2d_config c = PV_NN_FNO2D_CONFIG_INIT;
  c.t_in = TIN; c.width = 4; c.modes = 3; c.layers = 2; c.proj = 8; c.n = N; c.max_batch = 2;
  c.rigor = PV_FFT_ESTIMATE;
  pv_ctx_set_seed(ctx, seed);
  pv_nn_fno2d *m = NULL;
  CHECK_OK(pv_nn_fno2d_create(ctx, PV_F32, &c, &m));
  return m;
}

static pv_nn_ns_train_options opts(int epochs) {
  pv_nn_ns_train_options o = PV_NN_NS_TRAIN_OPTIONS_INIT;
  o.ntrain = NTRAIN; o.ntest = NTEST; o.t_out = TOUT; o.epochs = epochs; o.batch = 2; o.lr = 3e-3;
  o.step_size = 2; o.seed = 9; o.normalize = PV_NN_NORM_GAUSSIAN;
  return o;
}

/* Mean and population std of samples [first, first + count) read in double. */
static void direct_stats(int first, int count, double *mean, double *sd) {
  const size_t per = (size_t)times * N * N;
  double *buf = pv_malloc(per * sizeof *buf), s = 0, ss = 0;
  for (int k = 0; k < count; k++) {
    CHECK_OK(pv_ns_dataset_read_sample(data_path, first + k, buf));
    for (size_t i = 0; i < per; i++) s += buf[i];
  }
  *mean = s / ((double)count * per);
  for (int k = 0; k < count; k++) {
    CHECK_OK(pv_ns_dataset_read_sample(data_path, first + k, buf));
    for (size_t i = 0; i < per; i++) ss += (buf[i] - *mean) * (buf[i] - *mean);
  }
  *sd = sqrt(ss / ((double)count * per));
  pv_free(buf);
}

static void test_stats(void) {
  make_dataset();
  pv_nn_ns_data *d = NULL;
  CHECK_OK(pv_nn_ns_data_load(NULL, data_path, 0, NTRAIN, &d));
  pv_nn_ns_norm n;
  CHECK_OK(pv_nn_ns_norm_fit(d, &n));
  double mean, sd, mall, sall;
  direct_stats(0, NTRAIN, &mean, &sd);
  direct_stats(0, NS, &mall, &sall);
  printf("normaliser: mean %.9g (direct %.9g), std %.9g (direct %.9g); all samples %.6g %.6g\n",
         n.mean, mean, n.std, sd, mall, sall);
  CHECK_EQ_INT(n.kind, PV_NN_NORM_GAUSSIAN);
  /* the data are stored as float: values differ from the file's by <= 2^-24 relative */
  CHECK(fabs(n.mean - mean) <= 1e-6 * sd);
  CHECK_REL(n.std, sd, 1e-6);
  CHECK(fabs(sall - sd) > 1e-4 * sd); /* the test split would give another std */
  /* constant data cannot be normalised */
  size_t tot = (size_t)d->samples * d->times * d->res * d->res;
  float *w = d->w;
  for (size_t i = 0; i < tot; i++) w[i] = 2.5f;
  CHECK_STATUS(pv_nn_ns_norm_fit(d, &n), PV_ENUMERIC);
  pv_error_clear();
  pv_nn_ns_data_destroy(&d);
}

/* Inputs of 2 samples (x0) and targets (y) from the first samples of the file. */
static void inputs(const pv_nn_ns_data *d, float *x0, float *y) {
  const size_t S = (size_t)N * N;
  for (int b = 0; b < 2; b++) {
    memcpy(x0 + (size_t)b * TIN * S, d->w + (size_t)b * times * S, TIN * S * sizeof *x0);
    memcpy(y + (size_t)b * TOUT * S, d->w + ((size_t)b * times + TIN) * S, TOUT * S * sizeof *y);
  }
}

static double max_abs(const float *a, size_t n) {
  double m = 0;
  for (size_t i = 0; i < n; i++) m = fmax(m, fabs(a[i]));
  return m;
}

static void test_forward_identity(void) {
  pv_ctx *ctx = NULL;
  CHECK_OK(pv_ctx_create(&ctx));
  pv_nn_fno2d *m = model(ctx, 5);
  pv_nn_ns_data *d = NULL;
  CHECK_OK(pv_nn_ns_data_load(ctx, data_path, 0, NTRAIN, &d));
  pv_nn_ns_norm n1;
  CHECK_OK(pv_nn_ns_norm_fit(d, &n1));
  const size_t S = (size_t)N * N, nx = 2 * TIN * S, ny = 2 * TOUT * S;
  float *x0 = pv_malloc(nx * sizeof *x0), *y = pv_malloc(ny * sizeof *y);
  float *xs = pv_malloc(nx * sizeof *xs), *p1 = pv_malloc(ny * sizeof *p1);
  float *p2 = pv_malloc(ny * sizeof *p2), *pe = pv_malloc(ny * sizeof *pe);
  inputs(d, x0, y);
  float *w;
  size_t nw;
  pv_nn_fno2d_flat(m, (void **)&w, NULL, &nw);
  float *w0 = pv_malloc(nw * sizeof *w0);
  memcpy(w0, w, nw * sizeof *w0);
  /* (a) explicit: normalise the inputs, run the plain network, map back */
  for (size_t i = 0; i < nx; i++) xs[i] = (float)((x0[i] - n1.mean) / n1.std);
  CHECK_OK(pv_nn_fno2d_rollout(m, 2, TOUT, xs, NULL, PV_NN_REDUCE_SUM, 0, NULL, pe));
  for (size_t i = 0; i < ny; i++) pe[i] = (float)(pe[i] * n1.std + n1.mean);
  CHECK_OK(pv_nn_fno2d_rollout_norm(m, &n1, 2, TOUT, x0, NULL, PV_NN_REDUCE_SUM, 0, NULL, p1));
  CHECK(memcmp(w, w0, nw * sizeof *w) == 0); /* the stored weights restored bit for bit */
  double dmax = 0, scale = max_abs(pe, ny);
  for (size_t i = 0; i < ny; i++) dmax = fmax(dmax, fabs((double)p1[i] - pe[i]));
  printf("folded vs explicit normaliser: max |diff| %.3g of max |pred| %.3g\n", dmax, scale);
  /* float rounding of the folded weights, amplified over TOUT recurrent steps */
  CHECK(dmax <= 1e-4 * scale);
  /* (b) data a w + b with the normaliser (a mean + b, a std): a f(w) + b */
  const double a = 1000, b = 5;
  pv_nn_ns_norm n2 = {PV_NN_NORM_GAUSSIAN, a * n1.mean + b, a * n1.std};
  for (size_t i = 0; i < nx; i++) xs[i] = (float)(a * x0[i] + b);
  CHECK_OK(pv_nn_fno2d_rollout_norm(m, &n2, 2, TOUT, xs, NULL, PV_NN_REDUCE_SUM, 0, NULL, p2));
  dmax = 0;
  for (size_t i = 0; i < ny; i++) dmax = fmax(dmax, fabs(p2[i] - (a * p1[i] + b)));
  printf("affine identity (a = 1000, b = 5): max |diff| %.3g of %.3g\n", dmax, a * scale);
  CHECK(dmax <= 1e-4 * a * scale);
  /* the check can fail: the plain network is not equivariant */
  CHECK_OK(pv_nn_fno2d_rollout(m, 2, TOUT, xs, NULL, PV_NN_REDUCE_SUM, 0, NULL, p2));
  CHECK_OK(pv_nn_fno2d_rollout(m, 2, TOUT, x0, NULL, PV_NN_REDUCE_SUM, 0, NULL, pe));
  dmax = 0;
  for (size_t i = 0; i < ny; i++) dmax = fmax(dmax, fabs(p2[i] - (a * pe[i] + b)));
  CHECK(dmax > 1e-2 * a * max_abs(pe, ny));
  /* an invalid normaliser is refused */
  pv_nn_ns_norm bad = {PV_NN_NORM_GAUSSIAN, 0, 0};
  int st = pv_nn_fno2d_rollout_norm(m, &bad, 2, TOUT, x0, NULL, PV_NN_REDUCE_SUM, 0, NULL, p1);
  CHECK_EQ_INT(st, PV_EINVAL);
  printf("refused: %s\n", pv_error_message());
  CHECK(strstr(pv_error_message(), "norm_std") != NULL);
  pv_error_clear();
  bad.std = NAN;
  CHECK_STATUS(pv_nn_ns_predict_norm(m, &bad, d, 0, 2, 0, TOUT, p1, NULL, NULL), PV_EINVAL);
  pv_error_clear();
  pv_free(w0); pv_free(x0); pv_free(y); pv_free(xs); pv_free(p1); pv_free(p2); pv_free(pe);
  pv_nn_ns_data_destroy(&d);
  pv_nn_fno2d_destroy(&m);
  pv_ctx_destroy(&ctx);
}

/* d loss / d theta through the normaliser vs central differences along a
 * direction over the four folded tensors (the ones the chain rule maps). */
static void test_gradient(void) {
  pv_ctx *ctx = NULL;
  CHECK_OK(pv_ctx_create(&ctx));
  pv_nn_fno2d *m = model(ctx, 6);
  pv_nn_ns_data *d = NULL;
  CHECK_OK(pv_nn_ns_data_load(ctx, data_path, 0, NTRAIN, &d));
  const size_t S = (size_t)N * N;
  float *x0 = pv_malloc(2 * TIN * S * sizeof *x0), *y = pv_malloc(2 * TOUT * S * sizeof *y);
  inputs(d, x0, y);
  /* mean and std far from (0, 1), so a wrong chain rule is off by factors */
  pv_nn_ns_norm nm = {PV_NN_NORM_GAUSSIAN, 3.0, 2.5};
  pv_nn_param *ps;
  int np;
  CHECK_OK(pv_nn_fno2d_params(m, &ps, &np));
  double loss = 0, gd = 0, lp = 0, lm = 0;
  pv_nn_fno2d_zero_grad(m);
  CHECK_OK(pv_nn_fno2d_rollout_norm(m, &nm, 2, TOUT, x0, y, PV_NN_REDUCE_SUM, 1, &loss, NULL));
  const double h = 1e-2;
  pv_rng r;
  pv_rng_init(&r, 11, 0);
  for (int pass = 0; pass < 3; pass++) {
    pv_rng_init(&r, 11, 0);
    for (int i = 0; i < np; i++) {
      if (strncmp(ps[i].name, "lift.", 5) != 0 && strncmp(ps[i].name, "proj2.", 6) != 0) continue;
      for (size_t k = 0; k < pv_nn_param_numel(&ps[i]); k++) {
        double dir = pv_rng_uniform(&r) < 0.5 ? -1 : 1;
        if (pass == 0) gd += dir * ps[i].g[k];
        else ps[i].w[k] += (float)((pass == 1 ? h : -2 * h) * dir);
      }
    }
    if (pass == 1)
      CHECK_OK(pv_nn_fno2d_rollout_norm(m, &nm, 2, TOUT, x0, y, PV_NN_REDUCE_SUM, 0, &lp, NULL));
    if (pass == 2)
      CHECK_OK(pv_nn_fno2d_rollout_norm(m, &nm, 2, TOUT, x0, y, PV_NN_REDUCE_SUM, 0, &lm, NULL));
  }
  double fd = (lp - lm) / (2 * h);
  printf("normalised rollout: loss %.6g, directional derivative %.6g, central difference %.6g\n",
         loss, gd, fd);
  CHECK(fabs(gd) > 1e-3);
  /* float losses: the difference quotient agrees to ~1e-5 here; a chain rule
   * without the mean term (bias shift) is off by ~1e-2 */
  CHECK_REL(fd, gd, 2e-3);
  pv_free(x0); pv_free(y);
  pv_nn_ns_data_destroy(&d);
  pv_nn_fno2d_destroy(&m);
  pv_ctx_destroy(&ctx);
}

static int file_bytes(const char *p, char **b, size_t *n) { return pv_file_read_all(p, 1 << 24, b, n); }

/* Checkpoint with one root attribute rewritten; load it into a fresh model:
 * PV_EFORMAT naming key, weights unchanged, the file unchanged. */
static void hostile(pv_ctx *ctx, const char *good, const char *key, int kind, double v,
                    const char *s) {
  char bad[4096];
  snprintf(bad, sizeof bad, "%s", pv_test_path("bad.h5"));
  char *b0 = NULL, *b1 = NULL;
  size_t l0 = 0, l1 = 0;
  CHECK_OK(file_bytes(good, &b0, &l0));
  CHECK_OK(pv_file_write_atomic(bad, b0, l0, 1));
  pv_h5 *h = NULL;
  CHECK_OK(pv_h5_open_rw(bad, &h));
  if (kind == 0) CHECK_OK(pv_h5_set_attr_double(h, "/", key, v));
  else CHECK_OK(pv_h5_set_attr_string(h, "/", key, s));
  pv_h5_close(&h);
  pv_free(b0);
  CHECK_OK(file_bytes(bad, &b0, &l0));
  pv_nn_fno2d *m = model(ctx, 77);
  float *w;
  size_t nw;
  pv_nn_fno2d_flat(m, (void **)&w, NULL, &nw);
  float *w0 = pv_malloc(nw * sizeof *w0);
  memcpy(w0, w, nw * sizeof *w0);
  pv_nn_checkpoint_meta meta;
  memset(&meta, 0, sizeof meta);
  meta.struct_size = sizeof meta;
  int st = pv_nn_fno2d_load(bad, m, NULL, &meta);
  printf("hostile %s: %s\n", key, pv_error_message());
  CHECK_EQ_INT(st, PV_EFORMAT);
  CHECK(strstr(pv_error_message(), key) != NULL && strstr(pv_error_message(), "bad.h5") != NULL);
  pv_error_clear();
  CHECK(memcmp(w, w0, nw * sizeof *w) == 0);
  CHECK_OK(file_bytes(bad, &b1, &l1));
  CHECK(l0 == l1 && memcmp(b0, b1, l0) == 0);
  pv_free(b0); pv_free(b1); pv_free(w0);
  pv_nn_fno2d_destroy(&m);
}

static void test_train_checkpoint(void) {
  pv_ctx *ctx = NULL;
  CHECK_OK(pv_ctx_create(&ctx));
  char ck[4096];
  snprintf(ck, sizeof ck, "%s", pv_test_path("norm.h5"));
  /* uninterrupted normalised run, checkpoint at the end */
  pv_nn_fno2d *a = model(ctx, 4);
  pv_nn_ns_train_options o = opts(3);
  o.checkpoint = ck;
  pv_nn_ns_train_result r0 = {sizeof r0, 0, 0, 0, 0, NULL, NULL}, r1 = r0, r2 = r0;
  pv_nn_ns_train_options o0 = opts(0);
  CHECK_OK(pv_nn_ns_train(ctx, data_path, a, &o0, &r0));
  CHECK_OK(pv_nn_ns_train(ctx, data_path, a, &o, &r1));
  printf("normalised training: test rel L2 %.5g before, %.5g after 3 epochs\n", r0.test_rel_l2,
         r1.test_rel_l2);
  CHECK(isfinite(r1.test_rel_l2) && r1.test_rel_l2 < r0.test_rel_l2);
  /* the statistics are the training split's, stored as root attributes */
  double mean, sd;
  direct_stats(0, NTRAIN, &mean, &sd);
  pv_h5 *h = NULL;
  char *kind = NULL;
  double fm = 0, fs = 0;
  CHECK_OK(pv_h5_open(ck, &h));
  CHECK_OK(pv_h5_get_attr_string(h, "/", "norm_kind", &kind));
  CHECK_OK(pv_h5_get_attr_double(h, "/", "norm_mean", &fm));
  CHECK_OK(pv_h5_get_attr_double(h, "/", "norm_std", &fs));
  pv_h5_close(&h);
  CHECK(kind && strcmp(kind, "gaussian") == 0);
  pv_free(kind);
  CHECK(fabs(fm - mean) <= 1e-6 * sd);
  CHECK_REL(fs, sd, 1e-6);
  /* eval from the checkpoint reproduces the training's final test error */
  pv_nn_fno2d *e = model(ctx, 1234);
  pv_nn_checkpoint_meta meta;
  memset(&meta, 0, sizeof meta);
  meta.struct_size = sizeof meta;
  CHECK_OK(pv_nn_fno2d_load(ck, e, NULL, &meta));
  pv_free(meta.config_json);
  CHECK(meta.norm.kind == PV_NN_NORM_GAUSSIAN && meta.norm.mean == fm && meta.norm.std == fs);
  pv_nn_ns_data *t = NULL;
  CHECK_OK(pv_nn_ns_data_load(ctx, data_path, NS - NTEST, NTEST, &t));
  float *pred = pv_malloc((size_t)NTEST * TOUT * N * N * sizeof *pred);
  double err = 0, err_plain = 0;
  CHECK_OK(pv_nn_ns_predict_norm(e, &meta.norm, t, 0, NTEST, 0, TOUT, pred, NULL, &err));
  CHECK_OK(pv_nn_ns_predict(e, t, 0, NTEST, 0, TOUT, pred, NULL, &err_plain));
  printf("eval from the checkpoint: %.9g (train's %.9g); ignoring the normaliser %.5g\n", err,
         r1.test_rel_l2, err_plain);
  CHECK(err == r1.test_rel_l2);
  CHECK(fabs(err_plain - err) > 1e-3); /* the normaliser matters */
  /* interrupted after epoch 1, resumed: the same numbers bit for bit */
  char ck2[4096];
  snprintf(ck2, sizeof ck2, "%s", pv_test_path("norm2.h5"));
  pv_nn_fno2d *b = model(ctx, 4);
  pv_nn_ns_train_options p = opts(1);
  p.checkpoint = ck2;
  p.checkpoint_every = 1;
  CHECK_OK(pv_nn_ns_train(ctx, data_path, b, &p, NULL));
  pv_nn_fno2d_destroy(&b);
  b = model(ctx, 99);
  p.epochs = 3;
  p.resume = 1;
  { /* resuming with another normaliser setting is refused, the file unchanged */
    char *c0 = NULL, *c1 = NULL;
    size_t l0 = 0, l1 = 0;
    CHECK_OK(file_bytes(ck2, &c0, &l0));
    pv_nn_ns_train_options q = p;
    q.normalize = PV_NN_NORM_NONE;
    int st = pv_nn_ns_train(ctx, data_path, b, &q, NULL);
    CHECK_EQ_INT(st, PV_EFORMAT);
    printf("refused: %s\n", pv_error_message());
    CHECK(strstr(pv_error_message(), "norm_kind") != NULL);
    pv_error_clear();
    CHECK_OK(file_bytes(ck2, &c1, &l1));
    CHECK(l0 == l1 && memcmp(c0, c1, l0) == 0);
    pv_free(c0); pv_free(c1);
  }
  CHECK_OK(pv_nn_ns_train(ctx, data_path, b, &p, &r2));
  float *wa, *wb;
  size_t nw;
  pv_nn_fno2d_flat(a, (void **)&wa, NULL, &nw);
  pv_nn_fno2d_flat(b, (void **)&wb, NULL, NULL);
  CHECK(memcmp(wa, wb, nw * sizeof *wa) == 0);
  CHECK(r2.test_rel_l2 == r1.test_rel_l2);
  /* hostile normaliser attributes */
  hostile(ctx, ck, "norm_std", 0, 0.0, NULL);
  hostile(ctx, ck, "norm_std", 0, NAN, NULL);
  hostile(ctx, ck, "norm_std", 0, -1.0, NULL);
  hostile(ctx, ck, "norm_mean", 0, INFINITY, NULL);
  hostile(ctx, ck, "norm_kind", 1, 0, "minmax");
  /* a plain checkpoint given a norm_std: normaliser of unknown kind */
  char plain[4096];
  snprintf(plain, sizeof plain, "%s", pv_test_path("plain.h5"));
  CHECK_OK(pv_nn_fno2d_save(plain, 1, a, NULL, NULL));
  hostile(ctx, plain, "norm_std", 0, 1.0, NULL);
  pv_free(r0.train_curve); pv_free(r0.test_curve);
  pv_free(r1.train_curve); pv_free(r1.test_curve);
  pv_free(r2.train_curve); pv_free(r2.test_curve);
  pv_free(pred);
  pv_nn_ns_data_destroy(&t);
  pv_nn_fno2d_destroy(&a);
  pv_nn_fno2d_destroy(&b);
  pv_nn_fno2d_destroy(&e);
  pv_ctx_destroy(&ctx);
}

/* Space-time models (SFNO here): the step normalises the inputs and maps the
 * output back. Checked: f_N'(a x + b) = a f_N(x) + b, the gradient against
 * central differences, train -> checkpoint -> predict reproduces the final
 * test error, resuming with the other setting refused. */
static pv_nn_st *st_model(pv_ctx *ctx, uint64_t seed) {
  pv_nn_st_config c = PV_NN_ST_CONFIG_INIT;
  c.kind = PV_NN_ST_SFNO;
  c.t_in = 4; c.t_out = 3; c.latent = 4; c.width = 6; c.expansion = 2; c.layers = 2;
  c.modes[0] = c.modes[1] = 3; c.modes[2] = 2; c.proj = 8; c.pad_t = 2;
  c.n = N; c.max_batch = 2;
  c.act = PV_NN_ACT_GELU; /* smooth: central differences do not straddle ReLU kinks */
  pv_ctx_set_seed(ctx, seed);
  pv_nn_st *m = NULL;
  CHECK_OK(pv_nn_st_create(ctx, PV_F32, &c, &m));
  return m;
}

static void test_space_time(void) {
  pv_ctx *ctx = NULL;
  CHECK_OK(pv_ctx_create(&ctx));
  pv_nn_st *m = st_model(ctx, 5);
  pv_nn_ns_data *d = NULL;
  CHECK_OK(pv_nn_ns_data_load(ctx, data_path, 0, NTRAIN, &d));
  pv_nn_ns_norm n1;
  CHECK_OK(pv_nn_ns_norm_fit(d, &n1));
  const size_t S = (size_t)N * N, nx = 2 * 4 * S, ny = 2 * 3 * S;
  float *x0 = pv_malloc(nx * sizeof *x0), *y = pv_malloc(ny * sizeof *y);
  float *xs = pv_malloc(nx * sizeof *xs), *p1 = pv_malloc(ny * sizeof *p1), *p2 = pv_malloc(ny * sizeof *p2);
  for (int b = 0; b < 2; b++) {
    memcpy(x0 + (size_t)b * 4 * S, d->w + (size_t)b * times * S, 4 * S * sizeof *x0);
    memcpy(y + (size_t)b * 3 * S, d->w + ((size_t)b * times + 4) * S, 3 * S * sizeof *y);
  }
  const double a = 1000, b = 5;
  pv_nn_ns_norm n2 = {PV_NN_NORM_GAUSSIAN, a * n1.mean + b, a * n1.std};
  for (size_t i = 0; i < nx; i++) xs[i] = (float)(a * x0[i] + b);
  CHECK_OK(pv_nn_st_step_norm(m, &n1, 2, x0, NULL, PV_NN_REDUCE_SUM, 0, NULL, p1));
  CHECK_OK(pv_nn_st_step_norm(m, &n2, 2, xs, NULL, PV_NN_REDUCE_SUM, 0, NULL, p2));
  double dmax = 0, scale = max_abs(p1, ny);
  for (size_t i = 0; i < ny; i++) dmax = fmax(dmax, fabs(p2[i] - (a * p1[i] + b)));
  printf("SFNO affine identity (a = 1000, b = 5): max |diff| %.3g of %.3g\n", dmax, a * scale);
  CHECK(dmax <= 1e-4 * a * scale);
  /* gradient: directional derivative over all parameters vs central differences */
  pv_nn_ns_norm nm = {PV_NN_NORM_GAUSSIAN, 3.0, 2.5};
  float *w, *g;
  size_t nw;
  pv_nn_st_flat(m, (void **)&w, (void **)&g, &nw);
  float *dir = pv_malloc(nw * sizeof *dir);
  pv_rng r;
  pv_rng_init(&r, 12, 0);
  double loss = 0, lp = 0, lm = 0, gd = 0;
  const double h = 1e-3;
  for (size_t i = 0; i < nw; i++) dir[i] = pv_rng_uniform(&r) < 0.5 ? -1.0f : 1.0f;
  pv_nn_st_zero_grad(m);
  CHECK_OK(pv_nn_st_step_norm(m, &nm, 2, x0, y, PV_NN_REDUCE_SUM, 1, &loss, NULL));
  for (size_t i = 0; i < nw; i++) gd += (double)dir[i] * g[i];
  for (size_t i = 0; i < nw; i++) w[i] += (float)(h * dir[i]);
  CHECK_OK(pv_nn_st_step_norm(m, &nm, 2, x0, y, PV_NN_REDUCE_SUM, 0, &lp, NULL));
  for (size_t i = 0; i < nw; i++) w[i] -= (float)(2 * h * dir[i]);
  CHECK_OK(pv_nn_st_step_norm(m, &nm, 2, x0, y, PV_NN_REDUCE_SUM, 0, &lm, NULL));
  double fd = (lp - lm) / (2 * h);
  printf("SFNO normalised step: loss %.6g, directional derivative %.6g, central difference %.6g\n",
         loss, gd, fd);
  CHECK(fabs(gd) > 1e-3);
  CHECK_REL(fd, gd, 2e-2); /* a gradient missing the factor std is off by 2.5x */
  /* relative L2 is scale invariant: data (a x, a y) with (a mean, a std) give the
   * gradient of (x, y) with (mean, std); a wrong power of std in the output
   * gradient would scale it by a power of a */
  float *g1 = pv_malloc(nw * sizeof *g1), *ya = pv_malloc(ny * sizeof *ya);
  pv_nn_ns_norm n3 = {PV_NN_NORM_GAUSSIAN, a * n1.mean, a * n1.std};
  for (size_t i = 0; i < nx; i++) xs[i] = (float)(a * x0[i]);
  for (size_t i = 0; i < ny; i++) ya[i] = (float)(a * y[i]);
  pv_nn_st_zero_grad(m);
  CHECK_OK(pv_nn_st_step_norm(m, &n1, 2, x0, y, PV_NN_REDUCE_SUM, 1, &lp, NULL));
  memcpy(g1, g, nw * sizeof *g1);
  pv_nn_st_zero_grad(m);
  CHECK_OK(pv_nn_st_step_norm(m, &n3, 2, xs, ya, PV_NN_REDUCE_SUM, 1, &lm, NULL));
  double gdiff = 0, gmax = 0;
  for (size_t i = 0; i < nw; i++) {
    gdiff = fmax(gdiff, fabs((double)g[i] - g1[i]));
    gmax = fmax(gmax, fabs((double)g1[i]));
  }
  printf("SFNO scaled data: loss %.9g vs %.9g, max |grad diff| %.3g of %.3g\n", lm, lp, gdiff, gmax);
  CHECK_REL(lm, lp, 1e-5);
  CHECK(gmax > 0 && gdiff <= 1e-3 * gmax);
  pv_free(g1); pv_free(ya);
  pv_free(dir);
  pv_nn_st_destroy(&m);
  /* training, checkpoint, evaluation */
  char ck[4096];
  snprintf(ck, sizeof ck, "%s", pv_test_path("st_norm.h5"));
  m = st_model(ctx, 4);
  pv_nn_ns_train_options o = opts(2);
  o.checkpoint = ck;
  pv_nn_ns_train_result r1 = {sizeof r1, 0, 0, 0, 0, NULL, NULL};
  CHECK_OK(pv_nn_ns_train_st(ctx, data_path, m, &o, &r1));
  pv_nn_st *e = st_model(ctx, 1234);
  pv_nn_checkpoint_meta meta;
  memset(&meta, 0, sizeof meta);
  meta.struct_size = sizeof meta;
  CHECK_OK(pv_nn_st_load(ck, e, NULL, &meta));
  pv_free(meta.config_json);
  CHECK(meta.norm.kind == PV_NN_NORM_GAUSSIAN && meta.norm.std > 0);
  CHECK_REL(meta.norm.std, n1.std, 1e-12);
  pv_nn_ns_data *t = NULL;
  CHECK_OK(pv_nn_ns_data_load(ctx, data_path, NS - NTEST, NTEST, &t));
  float *pred = pv_malloc((size_t)NTEST * 3 * S * sizeof *pred);
  double err = 0;
  CHECK_OK(pv_nn_ns_predict_st_norm(e, &meta.norm, t, 0, NTEST, 0, pred, NULL, &err));
  printf("SFNO eval from the checkpoint: %.9g (train's %.9g)\n", err, r1.test_rel_l2);
  CHECK(err == r1.test_rel_l2);
  pv_nn_ns_train_options q = o;
  q.normalize = PV_NN_NORM_NONE;
  q.resume = 1;
  q.epochs = 3;
  int st = pv_nn_ns_train_st(ctx, data_path, e, &q, NULL);
  CHECK_EQ_INT(st, PV_EFORMAT);
  CHECK(strstr(pv_error_message(), "norm_kind") != NULL);
  pv_error_clear();
  pv_free(r1.train_curve); pv_free(r1.test_curve);
  pv_free(pred); pv_free(x0); pv_free(y); pv_free(xs); pv_free(p1); pv_free(p2);
  pv_nn_ns_data_destroy(&t);
  pv_nn_ns_data_destroy(&d);
  pv_nn_st_destroy(&m);
  pv_nn_st_destroy(&e);
  pv_ctx_destroy(&ctx);
}

PV_TEST_MAIN(PV_CASE(test_stats), PV_CASE(test_forward_identity), PV_CASE(test_gradient),
             PV_CASE(test_train_checkpoint), PV_CASE(test_space_time))
