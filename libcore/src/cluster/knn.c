/* knn.c - exact k-nearest-neighbour affinity graphs (brute force). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/cluster.h>
#include <parseval/error.h>

typedef struct {
  int64_t a, b; /* a < b */
  double w;
} edge;

static int by_pair(const void *x, const void *y) {
  const edge *p = x, *q = y;
  if (p->a != q->a)
    return p->a < q->a ? -1 : 1;
  return (p->b > q->b) - (p->b < q->b);
}

/* Indices and squared distances of the k nearest points to i (ascending),
 * by insertion into a sorted list (k is small). */
static void nearest(const double *P, int64_t n, int d, int64_t i, int k, int64_t *idx,
                    double *dist) {
  int m = 0;
  const double *xi = P + i * d;
  for (int64_t j = 0; j < n; j++) {
    if (j == i)
      continue;
    const double *xj = P + j * d;
    double s = 0;
    for (int c = 0; c < d; c++)
      s += (xi[c] - xj[c]) * (xi[c] - xj[c]);
    if (m == k && s >= dist[k - 1])
      continue;
    int p = m < k ? m++ : k - 1;
    while (p > 0 && dist[p - 1] > s) {
      dist[p] = dist[p - 1], idx[p] = idx[p - 1];
      p--;
    }
    dist[p] = s, idx[p] = j;
  }
}

static int read_knn_options(const pv_cluster_knn_options *opt, int64_t n,
                            pv_cluster_knn_options *o) {
  pv_cluster_knn_options def = PV_CLUSTER_KNN_OPTIONS_INIT;
  *o = def;
  if (opt) {
    if (opt->struct_size < sizeof(size_t) + sizeof(int) || opt->struct_size > sizeof *o)
      return PV_ERROR(PV_EINVAL, "knn graph: options struct_size %zu", opt->struct_size);
    memcpy(o, opt, opt->struct_size);
  }
  if (o->k < 1 || o->k >= n || o->local_k < 1 || o->local_k > o->k || o->sigma < 0 ||
      !isfinite(o->sigma))
    return PV_ERROR(PV_EINVAL, "knn graph: k = %d, local_k = %d, sigma = %g for %lld points", o->k,
                    o->local_k, o->sigma, (long long)n);
  return 0;
}

/* Canonical (a < b) edge list -> symmetric CSC (union or mutual). */
static int edges_to_graph(edge *e, int64_t ne, int64_t n, int mutual, pv_sparse **W) {
  qsort(e, (size_t)ne, sizeof *e, by_pair);
  int64_t *r = pv_malloc(sizeof(int64_t) * (size_t)(2 * ne + 1));
  int64_t *c = pv_malloc(sizeof(int64_t) * (size_t)(2 * ne + 1));
  double *v = pv_malloc(sizeof(double) * (size_t)(2 * ne + 1));
  int st = 0;
  if (!r || !c || !v) {
    st = PV_ERROR(PV_ENOMEM, "knn graph: %lld edges", (long long)ne);
    goto done;
  }
  int64_t t = 0;
  for (int64_t q = 0; q < ne;) {
    int64_t q1 = q + 1;
    while (q1 < ne && e[q1].a == e[q].a && e[q1].b == e[q].b)
      q1++;
    if (!mutual || q1 - q > 1) {
      r[t] = e[q].a, c[t] = e[q].b, v[t++] = e[q].w;
      r[t] = e[q].b, c[t] = e[q].a, v[t++] = e[q].w;
    }
    q = q1;
  }
  st = pv_sparse_create_coo(NULL, n, n, t, r, c, v, W);
done:
  pv_free(r), pv_free(c), pv_free(v);
  return st;
}

int pv_cluster_knn_graph(pv_ctx *ctx, const double *points, int64_t n, int d,
                         const pv_cluster_knn_options *opt, pv_sparse **W) {
  if (!W || !points || n < 2 || d < 1)
    return PV_ERROR(PV_EINVAL, "knn graph: %lld points of dimension %d", (long long)n, d);
  *W = NULL;
  pv_cluster_knn_options o;
  int st = read_knn_options(opt, n, &o);
  if (st)
    return st;
  for (int64_t i = 0; i < n * d; i++)
    if (!isfinite(points[i]))
      return PV_ERROR(PV_EINVAL, "knn graph: point %lld, coordinate %d is not finite",
                      (long long)(i / d), (int)(i % d));
  int k = o.k;
  int64_t *idx = pv_malloc(sizeof(int64_t) * (size_t)(n * k));
  double *dist = pv_malloc(sizeof(double) * (size_t)(n * k));
  double *scale = pv_malloc(sizeof(double) * (size_t)n);
  edge *e = pv_malloc(sizeof(edge) * (size_t)(n * k));
  if (!idx || !dist || !scale || !e) {
    st = PV_ERROR(PV_ENOMEM, "knn graph: neighbour lists of %lld points", (long long)n);
    goto done;
  }
  int nthr = ctx ? pv_ctx_threads(ctx) : 1;
#pragma omp parallel for num_threads(nthr) schedule(dynamic, 64)
  for (int64_t i = 0; i < n; i++)
    nearest(points, n, d, i, k, idx + i * k, dist + i * k);
  for (int64_t i = 0; i < n; i++)
    scale[i] = o.sigma > 0 ? o.sigma : sqrt(dist[i * k + o.local_k - 1]);
  for (int64_t i = 0; i < n; i++)
    for (int q = 0; q < k; q++) {
      int64_t j = idx[i * k + q];
      double s2 = scale[i] * scale[j];
      double w = s2 > 0 ? exp(-dist[i * k + q] / s2) : (dist[i * k + q] > 0 ? 0 : 1);
      e[i * k + q] = (edge){i < j ? i : j, i < j ? j : i, w};
    }
  st = edges_to_graph(e, n * k, n, o.mutual, W);
done:
  pv_free(idx), pv_free(dist), pv_free(scale), pv_free(e);
  return st;
}
