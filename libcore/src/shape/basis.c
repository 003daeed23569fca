/* shape/basis.c - Laplace-Beltrami eigenbasis through parseval/eigen.h. */
#include <math.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/eigen.h>
#include <parseval/error.h>
#include <parseval/shape.h>

void pv_shape_basis_destroy(pv_shape_basis **b) {
  if (!b || !*b) return;
  pv_free((*b)->evals);
  pv_free((*b)->evecs);
  pv_free((*b)->mass);
  pv_free(*b);
  *b = NULL;
}

static int alloc_basis(int64_t n, int k, pv_shape_basis **out) {
  pv_shape_basis *b = pv_calloc(1, sizeof *b);
  if (!b) return PV_ENOMEM;
  b->n = n;
  b->k = k;
  b->evals = pv_malloc((size_t)k * sizeof(double));
  b->evecs = pv_malloc((size_t)n * (size_t)k * sizeof(double));
  b->mass = pv_calloc((size_t)n, sizeof(double));
  if (!b->evals || !b->evecs || !b->mass) {
    pv_shape_basis_destroy(&b);
    return PV_ENOMEM;
  }
  *out = b;
  return 0;
}

/* Sign convention, independent of vertex order: int phi^3 dA > 0 (the
 * skewness), or when that is negligible the entry of largest magnitude
 * positive. */
static void fix_signs(pv_shape_basis *b) {
  for (int j = 0; j < b->k; j++) {
    double *phi = b->evecs + b->n * j, m3 = 0, a3 = 0, big = 0;
    for (int64_t i = 0; i < b->n; i++) {
      double c = phi[i] * phi[i] * phi[i] * b->mass[i];
      m3 += c;
      a3 += fabs(c);
      if (fabs(phi[i]) > fabs(big)) big = phi[i];
    }
    int flip = fabs(m3) > 1e-8 * a3 ? m3 < 0 : big < 0;
    for (int64_t i = 0; flip && i < b->n; i++) phi[i] = -phi[i];
  }
}

int pv_shape_basis_compute(pv_ctx *ctx, const pv_sparse *L, const pv_sparse *M, int k,
                           pv_shape_basis **out) {
  if (!L || !M || !out) return PV_ERROR(PV_EINVAL, "pv_shape_basis_compute: NULL argument");
  *out = NULL;
  int64_t n = pv_sparse_nrow(L);
  if (k < 1 || k > 300 || k >= n)
    return PV_ERROR(PV_EINVAL, "basis size k = %d must be in [1, min(300, n - 1 = %lld)]", k, (long long)(n - 1));
  pv_shape_basis *b;
  int rc = alloc_basis(n, k, &b);
  if (rc) return rc;
  const int64_t *cp, *ri;
  const double *val;
  pv_sparse_csc(M, &cp, &ri, &val);
  for (int64_t j = 0; j < n; j++)
    for (int64_t p = cp[j]; p < cp[j + 1]; p++) b->mass[ri[p]] += val[p];
  for (int64_t i = 0; i < n; i++) {
    b->area += b->mass[i];
    if (!(b->mass[i] > 0)) {
      double mi = b->mass[i];
      pv_shape_basis_destroy(&b);
      return PV_ERROR(PV_EINVAL, "vertex %lld has mass %g: remove unreferenced vertices and zero-area faces first",
                      (long long)i, mi);
    }
  }
  pv_eigen_options opt = PV_EIGEN_OPTIONS_INIT;
  /* L is PSD with a zero eigenvalue: shift just below 0, scaled to the spectrum. */
  /* Shift below the spectrum at the scale of the first eigenvalues
   * (lambda_1 ~ 1 / area): -1 / area. Meshes with near-zero-area faces
   * defeat the solver's automatic shift, so that is only the fallback. */
  opt.sigma = -1.0 / b->area;
  /* Residual 1e-8 of lambda_max: far below what descriptors and maps resolve,
   * and a restart cycle less than the solver's default 1e-10. */
  opt.tol = 1e-8;
  rc = pv_eigen_pencil_solve(ctx, L, M, k, &opt, b->evals, b->evecs, n, NULL);
  if (rc == PV_ENOTCONV || rc == PV_ENUMERIC) {
    pv_error_clear();
    opt.sigma = NAN;
    rc = pv_eigen_pencil_solve(ctx, L, M, k, &opt, b->evals, b->evecs, n, NULL);
  }
  if (rc) {
    pv_shape_basis_destroy(&b);
    return PV_ERROR(rc, "Laplace-Beltrami eigenbasis (k = %d, n = %lld)", k, (long long)n);
  }
  for (int j = 0; j < k; j++)
    if (b->evals[j] < 0) b->evals[j] = 0;
  fix_signs(b);
  *out = b;
  return 0;
}

int pv_shape_basis_from_mesh(pv_ctx *ctx, const pv_mesh *m, int k, pv_shape_basis **out) {
  pv_sparse *L = NULL, *M = NULL;
  int rc = pv_shape_cotan_laplacian(ctx, m, &L);
  if (!rc) rc = pv_shape_mass(ctx, m, 0, &M);
  if (!rc) rc = pv_shape_basis_compute(ctx, L, M, k, out);
  pv_sparse_destroy(&L);
  pv_sparse_destroy(&M);
  return rc;
}
