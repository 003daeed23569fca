/* spectral.c - graph Laplacians, spectral embedding, normalised-cut
 * bipartition and k-way spectral clustering. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sparse/sparse_internal.h"
#include <parseval/alloc.h>
#include <parseval/cluster.h>
#include <parseval/eigen.h>
#include <parseval/error.h>

static int check_graph(const pv_sparse *W) {
  if (!W || W->nrow != W->ncol || W->nrow < 2)
    return PV_ERROR(PV_EINVAL, "graph: W must be square with at least 2 vertices");
  for (int64_t q = 0; q < W->p[W->ncol]; q++)
    if (!(W->x[q] >= 0) || !isfinite(W->x[q]))
      return PV_ERROR(PV_EINVAL, "graph: weight %g at entry %lld is negative or not finite",
                      W->x[q], (long long)q);
  return 0;
}

static void degrees(const pv_sparse *W, double *deg) {
  for (int64_t j = 0; j < W->ncol; j++) { /* symmetric: column sums */
    deg[j] = 0;
    for (int64_t q = W->p[j]; q < W->p[j + 1]; q++)
      deg[j] += W->x[q];
  }
}

int pv_cluster_laplacian(pv_ctx *ctx, const pv_sparse *W, int normalized, pv_sparse **L,
                         double *degree) {
  (void)ctx;
  int st = check_graph(W);
  if (st || !L)
    return st ? st : PV_ERROR(PV_EINVAL, "laplacian: L is NULL");
  *L = NULL;
  int64_t n = W->ncol;
  double *d = pv_malloc(sizeof(double) * (size_t)n);
  pv_sparse *D = NULL, *S = NULL;
  if (!d)
    return PV_ERROR(PV_ENOMEM, "laplacian: degrees of %lld vertices", (long long)n);
  degrees(W, d);
  if (degree)
    memcpy(degree, d, sizeof(double) * (size_t)n);
  for (int64_t i = 0; i < n && normalized && !st; i++)
    if (!(d[i] > 0))
      st = PV_ERROR(PV_ENUMERIC, "laplacian: vertex %lld has degree 0", (long long)i);
  if (!st && normalized) { /* S = D^{-1/2} W D^{-1/2}, L = I - S */
    if (!(st = pv_sparse_add(NULL, 1.0, W, 0.0, W, &S)))
      for (int64_t j = 0; j < n; j++)
        for (int64_t q = S->p[j]; q < S->p[j + 1]; q++)
          S->x[q] /= sqrt(d[S->i[q]] * d[j]);
    for (int64_t i = 0; i < n; i++)
      d[i] = 1;
  }
  if (!st)
    st = pv_sparse_create_diag(NULL, n, d, &D);
  if (!st)
    st = pv_sparse_add(NULL, 1.0, D, -1.0, S ? S : W, L);
  pv_sparse_destroy(&D), pv_sparse_destroy(&S);
  pv_free(d);
  return st;
}

int pv_cluster_embedding(pv_ctx *ctx, const pv_sparse *W, int k, double *lambda, double *X) {
  int st = check_graph(W);
  if (st)
    return st;
  if (!lambda || !X || k < 1 || k > W->ncol)
    return PV_ERROR(PV_EINVAL, "embedding: k = %d for %lld vertices", k, (long long)W->ncol);
  int64_t n = W->ncol;
  double *d = pv_malloc(sizeof(double) * (size_t)n);
  pv_sparse *L = NULL, *D = NULL;
  if (!d)
    return PV_ERROR(PV_ENOMEM, "embedding: degrees");
  st = pv_cluster_laplacian(ctx, W, 0, &L, d);
  for (int64_t i = 0; i < n && !st; i++)
    if (!(d[i] > 0))
      st = PV_ERROR(PV_ENUMERIC, "embedding: vertex %lld has degree 0 (isolated)", (long long)i);
  if (!st)
    st = pv_sparse_create_diag(NULL, n, d, &D);
  if (!st) { /* spectrum in [0, 2]; zero eigenvalues (components) make 1e-8 the
                 attainable residual level of the floored measure */
    pv_eigen_options eo = PV_EIGEN_OPTIONS_INIT;
    eo.tol = 1e-8;
    st = pv_eigen_pencil_solve(ctx, L, D, k, &eo, lambda, X, n, NULL);
  }
  for (int c = 0; c < k && !st; c++)
    for (int64_t i = 0; i < n; i++)
      X[c * n + i] *= sqrt(d[i]);
  pv_sparse_destroy(&L), pv_sparse_destroy(&D);
  pv_free(d);
  return st;
}

typedef struct {
  double v;
  int64_t i;
} vkey;

static int by_value(const void *a, const void *b) {
  const vkey *x = a, *y = b;
  return x->v < y->v ? -1 : x->v > y->v ? 1 : (x->i > y->i) - (x->i < y->i);
}

/* Sweep the vertices in Fiedler order; the best prefix S gets label 0. */
static int sweep_cut(const pv_sparse *W, const double *f, int *labels, double *ncut) {
  int64_t n = W->ncol;
  vkey *o = pv_malloc(sizeof(vkey) * (size_t)n);
  char *in = pv_calloc((size_t)n, 1);
  double *deg = pv_malloc(sizeof(double) * (size_t)n);
  if (!o || !in || !deg) {
    pv_free(o), pv_free(in), pv_free(deg);
    return PV_ERROR(PV_ENOMEM, "fiedler: sweep workspace");
  }
  degrees(W, deg);
  double vol = 0, vs = 0, cut = 0, best = INFINITY;
  for (int64_t i = 0; i < n; i++)
    vol += deg[i], o[i] = (vkey){f[i], i};
  qsort(o, (size_t)n, sizeof *o, by_value);
  int64_t tbest = 1;
  for (int64_t t = 0; t + 1 < n; t++) {
    int64_t v = o[t].i;
    for (int64_t q = W->p[v]; q < W->p[v + 1]; q++)
      if (W->i[q] != v)
        cut += in[W->i[q]] ? -W->x[q] : W->x[q];
    in[v] = 1;
    vs += deg[v];
    double cp = cut > 0 ? cut : 0; /* rounding when the cut is empty */
    double nc = cp / vs + cp / (vol - vs);
    if (nc < best)
      best = nc, tbest = t + 1;
  }
  for (int64_t t = 0; t < n; t++)
    labels[o[t].i] = t < tbest ? 0 : 1;
  if (ncut)
    *ncut = best;
  pv_free(o), pv_free(in), pv_free(deg);
  return 0;
}

int pv_cluster_fiedler(pv_ctx *ctx, const pv_sparse *W, int *labels, double *fiedler,
                       double *ncut) {
  if (!labels)
    return PV_ERROR(PV_EINVAL, "fiedler: labels is NULL");
  int64_t n = W ? W->ncol : 0;
  double lam[2], *X = pv_malloc(sizeof(double) * (size_t)(2 * (n > 0 ? n : 1)));
  if (!X)
    return PV_ERROR(PV_ENOMEM, "fiedler: embedding of %lld vertices", (long long)n);
  int st = pv_cluster_embedding(ctx, W, 2, lam, X);
  if (!st)
    st = sweep_cut(W, X + n, labels, ncut);
  if (!st && fiedler)
    memcpy(fiedler, X + n, sizeof(double) * (size_t)n);
  pv_free(X);
  return st;
}

int pv_cluster_spectral(pv_ctx *ctx, const pv_sparse *W, int k,
                        const pv_cluster_kmeans_options *opt, int *labels) {
  if (!labels || !W || k < 1)
    return PV_ERROR(PV_EINVAL, "spectral clustering: bad argument (k = %d)", k);
  int64_t n = W->ncol;
  double *X = pv_malloc(sizeof(double) * (size_t)(n * k));
  double *P = pv_malloc(sizeof(double) * (size_t)(n * k));
  double *lam = pv_malloc(sizeof(double) * (size_t)k);
  int st = (!X || !P || !lam) ? PV_ERROR(PV_ENOMEM, "spectral clustering: embedding") : 0;
  if (!st)
    st = pv_cluster_embedding(ctx, W, k, lam, X);
  for (int64_t i = 0; i < n && !st; i++) { /* rows to unit length (NJW) */
    double s = 0;
    for (int c = 0; c < k; c++)
      s += X[c * n + i] * X[c * n + i];
    s = s > 0 ? 1 / sqrt(s) : 0;
    for (int c = 0; c < k; c++)
      P[i * k + c] = X[c * n + i] * s;
  }
  if (!st)
    st = pv_cluster_kmeans(ctx, P, n, k, k, opt, labels, NULL, NULL);
  pv_free(X), pv_free(P), pv_free(lam);
  return st;
}
