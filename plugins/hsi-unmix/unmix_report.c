/* The report folder: what a person looks at after a run. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <parseval/json.h>
#include <parseval/render.h>

#include "unmix.h"

/* endmembers.csv and the same spectra as an ENVI spectral library (.sli/.hdr). */
static int write_endmembers_csv(const unmix_job *j, const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/endmembers.csv", dir);
  pv_hsi_speclib lib = {j->p, j->bands, j->names, j->meta.wavelength, j->em, j->meta.wavelength_units};
  int rc = pv_hsi_speclib_write_csv(path, &lib, 1);
  snprintf(path, sizeof path, "%s/endmembers.sli", dir);
  return rc ? rc : pv_hsi_speclib_write_envi(path, &lib, 5, 1);
}

static int plot_endmembers(const unmix_job *j, const char *dir, const pv_provenance *prov) {
  char path[4096];
  snprintf(path, sizeof path, "%s/endmembers.png", dir);
  pv_plot *pl = NULL;
  int rc = pv_plot_create(800, 480, &pl);
  if (!rc) rc = pv_plot_set_title(pl, "endmember spectra");
  if (!rc) rc = pv_plot_set_xlabel(pl, j->meta.wavelength ? (j->meta.wavelength_units ? j->meta.wavelength_units : "wavelength") : "band");
  if (!rc) rc = pv_plot_set_ylabel(pl, j->scale != 1 ? "value / scale" : "value");
  for (int i = 0; !rc && i < j->p; i++)
    rc = pv_plot_add_series(pl, j->names[i], j->meta.wavelength, j->em + (size_t)i * j->bands, (size_t)j->bands, NULL);
  if (!rc) rc = pv_plot_write_png(pl, path, prov, 1);
  pv_plot_destroy(&pl);
  return rc;
}

static int map_abundances(const unmix_job *j, const char *dir, const pv_provenance *prov) {
  int rc = PV_OK;
  for (int i = 0; !rc && i < j->p; i++) {
    char path[4096], title[256];
    snprintf(path, sizeof path, "%s/abundance-%d.png", dir, i + 1);
    snprintf(title, sizeof title, "abundance of %s", j->names[i]);
    pv_view v;
    size_t shape[2] = {j->height, j->width};
    pv_view_init(&v, j->a + (size_t)i * j->width * j->height, PV_F64, 2, shape);
    pv_quicklook_opts o = PV_QUICKLOOK_OPTS_INIT;
    o.lo_pct = 0;
    o.hi_pct = 100;
    o.title = title;
    o.units = "fraction";
    pv_image *img = NULL;
    rc = pv_quicklook_band(&v, &o, &img, NULL);
    if (!rc) rc = pv_image_write_png(img, path, prov, 1);
    pv_image_destroy(&img);
  }
  return rc;
}

static int summary(unmix_job *j, const char *dir, const char *abund, const pv_provenance *prov) {
  char path[4096];
  snprintf(path, sizeof path, "%s/summary.json", dir);
  pv_json *js = NULL;
  int rc = pv_json_create(2, &js);
  if (rc) return rc;
  pv_json_object_begin(js);
  pv_json_kv_string(js, "scene", j->scene);
  pv_json_kv_string(js, "abundances", abund);
  pv_json_kv_int(js, "width", (int64_t)j->width);
  pv_json_kv_int(js, "height", (int64_t)j->height);
  pv_json_kv_int(js, "bands", j->bands);
  pv_json_kv_int(js, "endmembers", j->p);
  pv_json_kv_string(js, "endmembers_from", j->p_from);
  pv_json_kv_string(js, "method", pv_args_string(j->args, "method"));
  pv_json_kv_int(js, "pixels_for_extraction", (int64_t)j->ns);
  pv_json_kv_int(js, "masked_pixels", (int64_t)j->masked);
  pv_json_kv_string(js, "mode", j->streamed ? "streamed" : "in memory");
  pv_json_kv_number(js, "reconstruction_rmse", j->recon_rmse);
  pv_json_kv_number(js, "seconds_endmembers", j->seconds_extract);
  pv_json_kv_number(js, "seconds_abundances", j->seconds_unmix);
  rc = unmix_truth_scores(j, js);
  pv_json_key(js, "provenance");
  if (!rc) rc = pv_provenance_to_json(prov, js);
  pv_json_object_end(js);
  if (!rc) rc = pv_json_write_file(js, path, 1);
  pv_json_destroy(&js);
  return rc;
}

int unmix_report(unmix_job *j, const char *dir, const char *abund_path, const pv_provenance *prov) {
  int rc = dir ? write_endmembers_csv(j, dir) : PV_OK;
  if (!rc && dir) rc = plot_endmembers(j, dir, prov);
  if (!rc && dir && j->a) rc = map_abundances(j, dir, prov);
  if (!rc && dir) rc = summary(j, dir, abund_path, prov);
  return rc;
}
