/* The toolbox's interpolators (interp23tap for ratios 2^k, interp23tapGeneral
 * otherwise) as one polyphase kernel on the high-resolution grid, applied
 * separably with circular borders, for whole images or row strips. */
#include <math.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>

#include "psh_internal.h"

#define KMAX 1024 /* taps of the composite kernel, 2*M+1 */

/* The 23-tap half-band filter of interp23tap (CDF23), offsets -11..11. */
static const double cdf23_half[12] = {0.5,           0.305334091185, 0, -0.072698593239, 0, 0.021809577942, 0,
                                      -0.005192756653, 0,            0.000807762146, 0, -0.000060081482};

/* Composite kernel K[-M..M] (stored at K[M + q]) of the interpolator. */
static int interp_kernel(int ratio, double *K, int *M) {
  if (psh_is_pow2(ratio)) {
    double c[23];
    for (int i = 0; i < 12; i++) c[11 + i] = c[11 - i] = 2.0 * cdf23_half[i];
    int m = 11;
    memcpy(K, c, sizeof c);
    for (int r = 4; r <= ratio; r *= 2) { /* K'(q) = sum_m K(m) c(q - 2m) */
      int m2 = 2 * m + 11;
      double t[KMAX];
      memset(t, 0, sizeof(double) * (size_t)(2 * m2 + 1));
      for (int a = -m; a <= m; a++)
        for (int b = -11; b <= 11; b++) t[m2 + 2 * a + b] += K[m + a] * c[11 + b];
      memcpy(K, t, sizeof(double) * (size_t)(2 * m2 + 1));
      m = m2;
    }
    *M = m;
    return PV_OK;
  }
  /* ratio .* fir1(44, 1/ratio): Hamming-windowed sinc, unit DC gain. */
  const int L = 44;
  double s = 0;
  for (int i = 0; i <= L; i++) {
    double x = (i - L / 2.0) / ratio, sinc = x == 0 ? 1 : sin(M_PI * x) / (M_PI * x);
    K[i] = sinc * (0.54 - 0.46 * cos(2 * M_PI * i / L));
    s += K[i];
  }
  for (int i = 0; i <= L; i++) K[i] *= ratio / s;
  *M = L / 2;
  return PV_OK;
}

static long floordiv(long a, long b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
static size_t wrap(long i, size_t n) {
  long m = i % (long)n;
  return (size_t)(m < 0 ? m + (long)n : m);
}

/* One line: y[p] = sum_k x[k mod n] K(p - (k r + off)), p = p0..p0+np. */
static void interp_line(const double *K, int M, int r, const double *x, size_t n, size_t stride, size_t p0,
                        size_t np, double *y) {
  long off = r / 2;
  for (size_t j = 0; j < np; j++) {
    long d = (long)(p0 + j) - off;
    long k0 = floordiv(d - M + r - 1, r), k1 = floordiv(d + M, r);
    double s = 0;
    if (k0 >= 0 && k1 < (long)n) /* interior: no wrap-around */
      for (long k = k0; k <= k1; k++) s += x[(size_t)k * stride] * K[M + d - k * r];
    else
      for (long k = k0; k <= k1; k++) s += x[wrap(k, n) * stride] * K[M + d - k * r];
    y[j] = s;
  }
}

int pv_psh_interp_rows(int ratio, size_t wl, size_t hl, const double *in, size_t y0, size_t rows, double *out) {
  size_t r = (size_t)ratio, w = wl * r;
  if (!in || !out || ratio < 1 || ratio > PV_PSH_MAX_RATIO || !wl || !hl || y0 + rows > hl * r)
    return PV_ERROR(PV_EINVAL, "interpolation: ratio %d, %zu x %zu image, rows %zu..%zu", ratio, wl, hl, y0,
                    y0 + rows);
  if (!rows) return PV_OK;
  if (ratio == 1) {
    memcpy(out, in + y0 * wl, rows * wl * sizeof *out);
    return PV_OK;
  }
  double K[KMAX];
  int M = 0, rc = interp_kernel(ratio, K, &M);
  if (rc) return rc;
  long off = ratio / 2;
  long k0 = floordiv((long)y0 - off - M + ratio - 1, ratio), k1 = floordiv((long)(y0 + rows - 1) - off + M, ratio);
  size_t nk = (size_t)(k1 - k0 + 1);
  double *tmp = pv_malloc(nk * w * sizeof *tmp);
  if (!tmp) return PV_ERROR(PV_ENOMEM, "interpolation: %zu x %zu workspace", nk, w);
  for (size_t i = 0; i < nk; i++) /* horizontal pass of the LR rows needed */
    interp_line(K, M, ratio, in + wrap(k0 + (long)i, hl) * wl, wl, 1, 0, w, tmp + i * w);
  for (size_t j = 0; j < rows; j++) { /* vertical pass */
    long d = (long)(y0 + j) - off;
    long a0 = floordiv(d - M + ratio - 1, ratio), a1 = floordiv(d + M, ratio);
    double *o = out + j * w;
    memset(o, 0, w * sizeof *o);
    for (long k = a0; k <= a1; k++) {
      double c = K[M + d - k * ratio];
      const double *t = tmp + (size_t)(k - k0) * w;
      for (size_t x = 0; x < w; x++) o[x] += c * t[x];
    }
  }
  pv_free(tmp);
  return PV_OK;
}

int pv_psh_interp(int ratio, size_t wl, size_t hl, const double *in, double *out) {
  return pv_psh_interp_rows(ratio, wl, hl, in, 0, hl * (size_t)(ratio > 0 ? ratio : 0), out);
}
