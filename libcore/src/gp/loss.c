/* loss.c - the GP-HM negative log joint and its hand-derived gradient.
 *
 * With A_a = U x_a K_a^-1 (K_a^-1 applied along axis a), B = U x_all K^-1,
 * H = sum_a A_a x_a Dk_a + c0 U + c3 U^3 - f, e = U_b - g:
 *   L = 1/2 sum_a (M/n_a) log|K_a| + 1/2 <U, B> + lambda (tau/2 |e|^2 - nb/2 log tau)
 *       + v/2 |H|^2 - M/2 log v
 *   dL/dU = B + lambda tau S^T e + v (c0 + 3 c3 U^2) H + v sum_a Q_a,
 *           Q_a = (H x_a Dk_a^T) x_a K_a^-1
 *   dL/dK_a  = (M/2n_a) K_a^-1 + unfold(A_a) unfold(-B/2 - v Q_a)^T  (up to transpose)
 *   dL/dDk_a = v unfold(H) unfold(A_a)^T
 * and kernel parameters through lag sums of these adjoints (uniform grids). */
#include <math.h>
#include <string.h>
#include <cblas.h>
#include <lapacke.h>
#include <parseval/error.h>
#include <parseval/gp.h>
#include "gp_internal.h"
#include "gp_model.h"

/* Cholesky of the SPD n x n A in place into its inverse (row-major), logdet
 * out; the factor is copied to `keep` (may be NULL) before the inversion. */
static int spd_inverse_keep(int n, double *A, double *logdet, double *keep) {
  if (!keep) return gp_spd_inverse(n, A, logdet);
  lapack_int info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', n, A, n);
  if (info != 0)
    return PV_ERROR(PV_ENUMERIC, "gp: %d x %d kernel matrix not positive definite (pivot %d)",
                    n, n, (int)info);
  double ld = 0.0;
  for (int i = 0; i < n; i++) ld += log(A[(size_t)i * n + i]);
  *logdet = 2.0 * ld;
  memcpy(keep, A, (size_t)n * n * sizeof(double));
  if (LAPACKE_dpotri(LAPACK_ROW_MAJOR, 'L', n, A, n) != 0)
    return PV_ERROR(PV_ENUMERIC, "gp: inverse of %d x %d kernel failed", n, n);
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++) A[(size_t)i * n + j] = A[(size_t)j * n + i];
  return 0;
}

/* Kernel matrices, inverses and operators of every axis for the theta in p;
 * nothing is recomputed when theta is the one of the last factorisation. */
int gp_model_factor(gp_model *m, const double *p) {
  const double *th0 = p + m->M;
  size_t nth = 3 * (size_t)m->q * m->d;
  if (m->have_factor && memcmp(th0, m->th_cache, nth * sizeof(double)) == 0) return 0;
  m->have_factor = 0;
  m->have_X = 0;
  for (int a = 0; a < m->d; a++) {
    const double *th = p + m->M + 3 * (size_t)m->q * a;
    size_t nn = (size_t)m->n[a] * m->n[a];
    for (int i = 0; i < 3 * m->q; i++)
      if (!isfinite(th[i]))
        return PV_ERROR(PV_ENUMERIC, "gp loss: kernel parameter %d of axis %d is %g", i, a, th[i]);
    int st = pv_gp_kernel_matrices(m->opt.kind, m->q, th, m->n[a], m->h[a], m->opt.jitter,
                                   m->K[a], m->K1[a], m->K2[a]);
    if (st) return st;
    memcpy(m->Kinv[a], m->K[a], nn * sizeof(double));
    st = spd_inverse_keep(m->n[a], m->Kinv[a], &m->logdet[a], m->d == 1 ? m->chol : NULL);
    if (st) return st;
    double c1 = m->prob.c1[a], c2 = m->prob.c2[a];
    for (size_t i = 0; i < nn; i++) m->Dk[a][i] = c2 * m->K2[a][i] + c1 * m->K1[a][i];
  }
  memcpy(m->th_cache, th0, nth * sizeof(double));
  m->have_factor = 1;
  return 0;
}

/* Residual H into m->R; A_a and B into the model's workspaces. */
static void forward(gp_model *m, const double *U) {
  int d = m->d;
  for (int a = 0; a < d; a++) gp_mode_apply(d, m->n, a, m->Kinv[a], 0, U, m->A[a]);
  if (d == 1) memcpy(m->B, m->A[0], m->M * sizeof(double));
  else gp_mode_apply(d, m->n, 1, m->Kinv[1], 0, m->A[0], m->B);
  for (size_t i = 0; i < m->M; i++) {
    double u = U[i];
    m->R[i] = m->prob.c0 * u + m->prob.c3 * u * u * u - m->f[i];
  }
  for (int a = 0; a < d; a++) {
    gp_mode_apply(d, m->n, a, m->Dk[a], 0, m->A[a], m->W);
    for (size_t i = 0; i < m->M; i++) m->R[i] += m->W[i];
  }
}

/* Lag sums of the adjoints of axis a and the chain rule into gth (3q). */
static void kernel_param_grad(gp_model *m, int a, const double *th, double *gth) {
  int n = m->n[a], q = m->q, P = 3 * q;
  double *s0 = m->lag, *s1 = m->lag + n, *s2 = m->lag + 2 * (size_t)n;
  const double *GK = m->GK[a], *GD = m->GD[a];
  double c1 = m->prob.c1[a], c2 = m->prob.c2[a];
  for (int l = 0; l < n; l++) {
    double e0 = 0.0, e1 = 0.0, e2 = 0.0;
    for (int i = l; i < n; i++) {
      size_t ij = (size_t)i * n + (i - l), ji = (size_t)(i - l) * n + i;
      if (l == 0) { e0 += GK[ij]; e2 += GD[ij]; continue; }
      e0 += GK[ij] + GK[ji];   /* k, k'' even in the lag */
      e1 += GD[ij] - GD[ji];   /* k' odd */
      e2 += GD[ij] + GD[ji];
    }
    s0[l] = e0;
    s1[l] = c1 * e1;
    s2[l] = c2 * e2;
  }
  memset(gth, 0, (size_t)P * sizeof(double));
  for (int l = 0; l < n; l++) {
    pv_gp_kernel_grad(m->opt.kind, q, th, l * m->h[a], m->dk);
    for (int p = 0; p < P; p++)
      gth[p] += s0[l] * m->dk[p] + s1[l] * m->dk[P + p] + s2[l] * m->dk[2 * P + p];
  }
  if (m->opt.kind == PV_GP_KERNEL_SE || m->opt.kind == PV_GP_KERNEL_MATERN52)
    for (int p = 2 * q; p < P; p++) gth[p] = 0.0;
}

static void gradient(gp_model *m, const double *p, double tau, double v, double *grad) {
  const double *U = p;
  int d = m->d;
  double lam = m->opt.lambda_b;
  for (size_t i = 0; i < m->M; i++)
    grad[i] = m->B[i] + v * (m->prob.c0 + 3.0 * m->prob.c3 * U[i] * U[i]) * m->R[i];
  for (size_t k = 0; k < m->nb; k++) grad[m->bidx[k]] += lam * tau * (U[m->bidx[k]] - m->g[k]);
  for (int a = 0; a < d; a++) {
    gp_mode_apply(d, m->n, a, m->Dk[a], 1, m->R, m->P);
    gp_mode_apply(d, m->n, a, m->Kinv[a], 0, m->P, m->Qa);
    for (size_t i = 0; i < m->M; i++) {
      grad[i] += v * m->Qa[i];
      m->W[i] = -0.5 * m->B[i] - v * m->Qa[i];
    }
    size_t nn = (size_t)m->n[a] * m->n[a];
    double half = 0.5 * (double)(m->M / (size_t)m->n[a]);
    for (size_t i = 0; i < nn; i++) m->GK[a][i] = half * m->Kinv[a][i];
    gp_mode_contract(d, m->n, a, 1.0, m->A[a], m->W, 1.0, m->GK[a]);
    gp_mode_contract(d, m->n, a, v, m->R, m->A[a], 0.0, m->GD[a]);
    size_t off = m->M + 3 * (size_t)m->q * a;
    kernel_param_grad(m, a, p + off, grad + off);
  }
}

void gp_model_white_operator(gp_model *m) {
  if (m->have_X) return;
  int n = m->n[0];
  memcpy(m->ls_X, m->Dk[0], (size_t)n * n * sizeof(double));
  /* X R = Dk with R = L^T, L the row-major lower Cholesky factor */
  cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, n, n, 1.0,
              m->chol, n, m->ls_X, n);
  m->have_X = 1;
}

/* dL/dK (fixed U) = 1/2 K^-1 - (alpha/2 + q) alpha^T, dL/dDk = v r alpha^T,
 * alpha = K^-1 U = R^-1 gam, q = v K^-1 Dk^T r = v R^-1 X^T r. */
int gp_model_loss_white(gp_model *m, const double *p, const double *gam, double *loss,
                        double *grad) {
  size_t M = m->M, np = pv_gp_model_nparams(m);
  int n = m->n[0];
  double ltau = p[np - 2], lv = p[np - 1];
  if (!isfinite(ltau) || !isfinite(lv) || fabs(ltau) > 700 || fabs(lv) > 700)
    return PV_ERROR(PV_ENUMERIC, "gp loss: log tau = %g, log v = %g", ltau, lv);
  double tau = exp(ltau), v = exp(lv), lam = m->opt.lambda_b, c0 = m->prob.c0, c3 = m->prob.c3;
  const double *U = p;
  double *r = m->R, *al = m->A[0], *q = m->Qa, *w = m->W;
  cblas_dgemv(CblasRowMajor, CblasNoTrans, n, n, 1.0, m->ls_X, n, gam, 1, 0.0, r, 1);
  double quad = 0.0, hh = 0.0, ee = 0.0;
  for (size_t i = 0; i < M; i++) {
    r[i] += c0 * U[i] + c3 * U[i] * U[i] * U[i] - m->f[i];
    quad += gam[i] * gam[i];
    hh += r[i] * r[i];
  }
  for (size_t k = 0; k < m->nb; k++) {
    double e = U[m->bidx[k]] - m->g[k];
    ee += e * e;
  }
  double L = 0.5 * m->logdet[0] + 0.5 * quad + lam * (0.5 * tau * ee - 0.5 * (double)m->nb * ltau)
             + 0.5 * v * hh - 0.5 * (double)M * lv;
  if (!isfinite(L)) return PV_ERROR(PV_ENUMERIC, "gp loss: value %g", L);
  *loss = L;
  if (!grad) return 0;
  memcpy(al, gam, M * sizeof(double));
  cblas_dtrsv(CblasRowMajor, CblasLower, CblasTrans, CblasNonUnit, n, m->chol, n, al, 1);
  cblas_dgemv(CblasRowMajor, CblasTrans, n, n, v, m->ls_X, n, r, 1, 0.0, q, 1);
  cblas_dtrsv(CblasRowMajor, CblasLower, CblasTrans, CblasNonUnit, n, m->chol, n, q, 1);
  for (size_t i = 0; i < M; i++) w[i] = -0.5 * al[i] - q[i];
  size_t nn = (size_t)n * n;
  for (size_t i = 0; i < nn; i++) { m->GK[0][i] = 0.5 * m->Kinv[0][i]; m->GD[0][i] = 0.0; }
  cblas_dger(CblasRowMajor, n, n, 1.0, w, 1, al, 1, m->GK[0], n);
  cblas_dger(CblasRowMajor, n, n, v, r, 1, al, 1, m->GD[0], n);
  memset(grad, 0, M * sizeof(double));
  kernel_param_grad(m, 0, p + M, grad + M);
  grad[np - 2] = lam * (0.5 * tau * ee - 0.5 * (double)m->nb);
  grad[np - 1] = 0.5 * v * hh - 0.5 * (double)M;
  return 0;
}

int gp_model_component_share(gp_model *m, const double *p, double *share) {
  if (m->d != 1) return PV_ERROR(PV_EUNSUPPORTED, "gp component share: 1-D only");
  int st = gp_model_factor(m, p);
  if (st) return st;
  int n = m->n[0], q = m->q;
  double *al = m->A[0], *c = m->lag, tot = 0.0;
  memcpy(al, p, (size_t)n * sizeof(double));   /* alpha = K^-1 U = L^-T L^-1 U */
  cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, n, m->chol, n, al, 1);
  cblas_dtrsv(CblasRowMajor, CblasLower, CblasTrans, CblasNonUnit, n, m->chol, n, al, 1);
  for (int l = 0; l < n; l++) {   /* autocorrelation of alpha, both signs of the lag */
    double s = 0.0;
    for (int i = 0; i + l < n; i++) s += al[i] * al[i + l];
    c[l] = l ? 2.0 * s : s;
  }
  for (int i = 0; i < q; i++) share[i] = 0.0;
  for (int l = 0; l < n; l++) {   /* d k / d log w_i = k_i */
    pv_gp_kernel_grad(m->opt.kind, q, p + m->M, l * m->h[0], m->dk);
    for (int i = 0; i < q; i++) share[i] += c[l] * m->dk[i];
  }
  for (int i = 0; i < q; i++) tot += share[i];
  for (int i = 0; i < q; i++) share[i] = tot > 0.0 ? share[i] / tot : 0.0;
  return 0;
}

int pv_gp_model_loss(pv_gp_model *m, const double *p, double *loss, double *grad) {
  if (!m || !p || !loss) return PV_ERROR(PV_EINVAL, "gp loss: NULL argument");
  int st = gp_model_factor(m, p);
  if (st) return st;
  size_t np = pv_gp_model_nparams(m);
  double ltau = p[np - 2], lv = p[np - 1];
  if (!isfinite(ltau) || !isfinite(lv) || fabs(ltau) > 700 || fabs(lv) > 700)
    return PV_ERROR(PV_ENUMERIC, "gp loss: log tau = %g, log v = %g", ltau, lv);
  double tau = exp(ltau), v = exp(lv), lam = m->opt.lambda_b;
  forward(m, p);
  double L = 0.0, quad = 0.0, hh = 0.0, ee = 0.0;
  for (int a = 0; a < m->d; a++) L += 0.5 * (double)(m->M / (size_t)m->n[a]) * m->logdet[a];
  for (size_t i = 0; i < m->M; i++) { quad += p[i] * m->B[i]; hh += m->R[i] * m->R[i]; }
  for (size_t k = 0; k < m->nb; k++) {
    double e = p[m->bidx[k]] - m->g[k];
    ee += e * e;
  }
  L += 0.5 * quad + lam * (0.5 * tau * ee - 0.5 * (double)m->nb * ltau)
       + 0.5 * v * hh - 0.5 * (double)m->M * lv;
  if (!isfinite(L)) return PV_ERROR(PV_ENUMERIC, "gp loss: value %g", L);
  *loss = L;
  if (!grad) return 0;
  gradient(m, p, tau, v, grad);
  grad[np - 2] = lam * (0.5 * tau * ee - 0.5 * (double)m->nb);
  grad[np - 1] = 0.5 * v * hh - 0.5 * (double)m->M;
  return 0;
}
