/* Plot layout: data limits, "nice" ticks (1, 2, 5 x 10^k; decades on a log
 * axis) and margins sized from the labels they must hold. */
#include <math.h>
#include <string.h>

#include <parseval/error.h>

#include "out/strbuf.h"
#include "render/plot_internal.h"

static void data_range(const pv_plot *p, int axis, double *lo, double *hi) {
  *lo = INFINITY;
  *hi = -INFINITY;
  for (size_t s = 0; s < p->ns; s++)
    for (size_t i = 0; i < p->series[s].n; i++) {
      double x = p->series[s].x[i], y = p->series[s].y[i];
      if (!isfinite(x) || !isfinite(y) || (p->log_y && y <= 0)) continue;
      double v = axis ? (p->log_y ? log10(y) : y) : x;
      *lo = fmin(*lo, v);
      *hi = fmax(*hi, v);
    }
  if (!(*lo <= *hi)) { *lo = 0; *hi = 1; }
  if (*lo == *hi) {
    double d = fabs(*lo) > 0 ? 0.1 * fabs(*lo) : 0.5;
    *lo -= d;
    *hi += d;
  }
}

static double nice_step(double span, int target) {
  double raw = span / target, mag = pow(10, floor(log10(raw))), f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

/* Ticks inside [lo, hi]; when snap, widen lo/hi to whole steps first. */
static int make_ticks(double *lo, double *hi, int snap, int log_axis, double *t) {
  double step = log_axis ? fmax(1, ceil((*hi - *lo) / 8)) : nice_step(*hi - *lo, 6);
  if (snap) {
    *lo = floor(*lo / step + 1e-9) * step;
    *hi = ceil(*hi / step - 1e-9) * step;
  }
  int n = 0;
  double k0 = ceil(*lo / step - 1e-9);
  for (double v = k0 * step; v <= *hi + 1e-9 * step && n < PLOT_MAX_TICKS; v = (k0 + n) * step)
    t[n++] = fabs(v) < 1e-12 * step ? 0.0 : v;
  return n;
}

static void limits(const pv_plot *p, int axis, const double lim[2], double *lo, double *hi,
                   double *t, int *nt) {
  data_range(p, axis, lo, hi);
  int fixed_lo = isfinite(lim[0]), fixed_hi = isfinite(lim[1]);
  int log_axis = axis && p->log_y;
  if (fixed_lo) *lo = log_axis ? log10(lim[0]) : lim[0];
  if (fixed_hi) *hi = log_axis ? log10(lim[1]) : lim[1];
  if (!(*hi > *lo)) *hi = *lo + 1;
  *nt = make_ticks(lo, hi, !fixed_lo && !fixed_hi, log_axis, t);
}

void pv_plot_tick_label(double v, int log_axis, char *buf, size_t cap) {
  if (log_axis) pv_snprintf_c(buf, cap, "1e%d", (int)floor(v + 0.5));
  else pv_snprintf_c(buf, cap, "%.4g", v);
}

int pv_plot_layout(const pv_plot *p, plot_layout *L) {
  if (!p || !L) return PV_ERROR(PV_EINVAL, "plot layout: NULL argument");
  memset(L, 0, sizeof *L);
  L->fs = p->width >= 480 && p->height >= 300 ? 2 : 1;
  limits(p, 0, p->xlim, &L->xlo, &L->xhi, L->xt, &L->nxt);
  limits(p, 1, p->ylim, &L->ylo, &L->yhi, L->yt, &L->nyt);
  int ch = 9 * L->fs, ywidth = 0;
  for (int i = 0; i < L->nyt; i++) {
    char t[32];
    pv_plot_tick_label(L->yt[i], p->log_y, t, sizeof t);
    int w = pv_text_width(t, L->fs);
    ywidth = w > ywidth ? w : ywidth;
  }
  double left = 10 + (p->ylabel ? ch + 6 : 0) + ywidth + 8;
  double bottom = 10 + ch + 8 + (p->xlabel ? ch + 6 : 0);
  double top = 12 + (p->title ? ch + 8 : 0), right = 10 + 3 * 6 * L->fs;
  L->px0 = left;
  L->px1 = p->width - right;
  L->py0 = top;
  L->py1 = p->height - bottom;
  if (L->px1 - L->px0 < 20 || L->py1 - L->py0 < 20)
    return PV_ERROR(PV_EINVAL, "plot %d x %d too small for its labels", p->width, p->height);
  return 0;
}
