/* gp_model.h - the model object shared by model.c, loss.c, solve.c, optim.c. */
#ifndef PV_GP_MODEL_H
#define PV_GP_MODEL_H

#include <stddef.h>
#include <parseval/gp.h>

struct pv_gp_model {
  pv_gp_problem prob;          /* copy; f points to the model's own copy */
  pv_gp_model_options opt;
  int d, q, n[2];
  double h[2];
  size_t M, nb;
  double *f, *g;               /* source (M), boundary data (nb) */
  size_t *bidx;                /* grid index of each boundary datum */
  /* per axis, n x n: K (+jitter), K^-1, K_x, K_xx, Dk = c2 K_xx + c1 K_x,
   * loss adjoints dL/dK and dL/dDk */
  double *K[2], *Kinv[2], *K1[2], *K2[2], *Dk[2], *GK[2], *GD[2];
  double logdet[2];
  double *A[2];                /* U with K_a^-1 applied along axis a */
  double *B, *R, *P, *Qa, *W;  /* M-sized workspaces */
  double *lag, *dk;            /* lag sums (3 n), kernel gradient (9 q) */
  /* iterative U solve (pcg.c), per axis: Theta_a (n x n), eigenvectors
   * Q_a, scratch (n x n), eigenvalues (n), D_a, H_a, groups and prior
   * (2 n x n + 2 n); M-sized vectors; preconditioner blocks (4 M); groups
   * (2 (n0 + n1) ints) */
  double *Dm[2], *Xs[2], *Qe[2], *lam[2], *pre[2], *cg[10], *pcgw;
  int *pcgi;
  int pcg_iters;               /* PCG iterations of the last U solve */
};
typedef struct pv_gp_model gp_model;

/* Kernel matrices and inverses of every axis for the theta in p. */
int gp_model_factor(gp_model *m, const double *p);

/* PCG elimination of U (pcg.c): per-axis eigenvector bases for the current
 * kernel (basis = 0: keep the last ones, for Gauss-Newton steps), then a
 * solve from the U given (warm start) with Jr = J - jbar (NULL: J == jbar
 * everywhere); PV_ENUMERIC when it stalls. */
int gp_pcg_setup(gp_model *m, int basis);
int gp_pcg_solve(gp_model *m, double *U, const double *Jr, double jbar, const double *fl,
                 double tau, double v, double tol, int maxit, int *iters);

#endif
