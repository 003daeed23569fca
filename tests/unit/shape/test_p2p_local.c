/* Local point map for large meshes against the exact one (a second
 * method): on a permuted copy with the true functional map both give the
 * permutation; from a perturbed map they agree on nearly every vertex.
 * The k-d tree queries against brute force. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <parseval/parseval.h>
#include <parseval/rng.h>
#include <parseval/shape.h>

#include "pv_test.h"
#include "shapes.h"

static void test_query_brute(void) {
  enum { N = 500, M = 60, K = 7 };
  double p[3 * N], q[3 * M];
  int64_t nb[M * K];
  pv_rng r;
  pv_rng_init(&r, 2, 0);
  for (int i = 0; i < 3 * N; i++) p[i] = pv_rng_uniform(&r);
  for (int i = 0; i < 3 * M; i++) q[i] = 1.2 * pv_rng_uniform(&r) - 0.1;
  CHECK_OK(pv_shape_knn3_query(p, N, q, M, K, nb));
  for (int i = 0; i < M; i++) {
    double dk = 0;
    for (int s = 0; s < K; s++) {
      const double *a = p + 3 * nb[K * i + s], *b = q + 3 * i;
      double d = (a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]);
      CHECK(d >= dk);
      dk = d;
    }
    int closer = 0; /* points strictly closer than the k-th: exactly k - 1 or fewer */
    for (int j = 0; j < N; j++) {
      const double *a = p + 3 * j, *b = q + 3 * i;
      closer += (a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]) < dk;
    }
    CHECK(closer <= K - 1);
  }
  CHECK_STATUS(pv_shape_knn3_query(p, N, q, M, N + 1, nb), PV_EINVAL);
}

static void test_local_vs_exact(void) {
  enum { K = 20 };
  pv_mesh *x = test_blob(4);
  int64_t n = x->nv, *perm = pv_malloc((size_t)n * sizeof *perm);
  int64_t *Te = pv_malloc((size_t)n * sizeof *Te), *Tl = pv_malloc((size_t)n * sizeof *Tl);
  test_perm(n, 13, perm);
  pv_mesh *y = test_permuted(x, perm, NULL);
  pv_shape_basis *bx = NULL, *by = NULL;
  CHECK_OK(pv_shape_basis_from_mesh(NULL, x, K, &bx));
  CHECK_OK(pv_shape_basis_from_mesh(NULL, y, K, &by));
  double C[K * K];
  CHECK_OK(pv_shape_p2p_to_fmap(bx, by, K, K, perm, C));
  /* ~26 vertices per cell; 256 candidates (10 cells' worth) */
  CHECK_OK(pv_shape_fmap_to_p2p_local(NULL, bx, by, x, y, K, C, K, 100, 256, Tl));
  int64_t wrong = 0, differ = 0;
  for (int64_t i = 0; i < n; i++) wrong += Tl[i] != perm[i];
  CHECK_EQ_INT(wrong, 0);
  pv_rng r;
  pv_rng_init(&r, 6, 0);
  for (int i = 0; i < K * K; i++) C[i] += 0.05 * pv_rng_normal(&r);
  CHECK_OK(pv_shape_fmap_to_p2p(NULL, bx, by, K, K, C, K, Te));
  CHECK_OK(pv_shape_fmap_to_p2p_local(NULL, bx, by, x, y, K, C, K, 100, 256, Tl));
  for (int64_t i = 0; i < n; i++) differ += Tl[i] != Te[i];
  printf("local vs exact point map, perturbed C: %lld of %lld differ\n", (long long)differ, (long long)n);
  CHECK(differ <= n / 100);
  CHECK_STATUS(pv_shape_fmap_to_p2p_local(NULL, bx, by, x, y, K + 1, C, K + 1, 100, 64, Tl), PV_EINVAL);
  pv_shape_basis_destroy(&bx);
  pv_shape_basis_destroy(&by);
  pv_free(perm);
  pv_free(Te);
  pv_free(Tl);
  pv_mesh_destroy(&x);
  pv_mesh_destroy(&y);
}

/* Allocation-failure countdown over the local map, the SW refinement and
 * the bijective fit: PV_ENOMEM (or success), nothing leaked. */
static int calls(const pv_mesh *x, const pv_mesh *y, const pv_shape_basis *bx, const pv_shape_basis *by,
                 const int64_t *perm) {
  enum { K = 8 };
  double C[K * K], B[K * K], D[2 * 3 * 200];
  int64_t T[200];
  int rc = pv_shape_p2p_to_fmap(bx, by, K, K, perm, C);
  if (!rc) rc = pv_shape_fmap_to_p2p_local(NULL, bx, by, x, y, K, C, K, 20, 40, T);
  pv_shape_sw_options o = PV_SHAPE_SW_OPTIONS_INIT;
  o.samples = 50;
  o.iterations = 2;
  if (!rc) rc = pv_shape_sw_refine(NULL, bx, by, x, y, &o, K, C, T, NULL);
  pv_shape_fmap_options f = PV_SHAPE_FMAP_OPTIONS_INIT;
  f.k_x = f.k_y = K;
  if (!rc) rc = pv_shape_wks(bx, K, 3, D);
  if (!rc) rc = pv_shape_wks(by, K, 3, D + 3 * x->nv);
  if (!rc) rc = pv_shape_fmap_fit_bijective(NULL, bx, by, NULL, NULL, D, D + 3 * x->nv, 3, &f, 0.1, 1, C, B);
  if (!rc) rc = pv_shape_fmap_icp(NULL, bx, by, K, 1, C, T);
  return rc;
}

static void test_alloc_failures(void) {
  pv_mesh *x = test_blob(2);
  int64_t *perm = pv_malloc((size_t)x->nv * sizeof *perm);
  test_perm(x->nv, 1, perm);
  pv_mesh *y = test_permuted(x, perm, NULL);
  pv_shape_basis *bx = NULL, *by = NULL;
  CHECK_OK(pv_shape_basis_from_mesh(NULL, x, 10, &bx));
  CHECK_OK(pv_shape_basis_from_mesh(NULL, y, 10, &by));
  CHECK(x->nv <= 200);
  long k = 0, ok = 0;
  for (; k < 3000 && !ok; k++) {
    long live = pv_test_alloc_live();
    pv_test_fail_alloc_after(k);
    int rc = calls(x, y, bx, by, perm);
    pv_test_fail_alloc_after(-1);
    if (rc != 0 && rc != PV_ENOMEM)
      pv_test_fail(__FILE__, __LINE__, "countdown %ld: status %d (%s)", k, rc, pv_error_message());
    ok = rc == 0;
    pv_error_clear();
    CHECK_EQ_INT(pv_test_alloc_live(), live);
  }
  CHECK(ok);
  pv_shape_basis_destroy(&bx);
  pv_shape_basis_destroy(&by);
  pv_free(perm);
  pv_mesh_destroy(&x);
  pv_mesh_destroy(&y);
}

PV_TEST_MAIN(PV_CASE(test_query_brute), PV_CASE(test_local_vs_exact), PV_CASE(test_alloc_failures))
