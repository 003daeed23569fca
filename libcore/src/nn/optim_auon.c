/* AuON and Hybrid-AuON (ryyzn9/AuON auon/optimizer.py; Maity 2025,
 * arXiv 2509.24320): decoupled decay, momentum lerp, Nesterov blend G, then
 * (hybrid) Newton-Schulz, then the cosh brake
 *   r = sqrt(mean(cosh(gamma G / (||G|| + 1e-7))^2)),
 * update G / (r + 1e-8) (code) or the unit-norm G/(||G|| + 1e-7)/(r + 1e-8)
 * times sqrt(max(1, rows/cols)) (paper). O(numel) apart from the hybrid's
 * Newton-Schulz. A zero G leaves w decayed only, as the reference does. */
#include <math.h>

#include "nn/optim_internal.h"

static double norm2(const float *x, size_t n) {
  double s = 0.0;
#pragma omp simd reduction(+ : s)
  for (size_t i = 0; i < n; i++) s += (double)x[i] * x[i];
  return sqrt(s);
}

/* sum cosh(k x_i)^2. Every |k x_i| <= gamma (|x_i| <= ||x||), so for
 * gamma <= 3 the even Taylor series to y^20/20! in float (truncation <
 * 3^22/22! = 3.5e-11 relative, below float rounding; the reference computes
 * in float32 too) replaces libm's cosh and vectorises; the sum is kept in
 * double. Larger gamma uses cosh itself. */
static double sum_cosh2(const float *x, size_t n, double k, double gamma) {
  double acc = 0.0;
  if (gamma > 3.0) {
    for (size_t i = 0; i < n; i++) {
      double c = cosh(k * x[i]);
      acc += c * c;
    }
    return acc;
  }
  static const float cf[11] = {1.0f, 1.0f / 2, 1.0f / 24, 1.0f / 720, 1.0f / 40320,
                               1.0f / 3628800, 1.0f / 479001600, 1.0f / 87178291200.0f,
                               1.0f / 20922789888000.0f, 1.0f / 6402373705728000.0f,
                               1.0f / 2432902008176640000.0f};
  float kf = (float)k;
#pragma omp simd reduction(+ : acc)
  for (size_t i = 0; i < n; i++) {
    float y = kf * x[i], y2 = y * y, c = cf[10];
    for (int j = 9; j >= 0; j--) c = c * y2 + cf[j];
    acc += (double)(c * c);
  }
  return acc;
}

int pv__nn_optim_auon(pv_nn_optim *o, pv__nn_oparam *q, double lr) {
  const pv_nn_optim_options *op = &o->o;
  float *w = q->p.w, *m = q->m, *G = o->s1, beta = (float)op->momentum;
  const float *g = q->p.g;
  float decay = (float)(1.0 - lr * op->weight_decay);
#pragma omp simd
  for (size_t i = 0; i < q->nf; i++) {
    w[i] *= decay;
    m[i] += (1.0f - beta) * (g[i] - m[i]);
    G[i] = g[i] + beta * (m[i] - g[i]);
  }
  *q->steps += 1.0f;
  if (o->kind == PV_NN_OPTIM_AUON_HYBRID) {
    int st = pv__nn_optim_orthogonalise(o, q, G, op->ns_steps);
    if (st) return st;
  }
  double gn = norm2(G, q->nf);
  if (gn == 0.0) return 0;
  double k = op->gamma / (gn + 1e-7);
  double r = sqrt(sum_cosh2(G, q->nf, k, op->gamma) / (double)q->nf);
  double f = 1.0 / (r + 1e-8);
  if (op->auon_normalize) {
    double ratio = (double)q->rows / (double)q->cols;
    f *= sqrt(ratio > 1.0 ? ratio : 1.0) / (gn + 1e-7);
  }
  float s = (float)(lr * f);
#pragma omp simd
  for (size_t i = 0; i < q->nf; i++) w[i] -= s * G[i];
  return 0;
}
