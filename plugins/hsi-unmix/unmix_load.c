/* Loading: the whole cube when it fits, otherwise one streamed pass that
 * keeps a strided sample of pixels for the estimators. */
#include <math.h>
#include <string.h>

#include <parseval/scene.h>

#include "unmix.h"

typedef struct {
  unmix_job *j;
  size_t stride;
} sample_pass;

static int collect(pv_ctx *ctx, pv_raster_block *b, void *user) {
  (void)ctx;
  sample_pass *s = user;
  unmix_job *j = s->j;
  size_t hw = b->win.width * b->win.height;
  for (size_t r = 0; r < b->win.height; r++)
    for (size_t c = 0; c < b->win.width; c++) {
      size_t g = (b->win.y0 + r) * j->width + b->win.x0 + c;
      if (g % s->stride) continue;
      size_t col = g / s->stride;
      for (int band = 0; band < j->bands; band++)
        j->sample[(size_t)band * j->ns + col] = b->in[(size_t)band * hw + r * b->win.width + c] / j->scale;
    }
  return PV_OK;
}

static int load_streamed(unmix_job *j, pv_raster *r) {
  size_t n = j->width * j->height, max = (size_t)pv_args_int(j->args, "sample");
  sample_pass s = {j, (n + max - 1) / max};
  j->ns = (n + s.stride - 1) / s.stride;
  j->sample = pv_malloc((size_t)j->bands * j->ns * sizeof *j->sample);
  if (!j->sample) return PV_ENOMEM;
  pv_log(j->ctx, PV_LOG_INFO, "hsi", "%s: %zu pixels exceed the RAM budget; streaming, sampling every %zu-th",
         j->scene, n, s.stride);
  return pv_raster_process(j->ctx, r, NULL, NULL, collect, &s);
}

/* The in-memory sample: all pixels, or every stride-th one copied out. */
static int sample_from_cube(unmix_job *j) {
  size_t n = j->width * j->height, max = (size_t)pv_args_int(j->args, "sample");
  const double *y = j->cube.data;
  if (n <= max) {
    j->ns = n;
    j->sample = NULL; /* the cube itself */
    return PV_OK;
  }
  size_t stride = (n + max - 1) / max;
  j->ns = (n + stride - 1) / stride;
  j->sample = pv_malloc((size_t)j->bands * j->ns * sizeof *j->sample);
  if (!j->sample) return PV_ENOMEM;
  for (int b = 0; b < j->bands; b++)
    for (size_t k = 0; k < j->ns; k++) j->sample[(size_t)b * j->ns + k] = y[(size_t)b * n + k * stride];
  return PV_OK;
}

static int load_cube(unmix_job *j) {
  pv_scene_read_options o = PV_SCENE_READ_OPTIONS_INIT;
  o.mat_var = pv_args_string(j->args, "mat-var");
  o.rows = (size_t)pv_args_int(j->args, "rows");
  o.cols = (size_t)pv_args_int(j->args, "cols");
  int rc = pv_scene_read(j->ctx, j->scene, &o, &j->cube);
  if (rc) return rc;
  j->bands = (int)j->cube.bands;
  j->width = j->cube.width;
  j->height = j->cube.height;
  double *y = j->cube.data;
  for (size_t k = 0; k < j->cube.bands * j->width * j->height; k++) y[k] /= j->scale;
  rc = pv_raster_meta_copy(&j->meta, &j->cube.meta);
  return rc ? rc : sample_from_cube(j);
}

int unmix_load(unmix_job *j) {
  if (pv_scene_kind_of(j->scene) != PV_SCENE_RASTER) return load_cube(j);
  pv_raster *r = NULL;
  int rc = pv_raster_open(j->ctx, j->scene, &r);
  if (rc) return rc;
  j->bands = (int)pv_raster_bands(r);
  j->width = pv_raster_width(r);
  j->height = pv_raster_height(r);
  double bytes = 8.0 * j->bands * j->width * j->height;
  if (j->bands > 65536) rc = PV_ERROR(PV_EFORMAT, "%s: %d bands is more than unmixing takes", j->scene, j->bands);
  else if (bytes <= 0.5 * (double)pv_ctx_ram_budget(j->ctx)) {
    pv_raster_close(&r);
    return load_cube(j);
  } else {
    j->streamed = 1;
    rc = pv_raster_meta_copy(&j->meta, pv_raster_get_meta(r));
    if (!rc) rc = load_streamed(j, r);
  }
  pv_raster_close(&r);
  return rc;
}

void unmix_job_free(unmix_job *j) {
  pv_raster_cube_free(&j->cube);
  pv_raster_meta_clear(&j->meta);
  pv_free(j->sample);
  pv_free(j->em);
  pv_free(j->a);
  pv_free(j->ref_em);
  pv_raster_cube_free(&j->ref_a);
  for (int i = 0; j->names && i < j->p; i++) pv_free(j->names[i]);
  pv_free(j->names);
  memset(j, 0, sizeof *j);
}
