/* Endmember extraction: VCA, ATGP and N-FINDR, each returning pixel indices
 * and the spectra of those pixels. */
#include "scene.h"

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/rng.h>

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

/* Copy the spectra of the chosen pixels into em (p x bands). */
static void gather(int bands, const double *y, size_t ldy, int p, const size_t *idx, double *em) {
  for (int i = 0; em && i < p; i++)
    for (int b = 0; b < bands; b++) em[(size_t)i * bands + b] = y[(size_t)b * ldy + idx[i]];
}

/* v minus its projection on the k orthonormal rows of q (dim d), twice for
 * stability; returns the norm of what is left (v normalised unless ~0). */
static double orthonormalise(int d, const double *q, int k, double *v) {
  for (int pass = 0; pass < 2; pass++)
    for (int r = 0; r < k; r++) {
      double s = 0;
      for (int t = 0; t < d; t++) s += q[r * d + t] * v[t];
      for (int t = 0; t < d; t++) v[t] -= s * q[r * d + t];
    }
  double nv = 0;
  for (int t = 0; t < d; t++) nv += v[t] * v[t];
  nv = sqrt(nv);
  if (nv > 0)
    for (int t = 0; t < d; t++) v[t] /= nv;
  return nv;
}

/* ---- ATGP ---- */

static int atgp_core(int bands, size_t n, const double *y, size_t ldy, const unsigned char *valid, int p, size_t *idx) {
  double *res = pv_malloc(n * sizeof *res), *v = pv_malloc(n * sizeof *v);
  double *q = pv_malloc((size_t)p * bands * sizeof *q);
  int rc = res && v && q ? PV_OK : PV_ENOMEM;
  for (size_t j = 0; !rc && j < n; j++) { /* residual energy starts as |y_j|^2 */
    double s = 0;
    for (int b = 0; b < bands; b++) s += y[(size_t)b * ldy + j] * y[(size_t)b * ldy + j];
    res[j] = valid[j] ? s : -1;
  }
  for (int i = 0; !rc && i < p; i++) {
    size_t best = 0;
    for (size_t j = 1; j < n; j++)
      if (res[j] > res[best]) best = j;
    idx[i] = best;
    double *qi = q + (size_t)i * bands;
    for (int b = 0; b < bands; b++) qi[b] = y[(size_t)b * ldy + best];
    double scale = sqrt(fmax(res[best], 0));
    if (orthonormalise(bands, q, i, qi) <= 1e-10 * (scale > 0 ? scale : 1) + 1e-300) {
      rc = PV_ERROR(PV_ENUMERIC, "ATGP: the scene spans only %d independent spectra, %d asked", i, p);
      break;
    }
    cblas_dgemv(CblasRowMajor, CblasTrans, bands, (int)n, 1.0, y, (int)ldy, qi, 1, 0.0, v, 1);
    for (size_t j = 0; j < n; j++)
      if (valid[j]) res[j] -= v[j] * v[j];
    res[best] = -1;
  }
  pv_free(res);
  pv_free(v);
  pv_free(q);
  return rc;
}

int pv_hsi_atgp(pv_ctx *ctx, int bands, size_t n, const double *y, size_t ldy, int p, size_t *idx, double *em) {
  (void)ctx;
  int rc = pv_hsi_check_scene(bands, n, y, ldy, p);
  if (rc) return rc;
  unsigned char *valid = pv_malloc(n);
  size_t chosen[PV_HSI_MAX_EM];
  if (!valid) return PV_ENOMEM;
  if (pv_hsi_valid_mask(bands, n, y, ldy, valid) < (size_t)p) rc = PV_ERROR(PV_EINVAL, "ATGP: fewer than %d valid pixels", p);
  if (!rc) rc = atgp_core(bands, n, y, ldy, valid, p, chosen);
  if (!rc) {
    if (idx) memcpy(idx, chosen, (size_t)p * sizeof *idx);
    gather(bands, y, ldy, p, chosen, em);
  }
  pv_free(valid);
  return rc;
}

/* ---- VCA ---- */

/* The projected data of VCA, p x n: projective projection at high SNR, PCA
 * plus a constant coordinate otherwise. */
static int vca_project(pv_ctx *ctx, int bands, size_t n, const double *y, size_t ldy, const unsigned char *valid,
                       size_t nv, int p, double snr_db, double *yp) {
  double *mean = pv_malloc((size_t)bands * sizeof *mean), *r = pv_malloc((size_t)bands * bands * sizeof *r);
  double *k = pv_malloc((size_t)bands * bands * sizeof *k), *u = pv_malloc((size_t)p * bands * sizeof *u);
  double *w = pv_malloc((size_t)bands * sizeof *w);
  int rc = mean && r && k && u && w ? pv_hsi_moments(ctx, bands, n, y, ldy, valid, nv, 0, mean, r) : PV_ENOMEM;
  for (size_t i = 0; !rc && i < (size_t)bands * bands; i++) k[i] = r[i] - mean[i / bands] * mean[i % bands];
  if (!rc && isnan(snr_db)) { /* Nascimento & Dias' estimate from the PCA power */
    rc = pv_hsi_top_eigvecs(ctx, bands, k, p, u, w);
    double py = 0, px = 0;
    for (int b = 0; b < bands; b++) py += r[(size_t)b * bands + b] ;
    for (int i = 0; i < p; i++) px += w[i];
    for (int b = 0; b < bands; b++) px += mean[b] * mean[b];
    snr_db = py > px ? 10 * log10((px - (double)p / bands * py) / (py - px)) : INFINITY;
  }
  int projective = snr_db > 15 + 10 * log10((double)p);
  pv_log(ctx, PV_LOG_INFO, "hsi", "VCA: SNR %.1f dB, %s projection", snr_db, projective ? "projective" : "PCA");
  if (!rc) rc = pv_hsi_top_eigvecs(ctx, bands, projective ? r : k, projective ? p : p - 1, u, NULL);
  if (!rc && projective) {
    pv_hsi_project(bands, n, y, ldy, valid, p, u, NULL, yp);
    double um[PV_HSI_MAX_EM] = {0};
    for (int i = 0; i < p; i++)
      for (size_t j = 0; j < n; j++) um[i] += yp[(size_t)i * n + j] / (double)nv;
    for (size_t j = 0; j < n; j++) {
      double s = 0;
      for (int i = 0; i < p; i++) s += yp[(size_t)i * n + j] * um[i];
      for (int i = 0; i < p; i++) yp[(size_t)i * n + j] = valid[j] && s != 0 ? yp[(size_t)i * n + j] / s : 0;
    }
  } else if (!rc) {
    if (p > 1) pv_hsi_project(bands, n, y, ldy, valid, p - 1, u, mean, yp);
    double c = 0;
    for (size_t j = 0; j < n; j++) {
      double s = 0;
      for (int i = 0; i < p - 1; i++) s += yp[(size_t)i * n + j] * yp[(size_t)i * n + j];
      c = fmax(c, s);
    }
    c = sqrt(c) > 0 ? sqrt(c) : 1;
    for (size_t j = 0; j < n; j++) yp[(size_t)(p - 1) * n + j] = valid[j] ? c : 0;
  }
  pv_free(mean);
  pv_free(r);
  pv_free(k);
  pv_free(u);
  pv_free(w);
  return rc;
}

int pv_hsi_vca(pv_ctx *ctx, int bands, size_t n, const double *y, size_t ldy, int p, double snr_db, size_t *idx,
               double *em) {
  int rc = pv_hsi_check_scene(bands, n, y, ldy, p);
  if (rc) return rc;
  unsigned char *valid = pv_malloc(n);
  double *yp = pv_malloc((size_t)p * n * sizeof *yp), *v = pv_malloc(n * sizeof *v);
  if (!valid || !yp || !v) rc = PV_ENOMEM;
  size_t nv = rc ? 0 : pv_hsi_valid_mask(bands, n, y, ldy, valid), chosen[PV_HSI_MAX_EM];
  if (!rc && nv < (size_t)p) rc = PV_ERROR(PV_EINVAL, "VCA: %zu valid pixels for %d endmembers", nv, p);
  if (!rc) rc = vca_project(ctx, bands, n, y, ldy, valid, nv, p, snr_db, yp);
  pv_rng r;
  pv_rng_init(&r, pv_ctx_seed(ctx), 0x56434100);
  double q[PV_HSI_MAX_EM * PV_HSI_MAX_EM], f[PV_HSI_MAX_EM];
  memset(q, 0, sizeof q);
  q[p - 1] = 1; /* the first direction avoids e_p, as in the paper */
  for (int i = 0; !rc && i < p; i++) {
    int k = i ? i : 1;
    do {
      pv_rng_fill_normal(&r, f, (size_t)p);
    } while (orthonormalise(p, q, k, f) < 1e-8);
    cblas_dgemv(CblasRowMajor, CblasTrans, p, (int)n, 1.0, yp, (int)n, f, 1, 0.0, v, 1);
    size_t best = n;
    for (size_t j = 0; j < n; j++)
      if (valid[j] && (best == n || fabs(v[j]) > fabs(v[best]))) best = j;
    chosen[i] = best;
    double *qi = q + (size_t)i * p;
    for (int t = 0; t < p; t++) qi[t] = yp[(size_t)t * n + best];
    if (orthonormalise(p, q, i, qi) < 1e-12)
      rc = PV_ERROR(PV_ENUMERIC, "VCA: the projected scene spans only %d directions, %d asked", i, p);
  }
  if (!rc) {
    if (idx) memcpy(idx, chosen, (size_t)p * sizeof *idx);
    gather(bands, y, ldy, p, chosen, em);
  }
  pv_free(valid);
  pv_free(yp);
  pv_free(v);
  return rc;
}

/* ---- N-FINDR ---- */

/* One sweep: for each vertex, the pixel that most enlarges the simplex.
 * m is the p x p vertex matrix [1; x_idx] (columns). Returns the number of
 * replacements, or a negative status. */
static int nfindr_sweep(int p, size_t n, const double *x, const unsigned char *valid, double *m, size_t *idx) {
  double inv[PV_HSI_MAX_EM * PV_HSI_MAX_EM];
  lapack_int piv[PV_HSI_MAX_EM];
  int changes = 0;
  for (int j = 0; j < p; j++) {
    memcpy(inv, m, (size_t)p * p * sizeof *inv);
    if (LAPACKE_dgetrf(LAPACK_ROW_MAJOR, p, p, inv, p, piv) != 0 || LAPACKE_dgetri(LAPACK_ROW_MAJOR, p, inv, p, piv) != 0)
      return PV_ERROR(PV_ENUMERIC, "N-FINDR: the simplex is degenerate (zero volume)");
    /* Replacing vertex j by v scales the volume by |(M^-1 v)_j| (Cramer). */
    const double *row = inv + (size_t)j * p;
    double best = 1 + 1e-12;
    size_t bk = n;
    for (size_t k = 0; k < n; k++) {
      if (!valid[k]) continue;
      double s = row[0];
      for (int t = 1; t < p; t++) s += row[t] * x[(size_t)(t - 1) * n + k];
      if (fabs(s) > best) best = fabs(s), bk = k;
    }
    if (bk == n) continue;
    idx[j] = bk;
    for (int t = 1; t < p; t++) m[(size_t)t * p + j] = x[(size_t)(t - 1) * n + bk];
    changes++;
  }
  return changes;
}

int pv_hsi_nfindr(pv_ctx *ctx, int bands, size_t n, const double *y, size_t ldy, int p, int max_sweeps, size_t *idx,
                  double *em) {
  int rc = pv_hsi_check_scene(bands, n, y, ldy, p);
  if (rc) return rc;
  if (max_sweeps < 1) return PV_ERROR(PV_EINVAL, "N-FINDR: max_sweeps = %d must be >= 1", max_sweeps);
  unsigned char *valid = pv_malloc(n);
  double *mean = pv_malloc((size_t)bands * sizeof *mean), *k = pv_malloc((size_t)bands * bands * sizeof *k);
  double *u = pv_malloc((size_t)p * bands * sizeof *u), *x = pv_malloc((size_t)(p > 1 ? p - 1 : 1) * n * sizeof *x);
  if (!valid || !mean || !k || !u || !x) rc = PV_ENOMEM;
  size_t nv = rc ? 0 : pv_hsi_valid_mask(bands, n, y, ldy, valid), chosen[PV_HSI_MAX_EM];
  if (!rc && nv < (size_t)p) rc = PV_ERROR(PV_EINVAL, "N-FINDR: %zu valid pixels for %d endmembers", nv, p);
  if (!rc) rc = pv_hsi_moments(ctx, bands, n, y, ldy, valid, nv, 1, mean, k);
  if (!rc && p > 1) rc = pv_hsi_top_eigvecs(ctx, bands, k, p - 1, u, NULL);
  if (!rc && p > 1) rc = pv_hsi_project(bands, n, y, ldy, valid, p - 1, u, mean, x);
  if (!rc) rc = atgp_core(bands, n, y, ldy, valid, p, chosen);
  double m[PV_HSI_MAX_EM * PV_HSI_MAX_EM];
  for (int j = 0; !rc && j < p; j++) {
    m[j] = 1;
    for (int t = 1; t < p; t++) m[(size_t)t * p + j] = x[(size_t)(t - 1) * n + chosen[j]];
  }
  for (int s = 0; !rc && p > 1 && s < max_sweeps; s++) {
    int c = nfindr_sweep(p, n, x, valid, m, chosen);
    if (c < 0) rc = c;
    if (c <= 0) break;
    if (!rc) rc = pv_ctx_progress(ctx, (double)(s + 1) / max_sweeps, "N-FINDR sweeps");
  }
  if (!rc) {
    if (idx) memcpy(idx, chosen, (size_t)p * sizeof *idx);
    gather(bands, y, ldy, p, chosen, em);
  }
  pv_free(valid);
  pv_free(mean);
  pv_free(k);
  pv_free(u);
  pv_free(x);
  return rc;
}
