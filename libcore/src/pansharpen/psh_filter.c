/* MTF-matched filters (the toolbox's genMTF / fir_filter_wind design),
 * their separable expansion, filtering with replicated borders and the
 * filter-then-decimate step of Wald's protocol. */
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>

#include "psh_internal.h"

#define MTF_N 41

/* Modified Bessel function I0 by its power series (|x| small here). */
static double bessel_i0(double x) {
  double s = 1, t = 1;
  for (int k = 1; k < 200; k++) {
    t *= (x / (2.0 * k)) * (x / (2.0 * k));
    s += t;
    if (t < 1e-17 * s) break;
  }
  return s;
}

int pv_psh_mtf_kernel(double gnyq, int ratio, int n, double *h) {
  if (!h || !(gnyq > 0 && gnyq < 1) || ratio < 1 || ratio > PV_PSH_MAX_RATIO || n < 3 || n > 101 || !(n & 1))
    return PV_ERROR(PV_EINVAL, "MTF kernel: gain %g, ratio %d, size %d (need 0 < gain < 1, odd size 3..101)", gnyq,
                    ratio, n);
  double fcut = 1.0 / ratio, half = (n - 1) / 2.0;
  double alpha = sqrt(((n - 1) * (fcut / 2)) * ((n - 1) * (fcut / 2)) / (-2.0 * log(gnyq)));
  double h1[101], w1[101], t[101];
  /* Frequency sampling: the centred inverse DFT of the sampled Gaussian
   * response, separable in the two axes. */
  for (int x = 0; x < n; x++) {
    double s = 0;
    for (int k = 0; k < n; k++) {
      double f = k - half, g = exp(-0.5 * (f / alpha) * (f / alpha));
      s += g * cos(2.0 * M_PI * f * (x - half) / n);
    }
    h1[x] = s / n;
    t[x] = (x - half) / (n - 1);
    double u = 2.0 * x / (n - 1) - 1.0;
    w1[x] = bessel_i0(0.5 * sqrt(fmax(0.0, 1.0 - u * u))) / bessel_i0(0.5);
  }
  double sum = 0;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      /* Rotationally symmetric Kaiser window: the 1-D window interpolated
       * linearly at the radius, zero outside the inscribed circle. */
      double rho = sqrt(t[i] * t[i] + t[j] * t[j]), w = 0;
      if (rho <= t[n - 1]) {
        int k = (int)half;
        while (k + 1 < n && t[k + 1] < rho) k++;
        double a = k + 1 < n ? (rho - t[k]) / (t[k + 1] - t[k]) : 0;
        w = k + 1 < n ? w1[k] + a * (w1[k + 1] - w1[k]) : w1[k];
      }
      h[i * n + j] = h1[i] * h1[j] * w;
      sum += h[i * n + j];
    }
  for (int i = 0; i < n * n; i++) h[i] /= sum;
  return PV_OK;
}

static int filter_alloc(int terms, int len, int origin, pv_psh_filter **out) {
  pv_psh_filter *f = pv_calloc(1, sizeof *f);
  if (f) {
    f->taps = pv_calloc((size_t)terms * (size_t)len, sizeof *f->taps);
    f->gain = pv_calloc((size_t)terms, sizeof *f->gain);
  }
  if (!f || !f->taps || !f->gain) {
    pv_psh_filter_destroy(&f);
    return PV_ERROR(PV_ENOMEM, "pansharpen filter: %d x %d taps", terms, len);
  }
  f->terms = terms;
  f->len = len;
  f->origin = origin;
  *out = f;
  return PV_OK;
}

void pv_psh_filter_destroy(pv_psh_filter **f) {
  if (!f || !*f) return;
  pv_free((*f)->taps);
  pv_free((*f)->gain);
  pv_free(*f);
  *f = NULL;
}

int pv_psh_filter_rank(const pv_psh_filter *f) { return f ? f->terms : 0; }

int psh_filter_from_taps(int len, int origin, const double *taps, pv_psh_filter **out) {
  int rc = filter_alloc(1, len, origin, out);
  if (rc) return rc;
  memcpy((*out)->taps, taps, (size_t)len * sizeof *taps);
  (*out)->gain[0] = 1.0;
  return PV_OK;
}

int psh_filter_box(int ratio, pv_psh_filter **out) {
  double taps[PV_PSH_MAX_RATIO];
  for (int i = 0; i < ratio; i++) taps[i] = 1.0 / ratio;
  return psh_filter_from_taps(ratio, (ratio - 1) / 2, taps, out); /* MATLAB's centre of an even kernel */
}

int psh_filter_atwt(int levels, pv_psh_filter **out) {
  static const double b3[5] = {1 / 16.0, 4 / 16.0, 6 / 16.0, 4 / 16.0, 1 / 16.0};
  int len = 1;
  double k[1 + 4 * ((1 << 6) - 1)], t[1 + 4 * ((1 << 6) - 1)];
  if (levels < 1 || levels > 6) return PV_ERROR(PV_EINVAL, "a trous filter: %d levels (1..6)", levels);
  k[0] = 1;
  for (int l = 0; l < levels; l++) { /* convolve with B3 dilated by 2^l */
    int d = 1 << l, nl = len + 4 * d;
    memset(t, 0, (size_t)nl * sizeof *t);
    for (int i = 0; i < len; i++)
      for (int j = 0; j < 5; j++) t[i + j * d] += k[i] * b3[j];
    memcpy(k, t, (size_t)nl * sizeof *t);
    len = nl;
  }
  return psh_filter_from_taps(len, len / 2, k, out);
}

/* Eigen-expansion of a symmetric kernel: h = sum_k lambda_k v_k v_k^T. */
int pv_psh_filter_create(int n, const double *h, pv_psh_filter **out) {
  if (!out || !h || n < 1 || n > 101 || !(n & 1)) return PV_ERROR(PV_EINVAL, "filter: size %d (odd, 1..101)", n);
  *out = NULL;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < i; j++)
      if (fabs(h[i * n + j] - h[j * n + i]) > 1e-12 * (fabs(h[i * n + j]) + fabs(h[j * n + i]) + 1e-300))
        return PV_ERROR(PV_EINVAL, "filter: kernel not symmetric at (%d, %d)", i, j);
  double *a = pv_malloc((size_t)n * n * sizeof *a), w[101];
  if (!a) return PV_ERROR(PV_ENOMEM, "filter: %d x %d kernel", n, n);
  memcpy(a, h, (size_t)n * n * sizeof *a);
  lapack_int info = LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', n, a, n, w);
  if (info) {
    pv_free(a);
    return PV_ERROR(PV_ENUMERIC, "filter: eigen-expansion failed (LAPACK info %d)", (int)info);
  }
  /* Keep the largest |lambda| until the dropped energy is below 1e-24. */
  int order[101], kept = 0;
  double total = 0, dropped = 0;
  for (int i = 0; i < n; i++) order[i] = i, total += w[i] * w[i];
  for (int i = 1; i < n; i++) /* sort by |lambda| descending (n small) */
    for (int j = i; j > 0 && fabs(w[order[j]]) > fabs(w[order[j - 1]]); j--) {
      int tmp = order[j]; order[j] = order[j - 1]; order[j - 1] = tmp;
    }
  for (int i = n - 1; i >= 0; i--) {
    dropped += w[order[i]] * w[order[i]];
    if (dropped > 1e-24 * total) { kept = i + 1; break; }
  }
  if (kept < 1) kept = 1;
  /* Cut tails where every kept term is below 1e-14 of the peak. */
  double peak = 0;
  for (int k = 0; k < kept; k++)
    for (int i = 0; i < n; i++) peak = fmax(peak, fabs(w[order[k]]) * a[i * n + order[k]] * a[i * n + order[k]]);
  int c = n / 2, r = 0;
  for (int i = 0; i < n; i++)
    for (int k = 0; k < kept; k++) {
      double v = a[i * n + order[k]], m = 0;
      for (int j = 0; j < n; j++) m = fmax(m, fabs(w[order[k]] * v * a[j * n + order[k]]));
      if (m > 1e-14 * peak && abs(i - c) > r) r = abs(i - c);
    }
  int rc = filter_alloc(kept, 2 * r + 1, r, out);
  for (int k = 0; !rc && k < kept; k++) {
    for (int i = 0; i < 2 * r + 1; i++) (*out)->taps[k * (2 * r + 1) + i] = a[(c - r + i) * n + order[k]];
    (*out)->gain[k] = w[order[k]];
  }
  pv_free(a);
  return rc;
}

int pv_psh_filter_create_mtf(double gnyq, int ratio, pv_psh_filter **out) {
  double h[MTF_N * MTF_N];
  if (!out) return PV_ERROR(PV_EINVAL, "MTF filter: NULL output");
  int rc = pv_psh_mtf_kernel(gnyq, ratio, MTF_N, h);
  return rc ? rc : pv_psh_filter_create(MTF_N, h, out);
}

static inline size_t clampi(long i, size_t n) { return i < 0 ? 0 : (size_t)i >= n ? n - 1 : (size_t)i; }

/* Horizontal pass of term k at columns x = x0 + j*step (j < nx) of one row. */
static void hpass(const pv_psh_filter *f, int k, size_t w, const double *row, size_t x0, size_t step, size_t nx,
                  double *out) {
  const double *t = f->taps + (size_t)k * f->len;
  for (size_t j = 0; j < nx; j++) {
    long x = (long)(x0 + j * step) - f->origin;
    double s = 0;
    if (x >= 0 && x + f->len <= (long)w)
      for (int i = 0; i < f->len; i++) s += t[i] * row[x + i];
    else
      for (int i = 0; i < f->len; i++) s += t[i] * row[clampi(x + i, w)];
    out[j] = s;
  }
}

/* Filter at output rows y0 + i*step (i < ny) and columns x0 + j*step of
 * the h x w image in (rows clamped to [0, h): replicated borders). */
int psh_filter_grid(const pv_psh_filter *f, size_t w, size_t h, const double *in, size_t x0, long y0, size_t step,
                    size_t nx, size_t ny, double *out) {
  double *tmp = pv_malloc(h * nx * sizeof *tmp);
  if (!tmp) return PV_ERROR(PV_ENOMEM, "filter: %zu x %zu workspace", h, nx);
  memset(out, 0, nx * ny * sizeof *out);
  for (int k = 0; k < f->terms; k++) {
    const double *t = f->taps + (size_t)k * f->len;
    for (size_t y = 0; y < h; y++) hpass(f, k, w, in + y * w, x0, step, nx, tmp + y * nx);
    for (size_t i = 0; i < ny; i++) {
      long y = y0 + (long)(i * step) - f->origin;
      double *o = out + i * nx;
      for (int a = 0; a < f->len; a++) {
        const double *r = tmp + clampi(y + a, h) * nx;
        double g = f->gain[k] * t[a];
        for (size_t j = 0; j < nx; j++) o[j] += g * r[j];
      }
    }
  }
  pv_free(tmp);
  return PV_OK;
}

static int filter_grid(const pv_psh_filter *f, size_t w, size_t h, const double *in, size_t off, size_t step,
                       size_t nx, size_t ny, double *out) {
  return psh_filter_grid(f, w, h, in, off, (long)off, step, nx, ny, out);
}

int pv_psh_filter_apply(const pv_psh_filter *f, size_t w, size_t h, const double *in, double *out) {
  if (!f || !in || !out || !w || !h || in == out) return PV_ERROR(PV_EINVAL, "filter: bad arguments");
  return filter_grid(f, w, h, in, 0, 1, w, h, out);
}

int pv_psh_filter_decimate(const pv_psh_filter *f, int ratio, size_t w, size_t h, const double *in, double *out) {
  if (!f || !in || !out || ratio < 1 || ratio > PV_PSH_MAX_RATIO || !w || !h || w % (size_t)ratio ||
      h % (size_t)ratio)
    return PV_ERROR(PV_EINVAL, "filter/decimate: %zu x %zu image is not a multiple of ratio %d", w, h, ratio);
  size_t r = (size_t)ratio;
  return filter_grid(f, w, h, in, r / 2, r, w / r, h / r, out);
}
