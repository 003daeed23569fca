/* convert: any raster GDAL reads, or a MATLAB .mat cube, to GeoTIFF or ENVI,
 * with a band subset (indices or a wavelength range), a spatial window, the
 * no-data value and georeferencing kept (or supplied with --srs and
 * --geotransform), and the provenance record embedded in the metadata.
 * GDAL inputs stream block-wise within the RAM budget; .mat inputs are read
 * whole (matio has no partial reads). */
#include <parseval/parseval.h>
#include <parseval/matfile.h>
#include <parseval/provenance.h>
#include <parseval/raster.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#define CONVERT_VERSION "1.0"

/* What to write: bands (0-based input indices), window, type, format. */
typedef struct job {
  size_t *bands, n_bands;
  pv_raster_window win;
  pv_dtype dtype;
  pv_raster_format fmt;
} job;

static int parse_type(const char *s, pv_dtype *t) {
  static const struct { const char *name; pv_dtype t; } map[] = {
      {"f32", PV_F32}, {"f64", PV_F64}, {"u8", PV_U8}, {"i16", PV_I16}, {"u16", PV_U16},
      {"i32", PV_I32}, {"u32", PV_U32}};
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (!strcmp(s, map[i].name)) { *t = map[i].t; return 0; }
  return PV_ERROR(PV_EINVAL, "--type=%s: unknown type", s);
}

/* Bands from --bands (1-based) or --wavelengths=lo,hi, else all. */
static int pick_bands(const pv_args *args, const pv_raster_meta *m, const char *in, job *j) {
  const int64_t *idx;
  const double *wl;
  size_t ni = pv_args_int_list(args, "bands", &idx);
  size_t nw = pv_args_real_list(args, "wavelengths", &wl);
  if (ni && nw) return PV_ERROR(PV_EINVAL, "give --bands or --wavelengths, not both");
  if (nw && nw != 2) return PV_ERROR(PV_EINVAL, "--wavelengths needs two values lo,hi");
  if (nw && !m->wavelength)
    return PV_ERROR(PV_EINVAL, "%s has no band wavelengths: select with --bands", in);
  j->bands = pv_malloc((m->bands ? m->bands : 1) * sizeof(size_t) + ni * sizeof(size_t));
  if (!j->bands) return PV_ENOMEM;
  j->n_bands = 0;
  for (size_t i = 0; i < ni; i++) {
    if (idx[i] < 1 || (size_t)idx[i] > m->bands)
      return PV_ERROR(PV_EINVAL, "--bands: band %lld out of range 1..%zu of %s", (long long)idx[i],
                      m->bands, in);
    j->bands[j->n_bands++] = (size_t)idx[i] - 1;
  }
  for (size_t b = 0; !ni && b < m->bands; b++)
    if (!nw || (m->wavelength[b] >= fmin(wl[0], wl[1]) && m->wavelength[b] <= fmax(wl[0], wl[1])))
      j->bands[j->n_bands++] = b;
  if (j->n_bands == 0)
    return PV_ERROR(PV_EINVAL, "--wavelengths=%g,%g: no band of %s in that range (%g..%g %s)", wl[0],
                    wl[1], in, m->wavelength[0], m->wavelength[m->bands - 1],
                    m->wavelength_units ? m->wavelength_units : "");
  return 0;
}

static int pick_window(const pv_args *args, size_t w, size_t h, const char *in, job *j) {
  const int64_t *v;
  size_t n = pv_args_int_list(args, "window", &v);
  j->win = (pv_raster_window){0, 0, w, h};
  if (!n) return 0;
  if (n != 4) return PV_ERROR(PV_EINVAL, "--window needs four values x0,y0,width,height");
  if (v[0] < 0 || v[1] < 0 || v[2] < 1 || v[3] < 1 || (size_t)(v[0] + v[2]) > w ||
      (size_t)(v[1] + v[3]) > h)
    return PV_ERROR(PV_EINVAL, "--window=%lld,%lld,%lld,%lld lies outside %s (%zu x %zu)",
                    (long long)v[0], (long long)v[1], (long long)v[2], (long long)v[3], in, w, h);
  j->win = (pv_raster_window){(size_t)v[0], (size_t)v[1], (size_t)v[2], (size_t)v[3]};
  return 0;
}

/* Output metadata: selected bands, shifted origin, user georeferencing,
 * no-data override and the provenance pairs. */
static int out_meta(pv_ctx *ctx, const pv_args *args, const pv_raster_meta *src, const job *j,
                    const pv_param *params, size_t np, pv_raster_meta *m) {
  int st = pv_raster_meta_select(m, src, j->bands, j->n_bands);
  if (st) return st;
  pv_raster_meta_shift(m, (double)j->win.x0, (double)j->win.y0);
  const double *gt;
  if (pv_args_real_list(args, "geotransform", &gt) > 0) {
    if (pv_args_real_list(args, "geotransform", &gt) != 6)
      return PV_ERROR(PV_EINVAL, "--geotransform needs six values x0,dx,rx,y0,ry,dy");
    if (m->has_geotransform)
      pv_log(ctx, PV_LOG_WARN, "convert", "--geotransform replaces the input's georeferencing");
    memcpy(m->geotransform, gt, sizeof m->geotransform);
    m->has_geotransform = 1;
  }
  if (pv_args_has(args, "srs")) {
    if (m->srs_wkt) pv_log(ctx, PV_LOG_WARN, "convert", "--srs replaces the input's projection");
    st = pv_raster_meta_set_srs(m, pv_args_string(args, "srs"));
    if (st) return st;
  }
  if (m->srs_wkt && !m->has_geotransform)
    pv_log(ctx, PV_LOG_WARN, "convert", "a projection without --geotransform is of little use");
  if (pv_args_has(args, "nodata")) {
    m->has_nodata = 1;
    m->nodata = pv_args_real(args, "nodata");
  }
  pv_provenance *p;
  st = pv_provenance_from_args(ctx, "convert", "run", params, np, args, &p);
  for (size_t i = 0; st == 0 && i < pv_provenance_count(p); i++) {
    const char *k, *v;
    st = pv_provenance_pair(p, i, &k, &v);
    if (st == 0) st = pv_raster_meta_set_item(m, k, v);
  }
  pv_provenance_destroy(&p);
  return st;
}

static int copy_block(pv_ctx *ctx, pv_raster_block *blk, void *user) {
  (void)ctx;
  (void)user;
  memcpy(blk->out, blk->in, blk->win.width * blk->win.height * blk->bands_in * sizeof(double));
  return 0;
}

static int convert_gdal(pv_ctx *ctx, const pv_args *args, job *j, const pv_param *params,
                        size_t np) {
  const char *in_path = pv_args_string(args, "input"), *out_path = pv_args_string(args, "output");
  pv_raster *in = NULL;
  pv_raster_writer *w = NULL;
  pv_raster_meta m;
  pv_raster_meta_init(&m, 0);
  int st = pv_raster_open(ctx, in_path, &in);
  if (st == 0) st = pick_bands(args, pv_raster_get_meta(in), in_path, j);
  if (st == 0) st = pick_window(args, pv_raster_width(in), pv_raster_height(in), in_path, j);
  if (st == 0) st = out_meta(ctx, args, pv_raster_get_meta(in), j, params, np, &m);
  if (st == 0)
    st = pv_raster_writer_create(ctx, out_path, j->fmt, j->win.width, j->win.height, j->n_bands,
                                 j->dtype, &m, pv_args_overwrite(args), &w);
  pv_raster_process_options o = PV_RASTER_PROCESS_OPTIONS_INIT;
  o.bands = j->bands;
  o.n_bands = j->n_bands;
  o.roi = &j->win;
  if (st == 0) st = pv_raster_process(ctx, in, w, &o, copy_block, NULL);
  if (st == 0) st = pv_raster_writer_commit(&w);
  pv_raster_writer_abort(&w);
  pv_raster_meta_clear(&m);
  pv_raster_close(&in);
  return st;
}

/* Rows of the selected bands/window of an in-memory cube into the writer. */
static int write_from_cube(const pv_raster_cube *c, const job *j, pv_raster_writer *w) {
  double *row = pv_malloc(j->win.width * j->n_bands * sizeof(double));
  if (!row) return PV_ENOMEM;
  int st = 0;
  for (size_t y = 0; st == 0 && y < j->win.height; y++) {
    for (size_t b = 0; b < j->n_bands; b++)
      memcpy(row + b * j->win.width,
             (const double *)c->data + (j->bands[b] * c->height + j->win.y0 + y) * c->width + j->win.x0,
             j->win.width * sizeof(double));
    pv_raster_window rw = {0, y, j->win.width, 1};
    st = pv_raster_writer_write(w, &rw, PV_F64, row);
  }
  pv_free(row);
  return st;
}

static int convert_mat(pv_ctx *ctx, const pv_args *args, job *j, const pv_param *params,
                       size_t np) {
  const char *in_path = pv_args_string(args, "input"), *out_path = pv_args_string(args, "output");
  pv_matfile_options mo = PV_MATFILE_OPTIONS_INIT;
  if (pv_args_has(args, "var")) mo.var = pv_args_string(args, "var");
  if (pv_args_has(args, "rows")) mo.rows = (size_t)pv_args_int(args, "rows");
  if (pv_args_has(args, "cols")) mo.cols = (size_t)pv_args_int(args, "cols");
  pv_raster_cube c;
  pv_raster_writer *w = NULL;
  pv_raster_meta m;
  pv_raster_meta_init(&m, 0);
  int st = pv_matfile_read(ctx, in_path, &mo, &c);
  if (st) return st;
  st = pick_bands(args, &c.meta, in_path, j);
  if (st == 0) st = pick_window(args, c.width, c.height, in_path, j);
  if (st == 0) st = out_meta(ctx, args, &c.meta, j, params, np, &m);
  if (st == 0)
    st = pv_raster_writer_create(ctx, out_path, j->fmt, j->win.width, j->win.height, j->n_bands,
                                 j->dtype, &m, pv_args_overwrite(args), &w);
  if (st == 0) st = write_from_cube(&c, j, w);
  if (st == 0) st = pv_raster_writer_commit(&w);
  pv_raster_writer_abort(&w);
  pv_raster_meta_clear(&m);
  pv_raster_cube_free(&c);
  return st;
}

static const pv_param params[] = {
    {"input", PV_PARAM_PATH, PV_ROLE_INPUT, 0, NULL, 0, 0, NULL,
     "raster GDAL reads (GeoTIFF, ENVI, HDF5:file:dataset, VRT...) or a MATLAB .mat file", NULL},
    {"output", PV_PARAM_PATH, PV_ROLE_OUTPUT, 0, NULL, 0, 0, NULL,
     "output raster: .tif (tiled deflate GeoTIFF) or .img/.dat/.bsq (ENVI BSQ + .hdr)", NULL},
    {"format", PV_PARAM_CHOICE, PV_ROLE_OPTION, 0, "auto", 0, 0, "auto|gtiff|envi",
     "output format; auto follows the output's extension", NULL},
    {"type", PV_PARAM_CHOICE, PV_ROLE_OPTION, 0, "f32", 0, 0, "f32|f64|u8|i16|u16|i32|u32",
     "stored value type (integers are rounded and clamped)", NULL},
    {"bands", PV_PARAM_INT_LIST, PV_ROLE_OPTION, PV_PARAM_OPTIONAL | PV_PARAM_HAS_MIN, NULL, 1, 0,
     NULL, "bands to keep, 1-based, in this order (default: all)", NULL},
    {"wavelengths", PV_PARAM_REAL_LIST, PV_ROLE_OPTION, PV_PARAM_OPTIONAL, NULL, 0, 0, NULL,
     "keep the bands whose centre lies in lo,hi (the input's wavelength units)", NULL},
    {"window", PV_PARAM_INT_LIST, PV_ROLE_OPTION, PV_PARAM_OPTIONAL | PV_PARAM_HAS_MIN, NULL, 0, 0,
     NULL, "spatial window x0,y0,width,height in pixels (default: whole image)", "pixels"},
    {"srs", PV_PARAM_STRING, PV_ROLE_OPTION, PV_PARAM_OPTIONAL, NULL, 0, 0, NULL,
     "spatial reference for the output (EPSG:32610, WKT or PROJ); replaces the input's", NULL},
    {"geotransform", PV_PARAM_REAL_LIST, PV_ROLE_OPTION, PV_PARAM_OPTIONAL, NULL, 0, 0, NULL,
     "x0,dx,rx,y0,ry,dy of the output's top-left pixel corner (GDAL order); replaces the input's",
     NULL},
    {"nodata", PV_PARAM_REAL, PV_ROLE_OPTION, PV_PARAM_OPTIONAL, NULL, 0, 0, NULL,
     "no-data value of the output (default: the input's); NaN pixels are written as it", NULL},
    {"var", PV_PARAM_STRING, PV_ROLE_OPTION, PV_PARAM_OPTIONAL, NULL, 0, 0, NULL,
     ".mat input: the data variable (default Y, else the only 3-D one)", NULL},
    {"rows", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_OPTIONAL | PV_PARAM_HAS_MIN, NULL, 1, 0, NULL,
     ".mat input: image rows of a [bands x pixels] matrix (default: variable lines/rows)", NULL},
    {"cols", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_OPTIONAL | PV_PARAM_HAS_MIN, NULL, 1, 0, NULL,
     ".mat input: image columns (default: variable cols)", NULL},
};
#define N_PARAMS (sizeof params / sizeof params[0])

static int run(pv_ctx *ctx, const pv_args *args) {
  job j = {NULL, 0, {0, 0, 0, 0}, PV_F32, PV_RASTER_GTIFF};
  const char *out = pv_args_string(args, "output"), *fmt = pv_args_string(args, "format");
  int st = parse_type(pv_args_string(args, "type"), &j.dtype);
  if (st == 0) {
    if (!strcmp(fmt, "gtiff")) j.fmt = PV_RASTER_GTIFF;
    else if (!strcmp(fmt, "envi")) j.fmt = PV_RASTER_ENVI;
    else st = pv_raster_format_from_path(out, &j.fmt);
  }
  if (st == 0) {
    if (pv_matfile_is_mat(pv_args_string(args, "input")))
      st = convert_mat(ctx, args, &j, params, N_PARAMS);
    else
      st = convert_gdal(ctx, args, &j, params, N_PARAMS);
  }
  if (st == 0)
    pv_log(ctx, PV_LOG_INFO, "convert", "wrote %s: %zu x %zu pixels, %zu bands, %s", out,
           j.win.width, j.win.height, j.n_bands, pv_dtype_name(j.dtype));
  pv_free(j.bands);
  return st;
}

static const pv_verb verbs[] = {
    {"run", "convert a raster or .mat cube to GeoTIFF or ENVI (bands, window, georeferencing)",
     params, N_PARAMS, sizeof(pv_param), run,
     "Reads any raster GDAL opens, or a MATLAB .mat cube ([bands x pixels] with the image size "
     "given or stored, or [rows x cols x bands]), and writes a tiled deflate GeoTIFF or an ENVI "
     "BSQ file. Georeferencing, no-data and the spectral fields (wavelength, fwhm, bad-band list) "
     "follow the kept bands; inputs without georeferencing get it from --srs and --geotransform "
     "or are written without it, with a warning. The provenance record is embedded as metadata "
     "items. GDAL inputs stream block-wise within the RAM budget."},
};

static const char *const demos[] = {
    "--wavelengths=450,900 --window=4,4,32,32 {data}/scene/scene.img {out}/scene_vnir.tif",
    "--bands=30,20,10 {data}/scene/scene.tif {out}/scene_rgb.img",
    NULL};

static const pv_plugin_descriptor descriptor = {
    PV_PLUGIN_ABI_VERSION, sizeof(pv_plugin_descriptor), "convert", CONVERT_VERSION,
    "convert rasters and .mat cubes to GeoTIFF or ENVI: band subset, window, georeferencing kept",
    verbs, 1, sizeof(pv_verb), demos, {0}};

PV_PLUGIN_DEFINE(descriptor)
