/* Conda on complex spectral weights (in, out, modes..), one Fourier mode at a
 * time (see nn_optim.h, PV_NN_OPTIM_CONDA): for mode k with in x out matrices
 * G_k, M_k (momentum, already updated):
 *   every update_proj_gap steps: basis from the complex SVD of M_k,
 *     Vh (out x out) when in >= out, else U (in x in);
 *   P x = x Vh^H  (or U^H x),  back: P^T y = y Vh  (or U y);
 *   v_k <- b2 v_k + (1-b2) |P G_k|^2   (one moment per complex entry, stored
 *          twice so v keeps the float layout; v_k is mode-major);
 *   W_k -= step * scale * P^T (P M_k / (sqrt(v_k) + eps)), then W -= lr wd W.
 * The SVD runs on the transposed (column-major) view as in optim_conda.c. */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include <parseval/error.h>

#include "nn/optim_internal.h"

typedef struct {
  size_t r, c, k, nm, rc;
  float *a, *u1, *vt1, *s, *rw, *x1, *x2, *y1, *y2, *lw;
  size_t lwork; /* complex entries of lw */
} modes_ws;

static void carve(pv_nn_optim *o, const pv__nn_oparam *q, modes_ws *m) {
  m->r = q->rows;
  m->c = q->cols;
  m->k = m->r < m->c ? m->r : m->c;
  m->nm = q->nmodes;
  m->rc = m->r * m->c;
  size_t mx = m->r > m->c ? m->r : m->c, k = m->k;
  size_t rw = k * (5 * k + 7 > 2 * mx + 2 * k + 1 ? 5 * k + 7 : 2 * mx + 2 * k + 1);
  m->a = o->work;
  m->u1 = m->a + 2 * m->rc;
  m->vt1 = m->u1 + 2 * m->c * k;
  m->s = m->vt1 + 2 * k * m->r;
  m->rw = m->s + k;
  m->x1 = m->rw + rw;
  m->x2 = m->x1 + 2 * m->rc;
  m->y1 = m->x2 + 2 * m->rc;
  m->y2 = m->y1 + 2 * m->rc;
  m->lw = m->y2 + 2 * m->rc;
  m->lwork = (o->nwork - (size_t)(m->lw - o->work)) / 2;
}

/* y = P x (back = 0) or y = P^T x (back = 1) with basis b of mode k. */
static void cproject(const modes_ws *m, const float *b, const float *x, float *y, int back) {
  const float one[2] = {1.0f, 0.0f}, zero[2] = {0.0f, 0.0f};
  int r = (int)m->r, c = (int)m->c;
  if (m->r >= m->c)
    cblas_cgemm(CblasRowMajor, CblasNoTrans, back ? CblasNoTrans : CblasConjTrans, r, c, c, one,
                x, c, b, c, zero, y, c);
  else
    cblas_cgemm(CblasRowMajor, back ? CblasNoTrans : CblasConjTrans, CblasNoTrans, r, c, r, one,
                b, r, x, c, zero, y, c);
}

static void gather(const modes_ws *m, const float *src, size_t kk, float *dst) {
  for (size_t e = 0; e < m->rc; e++) {
    dst[2 * e] = src[2 * (e * m->nm + kk)];
    dst[2 * e + 1] = src[2 * (e * m->nm + kk) + 1];
  }
}

static int refresh(pv_nn_optim *o, const pv__nn_oparam *q, const modes_ws *m, float *basis) {
  memcpy(m->a, m->x2, 2 * m->rc * sizeof *m->a);
  lapack_int info = LAPACKE_cgesdd_work(
      LAPACK_COL_MAJOR, 'S', (lapack_int)m->c, (lapack_int)m->r, (lapack_complex_float *)m->a,
      (lapack_int)m->c, m->s, (lapack_complex_float *)m->u1, (lapack_int)m->c,
      (lapack_complex_float *)m->vt1, (lapack_int)m->k, (lapack_complex_float *)m->lw,
      (lapack_int)m->lwork, m->rw, o->iwork);
  if (info != 0)
    return PV_ERROR(PV_ENOTCONV, "nn_optim(conda): SVD of a mode of '%s' failed (info %d)",
                    q->p.name, (int)info);
  memcpy(basis, m->r >= m->c ? m->u1 : m->vt1, 2 * m->k * m->k * sizeof *basis);
  return PV_OK;
}

int pv__nn_conda_modes(pv_nn_optim *o, pv__nn_oparam *q, double s, double step, double lr) {
  const pv_nn_optim_options *op = &o->o;
  modes_ws m;
  carve(o, q, &m);
  int fresh = fmod(s, (double)op->update_proj_gap) == 0.0;
  float b2 = (float)op->beta2, eps = (float)op->eps;
  float a = (float)(step * op->conda_scale), d = (float)(lr * op->weight_decay);
  for (size_t kk = 0; kk < m.nm; kk++) {
    float *basis = q->basis + 2 * m.k * m.k * kk, *v = q->v + 2 * m.rc * kk;
    gather(&m, q->p.g, kk, m.x1);
    gather(&m, q->m, kk, m.x2);
    if (fresh) {
      int st = refresh(o, q, &m, basis);
      if (st) return st;
    }
    cproject(&m, basis, m.x1, m.y1, 0);
    cproject(&m, basis, m.x2, m.y2, 0);
    for (size_t e = 0; e < m.rc; e++) {
      float re = m.y1[2 * e], im = m.y1[2 * e + 1];
      float ve = b2 * v[2 * e] + (1.0f - b2) * (re * re + im * im);
      v[2 * e] = v[2 * e + 1] = ve;
      float den = sqrtf(ve) + eps;
      m.y2[2 * e] /= den;
      m.y2[2 * e + 1] /= den;
    }
    cproject(&m, basis, m.y2, m.y1, 1);
    float *w = q->p.w;
    for (size_t e = 0; e < m.rc; e++)
      for (int h = 0; h < 2; h++) {
        size_t i = 2 * (e * m.nm + kk) + (size_t)h;
        float x = w[i] - a * m.y1[2 * e + (size_t)h];
        w[i] = x - d * x;
      }
  }
  return PV_OK;
}
