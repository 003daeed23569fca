/* Endmembers: a given library (resampled onto the scene's bands when
 * needed), or a count (given or HySime's) and an extraction. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "unmix.h"

static double seconds_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int take_names(unmix_job *j, char **names) {
  j->names = pv_calloc((size_t)j->p, sizeof *j->names);
  if (!j->names) return PV_ENOMEM;
  for (int i = 0; i < j->p; i++) {
    char buf[32];
    snprintf(buf, sizeof buf, "endmember-%d", i + 1);
    if (!(j->names[i] = pv_strdup(names ? names[i] : buf))) return PV_ENOMEM;
  }
  return PV_OK;
}

static int from_library(unmix_job *j, const char *path) {
  pv_hsi_speclib lib;
  int rc = unmix_read_spectra(j, path, &lib);
  if (rc) return rc;
  rc = unmix_library_units(j, &lib);
  if (rc) {
    pv_hsi_speclib_free(&lib);
    return PV_ERROR(rc, "library %s", path);
  }
  j->p = lib.n;
  j->p_from = "library";
  j->em = pv_malloc((size_t)lib.n * j->bands * sizeof *j->em);
  if (!j->em) rc = PV_ENOMEM;
  else if (lib.bands == j->bands && (!lib.wavelength || !j->meta.wavelength))
    memcpy(j->em, lib.data, (size_t)lib.n * j->bands * sizeof *j->em);
  else if (lib.wavelength && j->meta.wavelength)
    rc = pv_hsi_speclib_resample(&lib, j->meta.wavelength, j->bands, j->em);
  else
    rc = PV_ERROR(PV_EINVAL, "library %s has %d bands, the scene %d, and wavelengths are missing to resample",
                  path, lib.bands, j->bands);
  for (size_t k = 0; !rc && k < (size_t)lib.n * j->bands; k++)
    if (isnan(j->em[k]))
      rc = PV_ERROR(PV_EINVAL, "spectrum %zu (%s), band %zu is deleted (no value)", k / j->bands + 1,
                    lib.names[k / j->bands], k % j->bands + 1);
  if (rc) rc = PV_ERROR(rc, "library %s", path);
  if (!rc && j->p > PV_HSI_MAX_EM && strncmp(pv_args_string(j->args, "method"), "sunsal", 6))
    rc = PV_ERROR(PV_EINVAL, "library %s has %d spectra; least squares takes at most %d (use --method=sunsal or sunsal-tv)",
                  path, j->p, PV_HSI_MAX_EM);
  if (!rc) rc = take_names(j, lib.names);
  pv_hsi_speclib_free(&lib);
  return rc;
}

static int count(unmix_job *j, const double *y, size_t ldy) {
  j->p = (int)pv_args_int(j->args, "endmembers");
  j->p_from = "given";
  if (j->p > 0) return PV_OK;
  int k = 0, rc = pv_hsi_hysime(j->ctx, j->bands, j->ns, y, ldy, &k, NULL);
  if (rc) return rc;
  if (k < 1 || k > PV_HSI_MAX_EM || k > j->bands)
    return PV_ERROR(PV_ENUMERIC, "HySime estimated %d endmembers for %s; give --endmembers", k, j->scene);
  pv_log(j->ctx, PV_LOG_INFO, "hsi", "HySime: %d endmembers", k);
  j->p = k;
  j->p_from = "HySime";
  return PV_OK;
}

/* Blind unmixing: VCA's endmembers pushed out to the minimum-volume simplex
 * (the volume weight scales with the number of pixels, as the fit does). */
static int min_volume(unmix_job *j, const double *y, size_t ldy) {
  double *a = pv_malloc((size_t)j->p * j->ns * sizeof *a);
  if (!a) return PV_ENOMEM;
  pv_hsi_mvnmf_options o = PV_HSI_MVNMF_OPTIONS_INIT;
  o.lambda = pv_args_real(j->args, "volume-weight") * (double)j->ns;
  o.max_iter = 5000;
  o.tol = 1e-8;
  int it = 0, rc = pv_hsi_mvnmf(j->ctx, j->bands, j->ns, y, ldy, j->p, &o, j->em, a, j->ns, NULL, &it);
  if (rc == PV_ENOTCONV) { /* usable, but say so */
    pv_log(j->ctx, PV_LOG_WARN, "hsi", "MV-NMF stopped after %d iterations before converging", it);
    pv_error_clear();
    rc = PV_OK;
  }
  pv_free(a);
  return rc;
}

int unmix_endmembers(unmix_job *j) {
  double t0 = seconds_now();
  const char *lib = pv_args_string(j->args, "library");
  const double *y = j->sample ? j->sample : j->cube.data;
  size_t ldy = j->sample ? j->ns : j->width * j->height;
  int rc = lib ? from_library(j, lib) : count(j, y, ldy);
  if (!rc && !lib) {
    j->em = pv_malloc((size_t)j->p * j->bands * sizeof *j->em);
    const char *how = pv_args_string(j->args, "extract");
    if (!j->em) rc = PV_ENOMEM;
    else if (!strcmp(how, "nfindr")) rc = pv_hsi_nfindr(j->ctx, j->bands, j->ns, y, ldy, j->p, 50, NULL, j->em);
    else if (!strcmp(how, "atgp")) rc = pv_hsi_atgp(j->ctx, j->bands, j->ns, y, ldy, j->p, NULL, j->em);
    else rc = pv_hsi_vca(j->ctx, j->bands, j->ns, y, ldy, j->p, NAN, NULL, j->em);
    if (!rc && !strcmp(how, "mvnmf")) rc = min_volume(j, y, ldy);
    if (!rc) rc = take_names(j, NULL);
  }
  j->seconds_extract = seconds_now() - t0;
  return rc;
}
