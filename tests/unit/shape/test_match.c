/* Correspondence pipeline against independent truths: brute-force nearest
 * neighbours, integral identities of HKS/WKS, heat-method distances vs
 * great circles on the sphere, exact recovery of a vertex permutation, an
 * isometric bending matched with error under 1 (x100), .vts parsing. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <parseval/parseval.h>
#include <parseval/shape.h>

#include "pv_test.h"
#include "shapes.h"

static void test_knn(void) {
  enum { M = 300, N = 2500, D = 7 };
  static double Q[M * D], P[N * D], d2[M];
  static int64_t idx[M];
  uint64_t s = 1;
  for (int i = 0; i < M * D; i++) { s = s * 6364136223846793005ULL + 1; Q[i] = (double)(s >> 11) / 9007199254740992.0; }
  for (int i = 0; i < N * D; i++) { s = s * 6364136223846793005ULL + 1; P[i] = (double)(s >> 11) / 9007199254740992.0; }
  CHECK_OK(pv_shape_knn1(NULL, M, N, D, Q, M, P, N, idx, d2));
  for (int i = 0; i < M; i++) {
    double best = INFINITY;
    int64_t arg = -1;
    for (int j = 0; j < N; j++) {
      double e = 0;
      for (int c = 0; c < D; c++) e += (Q[i + M * c] - P[j + N * c]) * (Q[i + M * c] - P[j + N * c]);
      if (e < best) { best = e; arg = j; }
    }
    CHECK_EQ_INT(idx[i], arg);
    CHECK_NEAR(d2[i], best, 1e-12);
  }
}

static void test_descriptor_integrals(void) {
  pv_mesh *m = test_blob(3);
  pv_shape_basis *b = NULL;
  CHECK_OK(pv_shape_basis_from_mesh(NULL, m, 40, &b));
  if (!b) { pv_mesh_destroy(&m); return; }
  double *H = pv_malloc((size_t)b->n * 8 * sizeof *H), *W = pv_malloc((size_t)b->n * 8 * sizeof *W);
  CHECK_OK(pv_shape_hks(b, 0, 8, H));
  CHECK_OK(pv_shape_wks(b, 0, 8, W));
  /* int HKS(., t) dA = sum_j exp(-lambda_j t) (trace of the heat kernel); int WKS dA = 1. */
  double tmin = 4 * log(10.0) / b->evals[b->k - 1], tmax = 4 * log(10.0) / b->evals[1];
  for (int i = 0; i < 8; i++) {
    double t = tmin * pow(tmax / tmin, i / 7.0), tr = 0, ih = 0, iw = 0;
    for (int j = 0; j < b->k; j++) tr += exp(-b->evals[j] * t);
    for (int64_t v = 0; v < b->n; v++) { ih += b->mass[v] * H[v + b->n * i]; iw += b->mass[v] * W[v + b->n * i]; }
    CHECK_REL(ih, tr, 1e-9);
    CHECK_REL(iw, 1.0, 1e-9);
  }
  /* Landmark heat kernels: int k_t(x, l) dA(x) = 1 (only the constant mode
   * has a nonzero integral) and k_t(a, b) = k_t(b, a). */
  int64_t lm[2] = {5, 300};
  double *K = pv_malloc((size_t)b->n * 2 * 4 * sizeof *K);
  CHECK_OK(pv_shape_landmark_hks(b, 0, 4, lm, 2, K));
  for (int c = 0; c < 8; c++) {
    double s = 0;
    for (int64_t v = 0; v < b->n; v++) s += b->mass[v] * K[v + b->n * c];
    CHECK_REL(s, 1.0, 1e-9);
  }
  for (int t = 0; t < 4; t++) CHECK_REL(K[lm[1] + b->n * t], K[lm[0] + b->n * (4 + t)], 1e-12);
  int64_t badlm = b->n;
  CHECK_STATUS(pv_shape_landmark_hks(b, 0, 4, &badlm, 1, K), PV_EINVAL);
  pv_free(K);
  CHECK_OK(pv_shape_descr_normalize(b, 8, W));
  double nrm = 0;
  for (int64_t v = 0; v < b->n; v++) nrm += b->mass[v] * W[v + b->n * 3] * W[v + b->n * 3];
  CHECK_REL(nrm, 1.0, 1e-12);
  pv_free(H);
  pv_free(W);
  pv_shape_basis_destroy(&b);
  pv_mesh_destroy(&m);
}

static void test_heat_sphere(void) {
  pv_mesh *m = test_icosphere(4);
  pv_shape_heat *h = NULL;
  CHECK_OK(pv_shape_heat_create(NULL, m, 1.0, &h));
  int64_t src[2] = {0, 17};
  double *d = pv_malloc((size_t)m->nv * 2 * sizeof *d), *dj = pv_malloc((size_t)m->nv * sizeof *dj);
  CHECK_OK(pv_shape_heat_distance(h, 2, src, d));
  double worst = 0, mean = 0;
  for (int s = 0; s < 2; s++) {
    CHECK_OK(pv_shape_dijkstra(m, src[s], -1, dj));
    const double *a = m->v + 3 * src[s];
    for (int64_t v = 0; v < m->nv; v++) {
      const double *p = m->v + 3 * v;
      double gc = acos(fmax(-1.0, fmin(1.0, a[0] * p[0] + a[1] * p[1] + a[2] * p[2])));
      worst = fmax(worst, fabs(d[v + m->nv * s] - gc));
      mean += fabs(d[v + m->nv * s] - gc) / (2.0 * (double)m->nv);
      double chord = sqrt((a[0] - p[0]) * (a[0] - p[0]) + (a[1] - p[1]) * (a[1] - p[1]) + (a[2] - p[2]) * (a[2] - p[2]));
      CHECK(dj[v] >= chord * (1 - 1e-12)); /* edge paths are never shorter than the straight line */
    }
  }
  printf("heat method on the unit sphere (2562 vertices): mean |d - great circle| %.4f, max %.4f\n", mean, worst);
  CHECK(mean < 0.02); /* measured 0.013: O(h) smoothing near the source + the inscribed polyhedron */
  CHECK(worst < 0.05);
  /* Error measure: the identity map scores 0, a map to the antipode ~ pi / sqrt(4 pi). */
  int64_t n = m->nv, *T = pv_malloc((size_t)n * sizeof *T), *g = pv_malloc((size_t)n * sizeof *g);
  for (int64_t v = 0; v < n; v++) { T[v] = v; g[v] = v; }
  double e = -1;
  CHECK_OK(pv_shape_geodesic_error(NULL, m, 0, T, n, g, g, 40, NULL, &e));
  CHECK_NEAR(e, 0, 1e-12);
  for (int64_t v = 0; v < n; v++) {
    int64_t best = 0;
    for (int64_t w = 1; w < n; w++) /* antipode: the vertex at -p */
      if (m->v[3 * w] * m->v[3 * v] + m->v[3 * w + 1] * m->v[3 * v + 1] + m->v[3 * w + 2] * m->v[3 * v + 2] <
          m->v[3 * best] * m->v[3 * v] + m->v[3 * best + 1] * m->v[3 * v + 1] + m->v[3 * best + 2] * m->v[3 * v + 2]) best = w;
    T[v] = best;
    if (v == 12) break;
  }
  CHECK_OK(pv_shape_geodesic_error(NULL, m, 1, T, n, g, g, 12, NULL, &e));
  CHECK(e > M_PI / sqrt(pv_mesh_area(m)) * 0.999 && e < M_PI / sqrt(pv_mesh_area(m)) * 1.1);
  pv_free(T);
  pv_free(g);
  pv_free(d);
  pv_free(dj);
  pv_shape_heat_destroy(&h);
  pv_mesh_destroy(&m);
}

static void small_options(pv_shape_match_options *o) {
  pv_shape_match_options_init(o);
  o->k_basis = 60;
  o->n_descr = 50;
  o->fmap.k_x = o->fmap.k_y = 20;
  o->zo.k_init = 20;
  o->zo.k_final = 50;
  o->zo.step = 5;
  o->zo.samples = 0;
}

static void test_permutation_exact(void) {
  pv_mesh *x = test_blob(3);
  int64_t *perm = pv_malloc((size_t)x->nv * sizeof *perm);
  test_perm(x->nv, 7, perm);
  pv_mesh *y = test_permuted(x, perm, NULL);
  pv_shape_match_options o;
  small_options(&o);
  pv_shape_match_result *r = NULL;
  CHECK_OK(pv_shape_match(NULL, x, y, &o, &r));
  if (r) {
    int64_t wrong = 0;
    for (int64_t i = 0; i < y->nv; i++) wrong += r->T[i] != perm[i];
    printf("self-match after permutation: %lld of %lld vertices wrong\n", (long long)wrong, (long long)y->nv);
    CHECK_EQ_INT(wrong, 0);
  }
  pv_shape_match_result_destroy(&r);
  pv_free(perm);
  pv_mesh_destroy(&x);
  pv_mesh_destroy(&y);
}

/* An L-shaped sheet (no symmetry) rolled onto a cylinder of radius 0.8:
 * lengths along the surface are preserved (an isometry). */
static void roll(double *p) {
  double x = p[0], R = 0.8;
  p[0] = R * sin(x / R);
  p[2] = R * (1 - cos(x / R));
}

static pv_mesh *l_sheet(void) {
  pv_mesh *g = test_grid(41, 21, 2.0, 1.0);
  int64_t nf = 0;
  for (int64_t t = 0; t < g->nf; t++) {
    double cx = 0, cy = 0;
    for (int k = 0; k < 3; k++) { cx += g->v[3 * g->f[3 * t + k]] / 3; cy += g->v[3 * g->f[3 * t + k] + 1] / 3; }
    if (cx > 1.3 && cy > 0.55) continue;
    memmove(g->f + 3 * nf++, g->f + 3 * t, 3 * sizeof(int64_t));
  }
  g->nf = nf;
  CHECK_OK(pv_mesh_repair(g, PV_MESH_REPAIR_DROP_UNREFERENCED, NULL, NULL));
  return g;
}

static void test_isometry(void) {
  pv_mesh *x = l_sheet();
  int64_t *perm = pv_malloc((size_t)x->nv * sizeof *perm), *gx = pv_malloc((size_t)x->nv * sizeof *gx);
  test_perm(x->nv, 11, perm);
  pv_mesh *y = test_permuted(x, perm, roll);
  pv_shape_match_options o;
  small_options(&o);
  pv_shape_match_result *r = NULL;
  CHECK_OK(pv_shape_match(NULL, x, y, &o, &r));
  if (r) {
    /* ground truth: vertex y of Y is vertex perm[y] of X. */
    int64_t *gy = pv_malloc((size_t)x->nv * sizeof *gy);
    for (int64_t i = 0; i < x->nv; i++) { gy[i] = i; gx[i] = perm[i]; }
    double e = -1;
    CHECK_OK(pv_shape_geodesic_error(NULL, x, 0, r->T, y->nv, gx, gy, x->nv, NULL, &e));
    printf("isometric bending: mean geodesic error x100 = %.3f\n", 100 * e);
    CHECK(100 * e < 1.0);
    pv_free(gy);
  }
  pv_shape_match_result_destroy(&r);
  pv_free(perm);
  pv_free(gx);
  pv_mesh_destroy(&x);
  pv_mesh_destroy(&y);
}

static void test_vts(void) {
  char path[512];
  snprintf(path, sizeof path, "%s/a.vts", pv_test_tmpdir());
  CHECK_OK(pv_file_write_atomic(path, "3\n1\r\n 2\n\n", 10, 0));
  int64_t *v = NULL, n = 0;
  CHECK_OK(pv_shape_read_vts(path, &v, &n));
  CHECK_EQ_INT(n, 3);
  if (v) { CHECK_EQ_INT(v[0], 2); CHECK_EQ_INT(v[1], 0); CHECK_EQ_INT(v[2], 1); }
  pv_free(v);
  const char *bad[] = {"0\n", "1 2\n", "x\n", "", "-4\n"};
  for (int i = 0; i < 5; i++) {
    snprintf(path, sizeof path, "%s/bad%d.vts", pv_test_tmpdir(), i);
    CHECK_OK(pv_file_write_atomic(path, bad[i], strlen(bad[i]), 0));
    CHECK_STATUS(pv_shape_read_vts(path, &v, &n), PV_EFORMAT);
  }
}

PV_TEST_MAIN(PV_CASE(test_knn), PV_CASE(test_descriptor_integrals), PV_CASE(test_heat_sphere),
             PV_CASE(test_permutation_exact), PV_CASE(test_isometry), PV_CASE(test_vts))
