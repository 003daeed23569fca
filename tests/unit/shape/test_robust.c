/* Robust (tufted intrinsic Delaunay) Laplacian: equals the cotangent
 * Laplacian on a Delaunay mesh, removes the positive off-diagonal weights of
 * a non-Delaunay one while keeping the area (intrinsic flips preserve it),
 * and handles non-manifold edges and the real multi-component mesh. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <parseval/parseval.h>
#include <parseval/shape.h>
#include <parseval/sparse.h>

#include "pv_test.h"
#include "shapes.h"

static void stats(const pv_sparse *L, double *maxoff, double *maxrow) {
  const int64_t *cp, *ri;
  const double *v;
  int64_t n = pv_sparse_ncol(L);
  pv_sparse_csc(L, &cp, &ri, &v);
  *maxoff = -INFINITY;
  *maxrow = 0;
  for (int64_t j = 0; j < n; j++) {
    double s = 0;
    for (int64_t p = cp[j]; p < cp[j + 1]; p++) {
      s += v[p];
      if (ri[p] != j) *maxoff = fmax(*maxoff, v[p]);
    }
    *maxrow = fmax(*maxrow, fabs(s));
  }
}

static double diag_sum(const pv_sparse *M) {
  const int64_t *cp, *ri;
  const double *v;
  double s = 0;
  pv_sparse_csc(M, &cp, &ri, &v);
  for (int64_t p = 0; p < cp[pv_sparse_ncol(M)]; p++) s += v[p];
  return s;
}

static void test_equals_cotan_on_delaunay(void) {
  pv_mesh *m = test_icosphere(3);
  pv_sparse *L = NULL, *M = NULL, *Lc = NULL, *Mc = NULL, *D = NULL;
  CHECK_OK(pv_shape_robust_laplacian(NULL, m, 0.0, &L, &M));
  CHECK_OK(pv_shape_cotan_laplacian(NULL, m, &Lc));
  CHECK_OK(pv_shape_mass(NULL, m, 0, &Mc));
  CHECK_OK(pv_sparse_add(NULL, 1.0, L, -1.0, Lc, &D));
  if (D) {
    const double *v;
    pv_sparse_csc(D, NULL, NULL, &v);
    double worst = 0;
    for (int64_t p = 0; p < pv_sparse_nnz(D); p++) worst = fmax(worst, fabs(v[p]));
    CHECK(worst < 1e-12);
  }
  CHECK_NEAR(diag_sum(M), diag_sum(Mc), 1e-12);
  pv_sparse_destroy(&L); pv_sparse_destroy(&M); pv_sparse_destroy(&Lc); pv_sparse_destroy(&Mc); pv_sparse_destroy(&D);
  pv_mesh_destroy(&m);
}

/* Every other row shifted by 0.45 cell: half the triangles are obtuse. */
static void test_non_delaunay(void) {
  pv_mesh *m = test_grid(21, 21, 1.0, 1.0);
  for (int64_t i = 0; i < m->nv; i++) {
    int row = (int)(i / 21);
    m->v[3 * i] += (row % 2) * 0.45 / 20;
    m->v[3 * i + 2] = 0.05 * sin(3 * m->v[3 * i]);
  }
  pv_sparse *L = NULL, *M = NULL, *Lc = NULL;
  CHECK_OK(pv_shape_robust_laplacian(NULL, m, 1e-5, &L, &M));
  CHECK_OK(pv_shape_cotan_laplacian(NULL, m, &Lc));
  double off, row, offc, rowc;
  if (L && Lc) {
    stats(L, &off, &row);
    stats(Lc, &offc, &rowc);
    printf("sheared grid: max off-diagonal cotan %.3g, robust %.3g\n", offc, off);
    CHECK(offc > 0.1); /* the cotan Laplacian has positive weights here */
    CHECK(off <= 1e-12);
    CHECK(row < 1e-12);
    CHECK(pv_sparse_is_symmetric(L, 1e-14));
    CHECK_REL(diag_sum(M), pv_mesh_area(m), 1e-4); /* flips keep the area; mollification adds ~1e-5 */
  }
  pv_sparse_destroy(&L); pv_sparse_destroy(&M); pv_sparse_destroy(&Lc);
  pv_mesh_destroy(&m);
}

static void test_nonmanifold(void) {
  /* A square with three fins on one edge and a lone triangle sharing a vertex. */
  const char *t = "OFF\n8 6 0\n0 0 0\n1 0 0\n1 1 0\n0 1 0\n0.5 0.5 1\n0.5 0.5 -1\n0.5 -0.5 0.3\n2 2 0\n"
                  "3 0 1 2\n3 0 2 3\n3 0 2 4\n3 2 0 5\n3 0 2 6\n3 2 7 1\n";
  pv_mesh *m = NULL;
  CHECK_OK(pv_mesh_read_mem(t, strlen(t), PV_MESH_OFF, "fins.off", &m));
  pv_mesh_report r = PV_MESH_REPORT_INIT;
  CHECK_OK(pv_mesh_check(m, &r));
  CHECK_EQ_INT(r.nonmanifold_edges, 1);
  pv_sparse *L = NULL, *M = NULL;
  CHECK_OK(pv_shape_robust_laplacian(NULL, m, 1e-5, &L, &M));
  if (L) {
    double off, row;
    stats(L, &off, &row);
    CHECK(off <= 1e-12 && row < 1e-12);
    CHECK_REL(diag_sum(M), r.area, 1e-4);
  }
  pv_sparse_destroy(&L); pv_sparse_destroy(&M);
  pv_mesh_destroy(&m);
  const char *bad = "OFF\n3 1 0\n0 0 0\n1 0 0\n0 1 0\n3 0 0 1\n";
  CHECK_OK(pv_mesh_read_mem(bad, strlen(bad), PV_MESH_OFF, "deg.off", &m));
  CHECK_STATUS(pv_shape_robust_laplacian(NULL, m, 1e-5, &L, &M), PV_EINVAL);
  pv_mesh_destroy(&m);
}

static void test_shared_mc(void) {
  const char *root = pv_test_shared_datasets();
  char path[1024];
  if (!root) { printf("SKIP: shared datasets absent\n"); return; }
  snprintf(path, sizeof path, "%s/shape/faust_remeshed/tr_reg_mc_081.ply", root);
  pv_mesh *m = NULL;
  if (pv_mesh_read(path, PV_MESH_AUTO, &m)) { pv_error_clear(); printf("SKIP: %s absent\n", path); return; }
  pv_sparse *L = NULL, *M = NULL;
  CHECK_OK(pv_shape_robust_laplacian(NULL, m, 1e-5, &L, &M));
  pv_shape_basis *b = NULL;
  if (L && M) CHECK_OK(pv_shape_basis_compute(NULL, L, M, 6, &b));
  if (b) {
    /* Components give zero eigenvalues: as many as the mesh has. */
    int64_t *lab = pv_malloc((size_t)m->nv * sizeof *lab), nc = 0, zeros = 0;
    CHECK_OK(pv_mesh_components(m, lab, &nc));
    for (int j = 0; j < b->k; j++) zeros += b->evals[j] < 1e-6 * b->evals[b->k - 1];
    printf("mc_081 robust Laplacian: %lld components, %lld zero eigenvalues, lambda_5 = %g\n", (long long)nc,
           (long long)zeros, b->evals[5]);
    CHECK_EQ_INT(zeros, nc);
    pv_free(lab);
  }
  pv_shape_basis_destroy(&b);
  pv_sparse_destroy(&L); pv_sparse_destroy(&M);
  pv_mesh_destroy(&m);
}

PV_TEST_MAIN(PV_CASE(test_equals_cotan_on_delaunay), PV_CASE(test_non_delaunay), PV_CASE(test_nonmanifold),
             PV_CASE(test_shared_mc))
