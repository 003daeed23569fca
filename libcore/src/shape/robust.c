/* shape/robust.c - the robust Laplacian of Sharp and Crane (2020) for
 * triangle meshes: the tufted cover (every face doubled into a front and a
 * back copy, the copies around each edge glued in the circular order of the
 * faces, so any non-manifold mesh becomes a closed manifold over the same
 * vertices), mollified edge lengths, intrinsic Delaunay edge flips, then
 * cotangent weights from edge lengths. Everything is intrinsic: only edge
 * lengths change; vertices and their indices stay those of the input. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/shape.h>

/* Halfedge h = 3 f + c runs from V[h] to V[next(h)]; twin T[h]; length Ln[h]. */
typedef struct { int64_t nh, *V, *T; double *Ln; } cover;

static int64_t nxt(int64_t h) { return h - h % 3 + (h % 3 + 1) % 3; }

typedef struct { int64_t a, b; double ang; int64_t up, down; } sheet;

static int cmp_sheet(const void *p, const void *q) {
  const sheet *x = p, *y = q;
  if (x->a != y->a) return x->a < y->a ? -1 : 1;
  if (x->b != y->b) return x->b < y->b ? -1 : 1;
  return x->ang < y->ang ? -1 : x->ang > y->ang;
}

/* Angle of the third vertex of face f around edge a->b (a < b). */
static double around(const pv_mesh *m, int64_t a, int64_t b, int64_t c) {
  const double *pa = m->v + 3 * a, *pb = m->v + 3 * b, *pc = m->v + 3 * c;
  double e[3] = {pb[0] - pa[0], pb[1] - pa[1], pb[2] - pa[2]}, w[3] = {pc[0] - pa[0], pc[1] - pa[1], pc[2] - pa[2]};
  double ee = e[0] * e[0] + e[1] * e[1] + e[2] * e[2], t = ee > 0 ? (w[0] * e[0] + w[1] * e[1] + w[2] * e[2]) / ee : 0;
  double u[3] = {w[0] - t * e[0], w[1] - t * e[1], w[2] - t * e[2]};
  /* A reference frame perpendicular to e. */
  double r[3] = {fabs(e[0]) < 0.9 * sqrt(ee) ? 1 : 0, fabs(e[0]) < 0.9 * sqrt(ee) ? 0 : 1, 0};
  double tr = ee > 0 ? (r[0] * e[0] + r[1] * e[1]) / ee : 0;
  double x[3] = {r[0] - tr * e[0], r[1] - tr * e[1], -tr * e[2]};
  double y[3] = {e[1] * x[2] - e[2] * x[1], e[2] * x[0] - e[0] * x[2], e[0] * x[1] - e[1] * x[0]};
  return atan2(u[0] * y[0] + u[1] * y[1] + u[2] * y[2], u[0] * x[0] + u[1] * x[1] + u[2] * x[2]);
}

/* Faces 0..nf-1 are the fronts (v0, v1, v2), nf..2nf-1 the backs (v0, v2, v1). */
static int build_cover(const pv_mesh *m, cover *c) {
  int64_t nf = m->nf;
  c->nh = 6 * nf;
  c->V = pv_malloc((size_t)c->nh * sizeof *c->V);
  c->T = pv_malloc((size_t)c->nh * sizeof *c->T);
  c->Ln = pv_malloc((size_t)c->nh * sizeof *c->Ln);
  sheet *s = pv_malloc((size_t)(3 * nf + 1) * sizeof *s);
  if (!c->V || !c->T || !c->Ln || !s) { pv_free(s); return PV_ENOMEM; }
  for (int64_t f = 0; f < nf; f++) {
    const int64_t *q = m->f + 3 * f;
    int64_t fr[3] = {q[0], q[1], q[2]}, bk[3] = {q[0], q[2], q[1]};
    for (int k = 0; k < 3; k++) { c->V[3 * f + k] = fr[k]; c->V[3 * (nf + f) + k] = bk[k]; }
    for (int k = 0; k < 3; k++) {
      int64_t i = fr[k], j = fr[(k + 1) % 3], o = fr[(k + 2) % 3], hf = 3 * f + k;
      /* back halfedge j -> i: in the back face (q0, q2, q1). */
      int64_t hb = -1;
      for (int t = 0; t < 3; t++) if (bk[t] == j && bk[(t + 1) % 3] == i) hb = 3 * (nf + f) + t;
      int up_front = i < j;
      s[3 * f + k] = (sheet){i < j ? i : j, i < j ? j : i, around(m, i < j ? i : j, i < j ? j : i, o),
                             up_front ? hf : hb, up_front ? hb : hf};
    }
  }
  qsort(s, (size_t)(3 * nf), sizeof *s, cmp_sheet);
  for (int64_t i = 0, j; i < 3 * nf; i = j) {
    for (j = i + 1; j < 3 * nf && s[j].a == s[i].a && s[j].b == s[i].b;) j++;
    for (int64_t k = i; k < j; k++) { /* down(k) glued to up(k+1), cyclically */
      int64_t d = s[k].down, u = s[k + 1 < j ? k + 1 : i].up;
      c->T[d] = u;
      c->T[u] = d;
    }
  }
  pv_free(s);
  for (int64_t h = 0; h < c->nh; h++) {
    const double *p = m->v + 3 * c->V[h], *q = m->v + 3 * c->V[nxt(h)];
    c->Ln[h] = sqrt((p[0] - q[0]) * (p[0] - q[0]) + (p[1] - q[1]) * (p[1] - q[1]) + (p[2] - q[2]) * (p[2] - q[2]));
  }
  return 0;
}

/* Lengthen every edge by delta so that each triangle satisfies the strict
 * triangle inequality by eps (Sharp and Crane's mollification). */
static void mollify(cover *c, double factor) {
  double mean = 0, delta = 0;
  for (int64_t h = 0; h < c->nh; h++) mean += c->Ln[h] / (double)c->nh;
  double eps = factor * mean;
  for (int64_t h = 0; h < c->nh; h += 3)
    for (int k = 0; k < 3; k++) {
      double a = c->Ln[h + k], b = c->Ln[h + (k + 1) % 3], d = c->Ln[h + (k + 2) % 3];
      delta = fmax(delta, eps - (a + b - d));
    }
  for (int64_t h = 0; h < c->nh; h++) c->Ln[h] += delta;
}

/* Cotangent of the angle opposite halfedge h in its face (from lengths). */
static double cot_opp(const cover *c, int64_t h) {
  double a = c->Ln[h], b = c->Ln[nxt(h)], d = c->Ln[nxt(nxt(h))];
  double s = 0.5 * (a + b + d), A2 = s * (s - a) * (s - b) * (s - d);
  double A = A2 > 0 ? sqrt(A2) : 0;
  return A > 0 ? (b * b + d * d - a * a) / (4 * A) : 0;
}

static double tri_area(const cover *c, int64_t h) {
  double a = c->Ln[h], b = c->Ln[nxt(h)], d = c->Ln[nxt(nxt(h))];
  double s = 0.5 * (a + b + d), A2 = s * (s - a) * (s - b) * (s - d);
  return A2 > 0 ? sqrt(A2) : 0;
}

/* Flip the edge of h: faces (a b c) and (b a d) become (c d b) and (d c a). */
static void flip(cover *c, int64_t h) {
  int64_t t = c->T[h], h1 = nxt(h), h2 = nxt(h1), t1 = nxt(t), t2 = nxt(t1);
  int64_t b = c->V[h1], cc = c->V[h2], a = c->V[t1], d = c->V[t2];
  double lab = c->Ln[h], lbc = c->Ln[h1], lca = c->Ln[h2], lad = c->Ln[t1], ldb = c->Ln[t2];
  /* Lay out a = (0,0), b = (lab,0), c above, d below; new length |c - d|. */
  double cx = (lab * lab + lca * lca - lbc * lbc) / (2 * lab), cy = sqrt(fmax(0.0, lca * lca - cx * cx));
  double dx = (lab * lab + lad * lad - ldb * ldb) / (2 * lab), dy = -sqrt(fmax(0.0, lad * lad - dx * dx));
  double lcd = sqrt((cx - dx) * (cx - dx) + (cy - dy) * (cy - dy));
  int64_t Th1 = c->T[h1], Th2 = c->T[h2], Tt1 = c->T[t1], Tt2 = c->T[t2];
#define REMAP(x) ((x) == t2 ? h1 : (x) == h1 ? h2 : (x) == h2 ? t1 : (x) == t1 ? t2 : (x))
  c->V[h] = cc; c->V[h1] = d; c->V[h2] = b;
  c->V[t] = d; c->V[t1] = cc; c->V[t2] = a;
  c->Ln[h] = c->Ln[t] = lcd;
  c->Ln[h1] = ldb; c->Ln[h2] = lbc; c->Ln[t1] = lca; c->Ln[t2] = lad;
  int64_t nt[4] = {REMAP(Tt2), REMAP(Th1), REMAP(Th2), REMAP(Tt1)}, slot[4] = {h1, h2, t1, t2};
#undef REMAP
  for (int k = 0; k < 4; k++) c->T[slot[k]] = nt[k];
  for (int k = 0; k < 4; k++) c->T[nt[k]] = slot[k];
  c->T[h] = t;
  c->T[t] = h;
}

static int delaunay(cover *c) {
  int64_t *stack = pv_malloc((size_t)c->nh * sizeof *stack), ns = 0, budget = 50 * c->nh;
  unsigned char *in = pv_calloc((size_t)c->nh, 1);
  if (!stack || !in) { pv_free(stack); pv_free(in); return PV_ENOMEM; }
  for (int64_t h = 0; h < c->nh; h++) if (h < c->T[h]) { stack[ns++] = h; in[h] = 1; }
  while (ns > 0 && budget-- > 0) {
    int64_t h = stack[--ns];
    in[h] = 0;
    int64_t t = c->T[h];
    if (h / 3 == t / 3) continue;
    if (cot_opp(c, h) + cot_opp(c, t) >= -1e-12) continue;
    flip(c, h);
    int64_t around4[4] = {nxt(h), nxt(nxt(h)), nxt(t), nxt(nxt(t))};
    for (int k = 0; k < 4; k++) {
      int64_t e = around4[k] < c->T[around4[k]] ? around4[k] : c->T[around4[k]];
      if (!in[e]) { stack[ns++] = e; in[e] = 1; }
    }
  }
  pv_free(stack);
  pv_free(in);
  return 0;
}

static int assemble(pv_ctx *ctx, const cover *c, int64_t nv, pv_sparse **L, pv_sparse **M) {
  int64_t n = 4 * c->nh + nv, k = 0;
  int64_t *r = pv_malloc((size_t)n * sizeof *r), *q = pv_malloc((size_t)n * sizeof *q);
  double *w = pv_malloc((size_t)n * sizeof *w), *mass = pv_calloc((size_t)nv, sizeof *mass);
  int rc = r && q && w && mass ? 0 : PV_ENOMEM;
  for (int64_t h = 0; !rc && h < c->nh; h++) {
    int64_t i = c->V[h], j = c->V[nxt(h)];
    double x = 0.25 * cot_opp(c, h); /* 1/2 cot, halved for the double cover */
    if (h % 3 == 0) {
      double a = tri_area(c, h) / 6.0; /* a third of the area, halved */
      mass[c->V[h]] += a; mass[c->V[h + 1]] += a; mass[c->V[h + 2]] += a;
    }
    if (i == j) continue;
    r[k] = i; q[k] = j; w[k++] = -x;
    r[k] = j; q[k] = i; w[k++] = -x;
    r[k] = i; q[k] = i; w[k++] = x;
    r[k] = j; q[k] = j; w[k++] = x;
  }
  for (int64_t i = 0; !rc && i < nv; i++) { r[k] = i; q[k] = i; w[k++] = 0.0; }
  if (!rc) rc = pv_sparse_create_coo(ctx, nv, nv, k, r, q, w, L);
  if (!rc) rc = pv_sparse_create_diag(ctx, nv, mass, M);
  pv_free(r); pv_free(q); pv_free(w); pv_free(mass);
  return rc;
}

int pv_shape_robust_laplacian(pv_ctx *ctx, const pv_mesh *m, double mollify_factor, pv_sparse **L, pv_sparse **M) {
  if (!m || !L || !M) return PV_ERROR(PV_EINVAL, "robust Laplacian: NULL argument");
  *L = *M = NULL;
  if (m->nf < 1) return pv_shape_pointcloud_laplacian(ctx, m->v, m->nv, 30, mollify_factor, L, M);
  for (int64_t i = 0; i < 3 * m->nf; i++)
    if (m->f[i] < 0 || m->f[i] >= m->nv) return PV_ERROR(PV_EINVAL, "robust Laplacian: face %lld indexes vertex %lld of %lld", (long long)(i / 3), (long long)m->f[i], (long long)m->nv);
  for (int64_t t = 0; t < m->nf; t++) {
    const int64_t *q = m->f + 3 * t;
    if (q[0] == q[1] || q[1] == q[2] || q[0] == q[2])
      return PV_ERROR(PV_EINVAL, "robust Laplacian: face %lld repeats a vertex; drop such faces first (pv_mesh_repair)", (long long)t);
  }
  if (!(mollify_factor >= 0)) mollify_factor = 1e-5;
  cover c = {0, NULL, NULL, NULL};
  int rc = build_cover(m, &c);
  if (!rc) {
    mollify(&c, mollify_factor);
    rc = delaunay(&c);
  }
  if (!rc) rc = assemble(ctx, &c, m->nv, L, M);
  pv_free(c.V); pv_free(c.T); pv_free(c.Ln);
  if (rc) { pv_sparse_destroy(L); pv_sparse_destroy(M); }
  return rc;
}
