/* solve.c - the exact minimiser over U for linear operators (dense
 * least squares) and the GP-mean prediction on a test grid.
 *
 * With U = K beta and K = R^T R (Cholesky), the loss in U is, up to a
 * constant, 1/2 of |R beta|^2 + lambda tau |S K beta - g|^2 + v |L beta - f|^2,
 * L = sum_a Dk_a (x) K_others + c0 K, which QR least squares solves stably. */
#include <math.h>
#include <string.h>
#include <cblas.h>
#include <lapacke.h>
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/gp.h>
#include "gp_internal.h"
#include "gp_model.h"

/* Dense K (full Kronecker product) and L into Kf, Lf (M x M). */
static void dense_operators(const gp_model *m, double *Kf, double *Lf) {
  size_t M = m->M;
  if (m->d == 1) {
    for (size_t i = 0; i < M * M; i++) {
      Kf[i] = m->K[0][i];
      Lf[i] = m->Dk[0][i] + m->prob.c0 * m->K[0][i];
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
                          + k0 * m->Dk[1][(size_t)i1 * n1 + j1] + m->prob.c0 * k0 * k1;
        }
}

int pv_gp_model_solve_u(pv_gp_model *m, double *p) {
  if (!m || !p) return PV_ERROR(PV_EINVAL, "gp solve u: NULL argument");
  if (m->prob.c3 != 0.0)
    return PV_ERROR(PV_EUNSUPPORTED, "gp solve u: operator is nonlinear (c3 = %g)", m->prob.c3);
  if ((m->d == 1 && m->M > 4000) || (m->d == 2 && m->M > 4096))
    return PV_ERROR(PV_EUNSUPPORTED, "gp solve u: %zu grid points is too many for a dense solve", m->M);
  int st = gp_model_factor(m, p);
  if (st) return st;
  size_t M = m->M, rows = 2 * M + m->nb, np = pv_gp_model_nparams(m);
  double tau = exp(p[np - 2]), v = exp(p[np - 1]), sb = sqrt(m->opt.lambda_b * tau), sv = sqrt(v);
  double *Kf = pv_malloc(M * M * sizeof(double)), *Lf = pv_malloc(M * M * sizeof(double));
  double *A = pv_calloc(rows * M, sizeof(double)), *rhs = pv_calloc(rows, sizeof(double));
  if (!Kf || !Lf || !A || !rhs) { st = PV_ERROR(PV_ENOMEM, "gp solve u: %zu x %zu system", rows, M); goto done; }
  dense_operators(m, Kf, Lf);
  memcpy(A, Kf, M * M * sizeof(double));
  if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'U', (lapack_int)M, A, (lapack_int)M) != 0) {
    st = PV_ERROR(PV_ENUMERIC, "gp solve u: kernel matrix not positive definite");
    goto done;
  }
  for (size_t i = 0; i < M; i++) memset(A + i * M, 0, i * sizeof(double));
  for (size_t k = 0; k < m->nb; k++) {
    for (size_t j = 0; j < M; j++) A[(M + k) * M + j] = sb * Kf[m->bidx[k] * M + j];
    rhs[M + k] = sb * m->g[k];
  }
  for (size_t i = 0; i < M; i++) {
    for (size_t j = 0; j < M; j++) A[(M + m->nb + i) * M + j] = sv * Lf[i * M + j];
    rhs[M + m->nb + i] = sv * m->f[i];
  }
  if (LAPACKE_dgels(LAPACK_ROW_MAJOR, 'N', (lapack_int)rows, (lapack_int)M, 1, A,
                    (lapack_int)M, rhs, 1) != 0) {
    st = PV_ERROR(PV_ENUMERIC, "gp solve u: least-squares system is rank deficient");
    goto done;
  }
  cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)M, (int)M, 1.0, Kf, (int)M, rhs, 1, 0.0, p, 1);
done:
  pv_free(Kf); pv_free(Lf); pv_free(A); pv_free(rhs);
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
    if (!st)
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, nt[a], m->n[a], m->n[a], 1.0, C,
                  m->n[a], m->Kinv[a], m->n[a], 0.0, T[a], m->n[a]);
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
