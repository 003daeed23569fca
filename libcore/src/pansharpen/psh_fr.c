/* Sensor MTF gains, Wald's degradation and the full-resolution indexes
 * (D_lambda of Khan, D_S and QNR, and the regression-based D_S). */
#include <lapacke.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#include <parseval/alloc.h>
#include <parseval/error.h>

#include "psh_internal.h"

typedef struct sensor {
  const char *name;
  size_t bands; /* 0: any */
  double pan, ms[8];
} sensor;

/* genMTF.m / MTF_PAN.m of the toolbox; PRISMA from its HS toolbox. */
static const sensor sensors[] = {
    {"QB", 4, 0.15, {0.34, 0.32, 0.30, 0.22}},
    {"IKONOS", 4, 0.17, {0.26, 0.28, 0.29, 0.28}},
    {"GeoEye1", 4, 0.16, {0.23, 0.23, 0.23, 0.23}},
    {"WV4", 4, 0.16, {0.23, 0.23, 0.23, 0.23}},
    {"WV2", 8, 0.11, {0.35, 0.35, 0.35, 0.35, 0.35, 0.35, 0.35, 0.27}},
    {"WV3", 8, 0.14, {0.325, 0.355, 0.360, 0.350, 0.365, 0.360, 0.335, 0.315}},
    {"PRISMA", 0, 0.2, {0.3}},
    {"none", 0, 0.15, {0.29}},
};

int pv_psh_sensor_gains(const char *name, size_t bands, double *gnyq_ms, double *gnyq_pan) {
  for (size_t i = 0; name && i < sizeof sensors / sizeof sensors[0]; i++) {
    const sensor *s = &sensors[i];
    if (strcasecmp(name, s->name)) continue;
    if (s->bands && bands != s->bands)
      return PV_ERROR(PV_EINVAL, "sensor %s has %zu bands, the image %zu", s->name, s->bands, bands);
    for (size_t b = 0; gnyq_ms && b < bands; b++) gnyq_ms[b] = s->bands ? s->ms[b] : s->ms[0];
    if (gnyq_pan) *gnyq_pan = s->pan;
    return PV_OK;
  }
  return PV_ERROR(PV_EINVAL, "sensor '%s' unknown (QB, IKONOS, GeoEye1, WV2, WV3, WV4, PRISMA, none)",
                  name ? name : "(null)");
}

/* Mark low-resolution cells holding an invalid high-resolution pixel. */
static void mask_cells(size_t r, size_t w, size_t h, const double *in, double *out) {
  for (size_t y = 0; y < h; y++)
    for (size_t x = 0; x < w; x++)
      if (!isfinite(in[y * w + x])) out[(y / r) * (w / r) + x / r] = NAN;
}

int pv_psh_degrade(int ratio, size_t bands, size_t w, size_t h, const double *in, const double *gnyq, double *out) {
  if (!in || !out || !bands || ratio < 1 || ratio > PV_PSH_MAX_RATIO || !w || !h || w % (size_t)ratio ||
      h % (size_t)ratio)
    return PV_ERROR(PV_EINVAL, "degrade: %zu x %zu x %zu cube, ratio %d (sizes must be multiples)", w, h, bands, ratio);
  size_t r = (size_t)ratio, nl = (w / r) * (h / r);
  pv_psh_filter *f = NULL;
  double last = -1, *tmp = pv_malloc(w * h * sizeof *tmp);
  int rc = tmp ? PV_OK : PV_ERROR(PV_ENOMEM, "degrade: %zu x %zu band", w, h);
  for (size_t b = 0; !rc && b < bands; b++) {
    double g = gnyq ? gnyq[b] : 0.29;
    if (g != last) {
      pv_psh_filter_destroy(&f);
      rc = pv_psh_filter_create_mtf(g, ratio, &f);
      last = g;
    }
    memcpy(tmp, in + b * w * h, w * h * sizeof *tmp);
    size_t valid = rc ? 0 : psh_fill_nan(w * h, tmp);
    if (!rc && !valid) rc = PV_ERROR(PV_EINVAL, "degrade: band %zu has no valid pixel", b + 1);
    if (!rc) rc = pv_psh_filter_decimate(f, ratio, w, h, tmp, out + b * nl);
    if (!rc && valid < w * h) mask_cells(r, w, h, in + b * w * h, out + b * nl);
  }
  pv_psh_filter_destroy(&f);
  pv_free(tmp);
  return rc;
}

int pv_psh_wald(pv_ctx *ctx, const pv_psh_options *opt, size_t bands, size_t wl, size_t hl, const double *ms,
                const double *pan, size_t cut, size_t block, pv_psh_rr_scores *s, double *fused_out) {
  if (!opt || opt->struct_size < sizeof *opt || !ms || !pan || !s || opt->ratio < 2 ||
      opt->ratio > PV_PSH_MAX_RATIO || !wl || !hl || wl % (size_t)opt->ratio || hl % (size_t)opt->ratio)
    return PV_ERROR(PV_EINVAL, "Wald protocol: the %zu x %zu MS must be a multiple of the ratio", wl, hl);
  size_t r = (size_t)opt->ratio, w = wl * r, h = hl * r, nll = (wl / r) * (hl / r), nl = wl * hl;
  double *msd = pv_malloc(bands * nll * sizeof *msd), *pand = pv_malloc(nl * sizeof *pand);
  double *fu = fused_out ? fused_out : pv_malloc(bands * nl * sizeof *fu);
  int rc = msd && pand && fu ? PV_OK : PV_ERROR(PV_ENOMEM, "Wald protocol: %zu x %zu x %zu", wl, hl, bands);
  if (!rc) rc = pv_psh_degrade(opt->ratio, bands, wl, hl, ms, opt->gnyq_ms, msd);
  if (!rc) rc = pv_psh_degrade(opt->ratio, 1, w, h, pan, &opt->gnyq_pan, pand);
  if (!rc) rc = pv_psh_fuse(ctx, opt, bands, wl / r, hl / r, msd, pand, fu);
  if (!rc) rc = pv_psh_rr_assess(bands, wl, hl, ms, fu, (double)r, cut, block, s);
  pv_free(msd), pv_free(pand);
  if (fu != fused_out) pv_free(fu);
  return rc;
}

/* 1 - R^2 of PAN regressed on the fused bands and a constant. */
static int ds_r2(size_t bands, size_t n, const double *pan, const double *fused, double *out) {
  size_t k = bands + 1, m = 0;
  double *A = pv_malloc(n * k * sizeof *A), *y = pv_malloc(n * sizeof *y), mean = 0, tot = 0, res = 0;
  int rc = A && y ? PV_OK : PV_ERROR(PV_ENOMEM, "D_S (R^2): %zu x %zu design", n, k);
  for (size_t i = 0; !rc && i < n; i++) {
    int ok = isfinite(pan[i]);
    for (size_t b = 0; b < bands; b++) ok = ok && isfinite(fused[b * n + i]);
    if (!ok) continue;
    for (size_t b = 0; b < bands; b++) A[m * k + b] = fused[b * n + i];
    A[m * k + bands] = 1;
    y[m++] = pan[i];
  }
  if (!rc && m <= k) rc = PV_ERROR(PV_EINVAL, "D_S (R^2): %zu valid pixels for %zu unknowns", m, k);
  for (size_t i = 0; !rc && i < m; i++) mean += y[i] / (double)m;
  for (size_t i = 0; !rc && i < m; i++) tot += (y[i] - mean) * (y[i] - mean);
  if (!rc) {
    lapack_int info = LAPACKE_dgels(LAPACK_ROW_MAJOR, 'N', (lapack_int)m, (lapack_int)k, 1, A, (lapack_int)k, y, 1);
    if (info) rc = PV_ERROR(PV_ENUMERIC, "D_S (R^2): least squares failed (LAPACK info %d)", (int)info);
  }
  for (size_t i = k; !rc && i < m; i++) res += y[i] * y[i]; /* dgels leaves the residual's rotated tail */
  if (!rc) *out = tot > 0 ? res / tot : 0;
  pv_free(A), pv_free(y);
  return rc;
}

int pv_psh_fr_assess(int ratio, size_t bands, size_t wl, size_t hl, const double *ms, const double *pan,
                     const double *fused, const double *gnyq_ms, double gnyq_pan, size_t block, double q,
                     pv_psh_fr_scores *s) {
  if (!ms || !pan || !fused || !s || !bands || !wl || !hl || ratio < 2 || ratio > PV_PSH_MAX_RATIO ||
      block < (size_t)ratio * 2 || !(q >= 1))
    return PV_ERROR(PV_EINVAL, "FR assessment: ratio %d, %zu bands of %zu x %zu, block %zu, q %g", ratio, bands, wl,
                    hl, block, q);
  size_t r = (size_t)ratio, w = wl * r, h = hl * r, n = w * h, nl = wl * hl, bl = block / r;
  double *fl = pv_malloc(bands * nl * sizeof *fl), *pl = pv_malloc(nl * sizeof *pl);
  int rc = fl && pl ? PV_OK : PV_ERROR(PV_ENOMEM, "FR assessment: %zu x %zu x %zu", wl, hl, bands);
  if (!rc) rc = pv_psh_degrade(ratio, bands, w, h, fused, gnyq_ms, fl);
  if (!rc) rc = pv_psh_degrade(ratio, 1, w, h, pan, &gnyq_pan, pl);
  double q2n = 0;
  if (!rc) rc = pv_psh_q2n(bands, wl, hl, ms, fl, block, block, &q2n);
  double ds = 0;
  for (size_t b = 0; !rc && b < bands; b++) {
    double qh = psh_uiqi_tiles(w, h, fused + b * n, pan, block < w && block < h ? block : (w < h ? w : h));
    double ql = psh_uiqi_tiles(wl, hl, ms + b * nl, pl, bl < wl && bl < hl ? bl : (wl < hl ? wl : hl));
    if (!isfinite(qh) || !isfinite(ql)) rc = PV_ERROR(PV_EINVAL, "D_S: band %zu has no valid tile", b + 1);
    ds += pow(fabs(qh - ql), q) / (double)bands;
  }
  if (!rc) {
    s->d_lambda = 1 - q2n;
    s->d_s = pow(ds, 1 / q);
    s->qnr = (1 - s->d_lambda) * (1 - s->d_s);
    rc = ds_r2(bands, n, pan, fused, &s->d_s_r2);
  }
  pv_free(fl), pv_free(pl);
  return rc;
}
