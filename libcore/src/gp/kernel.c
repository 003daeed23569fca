/* kernel.c - spectral-mixture kernels per axis, closed-form derivatives in
 * the signed lag z, and their parameter gradients.
 * Each component is w e(z) c(z): an envelope e (Gaussian or Matern-5/2) times
 * a cosine c = cos(m z), m = 2 pi mu (c = 1 for the SE/Matern baselines). */
#include <math.h>
#include <string.h>
#include <parseval/error.h>
#include <parseval/gp.h>
#include "gp_internal.h"

static const char *const kind_names[] = {"gm", "stm", "se", "matern"};

int pv_gp_kernel_kind_parse(const char *name, pv_gp_kernel_kind *kind) {
  if (!name || !kind) return PV_ERROR(PV_EINVAL, "gp kernel: NULL argument");
  for (int i = 0; i < 4; i++)
    if (strcmp(name, kind_names[i]) == 0) { *kind = (pv_gp_kernel_kind)i; return 0; }
  return PV_ERROR(PV_EINVAL, "gp kernel: unknown kind '%s' (gm, stm, se, matern)", name);
}

const char *pv_gp_kernel_kind_name(pv_gp_kernel_kind kind) {
  return (unsigned)kind < 4 ? kind_names[kind] : "?";
}

int pv_gp_kernel_init(int q, double freq_scale, double *theta) {
  if (q < 1 || !theta || !isfinite(freq_scale))
    return PV_ERROR(PV_EINVAL, "gp kernel init: q = %d, freq_scale = %g", q, freq_scale);
  for (int i = 0; i < q; i++) {
    theta[i] = log(1.0 / q);
    theta[q + i] = 0.0;
    theta[2 * q + i] = q > 1 ? freq_scale * i / (q - 1) : 0.0;
  }
  return 0;
}

/* Envelope e, e', e'' at z (e[0..2]) and their derivatives in log l (de[0..2]). */
static void envelope(int matern, double ll, double z, double e[3], double de[3]) {
  double l = exp(ll);
  if (!matern) {
    double g = exp(-l * z * z), z2 = z * z;
    e[0] = g;
    e[1] = -2.0 * l * z * g;
    e[2] = (4.0 * l * l * z2 - 2.0 * l) * g;
    de[0] = l * (-z2 * g);
    de[1] = l * (-2.0 * z + 2.0 * l * z2 * z) * g;
    de[2] = l * ((8.0 * l * z2 - 2.0) - (4.0 * l * l * z2 - 2.0 * l) * z2) * g;
    return;
  }
  double b = sqrt(5.0) * l, r = fabs(z), E = exp(-b * r);
  double b2 = b * b, r2 = r * r;
  e[0] = (1.0 + b * r + b2 * r2 / 3.0) * E;
  e[1] = -(b2 / 3.0) * z * (1.0 + b * r) * E;
  e[2] = -(b2 / 3.0) * (1.0 + b * r - b2 * r2) * E;
  /* d/d log l = b d/db */
  de[0] = b * (-(b * r2 / 3.0) * (1.0 + b * r) * E);
  de[1] = b * (-(z / 3.0) * E * (2.0 * b + 2.0 * b2 * r - b2 * b * r2));
  de[2] = b * (-(1.0 / 3.0) * E * (2.0 * b + 2.0 * b2 * r - 5.0 * b2 * b * r2 + b2 * b2 * r2 * r));
}

static int has_cos(pv_gp_kernel_kind kind) {
  return kind == PV_GP_KERNEL_GM || kind == PV_GP_KERNEL_STM;
}

static int is_matern(pv_gp_kernel_kind kind) {
  return kind == PV_GP_KERNEL_STM || kind == PV_GP_KERNEL_MATERN52;
}

static int check_args(pv_gp_kernel_kind kind, int q, const double *theta, const void *out) {
  if ((unsigned)kind > 3) return PV_ERROR(PV_EINVAL, "gp kernel: unknown kind %d", (int)kind);
  if (q < 1 || !theta || !out) return PV_ERROR(PV_EINVAL, "gp kernel: q = %d or NULL argument", q);
  return 0;
}

/* cos factor and its z-derivatives c[0..2], and their m-derivatives cm[0..2]. */
static void modulation(double m, double z, double c[3], double cm[3]) {
  double cs = cos(m * z), sn = sin(m * z);
  c[0] = cs;
  c[1] = -m * sn;
  c[2] = -m * m * cs;
  cm[0] = -z * sn;
  cm[1] = -sn - m * z * cs;
  cm[2] = -2.0 * m * cs + m * m * z * sn;
}

int pv_gp_kernel_eval(pv_gp_kernel_kind kind, int q, const double *theta, double z,
                      double k[3]) {
  int st = check_args(kind, q, theta, k);
  if (st) return st;
  k[0] = k[1] = k[2] = 0.0;
  for (int i = 0; i < q; i++) {
    double w = exp(theta[i]), e[3], de[3], c[3] = {1, 0, 0}, cm[3];
    envelope(is_matern(kind), theta[q + i], z, e, de);
    if (has_cos(kind)) modulation(GP_TWO_PI * theta[2 * q + i], z, c, cm);
    k[0] += w * e[0] * c[0];
    k[1] += w * (e[1] * c[0] + e[0] * c[1]);
    k[2] += w * (e[2] * c[0] + 2.0 * e[1] * c[1] + e[0] * c[2]);
  }
  return 0;
}

int pv_gp_kernel_grad(pv_gp_kernel_kind kind, int q, const double *theta, double z,
                      double *dk) {
  int st = check_args(kind, q, theta, dk);
  if (st) return st;
  int P = 3 * q;
  for (int i = 0; i < q; i++) {
    double w = exp(theta[i]), e[3], de[3], c[3] = {1, 0, 0}, cm[3] = {0, 0, 0};
    envelope(is_matern(kind), theta[q + i], z, e, de);
    if (has_cos(kind)) modulation(GP_TWO_PI * theta[2 * q + i], z, c, cm);
    double v[3] = {e[0] * c[0], e[1] * c[0] + e[0] * c[1],
                   e[2] * c[0] + 2.0 * e[1] * c[1] + e[0] * c[2]};
    double vl[3] = {de[0] * c[0], de[1] * c[0] + de[0] * c[1],
                    de[2] * c[0] + 2.0 * de[1] * c[1] + de[0] * c[2]};
    double vm[3] = {e[0] * cm[0], e[1] * cm[0] + e[0] * cm[1],
                    e[2] * cm[0] + 2.0 * e[1] * cm[1] + e[0] * cm[2]};
    for (int r = 0; r < 3; r++) {
      dk[r * P + i] = w * v[r];
      dk[r * P + q + i] = w * vl[r];
      dk[r * P + 2 * q + i] = w * vm[r] * GP_TWO_PI;
    }
  }
  return 0;
}

int pv_gp_kernel_matrices(pv_gp_kernel_kind kind, int q, const double *theta, int n,
                          double h, double jitter, double *K, double *K1, double *K2) {
  int st = check_args(kind, q, theta, theta);
  if (st) return st;
  if (n < 1 || !isfinite(h) || !isfinite(jitter))
    return PV_ERROR(PV_EINVAL, "gp kernel matrices: n = %d, h = %g, jitter = %g", n, h, jitter);
  for (int l = 0; l < n; l++) {
    double k[3];
    pv_gp_kernel_eval(kind, q, theta, l * h, k);
    for (int i = l; i < n; i++) {
      int j = i - l;
      if (K) K[(size_t)i * n + j] = K[(size_t)j * n + i] = k[0] + (l == 0 ? jitter : 0.0);
      if (K1) { K1[(size_t)i * n + j] = k[1]; K1[(size_t)j * n + i] = -k[1]; }
      if (K2) K2[(size_t)i * n + j] = K2[(size_t)j * n + i] = k[2];
    }
  }
  return 0;
}

int pv_gp_kernel_cross(pv_gp_kernel_kind kind, int q, const double *theta,
                       const double *xs, int ns, const double *x, int n, double *C) {
  int st = check_args(kind, q, theta, C);
  if (st) return st;
  if (!xs || !x || ns < 1 || n < 1)
    return PV_ERROR(PV_EINVAL, "gp kernel cross: ns = %d, n = %d", ns, n);
  for (int i = 0; i < ns; i++)
    for (int j = 0; j < n; j++) {
      double k[3];
      pv_gp_kernel_eval(kind, q, theta, xs[i] - x[j], k);
      C[(size_t)i * n + j] = k[0];
    }
  return 0;
}
