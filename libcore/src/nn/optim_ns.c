/* Quintic Newton-Schulz in float, real or complex (Muon's iteration).
 * With k = min(rows, cols) the Gram matrix is formed on the smaller side:
 *   rows <= cols:  A = X X^H (k x k),  X <- a X + (b A + c A^2) X
 *   rows >  cols:  A = X^H X (k x k),  X <- a X + X (b A + c A^2)
 * which are the same polynomial (X p(X^H X) = p(X X^H) X), so no transpose
 * is needed as in the reference's X.mT. */
#include <parseval/error.h>
#include <parseval/nn_optim.h>

#include <cblas.h>
#include <math.h>
#include <string.h>

#define NS_A 3.4445f
#define NS_B (-4.7750f)
#define NS_C 2.0315f

size_t pv_nn_newton_schulz_work_floats(size_t rows, size_t cols, int is_complex) {
  size_t k = rows < cols ? rows : cols, f = is_complex ? 2 : 1;
  return f * (2 * k * k + rows * cols);
}

static void ns_real(int r, int c, float *x, int steps, float *w) {
  int wide = r <= c, k = wide ? r : c;
  float *a = w, *b = a + (size_t)k * k, *t = b + (size_t)k * k;
  size_t rc = (size_t)r * c;
  for (int it = 0; it < steps; it++) {
    cblas_sgemm(CblasRowMajor, wide ? CblasNoTrans : CblasTrans, wide ? CblasTrans : CblasNoTrans,
                k, k, wide ? c : r, 1.0f, x, c, x, c, 0.0f, a, k);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, k, k, k, NS_C, a, k, a, k, 0.0f, b, k);
    for (size_t i = 0; i < (size_t)k * k; i++) b[i] += NS_B * a[i];
    memcpy(t, x, rc * sizeof *t);
    if (wide)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, r, c, r, 1.0f, b, k, x, c, NS_A, t, c);
    else
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, r, c, c, 1.0f, x, c, b, k, NS_A, t, c);
    memcpy(x, t, rc * sizeof *x);
  }
}

static void ns_complex(int r, int c, float *x, int steps, float *w) {
  int wide = r <= c, k = wide ? r : c;
  float *a = w, *b = a + 2 * (size_t)k * k, *t = b + 2 * (size_t)k * k;
  size_t rc = (size_t)r * c;
  const float one[2] = {1.0f, 0.0f}, zero[2] = {0.0f, 0.0f}, cc[2] = {NS_C, 0.0f},
              ca[2] = {NS_A, 0.0f};
  for (int it = 0; it < steps; it++) {
    cblas_cgemm(CblasRowMajor, wide ? CblasNoTrans : CblasConjTrans,
                wide ? CblasConjTrans : CblasNoTrans, k, k, wide ? c : r, one, x, c, x, c, zero, a,
                k);
    cblas_cgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, k, k, k, cc, a, k, a, k, zero, b, k);
    for (size_t i = 0; i < 2 * (size_t)k * k; i++) b[i] += NS_B * a[i];
    memcpy(t, x, 2 * rc * sizeof *t);
    if (wide)
      cblas_cgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, r, c, r, one, b, k, x, c, ca, t, c);
    else
      cblas_cgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, r, c, c, one, x, c, b, k, ca, t, c);
    memcpy(x, t, 2 * rc * sizeof *x);
  }
}

int pv_nn_newton_schulz_float(size_t rows, size_t cols, int is_complex, float *x, int steps, float *work) {
  if (rows < 1 || cols < 1 || rows > INT32_MAX || cols > INT32_MAX || !x || !work || steps < 0)
    return PV_ERROR(PV_EINVAL, "nn_ns_float: bad arguments (%zu x %zu, steps %d)", rows, cols,
                    steps);
  size_t nf = rows * cols * (is_complex ? 2 : 1);
  double s = 0.0;
  for (size_t i = 0; i < nf; i++) s += (double)x[i] * x[i];
  float inv = (float)(1.0 / (sqrt(s) + 1e-7));
  for (size_t i = 0; i < nf; i++) x[i] *= inv;
  if (is_complex)
    ns_complex((int)rows, (int)cols, x, steps, work);
  else
    ns_real((int)rows, (int)cols, x, steps, work);
  return PV_OK;
}
