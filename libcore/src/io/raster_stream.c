/* raster_stream.c - stream a raster through a per-block function within the
 * RAM budget: blocks are whole-row strips (column strips when one row of all
 * bands is too large), aligned to the output's tile rows when they fit. */
#include <math.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/ctx.h>
#include <parseval/error.h>
#include <parseval/raster.h>

#include "raster_internal.h"

typedef struct plan {
  pv_raster_window roi;
  size_t rows, cols, count;   /* block size and number of blocks */
  size_t nb_in, nb_out;
} plan;

static int make_plan(pv_ctx *ctx, pv_raster *in, pv_raster_writer *out,
                     const pv_raster_process_options *o, plan *p) {
  const char *path = pv_raster_path(in);
  size_t W = pv_raster_width(in), H = pv_raster_height(in);
  p->roi = o->roi ? *o->roi : (pv_raster_window){0, 0, W, H};
  pv_raster_window *r = &p->roi;
  if (!r->width || !r->height || r->x0 > W || r->width > W - r->x0 || r->y0 > H ||
      r->height > H - r->y0)
    return PV_ERROR(PV_EINVAL, "%s: region %zux%zu+%zu+%zu outside the %zux%zu raster", path,
                    r->width, r->height, r->x0, r->y0, W, H);
  p->nb_in = o->bands ? o->n_bands : pv_raster_bands(in);
  p->nb_out = 0;
  size_t tile = 1;
  if (out) {
    /* the writer's size is checked by its own write calls; take its bands */
    p->nb_out = pv_raster_writer_bands_internal(out);
    tile = pv_raster_writer_tile_height(out);
  }
  size_t cap = o->block_bytes ? o->block_bytes
                              : (ctx ? pv_ctx_ram_budget(ctx) / 2 : ((size_t)1 << 29));
  size_t px = (p->nb_in + p->nb_out) * sizeof(double);
  if (px == 0 || cap < px)
    return PV_ERROR(PV_ENOMEM, "%s: one pixel of %zu bands needs %zu bytes, block cap is %zu",
                    path, p->nb_in + p->nb_out, px, cap);
  size_t rows = cap / (r->width * px);
  size_t bw, bh, tile_all;
  pv_raster_natural_block(in, &bw, &bh, &tile_all);
  size_t cache = ctx ? pv_ctx_ram_budget(ctx) / 4 : ((size_t)1 << 28);
  size_t tile_cols = bh > 1 ? cap / (bh * px) / bw * bw : 0;
  if (rows < bh && bh <= r->height && tile_cols >= bw && tile_cols < r->width &&
      cache >= tile_all) {
    /* Thin full-width strips would decompress each input tile again for every
     * strip: walk tile-aligned blocks instead (each tile read once, given a
     * cache that holds one tile of every band). */
    p->rows = bh;
    p->cols = tile_cols;
  } else if (rows >= 1) {
    if (rows >= tile && tile > 1) rows = rows / tile * tile;
    if (rows > r->height) rows = r->height;
    p->rows = rows;
    p->cols = r->width;
  } else {
    p->rows = 1;
    p->cols = cap / px;
  }
  p->count = ((r->height + p->rows - 1) / p->rows) * ((r->width + p->cols - 1) / p->cols);
  pv_log(ctx, PV_LOG_DEBUG, "io", "%s: %zu blocks of %zux%zu pixels (cap %zu bytes)", path,
         p->count, p->cols, p->rows, cap);
  return 0;
}

static int run_blocks(pv_ctx *ctx, pv_raster *in, pv_raster_writer *out,
                      const pv_raster_process_options *o, const plan *p, double *bin,
                      double *bout, size_t *invalid, pv_raster_block_fn fn, void *user) {
  const pv_raster_window *r = &p->roi;
  size_t index = 0;
  for (size_t y = 0; y < r->height; y += p->rows) {
    for (size_t x = 0; x < r->width; x += p->cols) {
      pv_raster_block blk;
      blk.win.x0 = r->x0 + x;
      blk.win.y0 = r->y0 + y;
      blk.win.width = p->cols < r->width - x ? p->cols : r->width - x;
      blk.win.height = p->rows < r->height - y ? p->rows : r->height - y;
      blk.index = index;
      blk.count = p->count;
      blk.bands_in = p->nb_in;
      blk.in = bin;
      blk.bands_out = p->nb_out;
      blk.out = out ? bout : NULL;
      int st = pv_raster_read_window(in, &blk.win, o->bands, p->nb_in, PV_F64, bin, invalid);
      if (st) return st;
      size_t nout = blk.win.width * blk.win.height * p->nb_out;
      for (size_t i = 0; out && i < nout; i++) bout[i] = NAN;
      st = fn(ctx, &blk, user);
      if (st) return st < 0 ? st : PV_ERROR(PV_EINVAL, "block function returned %d", st);
      if (out) {
        pv_raster_window ow = {x, y, blk.win.width, blk.win.height};
        st = pv_raster_writer_write(out, &ow, PV_F64, bout);
        if (st) return st;
      }
      index++;
      st = pv_ctx_progress(ctx, (double)index / (double)p->count, pv_raster_path(in));
      if (st) return st;
    }
  }
  return 0;
}

int pv_raster_process(pv_ctx *ctx, pv_raster *in, pv_raster_writer *out,
                      const pv_raster_process_options *opt, pv_raster_block_fn fn,
                      void *user) {
  pv_raster_process_options o = PV_RASTER_PROCESS_OPTIONS_INIT;
  if (opt) memcpy(&o, opt, opt->struct_size < sizeof o ? opt->struct_size : sizeof o);
  plan p;
  memset(&p, 0, sizeof p);
  int st = make_plan(ctx, in, out, &o, &p);
  if (st) return st;
  size_t npix = p.rows * p.cols;
  double *bin = pv_malloc(npix * p.nb_in * sizeof(double));
  double *bout = out ? pv_malloc(npix * p.nb_out * sizeof(double)) : NULL;
  size_t *invalid = pv_calloc(p.nb_in, sizeof(size_t));
  if (!bin || (out && !bout) || !invalid)
    st = PV_ERROR(PV_ENOMEM, "%s: block buffers", pv_raster_path(in));
  if (st == 0) st = run_blocks(ctx, in, out, &o, &p, bin, bout, invalid, fn, user);
  if (st == 0) {
    pv_raster_meta m;
    const pv_raster_meta *src = pv_raster_get_meta(in);
    st = o.bands ? pv_raster_meta_select(&m, src, o.bands, p.nb_in) : pv_raster_meta_copy(&m, src);
    if (st == 0) {
      pv_raster_report_invalid(ctx, pv_raster_path(in), &m, invalid,
                               p.roi.width * p.roi.height);
      pv_raster_meta_clear(&m);
    }
  }
  pv_free(bin);
  pv_free(bout);
  pv_free(invalid);
  return st;
}
