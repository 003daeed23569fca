/* mesh/check.c - validation: duplicates, degenerate faces, unreferenced
 * vertices, non-manifold and boundary edges, connected components. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/mesh.h>

#include "mesh_check.h"

typedef struct { double x[3]; int64_t i; } vkey;
typedef struct { int64_t a, b; } ekey;
typedef struct { int64_t a, b, c, t; } fkey;

static int cmp_v(const void *p, const void *q) {
  const vkey *u = p, *w = q;
  for (int k = 0; k < 3; k++) if (u->x[k] != w->x[k]) return u->x[k] < w->x[k] ? -1 : 1;
  return u->i < w->i ? -1 : u->i > w->i;
}
static int cmp_e(const void *p, const void *q) {
  const ekey *u = p, *w = q;
  if (u->a != w->a) return u->a < w->a ? -1 : 1;
  return u->b < w->b ? -1 : u->b > w->b;
}
static int cmp_f(const void *p, const void *q) {
  const fkey *u = p, *w = q;
  if (u->a != w->a) return u->a < w->a ? -1 : 1;
  if (u->b != w->b) return u->b < w->b ? -1 : 1;
  if (u->c != w->c) return u->c < w->c ? -1 : 1;
  return u->t < w->t ? -1 : u->t > w->t;
}

int pv_mesh_dup_vertices(const pv_mesh *m, int64_t *rep) {
  vkey *k = pv_malloc((size_t)(m->nv + 1) * sizeof *k);
  if (!k) return PV_ENOMEM;
  for (int64_t i = 0; i < m->nv; i++) {
    memcpy(k[i].x, m->v + 3 * i, sizeof k[i].x);
    k[i].i = i;
  }
  qsort(k, (size_t)m->nv, sizeof *k, cmp_v);
  for (int64_t i = 0; i < m->nv; i++) {
    int same = i > 0 && !memcmp(k[i].x, k[i - 1].x, sizeof k[i].x);
    rep[k[i].i] = same ? rep[k[i - 1].i] : k[i].i;
  }
  pv_free(k);
  return 0;
}

double pv_mesh_tri_area(const pv_mesh *m, int64_t t) {
  const double *p = m->v + 3 * m->f[3 * t], *q = m->v + 3 * m->f[3 * t + 1], *r = m->v + 3 * m->f[3 * t + 2];
  double u[3] = {q[0] - p[0], q[1] - p[1], q[2] - p[2]}, w[3] = {r[0] - p[0], r[1] - p[1], r[2] - p[2]};
  double c0 = u[1] * w[2] - u[2] * w[1], c1 = u[2] * w[0] - u[0] * w[2], c2 = u[0] * w[1] - u[1] * w[0];
  return 0.5 * sqrt(c0 * c0 + c1 * c1 + c2 * c2);
}

double pv_mesh_bbox_diag(const pv_mesh *m) {
  double lo[3] = {INFINITY, INFINITY, INFINITY}, hi[3] = {-INFINITY, -INFINITY, -INFINITY}, d = 0;
  for (int64_t i = 0; i < m->nv; i++)
    for (int k = 0; k < 3; k++) {
      lo[k] = fmin(lo[k], m->v[3 * i + k]);
      hi[k] = fmax(hi[k], m->v[3 * i + k]);
    }
  for (int k = 0; k < 3 && m->nv; k++) d += (hi[k] - lo[k]) * (hi[k] - lo[k]);
  return sqrt(d);
}

/* Face status: 0 fine, 1 repeated corner, 2 zero area, 3 duplicate of an earlier face. */
int pv_mesh_face_status(const pv_mesh *m, unsigned char *st) {
  double eps = PV_MESH_AREA_EPS * pv_mesh_bbox_diag(m) * pv_mesh_bbox_diag(m);
  fkey *k = pv_malloc((size_t)(m->nf + 1) * sizeof *k);
  if (!k) return PV_ENOMEM;
  for (int64_t t = 0; t < m->nf; t++) {
    int64_t a = m->f[3 * t], b = m->f[3 * t + 1], c = m->f[3 * t + 2], x;
    st[t] = (a == b || b == c || a == c) ? 1 : pv_mesh_tri_area(m, t) <= eps ? 2 : 0;
    if (a > b) { x = a; a = b; b = x; }
    if (b > c) { x = b; b = c; c = x; }
    if (a > b) { x = a; a = b; b = x; }
    k[t] = (fkey){a, b, c, t};
  }
  qsort(k, (size_t)m->nf, sizeof *k, cmp_f);
  for (int64_t i = 1; i < m->nf; i++)
    if (k[i].a == k[i - 1].a && k[i].b == k[i - 1].b && k[i].c == k[i - 1].c && !st[k[i].t]) st[k[i].t] = 3;
  pv_free(k);
  return 0;
}

static int64_t find(int64_t *p, int64_t i) {
  while (p[i] != i) { p[i] = p[p[i]]; i = p[i]; }
  return i;
}

int pv_mesh_components(const pv_mesh *m, int64_t *label, int64_t *ncomp) {
  if (!m || !label || !ncomp) return PV_ERROR(PV_EINVAL, "pv_mesh_components: NULL argument");
  int64_t *p = pv_malloc((size_t)(m->nv + 1) * sizeof *p);
  if (!p) return PV_ENOMEM;
  for (int64_t i = 0; i < m->nv; i++) p[i] = i;
  for (int64_t t = 0; t < m->nf; t++)
    for (int k = 0; k < 2; k++) {
      int64_t a = find(p, m->f[3 * t + k]), b = find(p, m->f[3 * t + k + 1]);
      if (a != b) p[a < b ? b : a] = a < b ? a : b;
    }
  int64_t n = 0;
  for (int64_t i = 0; i < m->nv; i++) label[i] = -1;
  for (int64_t i = 0; i < m->nv; i++) {
    int64_t r = find(p, i);
    if (label[r] < 0) label[r] = n++;
    label[i] = label[r];
  }
  pv_free(p);
  *ncomp = n;
  return 0;
}

/* Edge statistics over the well-formed faces (st == 0) only, so that
 * degenerate and duplicate faces do not count as extra sheets. */
static int edge_counts(const pv_mesh *m, const unsigned char *st, pv_mesh_report *rep) {
  ekey *e = pv_malloc((size_t)(3 * m->nf + 1) * sizeof *e);
  int64_t ne = 0;
  if (!e) return PV_ENOMEM;
  for (int64_t t = 0; t < m->nf; t++)
    for (int k = 0; k < 3 && !st[t]; k++) {
      int64_t a = m->f[3 * t + k], b = m->f[3 * t + (k + 1) % 3];
      e[ne++] = (ekey){a < b ? a : b, a < b ? b : a};
    }
  qsort(e, (size_t)ne, sizeof *e, cmp_e);
  for (int64_t i = 0, j; i < ne; i = j) {
    for (j = i + 1; j < ne && e[j].a == e[i].a && e[j].b == e[i].b;) j++;
    if (e[i].a == e[i].b) continue;
    rep->boundary_edges += j - i == 1;
    rep->nonmanifold_edges += j - i > 2;
  }
  pv_free(e);
  return 0;
}

int pv_mesh_check(const pv_mesh *m, pv_mesh_report *rep) {
  if (!m || !rep || rep->struct_size < sizeof *rep) return PV_ERROR(PV_EINVAL, "pv_mesh_check: NULL argument or bad struct_size");
  memset(rep, 0, sizeof *rep);
  rep->struct_size = sizeof *rep;
  for (int64_t i = 0; i < m->nv; i++)
    rep->nonfinite_vertices += !isfinite(m->v[3 * i]) || !isfinite(m->v[3 * i + 1]) || !isfinite(m->v[3 * i + 2]);
  for (int64_t t = 0; t < m->nf; t++)
    for (int k = 0; k < 3; k++)
      if (m->f[3 * t + k] < 0 || m->f[3 * t + k] >= m->nv) { rep->bad_indices++; break; }
  if (rep->bad_indices || rep->nonfinite_vertices) return 0; /* the rest is meaningless */
  int64_t *buf = pv_malloc((size_t)(m->nv + 1) * sizeof *buf);
  unsigned char *st = pv_malloc((size_t)m->nf + 1);
  int rc = buf && st ? 0 : PV_ENOMEM;
  if (!rc) rc = pv_mesh_dup_vertices(m, buf);
  for (int64_t i = 0; !rc && i < m->nv; i++) rep->duplicate_vertices += buf[i] != i;
  if (!rc) rc = pv_mesh_face_status(m, st);
  for (int64_t t = 0; !rc && t < m->nf; t++) {
    rep->degenerate_faces += st[t] == 1;
    rep->zero_area_faces += st[t] == 2;
    rep->duplicate_faces += st[t] == 3;
  }
  if (!rc && m->nf) {
    memset(buf, 0, (size_t)m->nv * sizeof *buf);
    for (int64_t i = 0; i < 3 * m->nf; i++) buf[m->f[i]] = 1;
    for (int64_t i = 0; i < m->nv; i++) rep->unreferenced_vertices += !buf[i];
  }
  if (!rc) rc = edge_counts(m, st, rep);
  if (!rc) rc = pv_mesh_components(m, buf, &rep->components);
  rep->area = pv_mesh_area(m);
  pv_free(buf);
  pv_free(st);
  return rc;
}
