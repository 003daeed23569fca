/* Exact active-set solver for the small QPs of NCLS and FCLS, and the
 * Cholesky kernels they use. p <= 64, so everything stays on the stack and
 * in cache; the method terminates in finitely many working-set changes. */
#include "qp.h"

#include <math.h>
#include <string.h>

#include <parseval/error.h>

int pv_hsi_chol(int m, double *a) {
  for (int j = 0; j < m; j++) {
    double d = a[j * m + j];
    for (int k = 0; k < j; k++) d -= a[j * m + k] * a[j * m + k];
    if (!(d > 0)) return -1;
    d = sqrt(d);
    a[j * m + j] = d;
    for (int i = j + 1; i < m; i++) {
      double s = a[i * m + j];
      for (int k = 0; k < j; k++) s -= a[i * m + k] * a[j * m + k];
      a[i * m + j] = s / d;
    }
  }
  return 0;
}

void pv_hsi_chol_solve(int m, const double *l, double *x) {
  for (int i = 0; i < m; i++) { /* L z = b */
    double s = x[i];
    for (int k = 0; k < i; k++) s -= l[i * m + k] * x[k];
    x[i] = s / l[i * m + i];
  }
  for (int i = m - 1; i >= 0; i--) { /* L' x = z */
    double s = x[i];
    for (int k = i + 1; k < m; k++) s -= l[k * m + i] * x[k];
    x[i] = s / l[i * m + i];
  }
}

/* Minimise on the free set F with the others fixed at 0 (and sum 1).
 * Fills w->x (all p entries) and *nu, the multiplier of the sum. */
static int solve_free(int p, const double *G, const double *b, int sum1, pv_hsi_qp_work *w,
                      double *nu) {
  int m = 0;
  for (int i = 0; i < p; i++)
    if (w->is_free[i]) w->free_idx[m++] = i;
  for (int r = 0; r < m; r++)
    for (int c = 0; c <= r; c++) w->l[r * m + c] = G[w->free_idx[r] * p + w->free_idx[c]];
  for (int r = 0; r < m; r++)
    for (int c = r + 1; c < m; c++) w->l[r * m + c] = 0;
  if (m && pv_hsi_chol(m, w->l)) return PV_ENUMERIC;
  for (int r = 0; r < m; r++) {
    w->t[r] = b[w->free_idx[r]];
    w->u[r] = 1.0;
  }
  pv_hsi_chol_solve(m, w->l, w->t); /* G^-1 b */
  *nu = 0;
  if (sum1) {
    pv_hsi_chol_solve(m, w->l, w->u); /* G^-1 1 */
    double s_b = 0, s_1 = 0;
    for (int r = 0; r < m; r++) {
      s_b += w->t[r];
      s_1 += w->u[r];
    }
    *nu = (1 - s_b) / s_1;
  }
  memset(w->x, 0, (size_t)p * sizeof *w->x);
  for (int r = 0; r < m; r++) w->x[w->free_idx[r]] = w->t[r] + *nu * w->u[r] * (sum1 != 0);
  return PV_OK;
}

/* A blocking step towards x when some free entry went negative: moves a to
 * the boundary and fixes the blocking entry. Returns 1 if it stepped. */
static int block_step(int p, double *a, pv_hsi_qp_work *w) {
  double alpha = 1;
  int blocking = -1;
  for (int i = 0; i < p; i++)
    if (w->is_free[i] && w->x[i] < 0) {
      double t = a[i] / (a[i] - w->x[i]);
      if (t < alpha || blocking < 0) {
        alpha = t;
        blocking = i;
      }
    }
  if (blocking < 0) return 0;
  for (int i = 0; i < p; i++) a[i] += alpha * (w->x[i] - a[i]);
  a[blocking] = 0;
  w->is_free[blocking] = 0;
  return 1;
}

int pv_hsi_qp_solve(int p, const double *G, const double *b, int sum1, double *a, pv_hsi_qp_work *w) {
  /* Feasible start: the simplex centre (FCLS) or the origin with every
   * entry fixed (NCLS). */
  double scale = 0;
  for (int i = 0; i < p; i++) {
    a[i] = sum1 ? 1.0 / p : 0.0;
    w->is_free[i] = (unsigned char)(sum1 != 0);
    scale = fmax(scale, fmax(fabs(b[i]), fabs(G[i * p + i])));
  }
  const double tol = 1e-13 * (scale > 0 ? scale : 1);
  for (int iter = 0; iter < 8 * p + 16; iter++) {
    double nu = 0;
    int any_free = 0;
    for (int i = 0; i < p; i++) any_free |= w->is_free[i];
    if (any_free || sum1) {
      int rc = solve_free(p, G, b, sum1, w, &nu);
      if (rc) return rc;
      if (block_step(p, a, w)) continue;
      memcpy(a, w->x, (size_t)p * sizeof *a);
    }
    /* Multipliers of the fixed entries: mu_i = (G a - b)_i - nu >= 0 at the optimum. */
    int worst = -1;
    double worst_mu = -tol;
    for (int i = 0; i < p; i++) {
      if (w->is_free[i]) continue;
      double g = -b[i];
      for (int k = 0; k < p; k++) g += G[i * p + k] * a[k];
      if (g - nu < worst_mu) {
        worst_mu = g - nu;
        worst = i;
      }
    }
    if (worst < 0) return PV_OK;
    w->is_free[worst] = 1;
  }
  return PV_ENOTCONV;
}
