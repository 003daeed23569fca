/* Auxiliary AdamW of Muon's reference (KellerJordan/Muon muon.py, adam_update)
 * for parameters that are not matrices (and the groups routed to it):
 *   m <- lerp(m, g, 1-b1), v <- lerp(v, g^2, 1-b2),
 *   u = (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps),
 *   w <- w (1 - lr wd) - lr u.
 * Complex parameters are updated on their real float view (as torch.optim
 * does through view_as_real). */
#include <math.h>

#include "nn/optim_internal.h"

void pv__nn_optim_aux_adamw(pv_nn_optim *o, pv__nn_oparam *q, double lr) {
  const pv_nn_optim_options *op = &o->o;
  double t = (double)*q->steps + 1.0;
  *q->steps = (float)t;
  float b1 = (float)op->aux_beta1, b2 = (float)op->aux_beta2;
  float c1 = (float)(1.0 / (1.0 - pow(op->aux_beta1, t)));
  float c2 = (float)(1.0 / (1.0 - pow(op->aux_beta2, t)));
  float eps = (float)op->aux_eps, decay = (float)(1.0 - lr * op->aux_weight_decay);
  float flr = (float)lr;
  float *w = q->p.w, *m = q->m, *v = q->v;
  const float *g = q->p.g;
#pragma omp simd
  for (size_t i = 0; i < q->nf; i++) {
    float gi = g[i];
    m[i] += (1.0f - b1) * (gi - m[i]);
    v[i] += (1.0f - b2) * (gi * gi - v[i]);
    float u = (m[i] * c1) / (sqrtf(v[i] * c2) + eps);
    w[i] = w[i] * decay - flr * u;
  }
}
