/* qp.h - the small dense solvers behind the least-squares unmixers: a
 * Cholesky factorisation for at most PV_HSI_MAX_EM unknowns and an exact
 * primal active-set method for  min 1/2 a'Ga - b'a  s.t. a >= 0
 * (and 1'a = 1 when sum_to_one). Internal to the hsi module. */
#ifndef PV_HSI_QP_H
#define PV_HSI_QP_H

#include <parseval/hsi.h>

/* Workspace for one thread: sized for PV_HSI_MAX_EM unknowns. */
typedef struct {
  double l[PV_HSI_MAX_EM * PV_HSI_MAX_EM]; /* Cholesky factor of G_FF */
  double x[PV_HSI_MAX_EM], g[PV_HSI_MAX_EM], t[PV_HSI_MAX_EM], u[PV_HSI_MAX_EM];
  int free_idx[PV_HSI_MAX_EM];
  unsigned char is_free[PV_HSI_MAX_EM];
} pv_hsi_qp_work;

/* In-place lower Cholesky of the m x m matrix a (row-major, leading
 * dimension m); returns 0, or -1 when a is not numerically positive definite. */
int pv_hsi_chol(int m, double *a);
/* Solve L L' x = b in place (x holds b on entry). */
void pv_hsi_chol_solve(int m, const double *l, double *x);

/* Solve the QP for one pixel. G p x p (row-major), b p; a receives the
 * solution. Returns 0, PV_ENUMERIC when a working-set Gram block is
 * singular, PV_ENOTCONV after too many active-set changes. */
int pv_hsi_qp_solve(int p, const double *G, const double *b, int sum_to_one, double *a,
                    pv_hsi_qp_work *w);
#endif
