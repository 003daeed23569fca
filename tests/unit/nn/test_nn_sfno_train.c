/* test_nn_sfno_train.c - space-time models on a small Navier-Stokes dataset
 * file: an interrupted and resumed run equals the uninterrupted one bit for
 * bit (SFNO and FNO-3D); training lowers the test error; a model of another
 * resolution, a truncated checkpoint and a different output length are
 * handled. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/ctx.h>
#include <parseval/error.h>
#include <parseval/nn.h>
#include <parseval/ns.h>
#include <parseval/fileout.h>
#include "pv_test.h"

static char data_path[4096];

static void make_dataset(void) {
  snprintf(data_path, sizeof data_path, "%s", pv_test_path("ns_st.h5"));
  pv_ns_dataset_options o = PV_NS_DATASET_OPTIONS_INIT;
  o.solver.n = 16;
  o.solver.dt = 1e-2;
  o.solver.rigor = PV_FFT_ESTIMATE;
  o.samples = 6;
  o.nt = 7;
  o.dt_record = 0.5;
  o.seed = 3;
  CHECK_OK(pv_ns_dataset_generate(NULL, data_path, 1, &o));
}

static pv_nn_st *model(pv_ctx *ctx, pv_nn_st_kind kind, int n) {
  pv_nn_st_config c = PV_NN_ST_CONFIG_INIT;
  c.kind = kind;
  c.t_in = 4; c.t_out = 3; c.latent = 4; c.width = 6; c.expansion = 2; c.layers = 2;
  c.modes[0] = c.modes[1] = 3; c.modes[2] = 2; c.proj = 8; c.pad_t = 2;
  c.n = n; c.max_batch = 2;
  pv_nn_st *m = NULL;
  CHECK_OK(pv_nn_st_create(ctx, PV_F32, &c, &m));
  return m;
}

static pv_nn_ns_train_options opts(int epochs) {
  pv_nn_ns_train_options o = PV_NN_NS_TRAIN_OPTIONS_INIT;
  o.ntrain = 4; o.ntest = 2; o.t_out = 3; o.epochs = epochs; o.batch = 2; o.lr = 3e-3;
  o.step_size = 2; o.seed = 9;
  return o;
}

static void resume_case(pv_nn_st_kind kind) {
  pv_ctx *ctx = NULL;
  CHECK_OK(pv_ctx_create(&ctx));
  pv_ctx_set_seed(ctx, 4);
  pv_nn_st *a = model(ctx, kind, 16), *b = model(ctx, kind, 16);
  pv_nn_ns_train_result r0 = {sizeof r0, 0, 0, 0, 0, NULL, NULL}, r1 = r0, r2 = r0;
  pv_nn_ns_train_options o0 = opts(0), o = opts(3);
  CHECK_OK(pv_nn_ns_train_st(ctx, data_path, a, &o0, &r0));
  CHECK_OK(pv_nn_ns_train_st(ctx, data_path, a, &o, &r1));
  CHECK_EQ_INT(r1.epochs_run, 3);
  CHECK(r1.test_rel_l2 < r0.test_rel_l2);
  printf("  %s: test rel L2 %.4g before, %.4g after 3 epochs\n",
         kind == PV_NN_ST_SFNO ? "SFNO" : "FNO-3D", r0.test_rel_l2, r1.test_rel_l2);
  char ck[4096];
  snprintf(ck, sizeof ck, "%s", pv_test_path(kind == PV_NN_ST_SFNO ? "run_sfno.h5" : "run_f3.h5"));
  pv_nn_ns_train_options p = opts(1);
  p.checkpoint = ck;
  p.checkpoint_every = 1;
  CHECK_OK(pv_nn_ns_train_st(ctx, data_path, b, &p, NULL));
  pv_nn_st_destroy(&b);
  pv_ctx_set_seed(ctx, 1234); /* the resumed model starts from other weights */
  b = model(ctx, kind, 16);
  p.epochs = 3;
  p.resume = 1;
  CHECK_OK(pv_nn_ns_train_st(ctx, data_path, b, &p, &r2));
  CHECK_EQ_INT(r2.epochs_run, 2);
  float *wa, *wb;
  size_t n;
  pv_nn_st_flat(a, (void **)&wa, NULL, &n);
  pv_nn_st_flat(b, (void **)&wb, NULL, NULL);
  CHECK(memcmp(wa, wb, n * sizeof *wa) == 0);
  CHECK(r2.test_rel_l2 == r1.test_rel_l2);
  /* a truncated checkpoint is refused and changes nothing */
  size_t len = 0;
  char *bytes = NULL;
  CHECK_OK(pv_file_read_all(ck, (size_t)1 << 28, &bytes, &len));
  char tr[4096];
  snprintf(tr, sizeof tr, "%s", pv_test_path("truncated.h5"));
  CHECK_OK(pv_file_write_atomic(tr, bytes, len / 2, 1));
  float *keep = pv_malloc(n * sizeof *keep);
  memcpy(keep, wb, n * sizeof *keep);
  CHECK(pv_nn_st_load(tr, b, NULL, NULL) < 0);
  pv_error_clear();
  CHECK(memcmp(keep, wb, n * sizeof *wb) == 0);
  /* another output length loads (the weights do not depend on it) */
  pv_nn_st_config c;
  CHECK_OK(pv_nn_st_checkpoint_config(ck, &c));
  c.t_out = 2;
  pv_nn_st *m2 = NULL;
  CHECK_OK(pv_nn_st_create(ctx, PV_F32, &c, &m2));
  CHECK_OK(pv_nn_st_load(ck, m2, NULL, NULL));
  /* a model of another resolution is refused */
  pv_nn_st *m32 = model(ctx, kind, 32);
  CHECK_STATUS(pv_nn_ns_train_st(ctx, data_path, m32, &o, NULL), PV_EINVAL);
  pv_nn_ns_data *d = NULL;
  CHECK_OK(pv_nn_ns_data_load(ctx, data_path, 0, 2, &d));
  float *pred = pv_malloc(2 * 3 * 32 * 32 * sizeof *pred);
  int st = pv_nn_ns_predict_st(m32, d, 0, 2, 0, pred, NULL, NULL);
  CHECK(st == PV_EINVAL && strstr(pv_error_message(), "16 x 16") != NULL);
  pv_error_clear();
  pv_free(pred);
  pv_free(keep);
  pv_free(bytes);
  pv_free(r0.train_curve); pv_free(r0.test_curve);
  pv_free(r1.train_curve); pv_free(r1.test_curve);
  pv_free(r2.train_curve); pv_free(r2.test_curve);
  pv_nn_ns_data_destroy(&d);
  pv_nn_st_destroy(&a);
  pv_nn_st_destroy(&b);
  pv_nn_st_destroy(&m2);
  pv_nn_st_destroy(&m32);
  pv_ctx_destroy(&ctx);
}

static void test_sfno_resume(void) {
  make_dataset();
  resume_case(PV_NN_ST_SFNO);
}

static void test_fno3d_resume(void) { resume_case(PV_NN_ST_FNO3D); }

PV_TEST_MAIN(PV_CASE(test_sfno_resume), PV_CASE(test_fno3d_resume))
