/* kmeans.c - Lloyd's k-means with k-means++ seeding and restarts. */
#include <math.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/cluster.h>
#include <parseval/error.h>
#include <parseval/rng.h>

static double dist2(const double *a, const double *b, int d) {
  double s = 0;
  for (int c = 0; c < d; c++)
    s += (a[c] - b[c]) * (a[c] - b[c]);
  return s;
}

/* k-means++: first centre uniform, each next one drawn with probability
 * proportional to the squared distance to the nearest chosen centre. */
static void seed_pp(pv_rng *g, const double *P, int64_t n, int d, int k, double *C, double *D2) {
  memcpy(C, P + (int64_t)pv_rng_below(g, (uint64_t)n) * d, sizeof(double) * (size_t)d);
  for (int64_t i = 0; i < n; i++)
    D2[i] = dist2(P + i * d, C, d);
  for (int c = 1; c < k; c++) {
    double total = 0;
    for (int64_t i = 0; i < n; i++)
      total += D2[i];
    double u = pv_rng_uniform(g) * total, acc = 0;
    int64_t pick = n - 1;
    for (int64_t i = 0; i < n && total > 0; i++)
      if ((acc += D2[i]) > u) {
        pick = i;
        break;
      }
    if (!(total > 0)) /* fewer distinct points than k */
      pick = (int64_t)pv_rng_below(g, (uint64_t)n);
    memcpy(C + (int64_t)c * d, P + pick * d, sizeof(double) * (size_t)d);
    for (int64_t i = 0; i < n; i++)
      D2[i] = fmin(D2[i], dist2(P + i * d, C + (int64_t)c * d, d));
  }
}

/* Lloyd iterations from centres C; returns the inertia. */
static double lloyd(const double *P, int64_t n, int d, int k, const pv_cluster_kmeans_options *o,
                    double *C, double *Cn, int64_t *cnt, int *lab, double *D2) {
  double inertia = 0;
  for (int it = 0; it < o->max_iter; it++) {
    inertia = 0;
    for (int64_t i = 0; i < n; i++) {
      int best = 0;
      double bd = INFINITY;
      for (int c = 0; c < k; c++) {
        double s = dist2(P + i * d, C + (int64_t)c * d, d);
        if (s < bd)
          bd = s, best = c;
      }
      lab[i] = best, D2[i] = bd, inertia += bd;
    }
    memset(Cn, 0, sizeof(double) * (size_t)(k * d));
    memset(cnt, 0, sizeof(int64_t) * (size_t)k);
    for (int64_t i = 0; i < n; i++) {
      cnt[lab[i]]++;
      for (int c = 0; c < d; c++)
        Cn[(int64_t)lab[i] * d + c] += P[i * d + c];
    }
    double shift = 0;
    for (int c = 0; c < k; c++) {
      if (cnt[c] == 0) { /* empty cluster: restart it at the worst-served point */
        int64_t far = 0;
        for (int64_t i = 1; i < n; i++)
          if (D2[i] > D2[far])
            far = i;
        memcpy(Cn + (int64_t)c * d, P + far * d, sizeof(double) * (size_t)d);
        D2[far] = 0;
        shift = INFINITY;
      } else {
        for (int q = 0; q < d; q++)
          Cn[(int64_t)c * d + q] /= (double)cnt[c];
        shift = fmax(shift, dist2(Cn + (int64_t)c * d, C + (int64_t)c * d, d));
      }
    }
    memcpy(C, Cn, sizeof(double) * (size_t)(k * d));
    if (shift <= o->tol * o->tol)
      break;
  }
  return inertia;
}

int pv_cluster_kmeans(pv_ctx *ctx, const double *points, int64_t n, int d, int k,
                      const pv_cluster_kmeans_options *opt, int *labels, double *centers,
                      double *inertia) {
  pv_cluster_kmeans_options o = PV_CLUSTER_KMEANS_OPTIONS_INIT;
  if (opt) {
    if (opt->struct_size < sizeof(size_t) + sizeof(int) || opt->struct_size > sizeof o)
      return PV_ERROR(PV_EINVAL, "kmeans: options struct_size %zu", opt->struct_size);
    memcpy(&o, opt, opt->struct_size);
  }
  if (!points || !labels || n < 1 || d < 1 || k < 1 || k > n || o.restarts < 1 || o.max_iter < 1 ||
      !(o.tol >= 0))
    return PV_ERROR(PV_EINVAL, "kmeans: %lld points, d = %d, k = %d, restarts %d, max_iter %d",
                    (long long)n, d, k, o.restarts, o.max_iter);
  for (int64_t i = 0; i < n * d; i++)
    if (!isfinite(points[i]))
      return PV_ERROR(PV_EINVAL, "kmeans: point %lld is not finite", (long long)(i / d));
  double *C = pv_malloc(sizeof(double) * (size_t)(3 * k * d));
  double *D2 = pv_malloc(sizeof(double) * (size_t)n);
  int64_t *cnt = pv_malloc(sizeof(int64_t) * (size_t)k);
  int *lab = pv_malloc(sizeof(int) * (size_t)n);
  if (!C || !D2 || !cnt || !lab) {
    pv_free(C), pv_free(D2), pv_free(cnt), pv_free(lab);
    return PV_ERROR(PV_ENOMEM, "kmeans: workspace for %lld points", (long long)n);
  }
  double best = INFINITY, *Cbest = C + 2 * k * d;
  uint64_t seed = ctx ? pv_ctx_seed(ctx) : 0;
  for (int r = 0; r < o.restarts; r++) {
    pv_rng g;
    pv_rng_init(&g, seed, 0x6b6d0000u + (uint64_t)r);
    seed_pp(&g, points, n, d, k, C, D2);
    double in = lloyd(points, n, d, k, &o, C, C + k * d, cnt, lab, D2);
    if (in < best) {
      best = in;
      memcpy(labels, lab, sizeof(int) * (size_t)n);
      memcpy(Cbest, C, sizeof(double) * (size_t)(k * d));
    }
  }
  if (centers)
    memcpy(centers, Cbest, sizeof(double) * (size_t)(k * d));
  if (inertia)
    *inertia = best;
  pv_free(C), pv_free(D2), pv_free(cnt), pv_free(lab);
  return 0;
}
