/* fno2d.c - the FNO-2D model (Li et al., fourier_2d_time.py): parameters,
 * deterministic initialisation, activation tape, one-step calls and the
 * autoregressive rollout with its backward pass. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/nn.h>
#include "nn/fno2d_internal.h"
#include "nn/nn_internal.h"
#include <cblas.h>
#if defined(_OPENMP)
#include <omp.h>
#endif

#define R float
#define SFX(name) name##_f32
#define GEMM cblas_sgemm
#include "fno2d_tmpl.inc"
#undef R
#undef SFX
#undef GEMM
#define R double
#define SFX(name) name##_f64
#define GEMM cblas_dgemm
#include "fno2d_tmpl.inc"
#undef R
#undef SFX
#undef GEMM

static void tape_free(pv_fno2d_tape *t) {
  pv_free(t->in);
  pv_free(t->h1);
  pv_free(t->g1);
  for (int l = 0; l < PV_FNO2D_MAX_LAYERS; l++) {
    pv_free(t->v[l]);
    pv_free(t->pre[l]);
    pv_free(t->xh[l]);
  }
  memset(t, 0, sizeof *t);
}

void pv_nn_fno2d_destroy(pv_nn_fno2d **pm) {
  if (!pm || !*pm) return;
  pv_nn_fno2d *m = *pm;
  for (int t = 0; t < m->tape_cap; t++) tape_free(&m->tape[t]);
  pv_free(m->tape);
  pv_nn_spectral_destroy(&m->spec_layer);
  pv_free(m->w);
  pv_free(m->g);
  pv_free(m->params);
  pv_free(m->grid);
  pv_free(m->seq);
  pv_free(m->dseq);
  pv_free(m->wa);
  pv_free(m->wb);
  pv_free(m->wc);
  pv_free(m->wd);
  pv_free(m->lin);
  pv_free(m->head);
  pv_free(m);
  *pm = NULL;
}

static int check_config(const pv_nn_fno2d_config *c) {
  if (!c || c->struct_size < sizeof *c)
    return PV_ERROR(PV_EINVAL, "FNO-2D config: NULL or struct_size too small");
  if (c->t_in < 1 || c->width < 1 || c->proj < 1 || c->max_batch < 1 || c->layers < 1 ||
      c->layers > PV_FNO2D_MAX_LAYERS || c->n < 2 || c->modes < 1 || 2 * c->modes > c->n)
    return PV_ERROR(PV_EINVAL,
                    "FNO-2D config: t_in %d, width %d, modes %d, layers %d (1..%d), proj %d, "
                    "n %d (2 modes <= n), max_batch %d out of range",
                    c->t_in, c->width, c->modes, c->layers, PV_FNO2D_MAX_LAYERS, c->proj, c->n,
                    c->max_batch);
  if ((size_t)c->n * c->n > ((size_t)1 << 26) || c->width > 4096 || c->proj > 65536 ||
      c->t_in > 4096)
    return PV_ERROR(PV_EINVAL, "FNO-2D config: n %d, width %d, proj %d or t_in %d too large",
                    c->n, c->width, c->proj, c->t_in);
  return PV_OK;
}

/* Append a parameter descriptor; *off advances by its real count. */
static void add_param(pv_nn_fno2d *m, const char *name, int ndim, const size_t *shape,
                      int cplx, size_t *off, size_t *slot) {
  pv_nn_param *p = &m->params[m->nparams++];
  memset(p, 0, sizeof *p);
  snprintf(p->name, sizeof p->name, "%s", name);
  p->ndim = ndim;
  for (int i = 0; i < ndim; i++) p->shape[i] = shape[i];
  p->is_complex = cplx;
  *slot = *off;
  *off += pv_nn_param_numel(p) * (cplx ? 2 : 1);
}

static void layout(pv_nn_fno2d *m) {
  const pv_nn_fno2d_config *c = &m->cfg;
  const size_t W = (size_t)c->width, M = (size_t)c->modes, P = (size_t)c->proj;
  size_t off = 0, sh[4], dummy;
  char nm[64];
  sh[0] = W; sh[1] = (size_t)c->t_in + 2;
  add_param(m, "lift.weight", 2, sh, 0, &off, &m->o_lift_w);
  add_param(m, "lift.bias", 1, sh, 0, &off, &m->o_lift_b);
  for (int l = 0; l < c->layers; l++) {
    size_t s4[4] = {W, W, M, M};
    snprintf(nm, sizeof nm, "spec.%d.w_pos", l);
    add_param(m, nm, 4, s4, 1, &off, &m->o_spec[l]);
    snprintf(nm, sizeof nm, "spec.%d.w_neg", l);
    add_param(m, nm, 4, s4, 1, &off, &dummy);
    size_t p4[4] = {W, W, 1, 1};
    snprintf(nm, sizeof nm, "pw.%d.weight", l);
    add_param(m, nm, 4, p4, 0, &off, &m->o_pw_w[l]);
    snprintf(nm, sizeof nm, "pw.%d.bias", l);
    add_param(m, nm, 1, p4, 0, &off, &m->o_pw_b[l]);
  }
  sh[0] = P; sh[1] = W;
  add_param(m, "proj1.weight", 2, sh, 0, &off, &m->o_p1_w);
  add_param(m, "proj1.bias", 1, sh, 0, &off, &m->o_p1_b);
  sh[0] = 1; sh[1] = P;
  add_param(m, "proj2.weight", 2, sh, 0, &off, &m->o_p2_w);
  add_param(m, "proj2.bias", 1, sh, 0, &off, &m->o_p2_b);
  m->nreal = off;
  for (int i = 0; i < m->nparams; i++) /* lifting and projection: group 1 */
    m->params[i].group = strncmp(m->params[i].name, "lift.", 5) == 0 ||
                         strncmp(m->params[i].name, "proj", 4) == 0;
}

/* torch's defaults: Linear/Conv W, b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in));
 * spectral weights (re, im) ~ U[0,1) / (cin cout). Stream = parameter index. */
static void init_params(pv_nn_fno2d *m) {
  const uint64_t seed = m->ctx ? pv_ctx_seed(m->ctx) : 0;
  size_t off = 0;
  for (int i = 0; i < m->nparams; i++) {
    pv_nn_param *p = &m->params[i];
    const size_t cnt = pv_nn_param_numel(p) * (p->is_complex ? 2 : 1);
    double lo, hi;
    if (p->is_complex) {
      lo = 0.0;
      hi = 1.0 / ((double)p->shape[0] * (double)p->shape[1]);
    } else {
      /* fan_in: the weight's second extent; a bias takes its weight's (previous param) */
      const pv_nn_param *wp = p->ndim == 1 ? &m->params[i - 1] : p;
      double bound = 1.0 / sqrt((double)wp->shape[1]);
      lo = -bound;
      hi = bound;
    }
    pv_rng r;
    pv_rng_init(&r, seed, 0x6e6e0000u + (uint64_t)i);
    for (size_t k = 0; k < cnt; k++) {
      double v = lo + (hi - lo) * pv_rng_uniform(&r);
      if (m->dtype == PV_F32) ((float *)m->w)[off + k] = (float)v;
      else ((double *)m->w)[off + k] = v;
    }
    off += cnt;
  }
}

static void *alloc_reals(const pv_nn_fno2d *m, size_t n) { return pv_calloc(n ? n : 1, m->rs); }

int pv_nn_fno2d_create(pv_ctx *ctx, pv_dtype dtype, const pv_nn_fno2d_config *cfg,
                       pv_nn_fno2d **out) {
  if (!out) return PV_ERROR(PV_EINVAL, "pv_nn_fno2d_create: out is NULL");
  *out = NULL;
  int st = check_config(cfg);
  if (st) return st;
  if (dtype != PV_F32 && dtype != PV_F64)
    return PV_ERROR(PV_EINVAL, "pv_nn_fno2d_create: dtype %s must be f32 or f64",
                    pv_dtype_name(dtype));
  pv_nn_fno2d *m = pv_calloc(1, sizeof *m);
  if (!m) return PV_ERROR(PV_ENOMEM, "pv_nn_fno2d_create: model");
  m->ctx = ctx;
  m->dtype = dtype;
  m->cfg = *cfg;
  m->cfg.struct_size = sizeof m->cfg;
  m->threads = ctx ? pv_ctx_threads(ctx) : 1;
  m->rs = pv_dtype_size(dtype);
  const pv_nn_fno2d_config *c = &m->cfg;
  m->S = (size_t)c->n * c->n;
  m->spec = (size_t)c->n * (c->n / 2 + 1);
  m->params = pv_calloc((size_t)(6 + 4 * c->layers), sizeof *m->params);
  if (!m->params) goto nomem;
  layout(m);
  m->w = alloc_reals(m, m->nreal);
  m->g = alloc_reals(m, m->nreal);
  m->grid = alloc_reals(m, 2 * m->S);
  const size_t B = (size_t)c->max_batch, S = m->S, W = (size_t)c->width, P = (size_t)c->proj;
  const size_t cin0 = (size_t)c->t_in + 2;
  size_t big = P > cin0 ? P : cin0;
  big = big > W ? big : W;
  m->wa = alloc_reals(m, B * big * S);
  m->wb = alloc_reals(m, B * P * S);
  m->wc = alloc_reals(m, B * W * S);
  m->wd = alloc_reals(m, B * W * S);
  size_t lin = P * (W + 1);
  if (W * (W + 1) > lin) lin = W * (W + 1);
  if (W * (cin0 + 1) > lin) lin = W * (cin0 + 1);
  if (P + 1 > lin) lin = P + 1;
  m->lin = alloc_reals(m, B * lin);
  m->head = alloc_reals(m, (size_t)(m->threads > 0 ? m->threads : 1) * P * PV_FNO2D_HEAD_COLS);
  if (!m->w || !m->g || !m->grid || !m->wa || !m->wb || !m->wc || !m->wd || !m->lin || !m->head)
    goto nomem;
  for (int i = 0; i < m->nparams; i++) {
    size_t off = 0;
    for (int j = 0; j < i; j++)
      off += pv_nn_param_numel(&m->params[j]) * (m->params[j].is_complex ? 2 : 1);
    if (dtype == PV_F32) {
      m->params[i].w = (float *)m->w + off;
      m->params[i].g = (float *)m->g + off;
    }
  }
  init_params(m);
  for (size_t i = 0; i < (size_t)c->n; i++)
    for (size_t j = 0; j < (size_t)c->n; j++) {
      /* torch.linspace(0, 1, n): i / (n - 1) */
      double gx = (double)i / (double)(c->n - 1), gy = (double)j / (double)(c->n - 1);
      if (dtype == PV_F32) {
        ((float *)m->grid)[i * c->n + j] = (float)gx;
        ((float *)m->grid)[S + i * c->n + j] = (float)gy;
      } else {
        ((double *)m->grid)[i * c->n + j] = gx;
        ((double *)m->grid)[S + i * c->n + j] = gy;
      }
    }
  pv_nn_spectral_options so = PV_NN_SPECTRAL_OPTIONS_INIT;
  so.dtype = dtype;
  so.dim = 2;
  so.n[0] = so.n[1] = c->n;
  so.modes[0] = so.modes[1] = c->modes;
  so.cin = so.cout = c->width;
  so.rigor = c->rigor;
  st = pv_nn_spectral_create(ctx, &so, &m->spec_layer);
  if (st) {
    pv_nn_fno2d_destroy(&m);
    return st;
  }
  pv__nn_blas_single();
  *out = m;
  return PV_OK;
nomem:
  pv_nn_fno2d_destroy(&m);
  return PV_ERROR(PV_ENOMEM, "pv_nn_fno2d_create: model buffers");
}

int pv_nn_fno2d_get_config(const pv_nn_fno2d *m, pv_nn_fno2d_config *cfg) {
  if (!m || !cfg) return PV_ERROR(PV_EINVAL, "pv_nn_fno2d_get_config: NULL argument");
  *cfg = m->cfg;
  return PV_OK;
}

pv_dtype pv_nn_fno2d_dtype(const pv_nn_fno2d *m) { return m ? m->dtype : PV_DTYPE_COUNT; }

int pv_nn_fno2d_params(pv_nn_fno2d *m, pv_nn_param **params, int *count) {
  if (!m || !params || !count) return PV_ERROR(PV_EINVAL, "pv_nn_fno2d_params: NULL argument");
  if (m->dtype != PV_F32)
    return PV_ERROR(PV_EINVAL, "pv_nn_fno2d_params: parameter lists are float; model is %s",
                    pv_dtype_name(m->dtype));
  *params = m->params;
  *count = m->nparams;
  return PV_OK;
}

int pv_nn_fno2d_flat(pv_nn_fno2d *m, void **w, void **g, size_t *count) {
  if (!m) return PV_ERROR(PV_EINVAL, "pv_nn_fno2d_flat: NULL model");
  if (w) *w = m->w;
  if (g) *g = m->g;
  if (count) *count = m->nreal;
  return PV_OK;
}

void pv_nn_fno2d_zero_grad(pv_nn_fno2d *m) {
  if (m) memset(m->g, 0, m->nreal * m->rs);
}

/* Tape slots [0, T) with activations for max_batch samples. */
static int tape_reserve(pv_nn_fno2d *m, int T) {
  if (T <= m->tape_cap) return PV_OK;
  pv_fno2d_tape *nt = pv_calloc((size_t)T, sizeof *nt);
  if (!nt) return PV_ERROR(PV_ENOMEM, "FNO-2D: tape of %d steps", T);
  if (m->tape_cap) memcpy(nt, m->tape, (size_t)m->tape_cap * sizeof *nt);
  pv_free(m->tape);
  m->tape = nt;
  const pv_nn_fno2d_config *c = &m->cfg;
  const size_t B = (size_t)c->max_batch, S = m->S, W = (size_t)c->width;
  for (int t = m->tape_cap; t < T; t++) {
    pv_fno2d_tape *tp = &m->tape[t];
    m->tape_cap = t + 1; /* freed by destroy even if incomplete */
    tp->in = alloc_reals(m, B * ((size_t)c->t_in + 2) * S);
    tp->h1 = alloc_reals(m, B * (size_t)c->proj * S);
    tp->g1 = alloc_reals(m, B * (size_t)c->proj * S);
    if (!tp->in || !tp->h1 || !tp->g1) return PV_ERROR(PV_ENOMEM, "FNO-2D: tape step %d", t);
    for (int l = 0; l < c->layers; l++) {
      tp->v[l] = alloc_reals(m, B * W * S);
      tp->pre[l] = alloc_reals(m, B * W * S);
      tp->xh[l] = alloc_reals(m, 2 * B * W * pv_nn_spectral_spec_size(m->spec_layer));
      if (!tp->v[l] || !tp->pre[l] || !tp->xh[l])
        return PV_ERROR(PV_ENOMEM, "FNO-2D: tape step %d", t);
    }
  }
  return PV_OK;
}

static int seq_reserve(pv_nn_fno2d *m, int T) {
  if (T <= m->seq_cap) return PV_OK;
  pv_free(m->seq);
  pv_free(m->dseq);
  m->seq_cap = 0;
  size_t n = (size_t)m->cfg.max_batch * ((size_t)m->cfg.t_in + T) * m->S;
  m->seq = alloc_reals(m, n);
  m->dseq = alloc_reals(m, n);
  if (!m->seq || !m->dseq) return PV_ERROR(PV_ENOMEM, "FNO-2D: rollout buffers of %d steps", T);
  m->seq_cap = T;
  return PV_OK;
}

static int step_fwd(pv_nn_fno2d *m, int batch, const void *frames, size_t fs, pv_fno2d_tape *tp,
                    void *out, size_t os) {
  if (m->dtype == PV_F32) return pv__fno2d_step_fwd_f32(m, batch, frames, fs, tp, out, os, 0);
  return pv__fno2d_step_fwd_f64(m, batch, frames, fs, tp, out, os, 0);
}

int pv_nn_fno2d_forward(pv_nn_fno2d *m, int batch, const void *frames, void *out) {
  if (!m || !frames || !out) return PV_ERROR(PV_EINVAL, "pv_nn_fno2d_forward: NULL argument");
  if (batch < 1 || batch > m->cfg.max_batch)
    return PV_ERROR(PV_EINVAL, "pv_nn_fno2d_forward: batch %d not in 1..%d", batch,
                    m->cfg.max_batch);
  int st = tape_reserve(m, 1);
  if (st) return st;
  pv__nn_blas_single();
  return step_fwd(m, batch, frames, (size_t)m->cfg.t_in * m->S, &m->tape[0], out, m->S);
}

static void copy_frames(const pv_nn_fno2d *m, int batch, int nf, const void *src, size_t ss,
                        void *dst, size_t dsd) {
  const size_t bytes = (size_t)nf * m->S * m->rs;
  for (int b = 0; b < batch; b++)
    memcpy((char *)dst + (size_t)b * dsd * m->rs, (const char *)src + (size_t)b * ss * m->rs,
           bytes);
}

int pv_nn_fno2d_rollout(pv_nn_fno2d *m, int batch, int T, const void *x0, const void *y,
                        pv_nn_reduce reduce, int grad, double *loss, void *pred) {
  if (!m || !x0) return PV_ERROR(PV_EINVAL, "pv_nn_fno2d_rollout: NULL argument");
  if (batch < 1 || batch > m->cfg.max_batch || T < 1 || T > 100000)
    return PV_ERROR(PV_EINVAL, "pv_nn_fno2d_rollout: batch %d (1..%d) or T %d out of range", batch,
                    m->cfg.max_batch, T);
  if (grad && (!y || !loss))
    return PV_ERROR(PV_EINVAL, "pv_nn_fno2d_rollout: gradients need targets and a loss");
  int st = seq_reserve(m, T);
  if (!st) st = tape_reserve(m, grad ? T : 1);
  if (st) return st;
  pv__nn_blas_single();
  const size_t S = m->S, ti = (size_t)m->cfg.t_in, fs = (ti + (size_t)T) * S;
  const double scale = reduce == PV_NN_REDUCE_MEAN ? 1.0 / batch : 1.0;
  copy_frames(m, batch, (int)ti, x0, ti * S, m->seq, fs);
  if (grad) memset(m->dseq, 0, (size_t)batch * fs * m->rs);
  double total = 0;
  for (int t = 0; t < T; t++) {
    pv_fno2d_tape *tp = &m->tape[grad ? t : 0];
    const size_t fo = (size_t)t * S, oo = (ti + (size_t)t) * S;
    if (m->dtype == PV_F32) {
      float *q = m->seq;
      st = pv__fno2d_step_fwd_f32(m, batch, q + fo, fs, tp, q + oo, fs, grad);
    } else {
      double *q = m->seq;
      st = pv__fno2d_step_fwd_f64(m, batch, q + fo, fs, tp, q + oo, fs, grad);
    }
    if (st) return st;
    if (y) {
      double l = 0;
      if (m->dtype == PV_F32)
        st = pv__nn_rel_l2_f32(batch, S, (float *)m->seq + oo, fs, (const float *)y + fo,
                               (size_t)T * S, scale, &l, grad ? (float *)m->dseq + oo : NULL, fs);
      else
        st = pv__nn_rel_l2_f64(batch, S, (double *)m->seq + oo, fs, (const double *)y + fo,
                               (size_t)T * S, scale, &l, grad ? (double *)m->dseq + oo : NULL,
                               fs);
      if (st) return st;
      total += l * scale;
    }
  }
  if (loss) *loss = total;
  if (pred) {
    const char *q = (const char *)m->seq + ti * S * m->rs;
    for (int b = 0; b < batch; b++)
      memcpy((char *)pred + (size_t)b * T * S * m->rs, q + (size_t)b * fs * m->rs,
             (size_t)T * S * m->rs);
  }
  for (int t = grad ? T - 1 : -1; t >= 0; t--) {
    const size_t fo = (size_t)t * S, oo = (ti + (size_t)t) * S;
    if (m->dtype == PV_F32) {
      float *d = m->dseq;
      st = pv__fno2d_step_bwd_f32(m, batch, &m->tape[t], d + oo, fs, t ? d + fo : NULL, fs);
    } else {
      double *d = m->dseq;
      st = pv__fno2d_step_bwd_f64(m, batch, &m->tape[t], d + oo, fs, t ? d + fo : NULL, fs);
    }
    if (st) return st;
  }
  return PV_OK;
}
