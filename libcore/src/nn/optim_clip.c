/* Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_ (1.13):
 * total = ||(||g_1||_p, ..., ||g_n||_p)||_p, coefficient
 * min(1, max_norm / (total + 1e-6)) applied to every gradient. */
#include <math.h>

#include <parseval/error.h>
#include <parseval/nn_optim.h>

static size_t nfloats(const pv_nn_param *p) {
  return pv_nn_param_numel(p) * (p->is_complex ? 2 : 1);
}

/* Accumulate sum |x|^p (or max |x| when p is infinite) in double. */
static double acc_norm(const pv_nn_param *ps, size_t n, double p) {
  double acc = 0.0;
  int inf = isinf(p);
  for (size_t k = 0; k < n; k++) {
    const pv_nn_param *q = &ps[k];
    if (q->frozen) continue;
    size_t nf = nfloats(q);
    if (q->is_complex) {
      for (size_t i = 0; i < nf; i += 2) {
        double a = hypot((double)q->g[i], (double)q->g[i + 1]);
        acc = inf ? fmax(acc, a) : (p == 2.0 ? acc + a * a : acc + pow(a, p));
        if (isnan(a)) acc = NAN;
      }
    } else {
      for (size_t i = 0; i < nf; i++) {
        double a = fabs((double)q->g[i]);
        acc = inf ? fmax(acc, a) : (p == 2.0 ? acc + a * a : acc + pow(a, p));
        if (isnan(a)) acc = NAN;
      }
    }
  }
  return inf ? acc : pow(acc, 1.0 / p);
}

int pv_nn_clip_grad_norm(pv_nn_param *params, size_t nparams, double max_norm, double norm_type,
                         double *total_norm) {
  if ((!params && nparams) || !(max_norm >= 0) || !(norm_type > 0))
    return PV_ERROR(PV_EINVAL, "nn_clip_grad_norm: max_norm %g, norm_type %g", max_norm,
                    norm_type);
  for (size_t k = 0; k < nparams; k++)
    if (!params[k].frozen && (!params[k].g || params[k].ndim < 1 || params[k].ndim > 6))
      return PV_ERROR(PV_EINVAL, "nn_clip_grad_norm: parameter '%.63s' has no gradient",
                      params[k].name);
  double total = acc_norm(params, nparams, norm_type);
  if (total_norm) *total_norm = total;
  if (!isfinite(total))
    return PV_ERROR(PV_EINVAL, "nn_clip_grad_norm: the total gradient norm is %g", total);
  double coef = max_norm / (total + 1e-6);
  if (coef >= 1.0) return PV_OK;
  float c = (float)coef;
  for (size_t k = 0; k < nparams; k++) {
    if (params[k].frozen) continue;
    size_t nf = nfloats(&params[k]);
    for (size_t i = 0; i < nf; i++) params[k].g[i] *= c;
  }
  return PV_OK;
}
