/* Conda (jie040109/Conda conda_torch/conda.py + projector.py, proj_type
 * "std"; Column-Normalized Adam, arXiv 2509.24218).
 * Per step, with s the parameter's step count before this update:
 *   m <- b1 m + (1-b1) g                       (unprojected state)
 *   if s % gap == 0: basis from the SVD of m   (Vh if rows >= cols, else U)
 *   g~ = P g, m~ = P m  (P x = x Vh^T, or U^T x)
 *   v <- b2 v + (1-b2) g~^2                    (projected space)
 *   w -= lr sqrt(1-b2^t)/(1-b1^t) * scale * P^T (m~ / (sqrt(v) + eps))
 *   w -= lr wd w                               (after the update, as the code)
 * Non-projected parameters run the same lines without P and scale.
 * The SVD goes through LAPACK sgesdd on the transposed (column-major) view:
 * for row-major A (r x c) gesdd of A^T (c x r) returns U' = Vh (read
 * row-major, k x c) and VT' = U (read row-major, r x k). */
#include <cblas.h>
#include <lapacke.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <math.h>
#include <string.h>

#include <parseval/error.h>

#include "nn/optim_internal.h"

int pv__nn_conda_work(size_t rows, size_t cols, int is_complex, size_t *nwork, size_t *niwork) {
  size_t k = rows < cols ? rows : cols;
  float q = 0.0f;
  lapack_int iq = 0;
  if (is_complex) {
    lapack_complex_float cq;
    lapack_int info = LAPACKE_cgesdd_work(LAPACK_COL_MAJOR, 'S', (lapack_int)cols,
                                          (lapack_int)rows, NULL, (lapack_int)cols, NULL, NULL,
                                          (lapack_int)cols, NULL, (lapack_int)k, &cq, -1, NULL,
                                          &iq);
    if (info != 0) return -1;
    size_t mx = rows > cols ? rows : cols;
    size_t rw = k * (5 * k + 7 > 2 * mx + 2 * k + 1 ? 5 * k + 7 : 2 * mx + 2 * k + 1);
    /* A, U', VT' (complex), s, rwork, 4 gathered/projected copies, work */
    *nwork = 2 * (rows * cols + cols * k + k * rows) + k + rw + 8 * rows * cols +
             2 * ((size_t)crealf(cq) + 1) + 2;
    *niwork = 8 * k;
    return 0;
  }
  lapack_int info = LAPACKE_sgesdd_work(LAPACK_COL_MAJOR, 'S', (lapack_int)cols,
                                        (lapack_int)rows, NULL, (lapack_int)cols, NULL, NULL,
                                        (lapack_int)cols, NULL, (lapack_int)k, &q, -1, &iq);
  if (info != 0) return -1;
  /* copy of A, U', VT', s, then LAPACK's work */
  *nwork = rows * cols + cols * k + k * rows + k + (size_t)q + 1;
  *niwork = 8 * k;
  return 0;
}

/* Refresh q->basis from the SVD of m. */
static int refresh_basis(pv_nn_optim *o, pv__nn_oparam *q) {
  size_t r = q->rows, c = q->cols, k = r < c ? r : c;
  float *a = o->work, *u1 = a + r * c, *vt1 = u1 + c * k, *s = vt1 + k * r, *lw = s + k;
  size_t lwork = o->nwork - (size_t)(lw - o->work);
  memcpy(a, q->m, r * c * sizeof *a);
  lapack_int info = LAPACKE_sgesdd_work(LAPACK_COL_MAJOR, 'S', (lapack_int)c, (lapack_int)r, a,
                                        (lapack_int)c, s, u1, (lapack_int)c, vt1, (lapack_int)k,
                                        lw, (lapack_int)lwork, o->iwork);
  if (info != 0)
    return PV_ERROR(PV_ENOTCONV, "nn_optim(conda): SVD of the momentum of '%s' failed (info %d)",
                    q->p.name, (int)info);
  memcpy(q->basis, r >= c ? u1 : vt1, k * k * sizeof *q->basis);
  return PV_OK;
}

/* v <- b2 v + (1-b2) gp^2, nrm = mp / (sqrt(v) + eps); nrm may alias mp.
 * sqrtf's errno path keeps compilers from vectorising this loop, hence SSE
 * (the same IEEE operations: correctly rounded sqrt and division). */
static void second_moment(size_t n, float b2, float eps, const float *gp, const float *mp,
                          float *v, float *nrm) {
  size_t i = 0;
  float c = 1.0f - b2;
#if defined(__SSE2__)
  __m128 vb2 = _mm_set1_ps(b2), vc = _mm_set1_ps(c), ve = _mm_set1_ps(eps);
  for (; i + 4 <= n; i += 4) {
    __m128 g = _mm_loadu_ps(gp + i);
    __m128 x = _mm_add_ps(_mm_mul_ps(vb2, _mm_loadu_ps(v + i)), _mm_mul_ps(_mm_mul_ps(vc, g), g));
    _mm_storeu_ps(v + i, x);
    _mm_storeu_ps(nrm + i, _mm_div_ps(_mm_loadu_ps(mp + i), _mm_add_ps(_mm_sqrt_ps(x), ve)));
  }
#endif
  for (; i < n; i++) {
    v[i] = b2 * v[i] + c * gp[i] * gp[i];
    nrm[i] = mp[i] / (sqrtf(v[i]) + eps);
  }
}

/* y = P x (back = 0) or y = P^T x (back = 1) for an r x c matrix x. */
static void project(const pv__nn_oparam *q, const float *x, float *y, int back) {
  int r = (int)q->rows, c = (int)q->cols;
  if (q->rows >= q->cols)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, back ? CblasNoTrans : CblasTrans, r, c, c, 1.0f, x,
                c, q->basis, c, 0.0f, y, c);
  else
    cblas_sgemm(CblasRowMajor, back ? CblasNoTrans : CblasTrans, CblasNoTrans, r, c, r, 1.0f,
                q->basis, r, x, c, 0.0f, y, c);
}

int pv__nn_optim_conda(pv_nn_optim *o, pv__nn_oparam *q, double lr) {
  const pv_nn_optim_options *op = &o->o;
  float b1 = (float)op->beta1, b2 = (float)op->beta2, eps = (float)op->eps;
  float *m = q->m, *v = q->v, *w = q->p.w;
  const float *g = q->p.g;
  size_t n = q->nf;
  double s = (double)*q->steps;
#pragma omp simd
  for (size_t i = 0; i < n; i++) m[i] = b1 * m[i] + (1.0f - b1) * g[i];
  if (q->nmodes) {
    double step = lr * sqrt(1.0 - pow(op->beta2, s + 1)) / (1.0 - pow(op->beta1, s + 1));
    int st = pv__nn_conda_modes(o, q, s, step, lr);
    if (!st) *q->steps = (float)(s + 1);
    return st;
  }
  const float *gp = g, *mp = m;
  float scale = 1.0f;
  if (q->role) {
    if (fmod(s, (double)op->update_proj_gap) == 0.0) {
      int st = refresh_basis(o, q);
      if (st) return st;
    }
    project(q, g, o->s1, 0);
    project(q, m, o->s2, 0);
    gp = o->s1;
    mp = o->s2;
    scale = (float)op->conda_scale;
  }
  second_moment(n, b2, eps, gp, mp, v, o->s2);
  float *nrm = o->s2;
  s += 1.0;
  *q->steps = (float)s;
  float step = (float)(lr * sqrt(1.0 - pow(op->beta2, s)) / (1.0 - pow(op->beta1, s)));
  const float *upd = nrm;
  if (q->role) {
    project(q, nrm, o->s1, 1);
    upd = o->s1;
  }
  float a = step * scale, d = (float)(lr * op->weight_decay);
#pragma omp simd
  for (size_t i = 0; i < n; i++) {
    float x = w[i] - a * upd[i];
    w[i] = x - d * x; /* d = 0: x exactly */
  }
  return PV_OK;
}
