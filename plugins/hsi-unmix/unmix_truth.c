/* Scores against ground truth, as HySUPP computes them: endmembers matched
 * by spectral angle (Hungarian), then SAD, abundance RMSE and SRE. */
#include <math.h>
#include <string.h>

#include <parseval/json.h>
#include <parseval/scene.h>

#include "unmix.h"

/* Spectra from a .mat file: variable GT (p x bands) or E (bands x p,
 * HySUPP's layout), both read as p bands of a 1 x bands image. */
static int mat_spectra(unmix_job *j, const char *path, double **em, int *p) {
  pv_scene_read_options o = PV_SCENE_READ_OPTIONS_INIT;
  pv_raster_cube c;
  o.rows = 1;
  o.cols = (size_t)j->bands;
  o.mat_var = "GT";
  int rc = pv_scene_read(j->ctx, path, &o, &c);
  if (rc == PV_ENOTFOUND) {
    pv_error_clear();
    o.mat_var = "E";
    rc = pv_scene_read(j->ctx, path, &o, &c);
  }
  if (rc) return rc;
  *p = (int)c.bands;
  *em = c.data;
  c.data = NULL;
  pv_raster_cube_free(&c);
  return PV_OK;
}

int unmix_read_spectra(unmix_job *j, const char *path, pv_hsi_speclib *lib) {
  int lr = unmix_read_library(j, path, lib);
  if (lr <= 0) return lr;
  if (pv_scene_kind_of(path) != PV_SCENE_MAT) return pv_hsi_speclib_read_csv(path, lib);
  double *em = NULL;
  int p = 0, rc = mat_spectra(j, path, &em, &p);
  if (!rc) rc = pv_hsi_speclib_alloc(lib, p, j->bands);
  if (!rc) memcpy(lib->data, em, (size_t)p * j->bands * sizeof *em);
  pv_free(em);
  return rc;
}

/* Reference endmembers with the scene's band count. */
static int truth_endmembers(unmix_job *j, const char *path, double **em, int *p) {
  pv_hsi_speclib lib;
  int rc = unmix_read_spectra(j, path, &lib);
  if (!rc && lib.bands != j->bands) rc = PV_ERROR(PV_EINVAL, "%s: %d bands, the scene has %d", path, lib.bands, j->bands);
  if (!rc) {
    *p = lib.n;
    *em = lib.data;
    lib.data = NULL;
  }
  pv_hsi_speclib_free(&lib);
  return rc;
}

/* Reference abundances (p x pixels, image order): any scene file; for .mat
 * the variable S_GT (rows x cols x p) or A (p x pixels). */
static int truth_abundances(unmix_job *j, const char *path, pv_raster_cube *c) {
  pv_scene_read_options o = PV_SCENE_READ_OPTIONS_INIT;
  o.rows = j->height;
  o.cols = j->width;
  int mat = pv_scene_kind_of(path) == PV_SCENE_MAT;
  o.mat_var = mat ? "S_GT" : NULL;
  int rc = pv_scene_read(j->ctx, path, &o, c);
  if (rc == PV_ENOTFOUND && mat) {
    pv_error_clear();
    o.mat_var = "A";
    rc = pv_scene_read(j->ctx, path, &o, c);
  }
  if (!rc && (c->width != j->width || c->height != j->height || (int)c->bands != j->p))
    rc = PV_ERROR(PV_EINVAL, "%s: %zu x %zu x %zu abundances for a %zu x %zu scene with %d endmembers", path,
                  c->width, c->height, c->bands, j->width, j->height, j->p);
  return rc;
}

static int write_scores(unmix_job *j, pv_json *js, const double *ref_em, const pv_raster_cube *ref_a) {
  int perm[PV_HSI_MAX_EM];
  double sad[PV_HSI_MAX_EM], mean = 0;
  int rc = pv_hsi_match_endmembers(j->p, j->bands, j->em, ref_em, perm, sad);
  if (rc) return rc;
  size_t n = j->width * j->height;
  pv_json_key(js, "endmembers");
  pv_json_array_begin(js);
  for (int i = 0; i < j->p; i++) {
    pv_json_object_begin(js);
    pv_json_kv_int(js, "reference", i);
    pv_json_kv_string(js, "estimate", j->names[perm[i]]);
    pv_json_kv_number(js, "sad_deg", sad[i]);
    pv_json_object_end(js);
    mean += sad[i] / j->p;
  }
  pv_json_array_end(js);
  pv_json_kv_number(js, "sad_mean_deg", mean);
  if (ref_a) {
    double rmse = pv_hsi_abundance_rmse(j->p, n, j->a, n, ref_a->data, n, perm);
    pv_json_kv_number(js, "abundance_rmse", rmse);
    pv_json_kv_number(js, "abundance_rmse_x100", 100 * rmse);
    pv_json_kv_number(js, "sre_db", pv_hsi_sre_db(j->p, n, j->a, n, ref_a->data, n, perm));
  }
  return pv_json_status(js);
}

int unmix_truth_load(unmix_job *j) {
  const char *e_path = pv_args_string(j->args, "truth-endmembers"), *a_path = pv_args_string(j->args, "truth-abundances");
  if (!e_path && !a_path) return PV_OK;
  if (!e_path) return PV_ERROR(PV_EINVAL, "--truth-abundances needs --truth-endmembers (to match endmembers)");
  if (j->streamed) return PV_ERROR(PV_EINVAL, "scores against truth need the scene in memory (raise the RAM budget)");
  if (!pv_args_string(j->args, "report")) return PV_ERROR(PV_EINVAL, "scores against truth go to the report folder: give one");
  int p = 0, rc = truth_endmembers(j, e_path, &j->ref_em, &p);
  if (!rc && p != j->p)
    rc = PV_ERROR(PV_EINVAL, "%s has %d endmembers, the run %d (give --endmembers=%d)", e_path, p, j->p, p);
  if (!rc && a_path) rc = truth_abundances(j, a_path, &j->ref_a);
  return rc;
}

int unmix_truth_scores(unmix_job *j, pv_json *js) {
  if (!j->ref_em) return PV_OK;
  pv_json_key(js, "truth");
  pv_json_object_begin(js);
  int rc = write_scores(j, js, j->ref_em, j->ref_a.data ? &j->ref_a : NULL);
  pv_json_object_end(js);
  return rc;
}
