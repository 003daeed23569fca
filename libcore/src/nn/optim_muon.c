/* Muon (KellerJordan/Muon muon.py, muon_update + SingleDeviceMuon.step):
 * momentum (lerp), Nesterov blend, quintic Newton-Schulz, shape scale
 * sqrt(max(1, rows/cols)), decoupled weight decay before the update. */
#include <math.h>
#include <string.h>

#include "nn/optim_internal.h"

/* Per-mode complex view: u holds (rows, cols, nmodes) complex; mode k's
 * rows x cols matrix is gathered, orthogonalised and scattered back. */
static int ortho_modes(pv_nn_optim *o, const pv__nn_oparam *q, float *u, int steps) {
  size_t r = q->rows, c = q->cols, nm = q->nmodes, rc = r * c;
  float *mat = o->work, *w = o->work + 2 * rc;
  for (size_t k = 0; k < nm; k++) {
    for (size_t e = 0; e < rc; e++) {
      mat[2 * e] = u[2 * (e * nm + k)];
      mat[2 * e + 1] = u[2 * (e * nm + k) + 1];
    }
    int st = pv_nn_ns_float(r, c, 1, mat, steps, w);
    if (st) return st;
    for (size_t e = 0; e < rc; e++) {
      u[2 * (e * nm + k)] = mat[2 * e];
      u[2 * (e * nm + k) + 1] = mat[2 * e + 1];
    }
  }
  return 0;
}

int pv__nn_optim_orthogonalise(pv_nn_optim *o, const pv__nn_oparam *q, float *u, int steps) {
  if (q->nmodes) return ortho_modes(o, q, u, steps);
  return pv_nn_ns_float(q->rows, q->cols, 0, u, steps, o->work);
}

int pv__nn_optim_muon(pv_nn_optim *o, pv__nn_oparam *q, double lr) {
  const pv_nn_optim_options *op = &o->o;
  float beta = (float)op->momentum, *m = q->m, *u = o->s1;
  const float *g = q->p.g;
#pragma omp simd
  for (size_t i = 0; i < q->nf; i++) m[i] += (1.0f - beta) * (g[i] - m[i]);
  if (op->nesterov) {
#pragma omp simd
    for (size_t i = 0; i < q->nf; i++) u[i] = g[i] + beta * (m[i] - g[i]);
  } else {
    memcpy(u, m, q->nf * sizeof *u);
  }
  int st = pv__nn_optim_orthogonalise(o, q, u, op->ns_steps);
  if (st) return st;
  double ratio = (double)q->rows / (double)q->cols;
  float scale = (float)(lr * sqrt(ratio > 1.0 ? ratio : 1.0));
  float decay = (float)(1.0 - lr * op->weight_decay);
  float *w = q->p.w;
#pragma omp simd
  for (size_t i = 0; i < q->nf; i++) w[i] = w[i] * decay - scale * u[i];
  *q->steps += 1.0f;
  return 0;
}
