/* test_nn_ns_train.c - FNO-2D training on a small Navier-Stokes dataset
 * file: an interrupted and resumed run equals the uninterrupted one bit for
 * bit; training lowers the test error; mismatched data are refused. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/ctx.h>
#include <parseval/error.h>
#include <parseval/fileout.h>
#include <parseval/nn.h>
#include <parseval/ns.h>
#include "pv_test.h"

static char data_path[4096]; /* pv_test_path's buffers rotate: keep a copy */

static void make_dataset(void) {
  snprintf(data_path, sizeof data_path, "%s", pv_test_path("ns.h5"));
  pv_ns_dataset_options o = PV_NS_DATASET_OPTIONS_INIT;
  o.solver.n = 16;
  o.solver.dt = 1e-2;
  o.solver.rigor = PV_FFT_ESTIMATE;
  o.samples = 6;
  o.nt = 6;
  o.dt_record = 0.5;
  o.seed = 3;
  CHECK_OK(pv_ns_dataset_generate(NULL, data_path, 1, &o));
}

static pv_nn_fno2d *model(pv_ctx *ctx, int n) {
  pv_nn_fno2d_config c = PV_NN_FNO2D_CONFIG_INIT;
  c.t_in = 2; c.width = 4; c.modes = 3; c.layers = 2; c.proj = 8; c.n = n; c.max_batch = 2;
  pv_nn_fno2d *m = NULL;
  CHECK_OK(pv_nn_fno2d_create(ctx, PV_F32, &c, &m));
  return m;
}

static pv_nn_ns_train_options opts(int epochs) {
  pv_nn_ns_train_options o = PV_NN_NS_TRAIN_OPTIONS_INIT;
  o.ntrain = 4; o.ntest = 2; o.t_out = 3; o.epochs = epochs; o.batch = 2; o.lr = 3e-3;
  o.step_size = 2; o.seed = 9;
  return o;
}

static void test_train_resume(void) {
  make_dataset();
  pv_ctx *ctx = NULL;
  CHECK_OK(pv_ctx_create(&ctx));
  pv_ctx_set_seed(ctx, 4);
  /* uninterrupted: 3 epochs */
  pv_nn_fno2d *a = model(ctx, 16), *b = model(ctx, 16);
  pv_nn_ns_train_options o = opts(3);
  pv_nn_ns_train_result r0 = {sizeof r0, 0, 0, 0, 0, NULL, NULL}, r1 = r0, r2 = r0;
  pv_nn_ns_train_options o0 = opts(0);
  CHECK_OK(pv_nn_ns_train(ctx, data_path, a, &o0, &r0)); /* 0 epochs: initial error */
  o.metrics_csv = pv_test_path("metrics.csv");
  CHECK_OK(pv_nn_ns_train(ctx, data_path, a, &o, &r1));
  CHECK_EQ_INT(r1.epochs_run, 3);
  CHECK(r1.test_rel_l2 < r0.test_rel_l2);
  printf("test rel L2: %.4g before, %.4g after 3 epochs\n", r0.test_rel_l2, r1.test_rel_l2);
  /* interrupted after epoch 1 batch 1 (checkpoint every batch), then resumed */
  pv_nn_ns_train_options p = opts(3);
  p.checkpoint = pv_test_path("run.h5");
  p.checkpoint_every = 1;
  p.epochs = 1;
  CHECK_OK(pv_nn_ns_train(ctx, data_path, b, &p, NULL));
  pv_nn_fno2d_destroy(&b);
  pv_ctx_set_seed(ctx, 1234); /* the resumed model starts from other weights */
  b = model(ctx, 16);
  p.epochs = 3;
  p.resume = 1;
  CHECK_OK(pv_nn_ns_train(ctx, data_path, b, &p, &r2));
  CHECK_EQ_INT(r2.epochs_run, 2);
  float *wa, *wb;
  size_t n;
  pv_nn_fno2d_flat(a, (void **)&wa, NULL, &n);
  pv_nn_fno2d_flat(b, (void **)&wb, NULL, NULL);
  CHECK(memcmp(wa, wb, n * sizeof *wa) == 0);
  CHECK(r2.test_rel_l2 == r1.test_rel_l2);
  CHECK(r1.train_curve && r1.test_curve && r1.test_curve[2] == r1.test_rel_l2);
  pv_free(r0.train_curve); pv_free(r0.test_curve);
  pv_free(r1.train_curve); pv_free(r1.test_curve);
  pv_free(r2.train_curve); pv_free(r2.test_curve);
  pv_nn_fno2d_destroy(&a);
  pv_nn_fno2d_destroy(&b);
  /* the matrix optimisers of nn_optim drive the same loop, and an interrupted
   * run resumes from their checkpointed state bit for bit, as with Adam */
  for (int k = 1; k <= 4; k++) {
    pv_ctx_set_seed(ctx, 4); /* the initial weights of r0 */
    pv_nn_fno2d *mk = model(ctx, 16);
    pv_nn_ns_train_options q = opts(3);
    q.optimizer = k;
    q.lr = 0.01;
    pv_nn_ns_train_result rk = {sizeof rk, 0, 0, 0, 0, NULL, NULL};
    CHECK_OK(pv_nn_ns_train(ctx, data_path, mk, &q, &rk));
    CHECK(rk.epochs_run == 3 && isfinite(rk.test_rel_l2) && rk.test_rel_l2 != r0.test_rel_l2);
    pv_free(rk.train_curve); pv_free(rk.test_curve);
    pv_ctx_set_seed(ctx, 4);
    pv_nn_fno2d *ik = model(ctx, 16);
    char ck[4096];
    snprintf(ck, sizeof ck, "%s", pv_test_path("optim.h5"));
    pv_nn_ns_train_options qi = q;
    qi.checkpoint = ck;
    qi.checkpoint_every = 1;
    qi.epochs = 1;
    CHECK_OK(pv_nn_ns_train(ctx, data_path, ik, &qi, NULL));
    pv_nn_fno2d_destroy(&ik);
    pv_ctx_set_seed(ctx, 99);
    ik = model(ctx, 16);
    qi.epochs = 3;
    qi.resume = 1;
    if (k == 1) { /* the checkpoint of another optimiser is refused, the file unchanged */
      size_t l0 = 0, l1 = 0;
      char *b0 = NULL, *b1 = NULL;
      CHECK_OK(pv_file_read_all(ck, 1 << 24, &b0, &l0));
      pv_nn_ns_train_options qc = qi;
      qc.optimizer = 2;
      int st = pv_nn_ns_train(ctx, data_path, ik, &qc, NULL);
      CHECK(st == PV_EFORMAT && strstr(pv_error_message(), "'optimizer' is 'muon'") &&
            strstr(pv_error_message(), "optim.h5"));
      pv_error_clear();
      qc.optimizer = 0; /* nor does Adam resume it */
      CHECK_STATUS(pv_nn_ns_train(ctx, data_path, ik, &qc, NULL), PV_EFORMAT);
      CHECK_OK(pv_file_read_all(ck, 1 << 24, &b1, &l1));
      CHECK(l0 == l1 && memcmp(b0, b1, l0) == 0);
      pv_free(b0); pv_free(b1);
    }
    pv_nn_ns_train_result ri = {sizeof ri, 0, 0, 0, 0, NULL, NULL};
    CHECK_OK(pv_nn_ns_train(ctx, data_path, ik, &qi, &ri));
    CHECK_EQ_INT(ri.epochs_run, 2);
    float *w1, *w2;
    size_t nw;
    pv_nn_fno2d_flat(mk, (void **)&w1, NULL, &nw);
    pv_nn_fno2d_flat(ik, (void **)&w2, NULL, NULL);
    CHECK(memcmp(w1, w2, nw * sizeof *w1) == 0);
    CHECK(ri.test_rel_l2 == rk.test_rel_l2);
    pv_free(ri.train_curve); pv_free(ri.test_curve);
    pv_nn_fno2d_destroy(&ik);
    pv_nn_fno2d_destroy(&mk);
  }
  /* a model of another resolution is refused, naming both */
  a = model(ctx, 32);
  CHECK_STATUS(pv_nn_ns_train(ctx, data_path, a, &o, NULL), PV_EINVAL);
  pv_nn_ns_data *d = NULL;
  CHECK_OK(pv_nn_ns_data_load(ctx, data_path, 0, 2, &d));
  float *pred = pv_malloc(2 * 3 * 16 * 16 * sizeof *pred);
  int st = pv_nn_ns_predict(a, d, 0, 2, 0, 3, pred, NULL, NULL);
  CHECK(st == PV_EINVAL && strstr(pv_error_message(), "16 x 16") != NULL);
  pv_error_clear();
  pv_nn_ns_data *d2 = NULL;
  CHECK_STATUS(pv_nn_ns_data_load(ctx, data_path, 5, 2, &d2), PV_EINVAL);
  CHECK(d2 == NULL);
  pv_free(pred);
  pv_nn_ns_data_destroy(&d);
  pv_nn_fno2d_destroy(&a);
  pv_ctx_destroy(&ctx);
}

PV_TEST_MAIN(PV_CASE(test_train_resume))
