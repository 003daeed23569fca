/* dense_internal.h - helpers shared by the dense linear-algebra sources. */
#ifndef PV_LINALG_DENSE_INTERNAL_H
#define PV_LINALG_DENSE_INTERNAL_H
#include <stddef.h>
#include <parseval/ctx.h>

/* Set OpenBLAS's thread count from ctx (1 when ctx is NULL). */
void pv__linalg_blas_threads(const pv_ctx *ctx);

/* PV_EINVAL naming the first non-finite entry of the m x n row-major matrix
 * `name` (PV_OK when all are finite). */
int pv__linalg_check_finite(const char *name, size_t m, size_t n,
                            const double *a, size_t lda);

/* 1 when every entry of the m x n row-major matrix is finite (no error set). */
int pv__linalg_all_finite(size_t m, size_t n, const double *a, size_t lda);

/* Flip the sign of each of the r rows of v (length n) whose largest-magnitude
 * entry is negative; when u is non-NULL, flip column j of u (m x r, ldu) too. */
void pv__linalg_fix_signs(int r, int n, double *v, size_t ldv, size_t m,
                          double *u, size_t ldu);

/* Orthonormalise the columns of the column-major n x l matrix z (ld n) in
 * place by Householder QR; tau has l entries, work lwork (>= the size from
 * pv__linalg_orth_lwork). Returns PV_OK or PV_EINTERNAL. */
int pv__linalg_orth(int n, int l, double *z, double *tau, double *work, int lwork);
/* Workspace (doubles) pv__linalg_orth needs for n x l; <0 on failure. */
int pv__linalg_orth_lwork(int n, int l);
#endif
