/* The feature model: fitted once (on every valid pixel, or on the streamed
 * sample), then applied to any pixels. */
#include <math.h>
#include <string.h>

#include <cblas.h>
#include <parseval/linalg.h>

#include "segment.h"

/* Top-d principal components of y (bands x n, stride ld). */
static int fit_pca(segment_job *j, const double *y, size_t ld, size_t n, int d) {
  segment_model *m = &j->model;
  int bands = m->bands;
  if (d > bands) d = bands;
  double *c = pv_calloc((size_t)bands * bands, sizeof *c), *w = pv_malloc((size_t)bands * sizeof *w);
  double *z = pv_malloc((size_t)bands * bands * sizeof *z), *yc = pv_malloc((size_t)bands * n * sizeof *yc);
  m->mu = pv_calloc((size_t)bands, sizeof *m->mu);
  m->comp = pv_malloc((size_t)d * bands * sizeof *m->comp);
  int rc = c && w && z && yc && m->mu && m->comp ? PV_OK : PV_ENOMEM;
  for (int b = 0; !rc && b < bands; b++) {
    for (size_t i = 0; i < n; i++) m->mu[b] += y[(size_t)b * ld + i];
    m->mu[b] /= (double)n;
    for (size_t i = 0; i < n; i++) yc[(size_t)b * n + i] = y[(size_t)b * ld + i] - m->mu[b];
  }
  if (!rc) {
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, bands, (int)n, 1.0 / (double)n, yc, (int)n, 0.0, c, bands);
    rc = pv_linalg_sym_eig(j->ctx, bands, c, bands, w, z, bands);
  }
  if (!rc) {
    double total = 0, kept = 0;
    for (int b = 0; b < bands; b++) total += fmax(w[b], 0);
    for (int k = 0; k < d; k++) kept += fmax(w[bands - 1 - k], 0);
    j->explained = total > 0 ? kept / total : NAN;
    for (int k = 0; k < d; k++) memcpy(m->comp + (size_t)k * bands, z + (size_t)(bands - 1 - k) * bands, (size_t)bands * sizeof *z);
    m->d = d;
  }
  pv_free(c), pv_free(w), pv_free(z), pv_free(yc);
  return rc;
}

/* FCLS on p VCA endmembers of y (SNR estimated). */
static int fit_abundances(segment_job *j, const double *y, size_t ld, size_t n, int p) {
  segment_model *m = &j->model;
  if (p > m->bands) p = m->bands;
  double *em = pv_malloc((size_t)p * m->bands * sizeof *em);
  int rc = em ? PV_OK : PV_ENOMEM;
  if (!rc) rc = pv_hsi_vca(j->ctx, m->bands, n, y, ld, p, NAN, NULL, em);
  if (!rc) rc = pv_hsi_lsu_create(j->ctx, PV_HSI_FCLS, m->bands, p, em, &m->lsu);
  m->d = p;
  pv_free(em);
  return rc;
}

int segment_model_fit(segment_job *j, const double *y, size_t ld, size_t n) {
  segment_model *m = &j->model;
  m->bands = (int)j->bands;
  j->explained = NAN;
  int dims = (int)pv_args_int(j->args, "components"), rc;
  if (!strcmp(j->features, "pca")) m->kind = 0, rc = fit_pca(j, y, ld, n, dims ? dims : 10);
  else if (!strcmp(j->features, "abundances")) m->kind = 1, rc = fit_abundances(j, y, ld, n, dims ? dims : j->classes);
  else m->kind = 2, m->d = m->bands, rc = PV_OK;
  j->d = m->d;
  return rc;
}

int segment_model_apply(const segment_job *j, const double *y, size_t ld, size_t n, double *feat) {
  const segment_model *m = &j->model;
  int d = m->d, bands = m->bands;
  if (m->kind == 1) { /* abundances come out p x n: transposed into feat */
    double *a = pv_malloc((size_t)d * n * sizeof *a);
    if (!a) return PV_ENOMEM;
    int rc = pv_hsi_lsu_solve(m->lsu, n, y, ld, a, n, NULL);
    for (size_t i = 0; !rc && i < n; i++)
      for (int k = 0; k < d; k++) feat[i * d + k] = a[(size_t)k * n + i];
    pv_free(a);
    return rc;
  }
  if (m->kind == 2) {
    for (size_t i = 0; i < n; i++)
      for (int k = 0; k < d; k++) feat[i * d + k] = y[(size_t)k * ld + i];
    return PV_OK;
  }
  /* feat = (Y - mu 1^T)^T C^T = Y^T C^T - 1 (C mu)^T */
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasTrans, (int)n, d, bands, 1.0, y, (int)ld, m->comp, bands, 0.0, feat, d);
  for (int k = 0; k < d; k++) {
    double c0 = 0;
    for (int b = 0; b < bands; b++) c0 += m->comp[(size_t)k * bands + b] * m->mu[b];
    for (size_t i = 0; i < n; i++) feat[i * d + k] -= c0;
  }
  return PV_OK;
}

void segment_model_free(segment_model *m) {
  pv_free(m->mu);
  pv_free(m->comp);
  pv_hsi_lsu_destroy(&m->lsu);
  memset(m, 0, sizeof *m);
}
