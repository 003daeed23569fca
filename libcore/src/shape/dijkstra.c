/* shape/dijkstra.c - shortest paths along mesh edges (binary heap). */
#include <math.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/shape.h>

typedef struct { double d; int64_t v; } hnode;

static void heap_push(hnode *h, int64_t *n, hnode x) {
  int64_t i = (*n)++;
  while (i > 0 && h[(i - 1) / 2].d > x.d) { h[i] = h[(i - 1) / 2]; i = (i - 1) / 2; }
  h[i] = x;
}

static hnode heap_pop(hnode *h, int64_t *n) {
  hnode top = h[0], x = h[--(*n)];
  int64_t i = 0;
  for (;;) {
    int64_t c = 2 * i + 1;
    if (c >= *n) break;
    if (c + 1 < *n && h[c + 1].d < h[c].d) c++;
    if (h[c].d >= x.d) break;
    h[i] = h[c];
    i = c;
  }
  h[i] = x;
  return top;
}

int pv_shape_dijkstra(const pv_mesh *m, int64_t src, int64_t stop, double *dist) {
  if (!m || !dist || src < 0 || src >= m->nv) return PV_ERROR(PV_EINVAL, "Dijkstra: source %lld outside the mesh", (long long)src);
  int64_t nv = m->nv, ne = 6 * m->nf;
  int64_t *ptr = pv_calloc((size_t)nv + 1, sizeof *ptr), *adj = pv_malloc((size_t)ne * sizeof *adj + 8);
  hnode *h = pv_malloc((size_t)(ne + 1) * sizeof *h);
  unsigned char *done = pv_calloc((size_t)nv + 1, 1);
  int rc = ptr && adj && h && done ? 0 : PV_ENOMEM;
  if (rc) goto out;
  /* Both directions of each face edge (duplicates are harmless). */
  for (int64_t t = 0; t < m->nf; t++)
    for (int k = 0; k < 3; k++) { ptr[m->f[3 * t + k] + 1] += 2; }
  for (int64_t i = 0; i < nv; i++) ptr[i + 1] += ptr[i];
  int64_t *fill = pv_malloc((size_t)nv * sizeof *fill + 8);
  if (!fill) { rc = PV_ENOMEM; goto out; }
  memcpy(fill, ptr, (size_t)nv * sizeof *fill);
  for (int64_t t = 0; t < m->nf; t++)
    for (int k = 0; k < 3; k++) {
      int64_t a = m->f[3 * t + k];
      adj[fill[a]++] = m->f[3 * t + (k + 1) % 3];
      adj[fill[a]++] = m->f[3 * t + (k + 2) % 3];
    }
  pv_free(fill);
  for (int64_t i = 0; i < nv; i++) dist[i] = INFINITY;
  dist[src] = 0;
  int64_t hn = 0;
  heap_push(h, &hn, (hnode){0, src});
  while (hn > 0) {
    hnode x = heap_pop(h, &hn);
    if (done[x.v]) continue;
    done[x.v] = 1;
    if (x.v == stop) break;
    const double *p = m->v + 3 * x.v;
    for (int64_t e = ptr[x.v]; e < ptr[x.v + 1]; e++) {
      int64_t w = adj[e];
      if (done[w]) continue;
      const double *q = m->v + 3 * w;
      double d = x.d + sqrt((p[0] - q[0]) * (p[0] - q[0]) + (p[1] - q[1]) * (p[1] - q[1]) + (p[2] - q[2]) * (p[2] - q[2]));
      if (d < dist[w]) {
        dist[w] = d;
        if (hn <= ne) heap_push(h, &hn, (hnode){d, w});
      }
    }
  }
out:
  pv_free(ptr); pv_free(adj); pv_free(h); pv_free(done);
  return rc;
}
