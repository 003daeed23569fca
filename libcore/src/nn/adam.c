/* adam.c - Adam with L2 weight decay (torch.optim.Adam) and AdamW
 * (torch.optim.AdamW), over pv_nn_param lists. */
#include <math.h>
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/nn.h>

struct pv_nn_adam {
  pv_nn_adam_options o;
  pv_nn_param *params;
  int count;
  float **m, **v;  /* per parameter, 2*numel for complex */
  int64_t steps;
};

static size_t reals(const pv_nn_param *p) { return pv_nn_param_numel(p) * (p->is_complex ? 2 : 1); }

void pv_nn_adam_destroy(pv_nn_adam **pa) {
  if (!pa || !*pa) return;
  pv_nn_adam *a = *pa;
  for (int i = 0; a->m && i < a->count; i++) pv_free(a->m[i]);
  for (int i = 0; a->v && i < a->count; i++) pv_free(a->v[i]);
  pv_free(a->m);
  pv_free(a->v);
  pv_free(a);
  *pa = NULL;
}

int pv_nn_adam_create(const pv_nn_adam_options *o, pv_nn_param *params, int count,
                      pv_nn_adam **out) {
  if (!out) return PV_ERROR(PV_EINVAL, "pv_nn_adam_create: out is NULL");
  *out = NULL;
  if (!o || o->struct_size < sizeof *o)
    return PV_ERROR(PV_EINVAL, "pv_nn_adam_create: NULL options or struct_size too small");
  if (!(o->lr >= 0) || !(o->beta1 >= 0 && o->beta1 < 1) || !(o->beta2 >= 0 && o->beta2 < 1) ||
      !(o->eps >= 0) || !(o->weight_decay >= 0) || !isfinite(o->lr) ||
      !isfinite(o->weight_decay))
    return PV_ERROR(PV_EINVAL,
                    "pv_nn_adam_create: lr %g, betas (%g, %g), eps %g, weight_decay %g invalid",
                    o->lr, o->beta1, o->beta2, o->eps, o->weight_decay);
  if (count < 0 || (count > 0 && !params))
    return PV_ERROR(PV_EINVAL, "pv_nn_adam_create: %d parameters", count);
  pv_nn_adam *a = pv_calloc(1, sizeof *a);
  if (!a) return PV_ERROR(PV_ENOMEM, "pv_nn_adam_create: state");
  a->o = *o;
  a->o.struct_size = sizeof a->o;
  a->params = params;
  a->count = count;
  a->m = pv_calloc((size_t)count + 1, sizeof *a->m);
  a->v = pv_calloc((size_t)count + 1, sizeof *a->v);
  if (!a->m || !a->v) goto nomem;
  for (int i = 0; i < count; i++) {
    if (!params[i].w || !params[i].g || params[i].ndim < 1 || params[i].ndim > 6) {
      pv_nn_adam_destroy(&a);
      return PV_ERROR(PV_EINVAL, "pv_nn_adam_create: parameter %d (%s) has no storage or ndim %d",
                      i, params[i].name, params[i].ndim);
    }
    a->m[i] = pv_calloc(reals(&params[i]), sizeof(float));
    a->v[i] = pv_calloc(reals(&params[i]), sizeof(float));
    if (!a->m[i] || !a->v[i]) goto nomem;
  }
  *out = a;
  return PV_OK;
nomem:
  pv_nn_adam_destroy(&a);
  return PV_ERROR(PV_ENOMEM, "pv_nn_adam_create: moment arrays");
}

/* torch's single-tensor Adam(W) in float: bias corrections in double as
 * torch computes them in Python floats. */
int pv_nn_adam_step(pv_nn_adam *a) {
  if (!a) return PV_ERROR(PV_EINVAL, "pv_nn_adam_step: NULL optimiser");
  a->steps++;
  const double b1 = a->o.beta1, b2 = a->o.beta2;
  const double bc1 = 1.0 - pow(b1, (double)a->steps), bc2 = 1.0 - pow(b2, (double)a->steps);
  const double bc2s = sqrt(bc2);
  for (int i = 0; i < a->count; i++) {
    pv_nn_param *p = &a->params[i];
    if (p->frozen) continue;
    const double lr = a->o.lr;
    const float step = (float)(lr / bc1), wd = (float)a->o.weight_decay;
    const float decay = (float)(1.0 - lr * a->o.weight_decay);
    const float fb1 = (float)b1, fb2 = (float)b2, ob1 = (float)(1.0 - b1), ob2 = (float)(1.0 - b2);
    const float eps = (float)a->o.eps, fbc2s = (float)bc2s;
    const size_t n = reals(p);
    float *w = p->w, *g = p->g, *m = a->m[i], *v = a->v[i];
    const int dec = a->o.decoupled;
    for (size_t k = 0; k < n; k++) {
      float gk = g[k];
      if (dec) w[k] *= decay;
      else if (wd != 0.0f) gk = gk + wd * w[k];
      m[k] = m[k] * fb1 + ob1 * gk; /* torch 1.13: mul_(b1).add_(g, 1 - b1) */
      v[k] = v[k] * fb2 + ob2 * gk * gk;
      float denom = sqrtf(v[k]) / fbc2s + eps;
      w[k] -= step * (m[k] / denom);
    }
  }
  return PV_OK;
}

void pv_nn_adam_set_lr(pv_nn_adam *a, double lr) { if (a && lr >= 0 && isfinite(lr)) a->o.lr = lr; }
double pv_nn_adam_get_lr(const pv_nn_adam *a) { return a ? a->o.lr : 0.0; }
int64_t pv_nn_adam_steps(const pv_nn_adam *a) { return a ? a->steps : 0; }
void pv_nn_adam_set_steps(pv_nn_adam *a, int64_t steps) { if (a && steps >= 0) a->steps = steps; }

int pv_nn_adam_state(pv_nn_adam *a, int i, float **m, float **v) {
  if (!a || i < 0 || i >= a->count)
    return PV_ERROR(PV_EINVAL, "pv_nn_adam_state: parameter %d out of range", i);
  if (m) *m = a->m[i];
  if (v) *v = a->v[i];
  return PV_OK;
}
