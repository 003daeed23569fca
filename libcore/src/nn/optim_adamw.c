/* Auxiliary AdamW of Muon's reference (KellerJordan/Muon muon.py, adam_update)
 * for parameters that are not matrices (and the groups routed to it):
 *   m <- lerp(m, g, 1-b1), v <- lerp(v, g^2, 1-b2),
 *   u = (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps),
 *   w <- w (1 - lr wd) - lr u.
 * Complex parameters are updated on their real float view (as torch.optim
 * does through view_as_real). */
#include <math.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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
  size_t i = 0;
#if defined(__SSE2__) /* sqrtf's errno path blocks auto-vectorisation */
  __m128 vb1 = _mm_set1_ps(1.0f - b1), vb2 = _mm_set1_ps(1.0f - b2), vc1 = _mm_set1_ps(c1),
         vc2 = _mm_set1_ps(c2), ve = _mm_set1_ps(eps), vd = _mm_set1_ps(decay),
         vl = _mm_set1_ps(flr);
  for (; i + 4 <= q->nf; i += 4) {
    __m128 gi = _mm_loadu_ps(g + i), mi = _mm_loadu_ps(m + i), vi = _mm_loadu_ps(v + i);
    mi = _mm_add_ps(mi, _mm_mul_ps(vb1, _mm_sub_ps(gi, mi)));
    vi = _mm_add_ps(vi, _mm_mul_ps(vb2, _mm_sub_ps(_mm_mul_ps(gi, gi), vi)));
    __m128 u = _mm_div_ps(_mm_mul_ps(mi, vc1), _mm_add_ps(_mm_sqrt_ps(_mm_mul_ps(vi, vc2)), ve));
    _mm_storeu_ps(m + i, mi);
    _mm_storeu_ps(v + i, vi);
    _mm_storeu_ps(w + i, _mm_sub_ps(_mm_mul_ps(_mm_loadu_ps(w + i), vd), _mm_mul_ps(vl, u)));
  }
#endif
  for (; i < q->nf; i++) {
    float gi = g[i];
    m[i] += (1.0f - b1) * (gi - m[i]);
    v[i] += (1.0f - b2) * (gi * gi - v[i]);
    float u = (m[i] * c1) / (sqrtf(v[i] * c2) + eps);
    w[i] = w[i] * decay - flr * u;
  }
}
