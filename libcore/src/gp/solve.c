/* solve.c - the exact minimiser over U for linear operators (dense
 * least squares; Gauss-Newton for u^3), the profiled loss and the GP-mean
 * prediction on a test grid.
 *
 * 2-D dense: with U = K beta and K = R^T R (Cholesky), the loss in U is, up
 * to a constant, 1/2 of |R beta|^2 + lambda tau |S K beta - g|^2 +
 * v |L beta - f|^2, L = sum_a Dk_a (x) K_others + c0 K, solved by QR.
 * 1-D: whitened coordinates U = R^T gam instead (solve_linearised_1d): beta
 * is of the size of U over the jitter and the loss computed from it is
 * dominated by rounding; gam is of the size of the prior term. */
#include <math.h>
#include <string.h>
#include <cblas.h>
#include <lapacke.h>
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/gp.h>
#include "gp_internal.h"
#include "gp_model.h"

#ifndef GN_MAX_ITER
#define GN_MAX_ITER 30   /* Gauss-Newton iterations per solve (Allen-Cahn) */
#endif
#ifndef GN1_MAX_ITER
#define GN1_MAX_ITER 10  /* the same, 1-D: from a warm start 3-4 reach the rounding
                            floor; more only go to far-off line-search trials, which
                            are rejected anyway */
#endif
#ifndef GN_ETA
#define GN_ETA 0.1       /* 2-D PCG Gauss-Newton: each linearised solve reduces its
                            residual (the loss gradient in U) this much (inexact Newton) */
#endif
#ifndef GN_TOL
#define GN_TOL 1e-12     /* relative update that ends Gauss-Newton */
#endif

/* Dense K (full Kronecker product) and L = sum_a Dk_a (x) K_other + diag(J) K
 * into Kf, Lf (M x M); J the linearised zeroth-order coefficient per point. */
static void dense_operators(const gp_model *m, const double *J, double *Kf, double *Lf) {
  size_t M = m->M;
  if (m->d == 1) {
    for (size_t i = 0; i < M; i++)
      for (size_t j = 0; j < M; j++) {
        Kf[i * M + j] = m->K[0][i * M + j];
        Lf[i * M + j] = m->Dk[0][i * M + j] + J[i] * m->K[0][i * M + j];
      }
    return;
  }
  int n0 = m->n[0], n1 = m->n[1];
  for (int i0 = 0; i0 < n0; i0++)
    for (int i1 = 0; i1 < n1; i1++)
      for (int j0 = 0; j0 < n0; j0++)
        for (int j1 = 0; j1 < n1; j1++) {
          size_t r = (size_t)i0 * n1 + i1, c = (size_t)j0 * n1 + j1;
          double k0 = m->K[0][(size_t)i0 * n0 + j0], k1 = m->K[1][(size_t)i1 * n1 + j1];
          Kf[r * M + c] = k0 * k1;
          Lf[r * M + c] = m->Dk[0][(size_t)i0 * n0 + j0] * k1
                          + k0 * m->Dk[1][(size_t)i1 * n1 + j1] + J[r] * k0 * k1;
        }
}

/* min |A x - b| by Householder QR with one step of iterative refinement
 * (the system is ill-conditioned; the refinement makes U a minimiser to
 * working accuracy, which the profiled gradient relies on). A, b kept. */
static int lsq_refined(const double *A, size_t rows, size_t M, const double *b, double *x) {
  double *Q = pv_malloc(rows * M * sizeof(double)), *tau = pv_malloc(M * sizeof(double));
  double *r = pv_malloc(rows * sizeof(double));
  int st = 0;
  if (!Q || !tau || !r) { st = PV_ERROR(PV_ENOMEM, "gp solve u: %zu x %zu QR", rows, M); goto out; }
  memcpy(Q, A, rows * M * sizeof(double));
  if (LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, (lapack_int)rows, (lapack_int)M, Q, (lapack_int)M, tau) != 0) {
    st = PV_ERROR(PV_ENUMERIC, "gp solve u: QR factorisation failed");
    goto out;
  }
  memset(x, 0, M * sizeof(double));
  for (int pass = 0; pass < 2 && !st; pass++) {
    memcpy(r, b, rows * sizeof(double));   /* r = b - A x */
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)rows, (int)M, -1.0, A, (int)M, x, 1, 1.0, r, 1);
    if (LAPACKE_dormqr(LAPACK_ROW_MAJOR, 'L', 'T', (lapack_int)rows, 1, (lapack_int)M, Q,
                       (lapack_int)M, tau, r, 1) != 0 ||
        LAPACKE_dtrtrs(LAPACK_ROW_MAJOR, 'U', 'N', 'N', (lapack_int)M, 1, Q, (lapack_int)M, r, 1) != 0)
      st = PV_ERROR(PV_ENUMERIC, "gp solve u: least-squares system is rank deficient");
    else
      for (size_t i = 0; i < M; i++) x[i] += r[i];
  }
out:
  pv_free(Q); pv_free(tau); pv_free(r);
  return st;
}

/* One linearised least-squares solve: U (in p) from J and the source fl. */
static int solve_linearised(gp_model *m, double *p, const double *J, const double *fl,
                            double *Kf, double *Lf, double *A, double *rhs, double *beta) {
  size_t M = m->M, rows = 2 * M + m->nb, np = pv_gp_model_nparams(m);
  double tau = exp(p[np - 2]), v = exp(p[np - 1]), sb = sqrt(m->opt.lambda_b * tau), sv = sqrt(v);
  dense_operators(m, J, Kf, Lf);
  memset(A, 0, rows * M * sizeof(double));
  memset(rhs, 0, rows * sizeof(double));
  memcpy(A, Kf, M * M * sizeof(double));
  if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'U', (lapack_int)M, A, (lapack_int)M) != 0)
    return PV_ERROR(PV_ENUMERIC, "gp solve u: kernel matrix not positive definite");
  for (size_t i = 0; i < M; i++) memset(A + i * M, 0, i * sizeof(double));
  for (size_t k = 0; k < m->nb; k++) {
    for (size_t j = 0; j < M; j++) A[(M + k) * M + j] = sb * Kf[m->bidx[k] * M + j];
    rhs[M + k] = sb * m->g[k];
  }
  for (size_t i = 0; i < M; i++) {
    for (size_t j = 0; j < M; j++) A[(M + m->nb + i) * M + j] = sv * Lf[i * M + j];
    rhs[M + m->nb + i] = sv * fl[i];
  }
  int st = lsq_refined(A, rows, M, rhs, beta);
  if (!st) cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)M, (int)M, 1.0, Kf, (int)M, beta, 1, 0.0, p, 1);
  return st;
}

/* U = L gam (L the row-major lower Cholesky factor of K). */
static void white_to_u(const gp_model *m, const double *gam, double *U) {
  memcpy(U, gam, m->M * sizeof(double));
  cblas_dtrmv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, (int)m->M, m->chol, (int)m->M,
              U, 1);
}

/* 1-D workspaces of the dense least squares, allocated once per model. */
#define LS_WORK 64   /* LAPACK workspace per column (block size bound) */
static int ls_alloc(gp_model *m) {
  if (m->ls_A) return 0;
  size_t n = m->M, rows = 2 * n + m->nb;
  m->ls_A = pv_malloc(rows * n * sizeof(double));
  m->ls_Q = pv_malloc(rows * n * sizeof(double));
  m->ls_tau = pv_malloc((n + LS_WORK * n) * sizeof(double));
  m->ls_b = pv_malloc(rows * sizeof(double));
  m->ls_r = pv_malloc(rows * sizeof(double));
  if (m->ls_A && m->ls_Q && m->ls_tau && m->ls_b && m->ls_r) return 0;
  pv_free(m->ls_A); pv_free(m->ls_Q); pv_free(m->ls_tau); pv_free(m->ls_b); pv_free(m->ls_r);
  m->ls_A = m->ls_Q = m->ls_tau = m->ls_b = m->ls_r = NULL;
  return PV_ERROR(PV_ENOMEM, "gp solve u: %zu x %zu least squares", rows, n);
}

/* 1-D, whitened: U = R^T gam (K = R^T R, R^T = L the row-major lower
 * Cholesky factor kept by gp_model_factor), so the prior is |gam|^2 / 2 and
 * the linearised residual (X + diag(J) L) gam - fl with X = Dk R^-1: the
 * least squares
 *   [sb S L; sv (X + diag(J) L); I] gam ~ [sb g; sv fl; 0]
 * has singular values >= 1 and gam is of the size of the prior term (beta =
 * K^-1 U is not: its size is that of U over the jitter, and the residual
 * computed from it loses that many digits). Heavy rows first (Householder QR
 * of a weighted problem), column-major in the model's workspaces, one step
 * of iterative refinement; gam into m->gam, U into p. */
static int solve_linearised_1d(gp_model *m, double *p, const double *J, const double *fl) {
  int st = ls_alloc(m);
  if (st) return st;
  size_t n = m->M, nb = m->nb, rows = 2 * n + nb, np = pv_gp_model_nparams(m);
  double tau = exp(p[np - 2]), v = exp(p[np - 1]), sb = sqrt(m->opt.lambda_b * tau), sv = sqrt(v);
  const double *Lc = m->chol, *X = m->ls_X;
  double *A = m->ls_A, *Q = m->ls_Q, *b = m->ls_b, *r = m->ls_r, *gam = m->gam;
  double *tq = m->ls_tau, *work = m->ls_tau + n;
  for (size_t j = 0; j < n; j++) {
    double *col = A + j * rows, *ci = col + nb + n;
    for (size_t k = 0; k < nb; k++) col[k] = j <= m->bidx[k] ? sb * Lc[m->bidx[k] * n + j] : 0.0;
    for (size_t i = 0; i < n; i++)
      col[nb + i] = sv * (X[i * n + j] + (j <= i ? J[i] * Lc[i * n + j] : 0.0));
    memset(ci, 0, n * sizeof(double));
    ci[j] = 1.0;
  }
  for (size_t k = 0; k < nb; k++) b[k] = sb * m->g[k];
  for (size_t i = 0; i < n; i++) b[nb + i] = sv * fl[i];
  memset(b + nb + n, 0, n * sizeof(double));
  memcpy(Q, A, rows * n * sizeof(double));
  m->lsq_solves++;
  lapack_int lw = (lapack_int)(LS_WORK * n), N = (lapack_int)n, R = (lapack_int)rows;
  if (LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, R, N, Q, R, tq, work, lw) != 0)
    return PV_ERROR(PV_ENUMERIC, "gp solve u: QR factorisation failed");
  memset(gam, 0, n * sizeof(double));
  for (int pass = 0; pass < 2; pass++) {
    memcpy(r, b, rows * sizeof(double));   /* r = b - A gam */
    if (pass) cblas_dgemv(CblasColMajor, CblasNoTrans, R, N, -1.0, A, R, gam, 1, 1.0, r, 1);
    if (LAPACKE_dormqr_work(LAPACK_COL_MAJOR, 'L', 'T', R, 1, N, Q, R, tq, r, R, work, lw) != 0 ||
        LAPACKE_dtrtrs_work(LAPACK_COL_MAJOR, 'U', 'N', 'N', N, 1, Q, R, r, R) != 0)
      return PV_ERROR(PV_ENUMERIC, "gp solve u: least-squares system is rank deficient");
    for (size_t i = 0; i < n; i++) gam[i] += r[i];
  }
  white_to_u(m, gam, p);
  return 0;
}

/* 1-D elimination of U in whitened coordinates: one least-squares solve
 * for a linear operator; with c3 != 0, Gauss-Newton from the U in p, each
 * step halved until the loss does not rise (else the previous U is kept),
 * until the update is below GN_TOL relative. */
static int solve_u_1d(gp_model *m, double *p) {
  size_t n = m->M;
  double c0 = m->prob.c0, c3 = m->prob.c3;
  double *J = m->ls_gn, *fl = m->ls_gn + n, *g0 = m->ls_gn + 2 * n, *gam = m->gam;
  gp_model_white_operator(m);
  if (c3 == 0.0) {
    for (size_t i = 0; i < n; i++) J[i] = c0;
    return solve_linearised_1d(m, p, J, m->f);
  }
  memcpy(g0, p, n * sizeof(double));   /* gam of the starting U: L gam = U */
  cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, (int)n, m->chol, (int)n, g0, 1);
  white_to_u(m, g0, p);
  double Lprev;
  int st = gp_model_loss_white(m, p, g0, &Lprev, NULL);
  if (st == PV_ENUMERIC) { pv_error_clear(); Lprev = INFINITY; st = 0; }
  for (int it = 0; it < GN1_MAX_ITER && !st; it++) {
    for (size_t i = 0; i < n; i++) {
      double u = p[i];
      J[i] = c0 + 3.0 * c3 * u * u;
      fl[i] = m->f[i] + 2.0 * c3 * u * u * u;
    }
    st = solve_linearised_1d(m, p, J, fl);
    if (st) break;
    double L = INFINITY, du = 0.0, un = 0.0;
    int ok = 0;
    for (int k = 0; k < 30 && !ok; k++) {
      if (k) {
        for (size_t i = 0; i < n; i++) gam[i] = g0[i] + 0.5 * (gam[i] - g0[i]);
        white_to_u(m, gam, p);
      }
      st = gp_model_loss_white(m, p, gam, &L, NULL);
      if (st == PV_ENUMERIC) { pv_error_clear(); st = 0; continue; }
      if (st) return st;
      ok = L <= Lprev;
    }
    for (size_t i = 0; i < n; i++) {
      if (ok) du += (gam[i] - g0[i]) * (gam[i] - g0[i]);
      un += g0[i] * g0[i];
      if (!ok) gam[i] = g0[i];
      g0[i] = gam[i];
    }
    if (!ok) { white_to_u(m, gam, p); break; }   /* no decrease: keep the previous U */
    double dec = Lprev - L;
    Lprev = L;
    /* converged, or the loss no longer moves above rounding */
    if (du <= GN_TOL * GN_TOL * un || dec <= 1e-13 * fabs(L)) break;
  }
  return st;
}

int gp_model_profiled(gp_model *m, double *p, double *loss, double *grad) {
  double t0 = gp_now_s();
  int st = pv_gp_model_solve_u(m, p);
  m->t_solve = gp_now_s() - t0;
  if (st) return st;
  if (m->d == 1 && m->gam && m->opt.u_solver != PV_GP_USOLVE_PCG)
    return gp_model_loss_white(m, p, m->gam, loss, grad);
  return pv_gp_model_loss(m, p, loss, grad);
}

int pv_gp_model_profiled_loss(pv_gp_model *m, double *p, double *loss, double *grad) {
  if (!m || !p || !loss) return PV_ERROR(PV_EINVAL, "gp profiled loss: NULL argument");
  return gp_model_profiled(m, p, loss, grad);
}

/* Gauss-Newton safeguard: halve the step from u0 until the loss does not
 * rise (at most 30 halvings; then keep u0). *Lprev updated. */
static int damp_step(gp_model *m, double *p, const double *u0, double *Lprev) {
  double L;
  for (int k = 0; k < 30; k++) {
    int st = pv_gp_model_loss(m, p, &L, NULL);
    if (st && st != PV_ENUMERIC) return st;
    if (st) pv_error_clear();
    if (!st && L <= *Lprev) { *Lprev = L; return 0; }
    for (size_t i = 0; i < m->M; i++) p[i] = 0.5 * (p[i] + u0[i]);
  }
  memcpy(p, u0, m->M * sizeof(double));
  return 0;
}

/* Whether this model eliminates U by PCG rather than dense QR. */
static int use_pcg(const gp_model *m) {
  if (m->opt.u_solver == PV_GP_USOLVE_PCG) return 1;
  if (m->opt.u_solver == PV_GP_USOLVE_DENSE) return 0;
  return m->d == 2 && m->M > 1024;
}

/* One linearised solve by PCG from the U in p (warm start); first: the
 * first solve for this kernel (the per-axis bases are computed; later
 * Gauss-Newton steps reuse them); eta > 0: an inexact step (see
 * gp_pcg_solve), res its start's and end's relative residuals. Jr scratch
 * (M). */
static int pcg_linearised(gp_model *m, double *p, const double *J, const double *fl,
                          double *Jr, int first, double eta, double res[2]) {
  size_t np = pv_gp_model_nparams(m);
  double jbar = 0.0;
  for (size_t i = 0; i < m->M; i++) jbar += J[i];
  jbar /= (double)m->M;
  int any = 0, its = 0;
  for (size_t i = 0; i < m->M; i++) { Jr[i] = J[i] - jbar; if (Jr[i] != 0.0) any = 1; }
  int st = gp_pcg_setup(m, first);
  if (!st) st = gp_pcg_solve(m, p, any ? Jr : NULL, jbar, fl, exp(p[np - 2]), exp(p[np - 1]),
                             m->opt.u_tol, eta, m->opt.u_maxit, &its, res);
  m->pcg_iters += its;
  return st;
}

/* Linear operators: one solve. With c3 != 0, Gauss-Newton on U from the U in
 * p: u^3 linearised at the current U (J = c0 + 3 c3 U^2, source
 * f + 2 c3 U^3), until the update is below 1e-12 relative (at most 30).
 * PCG (2-D): inexact steps, each reducing the linearised residual GN_ETA
 * times (the first PCG iterations are the cheap ones), until the gradient in
 * U is below u_tol relative or stops falling at the rounding floor (about
 * 1e-8 relative on the benchmark; exact steps spent ~3000 PCG iterations
 * per evaluation on reaching it). */
int pv_gp_model_solve_u(pv_gp_model *m, double *p) {
  if (!m || !p) return PV_ERROR(PV_EINVAL, "gp solve u: NULL argument");
  int pcg = use_pcg(m);
  if (!pcg && ((m->d == 1 && m->M > 4000) || (m->d == 2 && m->M > 4096)))
    return PV_ERROR(PV_EUNSUPPORTED, "gp solve u: %zu grid points is too many for a dense solve", m->M);
  m->pcg_iters = 0;
  int st = gp_model_factor(m, p);
  if (st) return st;
  if (!pcg && m->d == 1) {
    st = solve_u_1d(m, p);
    for (size_t i = 0; i < m->M && !st; i++)
      if (!isfinite(p[i])) st = PV_ERROR(PV_ENUMERIC, "gp solve u: U[%zu] not finite", i);
    return st;
  }
  size_t M = m->M, rows = 2 * M + m->nb;
  size_t dm = pcg ? 1 : M * M, dr = pcg ? 1 : rows * M;
  double *Kf = pv_malloc(dm * sizeof(double)), *Lf = pv_malloc(dm * sizeof(double));
  double *A = pv_malloc(dr * sizeof(double)), *rhs = pv_malloc((pcg ? M : rows) * sizeof(double));
  double *beta = pv_malloc(M * sizeof(double)), *J = pv_malloc(M * sizeof(double));
  double *fl = pv_malloc(M * sizeof(double)), *u0 = pv_malloc(M * sizeof(double));
  if (!Kf || !Lf || !A || !rhs || !beta || !J || !fl || !u0) {
    st = PV_ERROR(PV_ENOMEM, "gp solve u: %zu x %zu system", rows, M);
    goto done;
  }
  m->pcg_iters = 0;
  double c0 = m->prob.c0, c3 = m->prob.c3, Lprev = INFINITY, res_prev = INFINITY;
  int stalled_prev = 0;
  if (c3 != 0.0 && pv_gp_model_loss(m, p, &Lprev, NULL) != 0) { pv_error_clear(); Lprev = INFINITY; }
  for (int it = 0; it < (c3 != 0.0 ? GN_MAX_ITER : 1) && !st; it++) {
    double du = 0.0, un = 0.0;
    for (size_t i = 0; i < M; i++) {
      double u = c3 != 0.0 ? p[i] : 0.0;
      J[i] = c0 + 3.0 * c3 * u * u;
      fl[i] = m->f[i] + 2.0 * c3 * u * u * u;
      u0[i] = p[i];
    }
    double res[2] = {0.0, 0.0}, eta = c3 != 0.0 ? GN_ETA : 0.0;
    st = pcg ? pcg_linearised(m, p, J, fl, rhs, it == 0, eta, res)
             : solve_linearised(m, p, J, fl, Kf, Lf, A, rhs, beta);
    /* inexact Gauss-Newton: stop at the tolerance, or at the rounding floor
     * of the linearised operator (the last step's PCG stalled short of its
     * goal and this one's gradient in U is not even half of that step's);
     * U stays that of the previous step */
    if (!st && pcg && c3 != 0.0 &&
        (res[0] <= m->opt.u_tol || (res[0] > 0.5 * res_prev && stalled_prev))) {
      memcpy(p, u0, M * sizeof(double));
      break;
    }
    stalled_prev = res[1] > 1.5 * fmax(m->opt.u_tol, eta * res[0]);
    res_prev = res[0];
    if (!st && c3 != 0.0) st = damp_step(m, p, u0, &Lprev);
    for (size_t i = 0; i < M && !st; i++) { du += (p[i] - u0[i]) * (p[i] - u0[i]); un += p[i] * p[i]; }
    if (!st && du <= GN_TOL * GN_TOL * un) break;
  }
  if (!st && c3 != 0.0) st = gp_model_factor(m, p);
  for (size_t i = 0; i < M && !st; i++)
    if (!isfinite(p[i])) st = PV_ERROR(PV_ENUMERIC, "gp solve u: U[%zu] not finite", i);
done:
  pv_free(Kf); pv_free(Lf); pv_free(A); pv_free(rhs); pv_free(beta); pv_free(J); pv_free(fl);
  pv_free(u0);
  return st;
}

/* T (nt x n, row-major) = C K^-1 by Cholesky solves (the explicit inverse
 * loses digits when K is badly conditioned): row-major C is the
 * column-major n x nt matrix of the columns c_i, replaced by K^-1 c_i. */
static int cross_times_kinv(const double *K, int n, int nt, const double *C, double *T) {
  double *F = pv_malloc((size_t)n * n * sizeof(double));
  if (!F) return PV_ERROR(PV_ENOMEM, "gp predict: %d x %d factor", n, n);
  memcpy(F, K, (size_t)n * n * sizeof(double));
  memcpy(T, C, (size_t)nt * n * sizeof(double));
  int st = 0;
  if (LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', n, F, n) != 0 ||
      LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, 'L', n, nt, F, n, T, n) != 0)
    st = PV_ERROR(PV_ENUMERIC, "gp predict: kernel matrix not positive definite");
  pv_free(F);
  return st;
}

int pv_gp_model_predict(pv_gp_model *m, const double *p, const int nt[], double *out) {
  if (!m || !p || !nt || !out) return PV_ERROR(PV_EINVAL, "gp predict: NULL argument");
  for (int a = 0; a < m->d; a++)
    if (nt[a] < 2 || nt[a] > 100000) return PV_ERROR(PV_EINVAL, "gp predict: nt[%d] = %d", a, nt[a]);
  int st = gp_model_factor(m, p);
  if (st) return st;
  double *T[2] = {NULL, NULL}, *xs = NULL, *x = NULL, *C = NULL, *tmp = NULL;
  int nmax = 0, tmax = 0;
  for (int a = 0; a < m->d; a++) {
    if (m->n[a] > nmax) nmax = m->n[a];
    if (nt[a] > tmax) tmax = nt[a];
  }
  xs = pv_malloc((size_t)tmax * sizeof(double));
  x = pv_malloc((size_t)nmax * sizeof(double));
  C = pv_malloc((size_t)tmax * nmax * sizeof(double));
  tmp = pv_malloc((size_t)nt[0] * (m->d == 2 ? (size_t)m->n[1] : 1) * sizeof(double));
  for (int a = 0; a < m->d; a++) T[a] = pv_malloc((size_t)nt[a] * m->n[a] * sizeof(double));
  if (!xs || !x || !C || !tmp || !T[0] || (m->d == 2 && !T[1])) {
    st = PV_ERROR(PV_ENOMEM, "gp predict");
    goto done;
  }
  for (int a = 0; a < m->d && !st; a++) {
    double lo = m->prob.lo[a], hi = m->prob.hi[a];
    for (int i = 0; i < nt[a]; i++) xs[i] = lo + (hi - lo) * i / (nt[a] - 1);
    for (int i = 0; i < m->n[a]; i++) x[i] = lo + m->h[a] * i;
    st = pv_gp_kernel_cross(m->opt.kind, m->q, p + m->M + 3 * (size_t)m->q * a, xs, nt[a], x,
                            m->n[a], C);
    if (!st) st = cross_times_kinv(m->K[a], m->n[a], nt[a], C, T[a]);
  }
  if (st) goto done;
  if (m->d == 1) {
    st = pv_gp_mode_apply(1, m->n, 0, T[0], nt[0], p, out);
  } else {
    int dims[2] = {m->n[0], m->n[1]};
    st = pv_gp_mode_apply(2, dims, 0, T[0], nt[0], p, tmp);
    dims[0] = nt[0];
    if (!st) st = pv_gp_mode_apply(2, dims, 1, T[1], nt[1], tmp, out);
  }
done:
  pv_free(xs); pv_free(x); pv_free(C); pv_free(tmp); pv_free(T[0]); pv_free(T[1]);
  return st;
}
