/* Matrix spectra: nuclear norm (exact and L_{1,2}), effective rank, alpha-ReQ,
 * power-law ESD fits, FARMS pooled ESDs. Formulas in parseval/spectra.h. */
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/linalg.h>
#include <parseval/spectra.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "linalg/dense_internal.h"

static int cmp_asc(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int cmp_desc(const void *a, const void *b) { return cmp_asc(b, a); }

int pv_spectra_nuclear_norm(pv_ctx *ctx, int m, int n, const double *a, int lda, double *out) {
  if (!out || m < 1 || n < 1) return PV_ERROR(PV_EINVAL, "nuclear_norm: size %d x %d", m, n);
  int r = m < n ? m : n;
  double *s = pv_malloc((size_t)r * sizeof *s);
  if (!s) return PV_ENOMEM;
  int st = pv_linalg_svd(ctx, m, n, a, lda, s, NULL, 0, NULL, 0);
  if (!st) {
    double acc = 0.0;
    for (int i = r - 1; i >= 0; i--) acc += s[i]; /* smallest first */
    *out = acc;
  }
  pv_free(s);
  return st;
}

/* The paper's preprocessing: centre columns, then unit-length rows. */
static void mnn_normalize(int m, int n, double *b) {
  for (int j = 0; j < n; j++) {
    double mean = 0.0;
    for (int i = 0; i < m; i++) mean += b[(size_t)i * n + j];
    mean /= m;
    for (int i = 0; i < m; i++) b[(size_t)i * n + j] -= mean;
  }
  for (int i = 0; i < m; i++) {
    double *row = b + (size_t)i * n, nn = 0.0;
    for (int j = 0; j < n; j++) nn += row[j] * row[j];
    if (nn > 0.0)
      for (int j = 0; j < n; j++) row[j] /= sqrt(nn);
  }
}

int pv_spectra_nuclear_l12(int m, int n, const double *a, int lda, int normalize, double *out) {
  if (!a || !out || m < 1 || n < 1 || lda < n)
    return PV_ERROR(PV_EINVAL, "nuclear_l12: bad arguments (%d x %d, lda %d)", m, n, lda);
  int st = pv__linalg_check_finite("A", (size_t)m, (size_t)n, a, (size_t)lda);
  if (st) return st;
  double *norms = pv_calloc((size_t)n, sizeof *norms), *b = NULL;
  if (!norms) return PV_ENOMEM;
  const double *src = a;
  size_t ld = (size_t)lda;
  if (normalize) {
    if (!(b = pv_malloc((size_t)m * n * sizeof *b))) {
      pv_free(norms);
      return PV_ENOMEM;
    }
    for (int i = 0; i < m; i++) memcpy(b + (size_t)i * n, a + (size_t)i * lda, (size_t)n * sizeof *b);
    mnn_normalize(m, n, b);
    src = b;
    ld = (size_t)n;
  }
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) norms[j] += src[i * ld + j] * src[i * ld + j];
  for (int j = 0; j < n; j++) norms[j] = sqrt(norms[j]);
  qsort(norms, (size_t)n, sizeof *norms, cmp_desc);
  int d = m < n ? m : n;
  double acc = 0.0;
  for (int j = d - 1; j >= 0; j--) acc += norms[j];
  *out = acc;
  pv_free(norms);
  pv_free(b);
  return PV_OK;
}

int pv_spectra_effective_rank(const double *s, int r, double *out) {
  if (!s || !out || r < 1) return PV_ERROR(PV_EINVAL, "effective_rank: %d values", r);
  double sum = 0.0;
  for (int i = 0; i < r; i++) {
    if (!isfinite(s[i]) || s[i] < 0.0)
      return PV_ERROR(PV_EINVAL, "effective_rank: s[%d] = %g is not a finite value >= 0", i, s[i]);
    sum += s[i];
  }
  if (sum == 0.0) return PV_ERROR(PV_EINVAL, "effective_rank: all %d singular values are 0", r);
  double h = 0.0;
  for (int i = 0; i < r; i++) {
    double p = s[i] / sum;
    if (p > 0.0) h -= p * log(p);
  }
  *out = exp(h);
  return PV_OK;
}

int pv_spectra_alpha_req(const double *lambda, int r, int first, int last, double *alpha) {
  if (!lambda || !alpha || first < 1 || last <= first || last > r)
    return PV_ERROR(PV_EINVAL, "alpha_req: rank range [%d, %d] not inside [1, %d] with first < last",
                    first, last, r);
  double *v = pv_malloc((size_t)r * sizeof *v);
  if (!v) return PV_ENOMEM;
  memcpy(v, lambda, (size_t)r * sizeof *v);
  int st = pv__linalg_check_finite("lambda", 1, (size_t)r, v, (size_t)r);
  if (st) {
    pv_free(v);
    return st;
  }
  qsort(v, (size_t)r, sizeof *v, cmp_desc);
  double sx = 0, sy = 0, sxx = 0, sxy = 0, cnt = last - first + 1;
  for (int i = first; i <= last && !st; i++) {
    if (!(v[i - 1] > 0.0)) {
      st = PV_ERROR(PV_EINVAL, "alpha_req: eigenvalue of rank %d is %g (must be > 0)", i, v[i - 1]);
      break;
    }
    double x = log((double)i), y = log(v[i - 1]);
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  pv_free(v);
  if (st) return st;
  *alpha = -(cnt * sxy - sx * sy) / (cnt * sxx - sx * sx);
  return PV_OK;
}

/* Best KS candidate over the ascending values x[0..n) with suffix log sums. */
static void ks_candidate(const double *x, size_t n, size_t i, double suffix_log,
                         pv_powerlaw_fit *f) {
  double t = (double)(n - i), den = suffix_log - t * log(x[i]);
  f->alpha = den > 0.0 ? 1.0 + t / den : INFINITY;
  f->xmin = x[i];
  f->tail = n - i;
  double d = 0.0;
  if (den > 0.0)
    for (size_t j = 0; j < n - i; j++) {
      double e = fabs(1.0 - pow(x[i + j] / x[i], 1.0 - f->alpha) - (double)j / t);
      if (e > d) d = e;
    }
  f->ks = den > 0.0 ? d : INFINITY;
}

int pv_spectra_powerlaw_fit(const double *x, size_t n, const pv_powerlaw_options *opt,
                            pv_powerlaw_fit *fit) {
  pv_powerlaw_options o = PV_POWERLAW_OPTIONS_INIT;
  if (opt) {
    if (opt->struct_size < sizeof o)
      return PV_ERROR(PV_EINVAL, "powerlaw options: struct_size %zu < %zu", opt->struct_size, sizeof o);
    o = *opt;
  }
  if (!x || !fit || (o.mode != PV_POWERLAW_KS_SCAN && o.mode != PV_POWERLAW_XMIN_MEDIAN) ||
      o.min_tail < 2 || !(o.threshold >= 0.0))
    return PV_ERROR(PV_EINVAL, "powerlaw_fit: NULL input/output or bad options (mode %d, "
                    "min_tail %d, threshold %g)", o.mode, o.min_tail, o.threshold);
  int st = pv__linalg_check_finite("x", 1, n, x, n);
  if (st) return st;
  double *v = pv_malloc((n ? n : 1) * sizeof *v);
  if (!v) return PV_ENOMEM;
  size_t used = 0;
  for (size_t i = 0; i < n; i++)
    if (x[i] > o.threshold && x[i] > 0.0) v[used++] = x[i];
  size_t need = o.mode == PV_POWERLAW_KS_SCAN ? 2 * (size_t)o.min_tail : 4;
  if (used < need) {
    pv_free(v);
    return PV_ERROR(PV_EINVAL, "powerlaw_fit: %zu usable values (> %g), need %zu", used,
                    o.threshold, need);
  }
  qsort(v, used, sizeof *v, cmp_asc);
  double suffix = 0.0;
  pv_powerlaw_fit best = {0, 0, INFINITY, 0, used}, cand;
  size_t lo = o.mode == PV_POWERLAW_KS_SCAN ? 0 : used / 2;
  size_t hi = o.mode == PV_POWERLAW_KS_SCAN ? used - (size_t)o.min_tail : used / 2;
  for (size_t i = used; i-- > lo;) {
    suffix += log(v[i]);
    if (i > hi) continue;
    ks_candidate(v, used, i, suffix, &cand);
    if (cand.ks < best.ks) {
      best = cand;
      best.used = used;
    }
  }
  pv_free(v);
  if (best.tail == 0)
    return PV_ERROR(PV_ENUMERIC, "powerlaw_fit: the tail values are all equal (xmin %g)", best.xmin);
  *fit = best;
  return PV_OK;
}

static int farms_shape(int m, int n, const pv_farms_options *opt, pv_farms_options *o, int *r,
                       int *c, int *nrw, int *ncw, int *rstep, int *cstep) {
  pv_farms_options d = PV_FARMS_OPTIONS_INIT;
  if (opt) {
    if (opt->struct_size < sizeof d)
      return PV_ERROR(PV_EINVAL, "farms options: struct_size %zu < %zu", opt->struct_size, sizeof d);
    d = *opt;
  }
  if (m < 1 || n < 1 || d.rows < 1 || !(d.aspect > 0.0) || d.windows < 1)
    return PV_ERROR(PV_EINVAL, "farms: matrix %d x %d, rows %d, aspect %g, windows %d", m, n,
                    d.rows, d.aspect, d.windows);
  *o = d;
  *r = d.rows < m ? d.rows : m;
  double cc = floor(d.aspect * d.rows + 0.5);
  *c = cc < 1.0 ? 1 : cc > n ? n : (int)cc;
  int lens[2] = {m, n}, sizes[2] = {*r, *c}, cnt[2], step[2];
  for (int ax = 0; ax < 2; ax++) {
    int free_len = lens[ax] - sizes[ax];
    step[ax] = d.windows > 1 ? free_len / (d.windows - 1) : 1;
    if (step[ax] < 1) step[ax] = 1;
    cnt[ax] = free_len / step[ax] + 1;
    if (cnt[ax] > d.windows) cnt[ax] = d.windows;
  }
  *nrw = cnt[0];
  *ncw = cnt[1];
  *rstep = step[0];
  *cstep = step[1];
  return PV_OK;
}

int pv_spectra_farms_count(int m, int n, const pv_farms_options *opt, size_t *count) {
  pv_farms_options o;
  int r = 0, c = 0, nrw = 0, ncw = 0, rs = 0, cs = 0;
  if (!count) return PV_ERROR(PV_EINVAL, "farms_count: count is NULL");
  int st = farms_shape(m, n, opt, &o, &r, &c, &nrw, &ncw, &rs, &cs);
  if (st) return st;
  *count = (size_t)nrw * (size_t)ncw * (size_t)(r < c ? r : c);
  return PV_OK;
}

int pv_spectra_farms_esd(pv_ctx *ctx, int m, int n, const double *w, int ldw,
                         const pv_farms_options *opt, double *evals) {
  pv_farms_options o;
  int r = 0, c = 0, nrw = 0, ncw = 0, rs = 0, cs = 0;
  if (!w || !evals || ldw < n) return PV_ERROR(PV_EINVAL, "farms_esd: NULL input/output or ldw %d < n %d", ldw, n);
  int st = farms_shape(m, n, opt, &o, &r, &c, &nrw, &ncw, &rs, &cs);
  if (st) return st;
  if ((st = pv__linalg_check_finite("W", (size_t)m, (size_t)n, w, (size_t)ldw))) return st;
  int k = r < c ? r : c;
  double *sub = pv_malloc((size_t)r * c * sizeof *sub);
  if (!sub) return PV_ENOMEM;
  size_t at = 0;
  for (int i = 0; i < nrw && !st; i++)
    for (int j = 0; j < ncw && !st; j++) {
      int r0 = i * rs < m - r ? i * rs : m - r, c0 = j * cs < n - c ? j * cs : n - c;
      for (int p = 0; p < r; p++)
        memcpy(sub + (size_t)p * c, w + (size_t)(r0 + p) * ldw + c0, (size_t)c * sizeof *sub);
      st = pv_linalg_svd(ctx, r, c, sub, c, evals + at, NULL, 0, NULL, 0);
      for (int q = 0; q < k; q++) evals[at + (size_t)q] *= evals[at + (size_t)q];
      at += (size_t)k;
    }
  pv_free(sub);
  if (st) return st;
  qsort(evals, at, sizeof *evals, cmp_asc);
  return PV_OK;
}
