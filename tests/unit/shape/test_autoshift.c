/* The eigensolver's automatic shift on a mesh with tiny faces: a flat grid
 * plus a separate sliver triangle (edges 1e-4, the shape of the tiny
 * component in the shared DRCB "mc" meshes). Its vertices have tiny lumped
 * masses, so max_j a_jj / b_jj is ~1e8 times the low spectrum; the shift
 * must still come from the bulk of the mesh. Truth: the pencil is block
 * diagonal, so its smallest eigenvalues are those of the grid alone (dense
 * LAPACK dsygvd, a second method, and the closed form pi^2 (i^2 + j^2) of
 * the unit square's Neumann spectrum to discretisation accuracy) plus one
 * more zero for the sliver's constant. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <parseval/eigen.h>
#include <parseval/parseval.h>
#include <parseval/shape.h>
#include <parseval/sparse.h>

#include "pv_test.h"
#include "shapes.h"

enum { NX = 13, K = 12 };

static void pencil(const pv_mesh *m, pv_sparse **L, pv_sparse **M) {
  CHECK_OK(pv_shape_cotan_laplacian(NULL, m, L));
  CHECK_OK(pv_shape_mass(NULL, m, 0, M));
}

static void test_sliver_component(void) {
  pv_mesh *g = test_grid(NX, NX, 1, 1), *m = NULL;
  int64_t nv = g->nv + 3, nf = g->nf + 1;
  CHECK_OK(pv_mesh_create(nv, nf, 0, &m));
  memcpy(m->v, g->v, sizeof(double) * 3 * (size_t)g->nv);
  memcpy(m->f, g->f, sizeof(int64_t) * 3 * (size_t)g->nf);
  double sl[9] = {2, 2, 0, 2 + 1e-4, 2, 0, 2, 2 + 1e-4, 0};
  memcpy(m->v + 3 * g->nv, sl, sizeof sl);
  int64_t tri[3] = {g->nv, g->nv + 1, g->nv + 2};
  memcpy(m->f + 3 * g->nf, tri, sizeof tri);

  pv_sparse *Lg, *Mg, *L, *M;
  pencil(g, &Lg, &Mg);
  pencil(m, &L, &M);
  double lg[K], lm[K + 1];
  static double Xg[NX * NX * K], Xm[(NX * NX + 3) * (K + 1)];
  pv_eigen_options od = PV_EIGEN_OPTIONS_INIT, ok = PV_EIGEN_OPTIONS_INIT;
  od.dense_max_n = 1 << 30; /* dense dsygvd: the reference */
  ok.dense_max_n = 0;       /* Krylov with the automatic shift */
  ok.max_restarts = 30;
  pv_eigen_info info = {.struct_size = sizeof info};
  CHECK_OK(pv_eigen_pencil_solve(NULL, Lg, Mg, K, &od, lg, Xg, g->nv, NULL));
  CHECK_OK(pv_eigen_pencil_solve(NULL, L, M, K + 1, &ok, lm, Xm, nv, &info));
  printf("sliver: sigma %g, %d restarts, residual %.2e\n", info.sigma, info.restarts,
         info.max_residual);
  /* Below the spectrum and at the scale of the grid's eigenvalues (pi^2),
   * not of the sliver's (~1e8). */
  CHECK(info.sigma < 0 && info.sigma > -1e3);
  CHECK(info.max_residual <= 1e-10);
  CHECK(fabs(lm[0]) < 1e-8 && fabs(lm[1]) < 1e-8);
  for (int i = 1; i < K; i++)
    CHECK_REL(lm[i + 1], lg[i], 1e-8);
  /* Closed form, discretisation accuracy: lambda_1 = pi^2, lambda_3 = 2 pi^2. */
  CHECK_REL(lg[1], M_PI * M_PI, 0.03);
  CHECK_REL(lg[3], 2 * M_PI * M_PI, 0.05);
  pv_sparse_destroy(&Lg);
  pv_sparse_destroy(&Mg);
  pv_sparse_destroy(&L);
  pv_sparse_destroy(&M);
  pv_mesh_destroy(&g);
  pv_mesh_destroy(&m);
}

/* The shared DRCB mesh with a sliver face and several components: the
 * automatic shift converges in a few restarts (it failed to converge in 60
 * before the shift used the mass-weighted scale). */
static void test_shared_mc(void) {
  const char *root = pv_test_shared_datasets();
  char path[1024];
  if (!root) {
    printf("SKIP: shared datasets absent\n");
    return;
  }
  snprintf(path, sizeof path, "%s/shape/faust_remeshed/tr_reg_mc_080.ply", root);
  FILE *fp = fopen(path, "r");
  if (!fp) {
    printf("SKIP: %s absent\n", path);
    return;
  }
  fclose(fp);
  pv_mesh *m = NULL;
  CHECK_OK(pv_mesh_read(path, PV_MESH_AUTO, &m));
  pv_sparse *L, *M;
  pencil(m, &L, &M);
  enum { KM = 20 };
  double lam[KM], lam_ref[KM], *X = pv_malloc(sizeof(double) * (size_t)(m->nv * KM));
  pv_eigen_options o = PV_EIGEN_OPTIONS_INIT;
  o.max_restarts = 20;
  pv_eigen_info info = {.struct_size = sizeof info};
  CHECK_OK(pv_eigen_pencil_solve(NULL, L, M, KM, &o, lam, X, m->nv, &info));
  printf("mc_080: sigma %g, %d restarts, residual %.2e\n", info.sigma, info.restarts,
         info.max_residual);
  CHECK(info.max_residual <= 1e-10);
  /* Second method: a given shift at the scale 1 / area. */
  o.sigma = -1.0 / pv_mesh_area(m);
  CHECK_OK(pv_eigen_pencil_solve(NULL, L, M, KM, &o, lam_ref, X, m->nv, NULL));
  for (int i = 0; i < KM; i++)
    CHECK(fabs(lam[i] - lam_ref[i]) <= 1e-8 * fmax(1, fabs(lam_ref[i])));
  pv_free(X);
  pv_sparse_destroy(&L);
  pv_sparse_destroy(&M);
  pv_mesh_destroy(&m);
}

PV_TEST_MAIN(PV_CASE(test_sliver_component), PV_CASE(test_shared_mc))
