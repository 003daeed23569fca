/* Masks, moments and projections over the valid pixels of a scene. */
#include "scene.h"

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/linalg.h>

#include <cblas.h>
#include <math.h>
#include <string.h>

#define SCENE_BLOCK 4096

int pv_hsi_check_scene(int bands, size_t n, const double *y, size_t ldy, int p) {
  if (!y || bands < 1 || n < 1 || ldy < n)
    return PV_ERROR(PV_EINVAL, "scene: %d bands x %zu pixels (leading dimension %zu) is invalid", bands, n, ldy);
  if (ldy > (size_t)1 << 31) return PV_ERROR(PV_EINVAL, "scene: leading dimension %zu too large", ldy);
  if (p && (p < 1 || p > bands || p > PV_HSI_MAX_EM || (size_t)p > n))
    return PV_ERROR(PV_EINVAL, "scene: %d endmembers asked of %d bands and %zu pixels (max %d)", p, bands, n,
                    PV_HSI_MAX_EM);
  return PV_OK;
}

size_t pv_hsi_valid_mask(int bands, size_t n, const double *y, size_t ldy, unsigned char *valid) {
  memset(valid, 1, n);
  for (int b = 0; b < bands; b++) {
    const double *row = y + (size_t)b * ldy;
    for (size_t j = 0; j < n; j++)
      if (!isfinite(row[j])) valid[j] = 0;
  }
  size_t c = 0;
  for (size_t j = 0; j < n; j++) c += valid[j];
  return c;
}

int pv_hsi_moments(pv_ctx *ctx, int bands, size_t n, const double *y, size_t ldy, const unsigned char *valid,
                   size_t n_valid, int centre, double *mean, double *cov) {
  (void)ctx;
  if (!n_valid) return PV_ERROR(PV_EINVAL, "scene: no valid pixel");
  for (int b = 0; b < bands; b++) {
    double s = 0;
    const double *row = y + (size_t)b * ldy;
    for (size_t j = 0; j < n; j++)
      if (valid[j]) s += row[j];
    mean[b] = s / (double)n_valid;
  }
  if (!cov) return PV_OK;
  /* Gather valid pixels block by block (centred if asked) and accumulate. */
  double *buf = pv_malloc((size_t)bands * SCENE_BLOCK * sizeof *buf);
  if (!buf) return PV_ENOMEM;
  memset(cov, 0, (size_t)bands * bands * sizeof *cov);
  for (size_t j0 = 0; j0 < n;) {
    int m = 0;
    for (; j0 < n && m < SCENE_BLOCK; j0++) {
      if (!valid[j0]) continue;
      for (int b = 0; b < bands; b++) buf[(size_t)b * SCENE_BLOCK + m] = y[(size_t)b * ldy + j0] - (centre ? mean[b] : 0);
      m++;
    }
    if (m) cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, bands, m, 1.0, buf, SCENE_BLOCK, 1.0, cov, bands);
  }
  pv_free(buf);
  for (int i = 0; i < bands; i++)
    for (int j = i; j < bands; j++) cov[(size_t)j * bands + i] = cov[(size_t)i * bands + j] /= (double)n_valid;
  return PV_OK;
}

int pv_hsi_top_eigvecs(pv_ctx *ctx, int bands, const double *c, int d, double *u, double *w) {
  double *wa = pv_malloc((size_t)bands * sizeof *wa), *z = pv_malloc((size_t)bands * bands * sizeof *z);
  int rc = wa && z ? pv_linalg_sym_eig(ctx, bands, c, bands, wa, z, bands) : PV_ENOMEM;
  for (int i = 0; !rc && i < d; i++) memcpy(u + (size_t)i * bands, z + (size_t)(bands - 1 - i) * bands, (size_t)bands * sizeof *u);
  for (int i = 0; !rc && w && i < bands; i++) w[i] = wa[bands - 1 - i];
  pv_free(wa);
  pv_free(z);
  return rc;
}

int pv_hsi_project(int bands, size_t n, const double *y, size_t ldy, const unsigned char *valid, int d,
                   const double *u, const double *shift, double *x) {
  /* x = u y - u shift: one BLAS product, then the constant and the mask. */
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, d, (int)n, bands, 1.0, u, bands, y, (int)ldy, 0.0, x,
              (int)n);
  for (int i = 0; i < d; i++) {
    double off = 0;
    for (int b = 0; shift && b < bands; b++) off += u[(size_t)i * bands + b] * shift[b];
    double *row = x + (size_t)i * n;
    for (size_t j = 0; j < n; j++) row[j] = valid[j] ? row[j] - off : 0.0;
  }
  return PV_OK;
}
