/* Newton-Schulz orthogonalisation (quintic with Muon's coefficients, cubic
 * to the polar factor). The Gram matrix is formed on the smaller side:
 *   m <= n:  A = X X^T (m x m),  X <- p(A) X
 *   m >  n:  A = X^T X (n x n),  X <- X p(A)
 * with p(A) = a I + b A + c A^2 (quintic) or 1.5 I - 0.5 A (cubic). */
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/linalg.h>

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "linalg/dense_internal.h"

/* P = p(A) for the r x r Gram A (full, symmetric); sq is r x r scratch. */
static void ns_poly(pv_ns_kind kind, int r, const double *a, double *p, double *sq) {
  size_t rr = (size_t)r * r;
  if (kind == PV_NS_QUINTIC) {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, r, r, r, 1.0, a, r, a, r, 0.0, sq, r);
    for (size_t i = 0; i < rr; i++) p[i] = -4.7750 * a[i] + 2.0315 * sq[i];
    for (int i = 0; i < r; i++) p[(size_t)i * r + i] += 3.4445;
  } else {
    for (size_t i = 0; i < rr; i++) p[i] = -0.5 * a[i];
    for (int i = 0; i < r; i++) p[(size_t)i * r + i] += 1.5;
  }
}

int pv_linalg_newton_schulz(pv_ctx *ctx, int m, int n, double *x, int ldx, pv_ns_kind kind,
                            int steps) {
  if (m < 1 || n < 1 || !x || ldx < n || steps < 0 ||
      (kind != PV_NS_QUINTIC && kind != PV_NS_CUBIC))
    return PV_ERROR(PV_EINVAL, "newton_schulz: bad arguments (%d x %d, ldx %d, kind %d, steps %d)",
                    m, n, ldx, (int)kind, steps);
  int st = pv__linalg_check_finite("X", (size_t)m, (size_t)n, x, (size_t)ldx);
  if (st) return st;
  double fro = 0.0;
  for (int i = 0; i < m; i++) {
    double rn = cblas_dnrm2(n, x + (size_t)i * ldx, 1);
    fro = hypot(fro, rn);
  }
  if (fro == 0.0) return PV_OK;
  int r = m < n ? m : n, wide = m <= n;
  double *a = pv_malloc((3 * (size_t)r * r + (size_t)m * n) * sizeof *a);
  if (!a) return PV_ENOMEM;
  double *p = a + (size_t)r * r, *sq = p + (size_t)r * r, *t = sq + (size_t)r * r;
  pv__linalg_blas_threads(ctx);
  for (int i = 0; i < m; i++) cblas_dscal(n, 1.0 / fro, x + (size_t)i * ldx, 1);
  for (int it = 0; it < steps; it++) {
    cblas_dgemm(CblasRowMajor, wide ? CblasNoTrans : CblasTrans, wide ? CblasTrans : CblasNoTrans,
                r, r, wide ? n : m, 1.0, x, ldx, x, ldx, 0.0, a, r);
    ns_poly(kind, r, a, p, sq);
    if (wide)
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, m, 1.0, p, r, x, ldx, 0.0, t, n);
    else
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, n, 1.0, x, ldx, p, r, 0.0, t, n);
    for (int i = 0; i < m; i++)
      memcpy(x + (size_t)i * ldx, t + (size_t)i * n, (size_t)n * sizeof *x);
  }
  pv_free(a);
  return PV_OK;
}
