/* Spectral clustering: separated Gaussian blobs and two concentric rings
 * recovered exactly, the normalised cut of a barbell graph against its
 * closed form, Laplacian null vectors, kNN graph structure, bad input. */
#include "pv_test.h"

#include <stdlib.h>
#include <string.h>

#include <parseval/cluster.h>

/* labels equal truth up to a permutation of the k cluster names. */
static int same_partition(const int *labels, const int *truth, int64_t n, int k) {
  int map[16], used[16] = {0};
  for (int c = 0; c < k; c++)
    map[c] = -1;
  for (int64_t i = 0; i < n; i++) {
    int t = truth[i], l = labels[i];
    if (l < 0 || l >= k)
      return 0;
    if (map[t] < 0) {
      if (used[l])
        return 0;
      map[t] = l, used[l] = 1;
    }
    if (map[t] != l)
      return 0;
  }
  return 1;
}

static void blobs(pv_rng *g, int per, double *P, int *truth) {
  double cx[3] = {0, 10, 0}, cy[3] = {0, 0, 10};
  for (int c = 0; c < 3; c++)
    for (int i = 0; i < per; i++) {
      int64_t q = (int64_t)c * per + i;
      P[2 * q] = cx[c] + 0.5 * pv_rng_normal(g);
      P[2 * q + 1] = cy[c] + 0.5 * pv_rng_normal(g);
      truth[q] = c;
    }
}

static void rings(pv_rng *g, int per, double *P, int *truth) {
  for (int c = 0; c < 2; c++)
    for (int i = 0; i < per; i++) {
      int64_t q = (int64_t)c * per + i;
      double t = 2 * M_PI * pv_rng_uniform(g), r = (c ? 3.0 : 1.0) + 0.05 * pv_rng_normal(g);
      P[2 * q] = r * cos(t), P[2 * q + 1] = r * sin(t);
      truth[q] = c;
    }
}

static void test_blobs_exact(void) {
  pv_rng g;
  pv_rng_init(&g, 21, 0);
  int per = 150, n = 3 * per, truth[450], lab[450];
  double P[900];
  blobs(&g, per, P, truth);
  pv_sparse *W = NULL;
  CHECK_OK(pv_cluster_knn_graph(NULL, P, n, 2, NULL, &W));
  CHECK(pv_sparse_is_symmetric(W, 0));
  CHECK(pv_sparse_nnz(W) >= 10 * n);
  CHECK_OK(pv_cluster_spectral(NULL, W, 3, NULL, lab));
  CHECK(same_partition(lab, truth, n, 3));
  /* Plain k-means++ also separates blobs; its centres are the blob means. */
  double C[6], inertia;
  CHECK_OK(pv_cluster_kmeans(NULL, P, n, 2, 3, NULL, lab, C, &inertia));
  CHECK(same_partition(lab, truth, n, 3));
  for (int c = 0; c < 3; c++) {
    double mx = 0, my = 0;
    int cnt = 0;
    for (int i = 0; i < n; i++)
      if (lab[i] == c)
        mx += P[2 * i], my += P[2 * i + 1], cnt++;
    CHECK_NEAR(C[2 * c], mx / cnt, 1e-9);
    CHECK_NEAR(C[2 * c + 1], my / cnt, 1e-9);
  }
  CHECK(inertia > 0 && inertia < n * 2 * 0.25 * 1.5); /* ~ n d sigma^2 */
  pv_sparse_destroy(&W);
}

static void test_two_rings_exact(void) {
  pv_rng g;
  pv_rng_init(&g, 22, 0);
  int per = 300, n = 2 * per, truth[600], lab[600];
  double P[1200];
  rings(&g, per, P, truth);
  pv_sparse *W = NULL;
  CHECK_OK(pv_cluster_knn_graph(NULL, P, n, 2, NULL, &W));
  CHECK_OK(pv_cluster_spectral(NULL, W, 2, NULL, lab));
  CHECK(same_partition(lab, truth, n, 2));
  double ncut = -1;
  CHECK_OK(pv_cluster_fiedler(NULL, W, lab, NULL, &ncut));
  CHECK(same_partition(lab, truth, n, 2));
  CHECK(ncut >= 0 && ncut < 1e-6);
  /* k-means on raw coordinates cannot separate rings: the test is not trivial. */
  CHECK_OK(pv_cluster_kmeans(NULL, P, n, 2, 2, NULL, lab, NULL, NULL));
  CHECK(!same_partition(lab, truth, n, 2));
  pv_sparse_destroy(&W);
}

/* Two 20-cliques (unit weights) joined by one edge of weight eps:
 * Ncut = eps/vol + eps/vol with vol = 20 * 19 + eps. */
static void test_barbell_ncut(void) {
  int m = 20, n = 2 * m, t = 0;
  double eps = 0.01;
  int64_t r[2 * 20 * 19 + 2], c[2 * 20 * 19 + 2];
  double v[2 * 20 * 19 + 2];
  for (int h = 0; h < 2; h++)
    for (int i = 0; i < m; i++)
      for (int j = 0; j < m; j++)
        if (i != j)
          r[t] = h * m + i, c[t] = h * m + j, v[t++] = 1;
  r[t] = 3, c[t] = m + 5, v[t++] = eps;
  r[t] = m + 5, c[t] = 3, v[t++] = eps;
  pv_sparse *W = NULL;
  CHECK_OK(pv_sparse_create_coo(NULL, n, n, t, r, c, v, &W));
  int lab[40], truth[40];
  double f[40], ncut;
  for (int i = 0; i < n; i++)
    truth[i] = i >= m;
  CHECK_OK(pv_cluster_fiedler(NULL, W, lab, f, &ncut));
  CHECK(same_partition(lab, truth, n, 2));
  double vol = m * (m - 1) + eps;
  CHECK_NEAR(ncut, 2 * eps / vol, 1e-12);
  /* Laplacians: L 1 = 0 and L_sym D^{1/2} 1 = 0. */
  pv_sparse *L = NULL, *Ls = NULL;
  double deg[40], y[40], x[40];
  CHECK_OK(pv_cluster_laplacian(NULL, W, 0, &L, deg));
  CHECK_OK(pv_cluster_laplacian(NULL, W, 1, &Ls, NULL));
  CHECK_NEAR(deg[3], m - 1 + eps, 1e-14);
  for (int i = 0; i < n; i++)
    x[i] = 1;
  CHECK_OK(pv_sparse_matvec(L, 1.0, x, 0.0, y));
  for (int i = 0; i < n; i++)
    CHECK_NEAR(y[i], 0, 1e-12);
  for (int i = 0; i < n; i++)
    x[i] = sqrt(deg[i]);
  CHECK_OK(pv_sparse_matvec(Ls, 1.0, x, 0.0, y));
  for (int i = 0; i < n; i++)
    CHECK_NEAR(y[i], 0, 1e-12);
  pv_sparse_destroy(&L), pv_sparse_destroy(&Ls), pv_sparse_destroy(&W);
}

static void test_bad_input(void) {
  double P[8] = {0, 0, 1, 0, 0, 1, 1, NAN};
  pv_sparse *W = NULL;
  CHECK_STATUS(pv_cluster_knn_graph(NULL, P, 4, 2, NULL, &W), PV_EINVAL); /* k >= n */
  pv_cluster_knn_options o = PV_CLUSTER_KNN_OPTIONS_INIT;
  o.k = 2, o.local_k = 1;
  CHECK_STATUS(pv_cluster_knn_graph(NULL, P, 4, 2, &o, &W), PV_EINVAL); /* NaN point */
  P[7] = 1;
  CHECK_OK(pv_cluster_knn_graph(NULL, P, 4, 2, &o, &W));
  int lab[4];
  CHECK_STATUS(pv_cluster_kmeans(NULL, P, 4, 2, 5, NULL, lab, NULL, NULL), PV_EINVAL);
  CHECK_STATUS(pv_cluster_spectral(NULL, W, 0, NULL, lab), PV_EINVAL);
  pv_sparse_destroy(&W);
  /* An isolated vertex has no normalised Laplacian. */
  int64_t r[2] = {0, 1}, c[2] = {1, 0};
  double v[2] = {1, 1};
  CHECK_OK(pv_sparse_create_coo(NULL, 3, 3, 2, r, c, v, &W));
  pv_sparse *L = NULL;
  CHECK_STATUS(pv_cluster_laplacian(NULL, W, 1, &L, NULL), PV_ENUMERIC);
  CHECK_STATUS(pv_cluster_fiedler(NULL, W, lab, NULL, NULL), PV_ENUMERIC);
  pv_sparse_destroy(&W);
}

/* Allocation-failure countdown: every failure is PV_ENOMEM and leaks nothing. */
static void test_allocation_failures(void) {
  pv_rng g;
  pv_rng_init(&g, 23, 0);
  int per = 60, n = 3 * per, truth[180], lab[180];
  double P[360];
  blobs(&g, per, P, truth);
  for (int which = 0; which < 2; which++) {
    pv_sparse *W = NULL;
    if (which == 1)
      CHECK_OK(pv_cluster_knn_graph(NULL, P, n, 2, NULL, &W));
    int failures = 0;
    for (long k = 0; k < 300; k++) {
      long before = pv_test_alloc_live();
      pv_sparse *G = NULL;
      pv_test_fail_alloc_after(k);
      int rc = which == 0 ? pv_cluster_knn_graph(NULL, P, n, 2, NULL, &G)
                          : pv_cluster_spectral(NULL, W, 3, NULL, lab);
      pv_test_fail_alloc_after(-1);
      pv_sparse_destroy(&G);
      CHECK_EQ_INT(pv_test_alloc_live(), before);
      if (rc == PV_OK)
        break;
      CHECK_EQ_INT(rc, PV_ENOMEM);
      pv_error_clear();
      failures++;
    }
    printf("  %s: %d allocation failure points\n",
           which ? "pv_cluster_spectral" : "pv_cluster_knn_graph", failures);
    CHECK(failures > 2 && failures < 300);
    if (which == 1)
      CHECK(same_partition(lab, truth, n, 3));
    pv_sparse_destroy(&W);
  }
}

PV_TEST_MAIN(PV_CASE(test_blobs_exact), PV_CASE(test_two_rings_exact), PV_CASE(test_barbell_ncut),
             PV_CASE(test_bad_input), PV_CASE(test_allocation_failures))
