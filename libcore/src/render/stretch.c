/* Percentiles of the valid values of a view: exact order statistics by
 * quickselect, linearly interpolated (NumPy's default "linear" method:
 * position p/100 * (n-1)). */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/render.h>

#include "render/render_internal.h"

double pv_render_load(const void *p, pv_dtype t) {
  switch (t) {
  case PV_U8: return *(const unsigned char *)p;
  case PV_I16: return *(const short *)p;
  case PV_U16: return *(const unsigned short *)p;
  case PV_I32: return *(const int *)p;
  case PV_U32: return *(const unsigned *)p;
  case PV_I64: return (double)*(const long long *)p;
  case PV_F32: return *(const float *)p;
  default: return *(const double *)p;
  }
}

int pv_render_check_band(const pv_view *v, const char *what) {
  if (!v || v->ndim != 2 || !v->data || v->dtype > PV_F64 || v->shape[0] == 0 || v->shape[1] == 0)
    return PV_ERROR(PV_EINVAL, "%s: need a non-empty 2-D view of a real type", what);
  return 0;
}

/* k-th smallest of a[0..n) (Wirth's selection; a is reordered so that
 * a[0..k) <= a[k] <= a[k+1..n)). */
static double select_kth(double *a, size_t n, size_t kk) {
  ptrdiff_t l = 0, r = (ptrdiff_t)n - 1, k = (ptrdiff_t)kk;
  while (l < r) {
    double x = a[k];
    ptrdiff_t i = l, j = r;
    do {
      while (a[i] < x) i++;
      while (x < a[j]) j--;
      if (i <= j) {
        double t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    } while (i <= j);
    if (j < k) l = i;
    if (k < i) r = j;
  }
  return a[k];
}

static double min_from(const double *a, size_t from, size_t n) {
  double m = a[from];
  for (size_t i = from + 1; i < n; i++) m = a[i] < m ? a[i] : m;
  return m;
}

int pv_percentiles(const pv_view *v, const double pct[], int n, const double *nodata,
                   double out[], size_t *n_valid) {
  if (!v || !pct || !out || n < 1 || !v->data || v->dtype > PV_F64)
    return PV_ERROR(PV_EINVAL, "pv_percentiles: bad argument");
  for (int q = 0; q < n; q++)
    if (!(pct[q] >= 0 && pct[q] <= 100))
      return PV_ERROR(PV_EINVAL, "percentile %g outside [0, 100]", pct[q]);
  size_t total = pv_view_count(v), m = 0;
  double *a = pv_malloc((total ? total : 1) * sizeof *a);
  if (!a) return PV_ENOMEM;
  size_t idx[PV_MAX_DIMS] = {0};
  for (size_t k = 0; k < total; k++) {
    double x = pv_render_load(pv_view_at(v, idx), v->dtype);
    if (isfinite(x) && !(nodata && x == *nodata)) a[m++] = x;
    for (int ax = v->ndim - 1; ax >= 0; ax--) {
      if (++idx[ax] < v->shape[ax]) break;
      idx[ax] = 0;
    }
  }
  if (n_valid) *n_valid = m;
  if (m == 0) {
    pv_free(a);
    return PV_ERROR(PV_EINVAL, "no valid (finite, not no-data) values among %zu", total);
  }
  for (int q = 0; q < n; q++) {
    double pos = pct[q] / 100.0 * (double)(m - 1);
    size_t k = (size_t)floor(pos);
    double f = pos - (double)k;
    double lo = select_kth(a, m, k); /* afterwards a[k+1..] >= a[k] */
    double hi = (f > 0 && k + 1 < m) ? min_from(a, k + 1, m) : lo;
    out[q] = lo + f * (hi - lo);
  }
  pv_free(a);
  return 0;
}
