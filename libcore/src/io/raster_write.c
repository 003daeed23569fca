/* raster_write.c - raster writers: tiled deflate GeoTIFF through GDAL (on
 * pv_fileout's temporary path) and ENVI through envi_write.c. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <gdal.h>

#include <parseval/alloc.h>
#include <parseval/ctx.h>
#include <parseval/error.h>
#include <parseval/fileout.h>
#include <parseval/raster.h>

#include "raster_internal.h"

struct pv_raster_writer {
  pv_ctx *ctx;
  pv_raster_format fmt;
  char *path;
  size_t width, height, bands, tile_h;
  pv_dtype dtype;
  pv_raster_meta meta;
  pv_fileout *out;      /* GeoTIFF: the temporary file GDAL writes by name */
  GDALDatasetH ds;
  pv_envi_out *envi;
  void *scratch;        /* NaN -> no-data copy of a block */
  size_t scratch_size;
};

int pv_raster_format_from_path(const char *path, pv_raster_format *fmt) {
  const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
  const char *ext = (dot && (!slash || dot > slash)) ? dot + 1 : "";
  if (!strcasecmp(ext, "tif") || !strcasecmp(ext, "tiff")) *fmt = PV_RASTER_GTIFF;
  else if (!*ext || !strcasecmp(ext, "img") || !strcasecmp(ext, "dat") ||
           !strcasecmp(ext, "bsq") || !strcasecmp(ext, "raw") || !strcasecmp(ext, "envi"))
    *fmt = PV_RASTER_ENVI;
  else
    return PV_ERROR(PV_EINVAL, "%s: unknown raster extension '.%s' (use .tif or .img)", path, ext);
  return 0;
}

size_t pv_raster_writer_tile_height(const pv_raster_writer *w) { return w->tile_h; }
size_t pv_raster_writer_bands_internal(const pv_raster_writer *w) { return w->bands; }

void pv_raster_writer_abort(pv_raster_writer **pw) {
  if (!pw || !*pw) return;
  pv_raster_writer *w = *pw;
  if (w->ds) {
    pv_gdal_trap t;
    pv_gdal_trap_push(&t);
    GDALClose(w->ds);
    pv_gdal_trap_pop(&t);
  }
  pv_fileout_abort(&w->out);
  pv_envi_out_abort(&w->envi);
  pv_raster_meta_clear(&w->meta);
  pv_free(w->scratch);
  pv_free(w->path);
  pv_free(w);
  *pw = NULL;
}

/* Tile rows: as many whole rows of a block (in + out bands, double) as half
 * the budget holds, a multiple of 16 in [16, 256]. */
static size_t pick_tile_height(pv_ctx *ctx, size_t width, size_t bands) {
  size_t budget = ctx ? pv_ctx_ram_budget(ctx) : ((size_t)1 << 30);
  size_t rows = budget / 2 / (width * bands * 2 * sizeof(double) + 1);
  rows = rows / 16 * 16;
  return rows < 16 ? 16 : rows > 256 ? 256 : rows;
}

static void set_band_meta(GDALRasterBandH band, const pv_raster_meta *m, size_t b) {
  char v[64];
  if (m->band_names && m->band_names[b]) GDALSetDescription(band, m->band_names[b]);
  if (m->has_nodata) GDALSetRasterNoDataValue(band, m->nodata);
  if (m->wavelength) {
    snprintf(v, sizeof v, "%.17g", m->wavelength[b]);
    GDALSetMetadataItem(band, "wavelength", v, NULL);
  }
  if (m->fwhm) {
    snprintf(v, sizeof v, "%.17g", m->fwhm[b]);
    GDALSetMetadataItem(band, "fwhm", v, NULL);
  }
  if (m->bbl) GDALSetMetadataItem(band, "bbl", m->bbl[b] ? "1" : "0", NULL);
  if (m->wavelength_units) GDALSetMetadataItem(band, "wavelength_units", m->wavelength_units, NULL);
}

static int gtiff_create(pv_raster_writer *w, int overwrite) {
  pv_gdal_register();
  int st = pv_fileout_open(w->path, overwrite, &w->out);
  if (st) return st;
  GDALDriverH drv = GDALGetDriverByName("GTiff");
  if (!drv) return PV_ERROR(PV_EUNSUPPORTED, "%s: GDAL has no GTiff driver", w->path);
  size_t bx = w->width < 256 ? (w->width + 15) / 16 * 16 : 256;
  char bxs[32], bys[32];
  snprintf(bxs, sizeof bxs, "BLOCKXSIZE=%zu", bx);
  snprintf(bys, sizeof bys, "BLOCKYSIZE=%zu", w->tile_h);
  int is_float = w->dtype == PV_F32 || w->dtype == PV_F64;
  const char *opts[] = {"TILED=YES", bxs, bys, "COMPRESS=DEFLATE",
                        is_float ? "PREDICTOR=3" : "PREDICTOR=2", "INTERLEAVE=BAND",
                        "BIGTIFF=IF_SAFER", NULL};
  pv_gdal_trap t;
  pv_gdal_trap_push(&t);
  CPLSetThreadLocalConfigOption("GDAL_PAM_ENABLED", "NO");
  w->ds = GDALCreate(drv, pv_fileout_tmp_path(w->out), (int)w->width, (int)w->height,
                     (int)w->bands, pv_gdal_type(w->dtype), (char **)opts);
  const pv_raster_meta *m = &w->meta;
  if (w->ds) {
    if (m->has_geotransform) GDALSetGeoTransform(w->ds, (double *)m->geotransform);
    if (m->srs_wkt) GDALSetProjection(w->ds, m->srs_wkt);
    for (size_t i = 0; i < m->n_items; i++)
      GDALSetMetadataItem(w->ds, m->keys[i], m->values[i], NULL);
    if (m->wavelength_units) GDALSetMetadataItem(w->ds, "wavelength_units", m->wavelength_units, NULL);
    for (size_t b = 0; b < w->bands; b++)
      set_band_meta(GDALGetRasterBand(w->ds, (int)b + 1), m, b);
  }
  CPLSetThreadLocalConfigOption("GDAL_PAM_ENABLED", NULL);
  pv_gdal_trap_pop(&t);
  if (!w->ds || t.failures)
    return PV_ERROR(PV_EIO, "%s: creating GeoTIFF failed: %s", w->path,
                    t.msg[0] ? t.msg : "unknown GDAL error");
  return 0;
}

int pv_raster_writer_create(pv_ctx *ctx, const char *path, pv_raster_format fmt,
                            size_t width, size_t height, size_t bands, pv_dtype dtype,
                            const pv_raster_meta *meta, int overwrite,
                            pv_raster_writer **out) {
  *out = NULL;
  if (!width || !height || !bands || width > 0x7fffffff || height > 0x7fffffff ||
      bands > 0x7fffffff)
    return PV_ERROR(PV_EINVAL, "%s: raster size %zu x %zu x %zu", path, width, height, bands);
  if (pv_gdal_type(dtype) == GDT_Unknown)
    return PV_ERROR(PV_EINVAL, "%s: cannot store type %s", path, pv_dtype_name(dtype));
  if (meta && meta->bands != bands)
    return PV_ERROR(PV_EINVAL, "%s: metadata for %zu bands, raster has %zu", path,
                    meta->bands, bands);
  pv_raster_writer *w = pv_calloc(1, sizeof *w);
  if (!w || !(w->path = pv_strdup(path))) {
    pv_free(w);
    return PV_ERROR(PV_ENOMEM, "%s: writer", path);
  }
  w->ctx = ctx;
  w->fmt = fmt;
  w->width = width;
  w->height = height;
  w->bands = bands;
  w->dtype = dtype;
  w->tile_h = fmt == PV_RASTER_GTIFF ? pick_tile_height(ctx, width, bands) : 1;
  int st = meta ? pv_raster_meta_copy(&w->meta, meta) : 0;
  if (!meta) pv_raster_meta_init(&w->meta, bands);
  if (st == 0 && ctx) pv_gdal_cache_limit(pv_ctx_ram_budget(ctx));
  if (st == 0) {
    if (fmt == PV_RASTER_GTIFF) st = gtiff_create(w, overwrite);
    else if (fmt == PV_RASTER_ENVI)
      st = pv_envi_out_create(path, width, height, bands, dtype, &w->meta, overwrite, &w->envi);
    else st = PV_ERROR(PV_EINVAL, "%s: unknown raster format %d", path, (int)fmt);
  }
  if (st) {
    pv_raster_writer_abort(&w);
    return st;
  }
  if (!w->meta.has_geotransform)
    pv_log(ctx, PV_LOG_WARN, "io", "%s: written without georeferencing (no geotransform)", path);
  *out = w;
  return 0;
}

int pv_raster_writer_write(pv_raster_writer *w, const pv_raster_window *win, pv_dtype dtype,
                           const void *buf) {
  if (dtype != PV_F32 && dtype != PV_F64)
    return PV_ERROR(PV_EINVAL, "%s: block type must be f32 or f64", w->path);
  if (win->width == 0 || win->height == 0 || win->x0 > w->width ||
      win->width > w->width - win->x0 || win->y0 > w->height ||
      win->height > w->height - win->y0)
    return PV_ERROR(PV_EINVAL, "%s: window %zux%zu+%zu+%zu outside the %zux%zu output",
                    w->path, win->width, win->height, win->x0, win->y0, w->width, w->height);
  if (w->envi) return pv_envi_out_write(w->envi, win, dtype, buf);
  size_t es = pv_dtype_size(dtype), n = win->width * win->height * w->bands;
  const void *src = buf;
  if (w->meta.has_nodata) { /* NaN -> no-data on a private copy */
    if (n * es > w->scratch_size) {
      void *s = pv_malloc(n * es);
      if (!s) return PV_ERROR(PV_ENOMEM, "%s: block buffer", w->path);
      pv_free(w->scratch);
      w->scratch = s;
      w->scratch_size = n * es;
    }
    memcpy(w->scratch, buf, n * es);
    pv_raster_unmask(w->scratch, dtype, n, 1, w->meta.nodata);
    src = w->scratch;
  }
  pv_gdal_trap t;
  pv_gdal_trap_push(&t);
  CPLErr e = GDALDatasetRasterIO(w->ds, GF_Write, (int)win->x0, (int)win->y0, (int)win->width,
                                 (int)win->height, (void *)src, (int)win->width,
                                 (int)win->height, pv_gdal_type(dtype), (int)w->bands, NULL,
                                 (int)es, (int)(es * win->width),
                                 (GSpacing)(es * win->width * win->height));
  pv_gdal_trap_pop(&t);
  if (e != CE_None || t.failures)
    return PV_ERROR(PV_EIO, "%s: writing window %zux%zu+%zu+%zu: %s", w->path, win->width,
                    win->height, win->x0, win->y0, t.msg[0] ? t.msg : "write failed");
  return 0;
}

int pv_raster_writer_commit(pv_raster_writer **pw) {
  pv_raster_writer *w = *pw;
  int st = 0;
  if (w->envi) {
    st = pv_envi_out_commit(&w->envi);
  } else {
    pv_gdal_trap t;
    pv_gdal_trap_push(&t);
    GDALFlushCache(w->ds);
    GDALClose(w->ds);
    w->ds = NULL;
    pv_gdal_trap_pop(&t);
    if (t.failures) st = PV_ERROR(PV_EIO, "%s: finishing GeoTIFF failed: %s", w->path, t.msg);
    if (st == 0) st = pv_fileout_commit(&w->out);
  }
  if (st == 0) pv_log(w->ctx, PV_LOG_DEBUG, "io", "wrote %s", w->path);
  pv_raster_writer_abort(pw);
  return st;
}

int pv_raster_write(pv_ctx *ctx, const char *path, pv_raster_format fmt,
                    const pv_raster_cube *cube, pv_dtype dtype, int overwrite) {
  pv_raster_writer *w;
  int st = pv_raster_writer_create(ctx, path, fmt, cube->width, cube->height, cube->bands,
                                   dtype, &cube->meta, overwrite, &w);
  if (st) return st;
  pv_raster_window all = {0, 0, cube->width, cube->height};
  st = pv_raster_writer_write(w, &all, cube->dtype, cube->data);
  if (st) {
    pv_raster_writer_abort(&w);
    return st;
  }
  return pv_raster_writer_commit(&w);
}
