/* hsi-unmix: linear spectral unmixing of a hyperspectral scene. `run`
 * counts (HySime) and extracts (VCA, N-FINDR, ATGP) endmembers or takes a
 * library (CSV, ENVI .sli, USGS splib07 ASCII, .mat), estimates abundances
 * (exact FCLS, NCLS, SCLS, UCLS, SUnSAL or SUnSAL-TV),
 * and writes a georeferenced abundance cube plus a report; `count` reports
 * the estimated number of endmembers. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <parseval/json.h>

#include "unmix.h"

#define APP "hsi-unmix"

static const pv_param run_params[] = {
    {"scene", PV_PARAM_PATH, PV_ROLE_INPUT, 0, NULL, 0, 0, NULL, "raster GDAL reads, MATLAB .mat or .npy cube", NULL},
    {"abundances", PV_PARAM_PATH, PV_ROLE_OUTPUT, 0, NULL, 0, 0, NULL,
     "abundance cube, one band per endmember (.tif: GeoTIFF, else ENVI)", NULL},
    {"report", PV_PARAM_PATH, PV_ROLE_OUTPUT, PV_PARAM_OPTIONAL | PV_PARAM_DIR, NULL, 0, 0, NULL,
     "folder for endmembers.csv/.sli/.png, abundance maps and summary.json", NULL},
    {"endmembers", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_HAS_MIN | PV_PARAM_HAS_MAX, "0", 0, PV_HSI_MAX_EM, NULL,
     "number of endmembers; 0 estimates it with HySime", NULL},
    {"extract", PV_PARAM_CHOICE, PV_ROLE_OPTION, 0, "vca", 0, 0, "vca|nfindr|atgp|mvnmf",
     "endmember extraction (mvnmf: blind minimum-volume NMF from VCA, for scenes without pure pixels)", NULL},
    {"volume-weight", PV_PARAM_REAL, PV_ROLE_OPTION, PV_PARAM_HAS_MIN, "1e-4", 0, 0, NULL,
     "MV-NMF log-det weight per pixel, in (data / scale)^2 units", NULL},
    {"method", PV_PARAM_CHOICE, PV_ROLE_OPTION, 0, "fcls", 0, 0, "fcls|ncls|scls|ucls|sunsal|sunsal-tv",
     "abundance estimator (fcls: non-negative, sum to one, exact; sunsal-tv: SUnSAL plus total variation on the "
     "abundance maps, in memory only)", NULL},
    {"lambda", PV_PARAM_REAL, PV_ROLE_OPTION, PV_PARAM_HAS_MIN, "1e-4", 0, 0, NULL,
     "SUnSAL / SUnSAL-TV l1 weight, in (data / scale)^2 units", NULL},
    {"lambda-tv", PV_PARAM_REAL, PV_ROLE_OPTION, PV_PARAM_HAS_MIN, "1e-4", 0, 0, NULL,
     "SUnSAL-TV total-variation weight, in (data / scale)^2 units", NULL},
    {"tv", PV_PARAM_CHOICE, PV_ROLE_OPTION, 0, "anisotropic", 0, 0, "anisotropic|isotropic",
     "SUnSAL-TV: |Dh a| + |Dv a| per pixel, or sqrt(Dh a^2 + Dv a^2)", NULL},
    {"library", PV_PARAM_PATH, PV_ROLE_OPTION, 0, NULL, 0, 0, NULL,
     "spectral library used as the endmembers (resampled to the scene's wavelengths): CSV, ENVI .sli/.hdr, USGS "
     "splib07 ASCII .txt or a folder of them, or .mat (GT / E)", NULL},
    {"library-wavelengths", PV_PARAM_PATH, PV_ROLE_OPTION, 0, NULL, 0, 0, NULL,
     "USGS splib07 wavelength file (micrometres) for --library; default: the folder's single *Wavelengths*.txt", NULL},
    {"scale", PV_PARAM_REAL, PV_ROLE_OPTION, PV_PARAM_HAS_MIN, "1", 1e-300, 0, NULL,
     "the data are divided by this (e.g. 10000 for reflectance x 10000)", NULL},
    {"sample", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_HAS_MIN, "200000", 1000, 0, NULL,
     "at most this many pixels (evenly strided) feed the count and the extraction", NULL},
    {"mat-var", PV_PARAM_STRING, PV_ROLE_OPTION, 0, NULL, 0, 0, NULL, ".mat input: data variable (default Y)", NULL},
    {"rows", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_HAS_MIN, "0", 0, 0, NULL, ".mat matrix input: image rows (0: from the file)", NULL},
    {"cols", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_HAS_MIN, "0", 0, 0, NULL, ".mat matrix input: image columns", NULL},
    {"truth-endmembers", PV_PARAM_PATH, PV_ROLE_OPTION, 0, NULL, 0, 0, NULL,
     "reference endmembers (CSV, or .mat variable GT / E) for scores in the report", NULL},
    {"truth-abundances", PV_PARAM_PATH, PV_ROLE_OPTION, 0, NULL, 0, 0, NULL,
     "reference abundances (raster, .npy, or .mat variable S_GT / A)", NULL},
};
#define N_RUN (sizeof run_params / sizeof run_params[0])

static int run(pv_ctx *ctx, const pv_args *args) {
  unmix_job j;
  memset(&j, 0, sizeof j);
  j.ctx = ctx;
  j.args = args;
  j.scene = pv_args_string(args, "scene");
  j.scale = pv_args_real(args, "scale");
  const char *abund = pv_args_string(args, "abundances"), *report = pv_args_string(args, "report");
  pv_provenance *prov = NULL;
  int rc = pv_provenance_from_args(ctx, APP, "run", run_params, N_RUN, args, &prov);
  if (!rc) rc = unmix_load(&j);
  if (!rc) rc = unmix_endmembers(&j);
  if (!rc) rc = unmix_truth_load(&j);
  if (!rc) rc = unmix_abundances(&j, abund, prov);
  if (!rc) rc = unmix_report(&j, report, abund, prov);
  if (!rc)
    pv_log(ctx, PV_LOG_INFO, "hsi", "%d endmembers (%s), %zu masked pixels, %.2f s + %.2f s", j.p, j.p_from,
           j.masked, j.seconds_extract, j.seconds_unmix);
  pv_provenance_destroy(&prov);
  unmix_job_free(&j);
  return rc;
}

static const pv_param count_params[] = {
    {"scene", PV_PARAM_PATH, PV_ROLE_INPUT, 0, NULL, 0, 0, NULL, "raster GDAL reads, MATLAB .mat or .npy cube", NULL},
    {"summary", PV_PARAM_PATH, PV_ROLE_OUTPUT, 0, NULL, 0, 0, NULL, "JSON with the estimates", NULL},
    {"sample", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_HAS_MIN, "200000", 1000, 0, NULL,
     "at most this many pixels (evenly strided) are used", NULL},
    {"scale", PV_PARAM_REAL, PV_ROLE_OPTION, PV_PARAM_HAS_MIN, "1", 1e-300, 0, NULL, "the data are divided by this", NULL},
    {"mat-var", PV_PARAM_STRING, PV_ROLE_OPTION, 0, NULL, 0, 0, NULL, ".mat input: data variable (default Y)", NULL},
    {"rows", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_HAS_MIN, "0", 0, 0, NULL, ".mat matrix input: image rows", NULL},
    {"cols", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_HAS_MIN, "0", 0, 0, NULL, ".mat matrix input: image columns", NULL},
};
#define N_COUNT (sizeof count_params / sizeof count_params[0])

static int count_estimates(unmix_job *j, pv_json *js) {
  const double *y = j->sample ? j->sample : j->cube.data;
  size_t ld = j->sample ? j->ns : j->width * j->height;
  double *var = pv_malloc((size_t)j->bands * sizeof *var), mean_var = 0;
  int k = 0, rc = var ? pv_hsi_hysime(j->ctx, j->bands, j->ns, y, ld, &k, var) : PV_ENOMEM;
  for (int b = 0; !rc && b < j->bands; b++) mean_var += var[b] / j->bands;
  pv_free(var);
  if (rc) return rc;
  pv_json_kv_int(js, "hysime", k);
  pv_json_kv_number(js, "noise_sigma_mean", sqrt(mean_var));
  pv_json_key(js, "hfc");
  pv_json_object_begin(js);
  static const double pfa[3] = {1e-3, 1e-4, 1e-5};
  static const char *key[3] = {"pfa_1e-3", "pfa_1e-4", "pfa_1e-5"};
  for (int i = 0; !rc && i < 3; i++) {
    int vd = 0;
    rc = pv_hsi_hfc(j->ctx, j->bands, j->ns, y, ld, pfa[i], &vd);
    pv_json_kv_int(js, key[i], vd);
  }
  pv_json_object_end(js);
  return rc;
}

static int count(pv_ctx *ctx, const pv_args *args) {
  unmix_job j;
  memset(&j, 0, sizeof j);
  j.ctx = ctx;
  j.args = args;
  j.scene = pv_args_string(args, "scene");
  j.scale = pv_args_real(args, "scale");
  pv_json *js = NULL;
  pv_provenance *prov = NULL;
  int rc = pv_provenance_from_args(ctx, APP, "count", count_params, N_COUNT, args, &prov);
  if (!rc) rc = unmix_load(&j);
  if (!rc) rc = pv_json_create(2, &js);
  if (!rc) {
    pv_json_object_begin(js);
    pv_json_kv_string(js, "scene", j.scene);
    pv_json_kv_int(js, "bands", j.bands);
    pv_json_kv_int(js, "pixels_used", (int64_t)j.ns);
    rc = count_estimates(&j, js);
    pv_json_key(js, "provenance");
    if (!rc) rc = pv_provenance_to_json(prov, js);
    pv_json_object_end(js);
  }
  if (!rc) rc = pv_json_write_file(js, pv_args_string(args, "summary"), pv_args_overwrite(args));
  pv_json_destroy(&js);
  pv_provenance_destroy(&prov);
  unmix_job_free(&j);
  return rc;
}

static const pv_verb verbs[] = {
    {"run", "endmembers and abundances of a scene, with a report", run_params, N_RUN, sizeof(pv_param), run,
     "Loads the scene (whole when it fits half the RAM budget, otherwise streamed block by block with a strided "
     "pixel sample for the estimators), counts endmembers with HySime unless --endmembers or --library is given, "
     "extracts them, estimates abundances for every pixel and writes them as float32 with the input's "
     "georeferencing and NaN as no-data. Pixels with a NaN or no-data band are masked. With "
     "--truth-endmembers (and --truth-abundances) the report scores the run as HySUPP does: endmembers matched by "
     "spectral angle, SAD in degrees, abundance RMSE and SRE."},
    {"count", "estimate the number of endmembers (HySime, HFC)", count_params, N_COUNT, sizeof(pv_param), count,
     "HySime's signal-subspace dimension and Harsanyi-Farrand-Chang virtual dimensionality at three "
     "false-alarm probabilities, from at most --sample pixels."},
};

static const char *const demos[] = {
    "run --endmembers=4 --scale=10000 --truth-endmembers={data}/scene/endmembers.csv "
    "--truth-abundances={data}/scene/abundances.tif {data}/scene/scene.tif {out}/abundances.tif {out}/report",
    "count --scale=10000 {data}/scene/scene.tif {out}/count.json",
    NULL};

static const pv_plugin_descriptor descriptor = {
    PV_PLUGIN_ABI_VERSION, sizeof(pv_plugin_descriptor), APP, "1.0",
    "hyperspectral unmixing: endmember count and extraction, exact FCLS / SUnSAL abundances, scores",
    verbs, 2, sizeof(pv_verb), demos, {0}};

PV_PLUGIN_DEFINE(descriptor)
