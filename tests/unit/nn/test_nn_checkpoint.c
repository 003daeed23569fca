/* test_nn_checkpoint.c - FNO-2D checkpoints: resume equals uninterrupted
 * training bit for bit; other architecture, truncated file, foreign file and
 * existing output give clear errors and change nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/ctx.h>
#include <parseval/error.h>
#include <parseval/h5.h>
#include <parseval/nn.h>
#include <parseval/rng.h>
#include "pv_test.h"

enum { NS = 4, B = 2, T = 2 };

static pv_nn_fno2d_config cfg(int width) {
  pv_nn_fno2d_config c = PV_NN_FNO2D_CONFIG_INIT;
  c.t_in = 2; c.width = width; c.modes = 2; c.layers = 2; c.proj = 6; c.n = 8; c.max_batch = B;
  return c;
}

static float data[NS][4][64]; /* t_in + T frames per sample */

static void make_data(void) {
  pv_rng r;
  pv_rng_init(&r, 99, 0);
  for (int s = 0; s < NS; s++)
    for (int f = 0; f < 4; f++)
      for (int k = 0; k < 64; k++) data[s][f][k] = (float)(pv_rng_normal(&r) + 0.5);
}

/* steps of shuffled-batch training; the shuffle draws from *rng */
static void train(pv_nn_fno2d *m, pv_nn_adam *a, pv_rng *rng, int steps) {
  float x0[B][2][64], y[B][T][64];
  for (int s = 0; s < steps; s++) {
    size_t idx[NS] = {0, 1, 2, 3};
    pv_rng_shuffle(rng, idx, NS);
    for (int b = 0; b < B; b++) {
      memcpy(x0[b], data[idx[b]][0], sizeof x0[b]);
      memcpy(y[b], data[idx[b]][2], sizeof y[b]);
    }
    double loss;
    pv_nn_fno2d_zero_grad(m);
    CHECK_OK(pv_nn_fno2d_rollout(m, B, T, x0, y, PV_NN_REDUCE_SUM, 1, &loss, NULL));
    CHECK_OK(pv_nn_adam_step(a));
  }
}

static void make(pv_ctx *ctx, int width, uint64_t seed, pv_nn_fno2d **m, pv_nn_adam **a) {
  pv_ctx_set_seed(ctx, seed);
  pv_nn_fno2d_config c = cfg(width);
  CHECK_OK(pv_nn_fno2d_create(ctx, PV_F32, &c, m));
  pv_nn_param *ps;
  int np;
  CHECK_OK(pv_nn_fno2d_params(*m, &ps, &np));
  pv_nn_adam_options o = PV_NN_ADAM_OPTIONS_INIT;
  o.weight_decay = 1e-4;
  CHECK_OK(pv_nn_adam_create(&o, ps, np, a));
}

static int same_state(pv_nn_fno2d *m1, pv_nn_adam *a1, pv_nn_fno2d *m2, pv_nn_adam *a2) {
  float *w1, *w2;
  size_t n;
  pv_nn_fno2d_flat(m1, (void **)&w1, NULL, &n);
  pv_nn_fno2d_flat(m2, (void **)&w2, NULL, NULL);
  int same = memcmp(w1, w2, n * sizeof *w1) == 0 && pv_nn_adam_steps(a1) == pv_nn_adam_steps(a2);
  pv_nn_param *ps;
  int np;
  pv_nn_fno2d_params(m1, &ps, &np);
  for (int i = 0; i < np; i++) {
    float *p1, *q1, *p2, *q2;
    size_t k = pv_nn_param_numel(&ps[i]) * (ps[i].is_complex ? 2 : 1);
    pv_nn_adam_state(a1, i, &p1, &q1);
    pv_nn_adam_state(a2, i, &p2, &q2);
    same = same && !memcmp(p1, p2, k * sizeof *p1) && !memcmp(q1, q2, k * sizeof *q1);
  }
  return same;
}

static void test_resume_bitwise(void) {
  make_data();
  pv_ctx *ctx = NULL;
  CHECK_OK(pv_ctx_create(&ctx));
  pv_nn_fno2d *m1 = NULL, *m2 = NULL;
  pv_nn_adam *a1 = NULL, *a2 = NULL;
  make(ctx, 3, 1, &m1, &a1);
  pv_rng r1;
  pv_rng_init(&r1, 5, 0);
  train(m1, a1, &r1, 3);
  const char *path = pv_test_path("ck.h5");
  pv_nn_checkpoint_meta meta = {sizeof meta, 0, 3, r1, "{\"lr\": 0.001}", {PV_NN_NORM_NONE, 0, 0}};
  CHECK_OK(pv_nn_fno2d_save(path, 0, m1, a1, &meta));
  CHECK_STATUS(pv_nn_fno2d_save(path, 0, m1, a1, &meta), PV_EEXIST);
  train(m1, a1, &r1, 3); /* uninterrupted: steps 4..6 */
  /* a fresh process: another seed, load, continue */
  make(ctx, 3, 777, &m2, &a2);
  pv_nn_fno2d_config rc;
  CHECK_OK(pv_nn_fno2d_checkpoint_config(path, &rc));
  CHECK_EQ_INT(rc.width, 3);
  pv_nn_checkpoint_meta got;
  memset(&got, 0, sizeof got);
  got.struct_size = sizeof got;
  CHECK_OK(pv_nn_fno2d_load(path, m2, a2, &got));
  CHECK_EQ_INT(got.step, 3);
  CHECK(got.config_json && strcmp(got.config_json, "{\"lr\": 0.001}") == 0);
  pv_free(got.config_json);
  train(m2, a2, &got.rng, 3);
  CHECK(same_state(m1, a1, m2, a2));
  CHECK(memcmp(got.rng.s, r1.s, sizeof r1.s) == 0);
  pv_nn_adam_destroy(&a1); pv_nn_adam_destroy(&a2);
  pv_nn_fno2d_destroy(&m1); pv_nn_fno2d_destroy(&m2);
  pv_ctx_destroy(&ctx);
}

static void test_bad_checkpoints(void) {
  pv_ctx *ctx = NULL;
  CHECK_OK(pv_ctx_create(&ctx));
  pv_nn_fno2d *m3 = NULL, *m4 = NULL;
  pv_nn_adam *a3 = NULL, *a4 = NULL;
  make(ctx, 3, 1, &m3, &a3);
  make(ctx, 4, 1, &m4, &a4);
  const char *p3 = pv_test_path("w3.h5");
  CHECK_OK(pv_nn_fno2d_save(p3, 1, m3, a3, NULL));
  float *w4;
  size_t n4;
  pv_nn_fno2d_flat(m4, (void **)&w4, NULL, &n4);
  float *copy = pv_malloc(n4 * sizeof *copy);
  memcpy(copy, w4, n4 * sizeof *copy);
  /* another architecture */
  CHECK_STATUS(pv_nn_fno2d_load(p3, m4, a4, NULL), PV_EFORMAT);
  CHECK(memcmp(copy, w4, n4 * sizeof *copy) == 0);
  /* truncated copies at several lengths */
  FILE *f = fopen(p3, "rb");
  CHECK(f != NULL);
  char *buf = pv_malloc(1 << 20);
  size_t len = f ? fread(buf, 1, 1 << 20, f) : 0;
  if (f) fclose(f);
  CHECK(len > 1000);
  float *w3;
  size_t n3;
  pv_nn_fno2d_flat(m3, (void **)&w3, NULL, &n3);
  float *c3 = pv_malloc(n3 * sizeof *c3);
  memcpy(c3, w3, n3 * sizeof *c3);
  const size_t cuts[] = {0, 100, len / 3, len / 2, len - 10};
  for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
    const char *pt = pv_test_path("trunc.h5");
    FILE *g = fopen(pt, "wb");
    fwrite(buf, 1, cuts[i], g);
    fclose(g);
    /* perturb the model so a successful load would show */
    w3[0] += 1.0f;
    int st = pv_nn_fno2d_load(pt, m3, a3, NULL);
    CHECK(st == PV_EFORMAT || st == PV_EIO);
    CHECK(strstr(pv_error_message(), "trunc.h5") != NULL);
    pv_error_clear();
    CHECK(w3[0] == c3[0] + 1.0f);
    w3[0] -= 1.0f;
  }
  /* a foreign HDF5 file */
  const char *pf = pv_test_path("foreign.h5");
  pv_h5 *h = NULL;
  CHECK_OK(pv_h5_create(pf, 1, &h));
  CHECK_OK(pv_h5_set_attr_string(h, "/", "format", "something-else"));
  CHECK_OK(pv_h5_commit(&h));
  CHECK_STATUS(pv_nn_fno2d_load(pf, m3, NULL, NULL), PV_EFORMAT);
  CHECK(pv_nn_fno2d_load(pv_test_path("absent.h5"), m3, NULL, NULL) < 0);
  CHECK(strstr(pv_error_message(), "absent.h5") != NULL);
  pv_error_clear();
  pv_free(buf); pv_free(copy); pv_free(c3);
  pv_nn_adam_destroy(&a3); pv_nn_adam_destroy(&a4);
  pv_nn_fno2d_destroy(&m3); pv_nn_fno2d_destroy(&m4);
  pv_ctx_destroy(&ctx);
}

PV_TEST_MAIN(PV_CASE(test_resume_bitwise), PV_CASE(test_bad_checkpoints))
