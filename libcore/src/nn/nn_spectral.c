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

size_t pv_nn_spectral_spec_size(const pv_nn_spectral *s) { return s ? s->spec : 0; }
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
    pv_free(s->xh);
    pv_free(s->yh);
    s->xh = pv_malloc(bytes);
    s->yh = pv_malloc(bytes);
    s->ws_batch = 0;
    if (!s->xh || !s->yh) return PV_ERROR(PV_ENOMEM, "pv_nn_spectral: %zu-byte workspaces", bytes);
    s->ws_batch = batch;
  }
  s->conv.batch = batch;
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

int pv_nn_spectral_forward(pv_nn_spectral *s, int batch, const void *X, const void *W, void *Y,
                           void *Xh) {
  if (!s || !X || !W || !Y) return PV_ERROR(PV_EINVAL, "pv_nn_spectral_forward: NULL argument");
  int st = prepare(s, batch);
  if (st) return st;
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
 * the half spectrum stands for those columns twice. */
static void double_columns(const pv_nn_spectral *s, int nch, void *h) {
  const int nl = s->o.n[s->o.dim - 1], cols = nl / 2 + 1;
  const size_t rows = (size_t)nch * (s->spec / (size_t)cols);
  const int last = nl % 2 == 0 ? cols - 1 : cols; /* first column not doubled at the end */
  for (size_t r = 0; r < rows; r++) {
    if (s->o.dtype == PV_F32) {
      float *p = (float *)h + 2 * r * (size_t)cols;
      for (int c = 1; c < last; c++) { p[2 * c] *= 2; p[2 * c + 1] *= 2; }
    } else {
      double *p = (double *)h + 2 * r * (size_t)cols;
      for (int c = 1; c < last; c++) { p[2 * c] *= 2; p[2 * c + 1] *= 2; }
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

int pv_nn_spectral_backward(pv_nn_spectral *s, int batch, const void *Xh, const void *W,
                            const void *dY, void *dX, void *dW) {
  if (!s || !W || !dY) return PV_ERROR(PV_EINVAL, "pv_nn_spectral_backward: NULL argument");
  if (dW && !Xh) return PV_ERROR(PV_EINVAL, "pv_nn_spectral_backward: dW needs the forward's Xh");
  int st = prepare(s, batch);
  if (st) return st;
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
    double_columns(s, batch * s->o.cout, s->yh);
    st = pv_spectral_conv_weight_adjoint(&s->conv, Xh, s->yh, s->wtmp);
    if (st) return st;
    add_reals(s->o.dtype, 2 * s->wcount, s->wtmp, dW);
  }
  return PV_OK;
}
