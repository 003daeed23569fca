/* quicklook: any raster GDAL reads, a MATLAB .mat cube or a NumPy .npy
 * array to a PNG picture: one band through a colour map with a labelled
 * colour bar, or three bands as an RGB composite, each stretched between two
 * percentiles; NaN / no-data pixels transparent (or grey). The provenance
 * record travels in the PNG's text chunks. Built on libcore only. */
#include <parseval/parseval.h>
#include <parseval/matfile.h>
#include <parseval/scene.h>
#include <parseval/provenance.h>
#include <parseval/raster.h>
#include <parseval/render.h>

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define QUICKLOOK_VERSION "1.0"

/* The chosen bands (0-based indices into the source) and their labels. */
typedef struct pick {
  size_t idx[3];
  int n;
  char label[3][96];
  size_t width, height; /* the input's size */
  size_t factor;        /* block-mean reduction (1: none) */
} pick;

static size_t nearest_band(const pv_raster_meta *m, double wl) {
  size_t best = 0;
  for (size_t b = 1; b < m->bands; b++)
    if (fabs(m->wavelength[b] - wl) < fabs(m->wavelength[best] - wl)) best = b;
  return best;
}

/* True colour when the wavelengths cover the visible range, else the
 * middle band (or bands 1-3 of a three-band raster). */
static void default_pick(const pv_raster_meta *m, pick *p) {
  double scale = m->wavelength_units && strstr(m->wavelength_units, "icro") ? 1e-3 : 1.0;
  if (m->wavelength && m->bands >= 3) {
    double lo = m->wavelength[0], hi = m->wavelength[0];
    for (size_t b = 1; b < m->bands; b++) {
      lo = fmin(lo, m->wavelength[b]);
      hi = fmax(hi, m->wavelength[b]);
    }
    if (lo <= 480 * scale && hi >= 620 * scale) {
      static const double rgb[3] = {640, 550, 460};
      for (int k = 0; k < 3; k++) p->idx[k] = nearest_band(m, rgb[k] * scale);
      p->n = 3;
      return;
    }
  }
  if (m->bands == 3) {
    p->n = 3;
    for (int k = 0; k < 3; k++) p->idx[k] = (size_t)k;
    return;
  }
  p->n = 1;
  p->idx[0] = m->bands / 2;
}

static int choose_bands(const pv_args *args, const pv_raster_meta *m, const char *in, pick *p) {
  const int64_t *bi;
  const double *wl;
  size_t nb = pv_args_int_list(args, "bands", &bi), nw = pv_args_real_list(args, "wavelengths", &wl);
  if (nb && nw) return PV_ERROR(PV_EINVAL, "give --bands or --wavelengths, not both");
  if ((nb && nb != 1 && nb != 3) || (nw && nw != 1 && nw != 3))
    return PV_ERROR(PV_EINVAL, "--%s takes 1 band (colour map) or 3 (red,green,blue), not %zu",
                    nb ? "bands" : "wavelengths", nb ? nb : nw);
  if (nw && !m->wavelength)
    return PV_ERROR(PV_EINVAL, "%s has no band wavelengths: select with --bands", in);
  if (nb) {
    p->n = (int)nb;
    for (size_t k = 0; k < nb; k++) {
      if (bi[k] < 1 || (size_t)bi[k] > m->bands)
        return PV_ERROR(PV_EINVAL, "--bands: band %lld out of range 1..%zu of %s",
                        (long long)bi[k], m->bands, in);
      p->idx[k] = (size_t)bi[k] - 1;
    }
  } else if (nw) {
    p->n = (int)nw;
    for (size_t k = 0; k < nw; k++) p->idx[k] = nearest_band(m, wl[k]);
  } else {
    default_pick(m, p);
  }
  for (int k = 0; k < p->n; k++) pv_raster_meta_band_label(m, p->idx[k], p->label[k], sizeof p->label[k]);
  return 0;
}

/* Reduction factor: the larger side at most max_size, and the working set
 * (2 doubles per reduced value of the picked bands) within half the RAM
 * budget. */
static size_t reduction(pv_ctx *ctx, size_t w, size_t h, size_t n, size_t max_size) {
  size_t big = w > h ? w : h, f = (big + max_size - 1) / max_size;
  if (f < 1) f = 1;
  double budget = 0.5 * (double)pv_ctx_ram_budget(ctx);
  double need = 16.0 * (double)(n ? n : 1) * (double)w * (double)h;
  while (need / ((double)f * (double)f) > budget) f++;
  return f;
}

/* Bands idx[0..n) of a band-sequential f64 cube into the downsampler. */
static int add_bands(pv_downsampler *d, const double *data, size_t w, size_t h, const size_t *idx,
                     int n) {
  int st = 0;
  for (int k = 0; k < n && !st; k++) {
    pv_view v;
    size_t shape[2] = {h, w};
    pv_view_init(&v, (double *)data + idx[k] * w * h, PV_F64, 2, shape);
    st = pv_downsampler_add(d, (size_t)k, 0, 0, &v);
  }
  return st;
}

static int add_block(pv_ctx *ctx, pv_raster_block *blk, void *user) {
  (void)ctx;
  int st = 0;
  for (size_t b = 0; b < blk->bands_in && !st; b++) {
    pv_view v;
    size_t shape[2] = {blk->win.height, blk->win.width};
    pv_view_init(&v, (double *)blk->in + b * blk->win.width * blk->win.height, PV_F64, 2, shape);
    st = pv_downsampler_add(user, b, blk->win.y0, blk->win.x0, &v);
  }
  return st;
}

/* A .mat or .npy input: read whole (neither format reads partially). */
static int load_whole(pv_ctx *ctx, const pv_args *args, const char *in, size_t max_size,
                      pick *p, pv_array **stack) {
  pv_raster_cube c;
  pv_scene_read_options so = PV_SCENE_READ_OPTIONS_INIT;
  if (pv_args_has(args, "var")) so.mat_var = pv_args_string(args, "var");
  if (pv_args_has(args, "rows")) so.rows = (size_t)pv_args_int(args, "rows");
  if (pv_args_has(args, "cols")) so.cols = (size_t)pv_args_int(args, "cols");
  int st = pv_scene_read(ctx, in, &so, &c);
  if (!st) st = choose_bands(args, &c.meta, in, p);
  pv_downsampler *d = NULL;
  if (!st) {
    p->width = c.width;
    p->height = c.height;
    p->factor = reduction(ctx, c.width, c.height, 0, max_size);
    st = pv_downsampler_create(c.height, c.width, (size_t)p->n, p->factor, &d);
  }
  if (!st) st = add_bands(d, c.data, c.width, c.height, p->idx, p->n);
  if (!st) st = pv_downsampler_finish(d, stack);
  pv_downsampler_destroy(&d);
  pv_raster_cube_free(&c);
  return st;
}

/* A GDAL raster: only the picked bands are read, block by block, into the
 * block-mean reduction, so memory stays bounded whatever the scene's size. */
static int load_raster(pv_ctx *ctx, const pv_args *args, const char *in, size_t max_size,
                       pick *p, pv_array **stack) {
  pv_raster *r = NULL;
  pv_downsampler *d = NULL;
  int st = pv_raster_open(ctx, in, &r);
  if (!st) st = choose_bands(args, pv_raster_get_meta(r), in, p);
  if (!st) {
    p->width = pv_raster_width(r);
    p->height = pv_raster_height(r);
    p->factor = reduction(ctx, p->width, p->height, (size_t)p->n, max_size);
    st = pv_downsampler_create(p->height, p->width, (size_t)p->n, p->factor, &d);
  }
  pv_raster_process_options o = PV_RASTER_PROCESS_OPTIONS_INIT;
  o.bands = p->idx;
  o.n_bands = (size_t)p->n;
  /* a picture needs no big blocks: 64 MiB (or less with a small budget) */
  o.block_bytes = pv_ctx_ram_budget(ctx) / 4 < ((size_t)64 << 20) ? pv_ctx_ram_budget(ctx) / 4
                                                                   : ((size_t)64 << 20);
  if (!st) st = pv_raster_process(ctx, r, NULL, &o, add_block, d);
  if (!st) st = pv_downsampler_finish(d, stack);
  pv_downsampler_destroy(&d);
  pv_raster_close(&r);
  return st;
}

/* The picked bands as [n][rows][cols] doubles (reduced when needed). */
static int load(pv_ctx *ctx, const pv_args *args, pick *p, pv_array **stack) {
  const char *in = pv_args_string(args, "input");
  size_t max_size = (size_t)pv_args_int(args, "max-size");
  int st = pv_scene_kind_of(in) != PV_SCENE_RASTER
               ? load_whole(ctx, args, in, max_size, p, stack)
               : load_raster(ctx, args, in, max_size, p, stack);
  if (!st && p->factor > 1)
    pv_log(ctx, PV_LOG_INFO, "quicklook", "%s: %zu x %zu pixels shown as means of %zu x %zu blocks",
           in, p->width, p->height, p->factor, p->factor);
  return st;
}

static void band_view(const pv_array *stack, int k, pv_view *v) {
  const pv_view *s = pv_array_view(stack);
  size_t shape[2] = {s->shape[1], s->shape[2]};
  pv_view_init(v, (double *)s->data + (size_t)k * shape[0] * shape[1], PV_F64, 2, shape);
}

static const char *base_name(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

static int options(const pv_args *args, const pick *p, char *title, size_t cap,
                   pv_quicklook_opts *o) {
  const double *s;
  if (pv_args_real_list(args, "stretch", &s) != 2 || !(s[0] < s[1]))
    return PV_ERROR(PV_EINVAL, "--stretch needs two percentiles lo,hi with lo < hi");
  o->lo_pct = s[0];
  o->hi_pct = s[1];
  int st = pv_cmap_from_name(pv_args_string(args, "cmap"), &o->cmap);
  if (st) return st;
  const char *nan = pv_args_string(args, "nan");
  unsigned char g = strcmp(nan, "black") == 0 ? 0 : 128;
  if (strcmp(nan, "transparent") != 0) {
    o->nan_rgba[0] = o->nan_rgba[1] = o->nan_rgba[2] = g;
    o->nan_rgba[3] = 255;
  }
  o->zoom = (int)pv_args_int(args, "zoom");
  if (pv_args_has(args, "title")) {
    snprintf(title, cap, "%s", pv_args_string(args, "title"));
  } else if (p->n == 1) {
    snprintf(title, cap, "%s: %s", base_name(pv_args_string(args, "input")), p->label[0]);
  } else {
    snprintf(title, cap, "%s: RGB = bands %zu,%zu,%zu", base_name(pv_args_string(args, "input")),
             p->idx[0] + 1, p->idx[1] + 1, p->idx[2] + 1);
  }
  o->title = title;
  return 0;
}

#define N_PARAMS 13
static const pv_param params[N_PARAMS];

static int record(pv_ctx *ctx, const pv_args *args, const pick *p, const pv_quicklook_info *in,
                  pv_provenance **prov) {
  int st = pv_provenance_from_args(ctx, "quicklook", "run", params, N_PARAMS, args, prov);
  char text[512] = "";
  size_t used = 0;
  for (int k = 0; k < p->n && used < sizeof text; k++)
    used += (size_t)snprintf(text + used, sizeof text - used, "%s%s", k ? ", " : "", p->label[k]);
  if (!st) st = pv_provenance_set_param(*prov, "shown-bands", text);
  used = 0;
  for (int k = 0; k < p->n && used < sizeof text; k++)
    used += (size_t)snprintf(text + used, sizeof text - used, "%s%.9g..%.9g", k ? ", " : "",
                             in->lo[k], in->hi[k]);
  if (!st) st = pv_provenance_set_param(*prov, "stretch-limits", text);
  snprintf(text, sizeof text, "%zu", p->factor);
  if (!st) st = pv_provenance_set_param(*prov, "reduction", text);
  return st;
}

static int run(pv_ctx *ctx, const pv_args *args) {
  const char *out = pv_args_string(args, "output");
  pv_array *stack = NULL;
  pick p;
  memset(&p, 0, sizeof p);
  pv_quicklook_opts o = PV_QUICKLOOK_OPTS_INIT;
  pv_quicklook_info info;
  char title[256];
  pv_image *img = NULL;
  pv_provenance *prov = NULL;
  int st = pv_output_check(out, pv_args_overwrite(args)); /* before any work */
  if (!st) st = load(ctx, args, &p, &stack);
  if (!st) st = options(args, &p, title, sizeof title, &o);
  if (!st) {
    pv_view v[3];
    for (int k = 0; k < p.n; k++) band_view(stack, k, &v[k]);
    st = p.n == 1 ? pv_quicklook_band(&v[0], &o, &img, &info)
                  : pv_quicklook_rgb(&v[0], &v[1], &v[2], &o, &img, &info);
  }
  if (!st) st = record(ctx, args, &p, &info, &prov);
  if (!st) st = pv_image_write_png(img, out, prov, pv_args_overwrite(args));
  if (!st) {
    pv_log(ctx, PV_LOG_INFO, "quicklook", "wrote %s: %zu x %zu pixels at zoom %d; %s%s%s%s%s; %zu invalid",
           out, p.width, p.height, info.zoom, p.label[0], p.n == 3 ? ", " : "",
           p.n == 3 ? p.label[1] : "", p.n == 3 ? ", " : "", p.n == 3 ? p.label[2] : "",
           info.n_invalid);
    if (info.n_invalid)
      pv_log(ctx, PV_LOG_WARN, "quicklook", "%zu NaN or no-data pixels shown %s", info.n_invalid,
             pv_args_string(args, "nan"));
  }
  pv_provenance_destroy(&prov);
  pv_image_destroy(&img);
  pv_array_destroy(&stack);
  return st;
}

static const pv_param params[N_PARAMS] = {
    {"input", PV_PARAM_PATH, PV_ROLE_INPUT, 0, NULL, 0, 0, NULL,
     "raster GDAL reads, MATLAB .mat cube, or .npy array [rows, cols] / [bands, rows, cols]", NULL},
    {"output", PV_PARAM_PATH, PV_ROLE_OUTPUT, 0, NULL, 0, 0, NULL, "PNG picture to write", NULL},
    {"bands", PV_PARAM_INT_LIST, PV_ROLE_OPTION, PV_PARAM_OPTIONAL | PV_PARAM_HAS_MIN, NULL, 1, 0,
     NULL, "one band (colour map) or three (red,green,blue), 1-based", NULL},
    {"wavelengths", PV_PARAM_REAL_LIST, PV_ROLE_OPTION, PV_PARAM_OPTIONAL, NULL, 0, 0, NULL,
     "one or three wavelengths in the file's units: the nearest bands are shown", NULL},
    {"stretch", PV_PARAM_REAL_LIST, PV_ROLE_OPTION, PV_PARAM_HAS_MIN | PV_PARAM_HAS_MAX, "2,98", 0,
     100, NULL, "percentiles mapped to the ends of the colour range: lo,hi", "%"},
    {"cmap", PV_PARAM_CHOICE, PV_ROLE_OPTION, 0, "viridis", 0, 0, "viridis|gray",
     "colour map of a single band", NULL},
    {"nan", PV_PARAM_CHOICE, PV_ROLE_OPTION, 0, "transparent", 0, 0, "transparent|gray|black",
     "how NaN and no-data pixels are shown", NULL},
    {"zoom", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_HAS_MIN | PV_PARAM_HAS_MAX, "0", 0, 16, NULL,
     "integer magnification of each pixel; 0 picks one (larger side about 300 pixels)", NULL},
    {"max-size", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_HAS_MIN | PV_PARAM_HAS_MAX, "1024", 16, 8192,
     NULL, "larger inputs are shown as means of f x f pixel blocks (streamed for rasters)", "pixels"},
    {"title", PV_PARAM_STRING, PV_ROLE_OPTION, PV_PARAM_OPTIONAL, NULL, 0, 0, NULL,
     "title above the picture (default: file name and bands)", NULL},
    {"var", PV_PARAM_STRING, PV_ROLE_OPTION, PV_PARAM_OPTIONAL, NULL, 0, 0, NULL,
     ".mat input: the data variable (default Y, or the only 3-D variable)", NULL},
    {"rows", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_OPTIONAL | PV_PARAM_HAS_MIN, NULL, 1, 0, NULL,
     ".mat [bands x pixels] input: image rows (default: from the file)", NULL},
    {"cols", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_OPTIONAL | PV_PARAM_HAS_MIN, NULL, 1, 0, NULL,
     ".mat [bands x pixels] input: image columns (default: from the file)", NULL},
};

static const pv_verb verbs[] = {
    {"run", "picture of a raster, .mat or .npy cube as PNG (colour-mapped band or RGB composite)",
     params, N_PARAMS, sizeof(pv_param), run,
     "Shows one band through a perceptual colour map with a colour bar labelled with the stretch "
     "limits, or three bands as an RGB composite, each stretched between the --stretch "
     "percentiles of its valid values. Without --bands/--wavelengths a cube whose wavelengths "
     "cover the visible range is shown in true colour (640, 550, 460 nm), a three-band raster as "
     "RGB, anything else by its middle band. NaN and no-data pixels are transparent by default. "
     "The provenance record (inputs' SHA-256, parameters, shown bands, stretch limits) is stored "
     "in the PNG's text chunks."},
};

static const char *const demos[] = {
    "run {data}/scene/scene.img {out}/scene_rgb.png",
    "run --bands=12 --cmap=viridis {data}/scene/scene.tif {out}/scene_b12.png",
    NULL};

static const pv_plugin_descriptor descriptor = {
    PV_PLUGIN_ABI_VERSION, sizeof(pv_plugin_descriptor), "quicklook", QUICKLOOK_VERSION,
    "PNG pictures of rasters, .mat and .npy cubes: colour-mapped band or RGB composite",
    verbs, 1, sizeof(pv_verb), demos, {0}};

PV_PLUGIN_DEFINE(descriptor)
