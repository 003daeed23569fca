/* Outputs: the label raster, the coloured PNG and summary.json with, when a
 * ground-truth label map is given, overall accuracy after matching clusters
 * to classes (Hungarian method) and the adjusted Rand index. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <parseval/hsi.h>
#include <parseval/json.h>
#include <parseval/render.h>
#include <parseval/scene.h>

#include "segment.h"

#define MAX_TRUTH SEGMENT_MAX_TRUTH

int segment_out_meta(const segment_job *j, const pv_provenance *prov, pv_raster_meta *m) {
  pv_raster_meta_init(m, 1);
  m->has_geotransform = j->meta.has_geotransform;
  memcpy(m->geotransform, j->meta.geotransform, sizeof m->geotransform);
  int rc = j->meta.srs_wkt && !(m->srs_wkt = pv_strdup(j->meta.srs_wkt)) ? PV_ENOMEM : PV_OK;
  m->has_nodata = 1;
  m->nodata = 0;
  if (!rc) rc = pv_raster_meta_set_band_name(m, 0, "class (1..k, 0 = no data)");
  for (size_t i = 0; !rc && prov && i < pv_provenance_count(prov); i++) {
    const char *k, *val;
    rc = pv_provenance_pair(prov, i, &k, &val);
    if (!rc) rc = pv_raster_meta_set_item(m, k, val);
  }
  return rc;
}

static int write_labels(segment_job *j, const char *path, const pv_provenance *prov) {
  pv_raster_format fmt;
  int rc = pv_raster_format_from_path(path, &fmt);
  if (rc) return rc;
  pv_raster_cube c;
  memset(&c, 0, sizeof c);
  rc = pv_raster_cube_alloc(&c, j->width, j->height, 1, PV_F64);
  if (rc) return rc;
  double *v = c.data;
  for (size_t p = 0; p < j->n; p++) v[p] = j->labels[p];
  pv_raster_meta_clear(&c.meta);
  rc = segment_out_meta(j, prov, &c.meta);
  if (!rc) rc = pv_raster_write(j->ctx, path, fmt, &c, PV_U8, pv_args_overwrite(j->args));
  pv_raster_cube_free(&c);
  return rc;
}

/* The preview grid: every pstep-th pixel, at most 2048 on a side. */
static int preview_init(segment_job *j) {
  size_t big = j->width > j->height ? j->width : j->height;
  j->pstep = big > 2048 ? (big + 2047) / 2048 : 1;
  j->pw = (j->width + j->pstep - 1) / j->pstep;
  j->ph = (j->height + j->pstep - 1) / j->pstep;
  j->preview = pv_calloc(j->pw * j->ph, 1);
  return j->preview ? PV_OK : PV_ENOMEM;
}

void segment_preview_put(segment_job *j, size_t row, size_t col, int l) {
  if (row % j->pstep || col % j->pstep) return;
  j->preview[row / j->pstep * j->pw + col / j->pstep] = (unsigned char)l;
}

/* A qualitative palette (12 well-separated colours), cycled. */
static void class_colour(int label, unsigned char rgb[3]) {
  static const unsigned char pal[12][3] = {{31, 119, 180}, {255, 127, 14}, {44, 160, 44},  {214, 39, 40},
                                           {148, 103, 189}, {140, 86, 75},  {227, 119, 194}, {127, 127, 127},
                                           {188, 189, 34},  {23, 190, 207}, {255, 217, 47},  {0, 0, 128}};
  memcpy(rgb, pal[(label - 1) % 12], 3);
}

static int write_png(const segment_job *j, const char *path, const pv_provenance *prov) {
  size_t small = j->pw < j->ph ? j->pw : j->ph, zoom = small < 256 ? 256 / small : 1;
  if (zoom > 8) zoom = 8;
  int pw = (int)(j->pw * zoom), ph = (int)(j->ph * zoom);
  static const unsigned char black[4] = {0, 0, 0, 255};
  pv_image *img = NULL;
  int rc = pv_image_create(pw, ph, black, &img);
  for (int y = 0; !rc && y < ph; y++)
    for (int x = 0; x < pw; x++) {
      int l = j->preview[(size_t)y / zoom * j->pw + (size_t)x / zoom];
      if (l) class_colour(l, pv_image_pixel(img, x, y));
    }
  if (!rc) rc = pv_image_write_png(img, path, prov, 1);
  pv_image_destroy(&img);
  return rc;
}

typedef segment_contingency contingency;

static int truth_table(segment_job *j, const char *path, contingency *ct) {
  pv_scene_read_options o = PV_SCENE_READ_OPTIONS_INIT;
  o.rows = j->height;
  o.cols = j->width;
  pv_raster_cube c;
  int rc = pv_scene_read(j->ctx, path, &o, &c);
  if (rc) return rc;
  if (c.width != j->width || c.height != j->height || c.bands != 1)
    rc = PV_ERROR(PV_EINVAL, "%s: %zu x %zu x %zu labels for a %zu x %zu scene (one band expected)", path, c.width,
                  c.height, c.bands, j->width, j->height);
  const double *t = c.data;
  int slot[MAX_TRUTH];
  memset(slot, -1, sizeof slot);
  ct->k = j->classes;
  for (size_t p = 0; !rc && p < j->n; p++) {
    double v = t[p];
    if (!(v >= 0 && v < MAX_TRUTH && v == floor(v)) && !isnan(v))
      rc = PV_ERROR(PV_EINVAL, "%s: pixel %zu holds %g; class labels are integers 0..%d (0 = unlabelled)", path, p,
                    v, MAX_TRUTH - 1);
    else if (!isnan(v) && v > 0 && slot[(int)v] < 0)
      slot[(int)v] = ct->t, ct->ids[ct->t++] = (int)v;
  }
  if (!rc && ct->t == 0) rc = PV_ERROR(PV_EINVAL, "%s: no labelled pixel (all 0 or no data)", path);
  if (!rc && !(ct->count = pv_calloc((size_t)ct->k * ct->t, sizeof *ct->count))) rc = PV_ENOMEM;
  for (size_t p = 0; !rc && p < j->n; p++)
    if (j->labels[p] && t[p] > 0) {
      ct->count[(size_t)(j->labels[p] - 1) * ct->t + slot[(int)t[p]]]++;
      ct->total++;
    }
  pv_raster_cube_free(&c);
  return rc;
}

/* Hubert & Arabie's adjusted Rand index from the contingency table. */
static double adjusted_rand(const contingency *ct) {
  double sij = 0, sa = 0, sb = 0, n = ct->total;
  for (int i = 0; i < ct->k; i++) {
    double a = 0;
    for (int c = 0; c < ct->t; c++) {
      double x = ct->count[(size_t)i * ct->t + c];
      sij += x * (x - 1) / 2, a += x;
    }
    sa += a * (a - 1) / 2;
  }
  for (int c = 0; c < ct->t; c++) {
    double b = 0;
    for (int i = 0; i < ct->k; i++) b += ct->count[(size_t)i * ct->t + c];
    sb += b * (b - 1) / 2;
  }
  double expect = sa * sb / (n * (n - 1) / 2), top = 0.5 * (sa + sb);
  return top == expect ? 1.0 : (sij - expect) / (top - expect);
}

int segment_truth(segment_job *j) {
  const char *path = pv_args_string(j->args, "truth");
  if (!path) return PV_OK;
  int rc = truth_table(j, path, &j->truth);
  if (rc) {
    pv_free(j->truth.count);
    j->truth.count = NULL;
  }
  return rc;
}

static int truth_scores(segment_job *j, const char *path, pv_json *js) {
  contingency ct = j->truth;
  int rc = PV_OK;
  int n = ct.k > ct.t ? ct.k : ct.t, *perm = NULL;
  double *cost = NULL;
  if (!rc) {
    cost = pv_calloc((size_t)n * n, sizeof *cost);
    perm = pv_malloc((size_t)n * sizeof *perm);
    rc = cost && perm ? PV_OK : PV_ENOMEM;
  }
  for (int i = 0; !rc && i < ct.k; i++)
    for (int c = 0; c < ct.t; c++) cost[(size_t)i * n + c] = -ct.count[(size_t)i * ct.t + c];
  if (!rc) rc = pv_hsi_hungarian(n, cost, perm);
  if (!rc) {
    double hit = 0;
    for (int i = 0; i < ct.k; i++)
      if (perm[i] < ct.t) hit += ct.count[(size_t)i * ct.t + perm[i]];
    pv_json_key(js, "truth");
    pv_json_object_begin(js);
    pv_json_kv_string(js, "labels", path);
    pv_json_kv_int(js, "labelled_pixels", (int64_t)ct.total);
    pv_json_kv_int(js, "truth_classes", ct.t);
    pv_json_kv_number(js, "overall_accuracy", hit / ct.total);
    pv_json_kv_number(js, "adjusted_rand_index", adjusted_rand(&ct));
    pv_json_key(js, "cluster_to_class");
    pv_json_array_begin(js);
    for (int i = 0; i < ct.k; i++) pv_json_int(js, perm[i] < ct.t ? ct.ids[perm[i]] : 0);
    pv_json_array_end(js);
    pv_json_object_end(js);
    pv_log(j->ctx, PV_LOG_INFO, "hsi", "overall accuracy %.4f, ARI %.4f", hit / ct.total, adjusted_rand(&ct));
  }
  pv_free(cost);
  pv_free(perm);
  return rc;
}

static int summary(segment_job *j, const char *path, const char *labels, const pv_provenance *prov) {
  pv_json *js = NULL;
  int rc = pv_json_create(2, &js);
  if (rc) return rc;
  pv_json_object_begin(js);
  pv_json_kv_string(js, "scene", j->scene);
  pv_json_kv_string(js, "labels", labels);
  pv_json_kv_int(js, "width", (int64_t)j->width);
  pv_json_kv_int(js, "height", (int64_t)j->height);
  pv_json_kv_int(js, "bands", (int64_t)j->bands);
  pv_json_kv_string(js, "mode", j->streamed ? "streamed" : "in memory");
  pv_json_kv_int(js, "classes", j->classes);
  pv_json_kv_string(js, "method", pv_args_string(j->args, "method"));
  pv_json_kv_string(js, "features", j->features);
  pv_json_kv_int(js, "feature_dimension", j->d);
  pv_json_kv_number(js, "pca_variance_kept", j->explained);
  pv_json_kv_int(js, "valid_pixels", (int64_t)j->valid_total);
  pv_json_kv_int(js, "clustered_pixels", (int64_t)j->n_sample);
  pv_json_key(js, "class_sizes");
  pv_json_array_begin(js);
  for (int i = 0; i < j->classes; i++) pv_json_int(js, (int64_t)j->sizes[i]);
  pv_json_array_end(js);
  pv_json_kv_number(js, "seconds_features", j->seconds_features);
  pv_json_kv_number(js, "seconds_clustering", j->seconds_cluster);
  if (j->truth.count) rc = truth_scores(j, pv_args_string(j->args, "truth"), js);
  pv_json_key(js, "provenance");
  if (!rc) rc = pv_provenance_to_json(prov, js);
  pv_json_object_end(js);
  if (!rc) rc = pv_json_write_file(js, path, 1);
  pv_json_destroy(&js);
  return rc;
}

int segment_write(segment_job *j, const char *labels_path, const char *report, const pv_provenance *prov) {
  int rc = preview_init(j);
  if (!rc) rc = j->streamed ? segment_write_streamed(j, labels_path, prov) : write_labels(j, labels_path, prov);
  for (size_t p = 0; !rc && !j->streamed && p < j->n; p++)
    segment_preview_put(j, p / j->width, p % j->width, j->labels[p]);
  if (rc || !report) return rc;
  char path[4096];
  if ((size_t)snprintf(path, sizeof path, "%s/labels.png", report) >= sizeof path)
    return PV_ERROR(PV_EINVAL, "report folder name too long: %s", report);
  rc = write_png(j, path, prov);
  snprintf(path, sizeof path, "%s/summary.json", report);
  if (!rc) rc = summary(j, path, labels_path, prov);
  return rc;
}
