/* Sliced-Wasserstein distance and refinement:
 * - translated point sets: SW2 = mean_d (theta_d . t)^2 exactly, and
 *   |t|^2 / k in expectation over uniform directions;
 * - 1-D: the closed-form Wasserstein-2 of two small sets;
 * - the gradient against central finite differences;
 * - refinement of a permuted self-pair from a perturbed functional map
 *   lowers SW2 and recovers the permutation; bad input. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <parseval/parseval.h>
#include <parseval/rng.h>
#include <parseval/shape.h>

#include "pv_test.h"
#include "shapes.h"

static void unit_dirs(pv_rng *r, int k, int nd, double *Th) {
  for (int d = 0; d < nd; d++) {
    double s = 0;
    for (int a = 0; a < k; a++) {
      Th[a + k * d] = pv_rng_normal(r);
      s += Th[a + k * d] * Th[a + k * d];
    }
    for (int a = 0; a < k; a++) Th[a + k * d] /= sqrt(s);
  }
}

static void test_translation(void) {
  enum { N = 300, K = 5, ND = 4000 };
  static double E[N * K], Q[N * K], Th[K * ND];
  double t[K] = {0.3, -0.2, 0.5, 0.1, -0.4}, tt = 0, exact = 0, sw2;
  pv_rng r;
  pv_rng_init(&r, 11, 0);
  for (int i = 0; i < N * K; i++) E[i] = pv_rng_normal(&r);
  for (int a = 0; a < K; a++) {
    tt += t[a] * t[a];
    for (int i = 0; i < N; i++) Q[i + N * a] = E[i + N * a] + t[a];
  }
  unit_dirs(&r, K, ND, Th);
  for (int d = 0; d < ND; d++) {
    double p = 0;
    for (int a = 0; a < K; a++) p += Th[a + K * d] * t[a];
    exact += p * p / ND;
  }
  CHECK_OK(pv_shape_sw2(E, Q, N, K, Th, ND, &sw2, NULL));
  printf("translation: SW2 %.6f, exact %.6f, |t|^2/k %.6f\n", sw2, exact, tt / K);
  CHECK_REL(sw2, exact, 1e-10);
  CHECK_REL(sw2, tt / K, 0.05);
}

static void test_one_dimension(void) {
  double e[4] = {3, -1, 0.5, 2}, q[4] = {0, 1, -2, 4}, th = 1, sw2;
  /* sorted: e -1 0.5 2 3, q -2 0 1 4: differences 1 0.5 1 -1 */
  CHECK_OK(pv_shape_sw2(e, q, 4, 1, &th, 1, &sw2, NULL));
  CHECK_REL(sw2, (1 + 0.25 + 1 + 1) / 4.0, 1e-15);
}

static void test_gradient(void) {
  enum { N = 40, K = 3, ND = 7 };
  double E[N * K], Q[N * K], Th[K * ND], g[N * K], f0, f1, f2;
  pv_rng r;
  pv_rng_init(&r, 5, 0);
  for (int i = 0; i < N * K; i++) E[i] = pv_rng_normal(&r), Q[i] = 1.3 * pv_rng_normal(&r);
  unit_dirs(&r, K, ND, Th);
  CHECK_OK(pv_shape_sw2(E, Q, N, K, Th, ND, &f0, g));
  double h = 1e-6, worst = 0, scale = 0;
  for (int i = 0; i < N * K; i++) {
    double e = E[i];
    E[i] = e + h;
    CHECK_OK(pv_shape_sw2(E, Q, N, K, Th, ND, &f1, NULL));
    E[i] = e - h;
    CHECK_OK(pv_shape_sw2(E, Q, N, K, Th, ND, &f2, NULL));
    E[i] = e;
    worst = fmax(worst, fabs((f1 - f2) / (2 * h) - g[i]));
    scale = fmax(scale, fabs(g[i]));
  }
  printf("gradient: max |fd - analytic| %.2e of max |g| %.2e\n", worst, scale);
  CHECK(worst <= 1e-6 * scale);
}

static void test_refine_self(void) {
  enum { K = 12 };
  pv_mesh *x = test_blob(2);
  int64_t n = x->nv, *perm = pv_malloc((size_t)n * sizeof *perm), *T = pv_malloc((size_t)n * sizeof *T);
  test_perm(n, 3, perm);
  pv_mesh *y = test_permuted(x, perm, NULL);
  pv_shape_basis *bx = NULL, *by = NULL;
  CHECK_OK(pv_shape_basis_from_mesh(NULL, x, K, &bx));
  CHECK_OK(pv_shape_basis_from_mesh(NULL, y, K, &by));
  double C[K * K], C0[K * K], sw_true, sw_end;
  CHECK_OK(pv_shape_p2p_to_fmap(bx, by, K, K, perm, C0)); /* the true map */
  pv_rng r;
  pv_rng_init(&r, 9, 0);
  for (int i = 0; i < K * K; i++) C[i] = C0[i] + 0.25 * pv_rng_normal(&r);
  CHECK_OK(pv_shape_fmap_to_p2p(NULL, bx, by, K, K, C, K, T));
  int64_t wrong0 = 0, wrong1 = 0;
  for (int64_t i = 0; i < n; i++) wrong0 += T[i] != perm[i];
  pv_shape_sw_options o = PV_SHAPE_SW_OPTIONS_INIT;
  o.samples = n; /* all vertices: the true map has SW2 = 0 */
  o.iterations = 0;
  double Ct[K * K];
  memcpy(Ct, C0, sizeof Ct);
  CHECK_OK(pv_shape_sw_refine(NULL, bx, by, x, y, &o, K, Ct, T, NULL));
  double Th[K * 64], *E = pv_malloc(sizeof(double) * (size_t)(n * K)), *Q = pv_malloc(sizeof(double) * (size_t)(n * K));
  unit_dirs(&r, K, 64, Th);
  for (int64_t i = 0; i < n; i++)
    for (int a = 0; a < K; a++) {
      double s = 0;
      for (int b = 0; b < K; b++) s += bx->evecs[i + n * b] * C0[a + K * b];
      E[i + n * a] = s;
      Q[i + n * a] = by->evecs[i + n * a];
    }
  CHECK_OK(pv_shape_sw2(E, Q, n, K, Th, 64, &sw_true, NULL));
  o.iterations = 300;
  o.lr = 1e-2;
  CHECK_OK(pv_shape_sw_refine(NULL, bx, by, x, y, &o, K, C, T, &sw_end));
  for (int64_t i = 0; i < n; i++) wrong1 += T[i] != perm[i];
  printf("refine: true map SW2 %.2e; perturbed map %lld of %lld wrong -> %lld after SW (last SW2 %.2e)\n",
         sw_true, (long long)wrong0, (long long)n, (long long)wrong1, sw_end);
  CHECK(sw_true < 1e-15);
  CHECK(wrong0 > n / 10);
  CHECK(wrong1 < wrong0 / 10);
  pv_free(E);
  pv_free(Q);
  pv_shape_basis_destroy(&bx);
  pv_shape_basis_destroy(&by);
  pv_free(perm);
  pv_free(T);
  pv_mesh_destroy(&x);
  pv_mesh_destroy(&y);
}

static void test_bad_input(void) {
  double e = 0, sw2;
  CHECK_STATUS(pv_shape_sw2(&e, &e, 0, 1, &e, 1, &sw2, NULL), PV_EINVAL);
  CHECK_STATUS(pv_shape_sw2(&e, NULL, 1, 1, &e, 1, &sw2, NULL), PV_EINVAL);
  pv_mesh *x = test_icosphere(1);
  pv_shape_basis *b = NULL;
  CHECK_OK(pv_shape_basis_from_mesh(NULL, x, 6, &b));
  double C[49] = {0};
  int64_t T[42];
  pv_shape_sw_options o = PV_SHAPE_SW_OPTIONS_INIT;
  CHECK_STATUS(pv_shape_sw_refine(NULL, b, b, x, x, &o, 7, C, T, NULL), PV_EINVAL); /* k > basis */
  o.lr = -1;
  CHECK_STATUS(pv_shape_sw_refine(NULL, b, b, x, x, &o, 6, C, T, NULL), PV_EINVAL);
  pv_shape_basis_destroy(&b);
  pv_mesh_destroy(&x);
}

PV_TEST_MAIN(PV_CASE(test_translation), PV_CASE(test_one_dimension), PV_CASE(test_gradient),
             PV_CASE(test_refine_self), PV_CASE(test_bad_input))
