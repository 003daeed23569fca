/* raster_cube.c - in-memory band-sequential cubes. */
#include <math.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/raster.h>

int pv_raster_cube_alloc(pv_raster_cube *c, size_t width, size_t height, size_t bands,
                         pv_dtype dtype) {
  memset(c, 0, sizeof *c);
  if (dtype != PV_F32 && dtype != PV_F64)
    return PV_ERROR(PV_EINVAL, "cube type %s: only f32 and f64 cubes", pv_dtype_name(dtype));
  size_t n;
  if (!width || !height || !bands || __builtin_mul_overflow(width, height, &n) ||
      __builtin_mul_overflow(n, bands, &n) ||
      __builtin_mul_overflow(n, pv_dtype_size(dtype), &n))
    return PV_ERROR(PV_EINVAL, "cube %zu x %zu x %zu: empty or too large", width, height, bands);
  c->data = pv_malloc(n);
  c->invalid = pv_calloc(bands, sizeof(size_t));
  if (!c->data || !c->invalid) {
    pv_free(c->data);
    pv_free(c->invalid);
    memset(c, 0, sizeof *c);
    return PV_ERROR(PV_ENOMEM, "cube of %zu bytes", n);
  }
  memset(c->data, 0, n);
  c->width = width;
  c->height = height;
  c->bands = bands;
  c->dtype = dtype;
  pv_raster_meta_init(&c->meta, bands);
  return 0;
}

void pv_raster_cube_free(pv_raster_cube *c) {
  if (!c) return;
  pv_free(c->data);
  pv_free(c->invalid);
  pv_raster_meta_clear(&c->meta);
  memset(c, 0, sizeof *c);
}

size_t pv_raster_cube_count_invalid(pv_raster_cube *c) {
  size_t plane = c->width * c->height, total = 0;
  int hn = c->meta.has_nodata;
  double nd = c->meta.nodata;
  for (size_t b = 0; b < c->bands; b++) {
    size_t k = 0;
    if (c->dtype == PV_F32) {
      const float *x = (const float *)c->data + b * plane;
      for (size_t i = 0; i < plane; i++) k += isnan(x[i]) || (hn && x[i] == (float)nd);
    } else {
      const double *x = (const double *)c->data + b * plane;
      for (size_t i = 0; i < plane; i++) k += isnan(x[i]) || (hn && x[i] == nd);
    }
    c->invalid[b] = k;
    total += k;
  }
  return total;
}
