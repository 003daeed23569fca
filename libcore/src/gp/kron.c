/* kron.c - Kronecker products of per-axis SPD factors: mode products,
 * eigendecompositions per axis, solves, log-determinants and derivative
 * operators without forming the full matrix. */
#include <math.h>
#include <string.h>
#include <cblas.h>
#include <lapacke.h>
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/gp.h>
#include "gp_internal.h"

#define KRON_MAXD 3

struct pv_gp_kron {
  int d, n[KRON_MAXD];
  size_t M;
  double *K[KRON_MAXD], *Q[KRON_MAXD], *lam[KRON_MAXD];
  double *w1, *w2;   /* M-sized workspaces */
};

void gp_mode_sizes(int d, const int n[], int axis, size_t *outer, size_t *inner) {
  size_t o = 1, in = 1;
  for (int a = 0; a < axis; a++) o *= (size_t)n[a];
  for (int a = axis + 1; a < d; a++) in *= (size_t)n[a];
  *outer = o;
  *inner = in;
}

void gp_mode_apply(int d, const int n[], int axis, const double *A, int transA,
                   const double *x, double *y) {
  size_t outer, inner;
  gp_mode_sizes(d, n, axis, &outer, &inner);
  int na = n[axis];
  for (size_t o = 0; o < outer; o++)
    cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, CblasNoTrans, na,
                (int)inner, na, 1.0, A, na, x + o * na * inner, (int)inner, 0.0,
                y + o * na * inner, (int)inner);
}

void gp_mode_contract(int d, const int n[], int axis, double alpha, const double *X,
                      const double *Y, double beta, double *G) {
  size_t outer, inner;
  gp_mode_sizes(d, n, axis, &outer, &inner);
  int na = n[axis];
  for (size_t o = 0; o < outer; o++) {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, na, na, (int)inner, alpha,
                X + o * na * inner, (int)inner, Y + o * na * inner, (int)inner,
                o == 0 ? beta : 1.0, G, na);
  }
}

int gp_spd_inverse(int n, double *A, double *logdet) {
  lapack_int info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', n, A, n);
  if (info != 0)
    return PV_ERROR(PV_ENUMERIC, "gp: %d x %d kernel matrix not positive definite (pivot %d)",
                    n, n, (int)info);
  double ld = 0.0;
  for (int i = 0; i < n; i++) ld += log(A[(size_t)i * n + i]);
  *logdet = 2.0 * ld;
  info = LAPACKE_dpotri(LAPACK_ROW_MAJOR, 'L', n, A, n);
  if (info != 0) return PV_ERROR(PV_ENUMERIC, "gp: inverse of %d x %d kernel failed", n, n);
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++) A[(size_t)i * n + j] = A[(size_t)j * n + i];
  return 0;
}

int pv_gp_mode_apply(int d, const int n[], int axis, const double *A, int m,
                     const double *x, double *y) {
  if (d < 1 || d > KRON_MAXD || !n || axis < 0 || axis >= d || !A || !x || !y || m < 1)
    return PV_ERROR(PV_EINVAL, "gp mode apply: d = %d, axis = %d, m = %d", d, axis, m);
  for (int a = 0; a < d; a++)
    if (n[a] < 1) return PV_ERROR(PV_EINVAL, "gp mode apply: n[%d] = %d", a, n[a]);
  size_t outer, inner;
  gp_mode_sizes(d, n, axis, &outer, &inner);
  int na = n[axis];
  for (size_t o = 0; o < outer; o++)
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, (int)inner, na, 1.0, A, na,
                x + o * na * inner, (int)inner, 0.0, y + o * m * inner, (int)inner);
  return 0;
}

void pv_gp_kron_destroy(pv_gp_kron **kron) {
  if (!kron || !*kron) return;
  pv_gp_kron *k = *kron;
  for (int a = 0; a < k->d; a++) { pv_free(k->K[a]); pv_free(k->Q[a]); pv_free(k->lam[a]); }
  pv_free(k->w1);
  pv_free(k->w2);
  pv_free(k);
  *kron = NULL;
}

int pv_gp_kron_update(pv_gp_kron *kron, int axis, const double *K) {
  if (!kron || axis < 0 || axis >= kron->d || !K)
    return PV_ERROR(PV_EINVAL, "gp kron update: axis %d", axis);
  int na = kron->n[axis];
  size_t nn = (size_t)na * na;
  memcpy(kron->K[axis], K, nn * sizeof(double));
  memcpy(kron->Q[axis], K, nn * sizeof(double));
  lapack_int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'L', na, kron->Q[axis], na,
                                   kron->lam[axis]);
  if (info != 0)
    return PV_ERROR(PV_ENUMERIC, "gp kron: eigendecomposition of factor %d failed (%d)", axis,
                    (int)info);
  if (!(kron->lam[axis][0] > 0.0))
    return PV_ERROR(PV_ENUMERIC, "gp kron: factor %d not positive definite (min eigenvalue %g)",
                    axis, kron->lam[axis][0]);
  return 0;
}

int pv_gp_kron_create(int d, const int n[], const double *const K[], pv_gp_kron **out) {
  if (!out) return PV_ERROR(PV_EINVAL, "gp kron create: NULL out");
  *out = NULL;
  if (d < 1 || d > KRON_MAXD || !n || !K)
    return PV_ERROR(PV_EINVAL, "gp kron create: d = %d (1..%d)", d, KRON_MAXD);
  pv_gp_kron *k = pv_calloc(1, sizeof *k);
  if (!k) return PV_ERROR(PV_ENOMEM, "gp kron create");
  k->d = d;
  k->M = 1;
  for (int a = 0; a < d; a++) {
    if (n[a] < 1 || !K[a]) {
      pv_gp_kron_destroy(&k);
      return PV_ERROR(PV_EINVAL, "gp kron create: factor %d (n = %d)", a, n[a]);
    }
    k->n[a] = n[a];
    k->M *= (size_t)n[a];
  }
  int st = 0;
  for (int a = 0; a < d && !st; a++) {
    size_t nn = (size_t)n[a] * n[a];
    k->K[a] = pv_malloc(nn * sizeof(double));
    k->Q[a] = pv_malloc(nn * sizeof(double));
    k->lam[a] = pv_malloc((size_t)n[a] * sizeof(double));
    if (!k->K[a] || !k->Q[a] || !k->lam[a]) st = PV_ERROR(PV_ENOMEM, "gp kron create");
  }
  k->w1 = st ? NULL : pv_malloc(k->M * sizeof(double));
  k->w2 = st ? NULL : pv_malloc(k->M * sizeof(double));
  if (!st && (!k->w1 || !k->w2)) st = PV_ERROR(PV_ENOMEM, "gp kron create");
  for (int a = 0; a < d && !st; a++) st = pv_gp_kron_update(k, a, K[a]);
  if (st) { pv_gp_kron_destroy(&k); return st; }
  *out = k;
  return 0;
}

int pv_gp_kron_matvec(pv_gp_kron *kron, const double *x, double *y) {
  if (!kron || !x || !y) return PV_ERROR(PV_EINVAL, "gp kron matvec: NULL argument");
  const double *src = x;
  for (int a = 0; a < kron->d; a++) {
    double *dst = (a == kron->d - 1) ? y : (a % 2 ? kron->w2 : kron->w1);
    gp_mode_apply(kron->d, kron->n, a, kron->K[a], 0, src, dst);
    src = dst;
  }
  return 0;
}

/* Scale the tensor x by 1 / (lambda_0[i0] ... lambda_{d-1}[i_{d-1}]). */
static void scale_inverse_eigs(const pv_gp_kron *k, double *x) {
  for (size_t idx = 0; idx < k->M; idx++) {
    size_t r = idx;
    double s = 1.0;
    for (int a = k->d - 1; a >= 0; a--) {
      s *= k->lam[a][r % (size_t)k->n[a]];
      r /= (size_t)k->n[a];
    }
    x[idx] /= s;
  }
}

int pv_gp_kron_solve(pv_gp_kron *kron, const double *b, double *x) {
  if (!kron || !b || !x) return PV_ERROR(PV_EINVAL, "gp kron solve: NULL argument");
  double *buf[2] = {kron->w1, kron->w2};
  const double *src = b;
  int cur = 0;
  for (int a = 0; a < kron->d; a++) {  /* Q^T along every axis */
    gp_mode_apply(kron->d, kron->n, a, kron->Q[a], 1, src, buf[cur]);
    src = buf[cur];
    cur ^= 1;
  }
  scale_inverse_eigs(kron, (double *)src);
  for (int a = 0; a < kron->d; a++) {  /* Q along every axis */
    double *dst = (a == kron->d - 1) ? x : buf[cur];
    gp_mode_apply(kron->d, kron->n, a, kron->Q[a], 0, src, dst);
    src = dst;
    cur ^= 1;
  }
  return 0;
}

int pv_gp_kron_logdet(const pv_gp_kron *kron, double *logdet) {
  if (!kron || !logdet) return PV_ERROR(PV_EINVAL, "gp kron logdet: NULL argument");
  double ld = 0.0;
  for (int a = 0; a < kron->d; a++) {
    double s = 0.0;
    for (int i = 0; i < kron->n[a]; i++) s += log(kron->lam[a][i]);
    ld += (double)(kron->M / (size_t)kron->n[a]) * s;
  }
  *logdet = ld;
  return 0;
}

int pv_gp_kron_deriv(pv_gp_kron *kron, int axis, const double *Kd, const double *x,
                     double *y) {
  if (!kron || axis < 0 || axis >= kron->d || !Kd || !x || !y)
    return PV_ERROR(PV_EINVAL, "gp kron deriv: axis %d or NULL argument", axis);
  size_t outer, inner;
  gp_mode_sizes(kron->d, kron->n, axis, &outer, &inner);
  int na = kron->n[axis];
  gp_mode_apply(kron->d, kron->n, axis, kron->Q[axis], 1, x, kron->w1);
  for (size_t o = 0; o < outer; o++)
    for (int i = 0; i < na; i++)
      for (size_t r = 0; r < inner; r++) kron->w1[(o * na + i) * inner + r] /= kron->lam[axis][i];
  gp_mode_apply(kron->d, kron->n, axis, kron->Q[axis], 0, kron->w1, kron->w2);
  gp_mode_apply(kron->d, kron->n, axis, Kd, 0, kron->w2, y);
  return 0;
}
