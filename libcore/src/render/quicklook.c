/* Raster quicklooks: stretched RGB composites and single bands through a
 * colour map with a labelled colour bar. */
#include <math.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/render.h>

#include "out/strbuf.h"
#include "render/render_internal.h"

#define PAD 10
#define TEXT_SCALE 2

static const unsigned char INK[4] = {0, 0, 0, 255};

static int auto_zoom(const pv_view *v, int zoom) {
  if (zoom > 0) return zoom;
  size_t big = v->shape[0] > v->shape[1] ? v->shape[0] : v->shape[1];
  int z = (int)((300 + big - 1) / big);
  return z < 1 ? 1 : z > 8 ? 8 : z;
}

static int is_valid(double x, const pv_quicklook_opts *o) {
  return isfinite(x) && !(o->has_nodata && x == o->nodata);
}

static double value_at(const pv_view *v, size_t r, size_t c) {
  size_t idx[2] = {r, c};
  return pv_render_load(pv_view_at(v, idx), v->dtype);
}

static int stretch_limits(const pv_view *v, const pv_quicklook_opts *o, double *lo, double *hi) {
  double pct[2] = {o->lo_pct, o->hi_pct}, lim[2];
  int st = pv_percentiles(v, pct, 2, o->has_nodata ? &o->nodata : NULL, lim, NULL);
  if (st) return st;
  *lo = lim[0];
  *hi = lim[1];
  return 0;
}

static double unit(double x, double lo, double hi) {
  return hi > lo ? (x - lo) / (hi - lo) : 0.0;
}

static void frame(pv_image *img, int x, int y, int w, int h) {
  pv_image_fill_rect(img, x - 1, y - 1, w + 2, 1, INK);
  pv_image_fill_rect(img, x - 1, y + h, w + 2, 1, INK);
  pv_image_fill_rect(img, x - 1, y, 1, h, INK);
  pv_image_fill_rect(img, x + w, y, 1, h, INK);
}

static void format_limit(double v, char *buf, size_t cap) { pv_snprintf_c(buf, cap, "%.4g", v); }

static int title_height(const pv_quicklook_opts *o) {
  return o->title && *o->title ? 9 * TEXT_SCALE + 6 : 0;
}

/* Colour bar: top = hi, bottom = lo; limits and units to its right. */
static void draw_bar(pv_image *img, const pv_quicklook_opts *o, pv_quicklook_info *in) {
  for (int j = 0; j < in->bar_h; j++) {
    unsigned char c[4] = {0, 0, 0, 255};
    pv_cmap_color(o->cmap, 1.0 - (double)j / (in->bar_h > 1 ? in->bar_h - 1 : 1), c);
    pv_image_fill_rect(img, in->bar_x, in->bar_y + j, in->bar_w, 1, c);
  }
  frame(img, in->bar_x, in->bar_y, in->bar_w, in->bar_h);
  char t[32];
  int tx = in->bar_x + in->bar_w + 6;
  format_limit(in->hi[0], t, sizeof t);
  pv_image_draw_text(img, tx, in->bar_y, t, TEXT_SCALE, 0, INK);
  format_limit(in->lo[0], t, sizeof t);
  pv_image_draw_text(img, tx, in->bar_y + in->bar_h - 7 * TEXT_SCALE, t, TEXT_SCALE, 0, INK);
  if (o->units && *o->units)
    pv_image_draw_text(img, tx, in->bar_y + in->bar_h / 2 - 7 * TEXT_SCALE / 2, o->units,
                       TEXT_SCALE, 0, INK);
}

static int label_width(const pv_quicklook_info *in, const pv_quicklook_opts *o) {
  char t[32];
  int w = 0, k;
  format_limit(in->hi[0], t, sizeof t);
  if ((k = pv_text_width(t, TEXT_SCALE)) > w) w = k;
  format_limit(in->lo[0], t, sizeof t);
  if ((k = pv_text_width(t, TEXT_SCALE)) > w) w = k;
  if (o->units && (k = pv_text_width(o->units, TEXT_SCALE)) > w) w = k;
  return w;
}

/* Canvas for a picture of rows x cols at in->zoom, plus the bar if wanted. */
static int make_canvas(const pv_view *v, const pv_quicklook_opts *o, int bar,
                       pv_quicklook_info *in, pv_image **out) {
  int w = (int)v->shape[1] * in->zoom, h = (int)v->shape[0] * in->zoom;
  if (v->shape[0] > 16384 || v->shape[1] > 16384 || w > 16384 || h > 16384)
    return PV_ERROR(PV_EINVAL, "quicklook of %zu x %zu at zoom %d exceeds 16384 pixels",
                    v->shape[0], v->shape[1], in->zoom);
  in->x0 = PAD;
  in->y0 = PAD + title_height(o);
  int width = PAD + w + PAD, height = in->y0 + h + PAD;
  if (bar) {
    in->bar_x = in->x0 + w + 14;
    in->bar_y = in->y0;
    in->bar_w = 18;
    in->bar_h = h < 60 ? 60 : h;
    width = in->bar_x + in->bar_w + 6 + label_width(in, o) + PAD;
    if (in->bar_y + in->bar_h + PAD > height) height = in->bar_y + in->bar_h + PAD;
  }
  int tw = o->title ? pv_text_width(o->title, TEXT_SCALE) + 2 * PAD : 0;
  if (tw > width) width = tw;
  int st = pv_image_create(width, height, NULL, out);
  if (st) return st;
  if (o->title && *o->title) pv_image_draw_text(*out, PAD, PAD, o->title, TEXT_SCALE, 0, INK);
  frame(*out, in->x0, in->y0, w, h);
  return 0;
}

static void put_block(pv_image *img, const pv_quicklook_info *in, size_t r, size_t c,
                      const unsigned char rgba[4]) {
  pv_image_fill_rect(img, in->x0 + (int)c * in->zoom, in->y0 + (int)r * in->zoom, in->zoom,
                     in->zoom, rgba);
}

static int check_opts(const pv_quicklook_opts *o) {
  if (!o || o->struct_size < sizeof *o)
    return PV_ERROR(PV_EINVAL, "quicklook options: struct_size %zu, expected %zu",
                    o ? o->struct_size : 0, sizeof *o);
  if (!(o->lo_pct >= 0 && o->lo_pct < o->hi_pct && o->hi_pct <= 100))
    return PV_ERROR(PV_EINVAL, "quicklook stretch %g..%g%% is not 0 <= lo < hi <= 100",
                    o->lo_pct, o->hi_pct);
  if ((unsigned)o->cmap >= PV_CMAP_COUNT || o->zoom < 0 || o->zoom > 64)
    return PV_ERROR(PV_EINVAL, "quicklook: colour map %d or zoom %d invalid", (int)o->cmap, o->zoom);
  return 0;
}

int pv_quicklook_band(const pv_view *band, const pv_quicklook_opts *opts, pv_image **out,
                      pv_quicklook_info *info) {
  pv_quicklook_opts defaults = PV_QUICKLOOK_OPTS_INIT;
  const pv_quicklook_opts *o = opts ? opts : &defaults;
  if (!out) return PV_ERROR(PV_EINVAL, "pv_quicklook_band: NULL out");
  *out = NULL;
  int st = check_opts(o);
  if (!st) st = pv_render_check_band(band, "quicklook band");
  pv_quicklook_info in;
  memset(&in, 0, sizeof in);
  if (!st) st = stretch_limits(band, o, &in.lo[0], &in.hi[0]);
  if (st) return st;
  in.zoom = auto_zoom(band, o->zoom);
  if ((st = make_canvas(band, o, o->colorbar, &in, out))) return st;
  unsigned char lut[256][4];
  for (int k = 0; k < 256; k++) {
    pv_cmap_color(o->cmap, k / 255.0, lut[k]);
    lut[k][3] = 255;
  }
  for (size_t r = 0; r < band->shape[0]; r++)
    for (size_t c = 0; c < band->shape[1]; c++) {
      double x = value_at(band, r, c);
      if (!is_valid(x, o)) {
        in.n_invalid++;
        put_block(*out, &in, r, c, o->nan_rgba);
        continue;
      }
      double t = unit(x, in.lo[0], in.hi[0]);
      put_block(*out, &in, r, c, lut[(int)floor(255.0 * (t < 0 ? 0 : t > 1 ? 1 : t) + 0.5)]);
    }
  if (o->colorbar) draw_bar(*out, o, &in);
  if (info) *info = in;
  return 0;
}

int pv_quicklook_rgb(const pv_view *r, const pv_view *g, const pv_view *b,
                     const pv_quicklook_opts *opts, pv_image **out, pv_quicklook_info *info) {
  pv_quicklook_opts defaults = PV_QUICKLOOK_OPTS_INIT;
  const pv_quicklook_opts *o = opts ? opts : &defaults;
  if (!out) return PV_ERROR(PV_EINVAL, "pv_quicklook_rgb: NULL out");
  *out = NULL;
  const pv_view *ch[3] = {r, g, b};
  static const char *names[3] = {"red band", "green band", "blue band"};
  int st = check_opts(o);
  for (int k = 0; k < 3 && !st; k++) st = pv_render_check_band(ch[k], names[k]);
  for (int k = 1; k < 3 && !st; k++)
    if (ch[k]->shape[0] != r->shape[0] || ch[k]->shape[1] != r->shape[1])
      st = PV_ERROR(PV_EINVAL, "%s is %zu x %zu, red band %zu x %zu", names[k], ch[k]->shape[0],
                    ch[k]->shape[1], r->shape[0], r->shape[1]);
  pv_quicklook_info in;
  memset(&in, 0, sizeof in);
  for (int k = 0; k < 3 && !st; k++) st = stretch_limits(ch[k], o, &in.lo[k], &in.hi[k]);
  if (st) return st;
  in.zoom = auto_zoom(r, o->zoom);
  if ((st = make_canvas(r, o, 0, &in, out))) return st;
  for (size_t i = 0; i < r->shape[0]; i++)
    for (size_t j = 0; j < r->shape[1]; j++) {
      unsigned char px[4] = {0, 0, 0, 255};
      int ok = 1;
      for (int k = 0; k < 3; k++) {
        double x = value_at(ch[k], i, j);
        ok &= is_valid(x, o);
        double t = unit(x, in.lo[k], in.hi[k]);
        px[k] = ok ? (unsigned char)floor(255.0 * (t < 0 ? 0 : t > 1 ? 1 : t) + 0.5) : 0;
      }
      if (!ok) in.n_invalid++;
      put_block(*out, &in, i, j, ok ? px : o->nan_rgba);
    }
  if (info) *info = in;
  return 0;
}
