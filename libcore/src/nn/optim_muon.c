/* Muon (KellerJordan/Muon muon.py, muon_update + SingleDeviceMuon.step):
 * momentum (lerp), Nesterov blend, quintic Newton-Schulz, shape scale
 * sqrt(max(1, rows/cols)), decoupled weight decay before the update. */
#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <string.h>

#include <parseval/error.h>

#include "linalg/dense_internal.h"
#include "nn/optim_internal.h"

/* Per-mode complex view: u holds (rows, cols, nmodes) complex; mode k's
 * rows x cols matrix is gathered, orthogonalised and scattered back. Modes
 * are independent, so they run on ctx's threads (each with its own slice of
 * the workspace, OpenBLAS single-threaded meanwhile) with results that do not
 * depend on the thread count. */
static int ortho_modes(pv_nn_optim *o, const pv__nn_oparam *q, float *u, int steps) {
  size_t r = q->rows, c = q->cols, nm = q->nmodes, rc = r * c;
  size_t per = 2 * rc + pv_nn_newton_schulz_work_floats(r, c, 1);
  int nt = o->nthreads < (int)nm ? o->nthreads : (int)nm, bad = 0;
  if (nt > 1) openblas_set_num_threads(1);
#pragma omp parallel for num_threads(nt) schedule(static) reduction(| : bad) if (nt > 1)
  for (size_t k = 0; k < nm; k++) {
    float *mat = o->work + per * (size_t)omp_get_thread_num(), *w = mat + 2 * rc;
    for (size_t e = 0; e < rc; e++) {
      mat[2 * e] = u[2 * (e * nm + k)];
      mat[2 * e + 1] = u[2 * (e * nm + k) + 1];
    }
    bad |= pv_nn_newton_schulz_float(r, c, 1, mat, steps, w) != 0;
    for (size_t e = 0; e < rc; e++) {
      u[2 * (e * nm + k)] = mat[2 * e];
      u[2 * (e * nm + k) + 1] = mat[2 * e + 1];
    }
  }
  if (nt > 1) pv__linalg_blas_threads(o->ctx);
  return bad ? PV_ERROR(PV_EINTERNAL, "nn_optim: per-mode Newton-Schulz of '%s' failed", q->p.name)
             : 0;
}

int pv__nn_optim_orthogonalise(pv_nn_optim *o, const pv__nn_oparam *q, float *u, int steps) {
  if (q->nmodes) return ortho_modes(o, q, u, steps);
  return pv_nn_newton_schulz_float(q->rows, q->cols, 0, u, steps, o->work);
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
