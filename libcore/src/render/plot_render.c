/* The two plot back ends: raster (pv_image, then PNG) and SVG text. */
#include <math.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/fileout.h>

#include "out/strbuf.h"
#include "render/plot_internal.h"

/* ---- raster ---- */

static void r_rect(void *self, double x, double y, double w, double h, const unsigned char rgb[3],
                   int filled) {
  pv_image *img = self;
  unsigned char c[4] = {rgb[0], rgb[1], rgb[2], 255};
  int x0 = (int)floor(x + 0.5), y0 = (int)floor(y + 0.5);
  int w0 = (int)floor(w + 0.5), h0 = (int)floor(h + 0.5);
  if (filled) {
    pv_image_fill_rect(img, x0, y0, w0, h0, c);
    return;
  }
  pv_image_fill_rect(img, x0, y0, w0 + 1, 1, c);
  pv_image_fill_rect(img, x0, y0 + h0, w0 + 1, 1, c);
  pv_image_fill_rect(img, x0, y0, 1, h0 + 1, c);
  pv_image_fill_rect(img, x0 + w0, y0, 1, h0 + 1, c);
}

static void r_polyline(void *self, const double *xy, size_t n, const unsigned char rgb[3],
                       int width) {
  unsigned char c[4] = {rgb[0], rgb[1], rgb[2], 255};
  for (size_t i = 0; i + 1 < n; i++)
    pv_image_draw_line(self, xy[2 * i], xy[2 * i + 1], xy[2 * i + 2], xy[2 * i + 3], width, c);
}

static void r_text(void *self, double x, double y, const char *s, int scale, int anchor,
                   int vertical, const unsigned char rgb[3]) {
  unsigned char c[4] = {rgb[0], rgb[1], rgb[2], 255};
  int w = pv_text_width(s, scale);
  if (vertical) {
    pv_image_draw_text(self, (int)floor(x - 3.5 * scale + 0.5), (int)floor(y + w / 2.0 + 0.5), s,
                       scale, 1, c);
    return;
  }
  double left = anchor == 1 ? x - w / 2.0 : anchor == 2 ? x - w : x;
  pv_image_draw_text(self, (int)floor(left + 0.5), (int)floor(y + 0.5), s, scale, 0, c);
}

int pv_plot_render(const pv_plot *p, pv_image **out) {
  if (!out) return PV_ERROR(PV_EINVAL, "pv_plot_render: NULL out");
  *out = NULL;
  plot_layout L;
  int st = pv_plot_layout(p, &L);
  if (st) return st;
  size_t most = 1;
  for (size_t s = 0; s < p->ns; s++) most = p->series[s].n > most ? p->series[s].n : most;
  void *probe = pv_malloc(4 * (most + 1) * sizeof(double)); /* what draw_series will need */
  if (!probe) return PV_ENOMEM;
  pv_free(probe);
  if ((st = pv_image_create(p->width, p->height, NULL, out))) return st;
  pv_canvas c = {*out, r_rect, r_polyline, r_text};
  pv_plot_draw(p, &L, &c);
  return 0;
}

int pv_plot_write_png(const pv_plot *p, const char *path, const pv_provenance *prov,
                      int overwrite) {
  int st = pv_output_check(path, overwrite);
  pv_image *img = NULL;
  if (!st) st = pv_plot_render(p, &img);
  if (!st) st = pv_image_write_png(img, path, prov, overwrite);
  pv_image_destroy(&img);
  return st;
}

/* ---- SVG ---- */

static void hex(char out[8], const unsigned char rgb[3]) {
  snprintf(out, 8, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
}

/* XML character data: markup escaped, invalid UTF-8 and control bytes as '?'. */
static void xml_text(pv_strbuf *b, const char *s) {
  const unsigned char *u = (const unsigned char *)s;
  size_t n = strlen(s);
  for (size_t i = 0; i < n;) {
    unsigned cp;
    size_t len = pv_utf8_len(u + i, n - i, &cp);
    if (!len || (cp < 0x20 && cp != '\n' && cp != '\t') || cp == 0xFFFE || cp == 0xFFFF) {
      pv_strbuf_add(b, "?", 1);
      i += len ? len : 1;
      continue;
    }
    if (cp == '&') pv_strbuf_puts(b, "&amp;");
    else if (cp == '<') pv_strbuf_puts(b, "&lt;");
    else if (cp == '>') pv_strbuf_puts(b, "&gt;");
    else if (cp == '"') pv_strbuf_puts(b, "&quot;");
    else pv_strbuf_add(b, u + i, len);
    i += len;
  }
}

static void s_rect(void *self, double x, double y, double w, double h, const unsigned char rgb[3],
                   int filled) {
  char c[8];
  hex(c, rgb);
  pv_strbuf_printf(self, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" %s=\"%s\"%s/>\n",
                   x, y, w, h, filled ? "fill" : "stroke", c, filled ? "" : " fill=\"none\"");
}

static void s_polyline(void *self, const double *xy, size_t n, const unsigned char rgb[3],
                       int width) {
  char c[8];
  hex(c, rgb);
  pv_strbuf_printf(self, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%d\" points=\"", c,
                   width);
  for (size_t i = 0; i < n; i++)
    pv_strbuf_printf(self, i ? " %.2f,%.2f" : "%.2f,%.2f", xy[2 * i], xy[2 * i + 1]);
  pv_strbuf_puts(self, "\"/>\n");
}

static void s_text(void *self, double x, double y, const char *s, int scale, int anchor,
                   int vertical, const unsigned char rgb[3]) {
  static const char *anchors[3] = {"start", "middle", "end"};
  char c[8];
  hex(c, rgb);
  double size = 9.0 * scale, base = vertical ? x + 3.5 * scale : y + 7.0 * scale;
  if (vertical)
    pv_strbuf_printf(self, "<text x=\"%.2f\" y=\"%.2f\" font-family=\"monospace\" font-size=\"%.1f\" "
                     "text-anchor=\"middle\" fill=\"%s\" transform=\"rotate(-90 %.2f %.2f)\">",
                     base, y, size, c, base, y);
  else
    pv_strbuf_printf(self, "<text x=\"%.2f\" y=\"%.2f\" font-family=\"monospace\" font-size=\"%.1f\" "
                     "text-anchor=\"%s\" fill=\"%s\">", x, base, size, anchors[anchor % 3], c);
  xml_text(self, s);
  pv_strbuf_puts(self, "</text>\n");
}

int pv_plot_write_svg(const pv_plot *p, const char *path, const pv_provenance *prov,
                      int overwrite) {
  int st = pv_output_check(path, overwrite);
  plot_layout L;
  if (!st) st = pv_plot_layout(p, &L);
  if (st) return st;
  pv_strbuf b = {0};
  pv_strbuf_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
                   "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n", p->width, p->height,
                   p->width, p->height);
  char *json = NULL;
  if (prov && !(st = pv_provenance_json_text(prov, &json))) {
    pv_strbuf_puts(&b, "<metadata id=\"parseval-provenance\">");
    xml_text(&b, json);
    pv_strbuf_puts(&b, "</metadata>\n");
  }
  pv_free(json);
  pv_canvas c = {&b, s_rect, s_polyline, s_text};
  if (!st) pv_plot_draw(p, &L, &c);
  pv_strbuf_puts(&b, "</svg>\n");
  if (!st) st = b.status;
  if (!st) st = pv_file_write_atomic(path, b.data, b.len, overwrite);
  pv_strbuf_free(&b);
  return st;
}
