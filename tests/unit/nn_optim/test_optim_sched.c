/* Learning-rate schedules against torch 1.13's schedulers (values printed by
 * make_fixture.py: StepLR, SequentialLR(LinearLR, CosineAnnealingLR),
 * OneCycleLR with its beta1 cycle), and gradient clipping against the
 * definition of torch.nn.utils.clip_grad_norm_. */
#include <parseval/nn_optim.h>
#include <string.h>

#include "fixture.h"
#include "pv_test.h"

static void compare(const char *key, const pv_nn_sched *s, int mom) {
  size_t n = 0;
  const double *ref = fx_get(key, &n);
  CHECK(ref && n >= 30);
  for (size_t t = 0; ref && t < n; t++) {
    double lr, m;
    CHECK_OK(pv_nn_sched_lr(s, (int64_t)t, &lr, &m));
    CHECK_REL(mom ? m : lr, ref[t], 1e-8);
  }
}

static void schedules(void) {
  CHECK(fx_load() == 0);
  pv_nn_sched s = PV_NN_SCHED_INIT;
  s.kind = PV_NN_SCHED_STEP;
  s.base_lr = 0.1;
  s.step_size = 7;
  s.gamma = 0.5;
  compare("sched.step", &s, 0);
  pv_nn_sched c = PV_NN_SCHED_INIT;
  c.kind = PV_NN_SCHED_WARMUP_COSINE;
  c.base_lr = 0.1;
  c.warmup = 5;
  c.start_factor = 0.1;
  c.total = 30;
  c.eta_min = 0.001;
  compare("sched.warmup_cosine", &c, 0);
  pv_nn_sched o = PV_NN_SCHED_INIT;
  o.kind = PV_NN_SCHED_ONE_CYCLE;
  o.base_lr = 0.01;
  o.total = 40;
  o.div_factor = 1e3;
  o.final_div = 1e4;
  compare("sched.one_cycle", &o, 0);
  compare("sched.one_cycle_beta1", &o, 1);
  /* hand values: the one-cycle peak and end, the step decay */
  double lr, m;
  CHECK_OK(pv_nn_sched_lr(&o, 11, &lr, &m)); /* end of phase 1: 0.3 * 40 - 1 */
  CHECK_REL(lr, 0.01, 1e-12);
  CHECK_REL(m, 0.85, 1e-12);
  CHECK_OK(pv_nn_sched_lr(&o, 39, &lr, NULL));
  CHECK_REL(lr, 0.01 / 1e3 / 1e4, 1e-9);
  CHECK_OK(pv_nn_sched_lr(&s, 21, &lr, &m));
  CHECK_REL(lr, 0.1 / 8, 1e-15);
  CHECK(isnan(m));
  CHECK_STATUS(pv_nn_sched_lr(&o, 41, &lr, NULL), PV_EINVAL);
  CHECK_STATUS(pv_nn_sched_lr(&s, -1, &lr, NULL), PV_EINVAL);
  c.total = 5;
  CHECK_STATUS(pv_nn_sched_lr(&c, 0, &lr, NULL), PV_EINVAL);
  fx_free();
}

static pv_nn_param mk(const char *name, size_t n, int cplx, float *g) {
  pv_nn_param p;
  memset(&p, 0, sizeof p);
  snprintf(p.name, sizeof p.name, "%s", name);
  p.ndim = 1;
  p.shape[0] = n;
  p.is_complex = cplx;
  p.w = g;
  p.g = g;
  return p;
}

static void clipping(void) {
  /* |(3, 4)| = 5: clipped to norm 1 */
  float a[2] = {3, 4};
  pv_nn_param p = mk("a", 2, 0, a);
  double tot;
  CHECK_OK(pv_nn_clip_grad_norm(&p, 1, 1.0, 2.0, &tot));
  CHECK_REL(tot, 5.0, 1e-12);
  CHECK_REL(a[0], 0.6 * 5 / (5 + 1e-6), 1e-7);
  CHECK_REL(a[1], 0.8 * 5 / (5 + 1e-6), 1e-7);
  /* below the threshold: untouched */
  CHECK_OK(pv_nn_clip_grad_norm(&p, 1, 10.0, 2.0, &tot));
  CHECK_REL(a[0], 0.6 * 5 / (5 + 1e-6), 1e-7);
  /* several parameters, complex, frozen excluded; 2-, 1- and inf-norms */
  const float r0[3] = {1, -2, 2}, c0[4] = {3, 4, 0, -1}, f0[2] = {100, 100};
  const double norms[3] = {2.0, 1.0, INFINITY};
  const double want[3] = {sqrt(1 + 4 + 4 + 25 + 1.0), 1 + 2 + 2 + 5 + 1.0, 5.0};
  for (int k = 0; k < 3; k++) {
    float r[3], c[4], f[2];
    memcpy(r, r0, sizeof r);
    memcpy(c, c0, sizeof c);
    memcpy(f, f0, sizeof f);
    pv_nn_param ps[3] = {mk("r", 3, 0, r), mk("c", 2, 1, c), mk("f", 2, 0, f)};
    ps[2].frozen = 1;
    CHECK_OK(pv_nn_clip_grad_norm(ps, 3, 0.5, norms[k], &tot));
    CHECK_REL(tot, want[k], 1e-12);
    double coef = 0.5 / (want[k] + 1e-6);
    for (int i = 0; i < 3; i++) CHECK_REL(r[i], r0[i] * coef, 1e-6);
    for (int i = 0; i < 4; i++) CHECK_NEAR(c[i], c0[i] * coef, 1e-7);
    CHECK(f[0] == 100 && f[1] == 100);
  }
  float bad[2] = {1, NAN};
  pv_nn_param q = mk("bad", 2, 0, bad);
  CHECK_STATUS(pv_nn_clip_grad_norm(&q, 1, 1.0, 2.0, &tot), PV_EINVAL);
  CHECK(bad[0] == 1);
  CHECK_STATUS(pv_nn_clip_grad_norm(&q, 1, 1.0, 0.0, &tot), PV_EINVAL);
}

PV_TEST_MAIN(PV_CASE(schedules), PV_CASE(clipping))
