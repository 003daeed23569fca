/* spectral_conv.c - FNO spectral convolution on batched half spectra,
 * f64 and f32 kernels generated from spectral_conv_template.inc. */
#include <string.h>
#include <parseval/error.h>
#include <parseval/spectral.h>

/* Resolved geometry: spectrum sizes, blocks, retained modes per block. */
typedef struct pvs_conv_geom {
  int batch, cin, cout, nblocks;
  int threads;    /* OpenMP threads (1 = serial) */
  int sp[3];      /* half-spectrum sizes (leading 1 in 2D) */
  int md[3];      /* modes per axis (leading 1 in 2D) */
  size_t spec;    /* complex numbers per channel */
  size_t nmodes;  /* retained modes per block */
} pvs_conv_geom;

/* Storage index (within a channel) of retained mode t of block blk. */
static inline size_t pvs_conv_mode(const pvs_conv_geom *g, int blk, size_t t) {
  size_t r = t % (size_t)g->md[2], q = t / (size_t)g->md[2];
  size_t c1 = q % (size_t)g->md[1], c0 = q / (size_t)g->md[1];
  /* 2D: axis "0" of the user is internal 1; block bit 0 = high on the user's axis 0. */
  int hi0, hi1;
  if (g->sp[0] == 1) { hi0 = 0; hi1 = blk & 1; }
  else { hi0 = blk & 1; hi1 = (blk >> 1) & 1; }
  if (hi0) c0 += (size_t)(g->sp[0] - g->md[0]);
  if (hi1) c1 += (size_t)(g->sp[1] - g->md[1]);
  return (c0 * (size_t)g->sp[1] + c1) * (size_t)g->sp[2] + r;
}

#define R double
#define SFX(name) name##_f64
#include "spectral_conv_template.inc"
#undef R
#undef SFX
#define R float
#define SFX(name) name##_f32
#include "spectral_conv_template.inc"
#undef R
#undef SFX

static int geometry(const pv_spectral_conv *c, pvs_conv_geom *g) {
  if (!c || c->struct_size < sizeof *c)
    return PV_ERROR(PV_EINVAL, "pv_spectral_conv: NULL or struct_size too small");
  if (c->precision != PV_F64 && c->precision != PV_F32)
    return PV_ERROR(PV_EINVAL, "pv_spectral_conv: precision %s must be f64 or f32",
                    pv_dtype_name(c->precision));
  if (c->dim != 2 && c->dim != 3) return PV_ERROR(PV_EINVAL, "pv_spectral_conv: dim = %d must be 2 or 3", c->dim);
  if (c->batch < 1 || c->cin < 1 || c->cout < 1)
    return PV_ERROR(PV_EINVAL, "pv_spectral_conv: batch %d, cin %d, cout %d must be >= 1", c->batch,
                    c->cin, c->cout);
  const int off = 3 - c->dim, last = c->dim - 1;
  if (c->threads < 0) return PV_ERROR(PV_EINVAL, "pv_spectral_conv: threads = %d must be >= 0", c->threads);
  g->batch = c->batch; g->cin = c->cin; g->cout = c->cout;
  g->threads = c->threads > 1 ? c->threads : 1;
  g->nblocks = c->dim == 2 ? 2 : 4;
  g->sp[0] = g->md[0] = 1;
  for (int a = 0; a < c->dim; a++) {
    int n = c->n[a], m = c->modes[a];
    int lim = a == last ? n / 2 + 1 : n / 2;
    if (n < 1 || m < 1 || m > lim)
      return PV_ERROR(PV_EINVAL, "pv_spectral_conv: axis %d: modes %d must be in 1..%d for n = %d "
                      "(corner blocks may not overlap)", a, m, lim, n);
    g->sp[a + off] = a == last ? n / 2 + 1 : n;
    g->md[a + off] = m;
  }
  g->spec = (size_t)g->sp[0] * g->sp[1] * g->sp[2];
  g->nmodes = (size_t)g->md[0] * g->md[1] * g->md[2];
  return PV_OK;
}

int pv_spectral_conv_weight_count(const pv_spectral_conv *c, size_t *count) {
  pvs_conv_geom g;
  memset(&g, 0, sizeof g);
  int s = geometry(c, &g);
  if (s) return s;
  if (!count) return PV_ERROR(PV_EINVAL, "pv_spectral_conv_weight_count: count is NULL");
  *count = (size_t)g.nblocks * g.cin * g.cout * g.nmodes;
  return PV_OK;
}

int pv_spectral_conv_forward(const pv_spectral_conv *c, const void *X, const void *W, void *Y) {
  pvs_conv_geom g;
  memset(&g, 0, sizeof g);
  int s = geometry(c, &g);
  if (s) return s;
  if (!X || !W || !Y) return PV_ERROR(PV_EINVAL, "pv_spectral_conv_forward: NULL array");
  if (c->precision == PV_F64) forward_f64(&g, X, W, Y);
  else forward_f32(&g, X, W, Y);
  return PV_OK;
}

int pv_spectral_conv_adjoint(const pv_spectral_conv *c, const void *Yb, const void *W, void *Xb) {
  pvs_conv_geom g;
  memset(&g, 0, sizeof g);
  int s = geometry(c, &g);
  if (s) return s;
  if (!Yb || !W || !Xb) return PV_ERROR(PV_EINVAL, "pv_spectral_conv_adjoint: NULL array");
  if (c->precision == PV_F64) adjoint_f64(&g, Yb, W, Xb);
  else adjoint_f32(&g, Yb, W, Xb);
  return PV_OK;
}

int pv_spectral_conv_weight_adjoint(const pv_spectral_conv *c, const void *X, const void *Yb,
                                    void *Wb) {
  pvs_conv_geom g;
  memset(&g, 0, sizeof g);
  int s = geometry(c, &g);
  if (s) return s;
  if (!X || !Yb || !Wb) return PV_ERROR(PV_EINVAL, "pv_spectral_conv_weight_adjoint: NULL array");
  if (c->precision == PV_F64) weight_adjoint_f64(&g, X, Yb, Wb);
  else weight_adjoint_f32(&g, X, Yb, Wb);
  return PV_OK;
}
