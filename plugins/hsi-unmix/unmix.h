/* unmix.h - the hsi-unmix application's pieces: one job carried from the
 * input scene to the outputs. */
#ifndef PV_PLUGIN_UNMIX_H
#define PV_PLUGIN_UNMIX_H

#include <parseval/hsi.h>
#include <parseval/parseval.h>
#include <parseval/provenance.h>
#include <parseval/raster.h>

typedef struct {
  pv_ctx *ctx;
  const pv_args *args;
  const char *scene;
  double scale;                 /* data are divided by it */
  int bands;
  size_t width, height;
  int streamed;                 /* raster too large for memory: two passes */
  pv_raster_cube cube;          /* in memory (not streamed) */
  pv_raster_meta meta;          /* input metadata (georeferencing, wavelengths) */
  double *sample;               /* bands x ns pixels for estimation/extraction */
  size_t ns;
  int p;                        /* endmembers */
  const char *p_from;           /* "given", "HySime", "library" */
  double *em;                   /* p x bands */
  double *a;                    /* p x pixels (not streamed) */
  char **names;                 /* [p] */
  size_t masked;                /* pixels with a NaN / no-data band */
  double recon_rmse;            /* NaN when streamed */
  double *ref_em;               /* truth endmembers (p x bands) or NULL */
  pv_raster_cube ref_a;         /* truth abundances (data NULL when absent) */
  double seconds_extract, seconds_unmix;
} unmix_job;

/* Load the scene (in memory when it fits half the RAM budget, else a
 * strided pixel sample only) and its metadata; scale applied. */
int unmix_load(unmix_job *j);
/* Endmembers: from --library (resampled to the scene's wavelengths when both
 * have them), else counted (--endmembers or HySime) and extracted. */
int unmix_endmembers(unmix_job *j);
/* Abundances for every pixel, written to `path` (GeoTIFF or ENVI). */
int unmix_abundances(unmix_job *j, const char *path, const pv_provenance *prov);
/* The report folder: endmembers.csv/.sli/.png, abundance maps, summary.json and,
 * with truth, metrics. */
int unmix_report(unmix_job *j, const char *dir, const char *abund_path, const pv_provenance *prov);
/* Spectra from a CSV library or a .mat file (variable GT, p x bands, or E,
 * bands x p) into lib. */
int unmix_read_spectra(unmix_job *j, const char *path, pv_hsi_speclib *lib);
/* ENVI (.sli/.hdr), USGS splib07 (.txt, or a folder of them) libraries;
 * 1 when path is none of these (CSV or .mat). */
int unmix_read_library(unmix_job *j, const char *path, pv_hsi_speclib *lib);
/* Convert lib's wavelengths into the scene's units when both are known. */
int unmix_library_units(unmix_job *j, pv_hsi_speclib *lib);
/* Load and check the ground truth (--truth-endmembers, --truth-abundances)
 * against the run's endmember count, before any output is written. */
int unmix_truth_load(unmix_job *j);
/* Add a "truth" object of scores to js when truth was loaded. */
struct pv_json;
int unmix_truth_scores(unmix_job *j, struct pv_json *js);
void unmix_job_free(unmix_job *j);
#endif
