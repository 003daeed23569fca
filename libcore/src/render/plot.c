/* Line plots: the model (series, labels, limits) and its public setters. */
#include <math.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>

#include "render/plot_internal.h"

/* Okabe & Ito's colour-blind-safe palette (without black). */
static const unsigned char palette[7][3] = {{0, 114, 178},  {213, 94, 0},   {0, 158, 115},
                                            {204, 121, 167}, {230, 159, 0}, {86, 180, 233},
                                            {240, 228, 66}};

int pv_plot_create(int width, int height, pv_plot **out) {
  if (!out) return PV_ERROR(PV_EINVAL, "pv_plot_create: NULL out");
  *out = NULL;
  if (width < 160 || height < 120 || width > 16384 || height > 16384)
    return PV_ERROR(PV_EINVAL, "plot size %d x %d outside 160x120..16384x16384", width, height);
  pv_plot *p = pv_calloc(1, sizeof *p);
  if (!p) return PV_ENOMEM;
  p->width = width;
  p->height = height;
  p->xlim[0] = p->xlim[1] = p->ylim[0] = p->ylim[1] = NAN;
  *out = p;
  return 0;
}

void pv_plot_destroy(pv_plot **pp) {
  if (!pp || !*pp) return;
  pv_plot *p = *pp;
  for (size_t i = 0; i < p->ns; i++) {
    pv_free(p->series[i].label);
    pv_free(p->series[i].x);
    pv_free(p->series[i].y);
  }
  pv_free(p->series);
  pv_free(p->title);
  pv_free(p->xlabel);
  pv_free(p->ylabel);
  pv_free(p);
  *pp = NULL;
}

static int set_text(char **dst, const char *s) {
  char *c = NULL;
  if (s && !(c = pv_strdup(s))) return PV_ENOMEM;
  pv_free(*dst);
  *dst = c;
  return 0;
}

int pv_plot_set_title(pv_plot *p, const char *s) { return set_text(&p->title, s); }
int pv_plot_set_xlabel(pv_plot *p, const char *s) { return set_text(&p->xlabel, s); }
int pv_plot_set_ylabel(pv_plot *p, const char *s) { return set_text(&p->ylabel, s); }
void pv_plot_set_log_y(pv_plot *p, int on) { p->log_y = on != 0; }
void pv_plot_set_xlim(pv_plot *p, double lo, double hi) { p->xlim[0] = lo; p->xlim[1] = hi; }
void pv_plot_set_ylim(pv_plot *p, double lo, double hi) { p->ylim[0] = lo; p->ylim[1] = hi; }

int pv_plot_add_series(pv_plot *p, const char *label, const double *x, const double *y, size_t n,
                       const unsigned char rgb[3]) {
  if (!p || !y || n == 0) return PV_ERROR(PV_EINVAL, "plot series: no points");
  if (p->ns == p->cap) {
    size_t cap = p->cap ? 2 * p->cap : 4;
    void *a = p->series;
    int st = pv_realloc(&a, p->cap * sizeof *p->series, cap * sizeof *p->series);
    if (st) return st;
    p->series = a;
    p->cap = cap;
  }
  plot_series s = {0};
  s.n = n;
  s.x = pv_malloc(n * sizeof *s.x);
  s.y = pv_malloc(n * sizeof *s.y);
  if (label) s.label = pv_strdup(label);
  if (!s.x || !s.y || (label && !s.label)) {
    pv_free(s.x);
    pv_free(s.y);
    pv_free(s.label);
    return PV_ENOMEM;
  }
  for (size_t i = 0; i < n; i++) s.x[i] = x ? x[i] : (double)i;
  memcpy(s.y, y, n * sizeof *y);
  memcpy(s.rgb, rgb ? rgb : palette[p->n_auto++ % 7], 3);
  p->series[p->ns++] = s;
  return 0;
}

int pv_plot_data_to_pixel(const pv_plot *p, double x, double y, double *px, double *py) {
  plot_layout L;
  int st = pv_plot_layout(p, &L);
  if (st) return st;
  double fy = p->log_y ? (y > 0 ? log10(y) : NAN) : y;
  *px = L.px0 + (x - L.xlo) / (L.xhi - L.xlo) * (L.px1 - L.px0);
  *py = L.py1 - (fy - L.ylo) / (L.yhi - L.ylo) * (L.py1 - L.py0);
  return isfinite(*px) && isfinite(*py) ? 0 : PV_ERROR(PV_EINVAL, "point (%g, %g) has no position", x, y);
}
