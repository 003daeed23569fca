/* Generalized eigensolver on grid Laplacians: closed-form eigenvalues and
 * multiplicities, closed-form eigenvectors (1D Dirichlet), B-orthonormality,
 * the sign convention and the reported residual. */
#include "pv_test.h"

#include <stdlib.h>
#include <string.h>

#include "grid.h"
#include <parseval/eigen.h>

/* Solve and check eigenvalues against the closed form, X^T X = I (B = I)
 * and the sign convention; returns X (caller frees). */
static double *solve_grid(int nx, int ny, int periodic, int k, double *lambda_out) {
  pv_sparse *A = NULL;
  CHECK_OK(grid_laplacian(nx, ny, periodic, &A));
  int64_t n = (int64_t)nx * ny;
  double *X = malloc(sizeof(double) * n * k), *lam = malloc(sizeof(double) * k);
  pv_eigen_info info = {.struct_size = sizeof info};
  CHECK_OK(pv_eigen_pencil_solve(NULL, A, NULL, k, NULL, lam, X, n, &info));
  CHECK(!info.dense);
  if (!(info.max_residual <= 1e-10))
    printf("  residual %.3e after %d restarts, %lld solves\n", info.max_residual, info.restarts,
           (long long)info.op_applies);
  CHECK(info.max_residual <= 1e-10);
  double *w = grid_spectrum(nx, ny, periodic);
  for (int i = 0; i < k; i++)
    CHECK_NEAR(lam[i], w[i], 1e-10 * w[k - 1]);
  for (int i = 0; i < k; i++) {
    double big = 0;
    int64_t at = 0;
    for (int64_t r = 0; r < n; r++)
      if (fabs(X[i * n + r]) > big)
        big = fabs(X[i * n + r]), at = r;
    CHECK(X[i * n + at] > 0);
    for (int j = 0; j <= i; j++) {
      double d = 0;
      for (int64_t r = 0; r < n; r++)
        d += X[i * n + r] * X[j * n + r];
      CHECK_NEAR(d, i == j, 1e-10);
    }
  }
  if (lambda_out)
    memcpy(lambda_out, lam, sizeof(double) * k);
  free(w), free(lam);
  pv_sparse_destroy(&A);
  return X;
}

static void test_dirichlet_1d(void) {
  int n = 2000, k = 12;
  double *X = solve_grid(n, 1, 0, k, NULL);
  for (int j = 0; j < k; j++) { /* x_j(i) ~ sin(pi (j+1)(i+1)/(n+1)), unit norm */
    double dot = 0, nn = 0;
    for (int i = 0; i < n; i++) {
      double s = sin(M_PI * (j + 1) * (i + 1) / (n + 1));
      dot += s * X[(int64_t)j * n + i];
      nn += s * s;
    }
    CHECK_NEAR(fabs(dot) / sqrt(nn), 1.0, 1e-9);
  }
  free(X);
}

static void test_periodic_1d_multiplicity(void) {
  double lam[11];
  free(solve_grid(1500, 1, 1, 11, lam)); /* 0, then pairs */
  CHECK_NEAR(lam[0], 0.0, 1e-12);
  for (int j = 1; j <= 5; j++) {
    double exact = 2 - 2 * cos(2 * M_PI * j / 1500);
    CHECK_NEAR(lam[2 * j - 1], exact, 1e-10 * exact);
    CHECK_NEAR(lam[2 * j], exact, 1e-10 * exact);
  }
}

static void test_dirichlet_2d(void) {
  free(solve_grid(45, 40, 0, 30, NULL));
}

static void test_periodic_2d_multiplicity(void) {
  double lam[21];
  free(solve_grid(36, 36, 1, 21, lam)); /* 1 + 4 + 4 + 4 + 8 */
  double e1 = 2 - 2 * cos(2 * M_PI / 36);
  CHECK_NEAR(lam[1], e1, 1e-10);
  CHECK_NEAR(lam[4], e1, 1e-10);
  CHECK(lam[5] > e1 + 1e-6);
  double e12 = e1 + 2 - 2 * cos(4 * M_PI / 36);
  CHECK_NEAR(lam[13], e12, 1e-10);
  CHECK_NEAR(lam[20], e12, 1e-10);
}

PV_TEST_MAIN(PV_CASE(test_dirichlet_1d), PV_CASE(test_periodic_1d_multiplicity),
             PV_CASE(test_dirichlet_2d), PV_CASE(test_periodic_2d_multiplicity))
