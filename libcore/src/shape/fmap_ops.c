/* shape/fmap_ops.c - projections and the multiplicative / orientation
 * operators of descriptors in a truncated eigenbasis. */
#include <math.h>
#include <string.h>

#include <cblas.h>

#include <parseval/alloc.h>
#include <parseval/error.h>

#include "fmap_ops.h"

int pv_fmap_project(const pv_shape_basis *b, int k, const double *D, int nd, double *A) {
  double *MD = pv_malloc((size_t)b->n * (size_t)nd * sizeof *MD);
  if (!MD) return PV_ENOMEM;
  for (int j = 0; j < nd; j++)
    for (int64_t v = 0; v < b->n; v++) MD[v + b->n * j] = b->mass[v] * D[v + b->n * j];
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, k, nd, (int)b->n, 1.0, b->evecs, (int)b->n, MD, (int)b->n,
              0.0, A, k);
  pv_free(MD);
  return 0;
}

int pv_fmap_mult_op(const pv_shape_basis *b, int k, const double *f, double *G) {
  double *W = pv_malloc((size_t)b->n * (size_t)k * sizeof *W);
  if (!W) return PV_ENOMEM;
  for (int j = 0; j < k; j++)
    for (int64_t v = 0; v < b->n; v++) W[v + b->n * j] = b->mass[v] * f[v] * b->evecs[v + b->n * j];
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, k, k, (int)b->n, 1.0, b->evecs, (int)b->n, W, (int)b->n,
              0.0, G, k);
  pv_free(W);
  return 0;
}

/* Per face t with unit normal N and area A, the gradient of a linear
 * function is sum_c f_c (N x e_c) / (2A) (e_c the edge opposite corner c,
 * counter-clockwise), and n . (grad f x grad phi_c) = grad f . e_c / (2A).
 * Integrating against the hat functions (A/3 each) gives the weights
 * s_c = grad f . e_c / 6 shared by the three corners of t. */
int pv_fmap_orient_op(const pv_shape_basis *b, const pv_mesh *m, int k, const double *f, double *O) {
  if (!m || m->nv != b->n) return PV_ERROR(PV_EINVAL, "orientation term: mesh does not match the basis");
  double *W = pv_calloc((size_t)b->n * (size_t)k, sizeof *W);
  if (!W) return PV_ENOMEM;
  for (int64_t t = 0; t < m->nf; t++) {
    const int64_t *c = m->f + 3 * t;
    double e[3][3], N[3], g[3] = {0, 0, 0}, s[3];
    for (int q = 0; q < 3; q++)
      for (int a = 0; a < 3; a++) e[q][a] = m->v[3 * c[(q + 2) % 3] + a] - m->v[3 * c[(q + 1) % 3] + a];
    N[0] = e[2][1] * e[0][2] - e[2][2] * e[0][1];
    N[1] = e[2][2] * e[0][0] - e[2][0] * e[0][2];
    N[2] = e[2][0] * e[0][1] - e[2][1] * e[0][0];
    double n2 = sqrt(N[0] * N[0] + N[1] * N[1] + N[2] * N[2]);
    if (!(n2 > 0)) continue;
    for (int q = 0; q < 3; q++) {
      double x[3] = {N[1] * e[q][2] - N[2] * e[q][1], N[2] * e[q][0] - N[0] * e[q][2], N[0] * e[q][1] - N[1] * e[q][0]};
      for (int a = 0; a < 3; a++) g[a] += f[c[q]] * x[a] / (n2 * n2); /* |N| = 2A, unit normal: N/n2 */
    }
    for (int q = 0; q < 3; q++) s[q] = (g[0] * e[q][0] + g[1] * e[q][1] + g[2] * e[q][2]) / 6.0;
    for (int j = 0; j < k; j++) {
      const double *phi = b->evecs + b->n * j;
      double val = s[0] * phi[c[0]] + s[1] * phi[c[1]] + s[2] * phi[c[2]];
      for (int q = 0; q < 3; q++) W[c[q] + b->n * j] += val;
    }
  }
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, k, k, (int)b->n, 1.0, b->evecs, (int)b->n, W, (int)b->n,
              0.0, O, k);
  pv_free(W);
  return 0;
}
