/* nn_spectral.c - FNO spectral convolution layer (2D/3D): real FFTs around
 * pv_spectral_conv's truncated-mode products, with the exact adjoint. */
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/nn.h>
#include <parseval/spectral.h>

struct pv_nn_spectral {
  pv_ctx *ctx;
  pv_nn_spectral_options o;
  pv_spectral_conv conv;
  int threads;
  size_t spec, npts, wcount, rs;  /* complex per channel, reals per channel, weights, real size */
  int plan_batch;                 /* batch the plans were made for (0: none) */
  pv_fft_plan *r2c_in, *c2r_out, *r2c_out, *c2r_in;
  /* 2D: the plans above transform rows only (last axis); the column
   * transforms run on the m1 retained columns alone (pruned 2D FFT) */
  int pruned;
  pv_fft_plan *col_fwd, *col_bwd;
  /* 2D: the mode products run on compact spectra holding only the retained
   * modes, [ch][2 m0][m1] (low rows, then high rows): cconv is the
   * pv_spectral_conv geometry of that layout (n = 2 m0 x (2 m1 - 1)) */
  pv_spectral_conv cconv;
  size_t cspec;                   /* complex per channel of a compact spectrum */
  void *xc, *yc;                  /* compact workspaces */
  int ws_batch;                   /* batch the workspaces hold */
  void *xh, *yh, *wtmp;           /* spectra of batch*max(cin,cout) channels; weight grad */
};

void pv_nn_spectral_destroy(pv_nn_spectral **ps) {
  if (!ps || !*ps) return;
  pv_nn_spectral *s = *ps;
  pv_fft_plan_destroy(&s->r2c_in);
  pv_fft_plan_destroy(&s->c2r_out);
  pv_fft_plan_destroy(&s->r2c_out);
  pv_fft_plan_destroy(&s->c2r_in);
  pv_fft_plan_destroy(&s->col_fwd);
  pv_fft_plan_destroy(&s->col_bwd);
  pv_free(s->xh);
  pv_free(s->yh);
  pv_free(s->xc);
  pv_free(s->yc);
  pv_free(s->wtmp);
  pv_free(s);
  *ps = NULL;
}

int pv_nn_spectral_create(pv_ctx *ctx, const pv_nn_spectral_options *o, pv_nn_spectral **out) {
  if (!out) return PV_ERROR(PV_EINVAL, "pv_nn_spectral_create: out is NULL");
  *out = NULL;
  if (!o || o->struct_size < sizeof *o)
    return PV_ERROR(PV_EINVAL, "pv_nn_spectral_create: NULL options or struct_size too small");
  pv_spectral_conv c = {sizeof c, o->dtype, o->dim, {0, 0, 0}, {0, 0, 0}, 1, o->cin, o->cout, 0};
  for (int a = 0; a < 3; a++) { c.n[a] = o->n[a]; c.modes[a] = o->modes[a]; }
  size_t wc = 0;
  int st = pv_spectral_conv_weight_count(&c, &wc); /* validates dims, modes, dtype */
  if (st) return st;
  pv_nn_spectral *s = pv_calloc(1, sizeof *s);
  if (!s) return PV_ERROR(PV_ENOMEM, "pv_nn_spectral_create: %zu bytes", sizeof *s);
  s->ctx = ctx;
  s->o = *o;
  s->o.struct_size = sizeof s->o;
  s->threads = ctx ? pv_ctx_threads(ctx) : 1;
  c.threads = s->threads;
  s->conv = c;
  s->wcount = wc;
  s->rs = pv_dtype_size(o->dtype);
  s->npts = 1;
  s->spec = 1;
  for (int a = 0; a < o->dim; a++) {
    s->npts *= (size_t)o->n[a];
    s->spec *= (size_t)(a == o->dim - 1 ? o->n[a] / 2 + 1 : o->n[a]);
  }
  s->pruned = o->dim == 2;
  s->cspec = s->spec;
  if (s->pruned) {
    s->cconv = c;
    s->cconv.n[0] = 2 * o->modes[0];
    s->cconv.n[1] = 2 * o->modes[1] - 1;
    s->cspec = (size_t)2 * o->modes[0] * o->modes[1];
  }
  s->wtmp = pv_malloc(2 * wc * s->rs);
  int cs = PV_OK;
  if (s->pruned) { /* in-place c2c down columns [0, m1) of one channel's half spectrum */
    pv_fft_options co = PV_FFT_OPTIONS_INIT;
    co.rigor = o->rigor;
    co.threads = 1;
    co.inplace = 1;
    co.istride = co.ostride = o->n[1] / 2 + 1;
    co.idist = co.odist = 1;
    cs = pv_fft_plan_create(ctx, o->dtype, PV_FFT_C2C_FORWARD, 1, o->n, o->modes[1], &co,
                            &s->col_fwd);
    if (!cs)
      cs = pv_fft_plan_create(ctx, o->dtype, PV_FFT_C2C_BACKWARD, 1, o->n, o->modes[1], &co,
                              &s->col_bwd);
  }
  if (cs) {
    pv_nn_spectral_destroy(&s);
    return cs;
  }
  if (!s->wtmp) {
    pv_nn_spectral_destroy(&s);
    return PV_ERROR(PV_ENOMEM, "pv_nn_spectral_create: weight scratch");
  }
  *out = s;
  return PV_OK;
}

size_t pv_nn_spectral_spec_size(const pv_nn_spectral *s) { return s ? s->cspec : 0; }
size_t pv_nn_spectral_weight_count(const pv_nn_spectral *s) { return s ? s->wcount : 0; }

/* Plans and workspaces for this batch (re-made from the FFT cache on change). */
static int prepare(pv_nn_spectral *s, int batch) {
  if (batch < 1) return PV_ERROR(PV_EINVAL, "pv_nn_spectral: batch %d must be >= 1", batch);
  if (batch != s->plan_batch) {
    pv_fft_plan_destroy(&s->r2c_in);
    pv_fft_plan_destroy(&s->c2r_out);
    pv_fft_plan_destroy(&s->r2c_out);
    pv_fft_plan_destroy(&s->c2r_in);
    s->plan_batch = 0;
    pv_fft_options fo = PV_FFT_OPTIONS_INIT;
    fo.rigor = s->o.rigor;
    const int *n = s->o.n;
    int d = s->o.dim, hi = batch * s->o.cin, ho = batch * s->o.cout;
    if (s->pruned) { /* row transforms: rank 1 over the last axis */
      n = s->o.n + 1;
      d = 1;
      hi *= s->o.n[0];
      ho *= s->o.n[0];
    }
    int st = pv_fft_plan_create(s->ctx, s->o.dtype, PV_FFT_R2C, d, n, hi, &fo, &s->r2c_in);
    if (!st) st = pv_fft_plan_create(s->ctx, s->o.dtype, PV_FFT_C2R, d, n, ho, &fo, &s->c2r_out);
    if (!st) st = pv_fft_plan_create(s->ctx, s->o.dtype, PV_FFT_R2C, d, n, ho, &fo, &s->r2c_out);
    if (!st) st = pv_fft_plan_create(s->ctx, s->o.dtype, PV_FFT_C2R, d, n, hi, &fo, &s->c2r_in);
    if (st) return st;
    s->plan_batch = batch;
  }
  if (batch > s->ws_batch) {
    int cm = s->o.cin > s->o.cout ? s->o.cin : s->o.cout;
    size_t bytes = 2 * (size_t)batch * cm * s->spec * s->rs;
    const size_t cbytes = 2 * (size_t)batch * cm * s->cspec * s->rs;
    pv_free(s->xh);
    pv_free(s->yh);
    pv_free(s->xc);
    pv_free(s->yc);
    s->xh = pv_malloc(bytes);
    s->yh = pv_malloc(bytes);
    s->xc = pv_malloc(cbytes);
    s->yc = pv_malloc(cbytes);
    s->ws_batch = 0;
    if (!s->xh || !s->yh || !s->xc || !s->yc)
      return PV_ERROR(PV_ENOMEM, "pv_nn_spectral: %zu-byte workspaces", bytes);
    s->ws_batch = batch;
  }
  s->conv.batch = batch;
  s->cconv.batch = batch;
  return PV_OK;
}

/* Multiply n reals by a (OpenMP). */
static void scale_reals(pv_dtype dt, int threads, size_t n, void *x, double a) {
  if (dt == PV_F32) {
    float *f = x, af = (float)a;
#if defined(_OPENMP)
#pragma omp parallel for num_threads(threads) if (threads > 1 && n > 65536) schedule(static)
#endif
    for (size_t i = 0; i < n; i++) f[i] *= af;
  } else {
    double *f = x;
#if defined(_OPENMP)
#pragma omp parallel for num_threads(threads) if (threads > 1 && n > 65536) schedule(static)
#endif
    for (size_t i = 0; i < n; i++) f[i] *= a;
  }
}

/* Half spectrum of nch channels: full r2c, or rows then retained columns. */
static int dft(pv_nn_spectral *s, pv_fft_plan *rows, int nch, const void *x, void *xh) {
  int st = pv_fft_execute(rows, (void *)x, xh);
  if (st || !s->pruned) return st;
  const size_t cb = 2 * s->spec * s->rs;
  int bad = 0;
#if defined(_OPENMP)
#pragma omp parallel for num_threads(s->threads) if (s->threads > 1) schedule(static) reduction(|:bad)
#endif
  for (int c = 0; c < nch; c++) {
    char *p = (char *)xh + (size_t)c * cb;
    bad |= pv_fft_execute(s->col_fwd, p, p) != 0;
  }
  return bad ? PV_ERROR(PV_EINTERNAL, "pv_nn_spectral: column FFT failed") : PV_OK;
}

/* Inverse (unnormalised) of a half spectrum zero outside the retained modes;
 * xh is overwritten. */
static int idft(pv_nn_spectral *s, pv_fft_plan *rows, int nch, void *xh, void *x) {
  if (s->pruned) {
    const size_t cb = 2 * s->spec * s->rs;
    int bad = 0;
#if defined(_OPENMP)
#pragma omp parallel for num_threads(s->threads) if (s->threads > 1) schedule(static) reduction(|:bad)
#endif
    for (int c = 0; c < nch; c++) {
      char *p = (char *)xh + (size_t)c * cb;
      bad |= pv_fft_execute(s->col_bwd, p, p) != 0;
    }
    if (bad) return PV_ERROR(PV_EINTERNAL, "pv_nn_spectral: column FFT failed");
  }
  return pv_fft_execute(rows, xh, x);
}

/* Copy the retained modes of nch full half spectra into compact ones
 * (gather) or back into zeroed full ones (scatter). */
static void compact_copy(const pv_nn_spectral *s, int nch, void *full, void *cmp, int scatter) {
  const int n0 = s->o.n[0], m0 = s->o.modes[0], m1 = s->o.modes[1];
  const size_t h1 = (size_t)(s->o.n[1] / 2 + 1), z = 2 * s->rs, row = (size_t)m1 * z;
#if defined(_OPENMP)
#pragma omp parallel for num_threads(s->threads) if (s->threads > 1 && nch > 8) schedule(static)
#endif
  for (int c = 0; c < nch; c++) {
    char *f = (char *)full + (size_t)c * s->spec * z, *k = (char *)cmp + (size_t)c * s->cspec * z;
    if (scatter) memset(f, 0, s->spec * z);
    for (int r = 0; r < 2 * m0; r++) {
      const size_t fr = (size_t)(r < m0 ? r : n0 - 2 * m0 + r);
      if (scatter) memcpy(f + fr * h1 * z, k + (size_t)r * row, row);
      else memcpy(k + (size_t)r * row, f + fr * h1 * z, row);
    }
  }
}

static int forward_pruned(pv_nn_spectral *s, int batch, const void *X, const void *W, void *Y,
                          void *Xh) {
  void *xc = Xh ? Xh : s->xc;
  int st = dft(s, s->r2c_in, batch * s->o.cin, X, s->xh);
  if (st) return st;
  compact_copy(s, batch * s->o.cin, s->xh, xc, 0);
  st = pv_spectral_conv_forward(&s->cconv, xc, W, s->yc);
  if (st) return st;
  scale_reals(s->o.dtype, s->threads, 2 * (size_t)batch * s->o.cout * s->cspec, s->yc,
              1.0 / (double)s->npts);
  compact_copy(s, batch * s->o.cout, s->yh, s->yc, 1);
  return idft(s, s->c2r_out, batch * s->o.cout, s->yh, Y);
}

int pv_nn_spectral_forward(pv_nn_spectral *s, int batch, const void *X, const void *W, void *Y,
                           void *Xh) {
  if (!s || !X || !W || !Y) return PV_ERROR(PV_EINVAL, "pv_nn_spectral_forward: NULL argument");
  int st = prepare(s, batch);
  if (st) return st;
  if (s->pruned) return forward_pruned(s, batch, X, W, Y, Xh);
  void *xh = Xh ? Xh : s->xh;
  /* r2c does not modify its input for out-of-place plans (FFTW's rule) */
  st = dft(s, s->r2c_in, batch * s->o.cin, X, xh);
  if (!st) st = pv_spectral_conv_forward(&s->conv, xh, W, s->yh);
  if (st) return st;
  scale_reals(s->o.dtype, s->threads, 2 * (size_t)batch * s->o.cout * s->spec, s->yh,
              1.0 / (double)s->npts);
  return idft(s, s->c2r_out, batch * s->o.cout, s->yh, Y);
}

/* Multiply columns of the last axis by 2 except 0 and the Nyquist column:
 * the half spectrum stands for those columns twice. Rows of `cols` complex
 * numbers (the full half spectrum, or the m1 retained columns of a compact
 * one), total complex numbers n. */
static void double_columns(const pv_nn_spectral *s, size_t n, int cols, void *h) {
  const int nl = s->o.n[s->o.dim - 1];
  const size_t rows = n / (size_t)cols;
  for (size_t r = 0; r < rows; r++)
    for (int c = 1; c < cols; c++) {
      if (nl % 2 == 0 && c == nl / 2) continue;
      if (s->o.dtype == PV_F32) {
        float *p = (float *)h + 2 * (r * (size_t)cols + c);
        p[0] *= 2; p[1] *= 2;
      } else {
        double *p = (double *)h + 2 * (r * (size_t)cols + c);
        p[0] *= 2; p[1] *= 2;
      }
    }
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

static int backward_pruned(pv_nn_spectral *s, int batch, const void *Xh, const void *W,
                           const void *dY, void *dX, void *dW) {
  int st = dft(s, s->r2c_out, batch * s->o.cout, dY, s->yh);
  if (st) return st;
  compact_copy(s, batch * s->o.cout, s->yh, s->yc, 0);
  scale_reals(s->o.dtype, s->threads, 2 * (size_t)batch * s->o.cout * s->cspec, s->yc,
              1.0 / (double)s->npts);
  if (dX) {
    st = pv_spectral_conv_adjoint(&s->cconv, s->yc, W, s->xc);
    if (st) return st;
    compact_copy(s, batch * s->o.cin, s->xh, s->xc, 1);
    st = idft(s, s->c2r_in, batch * s->o.cin, s->xh, dX);
    if (st) return st;
  }
  if (dW) {
    double_columns(s, (size_t)batch * s->o.cout * s->cspec, s->o.modes[1], s->yc);
    st = pv_spectral_conv_weight_adjoint(&s->cconv, Xh, s->yc, s->wtmp);
    if (st) return st;
    add_reals(s->o.dtype, 2 * s->wcount, s->wtmp, dW);
  }
  return PV_OK;
}

int pv_nn_spectral_backward(pv_nn_spectral *s, int batch, const void *Xh, const void *W,
                            const void *dY, void *dX, void *dW) {
  if (!s || !W || !dY) return PV_ERROR(PV_EINVAL, "pv_nn_spectral_backward: NULL argument");
  if (dW && !Xh) return PV_ERROR(PV_EINVAL, "pv_nn_spectral_backward: dW needs the forward's Xh");
  int st = prepare(s, batch);
  if (st) return st;
  if (s->pruned) return backward_pruned(s, batch, Xh, W, dY, dX, dW);
  /* dYh = DFT(dY) / N */
  st = dft(s, s->r2c_out, batch * s->o.cout, dY, s->yh);
  if (st) return st;
  scale_reals(s->o.dtype, s->threads, 2 * (size_t)batch * s->o.cout * s->spec, s->yh,
              1.0 / (double)s->npts);
  if (dX) {
    st = pv_spectral_conv_adjoint(&s->conv, s->yh, W, s->xh);
    if (!st) st = idft(s, s->c2r_in, batch * s->o.cin, s->xh, dX);
    if (st) return st;
  }
  if (dW) {
    double_columns(s, (size_t)batch * s->o.cout * s->spec, s->o.n[s->o.dim - 1] / 2 + 1, s->yh);
    st = pv_spectral_conv_weight_adjoint(&s->conv, Xh, s->yh, s->wtmp);
    if (st) return st;
    add_reals(s->o.dtype, 2 * s->wcount, s->wtmp, dW);
  }
  return PV_OK;
}
