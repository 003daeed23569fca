/* cmul.c - Y = C X for up to 8 vectors, C a symmetric CSC matrix (both
 * triangles stored), for the residual estimates and the explicit residual
 * of the Krylov solver. The vectors are first interleaved row by row (one
 * row = 8 doubles, one AVX-512 vector), so each entry of C costs one index
 * load and one 8-wide multiply-add instead of one scalar gather per vector
 * (pv_sparse_matmul_t's loop re-reads the column for every vector: at 5k
 * unknowns and k = 100 the explicit residual took ~3 ms that way). */
#include <string.h>

#include "eigen_internal.h"
#include "sparse/sparse_internal.h"
#include "thin.h"

typedef double v8d __attribute__((vector_size(64), aligned(64), may_alias));

/* Column j of C times the interleaved rows of XI is row j of C X (C = C^T). */
#define CMUL_BODY                                                                                  \
  const v8d *xi = (const v8d *)XI;                                                                 \
  _Pragma("omp parallel for num_threads(nthr) schedule(static) if (n > 20000)")                    \
  for (int64_t j = 0; j < n; j++) {                                                                \
    v8d acc = {0, 0, 0, 0, 0, 0, 0, 0};                                                            \
    for (int64_t q = C->p[j]; q < C->p[j + 1]; q++)                                                \
      acc += C->x[q] * xi[C->i[q]];                                                                \
    for (int v = 0; v < nv; v++)                                                                   \
      Y[v * ldy + j] = acc[v];                                                                     \
  }

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define PV_CMUL_DISPATCH 1
__attribute__((target("avx512f"))) static void cmul_avx512(const pv_sparse *C, int nv,
                                                           const double *XI, double *Y,
                                                           int64_t ldy, int nthr) {
  int64_t n = C->ncol;
  CMUL_BODY
}
#endif

static void cmul_generic(const pv_sparse *C, int nv, const double *XI, double *Y, int64_t ldy,
                         int nthr) {
  int64_t n = C->ncol;
  CMUL_BODY
}

void pv_eig_cmul8(const pv_sparse *C, int nv, const double *X, int64_t ldx, double *XI, double *Y,
                  int64_t ldy, int nthr) {
  int64_t n = C->ncol;
  for (int64_t i = 0; i < n; i++) {
    double *r = XI + 8 * i;
    int v = 0;
    for (; v < nv; v++)
      r[v] = X[v * ldx + i];
    for (; v < 8; v++)
      r[v] = 0;
  }
#ifdef PV_CMUL_DISPATCH
  if (pv_eig_use_avx512()) {
    cmul_avx512(C, nv, XI, Y, ldy, nthr);
    return;
  }
#endif
  cmul_generic(C, nv, XI, Y, ldy, nthr);
}
