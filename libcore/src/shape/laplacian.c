/* shape/laplacian.c - cotangent Laplacian and mass matrices. */
#include <math.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/shape.h>

static void sub3(const double *a, const double *b, double *o) {
  o[0] = a[0] - b[0];
  o[1] = a[1] - b[1];
  o[2] = a[2] - b[2];
}

static double cross_norm(const double *u, const double *w) {
  double c0 = u[1] * w[2] - u[2] * w[1], c1 = u[2] * w[0] - u[0] * w[2], c2 = u[0] * w[1] - u[1] * w[0];
  return sqrt(c0 * c0 + c1 * c1 + c2 * c2);
}

static int check_mesh(const pv_mesh *m, const char *who) {
  if (!m || m->nv < 1) return PV_ERROR(PV_EINVAL, "%s: empty mesh", who);
  if (m->nf < 1) return PV_ERROR(PV_EINVAL, "%s: the mesh has no triangles (a point cloud)", who);
  for (int64_t i = 0; i < 3 * m->nf; i++)
    if (m->f[i] < 0 || m->f[i] >= m->nv) return PV_ERROR(PV_EINVAL, "%s: face %lld indexes vertex %lld of %lld", who, (long long)(i / 3), (long long)m->f[i], (long long)m->nv);
  for (int64_t i = 0; i < 3 * m->nv; i++)
    if (!isfinite(m->v[i])) return PV_ERROR(PV_EINVAL, "%s: vertex %lld is not finite", who, (long long)(i / 3));
  return 0;
}

/* Triplets for 9 entries per face. */
typedef struct { int64_t *r, *c; double *v; int64_t n; } trip;

static int trip_alloc(trip *t, int64_t n) {
  t->r = pv_malloc((size_t)n * sizeof(int64_t) + 8);
  t->c = pv_malloc((size_t)n * sizeof(int64_t) + 8);
  t->v = pv_malloc((size_t)n * sizeof(double) + 8);
  t->n = 0;
  return t->r && t->c && t->v ? 0 : PV_ENOMEM;
}
static void trip_free(trip *t) {
  pv_free(t->r);
  pv_free(t->c);
  pv_free(t->v);
}
static void trip_add(trip *t, int64_t r, int64_t c, double v) {
  t->r[t->n] = r;
  t->c[t->n] = c;
  t->v[t->n++] = v;
}

int pv_shape_cotan_laplacian(pv_ctx *ctx, const pv_mesh *m, pv_sparse **L) {
  int rc = check_mesh(m, "cotan Laplacian");
  if (rc) return rc;
  trip t;
  if ((rc = trip_alloc(&t, 12 * m->nf))) goto done;
  for (int64_t f = 0; f < m->nf; f++) {
    const int64_t *c = m->f + 3 * f;
    for (int k = 0; k < 3; k++) {
      int64_t i = c[(k + 1) % 3], j = c[(k + 2) % 3], o = c[k];
      double u[3], w[3];
      sub3(m->v + 3 * i, m->v + 3 * o, u);
      sub3(m->v + 3 * j, m->v + 3 * o, w);
      double cr = cross_norm(u, w);
      if (!(cr > 0)) continue;
      double h = 0.5 * (u[0] * w[0] + u[1] * w[1] + u[2] * w[2]) / cr;
      trip_add(&t, i, j, -h);
      trip_add(&t, j, i, -h);
      trip_add(&t, i, i, h);
      trip_add(&t, j, j, h);
    }
  }
  rc = pv_sparse_create_coo(ctx, m->nv, m->nv, t.n, t.r, t.c, t.v, L);
done:
  trip_free(&t);
  return rc;
}

int pv_shape_mass(pv_ctx *ctx, const pv_mesh *m, int full, pv_sparse **M) {
  int rc = check_mesh(m, "mass matrix");
  if (rc) return rc;
  trip t;
  if ((rc = trip_alloc(&t, (full ? 9 : 3) * m->nf + m->nv))) goto done;
  for (int64_t i = 0; i < m->nv; i++) trip_add(&t, i, i, 0.0); /* keep the diagonal pattern */
  for (int64_t f = 0; f < m->nf; f++) {
    const int64_t *c = m->f + 3 * f;
    double u[3], w[3];
    sub3(m->v + 3 * c[1], m->v + 3 * c[0], u);
    sub3(m->v + 3 * c[2], m->v + 3 * c[0], w);
    double a = 0.5 * cross_norm(u, w);
    for (int p = 0; p < 3; p++) {
      if (!full) {
        trip_add(&t, c[p], c[p], a / 3);
        continue;
      }
      for (int q = 0; q < 3; q++) trip_add(&t, c[p], c[q], p == q ? a / 6 : a / 12);
    }
  }
  rc = pv_sparse_create_coo(ctx, m->nv, m->nv, t.n, t.r, t.c, t.v, M);
done:
  trip_free(&t);
  return rc;
}
