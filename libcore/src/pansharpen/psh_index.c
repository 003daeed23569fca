/* Reduced-resolution quality indexes as the toolbox defines them: ERGAS,
 * SAM, SCC, the universal image quality index (Q) and its hypercomplex
 * extension Q2n (Q4, Q8...). */
#include <math.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>

#include "psh_internal.h"

static int pixel_ok(size_t bands, size_t n, size_t i, const double *a, const double *b) {
  for (size_t k = 0; k < bands; k++)
    if (!isfinite(a[k * n + i]) || !isfinite(b[k * n + i])) return 0;
  return 1;
}

double pv_psh_ergas(size_t bands, size_t n, const double *ref, const double *fus, double ratio) {
  if (!ref || !fus || !bands || !n || !(ratio > 0)) return NAN;
  double acc = 0;
  for (size_t b = 0; b < bands; b++) {
    double se = 0, m = 0;
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
      if (pixel_ok(bands, n, i, ref, fus)) {
        double d = ref[b * n + i] - fus[b * n + i];
        se += d * d, m += ref[b * n + i], c++;
      }
    if (!c) return NAN;
    m /= (double)c;
    acc += (se / (double)c) / (m * m);
  }
  return 100.0 / ratio * sqrt(acc / (double)bands);
}

double pv_psh_sam_deg(size_t bands, size_t n, const double *ref, const double *fus) {
  if (!ref || !fus || !bands || !n) return NAN;
  double acc = 0;
  size_t c = 0;
  for (size_t i = 0; i < n; i++) {
    if (!pixel_ok(bands, n, i, ref, fus)) continue;
    double xy = 0, xx = 0, yy = 0;
    for (size_t b = 0; b < bands; b++) {
      double x = ref[b * n + i], y = fus[b * n + i];
      xy += x * y, xx += x * x, yy += y * y;
    }
    double nn = sqrt(xx * yy);
    if (nn == 0) continue;
    acc += acos(fmax(-1.0, fmin(1.0, xy / nn))), c++;
  }
  return c ? acc / (double)c * 180.0 / M_PI : NAN;
}

/* Sobel magnitude of the interior (h-2) x (w-2) image, zero padded. */
static void sobel(size_t w, size_t h, const double *in, double *out) {
  size_t wi = w - 2, hi = h - 2;
  for (size_t y = 0; y < hi; y++)
    for (size_t x = 0; x < wi; x++) {
      double v[3][3];
      for (int a = -1; a <= 1; a++)
        for (int b = -1; b <= 1; b++) {
          long yy = (long)y + a, xx = (long)x + b;
          v[a + 1][b + 1] = yy < 0 || xx < 0 || yy >= (long)hi || xx >= (long)wi ? 0 : in[(size_t)(yy + 1) * w + (size_t)(xx + 1)];
        }
      double gy = v[0][0] + 2 * v[0][1] + v[0][2] - v[2][0] - 2 * v[2][1] - v[2][2];
      double gx = v[0][0] + 2 * v[1][0] + v[2][0] - v[0][2] - 2 * v[1][2] - v[2][2];
      out[y * wi + x] = sqrt(gx * gx + gy * gy);
    }
}

double pv_psh_scc(size_t bands, size_t w, size_t h, const double *ref, const double *fus) {
  if (!ref || !fus || !bands || w < 3 || h < 3) return NAN;
  size_t m = (w - 2) * (h - 2);
  double *a = pv_malloc(m * sizeof *a), *b = pv_malloc(m * sizeof *b), ab = 0, aa = 0, bb = 0;
  if (!a || !b) {
    pv_free(a), pv_free(b);
    return NAN;
  }
  for (size_t k = 0; k < bands; k++) {
    sobel(w, h, fus + k * w * h, a);
    sobel(w, h, ref + k * w * h, b);
    for (size_t i = 0; i < m; i++)
      if (isfinite(a[i]) && isfinite(b[i])) ab += a[i] * b[i], aa += a[i] * a[i], bb += b[i] * b[i];
  }
  pv_free(a), pv_free(b);
  return ab / sqrt(aa) / sqrt(bb);
}

/* Summed-area table of v (NaN counted in cnt instead of summed). */
static void sat(size_t w, size_t h, const double *x, const double *y, int what, double *s) {
  size_t W = w + 1;
  memset(s, 0, W * sizeof *s);
  for (size_t r = 0; r < h; r++) {
    double row = 0;
    s[(r + 1) * W] = 0;
    for (size_t c = 0; c < w; c++) {
      double a = x[r * w + c], b = y[r * w + c], v;
      int bad = !isfinite(a) || !isfinite(b);
      switch (what) {
      case 0: v = bad ? 0 : a; break;
      case 1: v = bad ? 0 : b; break;
      case 2: v = bad ? 0 : a * a + b * b; break;
      case 3: v = bad ? 0 : a * b; break;
      default: v = bad; break;
      }
      row += v;
      s[(r + 1) * W + c + 1] = s[r * W + c + 1] + row;
    }
  }
}

static double box(const double *s, size_t W, size_t r, size_t c, size_t k) {
  return s[(r + k) * W + c + k] - s[r * W + c + k] - s[(r + k) * W + c] + s[r * W + c];
}

/* img_qi over k x k windows at stride `step`; mean of the quality map. */
static double uiqi_windows(size_t w, size_t h, const double *x, const double *y, size_t k, size_t step) {
  if (!x || !y || !k || k > w || k > h || !step) return NAN;
  size_t W = w + 1, sz = W * (h + 1);
  double *S = pv_malloc(5 * sz * sizeof *S);
  if (!S) return NAN;
  for (int i = 0; i < 5; i++) sat(w, h, x, y, i, S + (size_t)i * sz);
  double N = (double)(k * k), acc = 0;
  size_t cnt = 0;
  for (size_t r = 0; r + k <= h; r += step)
    for (size_t c = 0; c + k <= w; c += step) {
      if (box(S + 4 * sz, W, r, c, k) != 0) continue; /* a NaN inside */
      double s1 = box(S, W, r, c, k), s2 = box(S + sz, W, r, c, k);
      double sq = box(S + 2 * sz, W, r, c, k), s12 = box(S + 3 * sz, W, r, c, k);
      double mul = s1 * s2, sqmul = s1 * s1 + s2 * s2;
      double num = 4 * (N * s12 - mul) * mul, den1 = N * sq - sqmul, den = den1 * sqmul, q = 1;
      if (den1 == 0 && sqmul != 0) q = 2 * mul / sqmul;
      if (den != 0) q = num / den;
      acc += q, cnt++;
    }
  pv_free(S);
  return cnt ? acc / (double)cnt : NAN;
}

double pv_psh_uiqi(size_t w, size_t h, const double *x, const double *y, size_t block) {
  return uiqi_windows(w, h, x, y, block, 1);
}

double psh_uiqi_tiles(size_t w, size_t h, const double *x, const double *y, size_t block) {
  return uiqi_windows(w, h, x, y, block, block);
}

/* ---- Q2n ---------------------------------------------------------------- */

/* e_i * e_j = sign[i*n+j] e_{idx[i*n+j]} for the toolbox's onion_mult
 * (Cayley-Dickson doubling: (a,b)(c,d) = (ac - d*b, a*d* + cb*)). */
static void onion_table(size_t n, int *idx, signed char *sign, int *ti, signed char *ts) {
  if (n == 1) {
    idx[0] = 0, sign[0] = 1;
    return;
  }
  size_t m = n / 2;
  onion_table(m, idx, sign, ti, ts); /* the m x m table lands in the first m*m entries */
  memcpy(ti, idx, m * m * sizeof *ti); /* scratch of n*n/4 entries */
  memcpy(ts, sign, m * m);
#define CJ(k) ((k) == 0 ? 1 : -1)
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) {
      size_t o = i * n + j;
      if (i < m && j < m) idx[o] = ti[i * m + j], sign[o] = ts[i * m + j];
      else if (i < m) /* (a,0)(0,d): conj(a) conj(d) in the second half */
        idx[o] = (int)m + ti[i * m + (j - m)], sign[o] = (signed char)(CJ(i) * CJ(j - m) * ts[i * m + (j - m)]);
      else if (j < m) /* (0,b)(c,0): c conj(b) in the second half */
        idx[o] = (int)m + ti[j * m + (i - m)], sign[o] = (signed char)(CJ(i - m) * ts[j * m + (i - m)]);
      else /* (0,b)(0,d): -conj(d) b in the first half */
        idx[o] = ti[(j - m) * m + (i - m)], sign[o] = (signed char)(-CJ(j - m) * ts[(j - m) * m + (i - m)]);
    }
#undef CJ
}

/* onions_quality.m on one block: d1, d2 are P x n (pixel-major), raw. */
static double onion_block(size_t P, size_t n, double *d1, double *d2, const int *idx, const signed char *sg,
                          double *M, double *q) {
  double f = (double)P / ((double)P - 1), m1sq = 0, m2sq = 0, i1 = 0, i2 = 0, m1[256], m2[256];
  for (size_t k = 0; k < n; k++) {
    double s = 0, ss = 0;
    for (size_t p = 0; p < P; p++) s += d1[p * n + k];
    s /= (double)P;
    for (size_t p = 0; p < P; p++) ss += (d1[p * n + k] - s) * (d1[p * n + k] - s);
    double t = sqrt(ss / ((double)P - 1));
    if (t == 0) t = 2.220446049250313e-16;
    double sgn = k == 0 ? 1 : -1; /* the fused vector is conjugated */
    m1[k] = m2[k] = 0;
    for (size_t p = 0; p < P; p++) {
      d1[p * n + k] = (d1[p * n + k] - s) / t + 1;
      d2[p * n + k] = sgn * (s == 0 ? d2[p * n + k] + 1 : (d2[p * n + k] - s) / t + 1);
      m1[k] += d1[p * n + k] / (double)P, m2[k] += d2[p * n + k] / (double)P;
      i1 += d1[p * n + k] * d1[p * n + k], i2 += d2[p * n + k] * d2[p * n + k];
    }
    m1sq += m1[k] * m1[k], m2sq += m2[k] * m2[k];
  }
  i1 *= f / (double)P, i2 *= f / (double)P;
  double t2 = sqrt(m1sq) * sqrt(m2sq), t4 = m1sq + m2sq, t3 = i1 + i2 - f * (m1sq + m2sq), bias = 2 * t2 / t4;
  memset(q, 0, n * sizeof *q);
  if (t3 == 0) return bias; /* q = (0, ..., 0, bias) */
  memset(M, 0, n * n * sizeof *M);
  for (size_t p = 0; p < P; p++)
    for (size_t a = 0; a < n; a++) {
      double x = d1[p * n + a];
      for (size_t b = 0; b < n; b++) M[a * n + b] += x * d2[p * n + b];
    }
  for (size_t a = 0; a < n; a++)
    for (size_t b = 0; b < n; b++) {
      q[idx[a * n + b]] += sg[a * n + b] * (f * M[a * n + b] / (double)P - f * m1[a] * m2[b]);
    }
  double norm = 0;
  for (size_t k = 0; k < n; k++) norm += q[k] * q[k];
  return sqrt(norm) * bias * 2 / t3;
}

/* Pixel (r, c) of the mirror-extended image (q2n.m's padding). */
static size_t mirror(size_t i, size_t n) { return i < n ? i : 2 * n - 1 - i; }

int pv_psh_q2n(size_t bands, size_t w, size_t h, const double *ref, const double *fus, size_t block, size_t shift,
               double *q2n) {
  if (!ref || !fus || !q2n || !bands || bands > 256 || !w || !h || block < 2 || !shift)
    return PV_ERROR(PV_EINVAL, "Q2n: %zu bands (1..256) of %zu x %zu, block %zu, shift %zu", bands, w, h, block, shift);
  if (block > w) block = w;
  if (block > h) block = h;
  if (block < 2) return PV_ERROR(PV_EINVAL, "Q2n: image %zu x %zu too small", w, h);
  size_t sx = (h + shift - 1) / shift, sy = (w + shift - 1) / shift;
  if ((sx - 1) * shift + block > 2 * h || (sy - 1) * shift + block > 2 * w)
    return PV_ERROR(PV_EINVAL, "Q2n: shift %zu too large for the mirror extension", shift);
  size_t n = 1, P = block * block;
  while (n < bands) n *= 2;
  int *idx = pv_malloc(n * n * sizeof *idx), *ti = pv_malloc((n * n / 4 + 1) * sizeof *ti);
  signed char *sg = pv_malloc(n * n), *ts = pv_malloc(n * n / 4 + 1);
  double *d1 = pv_malloc(P * n * sizeof *d1), *d2 = pv_malloc(P * n * sizeof *d2);
  double *M = pv_malloc(n * n * sizeof *M), q[256];
  int rc = idx && sg && ti && ts && d1 && d2 && M ? PV_OK : PV_ERROR(PV_ENOMEM, "Q2n: %zu-band workspace", n);
  if (!rc) onion_table(n, idx, sg, ti, ts);
  double acc = 0;
  size_t cnt = 0;
  for (size_t bj = 0; !rc && bj < sx; bj++)
    for (size_t bi = 0; bi < sy; bi++) {
      int bad = 0;
      for (size_t p = 0; p < P && !bad; p++) {
        size_t r = mirror(bj * shift + p / block, h), c = mirror(bi * shift + p % block, w);
        for (size_t k = 0; k < n; k++) {
          double a = k < bands ? ref[(k * h + r) * w + c] : 0, b = k < bands ? fus[(k * h + r) * w + c] : 0;
          if (!isfinite(a) || !isfinite(b)) bad = 1;
          d1[p * n + k] = a, d2[p * n + k] = b;
        }
      }
      if (bad) continue;
      acc += onion_block(P, n, d1, d2, idx, sg, M, q), cnt++;
    }
  if (!rc && !cnt) rc = PV_ERROR(PV_EINVAL, "Q2n: no block without NaN");
  if (!rc) *q2n = acc / (double)cnt;
  pv_free(idx), pv_free(sg), pv_free(ti), pv_free(ts), pv_free(d1), pv_free(d2), pv_free(M);
  return rc;
}

int pv_psh_rr_assess(size_t bands, size_t w, size_t h, const double *ref, const double *fus, double ratio,
                     size_t cut, size_t block, pv_psh_rr_scores *s) {
  if (!ref || !fus || !s || !bands || 2 * cut + 3 > w || 2 * cut + 3 > h)
    return PV_ERROR(PV_EINVAL, "RR assessment: %zu x %zu image, border cut %zu", w, h, cut);
  size_t wc = w - 2 * cut, hc = h - 2 * cut, n = wc * hc;
  double *a = pv_malloc(bands * n * sizeof *a), *b = pv_malloc(bands * n * sizeof *b);
  int rc = a && b ? PV_OK : PV_ERROR(PV_ENOMEM, "RR assessment: %zu x %zu x %zu", wc, hc, bands);
  for (size_t k = 0; !rc && k < bands; k++)
    for (size_t r = 0; r < hc; r++) {
      memcpy(a + (k * hc + r) * wc, ref + (k * h + r + cut) * w + cut, wc * sizeof *a);
      memcpy(b + (k * hc + r) * wc, fus + (k * h + r + cut) * w + cut, wc * sizeof *b);
    }
  if (!rc) {
    s->ergas = pv_psh_ergas(bands, n, a, b, ratio);
    s->sam_deg = pv_psh_sam_deg(bands, n, a, b);
    s->scc = pv_psh_scc(bands, wc, hc, a, b);
    size_t bq = block < wc && block < hc ? block : (wc < hc ? wc : hc);
    s->q = 0;
    for (size_t k = 0; k < bands; k++) s->q += pv_psh_uiqi(wc, hc, a + k * n, b + k * n, bq) / (double)bands;
    rc = pv_psh_q2n(bands, wc, hc, a, b, block, block, &s->q2n);
  }
  pv_free(a), pv_free(b);
  return rc;
}
