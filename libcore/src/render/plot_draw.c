/* Drawing a laid-out plot onto a canvas: grid, clipped series, frame,
 * ticks and labels, title and legend. */
#include <math.h>
#include <string.h>

#include <parseval/alloc.h>

#include "render/plot_internal.h"

static const unsigned char BLACK[3] = {0, 0, 0}, GRID[3] = {225, 225, 225},
                           WHITE[3] = {255, 255, 255};

static double X(const plot_layout *L, double x) {
  return L->px0 + (x - L->xlo) / (L->xhi - L->xlo) * (L->px1 - L->px0);
}
static double Y(const plot_layout *L, double y) {
  return L->py1 - (y - L->ylo) / (L->yhi - L->ylo) * (L->py1 - L->py0);
}

static void segment(const pv_canvas *c, double x0, double y0, double x1, double y1,
                    const unsigned char rgb[3], int width) {
  double xy[4] = {x0, y0, x1, y1};
  c->polyline(c->self, xy, 2, rgb, width);
}

/* Liang-Barsky: clip the segment to the plot area; 0 when nothing is left. */
static int clip(const plot_layout *L, double *x0, double *y0, double *x1, double *y1) {
  double t0 = 0, t1 = 1, dx = *x1 - *x0, dy = *y1 - *y0;
  double p[4] = {-dx, dx, -dy, dy};
  double q[4] = {*x0 - L->px0, L->px1 - *x0, *y0 - L->py0, L->py1 - *y0};
  for (int i = 0; i < 4; i++) {
    if (p[i] == 0) {
      if (q[i] < 0) return 0;
      continue;
    }
    double r = q[i] / p[i];
    if (p[i] < 0) t0 = r > t0 ? r : t0;
    else t1 = r < t1 ? r : t1;
  }
  if (t0 > t1) return 0;
  double ax = *x0, ay = *y0;
  *x0 = ax + t0 * dx; *y0 = ay + t0 * dy;
  *x1 = ax + t1 * dx; *y1 = ay + t1 * dy;
  return 1;
}

typedef struct {
  double *pts;
  size_t m;
  const pv_canvas *c;
  const unsigned char *rgb;
} run;

static void flush(run *r) {
  if (r->m > 1) r->c->polyline(r->c->self, r->pts, r->m, r->rgb, 2);
  r->m = 0;
}

static void add(run *r, double x, double y) {
  r->pts[2 * r->m] = x;
  r->pts[2 * r->m + 1] = y;
  r->m++;
}

/* A series as polylines: broken at invalid points, clipped to the area. */
static void draw_series(const pv_plot *p, const plot_layout *L, const plot_series *s,
                        const pv_canvas *c) {
  run r = {pv_malloc(4 * (s->n + 1) * sizeof(double)), 0, c, s->rgb};
  if (!r.pts) return; /* best effort: pv_plot_render checked memory up front */
  double px = 0, py = 0;
  int have_prev = 0;
  for (size_t i = 0; i < s->n; i++) {
    double y = p->log_y ? (s->y[i] > 0 ? log10(s->y[i]) : NAN) : s->y[i];
    double ax = X(L, s->x[i]), ay = Y(L, y);
    if (!isfinite(ax) || !isfinite(ay)) {
      flush(&r);
      have_prev = 0;
      continue;
    }
    double x0 = px, y0 = py, x1 = ax, y1 = ay;
    if (have_prev && clip(L, &x0, &y0, &x1, &y1)) {
      if (r.m == 0 || x0 != px || y0 != py) {
        flush(&r);
        add(&r, x0, y0);
      }
      add(&r, x1, y1);
      if (x1 != ax || y1 != ay) flush(&r);
    } else if (have_prev) {
      flush(&r);
    }
    px = ax;
    py = ay;
    have_prev = 1;
  }
  flush(&r);
  if (s->n == 1 && have_prev && px >= L->px0 && px <= L->px1 && py >= L->py0 && py <= L->py1)
    c->rect(c->self, px - 2, py - 2, 5, 5, s->rgb, 1); /* a lone point: a small mark */
  pv_free(r.pts);
}

static void draw_axes(const pv_plot *p, const plot_layout *L, const pv_canvas *c) {
  int fs = L->fs, ch = 9 * fs;
  for (int i = 0; i < L->nxt; i++) {
    double x = X(L, L->xt[i]);
    segment(c, x, L->py0, x, L->py1, GRID, 1);
    segment(c, x, L->py1, x, L->py1 + 5, BLACK, 1);
    char t[32];
    pv_plot_tick_label(L->xt[i], 0, t, sizeof t);
    c->text(c->self, x, L->py1 + 8, t, fs, 1, 0, BLACK);
  }
  for (int i = 0; i < L->nyt; i++) {
    double y = Y(L, L->yt[i]);
    segment(c, L->px0, y, L->px1, y, GRID, 1);
    segment(c, L->px0 - 5, y, L->px0, y, BLACK, 1);
    char t[32];
    pv_plot_tick_label(L->yt[i], p->log_y, t, sizeof t);
    c->text(c->self, L->px0 - 8, y - 7 * fs / 2.0, t, fs, 2, 0, BLACK);
  }
  if (p->xlabel) c->text(c->self, (L->px0 + L->px1) / 2, L->py1 + 8 + ch + 6, p->xlabel, fs, 1, 0, BLACK);
  if (p->ylabel) c->text(c->self, 10 + 7 * fs / 2.0, (L->py0 + L->py1) / 2, p->ylabel, fs, 1, 1, BLACK);
  if (p->title) c->text(c->self, (L->px0 + L->px1) / 2, 10, p->title, fs, 1, 0, BLACK);
}

/* The corner (top-right, top-left, bottom-right, bottom-left) whose legend
 * box would cover the fewest data points. */
static void legend_corner(const pv_plot *p, const plot_layout *L, double bw, double bh,
                          double *bx, double *by) {
  size_t best = (size_t)-1;
  for (int k = 0; k < 4; k++) {
    double x = k % 2 ? L->px0 + 8 : L->px1 - bw - 8, y = k < 2 ? L->py0 + 8 : L->py1 - bh - 8;
    size_t hits = 0;
    for (size_t s = 0; s < p->ns; s++)
      for (size_t i = 0; i < p->series[s].n; i++) {
        double v = p->series[s].y[i];
        double py = Y(L, p->log_y ? (v > 0 ? log10(v) : NAN) : v), px = X(L, p->series[s].x[i]);
        hits += px >= x - 4 && px <= x + bw + 4 && py >= y - 4 && py <= y + bh + 4;
      }
    if (hits < best) {
      best = hits;
      *bx = x;
      *by = y;
    }
  }
}

static void draw_legend(const pv_plot *p, const plot_layout *L, const pv_canvas *c) {
  int fs = L->fs, ch = 9 * fs, n = 0, w = 0;
  for (size_t s = 0; s < p->ns; s++)
    if (p->series[s].label) {
      n++;
      int tw = pv_text_width(p->series[s].label, fs);
      w = tw > w ? tw : w;
    }
  if (!n) return;
  double bw = w + 40, bh = n * (ch + 4) + 8, bx = 0, by = 0;
  legend_corner(p, L, bw, bh, &bx, &by);
  c->rect(c->self, bx, by, bw, bh, WHITE, 1);
  c->rect(c->self, bx, by, bw, bh, BLACK, 0);
  int k = 0;
  for (size_t s = 0; s < p->ns; s++) {
    if (!p->series[s].label) continue;
    double y = by + 6 + k++ * (ch + 4);
    segment(c, bx + 6, y + 7 * fs / 2.0, bx + 28, y + 7 * fs / 2.0, p->series[s].rgb, 2);
    c->text(c->self, bx + 34, y, p->series[s].label, fs, 0, 0, BLACK);
  }
}

void pv_plot_draw(const pv_plot *p, const plot_layout *L, const pv_canvas *c) {
  c->rect(c->self, 0, 0, p->width, p->height, WHITE, 1);
  draw_axes(p, L, c);
  for (size_t s = 0; s < p->ns; s++) draw_series(p, L, &p->series[s], c);
  c->rect(c->self, L->px0, L->py0, L->px1 - L->px0, L->py1 - L->py0, BLACK, 0);
  draw_legend(p, L, c);
}
