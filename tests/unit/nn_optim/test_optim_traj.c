/* Multi-step trajectories against the torch re-implementations of the
 * reference codes (make_fixture.py -> fixture_optim.txt, float64), and each
 * optimiser driving a least-squares problem to its minimum. */
#include <parseval/nn_optim.h>
#include <string.h>

#include "fixture.h"
#include "pv_test.h"

enum { NW1 = 24, NW2 = 15, NC1 = 48, NB1 = 5 };
static const double *A1, *B1, *A2, *B2, *Tc, *DC, *TB, *EB;

static const double *need(const char *name, size_t n) {
  size_t m = 0;
  const double *v = fx_get(name, &m);
  if (!v || m != n) {
    pv_test_fail(__FILE__, __LINE__, "fixture entry %s: %zu values, expected %zu", name, m, n);
    return NULL;
  }
  return v;
}

/* grad of 0.5 |A X - B|^2 for A (ra x r), X (r x c), in double from floats. */
static void ls_grad(const double *A, const double *B, int ra, int r, int c, const float *x,
                    float *g) {
  double res[64];
  for (int i = 0; i < ra; i++)
    for (int j = 0; j < c; j++) {
      double s = -B[i * c + j];
      for (int k = 0; k < r; k++) s += A[i * r + k] * x[k * c + j];
      res[i * c + j] = s;
    }
  for (int k = 0; k < r; k++)
    for (int j = 0; j < c; j++) {
      double s = 0;
      for (int i = 0; i < ra; i++) s += A[i * r + k] * res[i * c + j];
      g[k * c + j] = (float)s;
    }
}

typedef struct {
  const char *name;
  pv_nn_optim_kind kind;
  double lr;
  int normalize, ns, gap;
} config;

static void run_config(const config *cf, double tol) {
  float w1[NW1], w2[NW2], c1[NC1], b1[NB1], g1[NW1], g2[NW2], gc[NC1], gb[NB1];
  const double *i1 = need("init.w1", NW1), *i2 = need("init.w2", NW2),
               *ic = need("init.c1", NC1), *ib = need("init.b1", NB1);
  if (!i1 || !i2 || !ic || !ib) return;
  for (int i = 0; i < NW1; i++) w1[i] = (float)i1[i];
  for (int i = 0; i < NW2; i++) w2[i] = (float)i2[i];
  for (int i = 0; i < NC1; i++) c1[i] = (float)ic[i];
  for (int i = 0; i < NB1; i++) b1[i] = (float)ib[i];
  pv_nn_param ps[4];
  memset(ps, 0, sizeof ps);
  const char *nm[4] = {"w1", "w2", "c1", "b1"};
  float *ws[4] = {w1, w2, c1, b1}, *gs[4] = {g1, g2, gc, gb};
  const size_t sh[4][4] = {{6, 4}, {3, 5}, {2, 3, 2, 2}, {5}};
  const int nd[4] = {2, 2, 4, 1};
  for (int k = 0; k < 4; k++) {
    snprintf(ps[k].name, sizeof ps[k].name, "%s", nm[k]);
    ps[k].ndim = nd[k];
    memcpy(ps[k].shape, sh[k], sizeof sh[k]);
    ps[k].is_complex = k == 2;
    ps[k].w = ws[k];
    ps[k].g = gs[k];
  }
  pv_nn_optim_options o = PV_NN_OPTIM_OPTIONS_INIT;
  o.weight_decay = 0.1;
  o.aux_lr_scale = 0.5;
  o.aux_weight_decay = 0.01;
  o.auon_normalize = cf->normalize;
  o.ns_steps = cf->ns;
  o.update_proj_gap = cf->gap;
  o.conda_scale = 0.25;
  pv_nn_optim *opt = NULL;
  CHECK_OK(pv_nn_optim_create(NULL, cf->kind, &o, ps, 4, &opt));
  double worst = 0;
  for (int step = 1; step <= 8; step++) {
    ls_grad(A1, B1, 8, 6, 4, w1, g1);
    ls_grad(A2, B2, 4, 3, 5, w2, g2);
    for (int i = 0; i < NC1; i++) gc[i] = (float)(DC[i / 2] * ((double)c1[i] - Tc[i]));
    for (int i = 0; i < NB1; i++) gb[i] = (float)(EB[i] * ((double)b1[i] - TB[i]));
    CHECK_OK(pv_nn_optim_step(opt, cf->lr));
    if (step != 1 && step != 4 && step != 8) continue;
    for (int k = 0; k < 4; k++) {
      char key[64];
      size_t n = pv_nn_param_numel(&ps[k]) * (k == 2 ? 2 : 1);
      snprintf(key, sizeof key, "%s.%d.%s", cf->name, step, nm[k]);
      const double *ref = need(key, n);
      for (size_t i = 0; ref && i < n; i++) {
        double d = fabs(ws[k][i] - ref[i]);
        if (d > worst) worst = d;
        if (d > tol)
          pv_test_fail(__FILE__, __LINE__, "%s[%zu] = %.9g, torch %.9g (|diff| %.3g > %.3g)",
                       key, i, (double)ws[k][i], ref[i], d, tol);
      }
    }
  }
  printf("  %-13s max |C - torch| over steps 1, 4, 8: %.2e\n", cf->name, worst);
  pv_nn_optim_destroy(&opt);
}

static int load(void) {
  if (fx_load() != 0) {
    pv_test_fail(__FILE__, __LINE__, "cannot read %s", PV_NN_OPTIM_FIXTURE);
    return -1;
  }
  A1 = need("A1", 48); B1 = need("B1", 32); A2 = need("A2", 12); B2 = need("B2", 20);
  Tc = need("Tc", NC1); DC = need("dc", NC1 / 2); TB = need("tb", NB1); EB = need("eb", NB1);
  return (A1 && B1 && A2 && B2 && Tc && DC && TB && EB) ? 0 : -1;
}

/* Tolerance: the C side runs in float32 against float64 references; the
 * weights are O(1), so a few 1e-6 per step is float rounding. */
static void muon_traj(void) {
  if (load()) return;
  config c = {"muon", PV_NN_OPTIM_MUON, 0.05, 1, 5, 500};
  run_config(&c, 1e-5);
}
static void conda_traj(void) {
  if (load()) return;
  config c = {"conda", PV_NN_OPTIM_CONDA, 0.05, 1, 0, 3};
  run_config(&c, 1e-5);
}
static void auon_traj(void) {
  if (load()) return;
  config a = {"auon_paper", PV_NN_OPTIM_AUON, 0.1, 1, 0, 500};
  config b = {"auon_code", PV_NN_OPTIM_AUON, 0.01, 0, 0, 500};
  run_config(&a, 1e-5);
  run_config(&b, 1e-5);
}
static void hybrid_traj(void) {
  if (load()) return;
  config a = {"hybrid_paper", PV_NN_OPTIM_AUON_HYBRID, 0.1, 1, 1, 500};
  config b = {"hybrid_code", PV_NN_OPTIM_AUON_HYBRID, 0.05, 0, 5, 500};
  run_config(&a, 1e-5);
  run_config(&b, 1e-5);
}

/* Each optimiser on min 0.5 |A W - B|^2 + 0.5 |b - t|^2 + 0.5 |c - tc|^2
 * (c complex: per-mode / unprojected paths) with B = A W*
 * (optimum 0), lr on a cosine schedule to 0 over 400 steps. */
static void least_squares(void) {
  double A[10 * 6], Ws[6 * 4], B[10 * 4], t[4], tc[24];
  pv_rng r;
  pv_rng_init(&r, 7, 0);
  pv_rng_fill_normal(&r, A, 60);
  pv_rng_fill_normal(&r, Ws, 24);
  pv_rng_fill_normal(&r, t, 4);
  pv_rng_fill_normal(&r, tc, 24);
  for (int i = 0; i < 10; i++)
    for (int j = 0; j < 4; j++) {
      double s = 0;
      for (int k = 0; k < 6; k++) s += A[i * 6 + k] * Ws[k * 4 + j];
      B[i * 4 + j] = s;
    }
  const double lr0[4] = {0.05, 0.05, 0.5, 0.05}; /* Muon, Conda, AuON (unit-norm), hybrid */
  for (int kind = 1; kind <= 4; kind++) {
    float w[24] = {0}, g[24], b[4] = {0}, gb[4], c[24] = {0}, gc[24];
    size_t sw[2] = {6, 4}, sb[1] = {4}, sc[3] = {2, 2, 3};
    pv_nn_param ps[3];
    memset(ps, 0, sizeof ps);
    snprintf(ps[0].name, 64, "w");
    ps[0].ndim = 2;
    memcpy(ps[0].shape, sw, sizeof sw);
    ps[0].w = w;
    ps[0].g = g;
    snprintf(ps[1].name, 64, "b");
    ps[1].ndim = 1;
    ps[1].shape[0] = sb[0];
    ps[1].w = b;
    ps[1].g = gb;
    snprintf(ps[2].name, 64, "c"); /* complex (2, 2, 3): 0.5 |c - tc|^2 */
    ps[2].ndim = 3;
    memcpy(ps[2].shape, sc, sizeof sc);
    ps[2].is_complex = 1;
    ps[2].w = c;
    ps[2].g = gc;
    pv_nn_optim_options o = PV_NN_OPTIM_OPTIONS_INIT;
    o.aux_lr_scale = 1.0;
    o.update_proj_gap = 50;
    o.conda_scale = 1.0;
    pv_nn_optim *opt = NULL;
    CHECK_OK(pv_nn_optim_create(NULL, (pv_nn_optim_kind)kind, &o, ps, 3, &opt));
    CHECK_EQ_INT(pv_nn_optim_param_role(opt, 2), 1); /* the complex one is a matrix */
    pv_nn_sched s = PV_NN_SCHED_INIT;
    s.kind = PV_NN_SCHED_WARMUP_COSINE;
    s.base_lr = lr0[kind - 1];
    s.total = 400;
    double l0 = -1, l = 0;
    for (int it = 0; it <= 400; it++) {
      double loss = 0;
      float res[40];
      for (int i = 0; i < 10; i++)
        for (int j = 0; j < 4; j++) {
          double sacc = -B[i * 4 + j];
          for (int k = 0; k < 6; k++) sacc += A[i * 6 + k] * w[k * 4 + j];
          res[i * 4 + j] = (float)sacc;
          loss += 0.5 * sacc * sacc;
        }
      for (int k = 0; k < 6; k++)
        for (int j = 0; j < 4; j++) {
          double sacc = 0;
          for (int i = 0; i < 10; i++) sacc += A[i * 6 + k] * res[i * 4 + j];
          g[k * 4 + j] = (float)sacc;
        }
      for (int j = 0; j < 4; j++) {
        gb[j] = (float)(b[j] - t[j]);
        loss += 0.5 * gb[j] * gb[j];
      }
      for (int j = 0; j < 24; j++) {
        gc[j] = (float)(c[j] - tc[j]);
        loss += 0.5 * gc[j] * gc[j];
      }
      if (l0 < 0) l0 = loss;
      l = loss;
      if (it == 400) break;
      double lr;
      CHECK_OK(pv_nn_sched_lr(&s, it, &lr, NULL));
      CHECK_OK(pv_nn_optim_step(opt, lr));
    }
    printf("  kind %d: loss %.3e -> %.3e (ratio %.2e)\n", kind, l0, l, l / l0);
    CHECK(l < 1e-3 * l0);
    pv_nn_optim_destroy(&opt);
  }
}

static void cleanup(void) { fx_free(); }

PV_TEST_MAIN(PV_CASE(muon_traj), PV_CASE(conda_traj), PV_CASE(auon_traj), PV_CASE(hybrid_traj),
             PV_CASE(least_squares), PV_CASE(cleanup))
