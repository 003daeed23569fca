/* Unmixing scores as HySUPP defines them, and the assignment that matches
 * estimated endmembers to reference ones before scoring. */
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/hsi.h>

#include <math.h>
#include <string.h>

double pv_hsi_sad_deg(int bands, const double *x, const double *y) {
  double xy = 0, xx = 0, yy = 0;
  for (int b = 0; b < bands; b++) {
    xy += x[b] * y[b];
    xx += x[b] * x[b];
    yy += y[b] * y[b];
  }
  if (!(xx > 0 && yy > 0)) return NAN;
  double c = xy / sqrt(xx * yy);
  c = c > 1 ? 1 : c < -1 ? -1 : c;
  return acos(c) * (180.0 / 3.14159265358979323846);
}

/* Kuhn-Munkres with row/column potentials (shortest augmenting paths);
 * arrays are 1-based with column 0 as the virtual start. */
int pv_hsi_hungarian(int n, const double *cost, int *perm) {
  if (n < 1 || n > 4096 || !cost || !perm) return PV_ERROR(PV_EINVAL, "hungarian: n = %d or NULL input", n);
  for (size_t i = 0; i < (size_t)n * n; i++)
    if (!isfinite(cost[i])) return PV_ERROR(PV_EINVAL, "hungarian: cost entry %zu is not finite", i);
  size_t m = (size_t)n + 1;
  double *u = pv_calloc(m, sizeof *u), *v = pv_calloc(m, sizeof *v), *minv = pv_malloc(m * sizeof *minv);
  int *p = pv_calloc(m, sizeof *p), *way = pv_calloc(m, sizeof *way);
  unsigned char *used = pv_malloc(m);
  int rc = u && v && minv && p && way && used ? PV_OK : PV_ENOMEM;
  for (int i = 1; !rc && i <= n; i++) {
    p[0] = i;
    int j0 = 0;
    for (size_t j = 0; j < m; j++) minv[j] = INFINITY;
    memset(used, 0, m);
    do {
      used[j0] = 1;
      int i0 = p[j0], j1 = 0;
      double delta = INFINITY;
      for (int j = 1; j <= n; j++) {
        if (used[j]) continue;
        double cur = cost[(size_t)(i0 - 1) * n + (j - 1)] - u[i0] - v[j];
        if (cur < minv[j]) minv[j] = cur, way[j] = j0;
        if (minv[j] < delta) delta = minv[j], j1 = j;
      }
      for (int j = 0; j <= n; j++) {
        if (used[j]) u[p[j]] += delta, v[j] -= delta;
        else minv[j] -= delta;
      }
      j0 = j1;
    } while (p[j0] != 0);
    do {
      int j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0);
  }
  for (int j = 1; !rc && j <= n; j++) perm[p[j] - 1] = j - 1;
  pv_free(u);
  pv_free(v);
  pv_free(minv);
  pv_free(p);
  pv_free(way);
  pv_free(used);
  return rc;
}

int pv_hsi_match_endmembers(int p, int bands, const double *est, const double *ref, int *perm, double *sad_deg) {
  if (p < 1 || bands < 1 || !est || !ref || !perm) return PV_ERROR(PV_EINVAL, "match: p = %d, bands = %d", p, bands);
  double *cost = pv_malloc((size_t)p * p * sizeof *cost);
  if (!cost) return PV_ENOMEM;
  int rc = PV_OK;
  for (int i = 0; i < p && !rc; i++)
    for (int j = 0; j < p && !rc; j++) {
      cost[i * p + j] = pv_hsi_sad_deg(bands, ref + (size_t)i * bands, est + (size_t)j * bands);
      if (isnan(cost[i * p + j])) rc = PV_ERROR(PV_EINVAL, "match: endmember %d or %d is zero or not finite", i, j);
    }
  if (!rc) rc = pv_hsi_hungarian(p, cost, perm);
  for (int i = 0; !rc && sad_deg && i < p; i++) sad_deg[i] = cost[i * p + perm[i]];
  pv_free(cost);
  return rc;
}

static void sq_sums(int p, size_t n, const double *a, size_t lda, const double *ref, size_t ldr, const int *perm,
                    double *err2, double *ref2, size_t *count) {
  *err2 = *ref2 = 0;
  *count = 0;
  for (int i = 0; i < p; i++) {
    const double *ai = a + (size_t)(perm ? perm[i] : i) * lda, *ri = ref + (size_t)i * ldr;
    for (size_t j = 0; j < n; j++) {
      if (isnan(ai[j]) || isnan(ri[j])) continue;
      double d = ai[j] - ri[j];
      *err2 += d * d;
      *ref2 += ri[j] * ri[j];
      ++*count;
    }
  }
}

double pv_hsi_abundance_rmse(int p, size_t n, const double *a, size_t lda, const double *ref, size_t ldr,
                             const int *perm) {
  double e2, r2;
  size_t c;
  sq_sums(p, n, a, lda, ref, ldr, perm, &e2, &r2, &c);
  return c ? sqrt(e2 / (double)c) : NAN;
}

double pv_hsi_sre_db(int p, size_t n, const double *a, size_t lda, const double *ref, size_t ldr, const int *perm) {
  double e2, r2;
  size_t c;
  sq_sums(p, n, a, lda, ref, ldr, perm, &e2, &r2, &c);
  return 10 * log10(r2 / e2);
}

int pv_hsi_reconstruction_rmse(int bands, size_t n, const double *y, size_t ldy, int p, const double *em,
                               const double *a, size_t lda, double *rmse) {
  if (!y || !em || !a || !rmse || bands < 1 || p < 1) return PV_ERROR(PV_EINVAL, "reconstruction RMSE: bad input");
  double s = 0;
  size_t c = 0;
  for (size_t j = 0; j < n; j++) {
    if (isnan(a[j])) continue;
    for (int b = 0; b < bands; b++) {
      double r = y[(size_t)b * ldy + j];
      for (int i = 0; i < p; i++) r -= em[(size_t)i * bands + b] * a[(size_t)i * lda + j];
      if (isnan(r)) continue;
      s += r * r;
      c++;
    }
  }
  *rmse = c ? sqrt(s / (double)c) : NAN;
  return PV_OK;
}
