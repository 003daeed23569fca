/* shape/evaluate.c - ground truth (.vts) and the benchmark geodesic error. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/fileout.h>
#include <parseval/shape.h>

int pv_shape_read_vts(const char *path, int64_t **idx, int64_t *n) {
  if (!path || !idx || !n) return PV_ERROR(PV_EINVAL, "read .vts: NULL argument");
  *idx = NULL;
  *n = 0;
  char *data = NULL;
  size_t len = 0;
  int rc = pv_file_read_all(path, (size_t)1 << 30, &data, &len);
  if (rc) return rc;
  int64_t cap = 1, cnt = 0, line = 1;
  for (size_t i = 0; i < len; i++) cap += data[i] == '\n';
  int64_t *out = pv_malloc((size_t)cap * sizeof *out);
  if (!out) { pv_free(data); return PV_ENOMEM; }
  char *p = data;
  while (*p) {
    while (*p == ' ' || *p == '\t' || *p == '\r') p++;
    if (*p == '\n') { p++; line++; continue; }
    if (!*p) break;
    char *end;
    long long v = strtoll(p, &end, 10);
    if (end == p || v < 1 || v > ((int64_t)1 << 40) || cnt >= cap) {
      rc = PV_ERROR(PV_EFORMAT, "%s: line %lld: expected a 1-based vertex index, found '%.20s'", path, (long long)line, p);
      break;
    }
    out[cnt++] = v - 1;
    p = end;
    while (*p == ' ' || *p == '\t' || *p == '\r') p++;
    if (*p && *p != '\n') {
      rc = PV_ERROR(PV_EFORMAT, "%s: line %lld: one index per line expected", path, (long long)line);
      break;
    }
  }
  pv_free(data);
  if (!rc && cnt == 0) rc = PV_ERROR(PV_EFORMAT, "%s: no indices", path);
  if (rc) { pv_free(out); return rc; }
  *idx = out;
  *n = cnt;
  return 0;
}

typedef struct { int64_t src, i; } pair;
static int cmp_pair(const void *a, const void *b) {
  const pair *x = a, *y = b;
  return x->src < y->src ? -1 : x->src > y->src;
}

enum { ERR_BLOCK = 32 };

int pv_shape_geodesic_error(pv_ctx *ctx, const pv_mesh *mx, int method, const int64_t *T, int64_t ny,
                            const int64_t *gt_x, const int64_t *gt_y, int64_t ngt, double *err, double *mean) {
  if (!mx || !T || !gt_x || !gt_y || !mean || ngt < 1 || (method != 0 && method != 1))
    return PV_ERROR(PV_EINVAL, "geodesic error: bad arguments");
  int64_t np = 0;
  pair *P = pv_malloc((size_t)ngt * sizeof *P);
  if (!P) return PV_ENOMEM;
  for (int64_t i = 0; i < ngt; i++) {
    if (err) err[i] = NAN;
    if (gt_x[i] < 0 || gt_y[i] < 0) continue;
    if (gt_x[i] >= mx->nv || gt_y[i] >= ny) {
      pv_free(P);
      return PV_ERROR(PV_EINVAL, "ground truth pair %lld: (%lld, %lld) outside the meshes (%lld, %lld vertices)", (long long)i,
                      (long long)gt_x[i], (long long)gt_y[i], (long long)mx->nv, (long long)ny);
    }
    if (T[gt_y[i]] < 0 || T[gt_y[i]] >= mx->nv) {
      pv_free(P);
      return PV_ERROR(PV_EINVAL, "map entry %lld = %lld outside [0, %lld)", (long long)gt_y[i], (long long)T[gt_y[i]], (long long)mx->nv);
    }
    P[np++] = (pair){gt_x[i], i};
  }
  qsort(P, (size_t)np, sizeof *P, cmp_pair);
  int64_t nsrc = 0;
  for (int64_t i = 0; i < np; i++) nsrc += i == 0 || P[i].src != P[i - 1].src;
  int64_t *src = pv_malloc((size_t)(nsrc + 1) * sizeof *src), *first = pv_malloc((size_t)(nsrc + 2) * sizeof *first);
  double *D = pv_malloc((size_t)mx->nv * ERR_BLOCK * sizeof *D);
  pv_shape_heat *h = NULL;
  int rc = src && first && D ? 0 : PV_ENOMEM;
  for (int64_t i = 0, s = 0; !rc && i < np; i++)
    if (i == 0 || P[i].src != P[i - 1].src) { src[s] = P[i].src; first[s++] = i; }
  if (!rc) first[nsrc] = np;
  if (!rc && method == 0) rc = pv_shape_heat_create(ctx, mx, 1.0, &h);
  double sq = sqrt(pv_mesh_area(mx)), sum = 0;
  for (int64_t s0 = 0; !rc && s0 < nsrc; s0 += ERR_BLOCK) {
    int nb = (int)(nsrc - s0 < ERR_BLOCK ? nsrc - s0 : ERR_BLOCK);
    if (method == 0) rc = pv_shape_heat_distance(h, nb, src + s0, D);
    for (int j = 0; !rc && j < nb; j++) {
      double *d = D + mx->nv * j;
      if (method == 1) rc = pv_shape_dijkstra(mx, src[s0 + j], first[s0 + j + 1] - first[s0 + j] == 1 ? T[gt_y[P[first[s0 + j]].i]] : -1, d);
      for (int64_t q = first[s0 + j]; !rc && q < first[s0 + j + 1]; q++) {
        double e = d[T[gt_y[P[q].i]]] / sq;
        if (err) err[P[q].i] = e;
        sum += e;
      }
    }
    if (!rc) rc = pv_ctx_progress(ctx, (double)(s0 + nb) / (double)nsrc, "geodesic error");
  }
  *mean = np ? sum / (double)np : NAN;
  pv_shape_heat_destroy(&h);
  pv_free(P); pv_free(src); pv_free(first); pv_free(D);
  return rc;
}
