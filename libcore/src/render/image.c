/* RGBA images and the raster drawing primitives. */
#include <math.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/render.h>

int pv_image_create(int width, int height, const unsigned char bg[4], pv_image **out) {
  if (!out) return PV_ERROR(PV_EINVAL, "pv_image_create: NULL out");
  *out = NULL;
  if (width < 1 || height < 1 || width > 32768 || height > 32768)
    return PV_ERROR(PV_EINVAL, "image size %d x %d outside 1..32768", width, height);
  pv_image *img = pv_calloc(1, sizeof *img);
  if (!img) return PV_ENOMEM;
  img->rgba = pv_malloc((size_t)width * (size_t)height * 4);
  if (!img->rgba) {
    pv_free(img);
    return PV_ENOMEM;
  }
  img->width = width;
  img->height = height;
  static const unsigned char white[4] = {255, 255, 255, 255};
  const unsigned char *c = bg ? bg : white;
  for (size_t k = 0; k < (size_t)width * (size_t)height; k++) memcpy(img->rgba + 4 * k, c, 4);
  *out = img;
  return 0;
}

void pv_image_destroy(pv_image **img) {
  if (!img || !*img) return;
  pv_free((*img)->rgba);
  pv_free(*img);
  *img = NULL;
}

unsigned char *pv_image_pixel(const pv_image *img, int x, int y) {
  if (!img || x < 0 || y < 0 || x >= img->width || y >= img->height) return NULL;
  return img->rgba + 4 * ((size_t)y * (size_t)img->width + (size_t)x);
}

void pv_image_fill_rect(pv_image *img, int x, int y, int w, int h, const unsigned char rgba[4]) {
  if (!img) return;
  int x0 = x < 0 ? 0 : x, y0 = y < 0 ? 0 : y;
  int x1 = x + w > img->width ? img->width : x + w;
  int y1 = y + h > img->height ? img->height : y + h;
  for (int j = y0; j < y1; j++)
    for (int i = x0; i < x1; i++) memcpy(pv_image_pixel(img, i, j), rgba, 4);
}

void pv_image_draw_line(pv_image *img, double x0, double y0, double x1, double y1, int width,
                        const unsigned char rgba[4]) {
  if (!img || !isfinite(x0) || !isfinite(y0) || !isfinite(x1) || !isfinite(y1)) return;
  /* clip coarsely: far-away endpoints would only cost time */
  double lim = 4.0 * (img->width + img->height);
  if (fabs(x0) > lim || fabs(y0) > lim || fabs(x1) > lim || fabs(y1) > lim) return;
  if (width < 1) width = 1;
  double dx = x1 - x0, dy = y1 - y0;
  int steps = (int)ceil(fmax(fabs(dx), fabs(dy)));
  int half = (width - 1) / 2;
  for (int s = 0; s <= steps; s++) {
    double t = steps ? (double)s / steps : 0.0;
    int px = (int)floor(x0 + t * dx + 0.5), py = (int)floor(y0 + t * dy + 0.5);
    pv_image_fill_rect(img, px - half, py - half, width, width, rgba);
  }
}
