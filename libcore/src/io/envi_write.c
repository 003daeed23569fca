/* envi_write.c - ENVI output written by our own code: a raw BSQ data file
 * and a text .hdr, both through pv_fileout so nothing is visible before
 * commit. The header carries map info + coordinate system string (ESRI WKT,
 * as GDAL writes it), wavelength / fwhm / bbl / data ignore value, band names
 * and free-form items ("item:KEY = {value}", % { } and newlines escaped). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <cpl_conv.h>
#include <ogr_srs_api.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/fileout.h>
#include <parseval/raster.h>

#include "raster_internal.h"

struct pv_envi_out {
  pv_fileout *data, *hdr;
  size_t width, height, bands;
  pv_dtype dtype;
  pv_raster_meta meta;
  unsigned char *scratch;
  size_t scratch_size;
  off_t end; /* one past the last byte written */
  char *path; /* the data file, and whether it existed before */
  int existed;
};

int pv_envi_type_of(pv_dtype t) {
  switch (t) {
  case PV_U8: return 1;
  case PV_I16: return 2;
  case PV_I32: return 3;
  case PV_F32: return 4;
  case PV_F64: return 5;
  case PV_U16: return 12;
  case PV_U32: return 13;
  case PV_I64: return 14;
  default: return 0;
  }
}

int pv_raster_envi_header_path(const char *data_path, char *buf, size_t size) {
  const char *slash = strrchr(data_path, '/');
  const char *dot = strrchr(data_path, '.');
  size_t stem = (dot && (!slash || dot > slash)) ? (size_t)(dot - data_path) : strlen(data_path);
  if (stem + 5 > size) return PV_ERROR(PV_EINVAL, "%s: path too long", data_path);
  memcpy(buf, data_path, stem);
  memcpy(buf + stem, ".hdr", 5);
  return 0;
}

void pv_envi_out_abort(pv_envi_out **pe) {
  if (!pe || !*pe) return;
  pv_envi_out *e = *pe;
  pv_fileout_abort(&e->data);
  pv_fileout_abort(&e->hdr);
  pv_raster_meta_clear(&e->meta);
  pv_free(e->scratch);
  pv_free(e->path);
  pv_free(e);
  *pe = NULL;
}

int pv_envi_out_create(const char *path, size_t width, size_t height, size_t bands,
                       pv_dtype dtype, const pv_raster_meta *meta, int overwrite,
                       pv_envi_out **out) {
  *out = NULL;
  if (!pv_envi_type_of(dtype))
    return PV_ERROR(PV_EINVAL, "%s: ENVI cannot store type %s", path, pv_dtype_name(dtype));
  if (meta && meta->has_geotransform &&
      (meta->geotransform[2] != 0.0 || meta->geotransform[4] != 0.0))
    return PV_ERROR(PV_EUNSUPPORTED, "%s: a rotated geotransform cannot be written to ENVI "
                    "map info; write GeoTIFF", path);
  char hdr[4096];
  int st = pv_raster_envi_header_path(path, hdr, sizeof hdr);
  if (st) return st;
  if (strcmp(hdr, path) == 0)
    return PV_ERROR(PV_EINVAL, "%s: an ENVI data file cannot end in .hdr", path);
  pv_envi_out *e = pv_calloc(1, sizeof *e);
  if (!e) return PV_ERROR(PV_ENOMEM, "%s", path);
  e->width = width;
  e->height = height;
  e->bands = bands;
  e->dtype = dtype;
  e->existed = access(path, F_OK) == 0;
  e->path = pv_strdup(path);
  st = e->path ? pv_fileout_open(path, overwrite, &e->data) : PV_ERROR(PV_ENOMEM, "%s", path);
  if (st == 0) st = pv_fileout_open(hdr, overwrite, &e->hdr);
  if (st == 0 && meta) st = pv_raster_meta_copy(&e->meta, meta);
  if (st == 0 && !meta) pv_raster_meta_init(&e->meta, bands);
  if (st) {
    pv_envi_out_abort(&e);
    return st;
  }
  *out = e;
  return 0;
}

/* Convert n doubles/floats from src (type t) to the output type, NaN -> nodata
 * (or 0 for integer outputs without one), rounding and clamping integers. */
static void convert(unsigned char *dst, pv_dtype ot, const void *src, pv_dtype t, size_t n,
                    int hn, double nd) {
  for (size_t i = 0; i < n; i++) {
    double v = t == PV_F32 ? (double)((const float *)src)[i] : ((const double *)src)[i];
    if (isnan(v) && hn) v = nd;
    if (ot == PV_F64) { memcpy(dst + 8 * i, &v, 8); continue; }
    if (ot == PV_F32) { float f = (float)v; memcpy(dst + 4 * i, &f, 4); continue; }
    if (isnan(v)) v = 0;
    v = nearbyint(v);
    switch (ot) {
    case PV_U8: dst[i] = (unsigned char)fmin(fmax(v, 0), 255); break;
    case PV_I16: { int16_t x = (int16_t)fmin(fmax(v, INT16_MIN), INT16_MAX); memcpy(dst + 2 * i, &x, 2); break; }
    case PV_U16: { uint16_t x = (uint16_t)fmin(fmax(v, 0), UINT16_MAX); memcpy(dst + 2 * i, &x, 2); break; }
    case PV_I32: { int32_t x = (int32_t)fmin(fmax(v, INT32_MIN), INT32_MAX); memcpy(dst + 4 * i, &x, 4); break; }
    case PV_U32: { uint32_t x = (uint32_t)fmin(fmax(v, 0), UINT32_MAX); memcpy(dst + 4 * i, &x, 4); break; }
    default: { int64_t x = (int64_t)fmin(fmax(v, -9.2e18), 9.2e18); memcpy(dst + 8 * i, &x, 8); break; }
    }
  }
}

int pv_envi_out_write(pv_envi_out *e, const pv_raster_window *win, pv_dtype t,
                      const void *buf) {
  size_t es = pv_dtype_size(e->dtype), ts = pv_dtype_size(t), row = win->width * es;
  if (row > e->scratch_size) {
    unsigned char *s = pv_malloc(row);
    if (!s) return PV_ERROR(PV_ENOMEM, "ENVI row buffer");
    pv_free(e->scratch);
    e->scratch = s;
    e->scratch_size = row;
  }
  FILE *fp = pv_fileout_stream(e->data);
  for (size_t b = 0; b < e->bands; b++) {
    for (size_t y = 0; y < win->height; y++) {
      const unsigned char *src = (const unsigned char *)buf +
                                 ((b * win->height + y) * win->width) * ts;
      convert(e->scratch, e->dtype, src, t, win->width, e->meta.has_nodata, e->meta.nodata);
      off_t off = (off_t)(((b * e->height + win->y0 + y) * e->width + win->x0) * es);
      if (fseeko(fp, off, SEEK_SET) != 0 || fwrite(e->scratch, 1, row, fp) != row)
        return PV_ERROR(PV_EIO, "writing band %zu row %zu of ENVI data failed", b + 1,
                        win->y0 + y + 1);
      if (off + (off_t)row > e->end) e->end = off + (off_t)row;
    }
  }
  return 0;
}

/* "value" with % { } and line breaks escaped, so it survives in a {list}. */
static void put_escaped(FILE *fp, const char *s) {
  for (; *s; s++) {
    if (*s == '%' || *s == '{' || *s == '}' || *s == '\n' || *s == '\r' || *s == ',')
      fprintf(fp, "%%%02X", (unsigned char)*s);
    else
      fputc(*s, fp);
  }
}

static void put_list(FILE *fp, const char *key, const double *v, size_t n) {
  fprintf(fp, "%s = {", key);
  for (size_t i = 0; i < n; i++) fprintf(fp, "%s%.17g", i ? ", " : "", v[i]);
  fprintf(fp, "}\n");
}

/* map info + coordinate system string (ESRI WKT, what GDAL's reader expects). */
static void put_georef(FILE *fp, const pv_raster_meta *m) {
  const double *g = m->geotransform;
  const char *units = "Meters";
  char *esri = NULL;
  if (m->srs_wkt) {
    OGRSpatialReferenceH srs = OSRNewSpatialReference(m->srs_wkt);
    if (srs) {
      const char *opts[] = {"FORMAT=WKT1_ESRI", NULL};
      if (OSRIsGeographic(srs)) units = "Degrees";
      if (OSRExportToWktEx(srs, &esri, opts) != OGRERR_NONE) { CPLFree(esri); esri = NULL; }
      OSRDestroySpatialReference(srs);
    }
  }
  if (m->has_geotransform)
    fprintf(fp, "map info = {Arbitrary, 1, 1, %.17g, %.17g, %.17g, %.17g, units=%s}\n",
            g[0], g[3], g[1], -g[5], units);
  if (esri) fprintf(fp, "coordinate system string = {%s}\n", esri);
  CPLFree(esri);
}

static void put_header(FILE *fp, const pv_envi_out *e) {
  const pv_raster_meta *m = &e->meta;
  uint16_t one = 1;
  unsigned char little;
  memcpy(&little, &one, 1);
  fprintf(fp, "ENVI\ndescription = {Parseval raster}\nsamples = %zu\nlines = %zu\n"
              "bands = %zu\nheader offset = 0\nfile type = ENVI Standard\n"
              "data type = %d\ninterleave = bsq\nbyte order = %d\n",
          e->width, e->height, e->bands, pv_envi_type_of(e->dtype), little ? 0 : 1);
  put_georef(fp, m);
  if (m->wavelength_units) {
    fprintf(fp, "wavelength units = ");
    put_escaped(fp, m->wavelength_units);
    fputc('\n', fp);
  }
  if (m->wavelength) put_list(fp, "wavelength", m->wavelength, m->bands);
  if (m->fwhm) put_list(fp, "fwhm", m->fwhm, m->bands);
  if (m->bbl) {
    fprintf(fp, "bbl = {");
    for (size_t i = 0; i < m->bands; i++) fprintf(fp, "%s%d", i ? ", " : "", m->bbl[i]);
    fprintf(fp, "}\n");
  }
  if (m->has_nodata) fprintf(fp, "data ignore value = %.17g\n", m->nodata);
  if (m->band_names) {
    fprintf(fp, "band names = {");
    for (size_t i = 0; i < m->bands; i++) {
      fprintf(fp, "%s", i ? ", " : "");
      if (m->band_names[i]) put_escaped(fp, m->band_names[i]);
    }
    fprintf(fp, "}\n");
  }
  for (size_t i = 0; i < m->n_items; i++) {
    fprintf(fp, "item:");
    for (const char *k = m->keys[i]; *k; k++)
      fputc((*k == '=' || *k == '\n' || *k == '{' || *k == '}') ? '_' : *k, fp);
    fprintf(fp, " = {");
    put_escaped(fp, m->values[i]);
    fprintf(fp, "}\n");
  }
}

int pv_envi_out_commit(pv_envi_out **pe) {
  pv_envi_out *e = *pe;
  FILE *fp = pv_fileout_stream(e->data);
  /* Extend the data file to its full length even if the tail was never written. */
  size_t total = e->width * e->height * e->bands * pv_dtype_size(e->dtype);
  int st = 0;
  if (total && e->end < (off_t)total) {
    unsigned char z = 0;
    if (fseeko(fp, (off_t)total - 1, SEEK_SET) != 0 || fwrite(&z, 1, 1, fp) != 1)
      st = PV_ERROR(PV_EIO, "extending ENVI data file failed");
  }
  if (st == 0) {
    put_header(pv_fileout_stream(e->hdr), e);
    st = pv_fileout_commit(&e->data);
  }
  if (st == 0) {
    st = pv_fileout_commit(&e->hdr);
    /* the pair is one output: without its header a new data file goes too */
    if (st && !e->existed) unlink(e->path);
  }
  pv_envi_out_abort(pe);
  return st;
}
