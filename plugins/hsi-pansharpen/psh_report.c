/* The report folder: quicklooks of PAN, the interpolated MS and the fused
 * cube, and indexes.json (full-resolution scores, run facts, provenance). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <parseval/render.h>

#include "psh.h"

/* Display bands (0-based): --rgb, else R,G,B of 8-band WorldView (5,3,2)
 * or of B,G,R,NIR sensors (3,2,1), else the first band alone. */
static int rgb_bands(const psh_job *j, size_t idx[3]) {
  const int64_t *v = NULL;
  size_t n = pv_args_int_list(j->args, "rgb", &v);
  if (n && n != 3) return PV_ERROR(PV_EINVAL, "--rgb needs 3 band numbers, got %zu", n);
  for (size_t k = 0; k < n; k++)
    if (v[k] < 1 || (size_t)v[k] > j->bands) return PV_ERROR(PV_EINVAL, "--rgb band %lld outside 1..%zu", (long long)v[k], j->bands);
  static const size_t wv[3] = {4, 2, 1}, bgr[3] = {2, 1, 0};
  for (int k = 0; k < 3; k++) idx[k] = n ? (size_t)v[k] - 1 : j->bands == 8 ? wv[k] : j->bands >= 3 ? bgr[k] : 0;
  return PV_OK;
}

static int picture(const char *dir, const char *name, const char *title, const double *cube, size_t w, size_t h,
                   const size_t idx[3], int rgb, const pv_provenance *prov) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  size_t shape[2] = {h, w};
  pv_view v[3];
  for (int k = 0; k < 3; k++) pv_view_init(&v[k], (void *)(cube + idx[k] * w * h), PV_F64, 2, shape);
  pv_quicklook_opts o = PV_QUICKLOOK_OPTS_INIT;
  o.title = title;
  o.cmap = PV_CMAP_GRAY;
  pv_image *img = NULL;
  int rc = rgb ? pv_quicklook_rgb(&v[0], &v[1], &v[2], &o, &img, NULL) : pv_quicklook_band(&v[0], &o, &img, NULL);
  if (!rc) rc = pv_image_write_png(img, path, prov, 1);
  pv_image_destroy(&img);
  return rc;
}

static int quicklooks(psh_job *j, const char *dir, const double *fused, const pv_provenance *prov) {
  size_t idx[3], zero[3] = {0, 0, 0};
  int rc = rgb_bands(j, idx), rgb = j->bands >= 3;
  if (!rc && j->pan.data) rc = picture(dir, "pan.png", "PAN", j->pan.data, j->w, j->h, zero, 0, prov);
  if (!rc) rc = picture(dir, "ms.png", "MS (low resolution)", j->ms.data, j->wl, j->hl, idx, rgb, prov);
  if (!rc && fused) {
    char title[128];
    snprintf(title, sizeof title, "fused (%s)", pv_psh_method_name(j->opt.method));
    rc = picture(dir, "fused.png", title, fused, j->w, j->h, idx, rgb, prov);
  }
  return rc;
}

void psh_json_fr(pv_json *js, const pv_psh_fr_scores *s) {
  pv_json_object_begin(js);
  pv_json_kv_number(js, "d_lambda_khan", s->d_lambda);
  pv_json_kv_number(js, "d_s", s->d_s);
  pv_json_kv_number(js, "qnr", s->qnr);
  pv_json_kv_number(js, "d_s_r2", s->d_s_r2);
  pv_json_object_end(js);
}

int psh_report(psh_job *j, const char *dir, const double *fused, const pv_provenance *prov) {
  int rc = quicklooks(j, dir, fused, prov);
  pv_psh_fr_scores fr;
  int have_fr = 0;
  if (!rc && fused && pv_args_flag(j->args, "assess")) {
    rc = pv_psh_fr_assess(j->ratio, j->bands, j->wl, j->hl, j->ms.data, j->pan.data, fused, j->gnyq_ms, j->gnyq_pan,
                          (size_t)pv_args_int(j->args, "block"), 1.0, &fr);
    have_fr = !rc;
  }
  pv_json *js = NULL;
  if (!rc) rc = pv_json_create(2, &js);
  if (rc) return rc;
  pv_json_object_begin(js);
  pv_json_kv_string(js, "ms", j->ms_path);
  pv_json_kv_string(js, "pan", j->pan_path);
  pv_json_kv_string(js, "method", pv_psh_method_name(j->opt.method));
  pv_json_kv_int(js, "ratio", j->ratio);
  pv_json_kv_int(js, "bands", (int64_t)j->bands);
  pv_json_kv_int(js, "width", (int64_t)j->w);
  pv_json_kv_int(js, "height", (int64_t)j->h);
  pv_json_kv_string(js, "sensor", pv_args_string(j->args, "sensor"));
  pv_json_key(js, "mtf_gains_ms");
  pv_json_numbers(js, j->gnyq_ms, j->bands);
  pv_json_kv_number(js, "mtf_gain_pan", j->gnyq_pan);
  pv_json_kv_string(js, "mode", j->streamed ? "streamed" : "in memory");
  pv_json_kv_int(js, "masked_pixels", (int64_t)j->masked);
  pv_json_kv_number(js, "seconds", j->seconds);
  if (have_fr) {
    pv_json_key(js, "full_resolution");
    psh_json_fr(js, &fr);
  }
  pv_json_key(js, "provenance");
  rc = pv_provenance_to_json(prov, js);
  pv_json_object_end(js);
  char path[4096];
  snprintf(path, sizeof path, "%s/indexes.json", dir);
  if (!rc) rc = pv_json_write_file(js, path, 1);
  pv_json_destroy(&js);
  return rc;
}
