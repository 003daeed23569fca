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
  double deadline;             /* gp_now_s() at which PCG gives up (the run's first
                                  solves; 0: none) */
  /* factorisation cache: K, K^-1, Dk, logdet are those of theta th_cache
   * (3 q d values) when have_factor; chol: 1-D, K's Cholesky factor
   * (row-major lower = column-major upper R, R^T R = K) */
  double *th_cache, *chol;
  int have_factor;
  /* 1-D dense least squares (solve.c, allocated at the first solve): the
   * column-major (2n + nb) x n matrix, its QR, Householder scalars, rhs,
   * residual */
  double *ls_A, *ls_Q, *ls_tau, *ls_b, *ls_r;
  /* 1-D whitened coordinates: U = R^T gam (gam of the last U solve, M),
   * X = Dk R^-1 (n x n, row-major, valid when have_X), Gauss-Newton
   * scratch (3 M) */
  double *gam, *ls_X, *ls_gn;
  int have_X;
  double t_solve;              /* seconds of the U solve in the last gp_model_profiled */
  long lsq_solves;             /* 1-D dense least-squares solves so far (work count) */
};
typedef struct pv_gp_model gp_model;

/* Wall-clock seconds (TIME_UTC) with sub-microsecond resolution. */
double gp_now_s(void);

/* Kernel matrices and inverses of every axis for the theta in p. */
int gp_model_factor(gp_model *m, const double *p);

/* 1-D: X = Dk R^-1 for the current factorisation (loss.c). */
void gp_model_white_operator(gp_model *m);

/* 1-D loss in whitened coordinates (loss.c): U in p must be R^T gam; the
 * prior is |gam|^2 / 2 and the residual X gam + c0 U + c3 U^3 - f, free of
 * K^-1. grad (may be NULL): the partial gradient at fixed U in theta,
 * log tau, log v (at the minimiser over U, the profiled gradient), with
 * K^-1 U and K^-1 Dk^T r by triangular solves; its U part is set to zero.
 * Needs gp_model_factor and gp_model_white_operator for p's theta. */
int gp_model_loss_white(gp_model *m, const double *p, const double *gam, double *loss,
                        double *grad);

/* 1-D: the share of each mixture component in the prior energy of U,
 * share[i] = a^T K_i a / sum_j a^T K_j a with a = K^-1 U and K_i the
 * covariance of component i alone (the posterior mean splits as
 * U = sum_i K_i a + jitter a); q values. Factorises for p's theta. */
int gp_model_component_share(gp_model *m, const double *p, double *share);

/* Profiled evaluation (solve.c): U in p replaced by the minimiser over U,
 * then the loss and its gradient in the other parameters (1-D: the beta form
 * above; otherwise pv_gp_model_loss). */
int gp_model_profiled(gp_model *m, double *p, double *loss, double *grad);

/* PCG elimination of U (pcg.c): per-axis eigenvector bases for the current
 * kernel (basis = 0: keep the last ones, for Gauss-Newton steps), then a
 * solve from the U given (warm start) with Jr = J - jbar (NULL: J == jbar
 * everywhere) to tol relative to the right-hand side or, eta > 0, to eta
 * times the start's relative residual; res (may be NULL): the start's and
 * the end's relative residuals; PV_ENUMERIC when it stalls. */
int gp_pcg_setup(gp_model *m, int basis);
int gp_pcg_solve(gp_model *m, double *U, const double *Jr, double jbar, const double *fl,
                 double tau, double v, double tol, double eta, int maxit, int *iters, double *res);

#endif
