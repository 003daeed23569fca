/* render/render_internal.h - helpers shared by the quicklook and plot code. */
#ifndef PV_RENDER_INTERNAL_H
#define PV_RENDER_INTERNAL_H

#include <parseval/render.h>

/* Element at p of real dtype t as double. */
double pv_render_load(const void *p, pv_dtype t);
/* PV_EINVAL unless v is a non-empty 2-D real view; `what` names it. */
int pv_render_check_band(const pv_view *v, const char *what);

/* Drawing back end: the plot emits these calls, a raster or SVG target
 * implements them. Colours are rgb; coordinates in pixels. */
typedef struct pv_canvas {
  void *self;
  void (*rect)(void *self, double x, double y, double w, double h, const unsigned char rgb[3],
               int filled);
  void (*polyline)(void *self, const double *xy, size_t n, const unsigned char rgb[3],
                   int width);
  /* anchor: 0 left, 1 centre, 2 right of x; y is the top of the text box;
   * vertical text is centred on (x, y) and reads bottom to top. */
  void (*text)(void *self, double x, double y, const char *s, int scale, int anchor,
               int vertical, const unsigned char rgb[3]);
} pv_canvas;

#endif
