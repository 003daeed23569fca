/* Fuzz target: ENVI header handling. The input is parsed as a .hdr by our
 * reader; when it parses to a small raster, it is also written beside a
 * 4 KiB data file and opened and read through pv_raster_open, which runs the
 * length check, GDAL's ENVI driver and our metadata merge. Errors are fine,
 * crashes and leaks are not. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <parseval/parseval.h>
#include <parseval/raster.h>

static char dir[64];
static void cleanup(void) {
  char p[128];
  snprintf(p, sizeof p, "%s/x.img", dir);
  unlink(p);
  snprintf(p, sizeof p, "%s/x.hdr", dir);
  unlink(p);
  rmdir(dir);
}

static void open_pair(const uint8_t *data, size_t size) {
  if (!dir[0]) {
    snprintf(dir, sizeof dir, "/tmp/pv-fuzz-envi-XXXXXX");
    if (!mkdtemp(dir)) return;
    atexit(cleanup);
  }
  char img[128], hdr[128];
  snprintf(img, sizeof img, "%s/x.img", dir);
  snprintf(hdr, sizeof hdr, "%s/x.hdr", dir);
  FILE *f = fopen(hdr, "wb");
  if (!f) return;
  fwrite(data, 1, size, f);
  fclose(f);
  f = fopen(img, "wb");
  if (!f) return;
  for (int i = 0; i < 4096; i++) fputc((i * 37) & 0xff, f);
  fclose(f);
  pv_ctx *ctx;
  if (pv_ctx_create(&ctx)) return;
  pv_ctx_set_ram_budget(ctx, (size_t)1 << 20);
  pv_raster_cube c;
  if (pv_raster_read(ctx, img, NULL, &c) == 0) pv_raster_cube_free(&c);
  pv_ctx_destroy(&ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int init;
  if (!init) init = pv_init() == 0 ? 1 : -1;
  pv_raster_envi_header h;
  int st = pv_raster_envi_header_parse((const char *)data, size, "fuzz.hdr", &h);
  size_t n = (size_t)h.samples * h.lines;
  if (st == 0 && h.samples <= 4096 && h.lines <= 4096 && h.bands <= 256 && n * h.bands <= 65536)
    open_pair(data, size);
  pv_raster_envi_header_clear(&h);
  pv_error_clear();
  return 0;
}
