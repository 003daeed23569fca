/* spectral_internal.h - the box object and loops over its half spectrum.
 * Internally every box has 3 axes: public axis a is internal axis
 * a + 3 - dim, and the leading unused axes have size 1. */
#ifndef PV_SPECTRAL_INTERNAL_H
#define PV_SPECTRAL_INTERNAL_H

#include <parseval/spectral.h>

struct pv_spectral_box {
  pv_ctx *ctx;
  int dim, n[3];
  double L[3];
  int m[3];          /* internal sizes (leading 1s) */
  int mh;            /* m[2] / 2 + 1 */
  size_t N, Nh;      /* real points, half-spectrum modes */
  double volume;     /* prod L */
  double *kd[3];     /* odd-derivative wavenumbers (Nyquist 0), per index */
  double *k2[3];     /* squared angular wavenumbers (Nyquist kept) */
  int *freq[3];      /* |integer frequency| per index */
  pv_fft_plan *fwd, *bwd;
  double *wc, *wc2;  /* Nh complex workspaces */
};

/* Visit every half-spectrum mode (i0, i1, j) in storage order. */
#define PVS_FOR_MODES(b, i0, i1, j)                 \
  for (int i0 = 0; i0 < (b)->m[0]; i0++)            \
    for (int i1 = 0; i1 < (b)->m[1]; i1++)          \
      for (int j = 0; j < (b)->mh; j++)
/* Storage index of mode (i0, i1, j). */
#define PVS_IDX(b, i0, i1, j) ((((size_t)(i0) * (size_t)(b)->m[1]) + (size_t)(i1)) * (size_t)(b)->mh + (size_t)(j))

/* |kappa|^2 of mode (i0, i1, j). */
static inline double pvs_k2(const pv_spectral_box *b, int i0, int i1, int j) {
  return b->k2[0][i0] + b->k2[1][i1] + b->k2[2][j];
}
/* Internal axis of public axis a. */
static inline int pvs_axis(const pv_spectral_box *b, int a) { return a + 3 - b->dim; }
/* Hermitian multiplicity of last-axis index j (1 for 0 and Nyquist, else 2). */
static inline double pvs_mult(const pv_spectral_box *b, int j) {
  return (j == 0 || 2 * j == b->m[2]) ? 1.0 : 2.0;
}

/* uh = r2c(u) with the box plan (u unchanged). */
int pvs_r2c(pv_spectral_box *b, const double *u, double *uh);
/* u = c2r(work): work is destroyed; no scaling. */
int pvs_c2r(pv_spectral_box *b, double *work, double *u);
/* Check a box and a list of non-NULL pointers (names for the message). */
int pvs_check(const pv_spectral_box *b, const char *fn, int count, const void *const *ptrs);
int pvs_check_finite(const char *fn, const char *name, double v);

#endif
