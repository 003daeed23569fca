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
  default: {
    pv_raster_read_options ro = PV_RASTER_READ_OPTIONS_INIT;
    ro.dtype = o.dtype;
    ro.bands = o.bands;
    ro.n_bands = o.n_bands;
    return pv_raster_read(ctx, path, &ro, cube);
  }
  }
}
