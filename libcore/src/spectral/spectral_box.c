/* spectral_box.c - the box: sizes, wavenumbers, plans, workspaces, and the
 * plain forward/backward transforms. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/error.h>
#include "spectral_internal.h"

static const double TWO_PI = 6.283185307179586476925286766559;

int pvs_check_finite(const char *fn, const char *name, double v) {
  if (!isfinite(v)) return PV_ERROR(PV_EINVAL, "%s: %s = %g is not finite", fn, name, v);
  return PV_OK;
}

int pvs_check(const pv_spectral_box *b, const char *fn, int count, const void *const *ptrs) {
  if (!b) return PV_ERROR(PV_EINVAL, "%s: box is NULL", fn);
  for (int i = 0; i < count; i++)
    if (!ptrs[i]) return PV_ERROR(PV_EINVAL, "%s: array argument %d is NULL", fn, i + 1);
  return PV_OK;
}

int pvs_r2c(pv_spectral_box *b, const double *u, double *uh) {
  return pv_fft_execute(b->fwd, (void *)(uintptr_t)u, uh);
}

int pvs_c2r(pv_spectral_box *b, double *work, double *u) { return pv_fft_execute(b->bwd, work, u); }

static int validate(int dim, const int n[], const double L[], const pv_spectral_options *o) {
  if (dim < 1 || dim > 3) return PV_ERROR(PV_EINVAL, "spectral box: dim = %d must be 1, 2 or 3", dim);
  if (!n || !L) return PV_ERROR(PV_EINVAL, "spectral box: n or L is NULL");
  for (int a = 0; a < dim; a++) {
    if (n[a] < 2) return PV_ERROR(PV_EINVAL, "spectral box: n[%d] = %d must be >= 2", a, n[a]);
    if (!(L[a] > 0) || !isfinite(L[a]))
      return PV_ERROR(PV_EINVAL, "spectral box: L[%d] = %g must be positive and finite", a, L[a]);
  }
  if (o->struct_size < sizeof *o)
    return PV_ERROR(PV_EINVAL, "pv_spectral_options.struct_size %zu: use PV_SPECTRAL_OPTIONS_INIT",
                    o->struct_size);
  return PV_OK;
}

/* Per-axis tables: |frequency|, odd-derivative and squared wavenumbers. */
static int axis_tables(pv_spectral_box *b, int ia, int len) {
  b->kd[ia] = pv_malloc((size_t)len * sizeof(double));
  b->k2[ia] = pv_malloc((size_t)len * sizeof(double));
  b->freq[ia] = pv_malloc((size_t)len * sizeof(int));
  if (!b->kd[ia] || !b->k2[ia] || !b->freq[ia]) return PV_ERROR(PV_ENOMEM, "spectral box tables");
  const int n = b->m[ia];
  const double L = ia >= 3 - b->dim ? b->L[ia - (3 - b->dim)] : 1.0;
  for (int j = 0; j < len; j++) {
    int f = j <= n / 2 ? j : j - n;
    double kappa = TWO_PI * f / L;
    b->freq[ia][j] = f < 0 ? -f : f;
    b->kd[ia][j] = (n % 2 == 0 && 2 * j == n) ? 0.0 : kappa;
    b->k2[ia][j] = kappa * kappa;
  }
  return PV_OK;
}

static int make_plans(pv_ctx *ctx, pv_spectral_box *b, const pv_spectral_options *o) {
  pv_fft_options fo = PV_FFT_OPTIONS_INIT;
  fo.rigor = o->rigor;
  fo.wisdom_only = o->wisdom_only;
  int s = pv_fft_plan_create(ctx, PV_F64, PV_FFT_R2C, b->dim, b->n, 1, &fo, &b->fwd);
  if (!s) s = pv_fft_plan_create(ctx, PV_F64, PV_FFT_C2R, b->dim, b->n, 1, &fo, &b->bwd);
  return s;
}

int pv_spectral_box_create(pv_ctx *ctx, int dim, const int n[], const double L[],
                           const pv_spectral_options *opts, pv_spectral_box **out) {
  static const pv_spectral_options defaults = PV_SPECTRAL_OPTIONS_INIT;
  if (!out) return PV_ERROR(PV_EINVAL, "pv_spectral_box_create: out is NULL");
  *out = NULL;
  const pv_spectral_options *o = opts ? opts : &defaults;
  int s = validate(dim, n, L, o);
  if (s) return s;
  pv_spectral_box *b = pv_calloc(1, sizeof *b);
  if (!b) return PV_ERROR(PV_ENOMEM, "spectral box");
  b->ctx = ctx;
  b->dim = dim;
  b->volume = 1.0;
  for (int ia = 0; ia < 3; ia++) b->m[ia] = 1;
  for (int a = 0; a < dim; a++) {
    b->n[a] = n[a];
    b->L[a] = L[a];
    b->m[a + 3 - dim] = n[a];
    b->volume *= L[a];
  }
  b->mh = b->m[2] / 2 + 1;
  b->N = (size_t)b->m[0] * b->m[1] * b->m[2];
  b->Nh = (size_t)b->m[0] * b->m[1] * b->mh;
  for (int ia = 0; ia < 3 && !s; ia++) s = axis_tables(b, ia, ia == 2 ? b->mh : b->m[ia]);
  if (!s) {
    b->wc = pv_malloc(2 * b->Nh * sizeof(double));
    b->wc2 = pv_malloc(2 * b->Nh * sizeof(double));
    if (!b->wc || !b->wc2) s = PV_ERROR(PV_ENOMEM, "spectral box workspace");
  }
  if (!s) s = make_plans(ctx, b, o);
  if (s) {
    pv_spectral_box_destroy(&b);
    return s;
  }
  *out = b;
  return PV_OK;
}

void pv_spectral_box_destroy(pv_spectral_box **box) {
  if (!box || !*box) return;
  pv_spectral_box *b = *box;
  for (int ia = 0; ia < 3; ia++) {
    pv_free(b->kd[ia]);
    pv_free(b->k2[ia]);
    pv_free(b->freq[ia]);
  }
  pv_free(b->wc);
  pv_free(b->wc2);
  pv_fft_plan_destroy(&b->fwd);
  pv_fft_plan_destroy(&b->bwd);
  pv_free(b);
  *box = NULL;
}

size_t pv_spectral_box_npoints(const pv_spectral_box *b) { return b ? b->N : 0; }
size_t pv_spectral_box_nmodes(const pv_spectral_box *b) { return b ? b->Nh : 0; }

int pv_spectral_wavenumbers(const pv_spectral_box *b, int axis, double *k) {
  const void *p[] = {k};
  int s = pvs_check(b, "pv_spectral_wavenumbers", 1, p);
  if (s) return s;
  if (axis < 0 || axis >= b->dim)
    return PV_ERROR(PV_EINVAL, "pv_spectral_wavenumbers: axis %d outside 0..%d", axis, b->dim - 1);
  int ia = pvs_axis(b, axis), len = ia == 2 ? b->mh : b->m[ia];
  for (int j = 0; j < len; j++) k[j] = sqrt(b->k2[ia][j]) * (j <= b->m[ia] / 2 ? 1.0 : -1.0);
  return PV_OK;
}

int pv_spectral_forward(pv_spectral_box *b, const double *u, double *uh) {
  const void *p[] = {u, uh};
  int s = pvs_check(b, "pv_spectral_forward", 2, p);
  return s ? s : pvs_r2c(b, u, uh);
}

int pv_spectral_backward(pv_spectral_box *b, const double *uh, double *u) {
  const void *p[] = {uh, u};
  int s = pvs_check(b, "pv_spectral_backward", 2, p);
  if (s) return s;
  const double inv = 1.0 / (double)b->N;
  for (size_t i = 0; i < 2 * b->Nh; i++) b->wc[i] = uh[i] * inv;
  return pvs_c2r(b, b->wc, u);
}
