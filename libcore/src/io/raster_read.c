/* raster_read.c - open any GDAL raster, read windows into band-sequential
 * float/double buffers with invalid values masked. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <cpl_string.h>
#include <gdal.h>

#include <parseval/alloc.h>
#include <parseval/ctx.h>
#include <parseval/error.h>
#include <parseval/fileout.h>
#include <parseval/raster.h>

#include "raster_internal.h"

struct pv_raster {
  pv_ctx *ctx;
  GDALDatasetH ds;
  char *path;
  size_t width, height, bands;
  pv_dtype dtype;
  int *has_nd;     /* per-band no-data flags and values */
  double *nd;
  pv_raster_meta meta;
};

size_t pv_raster_width(const pv_raster *r) { return r->width; }
size_t pv_raster_height(const pv_raster *r) { return r->height; }
size_t pv_raster_bands(const pv_raster *r) { return r->bands; }
pv_dtype pv_raster_dtype(const pv_raster *r) { return r->dtype; }
const pv_raster_meta *pv_raster_get_meta(const pv_raster *r) { return &r->meta; }
const char *pv_raster_path(const pv_raster *r) { return r->path; }

void pv_raster_natural_block(const pv_raster *r, size_t *bw, size_t *bh, size_t *all_bands_bytes) {
  int x = 1, y = 1;
  GDALRasterBandH b = GDALGetRasterBand(r->ds, 1);
  if (b) GDALGetBlockSize(b, &x, &y);
  *bw = x > 0 ? (size_t)x : 1;
  *bh = y > 0 ? (size_t)y : 1;
  *all_bands_bytes = *bw * *bh * r->bands * pv_dtype_size(r->dtype);
}

void pv_raster_close(pv_raster **pr) {
  if (!pr || !*pr) return;
  pv_raster *r = *pr;
  if (r->ds) {
    pv_gdal_trap t;
    pv_gdal_trap_push(&t);
    GDALClose(r->ds);
    pv_gdal_trap_pop(&t);
  }
  pv_free(r->path);
  pv_free(r->has_nd);
  pv_free(r->nd);
  pv_raster_meta_clear(&r->meta);
  pv_free(r);
  *pr = NULL;
}

/* Plain files are checked before GDAL sees them: missing, folder, empty. */
static int check_file(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) {
    if (strchr(path, ':') || strncmp(path, "/vsi", 4) == 0) return 0; /* GDAL syntax */
    return PV_ERROR(PV_ENOTFOUND, "%s: no such file", path);
  }
  if (S_ISDIR(st.st_mode)) return PV_ERROR(PV_EINVAL, "%s: is a folder, not a raster", path);
  if (S_ISREG(st.st_mode) && st.st_size == 0)
    return PV_ERROR(PV_EFORMAT, "%s: empty file (0 bytes)", path);
  return 0;
}

/* Check an ENVI header against its data file's length. */
static int envi_length_check(const char *path, const char *hdr, const pv_raster_envi_header *h) {
  size_t ts = pv_raster_envi_type_size(h->data_type);
  unsigned long long need = (unsigned long long)h->samples * h->lines;
  int over = __builtin_mul_overflow(need, (unsigned long long)h->bands, &need) ||
             __builtin_mul_overflow(need, (unsigned long long)ts, &need) ||
             __builtin_add_overflow(need, (unsigned long long)h->header_offset, &need);
  struct stat sb;
  if (stat(path, &sb) == 0 && (over || (unsigned long long)sb.st_size < need))
    return PV_ERROR(PV_EFORMAT,
                    "%s: data file has %lld bytes but header %s ('samples' %zu x 'lines' %zu x "
                    "'bands' %zu x 'data type' %d (%zu bytes) + 'header offset' %zu) needs %llu",
                    path, (long long)sb.st_size, hdr, h->samples, h->lines, h->bands,
                    h->data_type, ts, h->header_offset, over ? ~0ULL : need);
  return 0;
}

/* Parse header hdr; with r, also take its fields into r's metadata. */
static int envi_apply(const char *path, const char *hdr, pv_raster *r) {
  char *text = NULL;
  size_t n = 0;
  pv_raster_envi_header h;
  memset(&h, 0, sizeof h);
  int st = pv_file_read_all(hdr, (size_t)64 << 20, &text, &n);
  if (st == 0) st = pv_raster_envi_header_parse(text, n, hdr, &h);
  if (st == 0) st = envi_length_check(path, hdr, &h);
  if (st == 0 && r && (h.samples != r->width || h.lines != r->height || h.bands != r->bands))
    st = PV_ERROR(PV_EFORMAT, "%s: header %s sizes %zu x %zu x %zu differ from GDAL's", path, hdr,
                  h.samples, h.lines, h.bands);
  if (st == 0 && r) st = pv_raster_meta_from_envi(&r->meta, &h);
  if (st == 0 && r && h.has_ignore)
    for (size_t b = 0; b < r->bands; b++) { r->has_nd[b] = 1; r->nd[b] = h.ignore_value; }
  pv_raster_envi_header_clear(&h);
  pv_free(text);
  return st;
}

/* When GDAL refused path: an ENVI header beside it ("x.hdr" or "x.img.hdr")
 * is parsed and checked against the data length, so a bad one is reported
 * by field rather than by GDAL's generic "too small". */
static int envi_precheck(const char *path) {
  char hdr[4096];
  if (strlen(path) + 5 > sizeof hdr || pv_raster_envi_header_path(path, hdr, sizeof hdr)) return 0;
  for (int k = 0; k < 2; k++) {
    if (k == 1) snprintf(hdr, sizeof hdr, "%s.hdr", path);
    if (!strcmp(hdr, path)) continue;
    FILE *fp = fopen(hdr, "rb");
    if (!fp) continue;
    char magic[4] = {0};
    size_t got = fread(magic, 1, 4, fp);
    fclose(fp);
    if (got == 4 && !memcmp(magic, "ENVI", 4)) return envi_apply(path, hdr, NULL);
  }
  return 0;
}

/* ENVI opened by GDAL: take our reader's fields (wavelength, fwhm, bbl...). */
static int envi_check(pv_raster *r) {
  char **files = GDALGetFileList(r->ds);
  const char *hdr = NULL;
  for (int i = 0; files && files[i]; i++) {
    size_t l = strlen(files[i]);
    if (l > 4 && strcasecmp(files[i] + l - 4, ".hdr") == 0) hdr = files[i];
  }
  int st = hdr ? envi_apply(r->path, hdr, r) : 0;
  CSLDestroy(files);
  return st;
}

static double band_item(GDALRasterBandH band, const char *key, int *found) {
  const char *v = GDALGetMetadataItem(band, key, NULL);
  char *end;
  double x = v ? strtod(v, &end) : NAN;
  *found = v && end != v;
  return x;
}

/* Per-band fields GDAL exposes: names, no-data, wavelength/fwhm/bbl items. */
static int read_band_meta(pv_raster *r) {
  pv_raster_meta *m = &r->meta;
  size_t nb = r->bands;
  int any_wl = 0, any_fw = 0, any_bbl = 0, f;
  double *wl = pv_malloc(nb * sizeof(double)), *fw = pv_malloc(nb * sizeof(double));
  double *bb = pv_malloc(nb * sizeof(double));
  int st = (wl && fw && bb) ? 0 : PV_ERROR(PV_ENOMEM, "%s: band metadata", r->path);
  for (size_t b = 0; st == 0 && b < nb; b++) {
    GDALRasterBandH band = GDALGetRasterBand(r->ds, (int)b + 1);
    r->nd[b] = GDALGetRasterNoDataValue(band, &r->has_nd[b]);
    const char *desc = GDALGetDescription(band);
    if (desc && desc[0]) st = pv_raster_meta_set_band_name(m, b, desc);
    wl[b] = band_item(band, "wavelength", &f); any_wl |= f;
    fw[b] = band_item(band, "fwhm", &f); any_fw |= f;
    bb[b] = band_item(band, "bbl", &f); any_bbl |= f;
    if (!f) bb[b] = 1;
    if (!m->wavelength_units && GDALGetMetadataItem(band, "wavelength_units", NULL))
      m->wavelength_units = pv_strdup(GDALGetMetadataItem(band, "wavelength_units", NULL));
  }
  if (st == 0 && any_wl) st = pv_raster_meta_set_wavelengths(m, wl, any_fw ? fw : NULL,
                                                              m->wavelength_units);
  if (st == 0 && any_bbl && (m->bbl = pv_malloc(nb)))
    for (size_t b = 0; b < nb; b++) m->bbl[b] = bb[b] != 0.0;
  if (st == 0 && any_bbl && !m->bbl) st = PV_ERROR(PV_ENOMEM, "%s: bbl", r->path);
  m->has_nodata = r->has_nd[0];
  m->nodata = r->nd[0];
  pv_free(wl);
  pv_free(fw);
  pv_free(bb);
  return st;
}

/* Dataset-level georeferencing and free-form items. */
static int read_meta(pv_raster *r) {
  pv_raster_meta *m = &r->meta;
  pv_raster_meta_init(m, r->bands);
  if (GDALGetGeoTransform(r->ds, m->geotransform) == CE_None) m->has_geotransform = 1;
  const char *wkt = GDALGetProjectionRef(r->ds);
  if (wkt && wkt[0] && !(m->srs_wkt = pv_strdup(wkt)))
    return PV_ERROR(PV_ENOMEM, "%s: projection", r->path);
  char **md = GDALGetMetadata(r->ds, NULL);
  for (int i = 0; md && md[i]; i++) {
    char *key = NULL;
    const char *val = CPLParseNameValue(md[i], &key);
    int st = 0;
    if (key && val && strncmp(key, "Band_", 5) != 0) {
      if (!strcmp(key, "wavelength_units")) {
        if (!m->wavelength_units && !(m->wavelength_units = pv_strdup(val)))
          st = PV_ERROR(PV_ENOMEM, "%s", r->path);
      } else {
        st = pv_raster_meta_set_item(m, key, val);
      }
    }
    CPLFree(key);
    if (st) return st;
  }
  return read_band_meta(r);
}

static int open_dataset(pv_raster *r) {
  pv_gdal_trap t;
  pv_gdal_trap_push(&t);
  r->ds = GDALOpenEx(r->path, GDAL_OF_RASTER | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR,
                     NULL, NULL, NULL);
  pv_gdal_trap_pop(&t);
  if (!r->ds)
    return PV_ERROR(PV_EFORMAT, "%s: not a raster GDAL can read%s%s", r->path,
                    t.msg[0] ? ": " : "", t.msg);
  int nb = GDALGetRasterCount(r->ds);
  if (nb <= 0) {
    char **sub = GDALGetMetadata(r->ds, "SUBDATASETS");
    const char *first = sub ? CSLFetchNameValue(sub, "SUBDATASET_1_NAME") : NULL;
    if (first)
      return PV_ERROR(PV_EFORMAT, "%s: holds subdatasets, open one of them, e.g. '%s'",
                      r->path, first);
    return PV_ERROR(PV_EFORMAT, "%s: has no raster band", r->path);
  }
  r->width = (size_t)GDALGetRasterXSize(r->ds);
  r->height = (size_t)GDALGetRasterYSize(r->ds);
  r->bands = (size_t)nb;
  r->dtype = pv_gdal_to_dtype(GDALGetRasterDataType(GDALGetRasterBand(r->ds, 1)));
  return 0;
}

int pv_raster_open(pv_ctx *ctx, const char *path, pv_raster **out) {
  *out = NULL;
  int st = check_file(path);
  if (st) return st;
  pv_gdal_register();
  pv_raster *r = pv_calloc(1, sizeof *r);
  if (!r || !(r->path = pv_strdup(path))) {
    pv_free(r);
    return PV_ERROR(PV_ENOMEM, "%s: raster handle", path);
  }
  r->ctx = ctx;
  if (ctx) pv_gdal_cache_limit(pv_ctx_ram_budget(ctx));
  st = open_dataset(r);
  if (st && !r->ds) { /* GDAL refused: if it is a bad ENVI pair, name the field instead */
    char gdal_msg[PV_ERROR_MAX_MSG];
    snprintf(gdal_msg, sizeof gdal_msg, "%s", pv_error_message());
    pv_error_clear();
    int envi = envi_precheck(path);
    st = envi ? envi : PV_ERROR(st, "%s", gdal_msg);
  }
  if (st == 0) {
    r->has_nd = pv_calloc(r->bands, sizeof(int));
    r->nd = pv_calloc(r->bands, sizeof(double));
    if (!r->has_nd || !r->nd) st = PV_ERROR(PV_ENOMEM, "%s: band table", path);
  }
  pv_gdal_trap t; /* metadata queries may complain; keep that out of the error stack */
  pv_gdal_trap_push(&t);
  if (st == 0) st = read_meta(r);
  if (st == 0 && !strcmp(GDALGetDriverShortName(GDALGetDatasetDriver(r->ds)), "ENVI"))
    st = envi_check(r);
  pv_gdal_trap_pop(&t);
  if (st == 0 && t.warnings + t.failures)
    pv_log(ctx, PV_LOG_DEBUG, "io", "%s: GDAL said while reading metadata: %s", path, t.msg);
  if (st) {
    pv_raster_close(&r);
    return st;
  }
  pv_log(ctx, PV_LOG_DEBUG, "io", "%s: %zu x %zu x %zu %s", path, r->width, r->height,
         r->bands, pv_dtype_name(r->dtype));
  *out = r;
  return 0;
}

int pv_raster_read_window(pv_raster *r, const pv_raster_window *win, const size_t *idx,
                          size_t n, pv_dtype dtype, void *buf, size_t *invalid) {
  pv_raster_window all = {0, 0, r->width, r->height};
  if (!win) win = &all;
  if (dtype != PV_F32 && dtype != PV_F64)
    return PV_ERROR(PV_EINVAL, "%s: read type must be f32 or f64", r->path);
  if (win->width == 0 || win->height == 0 || win->x0 > r->width ||
      win->width > r->width - win->x0 || win->y0 > r->height ||
      win->height > r->height - win->y0)
    return PV_ERROR(PV_EINVAL, "%s: window %zux%zu+%zu+%zu outside the %zux%zu raster",
                    r->path, win->width, win->height, win->x0, win->y0, r->width, r->height);
  if (!idx) n = r->bands;
  int *map = pv_malloc((n ? n : 1) * sizeof(int));
  if (!map) return PV_ERROR(PV_ENOMEM, "%s: band map", r->path);
  for (size_t i = 0; i < n; i++) {
    size_t b = idx ? idx[i] : i;
    if (b >= r->bands) {
      pv_free(map);
      return PV_ERROR(PV_EINVAL, "%s: band %zu out of range (%zu bands)", r->path, b + 1,
                      r->bands);
    }
    map[i] = (int)b + 1;
  }
  size_t es = pv_dtype_size(dtype), plane = win->width * win->height;
  pv_gdal_trap t;
  pv_gdal_trap_push(&t);
  CPLErr e = GDALDatasetRasterIO(r->ds, GF_Read, (int)win->x0, (int)win->y0,
                                 (int)win->width, (int)win->height, buf, (int)win->width,
                                 (int)win->height, pv_gdal_type(dtype), (int)n, map, (int)es,
                                 (int)(es * win->width), (GSpacing)(es * plane));
  pv_gdal_trap_pop(&t);
  int st = 0;
  if (e != CE_None || t.failures)
    st = PV_ERROR(PV_EFORMAT, "%s: reading bands %d..%d, window %zux%zu+%zu+%zu: %s", r->path,
                  map[0], map[n - 1], win->width, win->height, win->x0, win->y0,
                  t.msg[0] ? t.msg : "read failed");
  for (size_t i = 0; st == 0 && i < n; i++) {
    size_t b = (size_t)map[i] - 1;
    size_t k = pv_raster_mask((char *)buf + i * plane * es, dtype, plane, r->has_nd[b], r->nd[b]);
    if (invalid) invalid[i] += k;
  }
  pv_free(map);
  return st;
}

int pv_raster_read(pv_ctx *ctx, const char *path, const pv_raster_read_options *opt,
                   pv_raster_cube *cube) {
  pv_raster_read_options o = PV_RASTER_READ_OPTIONS_INIT;
  if (opt) memcpy(&o, opt, opt->struct_size < sizeof o ? opt->struct_size : sizeof o);
  memset(cube, 0, sizeof *cube);
  pv_raster *r;
  int st = pv_raster_open(ctx, path, &r);
  if (st) return st;
  pv_raster_window win = {0, 0, r->width, r->height};
  if (o.window) win = *o.window;
  size_t nb = o.bands ? o.n_bands : r->bands;
  size_t bytes;
  int over = __builtin_mul_overflow(win.width, win.height, &bytes) ||
             __builtin_mul_overflow(bytes, nb, &bytes) ||
             __builtin_mul_overflow(bytes, pv_dtype_size(o.dtype), &bytes);
  if (over) bytes = (size_t)-1;
  if ((ctx && bytes > pv_ctx_ram_budget(ctx)) || over)
    st = PV_ERROR(PV_ENOMEM, "%s: cube of %zu bytes exceeds the RAM budget of %zu bytes "
                  "(stream it block-wise)", path, bytes, pv_ctx_ram_budget(ctx));
  if (st == 0) st = pv_raster_cube_alloc(cube, win.width, win.height, nb, o.dtype);
  if (st == 0) st = pv_raster_read_window(r, &win, o.bands, nb, o.dtype, cube->data,
                                          cube->invalid);
  if (st == 0) {
    pv_raster_meta_clear(&cube->meta);
    if (o.bands) st = pv_raster_meta_select(&cube->meta, &r->meta, o.bands, nb);
    else st = pv_raster_meta_copy(&cube->meta, &r->meta);
  }
  if (st == 0) {
    pv_raster_meta_shift(&cube->meta, (double)win.x0, (double)win.y0);
    pv_raster_report_invalid(ctx, path, &cube->meta, cube->invalid, win.width * win.height);
  }
  pv_raster_close(&r);
  if (st) pv_raster_cube_free(cube);
  return st;
}
