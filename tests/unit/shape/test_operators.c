/* Laplace-Beltrami operators against closed forms: unit sphere eigenvalues
 * l(l+1) with multiplicity 2l+1 (converging as the mesh refines), the
 * Neumann spectrum of a flat rectangle, mass sums, mass-orthonormality. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <parseval/parseval.h>
#include <parseval/shape.h>
#include <parseval/sparse.h>

#include "pv_test.h"
#include "shapes.h"

static double sphere_max_rel_err(int level, pv_shape_basis **keep) {
  pv_mesh *m = test_icosphere(level);
  pv_shape_basis *b = NULL;
  CHECK_OK(pv_shape_basis_from_mesh(NULL, m, 25, &b));
  double worst = 0;
  if (b) {
    CHECK(fabs(b->evals[0]) < 1e-8);
    /* l = 1..4: indices [l^2, (l+1)^2). */
    for (int l = 1; l <= 4; l++)
      for (int j = l * l; j < (l + 1) * (l + 1); j++) worst = fmax(worst, fabs(b->evals[j] / (l * (l + 1.0)) - 1));
  }
  pv_mesh_destroy(&m);
  if (keep) *keep = b; else pv_shape_basis_destroy(&b);
  return worst;
}

static void test_sphere_spectrum(void) {
  pv_shape_basis *b = NULL;
  double e3 = sphere_max_rel_err(3, NULL), e4 = sphere_max_rel_err(4, &b);
  printf("sphere: max relative eigenvalue error level 3 %.3g, level 4 %.3g\n", e3, e4);
  CHECK(e4 < 0.01);
  CHECK(e4 < 0.3 * e3); /* second-order convergence: ~4x per refinement */
  if (!b) return;
  /* Lumped mass sums to the mesh area, just under 4 pi. */
  CHECK(b->area < 4 * M_PI && b->area > 4 * M_PI * 0.99);
  /* Mass-orthonormality. */
  double worst = 0;
  for (int i = 0; i < b->k; i++)
    for (int j = 0; j <= i; j++) {
      double s = 0;
      for (int64_t v = 0; v < b->n; v++) s += b->mass[v] * b->evecs[v + b->n * i] * b->evecs[v + b->n * j];
      worst = fmax(worst, fabs(s - (i == j)));
    }
  CHECK(worst < 1e-8);
  /* Sign convention: positive skewness, else largest-magnitude entry positive. */
  for (int j = 0; j < b->k; j++) {
    double big = 0, m3 = 0, a3 = 0;
    for (int64_t v = 0; v < b->n; v++) {
      double p = b->evecs[v + b->n * j];
      if (fabs(p) > fabs(big)) big = p;
      m3 += b->mass[v] * p * p * p;
      a3 += b->mass[v] * fabs(p * p * p);
    }
    CHECK(fabs(m3) > 1e-8 * a3 ? m3 > 0 : big > 0);
  }
  pv_shape_basis_destroy(&b);
}

static int cmpd(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void test_rectangle_spectrum(void) {
  const double a = 2.0, bb = 1.0;
  pv_mesh *m = test_grid(61, 31, a, bb);
  pv_shape_basis *b = NULL;
  CHECK_OK(pv_shape_basis_from_mesh(NULL, m, 12, &b));
  double ex[64];
  int ne = 0;
  for (int p = 0; p < 8; p++)
    for (int q = 0; q < 8; q++) ex[ne++] = M_PI * M_PI * (p * p / (a * a) + q * q / (bb * bb));
  qsort(ex, (size_t)ne, sizeof ex[0], cmpd);
  if (b) {
    CHECK(fabs(b->evals[0]) < 1e-8);
    for (int j = 1; j < 12; j++) CHECK_REL(b->evals[j], ex[j], 0.01);
    CHECK_NEAR(b->area, a * bb, 1e-12);
  }
  pv_shape_basis_destroy(&b);
  /* Full mass: same area, symmetric, row sums equal the lumped mass. */
  pv_sparse *M = NULL, *Ml = NULL;
  CHECK_OK(pv_shape_mass(NULL, m, 1, &M));
  CHECK_OK(pv_shape_mass(NULL, m, 0, &Ml));
  if (M && Ml) {
    CHECK(pv_sparse_is_symmetric(M, 1e-15));
    double *one = pv_malloc((size_t)m->nv * sizeof(double)), *r1 = pv_malloc((size_t)m->nv * sizeof(double)),
           *r2 = pv_malloc((size_t)m->nv * sizeof(double));
    for (int64_t i = 0; i < m->nv; i++) one[i] = 1;
    CHECK_OK(pv_sparse_matvec(M, 1, one, 0, r1));
    CHECK_OK(pv_sparse_matvec(Ml, 1, one, 0, r2));
    for (int64_t i = 0; i < m->nv; i++) CHECK_NEAR(r1[i], r2[i], 1e-15);
    pv_free(one);
    pv_free(r1);
    pv_free(r2);
  }
  pv_sparse_destroy(&M);
  pv_sparse_destroy(&Ml);
  pv_mesh_destroy(&m);
}

/* L 1 = 0 and x^T L x = Dirichlet energy of a linear function = |grad|^2 area. */
static void test_laplacian_identities(void) {
  pv_mesh *m = test_grid(11, 7, 3.0, 2.0);
  pv_sparse *L = NULL;
  CHECK_OK(pv_shape_cotan_laplacian(NULL, m, &L));
  double *x = pv_malloc((size_t)m->nv * sizeof(double)), *y = pv_malloc((size_t)m->nv * sizeof(double));
  for (int64_t i = 0; i < m->nv; i++) x[i] = 1;
  CHECK_OK(pv_sparse_matvec(L, 1, x, 0, y));
  for (int64_t i = 0; i < m->nv; i++) CHECK_NEAR(y[i], 0, 1e-12);
  for (int64_t i = 0; i < m->nv; i++) x[i] = 2 * m->v[3 * i] - 3 * m->v[3 * i + 1];
  CHECK_OK(pv_sparse_matvec(L, 1, x, 0, y));
  double e = 0;
  for (int64_t i = 0; i < m->nv; i++) e += x[i] * y[i];
  CHECK_REL(e, 13.0 * 6.0, 1e-12);
  CHECK(pv_sparse_is_symmetric(L, 1e-14));
  pv_free(x);
  pv_free(y);
  pv_sparse_destroy(&L);
  pv_mesh_destroy(&m);
}

static void test_bad_input(void) {
  pv_mesh *m = test_grid(3, 3, 1, 1), *pc = NULL;
  pv_shape_basis *b = NULL;
  CHECK_STATUS(pv_shape_basis_from_mesh(NULL, m, 9, &b), PV_EINVAL);
  CHECK_STATUS(pv_shape_basis_from_mesh(NULL, m, 0, &b), PV_EINVAL);
  CHECK_OK(pv_mesh_create(4, 0, 0, &pc));
  pv_sparse *L = NULL;
  CHECK_STATUS(pv_shape_cotan_laplacian(NULL, pc, &L), PV_EINVAL);
  pv_mesh_destroy(&pc);
  /* An isolated vertex has zero mass: refused with a pointer to repair. */
  CHECK_OK(pv_mesh_create(10, m->nf, 0, &pc));
  memcpy(pc->v, m->v, (size_t)m->nv * 3 * sizeof(double));
  memcpy(pc->f, m->f, (size_t)m->nf * 3 * sizeof(int64_t));
  CHECK_STATUS(pv_shape_basis_from_mesh(NULL, pc, 3, &b), PV_EINVAL);
  pv_mesh_destroy(&pc);
  pv_mesh_destroy(&m);
}

PV_TEST_MAIN(PV_CASE(test_sphere_spectrum), PV_CASE(test_rectangle_spectrum), PV_CASE(test_laplacian_identities),
             PV_CASE(test_bad_input))
