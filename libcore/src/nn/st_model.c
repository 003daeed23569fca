/* st_model.c - space-time models FNO-3D and SFNO: configuration checks,
 * parameter layout, deterministic initialisation, buffers, and the public
 * forward / backward / loss entry points (kernels in fno3d_tmpl.inc and
 * sfno_tmpl.inc through st_kernels.c). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/nn.h>
#include "nn/nn_internal.h"
#include "nn/st_internal.h"

static void tape_free(pv_st_tape *t) {
  void **p[] = {&t->xin, &t->hn, &t->nrm, &t->p, &t->vL, &t->r, &t->vp, &t->xh_out, &t->h1};
  for (size_t i = 0; i < sizeof p / sizeof *p; i++) pv_free(*p[i]);
  for (int l = 0; l < PV_ST_MAX_LAYERS; l++) {
    pv_free(t->v[l]);
    pv_free(t->xh[l]);
    pv_free(t->s[l]);
    pv_free(t->f1[l]);
    pv_free(t->u[l]);
  }
  memset(t, 0, sizeof *t);
}

void pv_nn_st_destroy(pv_nn_st **pm) {
  if (!pm || !*pm) return;
  pv_nn_st *m = *pm;
  tape_free(&m->tape);
  for (int l = 0; l < PV_ST_MAX_LAYERS; l++) pv__st_spec_destroy(&m->spec[l]);
  pv__st_spec_destroy(&m->out_spec);
  pv_nn_spectral_destroy(&m->spec3);
  void *p[] = {m->w,  m->g,  m->pe, m->grid,    m->wa,      m->wb,
               m->wc, m->wd, m->we, m->lin, m->out_buf, m->step_out, m->step_dout};
  for (size_t i = 0; i < sizeof p / sizeof *p; i++) pv_free(p[i]);
  pv_free(m);
  *pm = NULL;
}

static int check_config(const pv_nn_st_config *c) {
  if (!c || c->struct_size < sizeof *c)
    return PV_ERROR(PV_EINVAL, "space-time model config: NULL or struct_size too small");
  const int sf = c->kind == PV_NN_ST_SFNO;
  if ((c->kind != PV_NN_ST_FNO3D && !sf) || c->t_in < 1 || c->t_out < 1 || c->width < 1 ||
      c->layers < 1 || c->layers > PV_ST_MAX_LAYERS || c->n < 4 || c->n % 2 || c->max_batch < 1 ||
      c->max_batch > 4096 || c->modes[0] < 1 || c->modes[1] < 1 || c->modes[2] < 1)
    return PV_ERROR(PV_EINVAL, "space-time model config: kind %d, t_in %d, t_out %d, width %d, "
                    "layers %d (1..%d), n %d (even >= 4), max_batch %d, modes (%d, %d, %d)",
                    (int)c->kind, c->t_in, c->t_out, c->width, c->layers, PV_ST_MAX_LAYERS, c->n,
                    c->max_batch, c->modes[0], c->modes[1], c->modes[2]);
  if ((size_t)c->n * c->n > ((size_t)1 << 24) || c->width > 1024 || c->t_in > 1024 ||
      c->t_out > 4096 || c->proj > 65536 || c->pad_t > 4096 || c->expansion > 64 ||
      c->latent > 1024)
    return PV_ERROR(PV_EINVAL, "space-time model config: a size is too large");
  if (!sf && (c->proj < 1 || c->pad_t < 0))
    return PV_ERROR(PV_EINVAL, "FNO-3D config: proj %d, pad_t %d", c->proj, c->pad_t);
  if (sf && (c->latent < 1 || c->latent > c->t_in || c->expansion < 1 || c->width < 4 ||
             c->width % 2 || !isfinite(c->beta) || !isfinite(c->delta) ||
             (c->act != PV_NN_ACT_GELU && c->act != PV_NN_ACT_RELU)))
    return PV_ERROR(PV_EINVAL, "SFNO config: latent %d (1..t_in %d), expansion %d, width %d "
                    "(even >= 4), beta %g, delta %g, act %d", c->latent, c->t_in, c->expansion,
                    c->width, c->beta, c->delta, (int)c->act);
  return PV_OK;
}

/* Append a parameter; returns its index. */
static int add_param(pv_nn_st *m, const char *name, int ndim, const size_t *shape, int cplx,
                     int group, size_t *off) {
  const int i = m->nparams++;
  pv_nn_param *p = &m->params[i];
  memset(p, 0, sizeof *p);
  snprintf(p->name, sizeof p->name, "%s", name);
  p->ndim = ndim;
  for (int k = 0; k < ndim; k++) p->shape[k] = shape[k];
  p->is_complex = cplx;
  p->group = group;
  m->off[i] = *off;
  *off += pv_nn_param_numel(p) * (cplx ? 2 : 1);
  return i;
}

/* A 1x1 layer (weight [cout][cin][1...] with k trailing ones, bias [cout]). */
static void add_linear(pv_nn_st *m, const char *pre, int cout, int cin, int k, int group,
                       size_t *off, int *iw, int *ib) {
  char nm[64];
  size_t sh[6] = {(size_t)cout, (size_t)cin, 1, 1, 1, 1};
  snprintf(nm, sizeof nm, "%.56s.weight", pre);
  *iw = add_param(m, nm, 2 + k, sh, 0, group, off);
  snprintf(nm, sizeof nm, "%.58s.bias", pre);
  *ib = add_param(m, nm, 1, sh, 0, 1, off);
}

static int add_spec(pv_nn_st *m, const char *name, int c, const int *md, size_t *off) {
  size_t sh[6] = {4, (size_t)c, (size_t)c, (size_t)md[0], (size_t)md[1], (size_t)md[2]};
  return add_param(m, name, 6, sh, 1, 0, off);
}

int pv__st_layout(pv_nn_st *m) {
  const pv_nn_st_config *c = &m->cfg;
  const int W = c->width;
  size_t off = 0;
  char nm[64];
  m->nparams = 0;
  if (c->kind == PV_NN_ST_FNO3D) {
    add_linear(m, "lift", W, c->t_in + 3, 0, 1, &off, &m->i_lift_w, &m->i_lift_b);
    for (int l = 0; l < c->layers; l++) {
      snprintf(nm, sizeof nm, "spec.%d.w", l);
      m->i_spec[l] = add_spec(m, nm, W, c->modes, &off);
      snprintf(nm, sizeof nm, "pw.%d", l);
      add_linear(m, nm, W, W, 1, 0, &off, &m->i_pw_w[l], &m->i_pw_b[l]);
    }
    add_linear(m, "proj1", c->proj, W, 0, 1, &off, &m->i_p1_w, &m->i_p1_b);
    add_linear(m, "proj2", 1, c->proj, 0, 1, &off, &m->i_p2_w, &m->i_p2_b);
  } else {
    const int E = c->expansion * W;
    size_t sh[6] = {(size_t)W};
    m->i_norm_w = add_param(m, "lift.norm.weight", 1, sh, 0, 1, &off);
    m->i_norm_b = add_param(m, "lift.norm.bias", 1, sh, 0, 1, &off);
    add_linear(m, "lift.proj", W, W, 3, 1, &off, &m->i_lift_w, &m->i_lift_b);
    for (int l = 0; l < c->layers; l++) {
      const char *pre = l ? "layer" : "lift";
      if (l) snprintf(nm, sizeof nm, "layer.%d.spec.w", l);
      else snprintf(nm, sizeof nm, "lift.spec.w");
      m->i_spec[l] = add_spec(m, nm, W, c->modes, &off);
      char base[48];
      if (l) snprintf(base, sizeof base, "%s.%d", pre, l);
      else snprintf(base, sizeof base, "%s", pre);
      snprintf(nm, sizeof nm, "%s.ffn1", base);
      add_linear(m, nm, E, W, 3, 0, &off, &m->i_f1w[l], &m->i_f1b[l]);
      snprintf(nm, sizeof nm, "%s.ffn2", base);
      add_linear(m, nm, W, E, 3, 0, &off, &m->i_f2w[l], &m->i_f2b[l]);
      if (l) {
        snprintf(nm, sizeof nm, "%s.w", base);
        add_linear(m, nm, W, W, 3, 0, &off, &m->i_pw_w[l], &m->i_pw_b[l]);
      }
    }
    add_linear(m, "reduce", 1, W, 3, 1, &off, &m->i_red_w, &m->i_red_b);
    size_t so[6] = {4, 1, 1, (size_t)c->out_modes[0], (size_t)c->out_modes[1],
                    (size_t)c->out_modes[2]};
    m->i_out_w = add_param(m, "out.spec.w", 6, so, 1, 2, &off);
    size_t sb[6] = {4, (size_t)c->out_modes[0], (size_t)c->out_modes[1], (size_t)c->out_modes[2]};
    m->i_out_b = add_param(m, "out.spec.bias", 4, sb, 1, 2, &off);
  }
  m->nreal = off;
  return PV_OK;
}

/* torch defaults (see nn.h); stream = parameter index. */
static void init_params(pv_nn_st *m) {
  const uint64_t seed = m->ctx ? pv_ctx_seed(m->ctx) : 0;
  const int sf = m->cfg.kind == PV_NN_ST_SFNO;
  for (int i = 0; i < m->nparams; i++) {
    pv_nn_param *p = &m->params[i];
    const size_t cnt = pv_nn_param_numel(p) * (p->is_complex ? 2 : 1);
    double lo = 0, hi = 0;
    if (i == m->i_norm_w && sf) lo = hi = 1.0;
    else if ((i == m->i_norm_b || i == m->i_out_b) && sf) lo = hi = 0.0;
    else if (p->is_complex) hi = (sf ? 0.5 : 1.0) / ((double)p->shape[1] * (double)p->shape[2]);
    else {
      const pv_nn_param *wp = p->ndim == 1 ? &m->params[i - 1] : p;
      hi = 1.0 / sqrt((double)wp->shape[1]);
      lo = -hi;
    }
    pv_rng r;
    pv_rng_init(&r, seed, 0x73740000u + (uint64_t)i);
    for (size_t k = 0; k < cnt; k++) {
      double v = lo == hi ? lo : lo + (hi - lo) * pv_rng_uniform(&r);
      if (m->dtype == PV_F32) ((float *)m->w)[m->off[i] + k] = (float)v;
      else ((double *)m->w)[m->off[i] + k] = v;
    }
  }
}

static void *reals(const pv_nn_st *m, size_t n) { return pv_calloc(n ? n : 1, m->rs); }

static void put(pv_nn_st *m, void *a, size_t i, double v) {
  if (m->dtype == PV_F32) ((float *)a)[i] = (float)v;
  else ((double *)a)[i] = v;
}

/* Positional encoding of SpaceTimePositionalEncoding._pe: [W][S][t_in]. */
static void make_pe(pv_nn_st *m) {
  const pv_nn_st_config *c = &m->cfg;
  const size_t S = m->S, Ti = (size_t)c->t_in, n = (size_t)c->n;
  for (int ch = 0; ch < c->width; ch++)
    for (size_t s = 0; s < S; s++)
      for (size_t t = 0; t < Ti; t++) {
        const double tt = (double)(t + 1) / 100.0; /* linspace(0, 1, 101)[1 : nt + 1] */
        double v;
        if (ch == 0) v = (double)(s / n) / (double)(n - 1);
        else if (ch == 1) v = (double)(s % n) / (double)(n - 1);
        else if (ch == 2) v = tt;
        else {
          const int k = ch - 3;
          const double a = M_PI * (k + 1) * tt;
          v = exp(c->beta * tt) * (k % 2 == 0 ? sin(a) : cos(a));
        }
        put(m, m->pe, ((size_t)ch * S + s) * Ti + t, v);
      }
}

/* FNO-3D grid channels [3][S][t_out]: x, y, t = linspace(0, 1, .). */
static void make_grid(pv_nn_st *m) {
  const pv_nn_st_config *c = &m->cfg;
  const size_t S = m->S, To = (size_t)c->t_out, n = (size_t)c->n;
  for (size_t s = 0; s < S; s++)
    for (size_t t = 0; t < To; t++) {
      put(m, m->grid, s * To + t, (double)(s / n) / (double)(n - 1));
      put(m, m->grid, (S + s) * To + t, (double)(s % n) / (double)(n - 1));
      put(m, m->grid, (2 * S + s) * To + t, To > 1 ? (double)t / (double)(To - 1) : 0.0);
    }
}

static int make_layers(pv_nn_st *m) {
  const pv_nn_st_config *c = &m->cfg;
  if (c->kind == PV_NN_ST_FNO3D) {
    pv_nn_spectral_options so = PV_NN_SPECTRAL_OPTIONS_INIT;
    so.dtype = m->dtype;
    so.dim = 3;
    so.n[0] = so.n[1] = c->n;
    so.n[2] = c->t_out + c->pad_t;
    for (int a = 0; a < 3; a++) so.modes[a] = c->modes[a];
    so.cin = so.cout = c->width;
    so.rigor = c->rigor;
    return pv_nn_spectral_create(m->ctx, &so, &m->spec3);
  }
  pv_st_spec_options o = {m->dtype, c->n, c->n, c->t_in, c->latent, {0, 0, 0}, c->width,
                          c->width, 0, 0.0, c->rigor};
  for (int a = 0; a < 3; a++) o.modes[a] = c->modes[a];
  int st = pv__st_spec_create(m->ctx, &o, &m->spec[0]);
  o.nt_in = o.nt_out = c->latent;
  for (int l = 1; !st && l < c->layers; l++) st = pv__st_spec_create(m->ctx, &o, &m->spec[l]);
  if (st) return st;
  const int tq = 2 * (c->latent + 1);
  pv_st_spec_options q = {m->dtype, c->n, c->n, tq, c->t_out + c->latent + 2, {0, 0, 0}, 1, 1, 1,
                          c->delta, c->rigor};
  for (int a = 0; a < 3; a++) q.modes[a] = c->out_modes[a];
  return pv__st_spec_create(m->ctx, &q, &m->out_spec);
}

static int alloc_sfno(pv_nn_st *m) {
  const pv_nn_st_config *c = &m->cfg;
  pv_st_tape *t = &m->tape;
  const size_t B = (size_t)c->max_batch, S = m->S, W = (size_t)c->width;
  const size_t E = W * (size_t)c->expansion, Ti = (size_t)c->t_in, Tl = (size_t)c->latent;
  const size_t Tq = 2 * (Tl + 1), Tm = Ti > Tl ? Ti : Tl;
  t->xin = reals(m, B * S * Ti);
  t->hn = reals(m, B * W * S * Ti);
  t->nrm = reals(m, B * W * S * Ti);
  t->p = reals(m, B * W * S * Ti);
  t->vL = reals(m, B * W * S * Tl);
  t->r = reals(m, B * S * Tl);
  t->vp = reals(m, B * S * Tq);
  t->xh_out = reals(m, 2 * B * pv__st_spec_csize(m->out_spec));
  int bad = !t->xin || !t->hn || !t->nrm || !t->p || !t->vL || !t->r || !t->vp || !t->xh_out;
  for (int l = 0; l < c->layers && !bad; l++) {
    if (l) t->v[l] = reals(m, B * W * S * Tl);
    t->xh[l] = reals(m, 2 * B * W * pv__st_spec_csize(m->spec[l]));
    t->s[l] = reals(m, B * W * S * Tl);
    t->f1[l] = reals(m, B * E * S * Tl);
    t->u[l] = reals(m, B * W * S * Tl);
    bad = (l && !t->v[l]) || !t->xh[l] || !t->s[l] || !t->f1[l] || !t->u[l];
  }
  const size_t big = W * S * Tm > S * Tq ? W * S * Tm : S * Tq;
  const size_t mx = E > W ? E : W;
  m->wa = reals(m, B * E * S * Tl);
  m->we = reals(m, B * E * S * Tl);
  m->wb = reals(m, B * big);
  m->wc = reals(m, B * big);
  m->wd = reals(m, B * big);
  m->lin = reals(m, B * mx * (mx + 1));
  m->out_buf = reals(m, B * S * (size_t)(c->t_out + c->latent + 2));
  m->pe = reals(m, W * S * Ti);
  if (bad || !m->wa || !m->we || !m->wb || !m->wc || !m->wd || !m->lin || !m->out_buf || !m->pe)
    return PV_ERROR(PV_ENOMEM, "SFNO: activation buffers for batch %zu", B);
  make_pe(m);
  return PV_OK;
}

static int alloc_fno3d(pv_nn_st *m) {
  const pv_nn_st_config *c = &m->cfg;
  pv_st_tape *t = &m->tape;
  const size_t B = (size_t)c->max_batch, S = m->S, W = (size_t)c->width, P = (size_t)c->proj;
  const size_t To = (size_t)c->t_out, Tp = To + (size_t)c->pad_t, C0 = (size_t)c->t_in + 3;
  t->xin = reals(m, B * C0 * S * To);
  t->h1 = reals(m, B * P * S * To);
  int bad = !t->xin || !t->h1;
  for (int l = 0; l < c->layers && !bad; l++) {
    t->v[l] = reals(m, B * W * S * Tp);
    t->xh[l] = reals(m, 2 * B * W * pv_nn_spectral_spec_size(m->spec3));
    t->u[l] = reals(m, B * W * S * Tp);
    bad = !t->v[l] || !t->xh[l] || !t->u[l];
  }
  size_t lin = P * (W + 1);
  if (W * (W + 1) > lin) lin = W * (W + 1);
  if (W * (C0 + 1) > lin) lin = W * (C0 + 1);
  if (P + 1 > lin) lin = P + 1;
  m->wa = reals(m, B * P * S * To);
  m->we = reals(m, B * P * S * To);
  m->wb = reals(m, B * W * S * Tp);
  m->wc = reals(m, B * W * S * Tp);
  m->wd = reals(m, B * W * S * Tp);
  m->lin = reals(m, B * lin);
  m->grid = reals(m, 3 * S * To);
  if (bad || !m->wa || !m->we || !m->wb || !m->wc || !m->wd || !m->lin || !m->grid)
    return PV_ERROR(PV_ENOMEM, "FNO-3D: activation buffers for batch %zu", B);
  make_grid(m);
  return PV_OK;
}

int pv_nn_st_create(pv_ctx *ctx, pv_dtype dtype, const pv_nn_st_config *cfg, pv_nn_st **out) {
  if (!out) return PV_ERROR(PV_EINVAL, "pv_nn_st_create: out is NULL");
  *out = NULL;
  int st = check_config(cfg);
  if (st) return st;
  if (dtype != PV_F32 && dtype != PV_F64)
    return PV_ERROR(PV_EINVAL, "pv_nn_st_create: dtype %s must be f32 or f64", pv_dtype_name(dtype));
  pv_nn_st *m = pv_calloc(1, sizeof *m);
  if (!m) return PV_ERROR(PV_ENOMEM, "pv_nn_st_create: model");
  m->ctx = ctx;
  m->dtype = dtype;
  m->cfg = *cfg;
  m->cfg.struct_size = sizeof m->cfg;
  if (m->cfg.kind == PV_NN_ST_SFNO)
    for (int a = 0; a < 3; a++)
      if (m->cfg.out_modes[a] <= 0) m->cfg.out_modes[a] = m->cfg.modes[a];
  m->threads = ctx ? pv_ctx_threads(ctx) : 1;
  m->rs = pv_dtype_size(dtype);
  m->S = (size_t)cfg->n * cfg->n;
  pv__st_layout(m);
  m->w = reals(m, m->nreal);
  m->g = reals(m, m->nreal);
  if (!m->w || !m->g) st = PV_ERROR(PV_ENOMEM, "pv_nn_st_create: %zu parameters", m->nreal);
  if (!st) st = make_layers(m);
  if (!st) st = m->cfg.kind == PV_NN_ST_SFNO ? alloc_sfno(m) : alloc_fno3d(m);
  if (!st) {
    const size_t no = (size_t)cfg->max_batch * cfg->t_out * m->S;
    m->step_out = reals(m, no);
    m->step_dout = reals(m, no);
    if (!m->step_out || !m->step_dout) st = PV_ERROR(PV_ENOMEM, "pv_nn_st_create: step buffers");
  }
  if (st) {
    pv_nn_st_destroy(&m);
    return st;
  }
  for (int i = 0; i < m->nparams; i++)
    if (dtype == PV_F32) {
      m->params[i].w = (float *)m->w + m->off[i];
      m->params[i].g = (float *)m->g + m->off[i];
    }
  init_params(m);
  pv__nn_blas_single();
  *out = m;
  return PV_OK;
}

int pv_nn_st_get_config(const pv_nn_st *m, pv_nn_st_config *cfg) {
  if (!m || !cfg) return PV_ERROR(PV_EINVAL, "pv_nn_st_get_config: NULL argument");
  *cfg = m->cfg;
  return PV_OK;
}

pv_dtype pv_nn_st_dtype(const pv_nn_st *m) { return m ? m->dtype : PV_DTYPE_COUNT; }

int pv_nn_st_params(pv_nn_st *m, pv_nn_param **params, int *count) {
  if (!m || !params || !count) return PV_ERROR(PV_EINVAL, "pv_nn_st_params: NULL argument");
  *params = m->params;
  *count = m->nparams;
  return PV_OK;
}

int pv_nn_st_flat(pv_nn_st *m, void **w, void **g, size_t *count) {
  if (!m) return PV_ERROR(PV_EINVAL, "pv_nn_st_flat: NULL model");
  if (w) *w = m->w;
  if (g) *g = m->g;
  if (count) *count = m->nreal;
  return PV_OK;
}

void pv_nn_st_zero_grad(pv_nn_st *m) {
  if (m) memset(m->g, 0, m->nreal * m->rs);
}

static int check_batch(const pv_nn_st *m, int batch, const char *fn) {
  if (batch < 1 || batch > m->cfg.max_batch)
    return PV_ERROR(PV_EINVAL, "%s: batch %d not in 1..%d", fn, batch, m->cfg.max_batch);
  return PV_OK;
}

int pv_nn_st_forward(pv_nn_st *m, int batch, const void *x0, void *out) {
  if (!m || !x0 || !out) return PV_ERROR(PV_EINVAL, "pv_nn_st_forward: NULL argument");
  int st = check_batch(m, batch, "pv_nn_st_forward");
  if (st) return st;
  pv__nn_blas_single();
  if (m->cfg.kind == PV_NN_ST_SFNO)
    return m->dtype == PV_F32 ? pv__sfno_fwd_f32(m, batch, x0, out, 0)
                              : pv__sfno_fwd_f64(m, batch, x0, out, 0);
  return m->dtype == PV_F32 ? pv__fno3d_fwd_f32(m, batch, x0, out)
                            : pv__fno3d_fwd_f64(m, batch, x0, out);
}

int pv_nn_st_backward(pv_nn_st *m, int batch, const void *dout) {
  if (!m || !dout) return PV_ERROR(PV_EINVAL, "pv_nn_st_backward: NULL argument");
  int st = check_batch(m, batch, "pv_nn_st_backward");
  if (st) return st;
  pv__nn_blas_single();
  if (m->cfg.kind == PV_NN_ST_SFNO)
    return m->dtype == PV_F32 ? pv__sfno_bwd_f32(m, batch, dout) : pv__sfno_bwd_f64(m, batch, dout);
  return m->dtype == PV_F32 ? pv__fno3d_bwd_f32(m, batch, dout) : pv__fno3d_bwd_f64(m, batch, dout);
}

int pv_nn_st_step(pv_nn_st *m, int batch, const void *x0, const void *y, pv_nn_reduce reduce,
                  int grad, double *loss, void *pred) {
  if (!m || !x0 || (grad && (!y || !loss)))
    return PV_ERROR(PV_EINVAL, "pv_nn_st_step: NULL argument (gradients need targets and a loss)");
  const size_t n = (size_t)m->cfg.t_out * m->S;
  void *out = pred ? pred : m->step_out, *dout = grad ? m->step_dout : NULL;
  int st = pv_nn_st_forward(m, batch, x0, out);
  if (!st && y) st = pv_nn_loss_rel_l2(m->dtype, batch, n, out, y, reduce, loss, dout);
  if (!st && grad) st = pv_nn_st_backward(m, batch, dout);
  return st;
}
