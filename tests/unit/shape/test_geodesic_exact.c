/* Heat-method and edge-Dijkstra geodesics against exact polyhedral
 * geodesic distances known in closed form by unfolding (issue #9):
 *  - a flat triangulated rectangle: exact = Euclidean distance (the domain
 *    is convex);
 *  - the lateral surface of a regular N-gon prism (no caps): developable,
 *    its universal cover is a flat strip of height H, so the exact distance
 *    is the planar distance in the unrolled strip minimised over the wrap
 *    shifts 0, +-perimeter (the straight segment stays in the convex strip).
 * Each surface is meshed at two resolutions of the SAME polyhedron: the
 * heat-method error must stay under a bound proportional to the mean edge
 * length h and must decrease with refinement; edge Dijkstra must never be
 * below the exact distance and must be strictly above it somewhere. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <parseval/parseval.h>
#include <parseval/shape.h>

#include "pv_test.h"
#include "shapes.h"

/* What one comparison measured. */
typedef struct geod_stats {
  double h;           /* mean edge length */
  double heat_mean;   /* mean |heat - exact| over all vertices and sources */
  double heat_max;    /* max |heat - exact| */
  double dij_min_gap; /* min (dijkstra - exact): >= -1e-12 expected */
  double dij_max_gap; /* max (dijkstra - exact): > 0 expected */
} geod_stats;

static double mean_edge(const pv_mesh *m) {
  double s = 0;
  for (int64_t t = 0; t < m->nf; t++)
    for (int k = 0; k < 3; k++) {
      const double *p = m->v + 3 * m->f[3 * t + k], *q = m->v + 3 * m->f[3 * t + (k + 1) % 3];
      s += sqrt((p[0] - q[0]) * (p[0] - q[0]) + (p[1] - q[1]) * (p[1] - q[1]) + (p[2] - q[2]) * (p[2] - q[2]));
    }
  return s / (3.0 * (double)m->nf);
}

/* Compare heat and Dijkstra distances from ns sources with exact[nv x ns]. */
static geod_stats compare(const pv_mesh *m, int ns, const int64_t *src, const double *exact) {
  geod_stats st = {mean_edge(m), 0, 0, INFINITY, -INFINITY};
  int64_t nv = m->nv;
  double *d = pv_malloc((size_t)nv * (size_t)ns * sizeof *d), *dj = pv_malloc((size_t)nv * sizeof *dj);
  pv_shape_heat *h = NULL;
  CHECK_OK(pv_shape_heat_create(NULL, m, 1.0, &h));
  CHECK_OK(pv_shape_heat_distance(h, ns, src, d));
  for (int s = 0; s < ns; s++) {
    CHECK_OK(pv_shape_dijkstra(m, src[s], -1, dj));
    for (int64_t v = 0; v < nv; v++) {
      double ex = exact[v + nv * s], e = fabs(d[v + nv * s] - ex);
      st.heat_mean += e / ((double)nv * ns);
      st.heat_max = fmax(st.heat_max, e);
      st.dij_min_gap = fmin(st.dij_min_gap, dj[v] - ex);
      st.dij_max_gap = fmax(st.dij_max_gap, dj[v] - ex);
    }
  }
  pv_shape_heat_destroy(&h);
  pv_free(d);
  pv_free(dj);
  return st;
}

static void print_stats(const char *what, const pv_mesh *m, const geod_stats *st) {
  printf("%s (%lld vertices, h %.4f): heat mean |d - exact| %.5f (%.3f h), max %.5f (%.3f h); "
         "Dijkstra - exact in [%.2e, %.5f]\n",
         what, (long long)m->nv, st->h, st->heat_mean, st->heat_mean / st->h, st->heat_max,
         st->heat_max / st->h, st->dij_min_gap, st->dij_max_gap);
}

/* Checks shared by both surfaces at one resolution. */
static void check_one(const geod_stats *st, double mean_over_h, double max_over_h) {
  CHECK(st->dij_min_gap >= -1e-12);     /* edge paths are never shorter */
  CHECK(st->dij_max_gap > 0.05 * st->h); /* and strictly longer somewhere */
  CHECK(st->heat_mean < mean_over_h * st->h);
  CHECK(st->heat_max < max_over_h * st->h);
}

/* ---- flat rectangle [0,2] x [0,1] -------------------------------------- */

static geod_stats run_rect(int per_unit) {
  int nx = 2 * per_unit + 1, ny = per_unit + 1;
  pv_mesh *m = test_grid(nx, ny, 2.0, 1.0);
  /* Sources: an interior vertex and a corner (the same points at both
   * resolutions: (0.5, 0.5) and (0, 0)). */
  int64_t src[2] = {(int64_t)(per_unit / 2) * nx + per_unit / 2, 0};
  double *ex = pv_malloc((size_t)m->nv * 2 * sizeof *ex);
  for (int s = 0; s < 2; s++)
    for (int64_t v = 0; v < m->nv; v++) {
      const double *a = m->v + 3 * src[s], *p = m->v + 3 * v;
      ex[v + m->nv * s] = hypot(p[0] - a[0], p[1] - a[1]);
    }
  geod_stats st = compare(m, 2, src, ex);
  char what[64];
  snprintf(what, sizeof what, "flat rectangle %dx%d", nx, ny);
  print_stats(what, m, &st);
  pv_free(ex);
  pv_mesh_destroy(&m);
  return st;
}

static void test_rectangle(void) {
  geod_stats c = run_rect(8), f = run_rect(16);
  check_one(&c, 0.3, 1.2); /* measured <= 0.19 h and 0.82 h */
  check_one(&f, 0.3, 1.2);
  CHECK(f.heat_mean < 0.75 * c.heat_mean); /* absolute error shrinks ~ h (ratio 0.54) */
  CHECK(f.heat_max < 0.8 * c.heat_max); /* measured ratios 0.56-0.64 */
}

/* ---- lateral surface of a regular N-gon prism --------------------------- */

enum { PRISM_SIDES = 24 };

/* Prism of circumradius 1 and height H: each of the N sides split into r
 * columns (vertices on the flat side, so the polyhedron is the same for
 * every r), nz rings; quads cut by alternating diagonals. u[v] receives the
 * unrolled arc-length coordinate of vertex v along the perimeter. */
static pv_mesh *prism(int r, int nz, double H, double *u) {
  const int N = PRISM_SIDES, nc = N * r;
  pv_mesh *m = NULL;
  CHECK_OK(pv_mesh_create((int64_t)nc * nz, 2 * (int64_t)nc * (nz - 1), 0, &m));
  double side = 2 * sin(M_PI / N);
  for (int j = 0; j < nz; j++)
    for (int c = 0; c < nc; c++) {
      int k = c / r;
      double t = (double)(c % r) / r, a0 = 2 * M_PI * k / N, a1 = 2 * M_PI * (k + 1) / N;
      double *p = m->v + 3 * ((int64_t)j * nc + c);
      p[0] = (1 - t) * cos(a0) + t * cos(a1);
      p[1] = (1 - t) * sin(a0) + t * sin(a1);
      p[2] = H * j / (nz - 1);
      u[(int64_t)j * nc + c] = side * (k + t);
    }
  int64_t t = 0;
  for (int j = 0; j + 1 < nz; j++)
    for (int c = 0; c < nc; c++) {
      int64_t c0 = (int64_t)j * nc + c, c1 = (int64_t)j * nc + (c + 1) % nc, c2 = c0 + nc, c3 = c1 + nc;
      int64_t q[6] = {c0, c1, c3, c0, c3, c2}, s[6] = {c0, c1, c2, c1, c3, c2};
      memcpy(m->f + 6 * t++, (c + j) % 2 ? q : s, sizeof q);
    }
  return m;
}

static geod_stats run_prism(int r) {
  const double H = 1.0, P = PRISM_SIDES * 2 * sin(M_PI / PRISM_SIDES);
  int nz = 4 * r + 1, nc = PRISM_SIDES * r;
  double *u = pv_malloc((size_t)nc * nz * sizeof *u);
  pv_mesh *m = prism(r, nz, H, u);
  /* Sources (the same surface points at both resolutions): prism corners
   * 0 on the middle ring and 5 on the bottom ring (boundary). */
  int64_t src[2] = {(int64_t)(nz / 2) * nc, (int64_t)5 * r};
  double *ex = pv_malloc((size_t)m->nv * 2 * sizeof *ex);
  for (int s = 0; s < 2; s++)
    for (int64_t v = 0; v < m->nv; v++) {
      double du = u[v] - u[src[s]], dz = m->v[3 * v + 2] - m->v[3 * src[s] + 2], best = INFINITY;
      for (int w = -1; w <= 1; w++) best = fmin(best, hypot(du + w * P, dz));
      ex[v + m->nv * s] = best;
    }
  geod_stats st = compare(m, 2, src, ex);
  char what[64];
  snprintf(what, sizeof what, "prism %d-gon, %d columns x %d rings", PRISM_SIDES, nc, nz);
  print_stats(what, m, &st);
  pv_free(ex);
  pv_free(u);
  pv_mesh_destroy(&m);
  return st;
}

static void test_prism(void) {
  geod_stats c = run_prism(1), f = run_prism(2);
  check_one(&c, 0.3, 1.2); /* measured <= 0.19 h and 0.82 h */
  check_one(&f, 0.3, 1.2);
  CHECK(f.heat_mean < 0.75 * c.heat_mean);
  CHECK(f.heat_max < 0.8 * c.heat_max); /* measured ratios 0.56-0.64 */
}

PV_TEST_MAIN(PV_CASE(test_rectangle), PV_CASE(test_prism))
