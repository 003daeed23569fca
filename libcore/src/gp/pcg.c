/* pcg.c - U by preconditioned conjugate gradients in per-axis eigenvector
 * coordinates, for grids too large for the dense least-squares solve (2-D).
 *
 * With everything but U fixed (u^3 linearised), the loss is quadratic in U:
 *   1/2 U'K^-1 U + lambda tau/2 |S U - g|^2 + v/2 |L U - fl|^2,
 *   L = sum_a D_a (along axis a) + jbar I + diag(Jr),  D_a = Dk_a K_a^-1.
 * With K_a = Q_a diag(lambda_a) Q_a' and U = (Q_0 (x) Q_1) c, the prior is
 * diagonal, 1 / (lambda_0 (x) lambda_1), the Euclidean norm is kept (Q
 * orthonormal: nothing is amplified by the change of basis), and
 * L = (Q_0 (x) Q_1) T (Q_0 (x) Q_1)' with the Kronecker sum
 * T = (Theta_0 + jbar) (+) Theta_1, Theta_a = Q_a' D_a Q_a (n x n). The
 * normal equations in c,
 *   (diag(prior) + lambda tau B'B + v (T + Q'Jr Q)'(T + Q'Jr Q)) c = rhs,
 * cost four n^3 mode products per iteration without Jr (twelve with it:
 * Allen-Cahn's linearisation), the boundary B = S Q in O(n^2).
 * Preconditioner: block Jacobi over (group of axis 0) x (group of axis 1),
 * with the exact entries of the matrix on each block. Groups are single
 * eigenvectors for second derivatives (Theta_a nearly diagonal where K_a
 * and Dk_a nearly commute) and sin/cos pairs for first derivatives (D maps
 * each eigenvector to its partner: the pair is found from Theta and made
 * adjacent), so advection's blocks are up to 4 x 4. The first solve at the
 * reference's initial kernel (30 components spread over the band) takes a
 * few hundred iterations on a 400 x 400 grid; solves near a learnt kernel
 * (few components) take tens. With the Student-t kernel the pairing is
 * looser (the Matern envelope's slowly decaying spectrum mixes neighbouring
 * frequencies into K's eigenvectors): advection's first solve at 200^2
 * takes ~1100 iterations, most on a plateau near 0.2. The residual is
 * recomputed in U coordinates (K^-1 and D_a applied directly) once per
 * solve, and a stalled pass is refined once. */
#include <math.h>
#include <string.h>
#include <cblas.h>
#include <lapacke.h>
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/gp.h>
#include "gp_internal.h"
#include "gp_model.h"

#define FAIL_TOL 1e-3 /* relative residual above which a stopped solve is a failure */
#define STALL 100     /* iterations without reducing the residual 4-fold: stalled (rounding) */
#define STALL_INEXACT 20 /* the same for an inexact Newton step (the caller stops at the floor) */
#define STALL_FLOOR 1e-6 /* exact solves count stalls only below this relative residual */
#define REFINE 1e-6   /* a first pass that stalls above this relative residual is refined */
#define REFINE_IT 100 /* iterations of a refinement pass */

/* Per axis: Q_a in Xs, Theta_a in Dm, lambda_a in lam, and in pre[a]:
 * D_a (n x n), H_a = Theta_a' Theta_a (n x n), group sizes (1 or 2 at a
 * group's first index, 0 inside) and the prior 1 / lambda_a. */
static double *dmat(gp_model *m, int a) { return m->pre[a]; }
static double *hmat(gp_model *m, int a) { return m->pre[a] + (size_t)m->n[a] * m->n[a]; }
static double *prior(gp_model *m, int a) { return m->pre[a] + 2 * (size_t)m->n[a] * m->n[a]; }
static double *gsize(gp_model *m, int a) { return prior(m, a) + m->n[a]; }

/* Eigenvectors Q and eigenvalues of K_a; Theta = Q' D_a Q, prior
 * diag(1 / lambda). (An orthonormalised pencil basis, which resolves
 * frequency where K's spectrum is flat, was tried: its prior Q'K^-1 Q is
 * far from diagonal and PCG converged more slowly.) */
static int basis_keig(gp_model *m, int a) {
  int n = m->n[a];
  size_t nn = (size_t)n * n;
  double *Q = m->Xs[a], *T = m->Qe[a];
  memcpy(Q, m->K[a], nn * sizeof(double));
  lapack_int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'L', n, Q, n, m->lam[a]);
  if (info != 0 || !(m->lam[a][0] > 0.0))
    return PV_ERROR(PV_ENUMERIC, "gp pcg: eigendecomposition of axis %d kernel (info %d)", a, (int)info);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, dmat(m, a), n, Q, n, 0.0, T, n);
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, n, n, 1.0, Q, n, T, n, 0.0, m->Dm[a], n);
  for (int i = 0; i < n; i++) prior(m, a)[i] = 1.0 / m->lam[a][i];
  return 0;
}

/* First derivatives in the eigenvector basis: D maps each eigenvector to
 * its sin/cos partner. Pair the columns whose Theta entries are mutually
 * largest, reorder the basis (Q's columns, lambda) so pairs are adjacent,
 * mark them as 2 x 2 groups and recompute Theta. t: n x n scratch. */
static void pair_columns(gp_model *m, int a, double *t) {
  int n = m->n[a];
  double *Q = m->Xs[a], *T = m->Dm[a], *gs = gsize(m, a);
  int *best = m->pcgi, *ord = m->pcgi + n;   /* scratch: groups are rebuilt later */
  for (int j = 0; j < n; j++) {
    double bv = -1.0;
    best[j] = j;
    for (int i = 0; i < n; i++) {
      double w = i == j ? -1.0 : T[(size_t)i * n + j] * T[(size_t)i * n + j] + T[(size_t)j * n + i] * T[(size_t)j * n + i];
      if (w > bv) { bv = w; best[j] = i; }
    }
  }
  int k = 0;
  for (int j = 0; j < n; j++) gs[j] = -1.0;
  for (int j = 0; j < n; j++) {
    if (gs[j] >= 0.0) continue;
    int i = best[j];
    if (i != j && best[i] == j && gs[i] < 0.0) { ord[k++] = j; ord[k++] = i; gs[j] = 2.0; gs[i] = 0.0; }
    else { ord[k++] = j; gs[j] = 1.0; }
  }
  /* permute columns of Q and lambda; group sizes follow the new order */
  memcpy(t, Q, (size_t)n * n * sizeof(double));
  for (int c = 0; c < n; c++)
    for (int r = 0; r < n; r++) Q[(size_t)r * n + c] = t[(size_t)r * n + ord[c]];
  for (int c = 0; c < n; c++) t[c] = prior(m, a)[ord[c]];
  memcpy(prior(m, a), t, (size_t)n * sizeof(double));
  for (int c = 0; c < n;) {
    int z = (int)gs[ord[c]];
    t[c] = z;
    if (z == 2) t[c + 1] = 0.0;
    c += z;
  }
  memcpy(gs, t, (size_t)n * sizeof(double));
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, dmat(m, a), n, Q, n, 0.0, t, n);
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, n, n, 1.0, Q, n, t, n, 0.0, T, n);
}

/* Per-axis setup for the current kernel (gp_model_factor first): D_a,
 * eigenvectors, Theta_a (sin/cos pairs grouped for first derivatives),
 * H_a, prior. basis = 0: keep the last setup (Gauss-Newton steps). */
int gp_pcg_setup(gp_model *m, int basis) {
  if (!basis) return 0;
  for (int a = 0; a < m->d; a++) {
    int n = m->n[a];
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, m->Dk[a], n, m->Kinv[a], n,
                0.0, dmat(m, a), n);
    int st = basis_keig(m, a);
    if (st) return st;
    for (int i = 0; i < n; i++) gsize(m, a)[i] = 1.0;
    if (m->prob.c1[a] != 0.0) pair_columns(m, a, m->Qe[a]);
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, n, n, 1.0, m->Dm[a], n, m->Dm[a], n,
                0.0, hmat(m, a), n);
  }
  return 0;
}

/* ---- operators in c coordinates ---------------------------------------- */

typedef struct {
  gp_model *m;
  int n0, n1;          /* n1 = 1 in 1-D */
  double jbar, lt, v;  /* mean zeroth-order coefficient, lambda tau, v */
  const double *Jr;    /* varying part of the zeroth-order coefficient (M) or NULL */
  double *t1, *t2, *t3, *t4;   /* M-sized scratch */
} op;

/* y = T x or T' x, T = (Theta_0 + jbar) (+) Theta_1. */
static void t_apply(op *o, int trans, const double *x, double *y) {
  gp_model *m = o->m;
  gp_mode_apply(m->d, m->n, 0, m->Dm[0], trans, x, y);
  if (m->d == 2) {
    gp_mode_apply(2, m->n, 1, m->Dm[1], trans, x, o->t4);
    for (size_t i = 0; i < m->M; i++) y[i] += o->t4[i];
  }
  for (size_t i = 0; i < m->M; i++) y[i] += o->jbar * x[i];
}

/* y = (Q_0 (x) Q_1) x, or its transpose; t scratch. */
static void q_apply(op *o, int trans, const double *x, double *y, double *t) {
  gp_model *m = o->m;
  if (m->d == 1) { gp_mode_apply(1, m->n, 0, m->Xs[0], trans, x, y); return; }
  gp_mode_apply(2, m->n, 0, m->Xs[0], trans, x, t);
  gp_mode_apply(2, m->n, 1, m->Xs[1], trans, t, y);
}

/* Boundary values of U = Q c in the model's bidx order (rows 0, n0-1, then
 * columns 0, n1-1 in 2-D) into e (nb), O(n^2). */
static void bnd_forward(op *o, const double *c, double *e) {
  gp_model *m = o->m;
  int n0 = o->n0, n1 = o->n1;
  const double *X0 = m->Xs[0];
  double *w = o->t4;
  if (m->d == 1) {
    e[0] = cblas_ddot(n0, X0, 1, c, 1);
    e[1] = cblas_ddot(n0, X0 + (size_t)(n0 - 1) * n0, 1, c, 1);
    return;
  }
  const double *X1 = m->Xs[1];
  for (int r = 0; r < 2; r++) {   /* rows: (Q0[row,:] C) Q1' */
    const double *xr = X0 + (size_t)(r ? n0 - 1 : 0) * n0;
    cblas_dgemv(CblasRowMajor, CblasTrans, n0, n1, 1.0, c, n1, xr, 1, 0.0, w, 1);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, n1, n1, 1.0, X1, n1, w, 1, 0.0, e + (size_t)r * n1, 1);
  }
  for (int s = 0; s < 2; s++) {   /* columns: Q0 (C Q1[col,:]') */
    const double *xc = X1 + (size_t)(s ? n1 - 1 : 0) * n1;
    cblas_dgemv(CblasRowMajor, CblasNoTrans, n0, n1, 1.0, c, n1, xc, 1, 0.0, w, 1);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, n0, n0, 1.0, X0, n0, w, 1, 0.0,
                e + 2 * (size_t)n1 + (size_t)s * n0, 1);
  }
}

/* y += alpha (S Q)' e, O(n^2). */
static void bnd_adjoint(op *o, double alpha, const double *e, double *y) {
  gp_model *m = o->m;
  int n0 = o->n0, n1 = o->n1;
  const double *X0 = m->Xs[0];
  double *w = o->t4, *w2 = o->t4 + (n0 > n1 ? n0 : n1);
  if (m->d == 1) {
    cblas_daxpy(n0, alpha * e[0], X0, 1, y, 1);
    cblas_daxpy(n0, alpha * e[1], X0 + (size_t)(n0 - 1) * n0, 1, y, 1);
    return;
  }
  const double *X1 = m->Xs[1];
  for (int r = 0; r < 2; r++) {   /* Q0[row,:]' (x) (e_row' Q1) */
    const double *xr = X0 + (size_t)(r ? n0 - 1 : 0) * n0;
    cblas_dgemv(CblasRowMajor, CblasTrans, n1, n1, 1.0, X1, n1, e + (size_t)r * n1, 1, 0.0, w, 1);
    cblas_dger(CblasRowMajor, n0, n1, alpha, xr, 1, w, 1, y, n1);
  }
  for (int s = 0; s < 2; s++) {   /* (Q0' e_col) (x) Q1[col,:] */
    const double *xc = X1 + (size_t)(s ? n1 - 1 : 0) * n1;
    cblas_dgemv(CblasRowMajor, CblasTrans, n0, n0, 1.0, X0, n0, e + 2 * (size_t)n1 + (size_t)s * n0,
                1, 0.0, w2, 1);
    cblas_dger(CblasRowMajor, n0, n1, alpha, w2, 1, xc, 1, y, n1);
  }
}

/* y = A_c x (the normal matrix in c coordinates); e scratch (nb). */
static void normal_apply(op *o, const double *x, double *y, double *e) {
  gp_model *m = o->m;
  size_t M = m->M;
  double *s = o->t1;
  t_apply(o, 0, x, s);
  if (!o->Jr) {
    t_apply(o, 1, s, y);
    for (size_t i = 0; i < M; i++) y[i] *= o->v;
  } else {   /* residual in U coordinates: w = Q T x + Jr (Q x) */
    double *u = o->t2, *w = o->t3;
    q_apply(o, 0, x, u, y);
    q_apply(o, 0, s, w, y);
    for (size_t i = 0; i < M; i++) { w[i] += o->Jr[i] * u[i]; u[i] = o->Jr[i] * w[i]; }
    q_apply(o, 1, w, s, y);
    t_apply(o, 1, s, w);     /* w = T' Q' w */
    q_apply(o, 1, u, s, y);  /* s = Q' (Jr w) */
    for (size_t i = 0; i < M; i++) y[i] = o->v * (w[i] + s[i]);
  }
  const double *p0 = prior(m, 0), *p1 = m->d == 2 ? prior(m, 1) : NULL;
  for (int i = 0; i < o->n0; i++)
    for (int j = 0; j < o->n1; j++) {
      size_t k = (size_t)i * o->n1 + j;
      y[k] += p0[i] * (p1 ? p1[j] : 1.0) * x[k];
    }
  bnd_forward(o, x, e);
  bnd_adjoint(o, o->lt, e, y);
}

/* ---- block Jacobi preconditioner ---------------------------------------- */

/* Group starts and sizes of axis a into st/sz; returns the count and the
 * sum of squared sizes (*sq). A 1-D problem's absent axis is one group. */
static int groups(gp_model *m, int a, int *st, int *sz, size_t *sq) {
  int na = a < m->d ? m->n[a] : 1, k = 0;
  *sq = 0;
  for (int i = 0; i < na;) {
    int z = a < m->d ? (int)gsize(m, a)[i] : 1;
    if (z < 1) z = 1;
    st[k] = i;
    sz[k++] = z;
    *sq += (size_t)z * z;
    i += z;
  }
  return k;
}

enum { E_THETA, E_ID, E_EDGE, E_PRIOR, E_H };

/* Entry (i, j) of an axis matrix in the eigenvector basis: Theta (+ jbar on
 * axis 0), the identity, F = Q'EQ (the two end points), the prior, and
 * (Theta + jbar)'(Theta + jbar). A 1-D problem's absent axis is the 1 x 1
 * identity with Theta = 0, F = 0. */
static double ax_entry(op *o, int a, int which, int i, int j) {
  gp_model *m = o->m;
  if (a >= m->d) return which == E_ID || which == E_PRIOR ? 1.0 : 0.0;
  int n = m->n[a];
  double jb = a == 0 ? o->jbar : 0.0, id = i == j ? 1.0 : 0.0;
  const double *T = m->Dm[a];
  switch (which) {
    case E_THETA: return T[(size_t)i * n + j] + jb * id;
    case E_ID: return id;
    case E_EDGE: {
      const double *X = m->Xs[a], *xl = X + (size_t)(n - 1) * n;
      return X[i] * X[j] + xl[i] * xl[j];
    }
    case E_PRIOR: return id * prior(m, a)[i];
    default:
      return hmat(m, a)[(size_t)i * n + j] + jb * (T[(size_t)i * n + j] + T[(size_t)j * n + i]) + jb * jb * id;
  }
}

/* Build and Cholesky-factor every block; jd (M or NULL): the Jr part's
 * diagonal. Blocks packed at O0[g0] * S1 + z0^2 O1[g1] in pk. */
static int precond_build(op *o, const double *jd, int *st0, int *sz0, int *st1, int *sz1, double *pk) {
  size_t s0, s1;
  int g0 = groups(o->m, 0, st0, sz0, &s0), g1 = groups(o->m, 1, st1, sz1, &s1);
  size_t off0 = 0;
  for (int b0 = 0; b0 < g0; b0++) {
    int z0 = sz0[b0];
    size_t off1 = 0;
    for (int b1 = 0; b1 < g1; b1++) {
      int z1 = sz1[b1], k = z0 * z1;
      double *P = pk + off0 * s1 + (size_t)z0 * z0 * off1;
      /* prior + lambda tau (F0 (x) I + I (x) F1) + v (H0 (x) I + Theta0' (x) Theta1
       * + Theta0 (x) Theta1' + I (x) H1) restricted to the block: exact */
      for (int r = 0; r < k; r++)
        for (int c = 0; c < k; c++) {
          int i0 = st0[b0] + r / z1, i1 = st1[b1] + r % z1, j0 = st0[b0] + c / z1, j1 = st1[b1] + c % z1;
          double d0 = ax_entry(o, 0, E_ID, i0, j0), d1 = ax_entry(o, 1, E_ID, i1, j1);
          P[r * k + c] = ax_entry(o, 0, E_PRIOR, i0, j0) * ax_entry(o, 1, E_PRIOR, i1, j1)
                         + o->lt * (ax_entry(o, 0, E_EDGE, i0, j0) * d1 + d0 * ax_entry(o, 1, E_EDGE, i1, j1))
                         + o->v * (ax_entry(o, 0, E_H, i0, j0) * d1 + d0 * ax_entry(o, 1, E_H, i1, j1)
                                   + ax_entry(o, 0, E_THETA, j0, i0) * ax_entry(o, 1, E_THETA, i1, j1)
                                   + ax_entry(o, 0, E_THETA, i0, j0) * ax_entry(o, 1, E_THETA, j1, i1));
        }
      if (jd)
        for (int r = 0; r < k; r++) {
          size_t idx = (size_t)(st0[b0] + r / z1) * o->n1 + st1[b1] + r % z1;
          P[r * k + r] += o->v * jd[idx];
          if (!(P[r * k + r] >= 1.0)) P[r * k + r] = 1.0;   /* the true diagonal is >= 1 */
        }
      if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', k, P, k) != 0)
        return PV_ERROR(PV_ENUMERIC, "gp pcg: preconditioner block not positive definite");
      off1 += (size_t)z1 * z1;
    }
    off0 += (size_t)z0 * z0;
  }
  return 0;
}

/* z = P^-1 r, block by block. */
static void precond_apply(op *o, const int *st0, const int *sz0, const int *st1, const int *sz1,
                          int g0, int g1, size_t s1, const double *pk, const double *r, double *z) {
  size_t off0 = 0;
  for (int b0 = 0; b0 < g0; b0++) {
    int z0 = sz0[b0];
    size_t off1 = 0;
    for (int b1 = 0; b1 < g1; b1++) {
      int z1 = sz1[b1], k = z0 * z1;
      const double *P = pk + off0 * s1 + (size_t)z0 * z0 * off1;
      double y[4];
      for (int q = 0; q < k; q++) y[q] = r[(size_t)(st0[b0] + q / z1) * o->n1 + st1[b1] + q % z1];
      for (int i = 0; i < k; i++) {   /* L y = r */
        for (int j = 0; j < i; j++) y[i] -= P[i * k + j] * y[j];
        y[i] /= P[i * k + i];
      }
      for (int i = k - 1; i >= 0; i--) {   /* L' z = y */
        for (int j = i + 1; j < k; j++) y[i] -= P[j * k + i] * y[j];
        y[i] /= P[i * k + i];
      }
      for (int q = 0; q < k; q++) z[(size_t)(st0[b0] + q / z1) * o->n1 + st1[b1] + q % z1] = y[q];
      off1 += (size_t)z1 * z1;
    }
    off0 += (size_t)z0 * z0;
  }
}

/* The Jr part of the preconditioner's diagonal, into jd (M):
 * (Q0oQ0)' Jr^2 (Q1oQ1) + 2 diag(T) o (Q0oQ0)' Jr (Q1oQ1), i.e.
 * |(T + Q'JrQ) e_ij|^2 - |T e_ij|^2 with T's off-diagonal part neglected in
 * the cross term. sq0, sq1: n0 x n0, n1 x n1 scratch. */
static void jr_diag(op *o, double *jd, double *sq0, double *sq1) {
  gp_model *m = o->m;
  int n0 = o->n0, n1 = o->n1;
  size_t M = m->M;
  for (size_t i = 0; i < (size_t)n0 * n0; i++) sq0[i] = m->Xs[0][i] * m->Xs[0][i];
  if (m->d == 2) for (size_t i = 0; i < (size_t)n1 * n1; i++) sq1[i] = m->Xs[1][i] * m->Xs[1][i];
  else sq1[0] = 1.0;
  double *a = o->t1, *b = o->t2, *t = o->t3;
  for (size_t i = 0; i < M; i++) a[i] = o->Jr[i] * o->Jr[i];
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n0, n1, n0, 1.0, sq0, n0, a, n1, 0.0, t, n1);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n0, n1, n1, 1.0, t, n1, sq1, n1, 0.0, jd, n1);
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n0, n1, n0, 1.0, sq0, n0, o->Jr, n1, 0.0, t, n1);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n0, n1, n1, 1.0, t, n1, sq1, n1, 0.0, b, n1);
  for (int i = 0; i < n0; i++)
    for (int j = 0; j < n1; j++) {
      double tij = ax_entry(o, 0, E_THETA, i, i) + ax_entry(o, 1, E_THETA, j, j);
      size_t k = (size_t)i * n1 + j;
      jd[k] += 2.0 * tij * b[k];
    }
}

static double dotp(const double *a, const double *b, size_t n) {
  double s = 0.0;
  for (size_t i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

/* PCG in c coordinates on A_c c = Q' ru from c = 0, dU = Q c: stops when
 * |r|_{P^-1} <= tol |Q' bfull|_{P^-1} (*relres: that ratio at the end),
 * after maxit iterations or on stagnation; *iters: the count. */
static int inner_solve(op *op_, const double *ru, const double *bfull, double *dU, double tol,
                       double eta, int maxit, int *iters, double *relres, double *relres0) {
  op o = *op_;
  gp_model *m = o.m;
  size_t M = m->M;
  const double *Jr = o.Jr;
  double *b = m->cg[0], *r = m->cg[1], *z = m->cg[2], *pd = m->cg[3], *q = m->cg[4];
  double *c = m->cg[5], *e = m->cg[6], *pk = m->pcgw;
  int *ix = m->pcgi, *st0 = ix, *sz0 = ix + o.n0, *st1 = ix + 2 * (size_t)o.n0, *sz1 = st1 + o.n1;
  size_t s0, s1;
  int g0 = groups(m, 0, st0, sz0, &s0), g1 = groups(m, 1, st1, sz1, &s1);
  *iters = 0;
  *relres = 1.0;
  if (Jr) jr_diag(&o, m->R, m->GK[0], m->d == 2 ? m->GK[1] : m->lag);
  int st = precond_build(&o, Jr ? m->R : NULL, st0, sz0, st1, sz1, pk);
  if (st) return st;
  q_apply(&o, 1, bfull, b, o.t1);   /* the reference size: |Q' bfull|_{P^-1} */
  precond_apply(&o, st0, sz0, st1, sz1, g0, g1, s1, pk, b, pd);
  double rzb = dotp(b, pd, M);
  q_apply(&o, 1, ru, b, o.t1);   /* b = Q' ru */
  memset(c, 0, M * sizeof(double));
  memcpy(r, b, M * sizeof(double));
  precond_apply(&o, st0, sz0, st1, sz1, g0, g1, s1, pk, r, z);
  memcpy(pd, z, M * sizeof(double));
  double rz = dotp(r, z, M), ref = rzb > 0 ? rzb : 1.0, best = rz;
  double stop = fmax(tol * tol * ref, eta * eta * rz);   /* inexact: eta of the start */
  int it = 0, since_best = 0;
  *relres0 = sqrt(rz / ref);
  int stall = eta > 0.0 ? STALL_INEXACT : STALL;
  while (rz > stop && it < maxit && since_best < stall) {
    if (m->deadline > 0 && it % 8 == 0 && gp_now_s() > m->deadline)
      return PV_ERROR(PV_ENOTCONV, "gp pcg: the run's time budget ran out during a first U solve "
                      "(%d PCG iterations of this pass, relative residual %.2e)", it, sqrt(rz / ref));
    normal_apply(&o, pd, q, e);
    double pq = dotp(pd, q, M);
    if (!(pq > 0.0)) break;
    double alpha = rz / pq;
    for (size_t i = 0; i < M; i++) { c[i] += alpha * pd[i]; r[i] -= alpha * q[i]; }
    it++;
    if (it % 50 == 0) {   /* refresh the recursive residual */
      normal_apply(&o, c, q, e);
      for (size_t i = 0; i < M; i++) r[i] = b[i] - q[i];
    }
    precond_apply(&o, st0, sz0, st1, sz1, g0, g1, s1, pk, r, z);
    double rz1 = dotp(r, z, M), beta = rz1 / rz;
    rz = rz1;
    /* the rounding floor of an exact solve lies far below STALL_FLOOR; above
     * it a flat stretch is CG's plateau, not a stall (StM advection, 200^2:
     * ~900 iterations near 0.2 before it converges) */
    if (rz < 0.25 * best) { best = rz; since_best = 0; }
    else if (eta > 0.0 || rz < STALL_FLOOR * STALL_FLOOR * ref) since_best++;
    for (size_t i = 0; i < M; i++) pd[i] = z[i] + beta * pd[i];
  }
  *iters = it;
  *relres = sqrt(rz / ref);
  q_apply(&o, 0, c, dU, o.t1);   /* dU = Q c */
  return 0;
}

/* y = A_U x in U coordinates: K^-1 x + lambda tau S'S x + v L'L x (the
 * reference for the outer refinement; K^-1, D_a explicit). */
static void u_apply(op *o, const double *x, double *y) {
  gp_model *m = o->m;
  size_t M = m->M;
  int d = m->d;
  double *t1 = o->t1, *t2 = o->t2;
  gp_mode_apply(d, m->n, 0, m->Kinv[0], 0, x, d == 2 ? t1 : y);
  if (d == 2) gp_mode_apply(2, m->n, 1, m->Kinv[1], 0, t1, y);
  for (size_t k = 0; k < m->nb; k++) y[m->bidx[k]] += o->lt * x[m->bidx[k]];
  gp_mode_apply(d, m->n, 0, dmat(m, 0), 0, x, t2);
  if (d == 2) {
    gp_mode_apply(2, m->n, 1, dmat(m, 1), 0, x, t1);
    for (size_t i = 0; i < M; i++) t2[i] += t1[i];
  }
  for (size_t i = 0; i < M; i++) t2[i] += (o->jbar + (o->Jr ? o->Jr[i] : 0.0)) * x[i];
  for (int a = 0; a < d; a++) {
    gp_mode_apply(d, m->n, a, dmat(m, a), 1, t2, t1);
    for (size_t i = 0; i < M; i++) y[i] += o->v * t1[i];
  }
  for (size_t i = 0; i < M; i++) y[i] += o->v * (o->jbar + (o->Jr ? o->Jr[i] : 0.0)) * t2[i];
}

/* Solve the normal equations for U (in/out: start and solution) with Jr (M
 * values, zeroth-order coefficient minus jbar; NULL: none) and source fl:
 * the residual of the warm start in U coordinates (K^-1 and D_a applied
 * directly), the correction by PCG in c coordinates to tol relative to the
 * right-hand side, or (eta > 0, an inexact Newton step) to eta times the
 * start's residual, whichever is reached first; a pass that stalls above
 * REFINE is refined once. *iters: PCG iterations in all; res (may be
 * NULL): the start's and the end's relative residuals (for a linearisation
 * at U, the first is the loss gradient in U relative to the right-hand
 * side). */
int gp_pcg_solve(gp_model *m, double *U, const double *Jr, double jbar, const double *fl,
                 double tau, double v, double tol, double eta, int maxit, int *iters, double *res) {
  size_t M = m->M;
  op o = {m, m->n[0], m->d == 2 ? m->n[1] : 1, jbar, m->opt.lambda_b * tau, v, Jr,
          m->B, m->P, m->Qa, m->W};
  double *bu = m->cg[7], *ru = m->cg[8], *dU = m->cg[9];
  /* bu = lambda tau S'g + v L' fl */
  memset(bu, 0, M * sizeof(double));
  for (int a = 0; a < m->d; a++) {
    gp_mode_apply(m->d, m->n, a, dmat(m, a), 1, fl, o.t1);
    for (size_t i = 0; i < M; i++) bu[i] += v * o.t1[i];
  }
  for (size_t i = 0; i < M; i++) bu[i] += v * (jbar + (Jr ? Jr[i] : 0.0)) * fl[i];
  for (size_t k = 0; k < m->nb; k++) bu[m->bidx[k]] += o.lt * m->g[k];
  double rel = 1.0, rel0 = 1.0, goal = tol;
  *iters = 0;
  for (int pass = 0; pass < 2; pass++) {
    u_apply(&o, U, ru);
    for (size_t i = 0; i < M; i++) ru[i] = bu[i] - ru[i];
    int its = 0, lim = pass == 0 ? maxit : (maxit - *iters < REFINE_IT ? maxit - *iters : REFINE_IT);
    if (lim <= 0) break;
    double r0 = 1.0;
    int st = inner_solve(&o, ru, bu, dU, tol, pass == 0 ? eta : eta * rel0 / rel, lim, &its, &rel, &r0);
    if (pass == 0) {
      rel0 = r0;
      if (eta > 0.0) goal = fmax(tol, eta * rel0);
    }
    *iters += its;
    if (st) return st;
    for (size_t i = 0; i < M; i++) U[i] += dU[i];
    if (rel <= REFINE || rel <= goal) break;
  }
  if (res) { res[0] = rel0; res[1] = rel; }
  /* a stopped solve fails above FAIL_TOL; an inexact step that still
   * halved the residual is a descent step for the caller's damping */
  if (!(rel <= FAIL_TOL) && !(eta > 0.0 && rel <= 0.5 * rel0))
    return PV_ERROR(PV_ENUMERIC, "gp pcg: U solve stalled at relative residual %.2e after %d iterations",
                    rel, *iters);
  for (size_t i = 0; i < M; i++)
    if (!isfinite(U[i])) return PV_ERROR(PV_ENUMERIC, "gp pcg: U[%zu] not finite", i);
  return 0;
}
