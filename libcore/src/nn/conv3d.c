/* conv3d.c - 3-D convolution layer (parseval/nn_layers.h): im2col of one
 * output plane + gemm, input gradient as the correlation with the flipped
 * kernel, weight gradient over fixed plane chunks (deterministic). */
#include <cblas.h>
#include <string.h>
#if defined(_OPENMP)
#include <omp.h>
#endif
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/nn.h>
#include "nn/nn_internal.h"

/* One correlation: ci -> co channels, in -> out sizes, padding pad. */
typedef struct pv__corr {
  int ci, co, k, pad, circ;
  int in[3], out[3];
  size_t col; /* reals of one col buffer: ci k^3 out1 out2 */
} pv__corr;

/* Plane chunks of the weight gradient (fixed: results do not depend on threads). */
#define PV_CONV3D_CHUNKS 8

struct pv_nn_conv3d {
  pv_nn_conv3d_options o;
  int threads;
  pv__corr fwd, bwd; /* X -> Y, and dY -> dX with the flipped kernel */
  int nch;           /* weight-gradient chunks per sample */
  void *ws;          /* threads col buffers of the larger correlation */
  void *wt;          /* flipped, transposed kernel */
  void *part;        /* max_batch nch partial gradients */
};

#define R float
#define SFX(name) name##_f32
#define GEMM cblas_sgemm
#include "conv3d_tmpl.inc"
#undef R
#undef SFX
#undef GEMM
#define R double
#define SFX(name) name##_f64
#define GEMM cblas_dgemm
#include "conv3d_tmpl.inc"
#undef R
#undef SFX
#undef GEMM

static void corr_init(pv__corr *g, int ci, int co, int k, int pad, int circ, const int in[3]) {
  g->ci = ci; g->co = co; g->k = k; g->pad = pad; g->circ = circ;
  for (int i = 0; i < 3; i++) {
    g->in[i] = in[i];
    g->out[i] = in[i] + 2 * pad - k + 1;
  }
  g->col = (size_t)ci * k * k * k * (size_t)g->out[1] * (size_t)g->out[2];
}

static int check_options(const pv_nn_conv3d_options *o) {
  if (!o || o->struct_size != sizeof *o)
    return PV_ERROR(PV_EINVAL, "pv_nn_conv3d_create: options NULL or struct_size mismatch");
  if (o->dtype != PV_F32 && o->dtype != PV_F64)
    return PV_ERROR(PV_EINVAL, "pv_nn_conv3d_create: dtype %s must be f32 or f64",
                    pv_dtype_name(o->dtype));
  int bad = o->cin < 1 || o->cout < 1 || o->k < 1 || o->k > 15 || o->pad < 0 || o->pad >= 64 ||
            o->max_batch < 1 || o->cin > 65536 || o->cout > 65536;
  for (int i = 0; i < 3; i++)
    bad = bad || o->n[i] < 1 || o->n[i] > (1 << 16) || o->n[i] + 2 * o->pad - o->k + 1 < 1;
  if (bad)
    return PV_ERROR(PV_EINVAL, "pv_nn_conv3d_create: cin %d, cout %d, k %d, pad %d, n %d x %d x "
                    "%d, max_batch %d out of range (output size n + 2 pad - k + 1 >= 1)", o->cin,
                    o->cout, o->k, o->pad, o->n[0], o->n[1], o->n[2], o->max_batch);
  if (o->circular && 2 * o->pad != o->k - 1)
    return PV_ERROR(PV_EINVAL, "pv_nn_conv3d_create: circular padding needs 2 pad = k - 1 "
                    "(pad %d, k %d)", o->pad, o->k);
  return PV_OK;
}

int pv_nn_conv3d_create(pv_ctx *ctx, const pv_nn_conv3d_options *o, pv_nn_conv3d **out) {
  if (!out) return PV_ERROR(PV_EINVAL, "pv_nn_conv3d_create: out is NULL");
  *out = NULL;
  int st = check_options(o);
  if (st) return st;
  pv_nn_conv3d *c = pv_calloc(1, sizeof *c);
  if (!c) return PV_ERROR(PV_ENOMEM, "pv_nn_conv3d_create: out of memory");
  c->o = *o;
  c->threads = ctx ? pv_ctx_threads(ctx) : 1;
  if (c->threads < 1) c->threads = 1;
  corr_init(&c->fwd, o->cin, o->cout, o->k, o->pad, o->circular, o->n);
  corr_init(&c->bwd, o->cout, o->cin, o->k, o->circular ? o->pad : o->k - 1 - o->pad,
            o->circular, c->fwd.out);
  c->nch = c->fwd.out[0] < PV_CONV3D_CHUNKS ? c->fwd.out[0] : PV_CONV3D_CHUNKS;
  const size_t rs = pv_dtype_size(o->dtype), k3 = (size_t)o->k * o->k * o->k;
  const size_t col = c->fwd.col > c->bwd.col ? c->fwd.col : c->bwd.col;
  const size_t nw = (size_t)o->cin * o->cout * k3;
  const size_t part = (size_t)o->max_batch * c->nch * (nw + (size_t)o->cout);
  if (col > ((size_t)1 << 34) / rs / (size_t)c->threads || part > ((size_t)1 << 34) / rs) {
    pv_free(c);
    return PV_ERROR(PV_ENOMEM, "pv_nn_conv3d_create: workspace of %zu + %zu reals too large",
                    col * (size_t)c->threads, part);
  }
  c->ws = pv_malloc(col * (size_t)c->threads * rs);
  c->wt = pv_malloc(nw * rs);
  c->part = pv_malloc(part * rs);
  if (!c->ws || !c->wt || !c->part) {
    pv_nn_conv3d_destroy(&c);
    return PV_ERROR(PV_ENOMEM, "pv_nn_conv3d_create: workspace of %zu reals", col + nw + part);
  }
  *out = c;
  return PV_OK;
}

void pv_nn_conv3d_destroy(pv_nn_conv3d **pc) {
  if (!pc || !*pc) return;
  pv_free((*pc)->ws);
  pv_free((*pc)->wt);
  pv_free((*pc)->part);
  pv_free(*pc);
  *pc = NULL;
}

void pv_nn_conv3d_out_size(const pv_nn_conv3d *c, int out[3]) {
  for (int i = 0; i < 3; i++) out[i] = c ? c->fwd.out[i] : 0;
}

size_t pv_nn_conv3d_weight_count(const pv_nn_conv3d *c) {
  return c ? (size_t)c->o.cin * c->o.cout * c->o.k * c->o.k * c->o.k : 0;
}

int pv_nn_conv3d_forward(pv_nn_conv3d *c, int batch, const void *X, const void *W,
                         const void *bias, void *Y) {
  if (!c || !X || !W || !Y || batch < 1 || batch > c->o.max_batch)
    return PV_ERROR(PV_EINVAL, "pv_nn_conv3d_forward: NULL array or batch %d (max %d)", batch,
                    c ? c->o.max_batch : 0);
  pv__nn_blas_single();
  if (c->o.dtype == PV_F32)
    corr_fwd_f32(&c->fwd, c->threads, batch, X, W, bias, Y, c->ws);
  else
    corr_fwd_f64(&c->fwd, c->threads, batch, X, W, bias, Y, c->ws);
  return PV_OK;
}

int pv_nn_conv3d_backward(pv_nn_conv3d *c, int batch, const void *X, const void *W,
                          const void *dY, void *dX, void *dW, void *dbias) {
  if (!c || !X || !W || !dY || batch < 1 || batch > c->o.max_batch)
    return PV_ERROR(PV_EINVAL, "pv_nn_conv3d_backward: NULL array or batch %d (max %d)", batch,
                    c ? c->o.max_batch : 0);
  pv__nn_blas_single();
  const int f32 = c->o.dtype == PV_F32;
  if (dX) {
    if (f32) {
      flip_f32(c->o.cout, c->o.cin, c->o.k, W, c->wt);
      corr_fwd_f32(&c->bwd, c->threads, batch, dY, c->wt, NULL, dX, c->ws);
    } else {
      flip_f64(c->o.cout, c->o.cin, c->o.k, W, c->wt);
      corr_fwd_f64(&c->bwd, c->threads, batch, dY, c->wt, NULL, dX, c->ws);
    }
  }
  if (dW || dbias) {
    if (f32)
      corr_dw_f32(&c->fwd, c->threads, batch, c->nch, X, dY, dW, dbias, c->ws, c->part);
    else
      corr_dw_f64(&c->fwd, c->threads, batch, c->nch, X, dY, dW, dbias, c->ws, c->part);
  }
  return PV_OK;
}
