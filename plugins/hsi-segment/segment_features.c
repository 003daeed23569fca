/* Features per valid pixel: principal components (default), FCLS
 * abundances of VCA endmembers, or the raw spectra. */
#include <math.h>
#include <string.h>
#include <time.h>

#include <cblas.h>
#include <parseval/hsi.h>
#include <parseval/linalg.h>
#include <parseval/scene.h>

#include "segment.h"

static int load(segment_job *j) {
  pv_scene_read_options o = PV_SCENE_READ_OPTIONS_INIT;
  o.mat_var = pv_args_string(j->args, "mat-var");
  o.rows = (size_t)pv_args_int(j->args, "rows");
  o.cols = (size_t)pv_args_int(j->args, "cols");
  int rc = pv_scene_read(j->ctx, j->scene, &o, &j->cube);
  if (rc) return rc;
  j->n = j->cube.width * j->cube.height;
  double *y = j->cube.data, scale = pv_args_real(j->args, "scale");
  size_t bands = j->cube.bands;
  for (size_t k = 0; k < bands * j->n; k++) y[k] /= scale;
  j->valid = pv_malloc(j->n * sizeof *j->valid);
  if (!j->valid) return PV_ENOMEM;
  for (size_t p = 0; p < j->n; p++) {
    int ok = 1;
    for (size_t b = 0; b < bands && ok; b++) ok = isfinite(y[b * j->n + p]);
    if (ok) j->valid[j->n_valid++] = p;
  }
  if (j->n_valid < (size_t)j->classes)
    return PV_ERROR(PV_EINVAL, "%s: %zu valid pixels for %d classes", j->scene, j->n_valid, j->classes);
  return PV_OK;
}

/* Valid pixels as a bands x n_valid band-sequential matrix. */
static double *compact(const segment_job *j) {
  size_t bands = j->cube.bands, nv = j->n_valid;
  double *v = pv_malloc(bands * nv * sizeof *v);
  const double *y = j->cube.data;
  for (size_t b = 0; v && b < bands; b++)
    for (size_t i = 0; i < nv; i++) v[b * nv + i] = y[b * j->n + j->valid[i]];
  return v;
}

/* Top-d principal components of the valid pixels. */
static int pca(segment_job *j, int d) {
  int bands = (int)j->cube.bands;
  size_t nv = j->n_valid;
  if (d > bands) d = bands;
  double *v = compact(j), *mu = pv_calloc((size_t)bands, sizeof *mu);
  double *c = pv_calloc((size_t)bands * bands, sizeof *c), *w = pv_malloc((size_t)bands * sizeof *w);
  double *z = pv_malloc((size_t)bands * bands * sizeof *z);
  int rc = v && mu && c && w && z ? PV_OK : PV_ENOMEM;
  if (!rc) {
    for (int b = 0; b < bands; b++) {
      for (size_t i = 0; i < nv; i++) mu[b] += v[(size_t)b * nv + i];
      mu[b] /= (double)nv;
      for (size_t i = 0; i < nv; i++) v[(size_t)b * nv + i] -= mu[b];
    }
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, bands, (int)nv, 1.0 / (double)nv, v, (int)nv, 0.0, c, bands);
    rc = pv_linalg_sym_eig(j->ctx, bands, c, bands, w, z, bands);
  }
  if (!rc) {
    double total = 0, kept = 0;
    for (int b = 0; b < bands; b++) total += fmax(w[b], 0);
    for (int k = 0; k < d; k++) kept += fmax(w[bands - 1 - k], 0);
    j->explained = total > 0 ? kept / total : NAN;
    j->d = d;
    j->feat = pv_malloc(nv * (size_t)d * sizeof *j->feat);
    if (!j->feat) rc = PV_ENOMEM;
  }
  /* feat (nv x d) = V^T Z_top^T: component k is eigenvector row bands-1-k. */
  for (int k = 0; !rc && k < d; k++)
    cblas_dgemv(CblasRowMajor, CblasTrans, bands, (int)nv, 1.0, v, (int)nv, z + (size_t)(bands - 1 - k) * bands, 1,
                0.0, j->feat + k, d);
  pv_free(v), pv_free(mu), pv_free(c), pv_free(w), pv_free(z);
  return rc;
}

/* FCLS abundances of p VCA endmembers (SNR estimated). */
static int abundances(segment_job *j, int p) {
  int bands = (int)j->cube.bands;
  size_t nv = j->n_valid;
  if (p > bands) p = bands;
  double *v = compact(j), *em = pv_malloc((size_t)p * bands * sizeof *em), *a = pv_malloc((size_t)p * nv * sizeof *a);
  pv_hsi_lsu *lsu = NULL;
  int rc = v && em && a ? PV_OK : PV_ENOMEM;
  if (!rc) rc = pv_hsi_vca(j->ctx, bands, nv, v, nv, p, NAN, NULL, em);
  if (!rc) rc = pv_hsi_lsu_create(j->ctx, PV_HSI_FCLS, bands, p, em, &lsu);
  if (!rc) rc = pv_hsi_lsu_solve(lsu, nv, v, nv, a, nv, NULL);
  if (!rc && !(j->feat = pv_malloc(nv * (size_t)p * sizeof *j->feat))) rc = PV_ENOMEM;
  for (size_t i = 0; !rc && i < nv; i++)
    for (int k = 0; k < p; k++) j->feat[i * p + k] = a[(size_t)k * nv + i];
  j->d = p;
  pv_hsi_lsu_destroy(&lsu);
  pv_free(v), pv_free(em), pv_free(a);
  return rc;
}

static int spectra(segment_job *j) {
  size_t bands = j->cube.bands, nv = j->n_valid;
  const double *y = j->cube.data;
  j->d = (int)bands;
  j->feat = pv_malloc(nv * bands * sizeof *j->feat);
  if (!j->feat) return PV_ENOMEM;
  for (size_t i = 0; i < nv; i++)
    for (size_t b = 0; b < bands; b++) j->feat[i * bands + b] = y[b * j->n + j->valid[i]];
  return PV_OK;
}

int segment_features(segment_job *j) {
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  j->explained = NAN;
  int rc = load(j);
  if (rc) return rc;
  if (j->cube.bands > 65536) return PV_ERROR(PV_EFORMAT, "%s: %zu bands", j->scene, j->cube.bands);
  j->features = pv_args_string(j->args, "features");
  int dims = (int)pv_args_int(j->args, "components");
  if (!strcmp(j->features, "pca")) rc = pca(j, dims ? dims : 10);
  else if (!strcmp(j->features, "abundances")) rc = abundances(j, dims ? dims : j->classes);
  else rc = spectra(j);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  j->seconds_features = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  return rc;
}

void segment_job_free(segment_job *j) {
  pv_raster_cube_free(&j->cube);
  pv_free(j->valid);
  pv_free(j->feat);
  pv_free(j->labels);
  pv_free(j->sizes);
  pv_free(j->truth.count);
  memset(j, 0, sizeof j[0]);
}
