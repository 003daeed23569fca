/* make_pansharpen - a deterministic synthetic pansharpening pair (see
 * README.md).
 *
 *   make_pansharpen [--size=256] [--seed=1] [--overwrite] OUTDIR
 *
 * A 4-band (blue, green, red, NIR) high-resolution truth of size x size
 * pixels: three materials on sharp-edged disks and squares over a smooth
 * mixture, with a fine texture. Writes OUTDIR/ms.tif (the truth blurred by
 * the toolbox's MTF filter, gains 0.29, decimated by 4: size/4 x size/4,
 * uint16, no-data 65535), OUTDIR/pan.tif (0.1 B + 0.3 G + 0.3 R + 0.3 NIR
 * of the truth, size x size, uint16, no-data 65535) and OUTDIR/truth.tif
 * (the truth, uint16). Noise from pv_rng (seed, stream 1). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <parseval/pansharpen.h>
#include <parseval/parseval.h>
#include <parseval/raster.h>

#define B 4
#define RATIO 4

static const double spec[3][B] = {{0.04, 0.08, 0.05, 0.45},  /* vegetation */
                                  {0.18, 0.22, 0.27, 0.33},  /* soil */
                                  {0.10, 0.08, 0.05, 0.02}}; /* water */
static const double pan_w[B] = {0.1, 0.3, 0.3, 0.3};

static void truth_cube(size_t n, uint64_t seed, double *t) {
  pv_rng r;
  pv_rng_init(&r, seed, 0);
  double cx[24], cy[24], rad[24];
  for (int k = 0; k < 24; k++) {
    cx[k] = pv_rng_uniform(&r) * (double)n;
    cy[k] = pv_rng_uniform(&r) * (double)n;
    rad[k] = (0.03 + 0.10 * pv_rng_uniform(&r)) * (double)n;
  }
  for (size_t y = 0; y < n; y++)
    for (size_t x = 0; x < n; x++) {
      double a[3] = {0.4 + 0.3 * sin(0.045 * (double)x) * cos(0.03 * (double)y), 0.4, 0.2};
      for (int k = 0; k < 24; k++) {
        double dx = (double)x - cx[k], dy = (double)y - cy[k];
        int in = k & 1 ? dx * dx + dy * dy < rad[k] * rad[k] : fabs(dx) < rad[k] && fabs(dy) < rad[k];
        if (in) a[0] = a[1] = a[2] = 0, a[k % 3] = 1;
      }
      double s = a[0] + a[1] + a[2], tex = 1 + 0.04 * sin(0.9 * (double)x + 0.5 * (double)y);
      for (int b = 0; b < B; b++) {
        double v = 0;
        for (int k = 0; k < 3; k++) v += a[k] / s * spec[k][b];
        t[((size_t)b * n + y) * n + x] = 2000.0 * v * tex; /* DN, 11-bit-like */
      }
    }
}

static int write(pv_ctx *ctx, const char *dir, const char *name, size_t n, size_t bands, const double *v, double px,
                 int overwrite) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  pv_raster_cube c;
  int rc = pv_raster_cube_alloc(&c, n, n, bands, PV_F64);
  if (rc) return rc;
  memcpy(c.data, v, n * n * bands * sizeof(double));
  c.meta.has_geotransform = 1;
  double gt[6] = {560000, px, 0, 4140000, 0, -px};
  memcpy(c.meta.geotransform, gt, sizeof gt);
  c.meta.has_nodata = 1;
  c.meta.nodata = 65535;
  rc = pv_raster_meta_set_srs(&c.meta, "EPSG:32610");
  if (!rc && bands == B) {
    static const double wl[B] = {480, 545, 660, 830};
    rc = pv_raster_meta_set_wavelengths(&c.meta, wl, NULL, "Nanometers");
  }
  if (!rc) rc = pv_raster_write(ctx, path, PV_RASTER_GTIFF, &c, PV_U16, overwrite);
  pv_raster_cube_free(&c);
  return rc;
}

int main(int argc, char **argv) {
  long size = 256, seed = 1;
  int overwrite = 0;
  const char *dir = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strncmp(argv[i], "--size=", 7)) size = strtol(argv[i] + 7, NULL, 10);
    else if (!strncmp(argv[i], "--seed=", 7)) seed = strtol(argv[i] + 7, NULL, 10);
    else if (!strcmp(argv[i], "--overwrite")) overwrite = 1;
    else if (argv[i][0] != '-' && !dir) dir = argv[i];
    else dir = NULL, i = argc;
  }
  if (!dir || size < 64 || size > 8192 || size % (2 * RATIO)) {
    fprintf(stderr, "usage: make_pansharpen [--size=256 (multiple of 8)] [--seed=1] [--overwrite] OUTDIR\n");
    return 2;
  }
  size_t n = (size_t)size, nl = n / RATIO;
  double *t = malloc(B * n * n * sizeof *t), *pan = malloc(n * n * sizeof *pan), *ms = malloc(B * nl * nl * sizeof *ms);
  pv_ctx *ctx = NULL;
  int rc = t && pan && ms ? pv_ctx_create(&ctx) : PV_ENOMEM;
  if (!rc) {
    truth_cube(n, (uint64_t)seed, t);
    pv_rng r;
    pv_rng_init(&r, (uint64_t)seed, 1);
    for (size_t i = 0; i < n * n; i++) {
      pan[i] = 0;
      for (int b = 0; b < B; b++) pan[i] += pan_w[b] * t[(size_t)b * n * n + i];
      pan[i] += 3.0 * pv_rng_normal(&r);
    }
    rc = pv_psh_degrade(RATIO, B, n, n, t, NULL, ms);
    for (size_t i = 0; !rc && i < B * nl * nl; i++) ms[i] += 3.0 * pv_rng_normal(&r);
  }
  if (!rc) { /* no-data: a 2 x 2 MS patch (all bands) and a 3 x 3 PAN patch */
    for (int b = 0; b < B; b++)
      for (size_t y = 5; y < 7; y++)
        for (size_t x = nl - 7; x < nl - 5; x++) ms[((size_t)b * nl + y) * nl + x] = NAN;
    for (size_t y = n - 20; y < n - 17; y++)
      for (size_t x = 30; x < 33; x++) pan[y * n + x] = NAN;
  }
  if (!rc) rc = write(ctx, dir, "ms.tif", nl, B, ms, 2.0, overwrite);
  if (!rc) rc = write(ctx, dir, "pan.tif", n, 1, pan, 0.5, overwrite);
  if (!rc) rc = write(ctx, dir, "truth.tif", n, B, t, 0.5, overwrite);
  if (rc) fprintf(stderr, "make_pansharpen: %s\n", pv_error_message());
  pv_ctx_destroy(&ctx);
  free(t), free(pan), free(ms);
  return rc ? 1 : 0;
}
