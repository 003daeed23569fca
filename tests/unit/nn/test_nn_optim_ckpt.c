/* test_nn_optim_ckpt.c - Muon / Conda / AuON state and sigmaReparam vectors
 * in FNO-2D checkpoints: save after 3 steps, load into a fresh model and
 * optimiser (other seed), 3 more steps equal the uninterrupted 6 bit for bit
 * (Conda refreshing its basis every 2 steps, so the stored basis and step
 * counts matter); another optimiser, another model shape and a damaged
 * state array are refused with the file and field named, nothing changed. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/ctx.h>
#include <parseval/error.h>
#include <parseval/h5.h>
#include <parseval/nn.h>
#include <parseval/nn_optim.h>
#include <parseval/rng.h>
#include "pv_test.h"

enum { NS = 4, B = 2, T = 2 };
static float data[NS][4][64];

static void make_data(void) {
  pv_rng r;
  pv_rng_init(&r, 7, 0);
  for (int s = 0; s < NS; s++)
    for (int f = 0; f < 4; f++)
      for (int k = 0; k < 64; k++) data[s][f][k] = (float)(pv_rng_normal(&r) + 0.5);
}

static pv_nn_fno2d *model(pv_ctx *ctx, int width, uint64_t seed) {
  pv_ctx_set_seed(ctx, seed);
  pv_nn_fno2d_config c = PV_NN_FNO2D_CONFIG_INIT;
  c.t_in = 2; c.width = width; c.modes = 2; c.layers = 2; c.proj = 6; c.n = 8; c.max_batch = B;
  pv_nn_fno2d *m = NULL;
  CHECK_OK(pv_nn_fno2d_create(ctx, PV_F32, &c, &m));
  return m;
}

static pv_nn_optim *optim(pv_ctx *ctx, pv_nn_fno2d *m, pv_nn_optim_kind kind) {
  pv_nn_param *ps;
  int np;
  CHECK_OK(pv_nn_fno2d_params(m, &ps, &np));
  pv_nn_optim_options o = PV_NN_OPTIM_OPTIONS_INIT;
  o.update_proj_gap = 2;
  o.weight_decay = 1e-3;
  o.aux_groups = 1u << 1;
  pv_nn_optim *opt = NULL;
  CHECK_OK(pv_nn_optim_create(ctx, kind, &o, ps, (size_t)np, &opt));
  return opt;
}

/* steps of training; sigma (when given) reparameterises lift.weight's
 * gradient path only through its power iteration (enough to move u, v) */
static void train(pv_nn_fno2d *m, pv_nn_optim *o, pv_nn_sigma_reparam *sg, pv_rng *rng,
                  int steps) {
  float x0[B][2][64], y[B][T][64];
  pv_nn_param *ps;
  int np;
  CHECK_OK(pv_nn_fno2d_params(m, &ps, &np));
  for (int s = 0; s < steps; s++) {
    size_t idx[NS] = {0, 1, 2, 3};
    pv_rng_shuffle(rng, idx, NS);
    for (int b = 0; b < B; b++) {
      memcpy(x0[b], data[idx[b]][0], sizeof x0[b]);
      memcpy(y[b], data[idx[b]][2], sizeof y[b]);
    }
    double loss, sigma;
    pv_nn_fno2d_zero_grad(m);
    CHECK_OK(pv_nn_fno2d_rollout(m, B, T, x0, y, PV_NN_REDUCE_SUM, 1, &loss, NULL));
    if (sg) CHECK_OK(pv_nn_sigma_reparam_forward_f(sg, ps[0].w, 1.0f, 1, NULL, &sigma));
    CHECK_OK(pv_nn_optim_step(o, 3e-3));
  }
}

static int same_optim(const pv_nn_optim *a, const pv_nn_optim *b) {
  const pv_nn_optim_state_entry *ea, *eb;
  size_t na, nb;
  pv_nn_optim_state(a, &ea, &na);
  pv_nn_optim_state(b, &eb, &nb);
  int same = na == nb && pv_nn_optim_steps(a) == pv_nn_optim_steps(b);
  for (size_t i = 0; same && i < na; i++)
    same = ea[i].n == eb[i].n && !strcmp(ea[i].name, eb[i].name) &&
           !memcmp(ea[i].data, eb[i].data, ea[i].n * sizeof(float));
  return same;
}

static int same_weights(pv_nn_fno2d *a, pv_nn_fno2d *b) {
  float *wa, *wb;
  size_t n;
  pv_nn_fno2d_flat(a, (void **)&wa, NULL, &n);
  pv_nn_fno2d_flat(b, (void **)&wb, NULL, NULL);
  return memcmp(wa, wb, n * sizeof *wa) == 0;
}

static void test_resume_each_optimiser(void) {
  make_data();
  pv_ctx *ctx = NULL;
  CHECK_OK(pv_ctx_create(&ctx));
  const pv_nn_optim_kind kinds[] = {PV_NN_OPTIM_MUON, PV_NN_OPTIM_CONDA, PV_NN_OPTIM_AUON,
                                    PV_NN_OPTIM_AUON_HYBRID};
  for (int k = 0; k < 4; k++) {
    pv_nn_fno2d *m1 = model(ctx, 3, 1), *m2 = model(ctx, 3, 555);
    pv_nn_optim *o1 = optim(ctx, m1, kinds[k]), *o2 = optim(ctx, m2, kinds[k]);
    pv_nn_sigma_reparam *s1 = NULL, *s2 = NULL;
    CHECK_OK(pv_nn_sigma_reparam_create(ctx, 3, 4, 1, &s1));
    pv_ctx_set_seed(ctx, 4242);
    CHECK_OK(pv_nn_sigma_reparam_create(ctx, 3, 4, 1, &s2)); /* other u, v */
    const char *names[1] = {"lift.weight"};
    pv_rng r1;
    pv_rng_init(&r1, 5, 0);
    train(m1, o1, s1, &r1, 3);
    char path[4096];
    snprintf(path, sizeof path, "%s", pv_test_path("optim_ck.h5"));
    pv_nn_checkpoint_meta meta = {sizeof meta, 0, 3, r1, NULL, {PV_NN_NORM_NONE, 0, 0}};
    pv_nn_train_state ts1 = PV_NN_TRAIN_STATE_INIT, ts2 = PV_NN_TRAIN_STATE_INIT;
    ts1.optim = o1; ts1.nsigma = 1; ts1.sigma = &s1; ts1.sigma_names = names;
    ts2.optim = o2; ts2.nsigma = 1; ts2.sigma = &s2; ts2.sigma_names = names;
    CHECK_OK(pv_nn_fno2d_save_state(path, 1, m1, &ts1, &meta));
    train(m1, o1, s1, &r1, 3);
    pv_nn_checkpoint_meta got;
    memset(&got, 0, sizeof got);
    got.struct_size = sizeof got;
    CHECK_OK(pv_nn_fno2d_load_state(path, m2, &ts2, &got));
    pv_free(got.config_json);
    CHECK(pv_nn_optim_steps(o2) == 3);
    train(m2, o2, s2, &got.rng, 3);
    CHECK(same_weights(m1, m2));
    CHECK(same_optim(o1, o2));
    double *u1, *v1, *u2, *v2;
    pv_nn_sigma_reparam_vectors(s1, &u1, &v1);
    pv_nn_sigma_reparam_vectors(s2, &u2, &v2);
    CHECK(!memcmp(u1, u2, 3 * sizeof *u1) && !memcmp(v1, v2, 4 * sizeof *v1));
    /* the weights-only and the Adam loaders read the same file */
    pv_nn_fno2d *m3 = model(ctx, 3, 9);
    CHECK_OK(pv_nn_fno2d_load(path, m3, NULL, NULL));
    pv_nn_param *ps;
    int np;
    pv_nn_fno2d_params(m3, &ps, &np);
    pv_nn_adam *a3 = NULL;
    pv_nn_adam_options ao = PV_NN_ADAM_OPTIONS_INIT;
    CHECK_OK(pv_nn_adam_create(&ao, ps, np, &a3));
    CHECK_STATUS(pv_nn_fno2d_load(path, m3, a3, NULL), PV_EFORMAT);
    pv_nn_adam_destroy(&a3);
    pv_nn_fno2d_destroy(&m3);
    pv_nn_sigma_reparam_destroy(&s1);
    pv_nn_sigma_reparam_destroy(&s2);
    pv_nn_optim_destroy(&o1); pv_nn_optim_destroy(&o2);
    pv_nn_fno2d_destroy(&m1); pv_nn_fno2d_destroy(&m2);
  }
  pv_ctx_destroy(&ctx);
}

/* Load must fail with `code`, `want` in the message, and change nothing. */
static void refused(const char *path, pv_nn_fno2d *m, const pv_nn_train_state *ts,
                    const char *want) {
  float *w;
  size_t n;
  pv_nn_fno2d_flat(m, (void **)&w, NULL, &n);
  float *w0 = pv_malloc(n * sizeof *w0);
  memcpy(w0, w, n * sizeof *w0);
  const pv_nn_optim_state_entry *e;
  size_t ne, tot = 0;
  pv_nn_optim_state(ts->optim, &e, &ne);
  for (size_t i = 0; i < ne; i++) tot += e[i].n;
  float *s0 = pv_malloc(tot * sizeof *s0), *p = s0;
  for (size_t i = 0; i < ne; i++, p += e[i - 1].n) memcpy(p, e[i].data, e[i].n * sizeof *p);
  uint64_t steps = pv_nn_optim_steps(ts->optim);
  int st = pv_nn_fno2d_load_state(path, m, ts, NULL);
  CHECK(st == PV_EFORMAT);
  if (!strstr(pv_error_message(), want) || !strstr(pv_error_message(), path))
    printf("message: %s\n", pv_error_message());
  CHECK(strstr(pv_error_message(), want) != NULL);
  CHECK(strstr(pv_error_message(), path) != NULL);
  pv_error_clear();
  CHECK(memcmp(w0, w, n * sizeof *w0) == 0);
  p = s0;
  for (size_t i = 0; i < ne; i++, p += e[i - 1].n) CHECK(!memcmp(p, e[i].data, e[i].n * sizeof *p));
  CHECK(pv_nn_optim_steps(ts->optim) == steps);
  pv_free(w0);
  pv_free(s0);
}

static void test_refused(void) {
  make_data();
  pv_ctx *ctx = NULL;
  CHECK_OK(pv_ctx_create(&ctx));
  pv_nn_fno2d *m = model(ctx, 3, 1);
  pv_nn_optim *muon = optim(ctx, m, PV_NN_OPTIM_MUON);
  pv_rng r;
  pv_rng_init(&r, 5, 0);
  train(m, muon, NULL, &r, 2);
  char path[4096];
  snprintf(path, sizeof path, "%s", pv_test_path("muon_ck.h5"));
  pv_nn_train_state ts = PV_NN_TRAIN_STATE_INIT;
  ts.optim = muon;
  CHECK_OK(pv_nn_fno2d_save_state(path, 1, m, &ts, NULL));
  /* allocation failures while loading: reported, nothing leaked or changed */
  pv_nn_fno2d *ma = model(ctx, 3, 8);
  pv_nn_optim *oa = optim(ctx, ma, PV_NN_OPTIM_MUON);
  pv_nn_train_state tsa = PV_NN_TRAIN_STATE_INIT;
  tsa.optim = oa;
  float *wa;
  size_t nwa;
  pv_nn_fno2d_flat(ma, (void **)&wa, NULL, &nwa);
  const float w0 = wa[0];
  for (long k = 0;; k++) {
    long live = pv_test_alloc_live();
    pv_test_fail_alloc_after(k);
    int st = pv_nn_fno2d_load_state(path, ma, &tsa, NULL);
    pv_test_fail_alloc_after(-1);
    if (st == PV_OK) break;
    CHECK(st < 0);
    CHECK(wa[0] == w0 && pv_nn_optim_steps(oa) == 0);
    CHECK_EQ_INT(pv_test_alloc_live(), live);
    pv_error_clear();
  }
  CHECK(pv_nn_optim_steps(oa) == 2 && same_weights(m, ma) && same_optim(muon, oa));
  pv_nn_optim_destroy(&oa);
  pv_nn_fno2d_destroy(&ma);
  /* another optimiser */
  pv_nn_fno2d *m2 = model(ctx, 3, 2);
  pv_nn_optim *conda = optim(ctx, m2, PV_NN_OPTIM_CONDA);
  train(m2, conda, NULL, &r, 1);
  pv_nn_train_state tc = PV_NN_TRAIN_STATE_INIT;
  tc.optim = conda;
  refused(path, m2, &tc, "'optimizer' is 'muon'");
  /* the same optimiser over parameters of another shape: the state arrays
   * differ (the weights match: only the optimiser's view changes) */
  pv_nn_param *ps;
  int np;
  pv_nn_fno2d_params(m2, &ps, &np);
  pv_nn_optim_options oo = PV_NN_OPTIM_OPTIONS_INIT; /* no aux groups: other roles */
  pv_nn_optim *muon2 = NULL;
  CHECK_OK(pv_nn_optim_create(ctx, PV_NN_OPTIM_MUON, &oo, ps, (size_t)np, &muon2));
  pv_nn_train_state tm = PV_NN_TRAIN_STATE_INIT;
  tm.optim = muon2;
  refused(path, m2, &tm, "optim_entries");
  /* sigma state asked for but not stored */
  pv_nn_optim *muon3 = optim(ctx, m2, PV_NN_OPTIM_MUON);
  pv_nn_sigma_reparam *sg = NULL;
  CHECK_OK(pv_nn_sigma_reparam_create(ctx, 3, 4, 1, &sg));
  const char *nm[1] = {"w"};
  pv_nn_train_state t3 = PV_NN_TRAIN_STATE_INIT;
  t3.optim = muon3; t3.nsigma = 1; t3.sigma = &sg; t3.sigma_names = nm;
  refused(path, m2, &t3, "'nsigma'");
  /* a damaged state array (NaN in a momentum) */
  char bad[4096];
  snprintf(bad, sizeof bad, "%s", pv_test_path("bad_ck.h5"));
  const pv_nn_optim_state_entry *e;
  size_t ne;
  pv_nn_optim_state(muon, &e, &ne);
  float keep = e[2].data[0];
  e[2].data[0] = NAN;
  CHECK_OK(pv_nn_fno2d_save_state(bad, 1, m, &ts, NULL));
  e[2].data[0] = keep;
  pv_nn_train_state t4 = PV_NN_TRAIN_STATE_INIT;
  t4.optim = muon3; /* same shapes as muon */
  pv_nn_fno2d *m4 = model(ctx, 3, 3);
  refused(bad, m4, &t4, e[2].name);
  /* a model of another width */
  pv_nn_fno2d *m5 = model(ctx, 4, 3);
  pv_nn_optim *o5 = optim(ctx, m5, PV_NN_OPTIM_MUON);
  pv_nn_train_state t5 = PV_NN_TRAIN_STATE_INIT;
  t5.optim = o5;
  refused(path, m5, &t5, "architecture");
  pv_nn_optim_destroy(&o5);
  pv_nn_fno2d_destroy(&m5);
  pv_nn_fno2d_destroy(&m4);
  pv_nn_sigma_reparam_destroy(&sg);
  pv_nn_optim_destroy(&muon3);
  pv_nn_optim_destroy(&muon2);
  pv_nn_optim_destroy(&conda);
  pv_nn_optim_destroy(&muon);
  pv_nn_fno2d_destroy(&m2);
  pv_nn_fno2d_destroy(&m);
  pv_ctx_destroy(&ctx);
}

PV_TEST_MAIN(PV_CASE(test_resume_each_optimiser), PV_CASE(test_refused))
