/* How many endmembers: HySime's signal subspace and Harsanyi-Farrand-
 * Chang's virtual dimensionality. */
#include "scene.h"

#include <parseval/alloc.h>
#include <parseval/error.h>

#include <cblas.h>
#include <gsl/gsl_cdf.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

/* Regression matrix B (bands x bands, zero diagonal): row i holds the
 * coefficients predicting band i from all others, from R = Y Y^T through the
 * inverse of R + eps I with row and column i removed (a Schur complement). */
static int regression_matrix(int L, const double *r, double *b) {
  double *ri = pv_malloc((size_t)L * L * sizeof *ri);
  lapack_int *piv = pv_malloc((size_t)L * sizeof *piv);
  if (!ri || !piv) {
    pv_free(ri);
    pv_free(piv);
    return PV_ENOMEM;
  }
  double tr = 0;
  for (int i = 0; i < L; i++) tr += r[(size_t)i * L + i];
  memcpy(ri, r, (size_t)L * L * sizeof *ri);
  for (int i = 0; i < L; i++) ri[(size_t)i * L + i] += 1e-6 * tr / L; /* the reference's small ridge, scaled */
  int rc = PV_OK;
  if (LAPACKE_dgetrf(LAPACK_ROW_MAJOR, L, L, ri, L, piv) || LAPACKE_dgetri(LAPACK_ROW_MAJOR, L, ri, L, piv))
    rc = PV_ERROR(PV_ENUMERIC, "HySime: band correlation matrix is singular");
  /* With P = Ri R, sum_{k != i} Ri[j][k] R[k][i] = P[j][i] - Ri[j][i] R[i][i]. */
  double *pm = rc ? NULL : pv_malloc((size_t)L * L * sizeof *pm);
  if (!rc && !pm) rc = PV_ENOMEM;
  if (!rc) cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, L, L, L, 1.0, ri, L, r, L, 0.0, pm, L);
  for (int i = 0; !rc && i < L; i++) {
    /* beta = (Ri - Ri[:,i] Ri[i,:] / Ri[i,i]) r_i with r_i[i] = 0, beta[i] = 0. */
    double *bi = b + (size_t)i * L, rii = r[(size_t)i * L + i], dii = ri[(size_t)i * L + i];
    double ci = pm[(size_t)i * L + i] - dii * rii;
    for (int j = 0; j < L; j++) {
      double sj = pm[(size_t)j * L + i] - ri[(size_t)j * L + i] * rii;
      bi[j] = j == i ? 0 : sj - ri[(size_t)j * L + i] * ci / dii;
    }
  }
  pv_free(pm);
  pv_free(ri);
  pv_free(piv);
  return rc;
}

/* e^T M e for the symmetric L x L matrix M. */
static double quad(int L, const double *m, const double *e) {
  double s = 0;
  for (int i = 0; i < L; i++) {
    double t = 0;
    for (int j = 0; j < L; j++) t += m[(size_t)i * L + j] * e[j];
    s += e[i] * t;
  }
  return s;
}

int pv_hsi_hysime(pv_ctx *ctx, int bands, size_t n, const double *y, size_t ldy, int *k, double *noise_var) {
  int rc = pv_hsi_check_scene(bands, n, y, ldy, 0);
  if (rc) return rc;
  if (!k) return PV_ERROR(PV_EINVAL, "HySime: k is NULL");
  int L = bands;
  size_t LL = (size_t)L * L;
  unsigned char *valid = pv_malloc(n);
  double *mean = pv_malloc((size_t)L * sizeof *mean), *ry = pv_malloc(LL * sizeof *ry), *b = pv_malloc(LL * sizeof *b);
  double *rx = pv_malloc(LL * sizeof *rx), *t = pv_malloc(LL * sizeof *t), *e = pv_malloc(LL * sizeof *e);
  double *w = pv_malloc((size_t)L * sizeof *w), *rn = pv_calloc(LL, sizeof *rn);
  if (!valid || !mean || !ry || !b || !rx || !t || !e || !w || !rn) rc = PV_ENOMEM;
  size_t nv = rc ? 0 : pv_hsi_valid_mask(L, n, y, ldy, valid);
  if (!rc && nv < (size_t)L + 1) rc = PV_ERROR(PV_EINVAL, "HySime: %zu valid pixels for %d bands", nv, L);
  if (!rc) rc = pv_hsi_moments(ctx, L, n, y, ldy, valid, nv, 0, mean, ry); /* Ry = Y Y^T / N */
  if (!rc) rc = regression_matrix(L, ry, b);
  if (!rc) {
    /* Signal X = B Y, so Rx = B Ry B^T; noise W = (I - B) Y has per-band
     * variance Ry_ii - 2 b_i Ry_i + b_i Ry b_i^T. */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, L, L, L, 1.0, b, L, ry, L, 0.0, t, L);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, L, L, L, 1.0, t, L, b, L, 0.0, rx, L);
    double trx = 0;
    for (int i = 0; i < L; i++) {
      double var = ry[(size_t)i * L + i] - 2 * t[(size_t)i * L + i] + rx[(size_t)i * L + i];
      rn[(size_t)i * L + i] = fmax(var, 0);
      if (noise_var) noise_var[i] = fmax(var, 0);
      trx += rx[(size_t)i * L + i];
    }
    for (int i = 0; i < L; i++) rn[(size_t)i * L + i] += trx / L / 1e5;
    rc = pv_hsi_top_eigvecs(ctx, L, rx, L, e, w);
  }
  if (!rc) {
    /* Keep eigenvectors whose projected signal power beats twice the noise. */
    int count = 0;
    for (int i = 0; i < L; i++)
      count += -quad(L, ry, e + (size_t)i * L) + 2 * quad(L, rn, e + (size_t)i * L) < 0;
    *k = count;
  }
  pv_free(valid);
  pv_free(mean);
  pv_free(ry);
  pv_free(b);
  pv_free(rx);
  pv_free(t);
  pv_free(e);
  pv_free(w);
  pv_free(rn);
  return rc;
}

int pv_hsi_hfc(pv_ctx *ctx, int bands, size_t n, const double *y, size_t ldy, double pfa, int *vd) {
  int rc = pv_hsi_check_scene(bands, n, y, ldy, 0);
  if (rc) return rc;
  if (!vd || !(pfa > 0 && pfa < 1)) return PV_ERROR(PV_EINVAL, "HFC: false-alarm probability %g not in (0, 1)", pfa);
  int L = bands;
  size_t LL = (size_t)L * L;
  unsigned char *valid = pv_malloc(n);
  double *mean = pv_malloc((size_t)L * sizeof *mean), *r = pv_malloc(LL * sizeof *r), *kc = pv_malloc(LL * sizeof *kc);
  double *u = pv_malloc(LL * sizeof *u), *wr = pv_malloc((size_t)L * sizeof *wr), *wk = pv_malloc((size_t)L * sizeof *wk);
  if (!valid || !mean || !r || !kc || !u || !wr || !wk) rc = PV_ENOMEM;
  size_t nv = rc ? 0 : pv_hsi_valid_mask(L, n, y, ldy, valid);
  if (!rc && nv < 2) rc = PV_ERROR(PV_EINVAL, "HFC: fewer than 2 valid pixels");
  if (!rc) rc = pv_hsi_moments(ctx, L, n, y, ldy, valid, nv, 0, mean, r);
  for (size_t i = 0; !rc && i < LL; i++) kc[i] = r[i] - mean[i / L] * mean[i % L];
  if (!rc) rc = pv_hsi_top_eigvecs(ctx, L, r, 1, u, wr);
  if (!rc) rc = pv_hsi_top_eigvecs(ctx, L, kc, 1, u, wk);
  if (!rc) {
    /* Under H0 (no signal in component l) lambda_R - lambda_K has variance
     * about 2 (lambda_R^2 + lambda_K^2) / N. */
    double z = gsl_cdf_ugaussian_Qinv(pfa);
    int count = 0;
    for (int l = 0; l < L; l++) {
      double sigma = sqrt(2 * (wr[l] * wr[l] + wk[l] * wk[l]) / (double)nv);
      count += wr[l] - wk[l] > z * sigma;
    }
    *vd = count;
  }
  pv_free(valid);
  pv_free(mean);
  pv_free(r);
  pv_free(kc);
  pv_free(u);
  pv_free(wr);
  pv_free(wk);
  return rc;
}
