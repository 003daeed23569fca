/* Inputs: the low-resolution MS and the PAN, aligned from their
 * georeferencing when both have it, otherwise from their sizes (and
 * --ratio); a clear error when extents or ratio disagree. */
#include <math.h>
#include <string.h>

#include <parseval/scene.h>

#include "psh.h"

void psh_job_free(psh_job *j) {
  pv_raster_cube_free(&j->ms);
  pv_raster_cube_free(&j->pan);
  pv_raster_meta_clear(&j->out_meta);
  pv_free(j->gnyq_ms);
  pv_free(j->weights);
}

/* A 2-D .mat matrix rows x cols reads as `rows` bands of 1 x cols (the
 * bands x pixels layout of spectral matrices): rebuild it as one band. */
static int mat_image(psh_job *j, size_t cols) {
  pv_scene_read_options o = PV_SCENE_READ_OPTIONS_INIT;
  o.mat_var = pv_args_string(j->args, "pan-var");
  o.rows = 1;
  o.cols = cols;
  pv_raster_cube t;
  int rc = pv_scene_read(j->ctx, j->pan_path, &o, &t);
  if (rc) return rc;
  rc = pv_raster_cube_alloc(&j->pan, t.width, t.bands, 1, PV_F64);
  if (!rc) memcpy(j->pan.data, t.data, t.width * t.bands * sizeof(double));
  if (!rc) pv_raster_cube_count_invalid(&j->pan);
  pv_raster_cube_free(&t);
  return rc;
}

/* The ratio from two geotransforms (north-up, integer pixel-size ratio,
 * common origin within half a PAN pixel). */
static int ratio_from_georef(psh_job *j, const pv_raster_meta *pm, int *ratio) {
  const double *a = j->ms.meta.geotransform, *b = pm->geotransform;
  if (a[2] != 0 || a[4] != 0 || b[2] != 0 || b[4] != 0)
    return PV_ERROR(PV_EUNSUPPORTED, "%s / %s: rotated geotransforms are not supported", j->ms_path, j->pan_path);
  double rx = a[1] / b[1], ry = a[5] / b[5];
  long r = lround(rx);
  if (r < 2 || fabs(rx - (double)r) > 1e-6 * rx || fabs(ry - (double)r) > 1e-6 * ry)
    return PV_ERROR(PV_EINVAL, "%s has %g x %g pixels, %s %g x %g: not an integer ratio >= 2", j->ms_path, a[1], a[5],
                    j->pan_path, b[1], b[5]);
  if (fabs(a[0] - b[0]) > 0.5 * fabs(b[1]) || fabs(a[3] - b[3]) > 0.5 * fabs(b[5]))
    return PV_ERROR(PV_EINVAL, "%s starts at (%.3f, %.3f), %s at (%.3f, %.3f): the images are not aligned",
                    j->ms_path, a[0], a[3], j->pan_path, b[0], b[3]);
  *ratio = (int)r;
  return PV_OK;
}

static int align(psh_job *j, const pv_raster_meta *pm, size_t pw, size_t ph) {
  int given = (int)pv_args_int(j->args, "ratio"), r = 0, rc = PV_OK;
  if (j->ms.meta.has_geotransform && pm->has_geotransform) rc = ratio_from_georef(j, pm, &r);
  else if (pw % j->wl == 0 && ph % j->hl == 0 && pw / j->wl == ph / j->hl) r = (int)(pw / j->wl);
  else return PV_ERROR(PV_EINVAL, "PAN %s is %zu x %zu, MS %s %zu x %zu: no integer ratio relates them", j->pan_path,
                       pw, ph, j->ms_path, j->wl, j->hl);
  if (rc) return rc;
  if (given && given != r)
    return PV_ERROR(PV_EINVAL, "--ratio=%d but %s and %s have ratio %d", given, j->ms_path, j->pan_path, r);
  if (r < 2 || r > PV_PSH_MAX_RATIO) return PV_ERROR(PV_EINVAL, "ratio %d outside 2..%d", r, PV_PSH_MAX_RATIO);
  if (pw != j->wl * (size_t)r || ph != j->hl * (size_t)r)
    return PV_ERROR(PV_EINVAL, "PAN %s is %zu x %zu but MS %s (%zu x %zu) at ratio %d covers %zu x %zu: the extents "
                    "differ", j->pan_path, pw, ph, j->ms_path, j->wl, j->hl, r, j->wl * (size_t)r, j->hl * (size_t)r);
  j->ratio = r;
  j->w = pw, j->h = ph;
  rc = pv_raster_meta_copy(&j->out_meta, &j->ms.meta);
  if (!rc && pm->has_geotransform) {
    memcpy(j->out_meta.geotransform, pm->geotransform, sizeof pm->geotransform);
    j->out_meta.has_geotransform = 1;
    if (pm->srs_wkt && !j->out_meta.srs_wkt) rc = pv_raster_meta_set_srs(&j->out_meta, pm->srs_wkt);
  } else if (!rc && j->out_meta.has_geotransform) {
    j->out_meta.geotransform[1] /= r, j->out_meta.geotransform[5] /= r;
  }
  return rc;
}

static int gains_and_weights(psh_job *j) {
  j->gnyq_ms = pv_malloc(j->bands * sizeof *j->gnyq_ms);
  if (!j->gnyq_ms) return PV_ENOMEM;
  int rc = pv_psh_sensor_gains(pv_args_string(j->args, "sensor"), j->bands, j->gnyq_ms, &j->gnyq_pan);
  const double *v = NULL;
  size_t n = pv_args_real_list(j->args, "gains", &v);
  if (!rc && n && n != j->bands) rc = PV_ERROR(PV_EINVAL, "--gains has %zu values for %zu bands", n, j->bands);
  for (size_t b = 0; !rc && b < n; b++) j->gnyq_ms[b] = v[b];
  if (!rc && pv_args_has(j->args, "pan-gain")) j->gnyq_pan = pv_args_real(j->args, "pan-gain");
  n = pv_args_real_list(j->args, "weights", &v);
  if (!rc && n && n != j->bands) rc = PV_ERROR(PV_EINVAL, "--weights has %zu values for %zu bands", n, j->bands);
  if (!rc && n) {
    if (!(j->weights = pv_malloc(n * sizeof *j->weights))) return PV_ENOMEM;
    memcpy(j->weights, v, n * sizeof *v);
  }
  pv_psh_options o = PV_PSH_OPTIONS_INIT;
  o.ratio = j->ratio;
  o.gnyq_ms = j->gnyq_ms;
  o.gnyq_pan = j->gnyq_pan;
  o.weights = j->weights;
  if (!rc) rc = pv_psh_method_from_name(pv_args_has(j->args, "method") ? pv_args_string(j->args, "method") : "glp", &o.method);
  j->opt = o;
  return rc;
}

int psh_load(psh_job *j, int stream_ok) {
  pv_scene_read_options o = PV_SCENE_READ_OPTIONS_INIT;
  o.mat_var = pv_args_string(j->args, "ms-var");
  int rc = pv_scene_read(j->ctx, j->ms_path, &o, &j->ms);
  if (rc) return rc;
  j->bands = j->ms.bands, j->wl = j->ms.width, j->hl = j->ms.height;
  if (pv_scene_kind_of(j->pan_path) == PV_SCENE_MAT) {
    int r = (int)pv_args_int(j->args, "ratio");
    if (!r) return PV_ERROR(PV_EINVAL, "%s: a .mat PAN needs --ratio", j->pan_path);
    rc = mat_image(j, j->wl * (size_t)r);
    return rc ? rc : (rc = align(j, &j->pan.meta, j->pan.width, j->pan.height)) ? rc : gains_and_weights(j);
  }
  pv_raster *pr = NULL;
  rc = pv_raster_open(j->ctx, j->pan_path, &pr);
  if (rc) return rc;
  size_t pw = pv_raster_width(pr), ph = pv_raster_height(pr), need = pw * ph * (2 * j->bands + 4) * sizeof(double);
  if (pv_raster_bands(pr) != 1)
    rc = PV_ERROR(PV_EINVAL, "%s: PAN has %zu bands, expected 1", j->pan_path, pv_raster_bands(pr));
  if (!rc) rc = align(j, pv_raster_get_meta(pr), pw, ph);
  if (!rc) rc = gains_and_weights(j);
  pv_psh_method m = j->opt.method;
  j->streamed = !rc && stream_ok && (m == PV_PSH_BROVEY || m == PV_PSH_GLP || m == PV_PSH_GLP_HPM) &&
                need > pv_ctx_ram_budget(j->ctx) / 2;
  pv_raster_close(&pr);
  if (!rc && !j->streamed) rc = pv_scene_read(j->ctx, j->pan_path, NULL, &j->pan);
  return rc;
}

int psh_methods(const char *list, pv_psh_method *m, int max, int *count) {
  char buf[512];
  int n = 0;
  snprintf(buf, sizeof buf, "%s", list ? list : "all");
  if (!strcmp(buf, "all")) {
    for (int i = 0; i < PV_PSH_METHOD_COUNT && i < max; i++) m[n++] = (pv_psh_method)i;
    *count = n;
    return PV_OK;
  }
  for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    if (n >= max) return PV_ERROR(PV_EINVAL, "--methods: more than %d names", max);
    int rc = pv_psh_method_from_name(t, &m[n++]);
    if (rc) return rc;
  }
  *count = n;
  return n ? PV_OK : PV_ERROR(PV_EINVAL, "--methods is empty");
}
