/* Spectral libraries for --library and --truth-endmembers: ENVI (.sli/.hdr),
 * a folder of USGS splib07 ASCII spectra, or CSV; wavelength units
 * reconciled with the scene's. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "unmix.h"

static int ends_with(const char *s, const char *suffix) {
  size_t l = strlen(s), k = strlen(suffix);
  return l >= k && !strcasecmp(s + l - k, suffix);
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The splib07 spectra of folder dir (*.txt, wavelength, bandpass and
 * resolution files excepted), sorted by name; *wl the folder's single
 * wavelength file, if any. */
static int list_usgs(const char *dir, char ***files, int *n, char **wl) {
  DIR *d = opendir(dir);
  if (!d) return PV_ERROR(PV_ENOTFOUND, "library folder %s cannot be opened", dir);
  int cap = 0, rc = PV_OK, n_wl = 0;
  *n = 0;
  *files = NULL;
  *wl = NULL;
  struct dirent *e;
  while (!rc && (e = readdir(d))) {
    if (e->d_name[0] == '.' || !ends_with(e->d_name, ".txt")) continue;
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path) continue;
    if (strstr(e->d_name, "Wavelengths")) {
      n_wl++;
      pv_free(*wl);
      if (!(*wl = pv_strdup(path))) rc = PV_ENOMEM;
      continue;
    }
    if (strstr(e->d_name, "Bandpass") || strstr(e->d_name, "Resolution")) continue;
    if (*n == cap && pv_realloc((void **)files, (size_t)cap * sizeof **files, (size_t)(cap ? 2 * cap : 16) * sizeof **files))
      rc = PV_ENOMEM;
    else if (*n == cap)
      cap = cap ? 2 * cap : 16;
    if (!rc && !((*files)[(*n)++] = pv_strdup(path))) rc = PV_ENOMEM;
  }
  closedir(d);
  if (!rc && n_wl > 1) {
    pv_free(*wl);
    *wl = NULL; /* ambiguous: --library-wavelengths must say */
  }
  if (!rc && *n == 0) rc = PV_ERROR(PV_EINVAL, "library folder %s holds no splib07 .txt spectra", dir);
  if (!rc) qsort(*files, (size_t)*n, sizeof **files, by_name);
  return rc;
}

static int read_usgs(unmix_job *j, const char *dir, pv_hsi_speclib *lib) {
  char **files = NULL, *wl = NULL;
  int n = 0, rc = list_usgs(dir, &files, &n, &wl);
  const char *given = pv_args_string(j->args, "library-wavelengths");
  if (!rc) rc = pv_hsi_speclib_read_usgs((const char *const *)files, n, given ? given : wl, lib);
  for (int i = 0; i < n; i++) pv_free(files[i]);
  pv_free(files);
  pv_free(wl);
  return rc;
}

int unmix_read_library(unmix_job *j, const char *path, pv_hsi_speclib *lib) {
  struct stat st;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return read_usgs(j, path, lib);
  if (ends_with(path, ".sli") || ends_with(path, ".hdr")) return pv_hsi_speclib_read_envi(path, lib);
  if (ends_with(path, ".txt")) {
    const char *one[1] = {path};
    return pv_hsi_speclib_read_usgs(one, 1, pv_args_string(j->args, "library-wavelengths"), lib);
  }
  return 1; /* not a library format of this file: CSV or .mat */
}

/* Bring lib's wavelengths into the scene's units. Without scene units,
 * centres above 100 are taken as nanometres, else micrometres (logged). */
int unmix_library_units(unmix_job *j, pv_hsi_speclib *lib) {
  if (!lib->wavelength || !lib->wavelength_units || !j->meta.wavelength) return PV_OK;
  double lf, sf;
  int rc = pv_hsi_wavelength_nm_per_unit(lib->wavelength_units, &lf);
  if (rc) return rc;
  if (j->meta.wavelength_units) {
    rc = pv_hsi_wavelength_nm_per_unit(j->meta.wavelength_units, &sf);
    if (rc) return rc;
  } else {
    sf = j->meta.wavelength[j->bands - 1] > 100 ? 1 : 1e3;
    pv_log(j->ctx, PV_LOG_INFO, "hsi", "scene wavelengths without units: taken as %s",
           sf == 1 ? "nanometres" : "micrometres");
  }
  for (int b = 0; b < lib->bands; b++) lib->wavelength[b] *= lf / sf;
  return PV_OK;
}
