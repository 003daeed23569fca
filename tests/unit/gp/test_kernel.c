/* test_kernel.c - spectral-mixture kernels: the notes' reference values,
 * derivatives and parameter gradients against central differences. */
#include <math.h>
#include <string.h>
#include "pv_test.h"
#include <parseval/gp.h>

static const double TWO_PI = 6.283185307179586;

/* Notes section 4 item 1: one component, w = 1, l = 1, mu = 100 / 2 pi. */
static void test_reference_values(void) {
  static const double z[3] = {0.0, 0.01, 0.1};
  static const double gm[3][3] = {{1, 0, -1.000200000000e4},
                                  {5.402482783390e-1, -8.414948915723e1, -5.400197516479e3},
                                  {-8.307226278658e-1, 5.402694556478e1, 8.287310174593e3}};
  static const double stm[3][3] = {{1, 0, -1.000166666667e4},
                                   {5.402572862375e-1, -8.414908990919e1, -5.400668491701e3},
                                   {-8.321569387698e-1, 5.409062522296e1, 8.305138842803e3}};
  double th[3] = {0.0, 0.0, 100.0 / TWO_PI};
  for (int i = 0; i < 3; i++) {
    double k[3];
    CHECK_OK(pv_gp_kernel_eval(PV_GP_KERNEL_GM, 1, th, z[i], k));
    for (int r = 0; r < 3; r++) CHECK_NEAR(k[r], gm[i][r], 1e-9 * fmax(1.0, fabs(gm[i][r])));
    CHECK_OK(pv_gp_kernel_eval(PV_GP_KERNEL_STM, 1, th, z[i], k));
    for (int r = 0; r < 3; r++) CHECK_NEAR(k[r], stm[i][r], 1e-9 * fmax(1.0, fabs(stm[i][r])));
  }
}

/* A 3-component parameter set with distinct weights, scales and frequencies. */
static void params(double *th) {
  double v[9] = {log(0.5), log(0.3), log(0.2), log(2.0), log(0.7), log(5.0), 0.8, 2.1, 0.3};
  memcpy(th, v, sizeof v);
}

static void test_derivatives_fd(void) {
  double th[9], h = 1e-6;
  params(th);
  for (int kind = 0; kind < 4; kind++)
    for (double z = -0.9; z <= 0.9; z += 0.15) {
      if (fabs(z) < 1e-3) continue;   /* Matern-5/2 k''' has a kink at 0 */
      double k[3], kp[3], km[3];
      CHECK_OK(pv_gp_kernel_eval((pv_gp_kernel_kind)kind, 3, th, z, k));
      pv_gp_kernel_eval((pv_gp_kernel_kind)kind, 3, th, z + h, kp);
      pv_gp_kernel_eval((pv_gp_kernel_kind)kind, 3, th, z - h, km);
      CHECK_NEAR(k[1], (kp[0] - km[0]) / (2 * h), 1e-6 * fmax(1.0, fabs(k[1])));
      CHECK_NEAR(k[2], (kp[1] - km[1]) / (2 * h), 1e-6 * fmax(1.0, fabs(k[2])));
    }
  /* symmetry: k, k'' even, k' odd */
  double a[3], b[3];
  pv_gp_kernel_eval(PV_GP_KERNEL_STM, 3, th, 0.37, a);
  pv_gp_kernel_eval(PV_GP_KERNEL_STM, 3, th, -0.37, b);
  CHECK_NEAR(a[0], b[0], 1e-15);
  CHECK_NEAR(a[1], -b[1], 1e-14);
  CHECK_NEAR(a[2], b[2], 1e-13);
}

static void test_param_grad_fd(void) {
  double th[9], dk[81], h = 1e-6;
  params(th);
  for (int kind = 0; kind < 4; kind++)
    for (double z = -0.8; z <= 0.8; z += 0.2) {
      CHECK_OK(pv_gp_kernel_grad((pv_gp_kernel_kind)kind, 3, th, z, dk));
      for (int p = 0; p < 9; p++) {
        double tp[9], tm[9], kp[3], km[3];
        memcpy(tp, th, sizeof th);
        memcpy(tm, th, sizeof th);
        tp[p] += h;
        tm[p] -= h;
        pv_gp_kernel_eval((pv_gp_kernel_kind)kind, 3, tp, z, kp);
        pv_gp_kernel_eval((pv_gp_kernel_kind)kind, 3, tm, z, km);
        for (int r = 0; r < 3; r++) {
          double fd = (kp[r] - km[r]) / (2 * h);
          CHECK_NEAR(dk[r * 9 + p], fd, 1e-6 * fmax(1.0, fabs(fd)));
        }
      }
    }
}

static void test_matrices(void) {
  double th[9], K[36], K1[36], K2[36];
  params(th);
  CHECK_OK(pv_gp_kernel_matrices(PV_GP_KERNEL_GM, 3, th, 6, 0.1, 1e-6, K, K1, K2));
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 6; j++) {
      double k[3];
      pv_gp_kernel_eval(PV_GP_KERNEL_GM, 3, th, 0.1 * (i - j), k);
      CHECK_NEAR(K[i * 6 + j], k[0] + (i == j ? 1e-6 : 0.0), 1e-15);
      CHECK_NEAR(K1[i * 6 + j], k[1], 1e-13);
      CHECK_NEAR(K2[i * 6 + j], k[2], 1e-12);
      CHECK_NEAR(K1[i * 6 + j], -K1[j * 6 + i], 1e-13);
    }
  CHECK_STATUS(pv_gp_kernel_matrices(PV_GP_KERNEL_GM, 0, th, 6, 0.1, 0, K, NULL, NULL), PV_EINVAL);
  CHECK_STATUS(pv_gp_kernel_matrices((pv_gp_kernel_kind)7, 3, th, 6, 0.1, 0, K, NULL, NULL), PV_EINVAL);
  pv_gp_kernel_kind kind;
  CHECK_OK(pv_gp_kernel_kind_parse("stm", &kind));
  CHECK_EQ_INT(kind, PV_GP_KERNEL_STM);
  CHECK_STATUS(pv_gp_kernel_kind_parse("rbf", &kind), PV_EINVAL);
}

static void test_init(void) {
  double th[90];
  CHECK_OK(pv_gp_kernel_init(30, 20.0, th));
  CHECK_NEAR(th[0], log(1.0 / 30), 1e-15);
  CHECK_NEAR(th[30], 0.0, 0.0);
  CHECK_NEAR(th[60], 0.0, 0.0);
  CHECK_NEAR(th[89], 20.0, 1e-14);
  CHECK_NEAR(th[61], 20.0 / 29, 1e-14);
}

PV_TEST_MAIN(PV_CASE(test_reference_values), PV_CASE(test_derivatives_fd),
             PV_CASE(test_param_grad_fd), PV_CASE(test_matrices), PV_CASE(test_init))
