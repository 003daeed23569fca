/* MTF-GLP (additive and HPM) streamed over a PAN raster larger than memory:
 * pass 1 gathers the equalisation statistics, pass 2 the MTF-filtered,
 * decimated PAN at the MS scale, pass 3 fuses and writes strip by strip.
 * Only the low-resolution cubes and one strip live in memory. */
#include <math.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>

#include "psh_internal.h"

typedef struct st {
  pv_ctx *ctx;
  const pv_psh_options *o;
  size_t B, wl, hl, w, h, nl, rows;
  int r;
  pv_raster *pan;
  double *ms;           /* B x nl, NaN filled */
  unsigned char *lrv;   /* nl: cell valid in every band */
  double fill;          /* PAN value for NaN (mean of its finite values) */
  double mp, sp;        /* PAN mean / std over valid pixels */
  double *mb, *sb;      /* [B] interpolated MS mean / std over valid pixels */
  double *lp;           /* B x nl: MTF-filtered, decimated, equalised PAN */
  double *pbuf, *up, *lbuf;
} st;

static int read_rows(st *s, size_t y0, size_t rows, double *buf) {
  pv_raster_window win = {0, y0, s->w, rows};
  return pv_raster_read_window(s->pan, &win, NULL, 0, PV_F64, buf, NULL);
}

static int prepare_ms(st *s, const double *ms) {
  memcpy(s->ms, ms, s->B * s->nl * sizeof *s->ms);
  memset(s->lrv, 1, s->nl);
  for (size_t b = 0; b < s->B; b++) {
    for (size_t i = 0; i < s->nl; i++)
      if (!isfinite(ms[b * s->nl + i])) s->lrv[i] = 0;
    if (!psh_fill_nan(s->nl, s->ms + b * s->nl)) return PV_ERROR(PV_EINVAL, "pansharpen: MS band %zu has no valid pixel", b + 1);
  }
  return PV_OK;
}

/* Pass 1: sums (shifted for accuracy) over the valid pixels. */
static int pass_stats(st *s) {
  size_t B = s->B, cnt = 0, fin = 0;
  double sf = 0, kp = NAN, sp = 0, sp2 = 0, sm[4096] = {0}, sm2[4096] = {0}, km[4096];
  for (size_t b = 0; b < B; b++) { /* shifts: the band means of the LR cube */
    double m, sd;
    psh_mean_std(s->nl, s->ms + b * s->nl, &m, &sd, NULL);
    km[b] = m;
  }
  int rc = PV_OK;
  for (size_t y0 = 0; !rc && y0 < s->h; y0 += s->rows) {
    size_t rows = y0 + s->rows <= s->h ? s->rows : s->h - y0, m = rows * s->w;
    rc = read_rows(s, y0, rows, s->pbuf);
    for (size_t b = 0; !rc && b < B; b++) rc = pv_psh_interp_rows(s->r, s->wl, s->hl, s->ms + b * s->nl, y0, rows, s->up + b * m);
    for (size_t i = 0; !rc && i < m; i++) {
      double p = s->pbuf[i];
      if (!isfinite(p)) continue;
      if (isnan(kp)) kp = p;
      sf += p - kp, fin++;
      if (!s->lrv[((y0 + i / s->w) / (size_t)s->r) * s->wl + (i % s->w) / (size_t)s->r]) continue;
      sp += p - kp, sp2 += (p - kp) * (p - kp), cnt++;
      for (size_t b = 0; b < B; b++) {
        double v = s->up[b * m + i] - km[b];
        sm[b] += v, sm2[b] += v * v;
      }
    }
  }
  if (!rc && !fin) rc = PV_ERROR(PV_EINVAL, "pansharpen: PAN has no valid pixel");
  if (!rc && !cnt) rc = PV_ERROR(PV_EINVAL, "pansharpen: no pixel is valid in both PAN and every MS band");
  if (rc) return rc;
  double n = (double)cnt;
  s->fill = kp + sf / (double)fin;
  s->mp = kp + sp / n, s->sp = sqrt(fmax(0, sp2 / n - (sp / n) * (sp / n)));
  for (size_t b = 0; b < B; b++)
    s->mb[b] = km[b] + sm[b] / n, s->sb[b] = sqrt(fmax(0, sm2[b] / n - (sm[b] / n) * (sm[b] / n)));
  return PV_OK;
}

/* Pass 2: the PAN filtered by each band's MTF filter at the MS grid, read in
 * windows of LR rows with the filter's halo; then equalised per band. */
static int pass_lowpass(st *s) {
  size_t r = (size_t)s->r, kr = s->rows / r ? s->rows / r : 1;
  pv_psh_filter *f = NULL;
  int rc = PV_OK;
  double last = -1;
  for (size_t b = 0; !rc && b < s->B; b++) {
    double g = s->o->gnyq_ms ? s->o->gnyq_ms[b] : 0.29;
    if (g == last) { /* same filter as the previous band */
      memcpy(s->lp + b * s->nl, s->lp + (b - 1) * s->nl, s->nl * sizeof *s->lp);
      continue;
    }
    pv_psh_filter_destroy(&f);
    rc = pv_psh_filter_create_mtf(g, s->r, &f);
    last = g;
    for (size_t k0 = 0; !rc && k0 < s->hl; k0 += kr) {
      size_t k1 = k0 + kr < s->hl ? k0 + kr : s->hl;
      long c0 = (long)(k0 * r + r / 2), c1 = (long)((k1 - 1) * r + r / 2);
      long ya = c0 - f->origin < 0 ? 0 : c0 - f->origin, yb = c1 - f->origin + f->len;
      if (yb > (long)s->h) yb = (long)s->h;
      size_t wh = (size_t)(yb - ya);
      rc = read_rows(s, (size_t)ya, wh, s->pbuf);
      for (size_t i = 0; !rc && i < wh * s->w; i++)
        if (!isfinite(s->pbuf[i])) s->pbuf[i] = s->fill;
      if (!rc) rc = psh_filter_grid(f, s->w, wh, s->pbuf, r / 2, c0 - ya, r, s->wl, k1 - k0, s->lp + b * s->nl + k0 * s->wl);
    }
  }
  pv_psh_filter_destroy(&f);
  for (size_t b = 0; !rc && b < s->B; b++) {
    double a = s->sp > 0 ? s->sb[b] / s->sp : 0;
    for (size_t i = 0; i < s->nl; i++) s->lp[b * s->nl + i] = (s->lp[b * s->nl + i] - s->mp) * a + s->mb[b];
  }
  return rc;
}

/* Pass 3: fuse and write strip by strip. */
static int pass_fuse(st *s, pv_raster_writer *out) {
  int rc = PV_OK, hpm = s->o->method == PV_PSH_GLP_HPM;
  for (size_t y0 = 0; !rc && y0 < s->h; y0 += s->rows) {
    size_t rows = y0 + s->rows <= s->h ? s->rows : s->h - y0, m = rows * s->w;
    rc = read_rows(s, y0, rows, s->pbuf);
    for (size_t b = 0; !rc && b < s->B; b++) {
      double a = s->sp > 0 ? s->sb[b] / s->sp : 0, *u = s->up + b * m;
      rc = pv_psh_interp_rows(s->r, s->wl, s->hl, s->ms + b * s->nl, y0, rows, u);
      if (!rc) rc = pv_psh_interp_rows(s->r, s->wl, s->hl, s->lp + b * s->nl, y0, rows, s->lbuf);
      for (size_t i = 0; !rc && i < m; i++) {
        double p = s->pbuf[i];
        int bad = !isfinite(p) || !s->lrv[((y0 + i / s->w) / (size_t)s->r) * s->wl + (i % s->w) / (size_t)s->r];
        double pe = (p - s->mp) * a + s->mb[b];
        u[i] = bad ? NAN : hpm ? u[i] * pe / (s->lbuf[i] + 2.220446049250313e-16) : u[i] + pe - s->lbuf[i];
      }
    }
    pv_raster_window win = {0, y0, s->w, rows};
    if (!rc) rc = pv_raster_writer_write(out, &win, PV_F64, s->up);
    if (!rc) rc = pv_ctx_progress(s->ctx, (double)(y0 + rows) / (double)s->h, "pansharpening (streamed)");
  }
  return rc;
}

int pv_psh_glp_stream(pv_ctx *ctx, const pv_psh_options *opt, size_t bands, size_t wl, size_t hl, const double *ms,
                      pv_raster *pan, pv_raster_writer *out, size_t strip_rows) {
  if (!opt || opt->struct_size < sizeof *opt || !ms || !pan || !out || !bands || bands > 4096 || !wl || !hl ||
      opt->ratio < 2 || opt->ratio > PV_PSH_MAX_RATIO || (opt->method != PV_PSH_GLP && opt->method != PV_PSH_GLP_HPM))
    return PV_ERROR(PV_EINVAL, "streamed GLP: bad arguments (method must be glp or glp-hpm, ratio 2..%d)", PV_PSH_MAX_RATIO);
  st s;
  memset(&s, 0, sizeof s);
  s.ctx = ctx, s.o = opt, s.B = bands, s.wl = wl, s.hl = hl, s.r = opt->ratio, s.pan = pan, s.nl = wl * hl;
  s.w = wl * (size_t)opt->ratio, s.h = hl * (size_t)opt->ratio;
  if (pv_raster_width(pan) != s.w || pv_raster_height(pan) != s.h || pv_raster_bands(pan) != 1)
    return PV_ERROR(PV_EINVAL, "streamed GLP: %s is %zu x %zu x %zu, expected %zu x %zu x 1", pv_raster_path(pan),
                    pv_raster_width(pan), pv_raster_height(pan), pv_raster_bands(pan), s.w, s.h);
  size_t per_row = (bands + 3) * s.w * sizeof(double), budget = ctx ? pv_ctx_ram_budget(ctx) / 2 : 0;
  s.rows = strip_rows ? strip_rows : budget ? budget / per_row : 256;
  if (s.rows < 2 * (size_t)s.r) s.rows = 2 * (size_t)s.r;
  if (s.rows > s.h) s.rows = s.h;
  size_t tile = pv_raster_writer_tile_height(out);
  if (tile > 1 && s.rows > tile) s.rows -= s.rows % tile;
  size_t halo = 64; /* >= the MTF filter's support (41 taps, tails cut) */
  s.ms = pv_malloc(bands * s.nl * sizeof *s.ms);
  s.lp = pv_malloc(bands * s.nl * sizeof *s.lp);
  s.lrv = pv_malloc(s.nl);
  s.mb = pv_malloc(bands * sizeof *s.mb), s.sb = pv_malloc(bands * sizeof *s.sb);
  s.pbuf = pv_malloc((s.rows + halo) * s.w * sizeof *s.pbuf);
  s.up = pv_malloc(bands * s.rows * s.w * sizeof *s.up);
  s.lbuf = pv_malloc(s.rows * s.w * sizeof *s.lbuf);
  int rc = s.ms && s.lp && s.lrv && s.mb && s.sb && s.pbuf && s.up && s.lbuf
               ? PV_OK : PV_ERROR(PV_ENOMEM, "streamed GLP: strips of %zu rows", s.rows);
  if (!rc) rc = prepare_ms(&s, ms);
  if (!rc) rc = pass_stats(&s);
  if (!rc) rc = pass_lowpass(&s);
  if (!rc) rc = pass_fuse(&s, out);
  pv_free(s.ms), pv_free(s.lp), pv_free(s.lrv), pv_free(s.mb), pv_free(s.sb);
  pv_free(s.pbuf), pv_free(s.up), pv_free(s.lbuf);
  return rc;
}
