/* shape-match plugin: geodesic error on a point cloud, where the heat
 * method (which needs faces) cannot run: shortest paths on the symmetrised
 * k-nearest-neighbour graph (Euclidean edge lengths), one Dijkstra per
 * ground-truth pair, stopped when the mapped point is settled. */
#include "match.h"

#include <math.h>
#include <string.h>

typedef struct {
  int64_t n;
  int64_t *ptr, *adj; /* CSR adjacency, ptr[n + 1] */
  double *len;        /* edge lengths */
  double *dist;       /* n, INFINITY = not reached */
  int64_t *heap, *pos; /* binary min-heap of vertices on dist; pos -1 = not in heap */
  int64_t nh;
  int64_t *touched;   /* vertices whose dist was set, to reset them */
  int64_t nt;
} kg;

static void kg_free(kg *g) {
  pv_free(g->ptr);
  pv_free(g->adj);
  pv_free(g->len);
  pv_free(g->dist);
  pv_free(g->heap);
  pv_free(g->pos);
  pv_free(g->touched);
}

static double d3(const double *a, const double *b) {
  return sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));
}

/* Edges i -> nb[i][j] and their reverses (duplicates are harmless). */
static int kg_build(const pv_mesh *x, int k, kg *g) {
  int64_t n = x->nv, *nb = pv_malloc((size_t)n * k * sizeof *nb);
  memset(g, 0, sizeof *g);
  g->n = n;
  g->ptr = pv_calloc((size_t)n + 1, sizeof *g->ptr);
  g->adj = pv_malloc((size_t)n * k * 2 * sizeof *g->adj);
  g->len = pv_malloc((size_t)n * k * 2 * sizeof *g->len);
  g->dist = pv_malloc((size_t)n * sizeof *g->dist);
  g->heap = pv_malloc((size_t)n * sizeof *g->heap);
  g->pos = pv_malloc((size_t)n * sizeof *g->pos);
  g->touched = pv_malloc((size_t)n * sizeof *g->touched);
  int rc = nb && g->ptr && g->adj && g->len && g->dist && g->heap && g->pos && g->touched ? 0 : PV_ENOMEM;
  if (!rc) rc = pv_shape_knn3(x->v, n, k, nb);
  for (int64_t i = 0; !rc && i < n; i++)
    for (int j = 0; j < k; j++) { g->ptr[i + 1]++; g->ptr[nb[i * k + j] + 1]++; }
  for (int64_t i = 0; !rc && i < n; i++) g->ptr[i + 1] += g->ptr[i];
  int64_t *fill = rc ? NULL : pv_malloc((size_t)n * sizeof *fill);
  if (!rc && !fill) rc = PV_ENOMEM;
  if (!rc) memcpy(fill, g->ptr, (size_t)n * sizeof *fill);
  for (int64_t i = 0; !rc && i < n; i++)
    for (int j = 0; j < k; j++) {
      int64_t b = nb[i * k + j];
      double l = d3(x->v + 3 * i, x->v + 3 * b);
      g->adj[fill[i]] = b; g->len[fill[i]++] = l;
      g->adj[fill[b]] = i; g->len[fill[b]++] = l;
    }
  for (int64_t i = 0; !rc && i < n; i++) { g->dist[i] = INFINITY; g->pos[i] = -1; }
  pv_free(fill);
  pv_free(nb);
  if (rc) kg_free(g);
  return rc;
}

static void sift_up(kg *g, int64_t i) {
  int64_t v = g->heap[i];
  while (i > 0 && g->dist[g->heap[(i - 1) / 2]] > g->dist[v]) {
    g->heap[i] = g->heap[(i - 1) / 2];
    g->pos[g->heap[i]] = i;
    i = (i - 1) / 2;
  }
  g->heap[i] = v;
  g->pos[v] = i;
}

static int64_t pop(kg *g) {
  int64_t top = g->heap[0], v = g->heap[--g->nh], i = 0;
  g->pos[top] = -1;
  if (!g->nh) return top;
  for (;;) {
    int64_t c = 2 * i + 1;
    if (c >= g->nh) break;
    if (c + 1 < g->nh && g->dist[g->heap[c + 1]] < g->dist[g->heap[c]]) c++;
    if (g->dist[g->heap[c]] >= g->dist[v]) break;
    g->heap[i] = g->heap[c];
    g->pos[g->heap[i]] = i;
    i = c;
  }
  g->heap[i] = v;
  g->pos[v] = i;
  return top;
}

/* Graph distance from s to t (INFINITY when unreachable). */
static double kg_distance(kg *g, int64_t s, int64_t t) {
  double out = INFINITY;
  g->dist[s] = 0;
  g->touched[g->nt++] = s;
  g->heap[0] = s;
  g->pos[s] = 0;
  g->nh = 1;
  while (g->nh) {
    int64_t u = pop(g);
    if (u == t) { out = g->dist[u]; break; }
    for (int64_t e = g->ptr[u]; e < g->ptr[u + 1]; e++) {
      int64_t v = g->adj[e];
      double d = g->dist[u] + g->len[e];
      if (!(d < g->dist[v])) continue;
      if (isinf(g->dist[v])) g->touched[g->nt++] = v;
      g->dist[v] = d;
      if (g->pos[v] < 0) { g->heap[g->nh] = v; g->pos[v] = g->nh++; }
      sift_up(g, g->pos[v]);
    }
  }
  for (int64_t i = 0; i < g->nt; i++) { g->dist[g->touched[i]] = INFINITY; g->pos[g->touched[i]] = -1; }
  g->nt = g->nh = 0;
  return out;
}

static int cloud_area(pv_ctx *ctx, const pv_mesh *x, double *area) {
  pv_sparse *L = NULL, *M = NULL;
  int rc = pv_shape_pointcloud_laplacian(ctx, x->v, x->nv, 30, 1e-5, &L, &M);
  if (!rc) {
    const int64_t *cp, *ri;
    const double *val;
    pv_sparse_csc(M, &cp, &ri, &val);
    *area = 0;
    for (int64_t e = 0; e < cp[pv_sparse_ncol(M)]; e++) *area += val[e];
  }
  pv_sparse_destroy(&L);
  pv_sparse_destroy(&M);
  return rc;
}

int sm_knn_geodesic_error(pv_ctx *ctx, const pv_mesh *x, const int64_t *T, int64_t ny, const int64_t *gt_x,
                          const int64_t *gt_y, int64_t ngt, double *mean, int64_t *unreached) {
  if (x->nv <= SM_KNN_GRAPH) return PV_ERROR(PV_EINVAL, "k-NN geodesics: %lld points, need more than %d",
                                             (long long)x->nv, SM_KNN_GRAPH);
  double area = 0, sum = 0;
  int64_t used = 0;
  *unreached = 0;
  kg g;
  int rc = cloud_area(ctx, x, &area);
  if (!rc) rc = kg_build(x, SM_KNN_GRAPH, &g);
  if (rc) return rc;
  for (int64_t i = 0; i < ngt; i++) {
    if (gt_x[i] < 0 || gt_y[i] < 0) continue;
    if (gt_x[i] >= x->nv || gt_y[i] >= ny) { rc = PV_ERROR(PV_EINVAL, "ground truth pair %lld out of range", (long long)i + 1); break; }
    int64_t t = T[gt_y[i]];
    double d = kg_distance(&g, gt_x[i], t);
    if (isinf(d)) { d = d3(x->v + 3 * gt_x[i], x->v + 3 * t); (*unreached)++; }
    sum += d;
    used++;
    if (i % 256 == 0 && (rc = pv_ctx_progress(ctx, (double)i / (double)ngt, "k-NN geodesic error"))) break;
  }
  kg_free(&g);
  if (rc) return rc;
  if (!used) return PV_ERROR(PV_EINVAL, "k-NN geodesics: no ground-truth pairs");
  if (!(area > 0)) return PV_ERROR(PV_ENUMERIC, "k-NN geodesics: point-cloud area %g", area);
  *mean = sum / (double)used / sqrt(area);
  return 0;
}
