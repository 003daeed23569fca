/* sigmaReparam: the gradient against central finite differences in double
 * (u, v held fixed, the paper's stop-gradient), sigma against the largest
 * singular value from LAPACK, float path against double, bad input. */
#include <parseval/linalg.h>
#include <parseval/nn_optim.h>
#include <string.h>

#include "pv_test.h"

enum { R = 5, C = 3 };

/* L(W, gamma) = <K, gamma / sigma(W) W> with the object's current u, v. */
static double loss(pv_nn_sigma_reparam *s, const double *w, double gamma, const double *k) {
  double wh[R * C], sg, l = 0;
  CHECK_OK(pv_nn_sigma_reparam_forward_d(s, w, gamma, 0, wh, &sg));
  for (int i = 0; i < R * C; i++) l += k[i] * wh[i];
  return l;
}

static void gradient_fd(void) {
  pv_ctx *ctx = NULL;
  CHECK_OK(pv_ctx_create(&ctx));
  pv_ctx_set_seed(ctx, 11);
  double w[R * C], k[R * C], gw[R * C], gg, sg;
  pv_rng r;
  pv_rng_init(&r, 3, 1);
  pv_rng_fill_normal(&r, w, R * C);
  pv_rng_fill_normal(&r, k, R * C);
  pv_nn_sigma_reparam *s = NULL;
  CHECK_OK(pv_nn_sigma_reparam_create(ctx, R, C, 0, &s));
  double gamma = 1.3;
  CHECK_OK(pv_nn_sigma_reparam_forward_d(s, w, gamma, 2, NULL, &sg)); /* u, v not converged */
  for (int i = 0; i < R * C; i++) gw[i] = 1.0;                      /* accumulate onto 1 */
  CHECK_OK(pv_nn_sigma_reparam_backward_d(s, w, gamma, k, gw, 1, &gg));
  const double h = 1e-6;
  for (int i = 0; i < R * C; i++) {
    double wp[R * C], wm[R * C];
    memcpy(wp, w, sizeof wp);
    memcpy(wm, w, sizeof wm);
    wp[i] += h;
    wm[i] -= h;
    double fd = (loss(s, wp, gamma, k) - loss(s, wm, gamma, k)) / (2 * h);
    CHECK_NEAR(gw[i] - 1.0, fd, 1e-7 * (1 + fabs(fd)));
  }
  double fdg = (loss(s, w, gamma + h, k) - loss(s, w, gamma - h, k)) / (2 * h);
  CHECK_NEAR(gg, fdg, 1e-8);
  pv_nn_sigma_reparam_destroy(&s);
  CHECK(s == NULL);
  pv_ctx_destroy(&ctx);
}

static void sigma_converges(void) {
  double w[R * C], sv[C];
  pv_rng r;
  pv_rng_init(&r, 5, 2);
  pv_rng_fill_normal(&r, w, R * C);
  CHECK_OK(pv_linalg_svd(NULL, R, C, w, C, sv, NULL, 0, NULL, 0));
  pv_nn_sigma_reparam *s = NULL;
  CHECK_OK(pv_nn_sigma_reparam_create(NULL, R, C, 4, &s));
  double sg = 0, wh[R * C];
  for (int it = 0; it < 200; it++) /* one iteration per "training step" */
    CHECK_OK(pv_nn_sigma_reparam_forward_d(s, w, 2.0, 1, wh, &sg));
  CHECK_REL(sg, sv[0], 1e-10);
  double svh[C];
  CHECK_OK(pv_linalg_svd(NULL, R, C, wh, C, svh, NULL, 0, NULL, 0));
  CHECK_REL(svh[0], 2.0, 1e-9); /* the reparameterised weight has spectral norm gamma */
  /* float path: same u, v, same result to float precision */
  float wf[R * C], whf[R * C], gf[R * C], gwf[R * C], ggf;
  double gd[R * C], gwd[R * C], ggd, sgf;
  for (int i = 0; i < R * C; i++) {
    wf[i] = (float)w[i];
    gf[i] = (float)(0.1 * i - 0.7);
    gd[i] = gf[i];
  }
  CHECK_OK(pv_nn_sigma_reparam_forward_f(s, wf, 2.0f, 0, whf, &sgf));
  CHECK_REL(sgf, sg, 1e-6);
  for (int i = 0; i < R * C; i++) CHECK_NEAR(whf[i], wh[i], 1e-6);
  CHECK_OK(pv_nn_sigma_reparam_backward_f(s, wf, 2.0f, gf, gwf, 0, &ggf));
  CHECK_OK(pv_nn_sigma_reparam_forward_d(s, w, 2.0, 0, NULL, &sg));
  CHECK_OK(pv_nn_sigma_reparam_backward_d(s, w, 2.0, gd, gwd, 0, &ggd));
  for (int i = 0; i < R * C; i++) CHECK_NEAR(gwf[i], gwd[i], 1e-5);
  CHECK_NEAR(ggf, ggd, 1e-5);
  double *u, *v;
  pv_nn_sigma_reparam_vectors(s, &u, &v);
  CHECK(u && v);
  double zero[R * C] = {0};
  CHECK_STATUS(pv_nn_sigma_reparam_forward_d(s, zero, 1.0, 1, NULL, &sg), PV_EINVAL);
  CHECK_OK(pv_nn_sigma_reparam_forward_d(s, w, 2.0, 0, NULL, &sg)); /* u, v survived */
  CHECK_REL(sg, sv[0], 1e-10);
  zero[3] = NAN;
  CHECK_STATUS(pv_nn_sigma_reparam_forward_d(s, zero, 1.0, 1, NULL, &sg), PV_EINVAL);
  pv_nn_sigma_reparam_destroy(&s);
  CHECK_STATUS(pv_nn_sigma_reparam_create(NULL, 0, 3, 0, &s), PV_EINVAL);
}

static int mk_sr(void **obj) {
  return pv_nn_sigma_reparam_create(NULL, 4, 3, 0, (pv_nn_sigma_reparam **)obj);
}
static void rm_sr(void **obj) { pv_nn_sigma_reparam_destroy((pv_nn_sigma_reparam **)obj); }
static void alloc_failures(void) {
  pv_test_alloc_countdown("nn_sigma_reparam_create", mk_sr, rm_sr);
}

PV_TEST_MAIN(PV_CASE(gradient_fd), PV_CASE(sigma_converges), PV_CASE(alloc_failures))
