/* Loading and features: the whole scene when it fits half the RAM budget
 * (features of every valid pixel), otherwise one streamed pass that keeps
 * an evenly strided sample of valid pixels (features of the sample only;
 * the second pass labels the rest). */
#include <math.h>
#include <string.h>
#include <time.h>

#include <parseval/scene.h>

#include "segment.h"

static int valid_mask(segment_job *j) {
  const double *y = j->cube.data;
  j->valid = pv_malloc(j->n * sizeof *j->valid);
  if (!j->valid) return PV_ENOMEM;
  for (size_t p = 0; p < j->n; p++) {
    int ok = 1;
    for (size_t b = 0; b < j->bands && ok; b++) ok = isfinite(y[b * j->n + p]);
    if (ok) j->valid[j->n_valid++] = p;
  }
  return PV_OK;
}

static int load_cube(segment_job *j) {
  pv_scene_read_options o = PV_SCENE_READ_OPTIONS_INIT;
  o.mat_var = pv_args_string(j->args, "mat-var");
  o.rows = (size_t)pv_args_int(j->args, "rows");
  o.cols = (size_t)pv_args_int(j->args, "cols");
  int rc = pv_scene_read(j->ctx, j->scene, &o, &j->cube);
  if (rc) return rc;
  j->width = j->cube.width, j->height = j->cube.height, j->bands = j->cube.bands;
  j->n = j->width * j->height;
  double *y = j->cube.data;
  for (size_t k = 0; k < j->bands * j->n; k++) y[k] /= j->scale;
  rc = pv_raster_meta_copy(&j->meta, &j->cube.meta);
  return rc ? rc : valid_mask(j);
}

/* In memory: the valid pixels as a bands x n_valid matrix. */
static int features_in_memory(segment_job *j) {
  size_t nv = j->n_valid;
  double *v = pv_malloc(j->bands * nv * sizeof *v);
  if (!v) return PV_ENOMEM;
  const double *y = j->cube.data;
  for (size_t b = 0; b < j->bands; b++)
    for (size_t i = 0; i < nv; i++) v[b * nv + i] = y[b * j->n + j->valid[i]];
  int rc = segment_model_fit(j, v, nv, nv);
  j->n_feat = nv;
  if (!rc && !(j->feat = pv_malloc(nv * (size_t)j->d * sizeof *j->feat))) rc = PV_ENOMEM;
  if (!rc) rc = segment_model_apply(j, v, nv, nv, j->feat);
  pv_free(v);
  return rc;
}

typedef struct {
  segment_job *j;
  size_t stride, cap, got;
  double *y; /* bands x cap */
} sample_pass;

static int collect(pv_ctx *ctx, pv_raster_block *b, void *user) {
  (void)ctx;
  sample_pass *s = user;
  segment_job *j = s->j;
  size_t hw = b->win.width * b->win.height;
  for (size_t r = 0; r < b->win.height; r++)
    for (size_t c = 0; c < b->win.width; c++) {
      size_t g = (b->win.y0 + r) * j->width + b->win.x0 + c, q = r * b->win.width + c;
      if (g % s->stride || s->got == s->cap) continue;
      int ok = 1;
      for (size_t band = 0; band < j->bands && ok; band++) ok = isfinite(b->in[band * hw + q]);
      if (!ok) continue;
      for (size_t band = 0; band < j->bands; band++) s->y[band * s->cap + s->got] = b->in[band * hw + q] / j->scale;
      s->got++;
    }
  return PV_OK;
}

/* Streamed: a strided sample of valid pixels, its features. */
static int features_streamed(segment_job *j, pv_raster *r) {
  size_t max = (size_t)pv_args_int(j->args, "sample");
  sample_pass s = {j, (j->n + max - 1) / max, max, 0, NULL};
  s.y = pv_malloc(j->bands * max * sizeof *s.y);
  if (!s.y) return PV_ENOMEM;
  pv_log(j->ctx, PV_LOG_INFO, "hsi", "%s: %zu pixels exceed the RAM budget; streaming, sampling every %zu-th",
         j->scene, j->n, s.stride);
  int rc = pv_raster_process(j->ctx, r, NULL, NULL, collect, &s);
  if (!rc && s.got < (size_t)j->classes)
    rc = PV_ERROR(PV_EINVAL, "%s: %zu valid sampled pixels for %d classes", j->scene, s.got, j->classes);
  if (!rc) rc = segment_model_fit(j, s.y, s.cap, s.got);
  j->n_feat = s.got;
  if (!rc && !(j->feat = pv_malloc(s.got * (size_t)j->d * sizeof *j->feat))) rc = PV_ENOMEM;
  if (!rc) rc = segment_model_apply(j, s.y, s.cap, s.got, j->feat);
  pv_free(s.y);
  return rc;
}

static int open_or_load(segment_job *j) {
  if (pv_scene_kind_of(j->scene) != PV_SCENE_RASTER) return load_cube(j);
  pv_raster *r = NULL;
  int rc = pv_raster_open(j->ctx, j->scene, &r);
  if (rc) return rc;
  j->width = pv_raster_width(r), j->height = pv_raster_height(r), j->bands = pv_raster_bands(r);
  j->n = j->width * j->height;
  if (j->bands > 65536) rc = PV_ERROR(PV_EFORMAT, "%s: %zu bands", j->scene, j->bands);
  else if (8.0 * j->bands * j->n <= 0.5 * (double)pv_ctx_ram_budget(j->ctx)) {
    pv_raster_close(&r);
    return load_cube(j);
  } else {
    j->streamed = 1;
    if (pv_args_string(j->args, "truth"))
      rc = PV_ERROR(PV_EINVAL, "%s: --truth needs the scene in memory (it takes more than half the RAM budget)",
                    j->scene);
    if (!rc) rc = pv_raster_meta_copy(&j->meta, pv_raster_get_meta(r));
    if (!rc) rc = features_streamed(j, r);
  }
  pv_raster_close(&r);
  return rc;
}

int segment_features(segment_job *j) {
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  j->features = pv_args_string(j->args, "features");
  j->scale = pv_args_real(j->args, "scale");
  j->explained = NAN;
  int rc = open_or_load(j);
  if (!rc && !j->streamed && j->n_valid < (size_t)j->classes)
    rc = PV_ERROR(PV_EINVAL, "%s: %zu valid pixels for %d classes", j->scene, j->n_valid, j->classes);
  if (!rc && !j->streamed) rc = features_in_memory(j);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  j->seconds_features = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  return rc;
}

void segment_job_free(segment_job *j) {
  pv_raster_cube_free(&j->cube);
  pv_raster_meta_clear(&j->meta);
  segment_model_free(&j->model);
  pv_free(j->valid);
  pv_free(j->feat);
  pv_free(j->sfeat);
  pv_free(j->slab);
  pv_free(j->centers);
  pv_free(j->labels);
  pv_free(j->sizes);
  pv_free(j->preview);
  pv_free(j->truth.count);
  memset(j, 0, sizeof j[0]);
}
