/* bench.c - the paper's eleven benchmarks (domains, grids and settings of the
 * reference configs, ../shared/notes/gp-pde.md section 2) as manufactured
 * solutions: sums of separable terms, each axis a product of at most two
 * atoms (sin(a x + b) or a + b x + c x^2), so u and the source f = L u are
 * exact closed forms. Logged errors: the reference's plain-method rows. */
#include <math.h>
#include <string.h>
#include <parseval/error.h>
#include <parseval/gp.h>
#include "gp_internal.h"

enum { AT_ONE = 0, AT_SIN, AT_POLY };
typedef struct { int type; double a, b, c; } atom;
typedef struct { double coef; atom at[2][2]; } term;
typedef struct { pv_gp_benchmark pub; int nterms; term t[9]; } bench;

#define PI2 (GP_TWO_PI / 4.0)
#define S(w) {AT_SIN, (w), 0, 0}
#define C(w) {AT_SIN, (w), PI2, 0}
#define ONE {AT_ONE, 0, 0, 0}
#define TWOPI GP_TWO_PI
/* one term c_i h_i(x) c_j h_j(y) of the 2-D Allen-Cahn solution */
#define AC(ci, hi, cj, hj) {(ci) * (cj), {{hi, ONE}, {hj, ONE}}}
/* ref_err and ref_seconds (logged used_time, 0: not logged) indexed by kind:
 * GM, StM, SE, Matern */
static const bench benches[] = {
  {{"poisson_1d-single_sin", "sin(100x)", 1, {400, 0}, {0, 0}, {TWOPI, 0}, {1, 0}, {0, 0}, 0, 0,
    20, 200, {3.99e-7, 6.53e-7, 2.70e-2, 3.32e-2}, {1329, 1665, 561, 696}}, 1, {{1, {{S(100), ONE}}}}},
  {{"poisson_1d-sin_cos", "sin(6x)cos(100x)", 1, {400, 0}, {0, 0}, {TWOPI, 0}, {1, 0}, {0, 0}, 0, 0,
    20, 200, {1.52e-6, 5.47e-6, 1.0, 5.16e-2}, {0, 0, 0, 0}}, 1, {{1, {{S(6), C(100)}}}}},
  {{"poisson_1d-x_time_sinx", "x sin(200x)", 1, {900, 0}, {0, 0}, {TWOPI, 0}, {1, 0}, {0, 0}, 0, 0,
    50, 200, {1.55e-6, 8.98e-7, 0.320, 1.83e-2}, {6043, 7451, 0, 0}}, 1, {{1, {{{AT_POLY, 0, 1, 0}, S(200)}}}}},
  {{"poisson_1d-mix_sin", "sin(x) + 0.1 sin(20x) + 0.05 sin(100x)", 1, {900, 0}, {0, 0}, {1, 0},
    {1, 0}, {0, 0}, 0, 0, 30, 200, {1.04e-2, 9.81e-3, 0.169, 0.246}, {0, 0, 0, 0}}, 3,
   {{1, {{S(1), ONE}}}, {0.1, {{S(20), ONE}}}, {0.05, {{S(100), ONE}}}}},
  {{"poisson_1d-x2_add_sinx", "sin(500x) - 2(x-0.5)^2", 1, {400, 0}, {0, 0}, {1, 0}, {1, 0}, {0, 0},
    0, 0, 100, 200, {4.84e-2, 1.21e-2, 0.975, 0.629}, {0, 0, 0, 0}}, 2,
   {{1, {{S(500), ONE}}}, {1, {{{AT_POLY, -0.5, 2, -2}, ONE}}}}},
  {{"allencahn_1d-single_sin", "sin(100x)", 1, {400, 0}, {0, 0}, {TWOPI, 0}, {1, 0}, {0, 0}, -1, 1,
    20, 200, {7.71e-7, 4.90e-6, 2.75e-2, 3.33e-2}, {0, 0, 0, 0}}, 1, {{1, {{S(100), ONE}}}}},
  {{"allencahn_1d-sin_cos", "sin(6x)cos(100x)", 1, {400, 0}, {0, 0}, {TWOPI, 0}, {1, 0}, {0, 0}, -1, 1,
    20, 200, {4.24e-6, 4.76e-6, 1.06e-2, 5.16e-2}, {0, 0, 0, 0}}, 1, {{1, {{S(6), C(100)}}}}},
  {{"poisson_2d-sin_sin", "sin(100x)sin(100y)", 2, {400, 400}, {0, 0}, {TWOPI, TWOPI}, {1, 1},
    {0, 0}, 0, 0, 20, 200, {6.46e-5, 6.87e-5, 0.9997, 0.629}, {5586, 8209, 0, 0}}, 1,
   {{1, {{S(100), ONE}, {S(100), ONE}}}}},
  {{"poisson_2d-sin_add_cos", "sin(6x)cos(20x) + sin(6y)cos(20y)", 2, {200, 200}, {0, 0},
    {TWOPI, TWOPI}, {1, 1}, {0, 0}, 0, 0, 20, 200, {1.06e-3, 1.02e-3, 0.953, 3.55e-2}, {0, 0, 0, 0}}, 2,
   {{1, {{S(6), C(20)}, {ONE, ONE}}}, {1, {{ONE, ONE}, {S(6), C(20)}}}}},
  {{"allencahn_2d-mix-sincos", "h(x)h(y), h = sin s + 0.1 sin 20s + cos 100s", 2, {400, 400},
    {0, 0}, {1, 1}, {1, 1}, {0, 0}, -1, 1, 30, 200, {2.58e-3, 5.68e-3, 0.343, 0.295},
    {15926, 18244, 0, 0}}, 9,
   {AC(1, S(1), 1, S(1)), AC(1, S(1), 0.1, S(20)), AC(1, S(1), 1, C(100)),
    AC(0.1, S(20), 1, S(1)), AC(0.1, S(20), 0.1, S(20)), AC(0.1, S(20), 1, C(100)),
    AC(1, C(100), 1, S(1)), AC(1, C(100), 0.1, S(20)), AC(1, C(100), 1, C(100))}},
  {{"advection-sin", "sin(x - 200t), x along axis 0, t along axis 1", 2, {200, 200}, {0, 0},
    {1, 1}, {0, 0}, {200, 1}, 0, 0, 40, 500, {1.35e-3, 1.43e-4, 1.15e-2, 2.29e-2},
    {9654, 2234, 0, 0}}, 2,
   {{1, {{S(1), ONE}, {C(200), ONE}}}, {-1, {{C(1), ONE}, {S(200), ONE}}}}},
};
#define NB ((int)(sizeof benches / sizeof benches[0]))

int pv_gp_benchmark_count(void) { return NB; }

const pv_gp_benchmark *pv_gp_benchmark_get(int i) {
  if (i < 0 || i >= NB) return NULL;
  return &benches[i].pub;
}

const pv_gp_benchmark *pv_gp_benchmark_find(const char *name) {
  if (!name) return NULL;
  for (int i = 0; i < NB; i++)
    if (strcmp(benches[i].pub.name, name) == 0) return &benches[i].pub;
  return NULL;
}

/* The terms of the named benchmark (callers may pass a modified copy of the
 * public struct: its operator and domain are used, its solution is looked
 * up by name). */
static const bench *terms_of(const pv_gp_benchmark *pb) {
  for (int i = 0; i < NB; i++)
    if (pb == &benches[i].pub || (pb->name && strcmp(pb->name, benches[i].pub.name) == 0))
      return &benches[i];
  return NULL;
}

/* value, first and second derivative of an atom at x */
static void atom_eval(const atom *a, double x, double v[3]) {
  if (a->type == AT_SIN) {
    double s = sin(a->a * x + a->b), c = cos(a->a * x + a->b);
    v[0] = s; v[1] = a->a * c; v[2] = -a->a * a->a * s;
  } else if (a->type == AT_POLY) {
    v[0] = a->a + a->b * x + a->c * x * x; v[1] = a->b + 2.0 * a->c * x; v[2] = 2.0 * a->c;
  } else {
    v[0] = 1.0; v[1] = 0.0; v[2] = 0.0;
  }
}

/* u, u_a, u_aa of one point (x[d]) */
static void point_eval(const bench *b, const double *x, double *u, double du[2], double ddu[2]) {
  int d = b->pub.dim;
  *u = 0.0;
  du[0] = du[1] = ddu[0] = ddu[1] = 0.0;
  for (int k = 0; k < b->nterms; k++) {
    const term *t = &b->t[k];
    double phi[2][3] = {{1, 0, 0}, {1, 0, 0}};   /* a missing axis is the constant 1 */
    for (int a = 0; a < d; a++) {
      double p[3], r[3];
      atom_eval(&t->at[a][0], x[a], p);
      atom_eval(&t->at[a][1], x[a], r);
      phi[a][0] = p[0] * r[0];
      phi[a][1] = p[1] * r[0] + p[0] * r[1];
      phi[a][2] = p[2] * r[0] + 2.0 * p[1] * r[1] + p[0] * r[2];
    }
    double other[2] = {d == 2 ? phi[1][0] : 1.0, phi[0][0]};
    *u += t->coef * phi[0][0] * other[0];
    for (int a = 0; a < d; a++) {
      du[a] += t->coef * phi[a][1] * other[a];
      ddu[a] += t->coef * phi[a][2] * other[a];
    }
  }
}

static double source(const pv_gp_benchmark *pb, double u, const double du[2], const double ddu[2]) {
  double v = pb->c0 * u + pb->c3 * u * u * u;
  for (int a = 0; a < pb->dim; a++) v += pb->c2[a] * ddu[a] + pb->c1[a] * du[a];
  return v;
}

int pv_gp_benchmark_point(const pv_gp_benchmark *pb, const double x[], double *u, double *f) {
  if (!pb || !x) return PV_ERROR(PV_EINVAL, "gp benchmark point: NULL argument");
  const bench *b = terms_of(pb);
  if (!b) return PV_ERROR(PV_ENOTFOUND, "gp benchmark '%s' is unknown", pb->name ? pb->name : "");
  double uu, du[2], ddu[2];
  point_eval(b, x, &uu, du, ddu);
  if (u) *u = uu;
  if (f) *f = source(pb, uu, du, ddu);
  return 0;
}

int pv_gp_benchmark_fields(const pv_gp_benchmark *pb, const int n[], double *u, double *f) {
  if (!pb || !n) return PV_ERROR(PV_EINVAL, "gp benchmark fields: NULL argument");
  const bench *b = terms_of(pb);
  if (!b) return PV_ERROR(PV_ENOTFOUND, "gp benchmark '%s' is unknown", pb->name ? pb->name : "");
  int d = pb->dim;
  for (int a = 0; a < d; a++)
    if (n[a] < 2) return PV_ERROR(PV_EINVAL, "gp benchmark %s: n[%d] = %d", pb->name, a, n[a]);
  int n1 = d == 2 ? n[1] : 1;
  for (int i = 0; i < n[0]; i++)
    for (int j = 0; j < n1; j++) {
      double x[2] = {pb->lo[0] + (pb->hi[0] - pb->lo[0]) * i / (n[0] - 1),
                     d == 2 ? pb->lo[1] + (pb->hi[1] - pb->lo[1]) * j / (n1 - 1) : 0.0};
      double uu, du[2], ddu[2];
      point_eval(b, x, &uu, du, ddu);
      size_t k = (size_t)i * n1 + j;
      if (u) u[k] = uu;
      if (f) f[k] = source(pb, uu, du, ddu);
    }
  return 0;
}

int pv_gp_benchmark_problem(const pv_gp_benchmark *pb, const int n[], double *f, double *ub,
                            pv_gp_problem *prob) {
  if (!pb || !n || !f || !ub || !prob)
    return PV_ERROR(PV_EINVAL, "gp benchmark problem: NULL argument");
  int st = pv_gp_benchmark_fields(pb, n, ub, f);
  if (st) return st;
  pv_gp_problem p = PV_GP_PROBLEM_INIT;
  p.dim = pb->dim;
  for (int a = 0; a < 2; a++) {
    p.n[a] = a < pb->dim ? n[a] : 0;
    p.lo[a] = pb->lo[a];
    p.hi[a] = pb->hi[a];
    p.c2[a] = pb->c2[a];
    p.c1[a] = pb->c1[a];
  }
  p.c0 = pb->c0;
  p.c3 = pb->c3;
  p.f = f;
  p.ub = ub;
  *prob = p;
  return 0;
}
