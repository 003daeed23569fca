/* Bijective and orthogonal functional-map variants:
 * - Procrustes: the orthogonal factor of a known polar decomposition Q S;
 * - spectral ICP recovers a vertex permutation from a perturbed map, and
 *   its map is orthogonal;
 * - the bijective fit with w_bij = 0 equals two independent fits (second
 *   method); with w_bij > 0 it drives ||C_xy - C_yx^T|| to ~0 on a pair
 *   with noisy descriptors, and with consistent descriptors both coupled
 *   maps give the exact permutation (each direction). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <parseval/parseval.h>
#include <parseval/rng.h>
#include <parseval/shape.h>

#include "pv_test.h"
#include "shapes.h"

/* ||A - B^T||_F: the coupling residual. */
static double bij(int k, const double *A, const double *B) {
  double s = 0;
  for (int j = 0; j < k; j++)
    for (int i = 0; i < k; i++) s += (A[i + k * j] - B[j + k * i]) * (A[i + k * j] - B[j + k * i]);
  return sqrt(s);
}

static void test_procrustes(void) {
  enum { K = 4 };
  /* Q: rotation by 0.7 in the (0,1) plane times a reflection of axis 3. */
  double Q[K * K] = {0}, S[K * K] = {0}, C[K * K];
  double c = cos(0.7), s = sin(0.7), d[K] = {3, 1, 0.5, 2}, off = 0.3;
  Q[0] = c, Q[1] = s, Q[4] = -s, Q[5] = c, Q[10] = 1, Q[15] = -1;
  for (int i = 0; i < K; i++) S[i + K * i] = d[i];
  S[1] = S[4] = off; /* symmetric positive definite */
  for (int j = 0; j < K; j++)
    for (int i = 0; i < K; i++) {
      C[i + K * j] = 0;
      for (int l = 0; l < K; l++) C[i + K * j] += Q[i + K * l] * S[l + K * j];
    }
  CHECK_OK(pv_shape_fmap_orthogonalize(K, C));
  for (int i = 0; i < K * K; i++) CHECK(fabs(C[i] - Q[i]) < 1e-12);
  CHECK_STATUS(pv_shape_fmap_orthogonalize(0, C), PV_EINVAL);
}

typedef struct {
  pv_mesh *x, *y;
  int64_t *perm;
  pv_shape_basis *bx, *by;
} pair;

static void make_pair(pair *p, int k) {
  p->x = test_blob(2);
  p->perm = pv_malloc((size_t)p->x->nv * sizeof *p->perm);
  test_perm(p->x->nv, 5, p->perm);
  p->y = test_permuted(p->x, p->perm, NULL);
  CHECK_OK(pv_shape_basis_from_mesh(NULL, p->x, k, &p->bx));
  CHECK_OK(pv_shape_basis_from_mesh(NULL, p->y, k, &p->by));
}

static void free_pair(pair *p) {
  pv_shape_basis_destroy(&p->bx);
  pv_shape_basis_destroy(&p->by);
  pv_free(p->perm);
  pv_mesh_destroy(&p->x);
  pv_mesh_destroy(&p->y);
}

static int64_t wrong(const pair *p, const int64_t *T) {
  int64_t w = 0;
  for (int64_t i = 0; i < p->y->nv; i++) w += T[i] != p->perm[i];
  return w;
}

/* Mean Euclidean distance on X between T's images and the true ones. */
static double map_error(const pair *p, const int64_t *T) {
  double s = 0;
  for (int64_t i = 0; i < p->y->nv; i++) {
    const double *a = p->x->v + 3 * T[i], *b = p->x->v + 3 * p->perm[i];
    s += sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));
  }
  return s / (double)p->y->nv;
}

static void test_icp(void) {
  enum { K = 12 };
  pair p;
  make_pair(&p, K);
  double C[K * K], CtC[K * K];
  int64_t *T = pv_malloc((size_t)p.y->nv * sizeof *T);
  CHECK_OK(pv_shape_p2p_to_fmap(p.bx, p.by, K, K, p.perm, C));
  pv_rng r;
  pv_rng_init(&r, 4, 0);
  for (int i = 0; i < K * K; i++) C[i] += 0.15 * pv_rng_normal(&r);
  CHECK_OK(pv_shape_fmap_to_p2p(NULL, p.bx, p.by, K, K, C, K, T));
  int64_t w0 = wrong(&p, T);
  CHECK_OK(pv_shape_fmap_icp(NULL, p.bx, p.by, K, 10, C, T));
  int64_t w1 = wrong(&p, T);
  printf("ICP: %lld of %lld wrong -> %lld\n", (long long)w0, (long long)p.y->nv, (long long)w1);
  CHECK(w0 > p.y->nv / 10);
  CHECK_EQ_INT(w1, 0);
  for (int j = 0; j < K; j++)
    for (int i = 0; i < K; i++) {
      CtC[i + K * j] = 0;
      for (int l = 0; l < K; l++) CtC[i + K * j] += C[l + K * i] * C[l + K * j];
      CHECK(fabs(CtC[i + K * j] - (i == j)) < 1e-10);
    }
  CHECK_STATUS(pv_shape_fmap_icp(NULL, p.bx, p.by, K + 1, 1, C, T), PV_EINVAL);
  pv_free(T);
  free_pair(&p);
}

static void test_bijective(void) {
  enum { K = 16, KF = 10, ND = 20 };
  pair p;
  make_pair(&p, K);
  int64_t n = p.x->nv;
  double *Dx = pv_malloc(sizeof(double) * (size_t)(n * ND)), *Dy = pv_malloc(sizeof(double) * (size_t)(n * ND));
  CHECK_OK(pv_shape_wks(p.bx, K, ND, Dx));
  CHECK_OK(pv_shape_wks(p.by, K, ND, Dy));
  pv_rng r;
  pv_rng_init(&r, 8, 0);
  for (int64_t i = 0; i < n * ND; i++) Dy[i] *= 1 + 0.05 * pv_rng_normal(&r); /* noisy descriptors */
  pv_shape_fmap_options o = PV_SHAPE_FMAP_OPTIONS_INIT;
  o.k_x = o.k_y = KF;
  o.w_dcomm = 0;
  double A[KF * KF], B[KF * KF], Ai[KF * KF], Bi[KF * KF];
  pv_shape_fmap_options ro = o;
  CHECK_OK(pv_shape_fmap_fit(NULL, p.bx, p.by, NULL, NULL, Dx, Dy, ND, &o, Ai));
  CHECK_OK(pv_shape_fmap_fit(NULL, p.by, p.bx, NULL, NULL, Dy, Dx, ND, &ro, Bi));
  CHECK_OK(pv_shape_fmap_fit_bijective(NULL, p.bx, p.by, NULL, NULL, Dx, Dy, ND, &o, 0.0, 3, A, B));
  for (int i = 0; i < KF * KF; i++) CHECK(fabs(A[i] - Ai[i]) < 1e-9 && fabs(B[i] - Bi[i]) < 1e-9);
  CHECK_OK(pv_shape_fmap_fit_bijective(NULL, p.bx, p.by, NULL, NULL, Dx, Dy, ND, &o, 0.1, 5, A, B));
  int64_t *T = pv_malloc((size_t)n * sizeof *T);
  CHECK_OK(pv_shape_fmap_to_p2p(NULL, p.bx, p.by, KF, KF, Ai, KF, T));
  double wi = map_error(&p, T);
  CHECK_OK(pv_shape_fmap_to_p2p(NULL, p.bx, p.by, KF, KF, A, KF, T));
  double wb = map_error(&p, T);
  double ri = bij(KF, Ai, Bi), rb = bij(KF, A, B);
  printf("bijective: ||C_xy - C_yx^T|| %.3f -> %.3f; mean map error %.4f -> %.4f\n", ri, rb, wi, wb);
  CHECK(rb < 0.01 * ri);
  CHECK(wb < 2 * wi); /* the coupling is not a denoiser: no claim of a better map here */
  /* Consistent descriptors: the coupled maps keep the exact permutation. */
  CHECK_OK(pv_shape_wks(p.by, K, ND, Dy));
  CHECK_OK(pv_shape_fmap_fit_bijective(NULL, p.bx, p.by, NULL, NULL, Dx, Dy, ND, &o, 0.1, 5, A, B));
  CHECK_OK(pv_shape_fmap_to_p2p(NULL, p.bx, p.by, KF, KF, A, KF, T));
  CHECK_EQ_INT(wrong(&p, T), 0);
  CHECK_OK(pv_shape_fmap_to_p2p(NULL, p.by, p.bx, KF, KF, B, KF, T)); /* the reverse map: T[x] on Y */
  for (int64_t i = 0; i < n; i++) CHECK_EQ_INT(p.perm[T[i]], i);
  CHECK_STATUS(pv_shape_fmap_fit_bijective(NULL, p.bx, p.by, NULL, NULL, Dx, Dy, ND, &o, -1.0, 1, A, B), PV_EINVAL);
  pv_free(T);
  pv_free(Dx);
  pv_free(Dy);
  free_pair(&p);
}

PV_TEST_MAIN(PV_CASE(test_procrustes), PV_CASE(test_icp), PV_CASE(test_bijective))
