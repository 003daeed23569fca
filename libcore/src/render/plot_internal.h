/* render/plot_internal.h - the plot model and its computed layout. */
#ifndef PV_RENDER_PLOT_INTERNAL_H
#define PV_RENDER_PLOT_INTERNAL_H

#include "render/render_internal.h"

typedef struct {
  char *label;
  double *x, *y;
  size_t n;
  unsigned char rgb[3];
} plot_series;

struct pv_plot {
  int width, height;
  char *title, *xlabel, *ylabel;
  int log_y;
  double xlim[2], ylim[2]; /* NaN: automatic */
  plot_series *series;
  size_t ns, cap;
  size_t n_auto; /* series coloured from the palette so far */
};

#define PLOT_MAX_TICKS 24

typedef struct {
  double xlo, xhi, ylo, yhi;           /* data limits (ylo/yhi log10 when log_y) */
  double px0, px1, py0, py1;           /* plot area in pixels (py0 top) */
  double xt[PLOT_MAX_TICKS], yt[PLOT_MAX_TICKS]; /* tick values (y in axis units) */
  int nxt, nyt;
  int fs;                              /* text scale */
} plot_layout;

int pv_plot_layout(const pv_plot *p, plot_layout *L);
/* Text of a tick at v (a decade exponent on a log axis). */
void pv_plot_tick_label(double v, int log_axis, char *buf, size_t cap);
/* Emit the whole plot onto a canvas. */
void pv_plot_draw(const pv_plot *p, const plot_layout *L, const pv_canvas *c);

#endif
