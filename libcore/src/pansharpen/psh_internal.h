/* Internal helpers shared by the pansharpening sources. */
#ifndef PV_PSH_INTERNAL_H
#define PV_PSH_INTERNAL_H

#include <stddef.h>
#include <parseval/pansharpen.h>

/* A separable filter: terms x len taps with origin `origin` (tap j applies
 * to offset j - origin), rows filtered by taps[k], columns by gain[k] *
 * taps[k]. Borders replicated. */
struct pv_psh_filter {
  int terms, len, origin;
  double *taps; /* terms * len */
  double *gain; /* terms */
};

/* A 1-term filter from explicit taps (copied). */
int psh_filter_from_taps(int len, int origin, const double *taps, pv_psh_filter **out);
/* The ratio x ratio box filter of the HPF method (MATLAB fspecial('average')). */
int psh_filter_box(int ratio, pv_psh_filter **out);
/* The a trous B3-spline low-pass after `levels` levels (one separable term). */
int psh_filter_atwt(int levels, pv_psh_filter **out);

/* Filter at rows y0 + i*step (i < ny, y0 may be negative: clamped) and
 * columns x0 + j*step of the h x w image in; borders replicated. */
int psh_filter_grid(const pv_psh_filter *f, size_t w, size_t h, const double *in, size_t x0, long y0, size_t step,
                    size_t nx, size_t ny, double *out);

/* Mean and population standard deviation of the finite values of x[0..n). */
void psh_mean_std(size_t n, const double *x, double *mean, double *sd, size_t *valid);
/* Replace NaN in x[0..n) by the mean of its finite values; returns the count
 * of finite values (0: nothing replaced). */
size_t psh_fill_nan(size_t n, double *x);

/* Mean UIQI over non-overlapping block x block tiles (partial tiles dropped,
 * tiles with a NaN skipped): the toolbox's blockproc(..., uqi). */
double psh_uiqi_tiles(size_t w, size_t h, const double *x, const double *y, size_t block);

/* Whether v is a power of two (v >= 1). */
static inline int psh_is_pow2(long v) { return v > 0 && (v & (v - 1)) == 0; }

#endif
