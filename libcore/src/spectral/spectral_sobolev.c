/* spectral_sobolev.c - H^s_alpha norms, inner products, their gradient and
 * space-time averages. Sums run over the half spectrum with the Hermitian
 * multiplicity (2 for modes whose mirror is not stored). */
#include <math.h>
#include <parseval/error.h>
#include "spectral_internal.h"

static int check_params(const char *fn, double s, double alpha) {
  int st = pvs_check_finite(fn, "s", s);
  if (!st) st = pvs_check_finite(fn, "alpha", alpha);
  if (st) return st;
  if (alpha < 0) return PV_ERROR(PV_EINVAL, "%s: alpha = %g must be >= 0", fn, alpha);
  if (s < 0 && alpha == 0)
    return PV_ERROR(PV_EINVAL, "%s: s = %g < 0 needs alpha > 0 (the k = 0 weight is infinite)", fn, s);
  return PV_OK;
}

static double weight(double alpha, double k2, double s) { return s == 0 ? 1.0 : pow(alpha + k2, s); }

/* V/N^2 * Re sum_full w conj(a) b. */
static double hat_inner(const pv_spectral_box *b, const double *x, const double *y, double s,
                        double alpha) {
  double acc = 0;
  PVS_FOR_MODES(b, i0, i1, j) {
    size_t q = PVS_IDX(b, i0, i1, j);
    double w = pvs_mult(b, j) * weight(alpha, pvs_k2(b, i0, i1, j), s);
    acc += w * (x[2 * q] * y[2 * q] + x[2 * q + 1] * y[2 * q + 1]);
  }
  return acc * b->volume / ((double)b->N * (double)b->N);
}

static int result(const char *fn, double v, double *out) {
  if (!isfinite(v)) return PV_ERROR(PV_ENUMERIC, "%s: result %g is not finite (NaN or Inf input?)", fn, v);
  *out = v;
  return PV_OK;
}

int pv_spectral_sobolev_norm2_hat(const pv_spectral_box *b, const double *uh, double s,
                                  double alpha, double *norm2) {
  const char *fn = "pv_spectral_sobolev_norm2_hat";
  const void *p[] = {uh, norm2};
  int st = pvs_check(b, fn, 2, p);
  if (st || (st = check_params(fn, s, alpha))) return st;
  return result(fn, hat_inner(b, uh, uh, s, alpha), norm2);
}

int pv_spectral_sobolev_norm2(pv_spectral_box *b, const double *u, double s, double alpha,
                              double *norm2) {
  return pv_spectral_sobolev_norm2_st(b, 1, u, s, alpha, norm2);
}

int pv_spectral_sobolev_inner(pv_spectral_box *b, const double *u, const double *v, double s,
                              double alpha, double *inner) {
  return pv_spectral_sobolev_inner_st(b, 1, u, v, s, alpha, inner);
}

int pv_spectral_sobolev_norm2_st(pv_spectral_box *b, int nt, const double *u, double s,
                                 double alpha, double *norm2) {
  const char *fn = "pv_spectral_sobolev_norm2";
  const void *p[] = {u, norm2};
  int st = pvs_check(b, fn, 2, p);
  if (st || (st = check_params(fn, s, alpha))) return st;
  if (nt < 1) return PV_ERROR(PV_EINVAL, "%s: nt = %d time steps must be >= 1", fn, nt);
  double acc = 0;
  for (int t = 0; t < nt; t++) {
    if ((st = pvs_r2c(b, u + (size_t)t * b->N, b->wc))) return st;
    acc += hat_inner(b, b->wc, b->wc, s, alpha);
  }
  return result(fn, acc / nt, norm2);
}

int pv_spectral_sobolev_inner_st(pv_spectral_box *b, int nt, const double *u, const double *v,
                                 double s, double alpha, double *inner) {
  const char *fn = "pv_spectral_sobolev_inner";
  const void *p[] = {u, v, inner};
  int st = pvs_check(b, fn, 3, p);
  if (st || (st = check_params(fn, s, alpha))) return st;
  if (nt < 1) return PV_ERROR(PV_EINVAL, "%s: nt = %d time steps must be >= 1", fn, nt);
  double acc = 0;
  for (int t = 0; t < nt; t++) {
    if ((st = pvs_r2c(b, u + (size_t)t * b->N, b->wc))) return st;
    if ((st = pvs_r2c(b, v + (size_t)t * b->N, b->wc2))) return st;
    acc += hat_inner(b, b->wc, b->wc2, s, alpha);
  }
  return result(fn, acc / nt, inner);
}

int pv_spectral_sobolev_norm2_grad(pv_spectral_box *b, const double *u, double s, double alpha,
                                   double *g) {
  const char *fn = "pv_spectral_sobolev_norm2_grad";
  const void *p[] = {u, g};
  int st = pvs_check(b, fn, 2, p);
  if (st || (st = check_params(fn, s, alpha))) return st;
  if ((st = pvs_r2c(b, u, b->wc))) return st;
  const double c = 2.0 * b->volume / ((double)b->N * (double)b->N);
  PVS_FOR_MODES(b, i0, i1, j) {
    size_t q = PVS_IDX(b, i0, i1, j);
    double w = c * weight(alpha, pvs_k2(b, i0, i1, j), s);
    b->wc[2 * q] *= w;
    b->wc[2 * q + 1] *= w;
  }
  return pvs_c2r(b, b->wc, g);
}
