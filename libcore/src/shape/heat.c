/* shape/heat.c - heat-method geodesic distances (Crane, Weischedel and
 * Wardetzky 2013): heat flow (M + t L) u = delta, unit field X = -grad u /
 * |grad u| per face, then the Poisson problem L phi = -div X. Both
 * matrices are factorised once by CHOLMOD; sources are solved in blocks. */
#include <math.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/shape.h>

enum { HEAT_BLOCK = 32 };

struct pv_shape_heat {
  const pv_mesh *m;
  pv_sparse_chol *fheat, *fpois;
  double *gb;   /* per face, per corner: gradient basis (N x e_c) / (2A)^2 * 2A... (3 x 3) */
  double *cot;  /* per face, per corner: cotangent of the angle at the corner */
  double *U, *P; /* nv x HEAT_BLOCK */
};

void pv_shape_heat_destroy(pv_shape_heat **h) {
  if (!h || !*h) return;
  pv_sparse_chol_destroy(&(*h)->fheat);
  pv_sparse_chol_destroy(&(*h)->fpois);
  pv_free((*h)->gb);
  pv_free((*h)->cot);
  pv_free((*h)->U);
  pv_free((*h)->P);
  pv_free(*h);
  *h = NULL;
}

static void face_geometry(const pv_mesh *m, int64_t t, double *gb, double *cot) {
  const int64_t *c = m->f + 3 * t;
  double e[3][3], N[3];
  for (int q = 0; q < 3; q++)
    for (int a = 0; a < 3; a++) e[q][a] = m->v[3 * c[(q + 2) % 3] + a] - m->v[3 * c[(q + 1) % 3] + a];
  N[0] = e[2][1] * e[0][2] - e[2][2] * e[0][1];
  N[1] = e[2][2] * e[0][0] - e[2][0] * e[0][2];
  N[2] = e[2][0] * e[0][1] - e[2][1] * e[0][0];
  double n2 = N[0] * N[0] + N[1] * N[1] + N[2] * N[2], nn = sqrt(n2);
  for (int q = 0; q < 3; q++) {
    double x[3] = {N[1] * e[q][2] - N[2] * e[q][1], N[2] * e[q][0] - N[0] * e[q][2], N[0] * e[q][1] - N[1] * e[q][0]};
    for (int a = 0; a < 3; a++) gb[3 * q + a] = n2 > 0 ? x[a] / n2 : 0;
    /* angle at corner q between edges to q+1 and q+2: -e[q+2] and e[q+1]. */
    const double *u = e[(q + 2) % 3], *w = e[(q + 1) % 3];
    double dot = -(u[0] * w[0] + u[1] * w[1] + u[2] * w[2]);
    cot[q] = nn > 0 ? dot / nn : 0;
  }
}

static int factor(pv_ctx *ctx, pv_sparse *A, pv_sparse_chol **f) {
  int rc = pv_sparse_chol_create(ctx, A, f);
  if (!rc) rc = pv_sparse_chol_factorize(*f, A, 0.0);
  return rc;
}

int pv_shape_heat_create(pv_ctx *ctx, const pv_mesh *m, double t_factor, pv_shape_heat **out) {
  if (!m || !out) return PV_ERROR(PV_EINVAL, "heat method: NULL argument");
  *out = NULL;
  if (!(t_factor > 0)) t_factor = 1;
  pv_sparse *L = NULL, *M = NULL, *A = NULL;
  pv_shape_heat *h = pv_calloc(1, sizeof *h);
  if (!h) return PV_ENOMEM;
  h->m = m;
  int rc = pv_shape_cotan_laplacian(ctx, m, &L);
  if (!rc) rc = pv_shape_mass(ctx, m, 0, &M);
  double hl = 0, area = pv_mesh_area(m);
  for (int64_t t = 0; !rc && t < m->nf; t++)
    for (int k = 0; k < 3; k++) {
      const double *p = m->v + 3 * m->f[3 * t + k], *q = m->v + 3 * m->f[3 * t + (k + 1) % 3];
      hl += sqrt((p[0] - q[0]) * (p[0] - q[0]) + (p[1] - q[1]) * (p[1] - q[1]) + (p[2] - q[2]) * (p[2] - q[2]));
    }
  hl /= 3.0 * (double)(m->nf > 0 ? m->nf : 1);
  double t = t_factor * hl * hl;
  if (!rc) rc = pv_sparse_add(ctx, 1.0, M, t, L, &A);
  if (!rc) rc = factor(ctx, A, &h->fheat);
  pv_sparse_destroy(&A);
  if (!rc) rc = pv_sparse_add(ctx, 1.0, L, 1e-10 / (area > 0 ? area : 1), M, &A);
  if (!rc) rc = factor(ctx, A, &h->fpois);
  h->gb = pv_malloc((size_t)m->nf * 9 * sizeof(double) + 8);
  h->cot = pv_malloc((size_t)m->nf * 3 * sizeof(double) + 8);
  h->U = pv_malloc((size_t)m->nv * HEAT_BLOCK * sizeof(double));
  h->P = pv_malloc((size_t)m->nv * HEAT_BLOCK * sizeof(double));
  if (!rc && (!h->gb || !h->cot || !h->U || !h->P)) rc = PV_ENOMEM;
  for (int64_t f = 0; !rc && f < m->nf; f++) face_geometry(m, f, h->gb + 9 * f, h->cot + 3 * f);
  pv_sparse_destroy(&L);
  pv_sparse_destroy(&M);
  pv_sparse_destroy(&A);
  if (rc) {
    pv_shape_heat_destroy(&h);
    return PV_ERROR(rc, "heat-method set-up (%lld vertices)", (long long)m->nv);
  }
  *out = h;
  return 0;
}

/* Right-hand side -div X for one column u (in place into b). */
static void divergence(const pv_shape_heat *h, const double *u, double *b) {
  const pv_mesh *m = h->m;
  memset(b, 0, (size_t)m->nv * sizeof *b);
  for (int64_t t = 0; t < m->nf; t++) {
    const int64_t *c = m->f + 3 * t;
    const double *gb = h->gb + 9 * t, *ct = h->cot + 3 * t;
    double g[3] = {0, 0, 0};
    for (int q = 0; q < 3; q++)
      for (int a = 0; a < 3; a++) g[a] += u[c[q]] * gb[3 * q + a];
    double gn = sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]);
    if (!(gn > 0)) continue;
    double X[3] = {-g[0] / gn, -g[1] / gn, -g[2] / gn};
    for (int q = 0; q < 3; q++) {
      const double *p = m->v + 3 * c[q], *p1 = m->v + 3 * c[(q + 1) % 3], *p2 = m->v + 3 * c[(q + 2) % 3];
      double e1 = (p1[0] - p[0]) * X[0] + (p1[1] - p[1]) * X[1] + (p1[2] - p[2]) * X[2];
      double e2 = (p2[0] - p[0]) * X[0] + (p2[1] - p[1]) * X[1] + (p2[2] - p[2]) * X[2];
      /* cot of the angle opposite edge p->p1 is at corner q+2, opposite p->p2 at q+1. */
      b[c[q]] -= 0.5 * (ct[(q + 2) % 3] * e1 + ct[(q + 1) % 3] * e2);
    }
  }
}

int pv_shape_heat_distance(pv_shape_heat *h, int ns, const int64_t *src, double *dist) {
  if (!h || !src || !dist || ns < 0) return PV_ERROR(PV_EINVAL, "heat distance: NULL argument");
  int64_t nv = h->m->nv;
  for (int s = 0; s < ns; s++)
    if (src[s] < 0 || src[s] >= nv) return PV_ERROR(PV_EINVAL, "heat distance: source %d = %lld outside [0, %lld)", s, (long long)src[s], (long long)nv);
  for (int s0 = 0; s0 < ns; s0 += HEAT_BLOCK) {
    int nb = ns - s0 < HEAT_BLOCK ? ns - s0 : HEAT_BLOCK;
    memset(h->U, 0, (size_t)nv * nb * sizeof(double));
    for (int j = 0; j < nb; j++) h->U[src[s0 + j] + nv * j] = 1;
    int rc = pv_sparse_chol_solve(h->fheat, nb, h->U, nv, h->U, nv);
    if (rc) return rc;
    for (int j = 0; j < nb; j++) divergence(h, h->U + nv * j, h->P + nv * j);
    double *D = dist + nv * (int64_t)s0;
    if ((rc = pv_sparse_chol_solve(h->fpois, nb, h->P, nv, D, nv))) return rc;
    /* L phi = -div X with L = -Delta: phi grows away from the source. */
    for (int j = 0; j < nb; j++) {
      double *d = D + nv * j, d0 = d[src[s0 + j]];
      for (int64_t v = 0; v < nv; v++) d[v] = fmax(0.0, d[v] - d0);
    }
  }
  return 0;
}
