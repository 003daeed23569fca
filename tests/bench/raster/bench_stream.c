/* bench_stream - peak memory and time of a per-pixel operation (band mean)
 * over a raster larger than the RAM budget: ours streaming, ours whole-cube,
 * and (driven by run.sh) the peers. One mode per process, so that
 * /usr/bin/time -v measures each alone.
 *
 *   bench_stream make   IN.tif W H B     tiled deflate float32 GeoTIFF, values
 *                                        v(b,r,c) = (b+1) + r%97 + c%89
 *   bench_stream stream IN.tif OUT.img MB   pv_raster_process, budget MB
 *   bench_stream whole  IN.tif OUT.img      pv_raster_read of everything
 *
 * Both compute mean over bands per pixel and write it as a 1-band float32
 * ENVI file, then check it against the formula and print
 * "mode seconds blocks max_abs_error". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <parseval/parseval.h>
#include <parseval/raster.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double truth(size_t B, size_t r, size_t c) {
  /* mean over b of (b+1) + r%97 + c%89 */
  return (double)(B + 1) / 2.0 + (double)(r % 97) + (double)(c % 89);
}

static int make(pv_ctx *ctx, const char *path, size_t W, size_t H, size_t B) {
  pv_raster_writer *w;
  pv_raster_meta m;
  pv_raster_meta_init(&m, B);
  m.has_geotransform = 1;
  double gt[6] = {0, 1, 0, 0, 0, -1};
  memcpy(m.geotransform, gt, sizeof gt);
  int st = pv_raster_writer_create(ctx, path, PV_RASTER_GTIFF, W, H, B, PV_F32, &m, 1, &w);
  pv_raster_meta_clear(&m);
  if (st) return st;
  size_t rows = pv_raster_writer_tile_height(w);
  float *buf = malloc(W * rows * B * sizeof(float));
  for (size_t y0 = 0; st == 0 && y0 < H; y0 += rows) {
    size_t h = y0 + rows <= H ? rows : H - y0;
    for (size_t b = 0; b < B; b++)
      for (size_t r = 0; r < h; r++)
        for (size_t c = 0; c < W; c++)
          buf[(b * h + r) * W + c] = (float)((b + 1) + (y0 + r) % 97 + c % 89);
    pv_raster_window win = {0, y0, W, h};
    st = pv_raster_writer_write(w, &win, PV_F32, buf);
  }
  free(buf);
  if (st) {
    pv_raster_writer_abort(&w);
    return st;
  }
  return pv_raster_writer_commit(&w);
}

static int band_mean(pv_ctx *ctx, pv_raster_block *blk, void *user) {
  size_t n = blk->win.width * blk->win.height;
  for (size_t i = 0; i < n; i++) {
    double s = 0;
    for (size_t b = 0; b < blk->bands_in; b++) s += blk->in[b * n + i];
    blk->out[i] = s / (double)blk->bands_in;
  }
  (*(size_t *)user)++;
  return 0;
}

static double check(pv_ctx *ctx, const char *out, size_t B) {
  pv_raster *r;
  if (pv_raster_open(ctx, out, &r)) return INFINITY;
  size_t W = pv_raster_width(r), H = pv_raster_height(r);
  double *row = malloc(W * sizeof(double)), err = 0;
  for (size_t y = 0; y < H; y++) {
    pv_raster_window win = {0, y, W, 1};
    if (pv_raster_read_window(r, &win, NULL, 1, PV_F64, row, NULL)) { err = INFINITY; break; }
    for (size_t c = 0; c < W; c++) err = fmax(err, fabs(row[c] - truth(B, y, c)));
  }
  free(row);
  pv_raster_close(&r);
  return err;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: bench_stream make IN W H B | stream IN OUT MB | whole IN OUT\n");
    return 2;
  }
  pv_init();
  pv_ctx *ctx;
  pv_ctx_create(&ctx);
  pv_ctx_set_log(ctx, PV_LOG_WARN, pv_log_stderr, NULL);
  int st = 0;
  const char *mode = argv[1];
  if (!strcmp(mode, "make") && argc == 6) {
    st = make(ctx, argv[2], (size_t)atol(argv[3]), (size_t)atol(argv[4]), (size_t)atol(argv[5]));
  } else if (!strcmp(mode, "stream") && argc == 5) {
    pv_ctx_set_ram_budget(ctx, (size_t)atol(argv[4]) << 20);
    double t0 = now();
    pv_raster *in;
    pv_raster_writer *w = NULL;
    size_t blocks = 0, B = 0;
    st = pv_raster_open(ctx, argv[2], &in);
    if (!st) {
      B = pv_raster_bands(in);
      st = pv_raster_writer_create(ctx, argv[3], PV_RASTER_ENVI, pv_raster_width(in),
                                   pv_raster_height(in), 1, PV_F32, NULL, 1, &w);
    }
    if (!st) st = pv_raster_process(ctx, in, w, NULL, band_mean, &blocks);
    if (!st) st = pv_raster_writer_commit(&w);
    pv_raster_writer_abort(&w);
    pv_raster_close(&in);
    double t = now() - t0;
    if (!st) printf("stream %.3f s, %zu blocks, max error %.3g\n", t, blocks, check(ctx, argv[3], B));
  } else if (!strcmp(mode, "whole") && argc == 4) {
    double t0 = now();
    pv_raster_cube c, m;
    st = pv_raster_read(ctx, argv[2], NULL, &c);
    if (!st) st = pv_raster_cube_alloc(&m, c.width, c.height, 1, PV_F64);
    if (!st) {
      size_t n = c.width * c.height;
      for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (size_t b = 0; b < c.bands; b++) s += ((double *)c.data)[b * n + i];
        ((double *)m.data)[i] = s / (double)c.bands;
      }
      st = pv_raster_write(ctx, argv[3], PV_RASTER_ENVI, &m, PV_F32, 1);
      double t = now() - t0;
      if (!st) printf("whole %.3f s, 1 block, max error %.3g\n", t, check(ctx, argv[3], c.bands));
      pv_raster_cube_free(&m);
    }
    pv_raster_cube_free(&c);
  } else {
    fprintf(stderr, "bench_stream: bad arguments\n");
    return 2;
  }
  if (st) fprintf(stderr, "bench_stream: %s\n", pv_error_message());
  pv_ctx_destroy(&ctx);
  return st ? 1 : 0;
}
