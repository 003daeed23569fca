/* pcg.c - U by preconditioned conjugate gradients, for grids too large for
 * the dense least-squares solve (2-D). With everything but U fixed (and u^3
 * linearised), the loss is quadratic in U with the normal equations
 *   (K^-1 + lambda tau S^T S + v L^T L) U = lambda tau S^T g + v L^T fl,
 *   L = sum_a D_a (applied along axis a) + diag(J),  D_a = Dk_a K_a^-1,
 * K^-1 and D applied axis by axis (Kronecker), never formed.
 * Preconditioner: the diagonal of that matrix in a per-axis basis
 * X = X_0 (x) X_1, applied as X diag^-1 X^T. For mode x (x) y:
 *   (x'K0^-1 x)(y'K1^-1 y) + lambda tau (x'E0 x |y|^2 + |x|^2 y'E1 y)
 *   + v (|D0 x|^2 |y|^2 + |x|^2 |D1 y|^2 + 2 (x'D0 x)(y'D1 y)),
 * with S^T S = E_0 (+) E_1 (the edges; corners twice, as the reference counts
 * them), plus the exact diagonal of the varying diag(J) part (see jdiag).
 * X_a: the generalised eigenvectors of the
 * pencil (Dk_a, K_a) when Dk_a is symmetric and K_a reasonably conditioned
 * (D_a diagonal and the prior the identity exactly: needed when K_a's spectrum
 * is clustered and its eigenvectors say nothing about D_a); otherwise the
 * orthonormal eigenvectors of K_a (a band-limited K: the prior dominates the
 * unsupported modes, which that basis separates). A solve that stalls is
 * retried once with the other basis by the caller. Not effective for first
 * derivatives (advection): there D couples the sin/cos pairs of each
 * frequency, which a diagonal in a real basis cannot represent. */
#include <math.h>
#include <string.h>
#include <cblas.h>
#include <lapacke.h>
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/gp.h>
#include "gp_internal.h"
#include "gp_model.h"

#ifndef PENCIL_COND
#define PENCIL_COND 1e6  /* largest cond(K_a) for the (Dk, K) basis; beyond, K's eigenvectors */
#endif
#define FAIL_TOL 1e-3 /* relative |r|_{P^-1} above which a stalled solve is a failure */
#define STALL 60   /* iterations without halving |r|_{P^-1}: stalled (rounding, or a
                      preconditioner that misses the operator: first derivatives) */

/* Basis of axis a into Qe[a]: for a symmetric Dk_a (no first-derivative
 * term) the generalised eigenvectors X = K V of (Dk, K) (V^T K V = I), which
 * make D_a diagonal and the prior the identity exactly; otherwise the
 * orthonormal eigenvectors of K_a. flip: the other choice (a retry after a
 * stalled solve). */
static int axis_basis(gp_model *m, int a, int flip) {
  int n = m->n[a];
  size_t nn = (size_t)n * n;
  memcpy(m->Qe[a], m->K[a], nn * sizeof(double));
  lapack_int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'L', n, m->Qe[a], n, m->lam[a]);
  if (info != 0 || !(m->lam[a][0] > 0.0))
    return PV_ERROR(PV_ENUMERIC, "gp pcg: eigendecomposition of axis %d kernel (info %d)", a,
                    (int)info);
  double cond = m->lam[a][n - 1] / m->lam[a][0];
  if (m->prob.c1[a] != 0.0 || (cond > PENCIL_COND) != (flip != 0)) return 0;
  double *V = m->Xs[a], *B = m->GK[a];   /* the loss adjoint workspace is free here */
  memcpy(V, m->Dk[a], nn * sizeof(double));
  memcpy(B, m->K[a], nn * sizeof(double));
  info = LAPACKE_dsygvd(LAPACK_ROW_MAJOR, 1, 'V', 'L', n, V, n, B, n, m->lag);
  if (info == 0)
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, m->K[a], n, V, n, 0.0,
                m->Qe[a], n);
  return 0;   /* on failure the eigenvectors of K stay (dsygvd left Qe alone) */
}

/* Per-axis setup: D_a (+ jbar I on axis 0), the basis X_a (kept from the
 * last call unless `basis`: it depends on the kernel only), and for each
 * basis vector x the five numbers the preconditioner's diagonal is made of:
 * x^T K^-1 x, |x|^2, x^T E x, |D x|^2, x^T D x. Needs gp_model_factor first. */
int gp_pcg_setup(gp_model *m, double jbar, int flip, int basis) {
  for (int a = 0; a < m->d; a++) {
    int n = m->n[a];
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, m->Dk[a], n,
                m->Kinv[a], n, 0.0, m->Dm[a], n);
    if (a == 0)
      for (int i = 0; i < n; i++) m->Dm[a][(size_t)i * n + i] += jbar;
    int st = basis ? axis_basis(m, a, flip) : 0;
    if (st) return st;
    const double *X = m->Qe[a];
    double *DX = m->GD[a], *KX = m->Xs[a];
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, m->Dm[a], n, X, n, 0.0,
                DX, n);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, m->Kinv[a], n, X, n,
                0.0, KX, n);
    double *pk = m->pre[a], *nx = pk + n, *ex = nx + n, *ad = ex + n, *bd = ad + n;
    memset(pk, 0, 5 * (size_t)n * sizeof(double));
    for (int i = 0; i < n; i++)
      for (int j = 0; j < n; j++) {
        size_t ij = (size_t)i * n + j;
        pk[j] += X[ij] * KX[ij];
        nx[j] += X[ij] * X[ij];
        ad[j] += DX[ij] * DX[ij];
        bd[j] += X[ij] * DX[ij];
      }
    for (int j = 0; j < n; j++) {
      double x0 = X[j], x1 = X[(size_t)(n - 1) * n + j];
      ex[j] = x0 * x0 + x1 * x1;
    }
    for (size_t ij = 0; ij < (size_t)n * n; ij++) {   /* for jdiag: X o X, X o DX */
      KX[ij] = X[ij] * X[ij];
      DX[ij] *= X[ij];
    }
  }
  return 0;
}

/* The varying zeroth-order part diag(J) in the preconditioner's diagonal:
 * for mode x (x) y, |J (x (x) y)|^2 + 2 (x (x) y)' J D (x (x) y), i.e.
 *   (XoX)' J^2 (YoY) + 2 (XoDX)' J (YoY) + 2 (XoX)' J (YoDY)
 * with J as an n0 x n1 matrix: a few n^3 products. Adds v times it to dg;
 * t1, t2 scratch (M). */
static void jdiag(gp_model *m, const double *J, double v, double *dg, double *t1, double *t2) {
  int n0 = m->n[0], n1 = m->d == 2 ? m->n[1] : 1;
  const double *A0 = m->Xs[0], *C0 = m->GD[0];
  size_t M = m->M;
  if (m->d == 1) {
    for (int k = 0; k < n0; k++) { t1[k] = J[k] * J[k]; t2[k] = 2.0 * J[k]; }
    cblas_dgemv(CblasRowMajor, CblasTrans, n0, n0, v, A0, n0, t1, 1, 1.0, dg, 1);
    cblas_dgemv(CblasRowMajor, CblasTrans, n0, n0, v, C0, n0, t2, 1, 1.0, dg, 1);
    return;
  }
  const double *A1 = m->Xs[1], *C1 = m->GD[1];
  for (size_t i = 0; i < M; i++) t2[i] = J[i] * J[i];
  /* t1 = J^2 A1 + 2 J C1 */
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n0, n1, n1, 1.0, t2, n1, A1, n1, 0.0, t1, n1);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n0, n1, n1, 2.0, J, n1, C1, n1, 1.0, t1, n1);
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n0, n1, n0, v, A0, n0, t1, n1, 1.0, dg, n1);
  /* + 2 C0' (J A1) */
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n0, n1, n1, 1.0, J, n1, A1, n1, 0.0, t1, n1);
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n0, n1, n0, 2.0 * v, C0, n0, t1, n1, 1.0, dg, n1);
}

/* The preconditioner's diagonal (M values) into dg. */
static void precond_diag(gp_model *m, const double *J, double lt, double v, double *dg,
                         double *t1, double *t2) {
  if (m->d == 1) {
    int n = m->n[0];
    const double *pk = m->pre[0], *ex = pk + 2 * (size_t)n, *ad = pk + 3 * (size_t)n;
    for (int i = 0; i < n; i++) dg[i] = pk[i] + lt * ex[i] + v * ad[i];
  } else {
    int n0 = m->n[0], n1 = m->n[1];
    const double *p0 = m->pre[0], *x0 = p0 + n0, *e0 = x0 + n0, *a0 = e0 + n0, *b0 = a0 + n0;
    const double *p1 = m->pre[1], *x1 = p1 + n1, *e1 = x1 + n1, *a1 = e1 + n1, *b1 = a1 + n1;
    for (int i = 0; i < n0; i++)
      for (int j = 0; j < n1; j++)
        dg[(size_t)i * n1 + j] = p0[i] * p1[j] + lt * (e0[i] * x1[j] + x0[i] * e1[j])
                                 + v * (a0[i] * x1[j] + x0[i] * a1[j] + 2.0 * b0[i] * b1[j]);
  }
  if (J) jdiag(m, J, v, dg, t1, t2);
  for (size_t i = 0; i < m->M; i++)   /* the true diagonal is positive; guard rounding */
    if (!(dg[i] > 0.0)) dg[i] = 1e-300;
}

/* y = K^-1 x (+ lambda tau S^T S x) + v L^T L x; t1, t2 scratch. */
static void normal_apply(gp_model *m, const double *J, double lt, double v, const double *x,
                         double *y, double *t1, double *t2) {
  int d = m->d;
  size_t M = m->M;
  if (d == 1) {
    gp_mode_apply(1, m->n, 0, m->Kinv[0], 0, x, y);
  } else {
    gp_mode_apply(2, m->n, 0, m->Kinv[0], 0, x, t1);
    gp_mode_apply(2, m->n, 1, m->Kinv[1], 0, t1, y);
  }
  for (size_t k = 0; k < m->nb; k++) y[m->bidx[k]] += lt * x[m->bidx[k]];
  /* t2 = L x (D_0 carries jbar; J holds the remainder J - jbar) */
  gp_mode_apply(d, m->n, 0, m->Dm[0], 0, x, t2);
  if (d == 2) {
    gp_mode_apply(2, m->n, 1, m->Dm[1], 0, x, t1);
    for (size_t i = 0; i < M; i++) t2[i] += t1[i];
  }
  if (J) for (size_t i = 0; i < M; i++) t2[i] += J[i] * x[i];
  for (int a = 0; a < d; a++) {
    gp_mode_apply(d, m->n, a, m->Dm[a], 1, t2, t1);
    for (size_t i = 0; i < M; i++) y[i] += v * t1[i];
  }
  if (J) for (size_t i = 0; i < M; i++) y[i] += v * J[i] * t2[i];
}

/* z = X dg^-1 X^T r; t scratch. */
static void precond_apply(gp_model *m, const double *dg, const double *r, double *z, double *t) {
  int d = m->d;
  if (d == 1) {
    gp_mode_apply(1, m->n, 0, m->Qe[0], 1, r, t);
    for (int i = 0; i < m->n[0]; i++) t[i] /= dg[i];
    gp_mode_apply(1, m->n, 0, m->Qe[0], 0, t, z);
    return;
  }
  gp_mode_apply(2, m->n, 0, m->Qe[0], 1, r, z);
  gp_mode_apply(2, m->n, 1, m->Qe[1], 1, z, t);
  for (size_t i = 0; i < m->M; i++) t[i] /= dg[i];
  gp_mode_apply(2, m->n, 0, m->Qe[0], 0, t, z);
  gp_mode_apply(2, m->n, 1, m->Qe[1], 0, z, t);
  memcpy(z, t, m->M * sizeof(double));
}

static double dotp(const double *a, const double *b, size_t n) {
  double s = 0.0;
  for (size_t i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

/* Solve the normal equations for U (in/out: the start and the solution)
 * with J (M values, the zeroth-order coefficient minus jbar; NULL: none)
 * and source fl. Stops when |r| <= tol |b| or after maxit iterations;
 * *iters receives the count. gp_pcg_setup must have run for jbar. */
int gp_pcg_solve(gp_model *m, double *U, const double *J, const double *fl, double tau,
                 double v, double tol, int maxit, int *iters) {
  size_t M = m->M;
  int d = m->d;
  double lt = m->opt.lambda_b * tau;
  double *b = m->cg[0], *r = m->cg[1], *z = m->cg[2], *pd = m->cg[3], *q = m->cg[4];
  double *t1 = m->cg[5], *t2 = m->B, *dg = m->cg[6];
  precond_diag(m, J, lt, v, dg, z, q);
  /* b = lambda tau S^T g + v L^T fl */
  memset(b, 0, M * sizeof(double));
  for (int a = 0; a < d; a++) {
    gp_mode_apply(d, m->n, a, m->Dm[a], 1, fl, t1);
    for (size_t i = 0; i < M; i++) b[i] += v * t1[i];
  }
  if (J) for (size_t i = 0; i < M; i++) b[i] += v * J[i] * fl[i];
  for (size_t k = 0; k < m->nb; k++) b[m->bidx[k]] += lt * m->g[k];
  normal_apply(m, J, lt, v, U, q, t1, t2);
  for (size_t i = 0; i < M; i++) r[i] = b[i] - q[i];
  int it = 0, since_best = 0;
  precond_apply(m, dg, r, z, t1);
  memcpy(pd, z, M * sizeof(double));
  double rz = dotp(r, z, M), rz0 = dotp(b, b, M) > 0 ? rz : 1.0, best = rz;
  /* |r|_{P^-1} relative to its start; the 2-norm residual of these normal
   * equations bottoms out near cond * eps, so also stop on stagnation */
  while (rz > tol * tol * rz0 && it < maxit && since_best < STALL) {
    normal_apply(m, J, lt, v, pd, q, t1, t2);
    double pq = dotp(pd, q, M);
    if (!(pq > 0.0)) break;   /* lost positive curvature to rounding: stop */
    double alpha = rz / pq;
    for (size_t i = 0; i < M; i++) { U[i] += alpha * pd[i]; r[i] -= alpha * q[i]; }
    it++;
    if (it % 50 == 0) {   /* refresh the recursive residual */
      normal_apply(m, J, lt, v, U, q, t1, t2);
      for (size_t i = 0; i < M; i++) r[i] = b[i] - q[i];
    }
    precond_apply(m, dg, r, z, t1);
    double rz1 = dotp(r, z, M), beta = rz1 / rz;
    rz = rz1;
    if (rz < 0.5 * best) { best = rz; since_best = 0; } else since_best++;
    for (size_t i = 0; i < M; i++) pd[i] = z[i] + beta * pd[i];
  }
  *iters = it;
  if (!(rz <= FAIL_TOL * FAIL_TOL * rz0))
    return PV_ERROR(PV_ENUMERIC, "gp pcg: U solve stalled at relative residual %.2e after %d iterations",
                    sqrt(rz / rz0), it);
  for (size_t i = 0; i < M; i++)
    if (!isfinite(U[i])) return PV_ERROR(PV_ENUMERIC, "gp pcg: U[%zu] not finite", i);
  return 0;
}
