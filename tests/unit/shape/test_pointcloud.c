/* Point-cloud robust Laplacian (Sharp and Crane 2020, point clouds):
 * - the unit sphere sampled by a Fibonacci spiral: mass sums to 4 pi and
 *   the eigenvalues approach l (l + 1) with multiplicities 2 l + 1;
 * - a jittered grid of the unit square: mass sums to 1 and the eigenvalues
 *   approach the Neumann closed form pi^2 (i^2 + j^2);
 * - second method: on the icosphere's vertices, the same low spectrum as
 *   the mesh's robust Laplacian;
 * - the k-d tree neighbours against brute force; bad input; allocation
 *   failures. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <parseval/eigen.h>
#include <parseval/parseval.h>
#include <parseval/rng.h>
#include <parseval/shape.h>
#include <parseval/sparse.h>

#include "pv_test.h"
#include "shapes.h"

static double mass_sum(const pv_sparse *M) {
  const int64_t *cp, *ri;
  const double *v;
  double s = 0;
  pv_sparse_csc(M, &cp, &ri, &v);
  for (int64_t p = 0; p < cp[pv_sparse_ncol(M)]; p++) s += v[p];
  return s;
}

static void spectrum(const pv_sparse *L, const pv_sparse *M, int k, double *lam) {
  int64_t n = pv_sparse_ncol(L);
  double *X = pv_malloc(sizeof(double) * (size_t)(n * k));
  pv_eigen_options o = PV_EIGEN_OPTIONS_INIT;
  CHECK_OK(pv_eigen_pencil_solve(NULL, L, M, k, &o, lam, X, n, NULL));
  pv_free(X);
}

static void check_offdiag(const pv_sparse *L) {
  const int64_t *cp, *ri;
  const double *v;
  double worst = -INFINITY, row = 0;
  int64_t n = pv_sparse_ncol(L);
  pv_sparse_csc(L, &cp, &ri, &v);
  for (int64_t j = 0; j < n; j++) {
    double s = 0;
    for (int64_t p = cp[j]; p < cp[j + 1]; p++) {
      s += v[p];
      if (ri[p] != j) worst = fmax(worst, v[p]);
    }
    row = fmax(row, fabs(s));
  }
  CHECK(worst <= 0);  /* intrinsic Delaunay: non-negative edge weights */
  CHECK(row < 1e-9);  /* constants in the kernel */
  CHECK(pv_sparse_is_symmetric(L, 1e-12));
}

static void test_sphere(void) {
  enum { N = 1500, K = 16 };
  double *p = pv_malloc(sizeof(double) * 3 * N), ga = M_PI * (3 - sqrt(5.0)), lam[K];
  for (int i = 0; i < N; i++) {
    double z = 1 - (2 * i + 1.0) / N, r = sqrt(1 - z * z);
    p[3 * i] = r * cos(ga * i), p[3 * i + 1] = r * sin(ga * i), p[3 * i + 2] = z;
  }
  pv_sparse *L, *M;
  CHECK_OK(pv_shape_pointcloud_laplacian(NULL, p, N, 30, 1e-5, &L, &M));
  check_offdiag(L);
  printf("sphere: area %.5f (4 pi = %.5f)\n", mass_sum(M), 4 * M_PI);
  CHECK_REL(mass_sum(M), 4 * M_PI, 0.005);
  spectrum(L, M, K, lam);
  CHECK(fabs(lam[0]) < 1e-8);
  for (int i = 1; i < K; i++) {
    int l = i < 4 ? 1 : i < 9 ? 2 : 3;
    printf("  lambda_%d = %.4f, l(l+1) = %d\n", i, lam[i], l * (l + 1));
    CHECK_REL(lam[i], l * (l + 1), 0.004 * l * l); /* discretisation error ~ (h l)^2 */
  }
  pv_sparse_destroy(&L);
  pv_sparse_destroy(&M);
  pv_free(p);
}

static void test_square(void) {
  enum { NX = 40, K = 10 };
  double *p = pv_malloc(sizeof(double) * 3 * NX * NX), lam[K];
  pv_rng r;
  pv_rng_init(&r, 7, 0);
  for (int j = 0; j < NX; j++)
    for (int i = 0; i < NX; i++) {
      double *q = p + 3 * (j * NX + i);
      double ju = i == 0 || i == NX - 1 ? 0 : 0.2 * (pv_rng_uniform(&r) - 0.5);
      double jv = j == 0 || j == NX - 1 ? 0 : 0.2 * (pv_rng_uniform(&r) - 0.5);
      q[0] = (i + ju) / (NX - 1), q[1] = (j + jv) / (NX - 1), q[2] = 0;
    }
  pv_sparse *L, *M;
  CHECK_OK(pv_shape_pointcloud_laplacian(NULL, p, NX * NX, 0, 1e-5, &L, &M));
  check_offdiag(L);
  printf("square: area %.5f\n", mass_sum(M));
  CHECK_REL(mass_sum(M), 1.0, 0.005);
  spectrum(L, M, K, lam);
  /* Neumann: pi^2 (i^2 + j^2), i, j >= 0, ascending. */
  const int q[K] = {0, 1, 1, 2, 4, 4, 5, 5, 8, 9};
  CHECK(fabs(lam[0]) < 1e-8);
  for (int i = 1; i < K; i++) {
    printf("  lambda_%d = %.3f, closed form %.3f\n", i, lam[i], M_PI * M_PI * q[i]);
    CHECK_REL(lam[i], M_PI * M_PI * q[i], 0.03);
  }
  pv_sparse_destroy(&L);
  pv_sparse_destroy(&M);
  pv_free(p);
}

/* Second method: the mesh robust Laplacian on the same vertices. */
static void test_vs_mesh(void) {
  enum { K = 12 };
  pv_mesh *m = test_icosphere(3), *cloud = NULL;
  double lm[K], lc[K];
  pv_sparse *L, *M;
  CHECK_OK(pv_shape_robust_laplacian(NULL, m, 1e-5, &L, &M));
  spectrum(L, M, K, lm);
  pv_sparse_destroy(&L);
  pv_sparse_destroy(&M);
  CHECK_OK(pv_mesh_create(m->nv, 0, 0, &cloud));
  memcpy(cloud->v, m->v, sizeof(double) * 3 * (size_t)m->nv);
  CHECK_OK(pv_shape_robust_laplacian(NULL, cloud, 1e-5, &L, &M)); /* nf == 0: the point-cloud path */
  spectrum(L, M, K, lc);
  for (int i = 1; i < K; i++) CHECK_REL(lc[i], lm[i], 0.01);
  printf("icosphere(3): lambda_11 cloud %.4f, mesh %.4f\n", lc[K - 1], lm[K - 1]);
  pv_sparse_destroy(&L);
  pv_sparse_destroy(&M);
  pv_mesh_destroy(&m);
  pv_mesh_destroy(&cloud);
}

static void test_knn_brute(void) {
  enum { N = 700, K = 9 };
  double *p = pv_malloc(sizeof(double) * 3 * N);
  int64_t *nb = pv_malloc(sizeof(int64_t) * N * K);
  pv_rng r;
  pv_rng_init(&r, 3, 0);
  for (int i = 0; i < 3 * N; i++) p[i] = pv_rng_normal(&r) * (i % 3 == 2 ? 0.1 : 1);
  for (int i = 0; i < 20; i++) memcpy(p + 3 * (N - 1 - i), p + 3 * i, 3 * sizeof(double)); /* duplicates */
  CHECK_OK(pv_shape_knn3(p, N, K, nb));
  for (int i = 0; i < N; i++) {
    /* The k-th smallest distance by brute force. */
    double d[N], kth;
    int c = 0;
    for (int j = 0; j < N; j++)
      if (j != i) {
        double a = p[3 * i] - p[3 * j], b = p[3 * i + 1] - p[3 * j + 1], e = p[3 * i + 2] - p[3 * j + 2];
        d[c++] = a * a + b * b + e * e;
      }
    for (int s = 0; s < K; s++) { /* partial selection sort */
      int m = s;
      for (int j = s + 1; j < c; j++) if (d[j] < d[m]) m = j;
      double t = d[s]; d[s] = d[m]; d[m] = t;
    }
    kth = d[K - 1];
    double prev = -1;
    for (int s = 0; s < K; s++) {
      int64_t j = nb[(int64_t)K * i + s];
      CHECK(j != i && j >= 0 && j < N);
      double a = p[3 * i] - p[3 * j], b = p[3 * i + 1] - p[3 * j + 1], e = p[3 * i + 2] - p[3 * j + 2];
      double dj = a * a + b * b + e * e;
      CHECK(dj <= kth && dj >= prev);
      CHECK(dj == d[s]);
      prev = dj;
    }
  }
  pv_free(p);
  pv_free(nb);
}

static void test_bad_input(void) {
  double p[3 * 40];
  pv_sparse *L = NULL, *M = NULL;
  for (int i = 0; i < 40; i++) p[3 * i] = i, p[3 * i + 1] = 2 * i, p[3 * i + 2] = 0; /* collinear */
  CHECK_STATUS(pv_shape_pointcloud_laplacian(NULL, p, 40, 10, 1e-5, &L, &M), PV_EINVAL);
  CHECK_STATUS(pv_shape_pointcloud_laplacian(NULL, p, 10, 10, 1e-5, &L, &M), PV_EINVAL);
  CHECK_STATUS(pv_shape_pointcloud_laplacian(NULL, p, 40, 2, 1e-5, &L, &M), PV_EINVAL);
  p[7] = NAN;
  CHECK_STATUS(pv_shape_pointcloud_laplacian(NULL, p, 40, 10, 1e-5, &L, &M), PV_EINVAL);
  CHECK_STATUS(pv_shape_pointcloud_laplacian(NULL, NULL, 40, 10, 1e-5, &L, &M), PV_EINVAL);
  CHECK(!L && !M);
}

static void test_alloc_failures(void) {
  pv_mesh *m = test_icosphere(2);
  long k = 0, ok = 0;
  for (; k < 2000 && !ok; k++) {
    long live = pv_test_alloc_live();
    pv_sparse *L = NULL, *M = NULL;
    pv_test_fail_alloc_after(k);
    int rc = pv_shape_pointcloud_laplacian(NULL, m->v, m->nv, 12, 1e-5, &L, &M);
    pv_test_fail_alloc_after(-1);
    if (rc != 0 && rc != PV_ENOMEM)
      pv_test_fail(__FILE__, __LINE__, "countdown %ld: status %d (%s)", k, rc, pv_error_message());
    ok = rc == 0;
    pv_error_clear();
    pv_sparse_destroy(&L);
    pv_sparse_destroy(&M);
    CHECK_EQ_INT(pv_test_alloc_live(), live);
  }
  CHECK(ok);
  pv_mesh_destroy(&m);
}

PV_TEST_MAIN(PV_CASE(test_sphere), PV_CASE(test_square), PV_CASE(test_vs_mesh), PV_CASE(test_knn_brute),
             PV_CASE(test_bad_input), PV_CASE(test_alloc_failures))
