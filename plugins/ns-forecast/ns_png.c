/* ns_png.c - see ns_png.h. Text uses a 3x5 bitmap font. */
#include "ns_png.h"

#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <parseval/parseval.h>

/* 3x5 glyphs, rows top to bottom, 3 bits each (MSB = left). */
static const char *glyph(char c) {
  static const char *digits[10] = {"75557", "26227", "71747", "71717", "55711",
                                   "74717", "74757", "71111", "75757", "75717"};
  if (c >= '0' && c <= '9') return digits[c - '0'];
  switch (c) {
  case '.': return "00002";
  case '-': return "00700";
  case '+': return "02720";
  case '=': return "07070";
  case 'e': return "07670";
  case 't': return "27223";
  case 'w': return "00577";
  case 'n': return "00655";
  case 'u': return "00557";
  case 'x': return "00525";
  case 'a': return "03553";
  case 'm': return "00775";
  default: return "00000";
  }
}

typedef struct img {
  int w, h;
  unsigned char *px; /* RGB */
} img;

static void put(img *im, int x, int y, unsigned char r, unsigned char g, unsigned char b) {
  if (x < 0 || y < 0 || x >= im->w || y >= im->h) return;
  unsigned char *p = im->px + 3 * ((size_t)y * (size_t)im->w + (size_t)x);
  p[0] = r;
  p[1] = g;
  p[2] = b;
}

static void text(img *im, int x, int y, int s, const char *t) {
  for (; *t; t++, x += 4 * s) {
    const char *g = glyph(*t);
    for (int row = 0; row < 5; row++)
      for (int col = 0; col < 3; col++)
        if ((g[row] - '0') & (4 >> col))
          for (int dy = 0; dy < s; dy++)
            for (int dx = 0; dx < s; dx++) put(im, x + col * s + dx, y + row * s + dy, 0, 0, 0);
  }
}

/* Diverging map: v in [-1, 1] -> blue, white, red. */
static void cmap(double v, unsigned char rgb[3]) {
  if (!(v == v)) v = 0;
  v = v < -1 ? -1 : v > 1 ? 1 : v;
  double a = fabs(v);
  double r = v > 0 ? 1.0 : 1.0 - 0.8 * a, g = 1.0 - 0.85 * a, b = v < 0 ? 1.0 : 1.0 - 0.8 * a;
  if (v > 0) r = 1.0 - 0.3 * a * a;
  if (v < 0) b = 1.0 - 0.3 * a * a;
  rgb[0] = (unsigned char)lround(255 * r);
  rgb[1] = (unsigned char)lround(255 * g);
  rgb[2] = (unsigned char)lround(255 * b);
}

static void draw(img *im, const double *w, int r, int s, int x0, int y0, double vmax) {
  for (int i = 0; i < r; i++)
    for (int j = 0; j < r; j++) {
      unsigned char c[3];
      /* x to the right, y upwards: row i of the image is y = r-1-i */
      cmap(w[(size_t)j * (size_t)r + (size_t)(r - 1 - i)] / vmax, c);
      for (int dy = 0; dy < s; dy++)
        for (int dx = 0; dx < s; dx++) put(im, x0 + j * s + dx, y0 + i * s + dy, c[0], c[1], c[2]);
    }
  int bx = x0 + r * s + 12, bh = r * s;
  for (int y = 0; y < bh; y++) {
    unsigned char c[3];
    cmap(1.0 - 2.0 * y / (bh - 1), c);
    for (int x = 0; x < 16; x++) put(im, bx + x, y0 + y, c[0], c[1], c[2]);
  }
  char lab[32];
  snprintf(lab, sizeof lab, "+%.3g", vmax);
  text(im, bx + 20, y0, 2, lab);
  text(im, bx + 20, y0 + bh / 2 - 5, 2, "0");
  snprintf(lab, sizeof lab, "-%.3g", vmax);
  text(im, bx + 20, y0 + bh - 10, 2, lab);
}

static int save(const img *im, FILE *f) {
  png_structp p = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = p ? png_create_info_struct(p) : NULL;
  if (!info) {
    png_destroy_write_struct(&p, NULL);
    return PV_ERROR(PV_ENOMEM, "libpng");
  }
  if (setjmp(png_jmpbuf(p))) {
    png_destroy_write_struct(&p, &info);
    return PV_ERROR(PV_EIO, "libpng: write failed");
  }
  png_init_io(p, f);
  png_set_IHDR(p, info, (png_uint_32)im->w, (png_uint_32)im->h, 8, PNG_COLOR_TYPE_RGB,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(p, info);
  for (int y = 0; y < im->h; y++) png_write_row(p, im->px + 3 * (size_t)y * (size_t)im->w);
  png_write_end(p, NULL);
  png_destroy_write_struct(&p, &info);
  return PV_OK;
}

int ns_png_write(const char *path, int overwrite, const double *w, int r, double vmax,
                 const char *title) {
  if (!(vmax > 0) || !isfinite(vmax)) vmax = 1;
  int s = r >= 256 ? 1 : (256 + r - 1) / r;
  img im = {r * s + 110, r * s + 40, NULL};
  im.px = malloc(3 * (size_t)im.w * (size_t)im.h);
  if (!im.px) return PV_ERROR(PV_ENOMEM, "PNG image %d x %d", im.w, im.h);
  memset(im.px, 255, 3 * (size_t)im.w * (size_t)im.h);
  draw(&im, w, r, s, 8, 30, vmax);
  if (title) text(&im, 8, 8, 3, title);
  pv_fileout *fo;
  int rc = pv_fileout_open(path, overwrite, &fo);
  if (!rc) {
    rc = save(&im, pv_fileout_stream(fo));
    if (rc) pv_fileout_abort(&fo);
    else rc = pv_fileout_commit(&fo);
  }
  free(im.px);
  return rc;
}
