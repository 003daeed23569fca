/* thin.h - the two thin products of block Gram-Schmidt with 8 columns,
 * C = V^T X and W -= V C (V n x nc, X and W n x 8, all column-major with
 * leading dimension n), without OpenBLAS's packing of V (not installed).
 * OpenBLAS copies V into packed panels on every call, which for 8 columns
 * costs about as much as the arithmetic; these read V once, in place, with
 * 8-wide AVX-512 multiply-adds when the CPU has them (OpenBLAS otherwise). */
#ifndef PV_EIGEN_THIN_H
#define PV_EIGEN_THIN_H

#include <stdint.h>

/* 1 when the AVX-512 kernels run: the CPU has AVX-512F and the environment
 * variable PV_NO_AVX512 is unset (set, it tests the portable paths). */
int pv_eig_use_avx512(void);

/* C (nc x 8, leading dimension nc) = V^T X. */
void pv_eig_thin_tn8(int64_t n, int nc, const double *V, const double *X, double *C);
/* W -= V C, C nc x 8 with leading dimension nc. */
void pv_eig_thin_nn8(int64_t n, int nc, const double *V, const double *C, double *W);

/* One pass over V for up to three products: Vj -= V Cp and Wq -= V Q
 * (Vj, Wq n x 8; Cp, Q nc x 8; each skipped when Cp / Q is NULL) and
 * D (nc x 8) = V^T X. Vj and Wq must not overlap V or X. */
void pv_eig_thin_fused8(int64_t n, int nc, const double *V, const double *Cp, double *Vj,
                        const double *Q, double *Wq, const double *X, double *D);

#endif
