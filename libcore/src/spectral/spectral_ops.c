/* spectral_ops.c - derivatives and elliptic solves as Fourier multipliers:
 * forward transform, multiply each mode, backward transform (1/N folded into
 * the multiplier). */
#include <math.h>
#include <parseval/error.h>
#include "spectral_internal.h"

/* wc2 = (i kd_axis) * wc * scale, axis internal. */
static void times_ik(pv_spectral_box *b, int ia, double scale, const double *in, double *out) {
  PVS_FOR_MODES(b, i0, i1, j) {
    size_t q = PVS_IDX(b, i0, i1, j);
    int idx[3] = {i0, i1, j};
    double k = b->kd[ia][idx[ia]] * scale;
    double re = in[2 * q], im = in[2 * q + 1];
    out[2 * q] = -k * im;
    out[2 * q + 1] = k * re;
  }
}

/* out = sym(k) * in for a real symbol; sym gets |kappa|^2. */
typedef double (*symbol_fn)(double k2, const double *par);
static void times_symbol(pv_spectral_box *b, symbol_fn f, const double *par, const double *in,
                         double *out) {
  PVS_FOR_MODES(b, i0, i1, j) {
    size_t q = PVS_IDX(b, i0, i1, j);
    double m = f(pvs_k2(b, i0, i1, j), par);
    out[2 * q] = m * in[2 * q];
    out[2 * q + 1] = m * in[2 * q + 1];
  }
}

static double sym_lap(double k2, const double *par) { return -k2 * par[0]; }
static double sym_invlap(double k2, const double *par) { return k2 > 0 ? -par[0] / k2 : 0.0; }
static double sym_helm(double k2, const double *par) { return par[2] / (par[0] + par[1] * k2); }

int pv_spectral_gradient(pv_spectral_box *b, const double *u, double *g) {
  const void *p[] = {u, g};
  int s = pvs_check(b, "pv_spectral_gradient", 2, p);
  if (s || (s = pvs_r2c(b, u, b->wc))) return s;
  for (int a = 0; a < b->dim && !s; a++) {
    times_ik(b, pvs_axis(b, a), 1.0 / (double)b->N, b->wc, b->wc2);
    s = pvs_c2r(b, b->wc2, g + (size_t)a * b->N);
  }
  return s;
}

int pv_spectral_divergence(pv_spectral_box *b, const double *v, double *d) {
  const void *p[] = {v, d};
  int s = pvs_check(b, "pv_spectral_divergence", 2, p);
  if (s) return s;
  const double inv = 1.0 / (double)b->N;
  for (int a = 0; a < b->dim; a++) {
    if ((s = pvs_r2c(b, v + (size_t)a * b->N, b->wc))) return s;
    const int ia = pvs_axis(b, a);
    PVS_FOR_MODES(b, i0, i1, j) {
      size_t q = PVS_IDX(b, i0, i1, j);
      int idx[3] = {i0, i1, j};
      double k = b->kd[ia][idx[ia]] * inv;
      double re = -k * b->wc[2 * q + 1], im = k * b->wc[2 * q];
      b->wc2[2 * q] = a ? b->wc2[2 * q] + re : re;
      b->wc2[2 * q + 1] = a ? b->wc2[2 * q + 1] + im : im;
    }
  }
  return pvs_c2r(b, b->wc2, d);
}

static int apply_symbol(pv_spectral_box *b, const char *fn, symbol_fn f, const double *par,
                        const double *u, double *out) {
  const void *p[] = {u, out};
  int s = pvs_check(b, fn, 2, p);
  if (s || (s = pvs_r2c(b, u, b->wc))) return s;
  times_symbol(b, f, par, b->wc, b->wc);
  return pvs_c2r(b, b->wc, out);
}

int pv_spectral_laplacian(pv_spectral_box *b, const double *u, double *lap) {
  double par[1] = {b ? 1.0 / (double)b->N : 0};
  return apply_symbol(b, "pv_spectral_laplacian", sym_lap, par, u, lap);
}

int pv_spectral_inverse_laplacian(pv_spectral_box *b, const double *f, double *u) {
  double par[1] = {b ? 1.0 / (double)b->N : 0};
  return apply_symbol(b, "pv_spectral_inverse_laplacian", sym_invlap, par, f, u);
}

int pv_spectral_helmholtz_solve(pv_spectral_box *b, double a, double c, const double *f,
                                double *u) {
  const char *fn = "pv_spectral_helmholtz_solve";
  int s = pvs_check_finite(fn, "a", a);
  if (!s) s = pvs_check_finite(fn, "b", c);
  if (s || !b) return s ? s : PV_ERROR(PV_EINVAL, "%s: box is NULL", fn);
  PVS_FOR_MODES(b, i0, i1, j) {
    double den = a + c * pvs_k2(b, i0, i1, j);
    if (!(fabs(den) > 1e-300) || !isfinite(1.0 / den))
      return PV_ERROR(PV_EINVAL, "%s: a + b |k|^2 = %g is singular at mode (%d, %d, %d)", fn, den,
                      i0, i1, j);
  }
  double par[3] = {a, c, 1.0 / (double)b->N};
  return apply_symbol(b, fn, sym_helm, par, f, u);
}

int pv_spectral_curl2d(pv_spectral_box *b, const double *u, const double *v, double *w) {
  const void *p[] = {u, v, w};
  int s = pvs_check(b, "pv_spectral_curl2d", 3, p);
  if (s) return s;
  if (b->dim != 2) return PV_ERROR(PV_EINVAL, "pv_spectral_curl2d: box has dim %d, not 2", b->dim);
  const double inv = 1.0 / (double)b->N;
  if ((s = pvs_r2c(b, v, b->wc))) return s;
  times_ik(b, 1, inv, b->wc, b->wc2); /* d v / dx (x = public axis 0 = internal 1) */
  if ((s = pvs_r2c(b, u, b->wc))) return s;
  times_ik(b, 2, -inv, b->wc, b->wc); /* - d u / dy */
  for (size_t i = 0; i < 2 * b->Nh; i++) b->wc2[i] += b->wc[i];
  return pvs_c2r(b, b->wc2, w);
}

int pv_spectral_stream2d(pv_spectral_box *b, const double *w, double *psi, double *u, double *v) {
  const void *p[] = {w};
  int s = pvs_check(b, "pv_spectral_stream2d", 1, p);
  if (s) return s;
  if (b->dim != 2) return PV_ERROR(PV_EINVAL, "pv_spectral_stream2d: box has dim %d, not 2", b->dim);
  if ((s = pvs_r2c(b, w, b->wc))) return s;
  double par[1] = {-1.0}; /* psi_hat = w_hat / |k|^2 (unscaled) */
  times_symbol(b, sym_invlap, par, b->wc, b->wc);
  const double inv = 1.0 / (double)b->N;
  if (u) {
    times_ik(b, 2, inv, b->wc, b->wc2);
    if ((s = pvs_c2r(b, b->wc2, u))) return s;
  }
  if (v) {
    times_ik(b, 1, -inv, b->wc, b->wc2);
    if ((s = pvs_c2r(b, b->wc2, v))) return s;
  }
  if (psi) {
    for (size_t i = 0; i < 2 * b->Nh; i++) b->wc[i] *= inv;
    s = pvs_c2r(b, b->wc, psi);
  }
  return s;
}
