/* Synthetic meshes with known geometry for the shape tests. */
#ifndef PV_TEST_SHAPES_H
#define PV_TEST_SHAPES_H
#include <math.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/mesh.h>

/* Unit icosphere: icosahedron subdivided `level` times, projected. */
static inline pv_mesh *test_icosphere(int level) {
  int64_t nv = 12, nf = 20;
  for (int l = 0; l < level; l++) { nv = nv + 3 * nf / 2; nf *= 4; }
  double *v = pv_malloc((size_t)nv * 3 * sizeof(double));
  int64_t *f = pv_malloc((size_t)nf * 3 * sizeof(int64_t)), *g = pv_malloc((size_t)nf * 3 * sizeof(int64_t));
  const double p = (1 + sqrt(5.0)) / 2;
  const double v0[12][3] = {{-1, p, 0}, {1, p, 0}, {-1, -p, 0}, {1, -p, 0}, {0, -1, p}, {0, 1, p},
                            {0, -1, -p}, {0, 1, -p}, {p, 0, -1}, {p, 0, 1}, {-p, 0, -1}, {-p, 0, 1}};
  const int f0[20][3] = {{0, 11, 5}, {0, 5, 1}, {0, 1, 7}, {0, 7, 10}, {0, 10, 11}, {1, 5, 9}, {5, 11, 4},
                         {11, 10, 2}, {10, 7, 6}, {7, 1, 8}, {3, 9, 4}, {3, 4, 2}, {3, 2, 6}, {3, 6, 8},
                         {3, 8, 9}, {4, 9, 5}, {2, 4, 11}, {6, 2, 10}, {8, 6, 7}, {9, 8, 1}};
  memcpy(v, v0, sizeof v0);
  for (int i = 0; i < 60; i++) f[i] = f0[i / 3][i % 3];
  int64_t cv = 12, cf = 20;
  /* Edge midpoints through a dense (small) lookup keyed by vertex pair. */
  for (int l = 0; l < level; l++) {
    int64_t *mid = pv_malloc((size_t)cv * (size_t)cv * sizeof(int64_t));
    for (int64_t i = 0; i < cv * cv; i++) mid[i] = -1;
    int64_t nfn = 0, n0 = cv;
    for (int64_t t = 0; t < cf; t++) {
      int64_t c[3] = {f[3 * t], f[3 * t + 1], f[3 * t + 2]}, m[3];
      for (int e = 0; e < 3; e++) {
        int64_t a = c[e], b = c[(e + 1) % 3], key = a < b ? a * n0 + b : b * n0 + a;
        if (mid[key] < 0) {
          for (int k = 0; k < 3; k++) v[3 * cv + k] = 0.5 * (v[3 * a + k] + v[3 * b + k]);
          mid[key] = cv++;
        }
        m[e] = mid[key];
      }
      int64_t q[12] = {c[0], m[0], m[2], c[1], m[1], m[0], c[2], m[2], m[1], m[0], m[1], m[2]};
      memcpy(g + 3 * nfn, q, sizeof q);
      nfn += 4;
    }
    pv_free(mid);
    memcpy(f, g, (size_t)nfn * 3 * sizeof(int64_t));
    cf = nfn;
  }
  pv_mesh *mesh;
  pv_mesh_create(cv, cf, 0, &mesh);
  for (int64_t i = 0; i < cv; i++) {
    double r = sqrt(v[3 * i] * v[3 * i] + v[3 * i + 1] * v[3 * i + 1] + v[3 * i + 2] * v[3 * i + 2]);
    for (int k = 0; k < 3; k++) mesh->v[3 * i + k] = v[3 * i + k] / r;
  }
  memcpy(mesh->f, f, (size_t)cf * 3 * sizeof(int64_t));
  pv_free(v);
  pv_free(f);
  pv_free(g);
  return mesh;
}

/* nx x ny grid of [0,a] x [0,b] in the plane z = 0, alternating diagonals. */
static inline pv_mesh *test_grid(int nx, int ny, double a, double b) {
  pv_mesh *m;
  pv_mesh_create((int64_t)nx * ny, 2 * (int64_t)(nx - 1) * (ny - 1), 0, &m);
  for (int j = 0; j < ny; j++)
    for (int i = 0; i < nx; i++) {
      double *p = m->v + 3 * ((int64_t)j * nx + i);
      p[0] = a * i / (nx - 1);
      p[1] = b * j / (ny - 1);
      p[2] = 0;
    }
  int64_t t = 0;
  for (int j = 0; j + 1 < ny; j++)
    for (int i = 0; i + 1 < nx; i++) {
      int64_t c0 = (int64_t)j * nx + i, c1 = c0 + 1, c2 = c0 + nx, c3 = c2 + 1;
      int64_t q[6] = {c0, c1, c3, c0, c3, c2}, r[6] = {c0, c1, c2, c1, c3, c2};
      memcpy(m->f + 6 * t++, (i + j) % 2 ? q : r, sizeof q);
    }
  return m;
}
#endif

/* An asymmetric closed surface: the icosphere with a radial bump field. */
static inline pv_mesh *test_blob(int level) {
  pv_mesh *m = test_icosphere(level);
  for (int64_t i = 0; i < m->nv; i++) {
    double *p = m->v + 3 * i;
    double r = 1 + 0.25 * sin(2 * p[0] + 1) * cos(3 * p[1]) + 0.15 * p[2] * p[2] * p[0] + 0.1 * p[1] +
               0.3 * exp(-8 * ((p[0] - 0.3) * (p[0] - 0.3) + (p[1] - 0.8) * (p[1] - 0.8))) +
               0.12 * p[2] + 0.1 * p[0] * p[2]; /* odd in z: no mirror symmetry */
    /* Stretched axes keep the low eigenvalues apart (no near-degenerate eigenspaces). */
    p[0] *= r;
    p[1] *= 1.6 * r;
    p[2] *= 0.8 * r;
  }
  return m;
}

/* Copy of m with vertices permuted (new vertex i = old perm[i]) and the
 * geometry passed through fn (NULL: unchanged). */
static inline pv_mesh *test_permuted(const pv_mesh *m, const int64_t *perm, void (*fn)(double *)) {
  pv_mesh *o;
  pv_mesh_create(m->nv, m->nf, 0, &o);
  int64_t *inv = pv_malloc((size_t)m->nv * sizeof *inv);
  for (int64_t i = 0; i < m->nv; i++) inv[perm[i]] = i;
  for (int64_t i = 0; i < m->nv; i++) {
    memcpy(o->v + 3 * i, m->v + 3 * perm[i], 3 * sizeof(double));
    if (fn) fn(o->v + 3 * i);
  }
  for (int64_t k = 0; k < 3 * m->nf; k++) o->f[k] = inv[m->f[k]];
  pv_free(inv);
  return o;
}

/* Deterministic permutation (LCG Fisher-Yates). */
static inline void test_perm(int64_t n, uint64_t seed, int64_t *perm) {
  for (int64_t i = 0; i < n; i++) perm[i] = i;
  for (int64_t i = n - 1; i > 0; i--) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    int64_t j = (int64_t)((seed >> 33) % (uint64_t)(i + 1)), t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
}
