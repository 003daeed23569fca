#define _POSIX_C_SOURCE 200809L
/* Streaming under a RAM budget smaller than the raster, measured: the peak
 * resident set (getrusage) may grow by much less than the cube would take in
 * memory. The raster is 512 x 512 x 24 float32 (24 MiB on disk, 48 MiB as
 * the double cube a whole read makes); the budget is 8 MiB. Run with a small
 * ASan quarantine (set by CMake) so freed blocks do not count. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include <parseval/raster.h>
#include "pv_test.h"

enum { W = 512, H = 512, B = 24 };

static long peak_kb(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

static int mean_op(pv_ctx *ctx, pv_raster_block *blk, void *user) {
  size_t n = blk->win.width * blk->win.height;
  for (size_t i = 0; i < n; i++) {
    double s = 0;
    for (size_t b = 0; b < blk->bands_in; b++) s += blk->in[b * n + i];
    blk->out[i] = s / (double)blk->bands_in;
  }
  (*(size_t *)user)++;
  return 0;
}

static void test_stream_rss(void) {
  pv_ctx *ctx;
  CHECK_OK(pv_ctx_create(&ctx));
  CHECK_OK(pv_ctx_set_ram_budget(ctx, (size_t)8 << 20));
  pv_raster_meta m0;
  pv_raster_meta_init(&m0, 1);
  CHECK_OK(pv_raster_meta_set_srs(&m0, "EPSG:4326")); /* loads GDAL and PROJ first */
  pv_raster_meta_clear(&m0);
  long base = peak_kb();
  char in_path[600], out_path[600];
  snprintf(in_path, sizeof in_path, "%s/in.tif", pv_test_tmpdir());
  snprintf(out_path, sizeof out_path, "%s/mean.img", pv_test_tmpdir());
  /* write the input row strip by row strip (tile height from the budget) */
  pv_raster_writer *w;
  CHECK_OK(pv_raster_writer_create(ctx, in_path, PV_RASTER_GTIFF, W, H, B, PV_F32, NULL, 0, &w));
  size_t th = pv_raster_writer_tile_height(w);
  float *buf = pv_malloc(sizeof(float) * W * th * B);
  for (size_t y0 = 0; y0 < H; y0 += th) {
    size_t h = y0 + th <= H ? th : H - y0;
    for (size_t b = 0; b < B; b++)
      for (size_t r = 0; r < h; r++)
        for (size_t c = 0; c < W; c++) buf[(b * h + r) * W + c] = (float)(b + (y0 + r) % 13 + c % 7);
    pv_raster_window win = {0, y0, W, h};
    CHECK_OK(pv_raster_writer_write(w, &win, PV_F32, buf));
  }
  pv_free(buf);
  CHECK_OK(pv_raster_writer_commit(&w));

  long before = peak_kb();
  pv_raster *in;
  CHECK_OK(pv_raster_open(ctx, in_path, &in));
  CHECK_OK(pv_raster_writer_create(ctx, out_path, PV_RASTER_ENVI, W, H, 1, PV_F32, NULL, 0, &w));
  size_t blocks = 0;
  CHECK_OK(pv_raster_process(ctx, in, w, NULL, mean_op, &blocks));
  CHECK_OK(pv_raster_writer_commit(&w));
  pv_raster_close(&in);
  long growth = peak_kb() - before, total = peak_kb() - base;
  long cube_kb = (long)W * H * B * 8 / 1024;
  printf("wrote and streamed %d x %d x %d (%zu blocks) under an 8 MiB budget: peak RSS grew "
         "%ld KiB in all, %ld KiB while streaming (the double cube: %ld KiB)\n", W, H, B, blocks,
         total, growth, cube_kb);
  CHECK(blocks >= 8);
  CHECK(growth < 8 * 1024);     /* streaming itself: within the budget */
  CHECK(total < cube_kb / 2);   /* writing + streaming: under half the cube */
  /* the result against the formula: mean_b (b + r%13 + c%7) */
  pv_raster_cube d;
  CHECK_OK(pv_raster_read(ctx, out_path, NULL, &d));
  size_t bad = 0;
  for (size_t r = 0; d.data && r < H; r++)
    for (size_t c = 0; c < W; c++)
      if (fabs(((double *)d.data)[r * W + c] - ((B - 1) / 2.0 + r % 13 + c % 7)) > 1e-5) bad++;
  CHECK_EQ_INT(bad, 0);
  pv_raster_cube_free(&d);
  pv_ctx_destroy(&ctx);
}

PV_TEST_MAIN(PV_CASE(test_stream_rss))
