/* orthkern.c - the two products of block Gram-Schmidt, C = V^T Z and
 * W -= V C, for a tall V (n x nc) and thin Z, W (n x nw, nw small).
 * BLAS dgemm packs V on every call, which doubles the memory traffic of
 * these bandwidth-bound products; here V is streamed once, in row tiles
 * that keep the thin operands in L1/L2. OpenMP threads split the columns
 * (projection) or the rows (update); an AVX2 build is chosen at run time. */
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "eigen_internal.h"

#define TILE 256 /* rows per tile: 256 x 8 doubles of Z or W = 16 KiB */

/* Unaligned vectors of 4 (AVX2 build) and 2 (SSE2 baseline) doubles. */
typedef double v4d __attribute__((vector_size(32), aligned(8)));
typedef double v2d __attribute__((vector_size(16), aligned(8)));
#define VLOAD(VT, p) (*(const VT *)(p))
#define VSTORE(VT, p, x) (*(VT *)(p) = (x))

/* C[i, c] (+)= V[r0:r1, i] . Z[r0:r1, c] for c < 8 (nw8 of them). */
#define PROJ_BODY(VT, VW)                                                                      \
  for (int64_t r0 = 0; r0 < n; r0 += TILE) {                                           \
    int64_t r1 = r0 + TILE < n ? r0 + TILE : n;                                        \
    for (int i = i_lo; i < i_hi; i++) {                                                \
      const double *v = V + i * ldv;                                                   \
      for (int c0 = 0; c0 < nw; c0 += 8) {                                             \
        int nw8 = nw - c0 < 8 ? nw - c0 : 8;                                           \
        VT acc[8];                                                                     \
        memset(acc, 0, sizeof acc);                                                    \
        int64_t r = r0;                                                                \
        for (; r + VW <= r1; r += VW) {                                                \
          VT x = VLOAD(VT, v + r);                                                     \
          if (nw8 == 8) { /* constant trip count: accumulators stay in registers */    \
            for (int c = 0; c < 8; c++)                                                \
              acc[c] += x * VLOAD(VT, Z + (c0 + c) * ldz + r);                         \
          } else {                                                                     \
            for (int c = 0; c < nw8; c++)                                              \
              acc[c] += x * VLOAD(VT, Z + (c0 + c) * ldz + r);                         \
          }                                                                            \
        }                                                                              \
        for (int c = 0; c < nw8; c++) {                                                \
          double s = 0;                                                                \
          for (int e = 0; e < VW; e++)                                                 \
            s += acc[c][e];                                                            \
          for (int64_t q = r; q < r1; q++)                                             \
            s += v[q] * Z[(c0 + c) * ldz + q];                                         \
          C[i + (int64_t)(c0 + c) * ldc] += s;                                         \
        }                                                                              \
      }                                                                                \
    }                                                                                  \
  }

/* W[r0:r1, c] -= sum_i V[r0:r1, i] C[i, c]: each V tile read once, the W
 * tile (TILE x nw) stays in L1. */
#define UPDATE_BODY(VT, VW)                                                                    \
  for (int64_t r0 = r_lo; r0 < r_hi; r0 += TILE) {                                     \
    int64_t r1 = r0 + TILE < r_hi ? r0 + TILE : r_hi;                                  \
    for (int i = 0; i < nc; i++) {                                                     \
      const double *v = V + i * ldv;                                                   \
      for (int c = 0; c < nw; c++) {                                                   \
        double h = C[i + (int64_t)c * ldc];                                            \
        double *w = W + c * ldw;                                                       \
        VT hv = h - (VT){0};                                                           \
        int64_t r = r0;                                                                \
        for (; r + VW <= r1; r += VW)                                                  \
          VSTORE(VT, w + r, VLOAD(VT, w + r) - hv * VLOAD(VT, v + r));                 \
        for (; r < r1; r++)                                                            \
          w[r] -= h * v[r];                                                            \
      }                                                                                \
    }                                                                                  \
  }

__attribute__((target("avx2"))) static void proj_avx2(int64_t n, int i_lo, int i_hi,
                                                      const double *V, int64_t ldv, int nw,
                                                      const double *Z, int64_t ldz, double *C,
                                                      int ldc)
{
  PROJ_BODY(v4d, 4)
}

static void proj_base(int64_t n, int i_lo, int i_hi, const double *V, int64_t ldv, int nw,
                      const double *Z, int64_t ldz, double *C, int ldc)
{
  PROJ_BODY(v2d, 2)
}

__attribute__((target("avx2"))) static void update_avx2(int64_t r_lo, int64_t r_hi, int nc,
                                                        const double *V, int64_t ldv, int nw,
                                                        const double *C, int ldc, double *W,
                                                        int64_t ldw)
{
  UPDATE_BODY(v4d, 4)
}

static void update_base(int64_t r_lo, int64_t r_hi, int nc, const double *V, int64_t ldv, int nw,
                        const double *C, int ldc, double *W, int64_t ldw)
{
  UPDATE_BODY(v2d, 2)
}

static int have_avx2(void)
{
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2");
}

void pv_eig_proj(int threads, int64_t n, int nc, const double *V, int64_t ldv, int nw,
                 const double *Z, int64_t ldz, double *C, int ldc)
{
  int avx2 = have_avx2();
  for (int c = 0; c < nw; c++)
    memset(C + (int64_t)c * ldc, 0, sizeof(double) * (size_t)nc);
#pragma omp parallel num_threads(threads) if (threads > 1 && n * nc > 100000)
  {
    int nt = 1, t = 0;
#ifdef _OPENMP
    nt = omp_get_num_threads(), t = omp_get_thread_num();
#endif
    int i_lo = (int)((int64_t)nc * t / nt), i_hi = (int)((int64_t)nc * (t + 1) / nt);
    if (avx2)
      proj_avx2(n, i_lo, i_hi, V, ldv, nw, Z, ldz, C, ldc);
    else
      proj_base(n, i_lo, i_hi, V, ldv, nw, Z, ldz, C, ldc);
  }
}

void pv_eig_update(int threads, int64_t n, int nc, const double *V, int64_t ldv, int nw,
                   const double *C, int ldc, double *W, int64_t ldw)
{
  int avx2 = have_avx2();
#pragma omp parallel num_threads(threads) if (threads > 1 && n * nc > 100000)
  {
    int nt = 1, t = 0;
#ifdef _OPENMP
    nt = omp_get_num_threads(), t = omp_get_thread_num();
#endif
    int64_t tiles = (n + TILE - 1) / TILE;
    int64_t r_lo = tiles * t / nt * TILE, r_hi = tiles * (t + 1) / nt * TILE;
    if (r_hi > n)
      r_hi = n;
    if (avx2)
      update_avx2(r_lo, r_hi, nc, V, ldv, nw, C, ldc, W, ldw);
    else
      update_base(r_lo, r_hi, nc, V, ldv, nw, C, ldc, W, ldw);
  }
}
