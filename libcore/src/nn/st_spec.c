/* st_spec.c - space-time spectral layer with time resampling and spectral
 * bias (Spectral-Refiner's SpectralConvS / SpectralConvT): full 3D real
 * FFTs, the retained corner modes gathered into a compact spectrum for
 * pv_spectral_conv, and the exact adjoint. */
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/spectral.h>
#include "nn/st_internal.h"

struct pv_st_spec {
  pv_ctx *ctx;
  pv_st_spec_options o;
  int threads;
  size_t rs, hin, hout, csz;      /* bytes/real, half spectra in/out, compact (complex) */
  size_t wcount, bcount;
  pv_spectral_conv cc;            /* compact geometry [2mx][2my][mt] */
  int plan_batch, ws_batch;
  pv_fft_plan *r2c_in, *c2r_out, *r2c_out, *c2r_in;
  void *full, *xc, *yc, *wtmp;
};

void pv__st_spec_destroy(pv_st_spec **ps) {
  if (!ps || !*ps) return;
  pv_st_spec *s = *ps;
  pv_fft_plan_destroy(&s->r2c_in);
  pv_fft_plan_destroy(&s->c2r_out);
  pv_fft_plan_destroy(&s->r2c_out);
  pv_fft_plan_destroy(&s->c2r_in);
  pv_free(s->full);
  pv_free(s->xc);
  pv_free(s->yc);
  pv_free(s->wtmp);
  pv_free(s);
  *ps = NULL;
}

int pv__st_spec_create(pv_ctx *ctx, const pv_st_spec_options *o, pv_st_spec **out) {
  *out = NULL;
  const int mx = o->modes[0], my = o->modes[1], mt = o->modes[2];
  if (o->nx < 2 || o->ny < 2 || o->nt_in < 1 || o->nt_out < 1 || mx < 1 || my < 1 || mt < 1 ||
      2 * mx > o->nx || 2 * my > o->ny || 2 * (mt - 1) >= o->nt_in || 2 * (mt - 1) >= o->nt_out ||
      o->cin < 1 || o->cout < 1)
    return PV_ERROR(PV_EINVAL, "space-time spectral layer: grid %d x %d, time %d -> %d, modes "
                    "(%d, %d, %d): need 2 mx <= nx, 2 my <= ny, 2 (mt - 1) < nt", o->nx, o->ny,
                    o->nt_in, o->nt_out, mx, my, mt);
  pv_st_spec *s = pv_calloc(1, sizeof *s);
  if (!s) return PV_ERROR(PV_ENOMEM, "space-time spectral layer");
  s->ctx = ctx;
  s->o = *o;
  s->threads = ctx ? pv_ctx_threads(ctx) : 1;
  s->rs = pv_dtype_size(o->dtype);
  s->hin = (size_t)o->nx * o->ny * (o->nt_in / 2 + 1);
  s->hout = (size_t)o->nx * o->ny * (o->nt_out / 2 + 1);
  s->csz = (size_t)4 * mx * my * mt;
  pv_spectral_conv c = {sizeof c, o->dtype, 3, {2 * mx, 2 * my, 2 * mt - 1}, {mx, my, mt}, 1,
                        o->cin, o->cout, s->threads};
  s->cc = c;
  int st = pv_spectral_conv_weight_count(&c, &s->wcount);
  s->bcount = o->bias ? s->csz : 0;
  if (!st) {
    s->wtmp = pv_malloc(2 * s->wcount * s->rs);
    if (!s->wtmp) st = PV_ERROR(PV_ENOMEM, "space-time spectral layer: weight scratch");
  }
  if (st) {
    pv__st_spec_destroy(&s);
    return st;
  }
  *out = s;
  return PV_OK;
}

size_t pv__st_spec_csize(const pv_st_spec *s) { return s->csz; }
size_t pv__st_spec_wcount(const pv_st_spec *s) { return s->wcount; }
size_t pv__st_spec_bcount(const pv_st_spec *s) { return s->bcount; }

static int prepare(pv_st_spec *s, int batch) {
  if (batch < 1) return PV_ERROR(PV_EINVAL, "space-time spectral layer: batch %d", batch);
  if (batch != s->plan_batch) {
    pv_fft_plan_destroy(&s->r2c_in);
    pv_fft_plan_destroy(&s->c2r_out);
    pv_fft_plan_destroy(&s->r2c_out);
    pv_fft_plan_destroy(&s->c2r_in);
    s->plan_batch = 0;
    pv_fft_options fo = PV_FFT_OPTIONS_INIT;
    fo.rigor = s->o.rigor;
    const int ni[3] = {s->o.nx, s->o.ny, s->o.nt_in}, no[3] = {s->o.nx, s->o.ny, s->o.nt_out};
    const int hi = batch * s->o.cin, ho = batch * s->o.cout;
    pv_dtype d = s->o.dtype;
    int st = pv_fft_plan_create(s->ctx, d, PV_FFT_R2C, 3, ni, hi, &fo, &s->r2c_in);
    if (!st) st = pv_fft_plan_create(s->ctx, d, PV_FFT_C2R, 3, no, ho, &fo, &s->c2r_out);
    if (!st) st = pv_fft_plan_create(s->ctx, d, PV_FFT_R2C, 3, no, ho, &fo, &s->r2c_out);
    if (!st) st = pv_fft_plan_create(s->ctx, d, PV_FFT_C2R, 3, ni, hi, &fo, &s->c2r_in);
    if (st) return st;
    s->plan_batch = batch;
  }
  if (batch > s->ws_batch) {
    const size_t cm = (size_t)(s->o.cin > s->o.cout ? s->o.cin : s->o.cout);
    const size_t h = s->hin > s->hout ? s->hin : s->hout;
    pv_free(s->full);
    pv_free(s->xc);
    pv_free(s->yc);
    s->full = pv_malloc(2 * (size_t)batch * cm * h * s->rs);
    s->xc = pv_malloc(2 * (size_t)batch * cm * s->csz * s->rs);
    s->yc = pv_malloc(2 * (size_t)batch * cm * s->csz * s->rs);
    s->ws_batch = 0;
    if (!s->full || !s->xc || !s->yc)
      return PV_ERROR(PV_ENOMEM, "space-time spectral layer: workspaces for batch %d", batch);
    s->ws_batch = batch;
  }
  s->cc.batch = batch;
  return PV_OK;
}

/* Compact index c <-> full half-spectrum offset (complex units) for time
 * half-length ht: rows ix < mx low, else nx - 2 mx + ix. */
static size_t full_index(const pv_st_spec *s, size_t ht, int ix, int iy, int it) {
  const int mx = s->o.modes[0], my = s->o.modes[1];
  const size_t x = (size_t)(ix < mx ? ix : s->o.nx - 2 * mx + ix);
  const size_t y = (size_t)(iy < my ? iy : s->o.ny - 2 * my + iy);
  return (x * (size_t)s->o.ny + y) * ht + (size_t)it;
}

/* gather (scatter = 0) the retained modes of nch full spectra (time half
 * length ht) into compact ones, or scatter them back into zeroed full ones. */
static void compact_copy(const pv_st_spec *s, int nch, size_t ht, void *full, void *cmp,
                         int scatter) {
  const int mx = s->o.modes[0], my = s->o.modes[1], mt = s->o.modes[2];
  const size_t z = 2 * s->rs, fsz = (size_t)s->o.nx * s->o.ny * ht;
#if defined(_OPENMP)
#pragma omp parallel for num_threads(s->threads) if (s->threads > 1 && nch > 4) schedule(static)
#endif
  for (int c = 0; c < nch; c++) {
    char *f = (char *)full + (size_t)c * fsz * z, *k = (char *)cmp + (size_t)c * s->csz * z;
    if (scatter) memset(f, 0, fsz * z);
    for (int ix = 0; ix < 2 * mx; ix++)
      for (int iy = 0; iy < 2 * my; iy++) {
        char *fp = f + full_index(s, ht, ix, iy, 0) * z;
        char *kp = k + ((size_t)ix * 2 * my + iy) * mt * z;
        if (scatter) memcpy(fp, kp, (size_t)mt * z);
        else memcpy(kp, fp, (size_t)mt * z);
      }
  }
}

/* Block-relative bias offset (complex units) of compact mode (ix, iy, it). */
static size_t bias_index(const pv_st_spec *s, int ix, int iy, int it) {
  const int mx = s->o.modes[0], my = s->o.modes[1], mt = s->o.modes[2];
  const int blk = (ix >= mx) + 2 * (iy >= my);
  return (((size_t)blk * mx + (size_t)(ix % mx)) * my + (size_t)(iy % my)) * mt + (size_t)it;
}

/* y[c] = a * (y[c] + delta B[bias(c)]) over nch compact spectra (B may be NULL),
 * or (grad) dB[bias(c)] += delta * sum_ch y[c] and y[c] *= weight (2 off kt = 0). */
#define SPEC_LOOP(R)                                                                         \
  do {                                                                                       \
    R *y = (R *)yc;                                                                          \
    const int mx = s->o.modes[0], my = s->o.modes[1], mt = s->o.modes[2];                    \
    for (int ch = 0; ch < nch; ch++)                                                         \
      for (int ix = 0; ix < 2 * mx; ix++)                                                    \
        for (int iy = 0; iy < 2 * my; iy++)                                                  \
          for (int it = 0; it < mt; it++) {                                                  \
            R *p = y + 2 * ((size_t)ch * s->csz + ((size_t)ix * 2 * my + iy) * mt + it);     \
            const size_t bi = 2 * bias_index(s, ix, iy, it);                                 \
            if (!grad) {                                                                     \
              if (B) { p[0] += (R)(s->o.delta * ((const R *)B)[bi]);                         \
                       p[1] += (R)(s->o.delta * ((const R *)B)[bi + 1]); }                   \
              p[0] *= (R)a; p[1] *= (R)a;                                                    \
            } else {                                                                         \
              const R wgt = it == 0 ? (R)1 : (R)2;                                           \
              p[0] *= (R)a * wgt; p[1] *= (R)a * wgt;                                        \
              if (B) { ((R *)B)[bi] += (R)(s->o.delta * p[0]);                               \
                       ((R *)B)[bi + 1] += (R)(s->o.delta * p[1]); }                         \
            }                                                                                \
          }                                                                                  \
  } while (0)

static void spec_bias_scale(const pv_st_spec *s, int nch, void *yc, const void *Bc, double a,
                            int grad) {
  void *B = (void *)Bc;
  if (s->o.dtype == PV_F32) SPEC_LOOP(float);
  else SPEC_LOOP(double);
}

int pv__st_spec_forward(pv_st_spec *s, int batch, const void *X, const void *W, const void *B,
                        void *Y, void *Xh) {
  int st = prepare(s, batch);
  if (st) return st;
  const size_t hti = (size_t)s->o.nt_in / 2 + 1, hto = (size_t)s->o.nt_out / 2 + 1;
  void *xc = Xh ? Xh : s->xc;
  st = pv_fft_execute(s->r2c_in, (void *)X, s->full);
  if (st) return st;
  compact_copy(s, batch * s->o.cin, hti, s->full, xc, 0);
  st = pv_spectral_conv_forward(&s->cc, xc, W, s->yc);
  if (st) return st;
  const double N = (double)s->o.nx * s->o.ny * s->o.nt_out;
  spec_bias_scale(s, batch * s->o.cout, s->yc, s->o.bias ? B : NULL, 1.0 / N, 0);
  compact_copy(s, batch * s->o.cout, hto, s->full, s->yc, 1);
  return pv_fft_execute(s->c2r_out, s->full, Y);
}

static void add_reals(pv_dtype dt, size_t n, const void *a, void *y) {
  if (dt == PV_F32) {
    const float *x = a; float *z = y;
    for (size_t i = 0; i < n; i++) z[i] += x[i];
  } else {
    const double *x = a; double *z = y;
    for (size_t i = 0; i < n; i++) z[i] += x[i];
  }
}

int pv__st_spec_backward(pv_st_spec *s, int batch, const void *Xh, const void *W, const void *dY,
                         void *dX, void *dW, void *dB) {
  int st = prepare(s, batch);
  if (st) return st;
  const size_t hti = (size_t)s->o.nt_in / 2 + 1, hto = (size_t)s->o.nt_out / 2 + 1;
  const double N = (double)s->o.nx * s->o.ny * s->o.nt_out;
  /* dZ = r2c(dY) / N on the retained modes */
  st = pv_fft_execute(s->r2c_out, (void *)dY, s->full);
  if (st) return st;
  compact_copy(s, batch * s->o.cout, hto, s->full, s->yc, 0);
  spec_bias_scale(s, batch * s->o.cout, s->yc, NULL, 1.0 / N, 0);
  if (dX) {
    st = pv_spectral_conv_adjoint(&s->cc, s->yc, W, s->xc);
    if (st) return st;
    compact_copy(s, batch * s->o.cin, hti, s->full, s->xc, 1);
    st = pv_fft_execute(s->c2r_in, s->full, dX);
    if (st) return st;
  }
  if (dW || dB) {
    /* the half spectrum stands for the modes kt > 0 twice */
    spec_bias_scale(s, batch * s->o.cout, s->yc, s->o.bias ? dB : NULL, 1.0, 1);
    if (dW) {
      st = pv_spectral_conv_weight_adjoint(&s->cc, Xh, s->yc, s->wtmp);
      if (st) return st;
      add_reals(s->o.dtype, 2 * s->wcount, s->wtmp, dW);
    }
  }
  return PV_OK;
}
