/* thin.c - 8-column products of block Gram-Schmidt (see thin.h). */
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "thin.h"

typedef double v8d __attribute__((vector_size(64), aligned(8), may_alias));

#define ROWS 1024 /* row chunk of tn8: X's chunk (64 KiB) stays in L2 */

/* Sum of the lanes of a (the order is fixed, so results are reproducible). */
#define HSUM(a) ((a)[0] + (a)[1] + (a)[2] + (a)[3] + (a)[4] + (a)[5] + (a)[6] + (a)[7])

/* C[i .. i + P) += V[r0:r1, i]^T X[r0:r1, :] for P columns of V at once
 * (leading dimension n of V and X). */
#define TN_COLS(P)                                                                                 \
  do {                                                                                             \
    v8d acc[P][8];                                                                                 \
    memset(acc, 0, sizeof acc);                                                                    \
    for (int64_t r = r0; r < rv; r += 8) {                                                         \
      v8d v[P];                                                                                    \
      for (int p = 0; p < P; p++)                                                                  \
        v[p] = *(const v8d *)(V + (int64_t)(i + p) * n + r);                                       \
      for (int c = 0; c < 8; c++) {                                                                \
        v8d x = *(const v8d *)(X + c * n + r);                                                     \
        for (int p = 0; p < P; p++)                                                                \
          acc[p][c] += v[p] * x;                                                                   \
      }                                                                                            \
    }                                                                                              \
    for (int p = 0; p < P; p++)                                                                    \
      for (int c = 0; c < 8; c++) {                                                                \
        double s = HSUM(acc[p][c]);                                                                \
        for (int64_t r = rv; r < r1; r++)                                                          \
          s += V[(int64_t)(i + p) * n + r] * X[c * n + r];                                         \
        C[i + p + c * nc] += s;                                                                    \
      }                                                                                            \
  } while (0)

/* C += V[0:m, :]^T X[0:m, :]. */
#define TN_BODY                                                                                    \
  for (int64_t r0 = 0; r0 < m; r0 += ROWS) {                                                       \
    int64_t r1 = r0 + ROWS < m ? r0 + ROWS : m, rv = r0 + ((r1 - r0) & ~(int64_t)7);               \
    int i = 0;                                                                                     \
    for (; i + 3 <= nc; i += 3)                                                                    \
      TN_COLS(3);                                                                                  \
    for (; i < nc; i++)                                                                            \
      TN_COLS(1);                                                                                  \
  }

/* W[r : r + 8 R, :] -= V[r : r + 8 R, :] C for R row vectors at once. */
#define NN_ROWS(R)                                                                                 \
  do {                                                                                             \
    v8d acc[R][8];                                                                                 \
    for (int c = 0; c < 8; c++)                                                                    \
      for (int p = 0; p < R; p++)                                                                  \
        acc[p][c] = *(const v8d *)(W + c * n + r + 8 * p);                                         \
    for (int i = 0; i < nc; i++) {                                                                 \
      v8d v[R];                                                                                    \
      for (int p = 0; p < R; p++)                                                                  \
        v[p] = *(const v8d *)(V + (int64_t)i * n + r + 8 * p);                                     \
      for (int c = 0; c < 8; c++) {                                                                \
        double cc = C[i + c * nc];                                                                 \
        for (int p = 0; p < R; p++)                                                                \
          acc[p][c] -= v[p] * cc;                                                                  \
      }                                                                                            \
    }                                                                                              \
    for (int c = 0; c < 8; c++)                                                                    \
      for (int p = 0; p < R; p++)                                                                  \
        *(v8d *)(W + c * n + r + 8 * p) = acc[p][c];                                               \
  } while (0)

/* W[0:m, :] -= V[0:m, :] C. */
#define NN_BODY                                                                                    \
  int64_t r = 0;                                                                                   \
  for (; r + 24 <= m; r += 24)                                                                     \
    NN_ROWS(3);                                                                                    \
  for (; r + 8 <= m; r += 8)                                                                       \
    NN_ROWS(1);                                                                                    \
  for (; r < m; r++)                                                                               \
    for (int c = 0; c < 8; c++) {                                                                  \
      double s = W[c * n + r];                                                                     \
      for (int i = 0; i < nc; i++)                                                                 \
        s -= V[(int64_t)i * n + r] * C[i + c * nc];                                                \
      W[c * n + r] = s;                                                                            \
    }

/* Vj -= V Cp, Wq -= V Q (each when not NULL) and D += V^T X in chunks of
 * FROWS rows, so each chunk of V is read from memory once for all three
 * products (it stays in L2). */
#define FROWS 192
#define FUSED_BODY                                                                                 \
  for (int64_t f0 = 0; f0 < n; f0 += FROWS) {                                                      \
    int64_t m = n - f0 < FROWS ? n - f0 : FROWS;                                                   \
    if (Cp) {                                                                                      \
      const double *V = V0 + f0, *C = Cp;                                                          \
      double *W = Vj + f0;                                                                         \
      NN_BODY                                                                                      \
    }                                                                                              \
    if (Q) {                                                                                       \
      const double *V = V0 + f0, *C = Q;                                                           \
      double *W = Wq + f0;                                                                         \
      NN_BODY                                                                                      \
    }                                                                                              \
    {                                                                                              \
      const double *V = V0 + f0, *X = X0 + f0;                                                     \
      double *C = D;                                                                               \
      TN_BODY                                                                                      \
    }                                                                                              \
  }

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define PV_THIN_AVX512 1
__attribute__((target("avx512f"))) static void tn8_avx512(int64_t m, int64_t n, int nc,
                                                          const double *V, const double *X,
                                                          double *C) {
  TN_BODY
}
__attribute__((target("avx512f"))) static void nn8_avx512(int64_t m, int64_t n, int nc,
                                                          const double *V, const double *C,
                                                          double *W) {
  NN_BODY
}
__attribute__((target("avx512f"))) static void fused8_avx512(int64_t n, int nc, const double *V0,
                                                             const double *Cp, double *Vj,
                                                             const double *Q, double *Wq,
                                                             const double *X0, double *D) {
  FUSED_BODY
}
#define HAVE_AVX512() pv_eig_use_avx512()
#endif

int pv_eig_use_avx512(void) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  static int use = -1; /* the CPU and the environment do not change while we run */
  if (use < 0) use = __builtin_cpu_supports("avx512f") && !getenv("PV_NO_AVX512");
  return use;
#else
  return 0;
#endif
}

/* Without AVX-512, OpenBLAS (packing or not) beats portable code: use it. */
static void tn8_blas(int64_t n, int nc, const double *V, const double *X, double *C) {
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, nc, 8, (int)n, 1.0, V, (int)n, X, (int)n,
              0.0, C, nc);
}
static void nn8_blas(int64_t n, int nc, const double *V, const double *C, double *W) {
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)n, 8, nc, -1.0, V, (int)n, C, nc, 1.0,
              W, (int)n);
}

void pv_eig_thin_tn8(int64_t n, int nc, const double *V, const double *X, double *C) {
#ifdef PV_THIN_AVX512
  if (HAVE_AVX512()) {
    memset(C, 0, sizeof(double) * 8 * (size_t)nc);
    tn8_avx512(n, n, nc, V, X, C);
    return;
  }
#endif
  tn8_blas(n, nc, V, X, C);
}

void pv_eig_thin_nn8(int64_t n, int nc, const double *V, const double *C, double *W) {
#ifdef PV_THIN_AVX512
  if (HAVE_AVX512()) {
    nn8_avx512(n, n, nc, V, C, W);
    return;
  }
#endif
  nn8_blas(n, nc, V, C, W);
}

void pv_eig_thin_fused8(int64_t n, int nc, const double *V, const double *Cp, double *Vj,
                        const double *Q, double *Wq, const double *X, double *D) {
#ifdef PV_THIN_AVX512
  if (HAVE_AVX512()) {
    memset(D, 0, sizeof(double) * 8 * (size_t)nc);
    fused8_avx512(n, nc, V, Cp, Vj, Q, Wq, X, D);
    return;
  }
#endif
  if (Cp)
    nn8_blas(n, nc, V, Cp, Vj);
  if (Q)
    nn8_blas(n, nc, V, Q, Wq);
  tn8_blas(n, nc, V, X, D);
}
