/* scene.h - shared pieces of the hsi estimators: the mask of valid pixels,
 * first and second moments over them, and leading eigenvectors. */
#ifndef PV_HSI_SCENE_H
#define PV_HSI_SCENE_H

#include <parseval/hsi.h>

/* Argument checks shared by the estimators (p = 0 skips the p checks). */
int pv_hsi_check_scene(int bands, size_t n, const double *y, size_t ldy, int p);

/* valid[j] = 1 when every band of pixel j is finite; returns how many are. */
size_t pv_hsi_valid_mask(int bands, size_t n, const double *y, size_t ldy, unsigned char *valid);

/* Over valid pixels: mean (bands) and, if cov is non-NULL, the bands x bands
 * second moment, centred (covariance) when centre is nonzero, else the
 * correlation Y Y^T / n_valid. */
int pv_hsi_moments(pv_ctx *ctx, int bands, size_t n, const double *y, size_t ldy, const unsigned char *valid,
                   size_t n_valid, int centre, double *mean, double *cov);

/* The d leading eigenvectors of the symmetric bands x bands matrix c, as
 * rows of u (d x bands), largest eigenvalue first; w (bands, may be NULL)
 * receives all eigenvalues in descending order. */
int pv_hsi_top_eigvecs(pv_ctx *ctx, int bands, const double *c, int d, double *u, double *w);

/* x (d x n, ldx = n) = u (d x bands) times (y - shift) for every pixel;
 * shift may be NULL. Masked pixels get 0. */
int pv_hsi_project(int bands, size_t n, const double *y, size_t ldy, const unsigned char *valid, int d,
                   const double *u, const double *shift, double *x);
#endif
