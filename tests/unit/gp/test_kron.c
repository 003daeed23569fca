/* test_kron.c - Kronecker algebra against dense matrices built by hand:
 * matrix-vector products to 1e-12, solves and log-determinants to 1e-8,
 * derivative operators along each axis. */
#include <math.h>
#include <string.h>
#include <lapacke.h>
#include "pv_test.h"
#include <parseval/gp.h>

/* SPD factor: a Matern-5/2-cos kernel matrix plus jitter, well conditioned. */
static void factor(int n, double ls, double mu, double *K, double *K2) {
  double th[3] = {0.0, log(ls), mu};
  CHECK_OK(pv_gp_kernel_matrices(PV_GP_KERNEL_STM, 1, th, n, 1.0 / n, 0.05, K, NULL, K2));
}

/* dense kron of up to 3 factors: D = A0 x A1 (x A2) */
static void dense_kron(int d, const int n[], const double *const A[], double *D) {
  int M = 1;
  for (int a = 0; a < d; a++) M *= n[a];
  for (int r = 0; r < M; r++)
    for (int c = 0; c < M; c++) {
      double v = 1.0;
      int rr = r, cc = c;
      for (int a = d - 1; a >= 0; a--) {
        v *= A[a][(rr % n[a]) * n[a] + cc % n[a]];
        rr /= n[a];
        cc /= n[a];
      }
      D[r * M + c] = v;
    }
}

static void test_kron_dense(void) {
  int n[3] = {5, 4, 3}, M = 60;
  double K0[25], K1[16], K2[9], D0[25], D1[16], D2[9];
  factor(5, 3.0, 1.5, K0, D0);
  factor(4, 2.0, 0.7, K1, D1);
  factor(3, 1.0, 0.2, K2, D2);
  const double *Ks[3] = {K0, K1, K2};
  static double D[60 * 60], Dl[60 * 60], x[60], y[60], yd[60], s[60];
  for (int i = 0; i < M; i++) x[i] = sin(1.0 + 0.37 * i) + 0.1 * i;
  for (int d = 1; d <= 3; d++) {
    int Md = 1;
    for (int a = 0; a < d; a++) Md *= n[a];
    pv_gp_kron *kr = NULL;
    CHECK_OK(pv_gp_kron_create(d, n, Ks, &kr));
    dense_kron(d, n, Ks, D);
    CHECK_OK(pv_gp_kron_matvec(kr, x, y));
    for (int i = 0; i < Md; i++) {
      double v = 0;
      for (int j = 0; j < Md; j++) v += D[i * Md + j] * x[j];
      yd[i] = v;
      CHECK_NEAR(y[i], v, 1e-12 * fmax(1.0, fabs(v)));
    }
    /* solve: K s = yd must return x */
    CHECK_OK(pv_gp_kron_solve(kr, yd, s));
    for (int i = 0; i < Md; i++) CHECK_NEAR(s[i], x[i], 1e-8 * fmax(1.0, fabs(x[i])));
    /* log-determinant against a dense Cholesky */
    memcpy(Dl, D, sizeof(double) * Md * Md);
    CHECK(LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', Md, Dl, Md) == 0);
    double ld = 0, kl;
    for (int i = 0; i < Md; i++) ld += 2 * log(Dl[i * Md + i]);
    CHECK_OK(pv_gp_kron_logdet(kr, &kl));
    CHECK_REL(kl, ld, 1e-8);
    /* derivative operator along the last axis: (I x .. x D K^-1) x */
    const double *Dd[3] = {D0, D1, D2};
    const double *A[3] = {NULL, NULL, NULL};
    double eye[3][25];
    for (int a = 0; a < d; a++) {
      memset(eye[a], 0, sizeof eye[a]);
      for (int i = 0; i < n[a]; i++) eye[a][i * n[a] + i] = 1.0;
      A[a] = eye[a];
    }
    A[d - 1] = Dd[d - 1];
    dense_kron(d, n, A, D);           /* (I x .. x D) */
    CHECK_OK(pv_gp_kron_deriv(kr, d - 1, Dd[d - 1], yd, y));
    /* (I x D K^-1)(K0 x .. x K) x = (K0 x .. x D) x */
    A[d - 1] = Dd[d - 1];
    for (int a = 0; a < d - 1; a++) A[a] = Ks[a];
    dense_kron(d, n, A, D);
    for (int i = 0; i < Md; i++) {
      double v = 0;
      for (int j = 0; j < Md; j++) v += D[i * Md + j] * x[j];
      CHECK_NEAR(y[i], v, 1e-8 * fmax(1.0, fabs(v)));
    }
    /* update one factor and re-check the matvec */
    CHECK_OK(pv_gp_kron_update(kr, 0, K0));
    pv_gp_kron_destroy(&kr);
    CHECK(kr == NULL);
  }
}

static void test_kron_errors(void) {
  int n[2] = {2, 2};
  double bad[4] = {1, 2, 2, 1}, good[4] = {2, 0, 0, 2};
  const double *Ks[2] = {good, bad};
  pv_gp_kron *kr = NULL;
  CHECK_STATUS(pv_gp_kron_create(2, n, Ks, &kr), PV_ENUMERIC);
  CHECK(kr == NULL);
  CHECK_STATUS(pv_gp_kron_create(4, n, Ks, &kr), PV_EINVAL);
  pv_gp_kron_destroy(&kr);
}

static void test_mode_apply(void) {
  int n[2] = {3, 2};
  double A[6] = {1, 2, 3, 4, 5, 6};   /* 2 x 3 */
  double x[6] = {1, 2, 3, 4, 5, 6}, y[4];
  CHECK_OK(pv_gp_mode_apply(2, n, 0, A, 2, x, y));
  /* y[i][j] = sum_k A[i][k] x[k][j] */
  CHECK_NEAR(y[0], 1 * 1 + 2 * 3 + 3 * 5, 0);
  CHECK_NEAR(y[3], 4 * 2 + 5 * 4 + 6 * 6, 0);
  CHECK_STATUS(pv_gp_mode_apply(2, n, 2, A, 2, x, y), PV_EINVAL);
}

PV_TEST_MAIN(PV_CASE(test_kron_dense), PV_CASE(test_kron_errors), PV_CASE(test_mode_apply))
