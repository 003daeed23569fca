/* One loader for every scene format the applications accept. */
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/matfile.h>
#include <parseval/npy.h>
#include <parseval/scene.h>

#include <string.h>
#include <strings.h>

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

pv_scene_kind pv_scene_kind_of(const char *path) {
  if (path && ends_with(path, ".txt")) return PV_SCENE_BAND_LIST;
  if (path && pv_matfile_is_mat(path)) return PV_SCENE_MAT;
  if (path && ends_with(path, ".npy")) return PV_SCENE_NPY;
  return PV_SCENE_RASTER;
}

/* [rows, cols] is one band; [bands, rows, cols] band-sequential already. */
static int read_npy(const char *path, pv_dtype dtype, pv_raster_cube *c) {
  pv_array *a = NULL;
  int rc = pv_npy_read(path, &a);
  if (rc) return rc;
  const pv_view *v = pv_array_view(a);
  if (v->ndim != 2 && v->ndim != 3) {
    rc = PV_ERROR(PV_EFORMAT, "%s: field 'shape': %d dimensions; need [rows, cols] or [bands, rows, cols]", path,
                  v->ndim);
  } else {
    size_t b = v->ndim == 3 ? v->shape[0] : 1, r = v->shape[v->ndim - 2], k = v->shape[v->ndim - 1];
    rc = pv_raster_cube_alloc(c, k, r, b, dtype);
    pv_view dst;
    size_t shape[3] = {b, r, k};
    if (!rc) rc = pv_view_init(&dst, c->data, dtype, 3, shape);
    pv_view src = *v;
    if (!rc && v->ndim == 2) { /* view it as [1, rows, cols] */
      src.ndim = 3;
      src.shape[2] = v->shape[1], src.strides[2] = v->strides[1];
      src.shape[1] = v->shape[0], src.strides[1] = v->strides[0];
      src.shape[0] = 1, src.strides[0] = 0;
    }
    if (!rc) rc = pv_view_copy(&dst, &src);
    if (rc) {
      pv_raster_cube_free(c);
      rc = PV_ERROR(rc, "%s: field 'descr': cannot convert %s data to %s", path, pv_dtype_name(v->dtype),
                    pv_dtype_name(dtype));
    } else {
      pv_raster_cube_count_invalid(c);
    }
  }
  pv_array_destroy(&a);
  return rc;
}

/* Band b of a list (file f) into the stacked cube; the first sizes it. */
static int stack_band(const pv_scene_read_options *o, pv_raster_cube *c, const pv_raster_cube *one,
                      const char *first, const char *f, size_t b, size_t nb) {
  if (one->bands != 1) return PV_ERROR(PV_EINVAL, "%s: %zu bands; a file of a band list holds one", f, one->bands);
  int rc = 0;
  if (!b) {
    rc = pv_raster_cube_alloc(c, one->width, one->height, nb, o->dtype);
    if (rc) return rc;
    c->meta.has_geotransform = one->meta.has_geotransform;
    memcpy(c->meta.geotransform, one->meta.geotransform, sizeof c->meta.geotransform);
    c->meta.has_nodata = one->meta.has_nodata, c->meta.nodata = one->meta.nodata;
    if (one->meta.srs_wkt) rc = pv_raster_meta_set_srs(&c->meta, one->meta.srs_wkt);
  } else if (one->width != c->width || one->height != c->height) {
    return PV_ERROR(PV_EINVAL, "%s is %zu x %zu, the first band (%s) %zu x %zu", f, one->width, one->height, first,
                    c->width, c->height);
  }
  size_t plane = one->width * one->height * pv_dtype_size(o->dtype);
  memcpy((char *)c->data + b * plane, one->data, plane);
  c->invalid[b] = one->invalid ? one->invalid[0] : 0; /* masked with its own no-data value */
  const char *base = strrchr(f, '/');
  return rc ? rc : pv_raster_meta_set_band_name(&c->meta, b, base ? base + 1 : f);
}

static int read_band_list(pv_ctx *ctx, const char *path, const pv_scene_read_options *o, pv_raster_cube *c) {
  pv_band_list *l = NULL;
  int rc = pv_band_list_read_file(path, &l);
  size_t nb = rc ? 0 : o->bands ? o->n_bands : l->n;
  for (size_t b = 0; !rc && b < nb; b++) {
    size_t i = o->bands ? o->bands[b] : b;
    if (i >= l->n) { rc = PV_ERROR(PV_EINVAL, "%s: band %zu requested, the list has %zu", path, i, l->n); break; }
    if (pv_scene_kind_of(l->paths[i]) == PV_SCENE_BAND_LIST) {
      rc = PV_ERROR(PV_EFORMAT, "%s: entry %zu names another band list (%s)", path, i + 1, l->paths[i]);
      break;
    }
    pv_scene_read_options one_opt = *o;
    one_opt.bands = NULL, one_opt.n_bands = 0;
    pv_raster_cube one;
    rc = pv_scene_read(ctx, l->paths[i], &one_opt, &one);
    if (!rc) rc = stack_band(o, c, &one, l->paths[o->bands ? o->bands[0] : 0], l->paths[i], b, nb);
    pv_raster_cube_free(&one);
  }
  if (!rc && !nb) rc = PV_ERROR(PV_EINVAL, "%s: no band selected", path);
  if (rc) pv_raster_cube_free(c);
  pv_band_list_destroy(l);
  return rc;
}

int pv_scene_read(pv_ctx *ctx, const char *path, const pv_scene_read_options *opt, pv_raster_cube *cube) {
  pv_scene_read_options o = PV_SCENE_READ_OPTIONS_INIT;
  if (opt) memcpy(&o, opt, opt->struct_size < sizeof o ? opt->struct_size : sizeof o);
  if (!path || !cube) return PV_ERROR(PV_EINVAL, "pv_scene_read: NULL path or cube");
  memset(cube, 0, sizeof *cube);
  if (o.dtype != PV_F64 && o.dtype != PV_F32) return PV_ERROR(PV_EINVAL, "%s: cubes are f32 or f64", path);
  switch (pv_scene_kind_of(path)) {
  case PV_SCENE_MAT: {
    pv_matfile_options mo = PV_MATFILE_OPTIONS_INIT;
    mo.var = o.mat_var;
    mo.rows = o.rows;
    mo.cols = o.cols;
    mo.dtype = o.dtype;
    return pv_matfile_read(ctx, path, &mo, cube);
  }
  case PV_SCENE_NPY: return read_npy(path, o.dtype, cube);
  case PV_SCENE_BAND_LIST: return read_band_list(ctx, path, &o, cube);
  default: {
    pv_raster_read_options ro = PV_RASTER_READ_OPTIONS_INIT;
    ro.dtype = o.dtype;
    ro.bands = o.bands;
    ro.n_bands = o.n_bands;
    return pv_raster_read(ctx, path, &ro, cube);
  }
  }
}
