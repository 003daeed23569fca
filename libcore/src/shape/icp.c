/* shape/icp.c - orthogonal functional maps: Procrustes projection and the
 * spectral ICP refinement of Ovsjanikov et al. (2012), which alternates
 * point maps and the nearest orthogonal functional map (an isometry's
 * functional map between mass-orthonormal bases is orthogonal). */
#include <math.h>
#include <string.h>

#include <lapacke.h>
#include <cblas.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/shape.h>

int pv_shape_fmap_orthogonalize(int k, double *C) {
  if (k < 1 || !C) return PV_ERROR(PV_EINVAL, "orthogonal functional map: k = %d", k);
  size_t kk = (size_t)k * k;
  double *A = pv_malloc(kk * sizeof *A), *U = pv_malloc(kk * sizeof *U), *Vt = pv_malloc(kk * sizeof *Vt),
         *s = pv_malloc((size_t)k * sizeof *s);
  int rc = A && U && Vt && s ? 0 : PV_ENOMEM;
  if (!rc) {
    memcpy(A, C, kk * sizeof *A);
    lapack_int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'A', k, k, A, k, s, U, k, Vt, k);
    if (info) rc = PV_ERROR(PV_ENUMERIC, "orthogonal functional map: SVD failed (LAPACK info %d)", (int)info);
  }
  if (!rc) cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, k, k, k, 1.0, U, k, Vt, k, 0.0, C, k);
  pv_free(A); pv_free(U); pv_free(Vt); pv_free(s);
  return rc;
}

int pv_shape_fmap_icp(pv_ctx *ctx, const pv_shape_basis *bx, const pv_shape_basis *by, int k, int iters, double *C,
                      int64_t *T) {
  if (!bx || !by || !C || !T || k < 1 || k > bx->k || k > by->k || iters < 0)
    return PV_ERROR(PV_EINVAL, "ICP refinement: k = %d (bases %d, %d), %d iterations", k, bx ? bx->k : 0,
                    by ? by->k : 0, iters);
  int rc = pv_shape_fmap_orthogonalize(k, C);
  for (int it = 0; !rc && it < iters; it++) {
    rc = pv_shape_fmap_to_p2p(ctx, bx, by, k, k, C, k, T);
    if (!rc) rc = pv_shape_p2p_to_fmap(bx, by, k, k, T, C);
    if (!rc) rc = pv_shape_fmap_orthogonalize(k, C);
    if (!rc) rc = pv_ctx_progress(ctx, (it + 1.0) / iters, "ICP refinement");
  }
  if (!rc) rc = pv_shape_fmap_to_p2p(ctx, bx, by, k, k, C, k, T);
  return rc;
}
