/* Fuzz target: the .mat adapter (our v5 structure check, variable and shape
 * selection, size variables, column-major copy) over matio. The input is
 * written to a temporary .mat file and read twice: with the defaults and with
 * an explicit variable and 2 x 3 image. Errors are fine, crashes are not.
 * Only MAT v5 inputs are run: v7.3 files are HDF5, whose 1.10 parser has
 * memory errors on corrupt files that we cannot guard against (the v7.3 path
 * is covered by the unit tests on valid files). */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <parseval/parseval.h>
#include <parseval/matfile.h>

static char path[64];
static void cleanup(void) { unlink(path); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int init;
  if (!init) init = pv_init() == 0 ? 1 : -1;
  if (size < 128 || data[124] != 0 || data[125] != 1 || data[126] != 'I' || data[127] != 'M')
    return 0; /* little-endian MAT v5 only (see above) */
  if (!path[0]) {
    snprintf(path, sizeof path, "/tmp/pv-fuzz-mat-XXXXXX.mat");
    int fd = mkstemps(path, 4);
    if (fd < 0) return 0;
    close(fd);
    atexit(cleanup);
  }
  FILE *f = fopen(path, "wb");
  if (!f) return 0;
  fwrite(data, 1, size, f);
  fclose(f);
  pv_ctx *ctx;
  if (pv_ctx_create(&ctx)) return 0;
  pv_ctx_set_ram_budget(ctx, (size_t)64 << 20);
  pv_raster_cube c;
  if (pv_matfile_read(ctx, path, NULL, &c) == 0) pv_raster_cube_free(&c);
  pv_matfile_options o = PV_MATFILE_OPTIONS_INIT;
  o.var = "Y";
  o.rows = 2;
  o.cols = 3;
  o.dtype = PV_F32;
  if (pv_matfile_read(ctx, path, &o, &c) == 0) pv_raster_cube_free(&c);
  pv_ctx_destroy(&ctx);
  pv_error_clear();
  return 0;
}
