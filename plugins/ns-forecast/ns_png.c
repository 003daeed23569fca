/* ns_png.c - see ns_png.h. */
#include "ns_png.h"

#include <math.h>
#include <stdio.h>

#include <parseval/parseval.h>
#include <parseval/render.h>

/* Diverging map: t in [-1, 1] -> Moreland's cool-warm (blue -1, white-grey
 * 0, red +1; parseval/render.h); NaN maps to 0. */
static void diverging(double t, unsigned char rgba[4]) {
  if (!(t == t)) t = 0;
  t = t < -1 ? -1 : t > 1 ? 1 : t;
  pv_cmap_color(PV_CMAP_COOLWARM, 0.5 * (t + 1.0), rgba);
  rgba[3] = 255;
}

static void draw_field(pv_image *im, const double *w, int r, int s, int x0, int y0, double vmax) {
  for (int i = 0; i < r; i++)      /* x index: image column */
    for (int j = 0; j < r; j++) {  /* y index: image row from the bottom */
      unsigned char c[4];
      diverging(w[(size_t)i * (size_t)r + (size_t)j] / vmax, c);
      pv_image_fill_rect(im, x0 + i * s, y0 + (r - 1 - j) * s, s, s, c);
    }
}

static void draw_bar(pv_image *im, int x, int y0, int h, double vmax) {
  static const unsigned char black[4] = {0, 0, 0, 255};
  for (int y = 0; y < h; y++) {
    unsigned char c[4];
    diverging(1.0 - 2.0 * y / (h - 1), c);
    pv_image_fill_rect(im, x, y0 + y, 16, 1, c);
  }
  char lab[32];
  snprintf(lab, sizeof lab, "%+.3g", vmax);
  pv_image_draw_text(im, x + 20, y0, lab, 1, 0, black);
  pv_image_draw_text(im, x + 20, y0 + h / 2 - 4, "0", 1, 0, black);
  snprintf(lab, sizeof lab, "%+.3g", -vmax);
  pv_image_draw_text(im, x + 20, y0 + h - 8, lab, 1, 0, black);
}

int ns_png_write(const char *path, int overwrite, const double *w, int r, double vmax,
                 const char *title, const pv_provenance *prov) {
  if (!(vmax > 0) || !isfinite(vmax)) vmax = 1;
  int s = r >= 256 ? 1 : (256 + r - 1) / r, side = r * s;
  pv_image *im = NULL;
  int rc = pv_image_create(side + 90, side + 36, NULL, &im);
  if (rc) return rc;
  static const unsigned char black[4] = {0, 0, 0, 255};
  draw_field(im, w, r, s, 8, 28, vmax);
  draw_bar(im, 8 + side + 10, 28, side, vmax);
  if (title) pv_image_draw_text(im, 8, 6, title, 2, 0, black);
  rc = pv_image_write_png(im, path, prov, overwrite);
  pv_image_destroy(&im);
  return rc;
}
