/* Optimiser object: parameter roles, state pool, workspace, step dispatch,
 * checkpoint state list. The per-kind updates live in optim_{muon,conda,auon,
 * adamw}.c. */
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/nn_optim.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "linalg/dense_internal.h"
#include "nn/optim_internal.h"

static int check_options(pv_nn_optim_kind kind, const pv_nn_optim_options *o) {
  if (o->struct_size != sizeof *o) return PV_ERROR(PV_EINVAL, "nn_optim: options struct_size %zu, expected %zu", o->struct_size, sizeof *o);
  if (kind < PV_NN_OPTIM_MUON || kind > PV_NN_OPTIM_AUON_HYBRID)
    return PV_ERROR(PV_EINVAL, "nn_optim: unknown kind %d", (int)kind);
  if (!(o->momentum >= 0 && o->momentum < 1) || !(o->beta1 >= 0 && o->beta1 < 1) ||
      !(o->beta2 >= 0 && o->beta2 < 1) || !(o->aux_beta1 >= 0 && o->aux_beta1 < 1) ||
      !(o->aux_beta2 >= 0 && o->aux_beta2 < 1))
    return PV_ERROR(PV_EINVAL, "nn_optim: momentum/betas must be in [0, 1)");
  if (!(o->eps >= 0) || !(o->aux_eps >= 0) || !(o->weight_decay >= 0) ||
      !(o->aux_weight_decay >= 0) || !(o->aux_lr_scale >= 0) || !(o->gamma > 0) ||
      !(o->conda_scale > 0) || !isfinite(o->gamma) || !isfinite(o->conda_scale) ||
      o->update_proj_gap < 1 || o->ns_steps < 0 || o->ns_steps > 100)
    return PV_ERROR(PV_EINVAL, "nn_optim: bad option (eps, decay, gamma, conda_scale, "
                               "update_proj_gap %d or ns_steps %d)", o->update_proj_gap, o->ns_steps);
  for (int g = 0; g < PV_NN_OPTIM_MAX_GROUPS; g++)
    if (!(o->group_lr[g] >= 0) || !isfinite(o->group_lr[g]))
      return PV_ERROR(PV_EINVAL, "nn_optim: group_lr[%d] = %g", g, o->group_lr[g]);
  return PV_OK;
}

/* Role and matrix view of one parameter (q->p filled). */
static int classify(pv_nn_optim_kind kind, const pv_nn_optim_options *o, pv__nn_oparam *q) {
  const pv_nn_param *p = &q->p;
  if (p->ndim < 1 || p->ndim > 6 || !p->w || !p->g || p->group < 0 ||
      p->group >= PV_NN_OPTIM_MAX_GROUPS || !memchr(p->name, 0, sizeof p->name))
    return PV_ERROR(PV_EINVAL, "nn_optim: parameter '%.63s' has bad ndim %d, group %d or "
                               "NULL storage", p->name, p->ndim, p->group);
  size_t n = pv_nn_param_numel(p);
  if (n == 0 || n > ((size_t)1 << 40))
    return PV_ERROR(PV_EINVAL, "nn_optim: parameter '%s' has %zu elements", p->name, n);
  q->nf = n * (p->is_complex ? 2 : 1);
  q->rows = p->shape[0];
  q->cols = n / p->shape[0];
  q->nmodes = 0;
  int matrix = p->ndim >= 2 && !(o->aux_groups & (1u << p->group));
  q->role = matrix;
  if (!matrix || !p->is_complex) return PV_OK;
  if (kind == PV_NN_OPTIM_CONDA && !o->conda_complex_per_mode) {
    q->role = 0; /* the reference projects real weights only */
  } else if (kind == PV_NN_OPTIM_AUON) {
    /* elementwise: the view only sets the aspect factor (logical shape) */
  } else if (!o->muon_complex_flat) {
    q->cols = p->shape[1];
    q->nmodes = n / (p->shape[0] * p->shape[1]);
  } else {
    q->cols = 2 * (n / p->shape[0]); /* the real float view */
  }
  return PV_OK;
}

/* Floats of state a parameter needs: m, v, basis, steps. */
static size_t state_floats(pv_nn_optim_kind kind, const pv__nn_oparam *q, size_t *nbasis) {
  size_t k = q->rows < q->cols ? q->rows : q->cols;
  *nbasis = (kind == PV_NN_OPTIM_CONDA && q->role) ? k * k * (q->nmodes ? 2 * q->nmodes : 1) : 0;
  int has_v = kind == PV_NN_OPTIM_CONDA || !q->role;
  return q->nf * (has_v ? 2 : 1) + *nbasis + 1;
}

static void add_entry(pv_nn_optim *o, const char *pname, const char *slot, float *d, size_t n) {
  pv_nn_optim_state_entry *e = &o->ent[o->nent++];
  snprintf(e->name, sizeof e->name, "%s/%s", pname, slot);
  e->data = d;
  e->n = n;
}

/* Carve the state pool and the entry list. */
static void layout_state(pv_nn_optim *o) {
  float *f = o->pool;
  for (size_t i = 0; i < o->np; i++) {
    pv__nn_oparam *q = &o->ps[i];
    size_t nb, tot = state_floats(o->kind, q, &nb);
    int has_v = tot - nb - 1 > q->nf;
    q->m = f;
    add_entry(o, q->p.name, (o->kind == PV_NN_OPTIM_CONDA || !q->role) ? "exp_avg" : "momentum",
              f, q->nf);
    f += q->nf;
    q->v = has_v ? f : NULL;
    if (has_v) add_entry(o, q->p.name, "exp_avg_sq", f, q->nf);
    f += has_v ? q->nf : 0;
    q->basis = nb ? f : NULL;
    if (nb) add_entry(o, q->p.name, "conda_basis", f, nb);
    f += nb;
    q->steps = f;
    add_entry(o, q->p.name, "steps", f, 1);
    f += 1;
  }
}

/* Workspace for the largest update of this kind. */
static int size_work(pv_nn_optim *o, size_t *nwork, size_t *niwork, size_t *maxnf) {
  *nwork = *niwork = *maxnf = 0;
  for (size_t i = 0; i < o->np; i++) {
    pv__nn_oparam *q = &o->ps[i];
    if (q->nf > *maxnf) *maxnf = q->nf;
    if (!q->role) continue;
    size_t w = 0, iw = 0;
    if (o->kind == PV_NN_OPTIM_CONDA) {
      if (pv__nn_conda_work(q->rows, q->cols, q->nmodes > 0, &w, &iw) < 0)
        return PV_ERROR(PV_EINTERNAL, "nn_optim: SVD workspace query failed for '%s'", q->p.name);
    } else if (o->kind != PV_NN_OPTIM_AUON) {
      if (q->nmodes) /* one gathered matrix + NS workspace per thread */
        w = (size_t)o->nthreads * (2 * q->rows * q->cols + pv_nn_newton_schulz_work_floats(q->rows, q->cols, 1));
      else
        w = pv_nn_newton_schulz_work_floats(q->rows, q->cols, 0);
    }
    if (w > *nwork) *nwork = w;
    if (iw > *niwork) *niwork = iw;
  }
  return PV_OK;
}

static int alloc_all(pv_nn_optim *o) {
  size_t pool = 0, nent = 0, nwork, niwork, maxnf;
  for (size_t i = 0; i < o->np; i++) {
    size_t nb, tot = state_floats(o->kind, &o->ps[i], &nb);
    pool += tot;
    nent += 2 + (tot - nb - 1 > o->ps[i].nf) + (nb > 0);
  }
  int st = size_work(o, &nwork, &niwork, &maxnf);
  if (st) return st;
  o->pool = pv_calloc(pool, sizeof *o->pool);
  o->ent = pv_calloc(nent, sizeof *o->ent);
  o->s1 = pv_malloc(2 * maxnf * sizeof *o->s1);
  o->work = nwork ? pv_malloc(nwork * sizeof *o->work) : NULL;
  o->iwork = niwork ? pv_malloc(niwork * sizeof *o->iwork) : NULL;
  if (!o->pool || !o->ent || !o->s1 || (nwork && !o->work) || (niwork && !o->iwork))
    return PV_ERROR(PV_ENOMEM, "nn_optim: out of memory (%zu state floats)", pool);
  o->s2 = o->s1 + maxnf;
  o->nwork = nwork;
  layout_state(o);
  return PV_OK;
}

int pv_nn_optim_create(pv_ctx *ctx, pv_nn_optim_kind kind, const pv_nn_optim_options *opt,
                       const pv_nn_param *params, size_t nparams, pv_nn_optim **out) {
  if (!out) return PV_ERROR(PV_EINVAL, "nn_optim_create: out is NULL");
  *out = NULL;
  pv_nn_optim_options def = PV_NN_OPTIM_OPTIONS_INIT;
  const pv_nn_optim_options *op = opt ? opt : &def;
  if (!params || nparams == 0) return PV_ERROR(PV_EINVAL, "nn_optim_create: no parameters");
  int st = check_options(kind, op);
  if (st) return st;
  pv_nn_optim *o = pv_calloc(1, sizeof *o);
  if (!o) return PV_ERROR(PV_ENOMEM, "nn_optim_create: out of memory");
  o->ctx = ctx;
  o->kind = kind;
  o->nthreads = ctx ? pv_ctx_threads(ctx) : 1;
  if (o->nthreads < 1) o->nthreads = 1;
  o->o = *op;
  if (o->o.ns_steps == 0) o->o.ns_steps = kind == PV_NN_OPTIM_AUON_HYBRID ? 1 : 5;
  for (int g = 0; g < PV_NN_OPTIM_MAX_GROUPS; g++)
    if (o->o.group_lr[g] == 0.0) o->o.group_lr[g] = 1.0;
  o->np = nparams;
  o->ps = pv_calloc(nparams, sizeof *o->ps);
  if (!o->ps) st = PV_ERROR(PV_ENOMEM, "nn_optim_create: out of memory");
  for (size_t i = 0; !st && i < nparams; i++) {
    o->ps[i].p = params[i];
    st = classify(kind, &o->o, &o->ps[i]);
  }
  if (!st) st = alloc_all(o);
  if (st) {
    pv_nn_optim_destroy(&o);
    return st;
  }
  *out = o;
  return PV_OK;
}

void pv_nn_optim_destroy(pv_nn_optim **opt) {
  if (!opt || !*opt) return;
  pv_nn_optim *o = *opt;
  pv_free(o->ps);
  pv_free(o->ent);
  pv_free(o->pool);
  pv_free(o->s1);
  pv_free(o->work);
  pv_free(o->iwork);
  pv_free(o);
  *opt = NULL;
}

int pv_nn_optim_set_frozen(pv_nn_optim *o, const pv_nn_param *params, size_t nparams) {
  if (!o || !params || nparams != o->np)
    return PV_ERROR(PV_EINVAL, "nn_optim_set_frozen: %zu parameters, expected %zu", nparams,
                    o ? o->np : 0);
  for (size_t i = 0; i < nparams; i++)
    if (strncmp(params[i].name, o->ps[i].p.name, sizeof params[i].name) != 0)
      return PV_ERROR(PV_EINVAL, "nn_optim_set_frozen: parameter %zu is '%.63s', expected '%s'",
                      i, params[i].name, o->ps[i].p.name);
  for (size_t i = 0; i < nparams; i++) o->ps[i].p.frozen = params[i].frozen;
  return PV_OK;
}

int pv_nn_optim_param_role(const pv_nn_optim *o, size_t i) {
  return (!o || i >= o->np) ? -1 : o->ps[i].role;
}

/* 1 when every float is finite: x * 0 is NaN exactly for NaN and Inf, and a
 * sum of signed zeros is zero (vectorises, unlike isfinite in a loop). */
static int all_finite(const float *x, size_t n) {
  float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
  for (size_t i = 0; i < n; i++) acc += x[i] * 0.0f;
  return acc == 0.0f;
}

int pv_nn_optim_step(pv_nn_optim *o, double lr) {
  if (!o || !(lr >= 0) || !isfinite(lr))
    return PV_ERROR(PV_EINVAL, "nn_optim_step: bad learning rate %g", lr);
  for (size_t i = 0; i < o->np; i++) {
    const pv__nn_oparam *q = &o->ps[i];
    if (q->p.frozen || all_finite(q->p.g, q->nf)) continue;
    for (size_t j = 0; j < q->nf; j++)
      if (!isfinite(q->p.g[j]))
        return PV_ERROR(PV_EINVAL, "nn_optim_step: gradient of '%s' is not finite at float %zu",
                        q->p.name, j);
  }
  pv__linalg_blas_threads(o->ctx);
  for (size_t i = 0; i < o->np; i++) {
    pv__nn_oparam *q = &o->ps[i];
    if (q->p.frozen) continue;
    double l = lr * o->o.group_lr[q->p.group];
    int st = PV_OK;
    if (o->kind == PV_NN_OPTIM_CONDA)
      st = pv__nn_optim_conda(o, q, l);
    else if (!q->role)
      pv__nn_optim_aux_adamw(o, q, l * o->o.aux_lr_scale);
    else if (o->kind == PV_NN_OPTIM_MUON)
      st = pv__nn_optim_muon(o, q, l);
    else
      st = pv__nn_optim_auon(o, q, l);
    if (st) return st;
  }
  o->steps++;
  return PV_OK;
}

int pv_nn_optim_state(const pv_nn_optim *o, const pv_nn_optim_state_entry **entries,
                      size_t *count) {
  if (!o || !entries || !count) return PV_ERROR(PV_EINVAL, "nn_optim_state: NULL argument");
  *entries = o->ent;
  *count = o->nent;
  return PV_OK;
}

int pv_nn_optim_state_import(pv_nn_optim *o, const char *name, const float *data, size_t n) {
  if (!o || !name || (!data && n))
    return PV_ERROR(PV_EINVAL, "nn_optim_state_import: NULL argument");
  for (size_t i = 0; i < o->nent; i++) {
    pv_nn_optim_state_entry *e = &o->ent[i];
    if (strcmp(e->name, name) != 0) continue;
    if (n != e->n)
      return PV_ERROR(PV_EINVAL, "nn_optim_state_import: '%s' has %zu floats, expected %zu",
                      name, n, e->n);
    for (size_t j = 0; j < n; j++)
      if (!isfinite(data[j]))
        return PV_ERROR(PV_EINVAL, "nn_optim_state_import: '%s' is not finite at %zu", name, j);
    if (n == 1 && strlen(name) > 6 && !strcmp(name + strlen(name) - 6, "/steps") &&
        (data[0] < 0 || data[0] != floorf(data[0])))
      return PV_ERROR(PV_EINVAL, "nn_optim_state_import: '%s' = %g is not a step count", name,
                      (double)data[0]);
    memcpy(e->data, data, n * sizeof *data);
    return PV_OK;
  }
  return PV_ERROR(PV_EINVAL, "nn_optim_state_import: no state entry '%s'", name);
}

uint64_t pv_nn_optim_steps(const pv_nn_optim *o) { return o ? o->steps : 0; }
void pv_nn_optim_set_steps(pv_nn_optim *o, uint64_t steps) {
  if (o) o->steps = steps;
}
