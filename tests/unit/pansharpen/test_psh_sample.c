/* The bundled pansharpening pair is what its generator makes: regenerate
 * it (argv[1] = make_pansharpen, argv[2] = datasets/pansharpen) and compare
 * every value with the committed files; check the documented geometry,
 * ratio and no-data patches. */
#include "pv_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <parseval/parseval.h>
#include <parseval/raster.h>

static const char *gen, *src;

static void compare(pv_ctx *ctx, const char *name, size_t w, size_t bands, size_t nodata) {
  char a[4096], b[4096];
  snprintf(a, sizeof a, "%s/%s", pv_test_tmpdir(), name);
  snprintf(b, sizeof b, "%s/%s", src, name);
  pv_raster_cube x, y;
  CHECK_OK(pv_raster_read(ctx, a, NULL, &x));
  CHECK_OK(pv_raster_read(ctx, b, NULL, &y));
  CHECK_EQ_INT(y.width, w);
  CHECK_EQ_INT(y.height, w);
  CHECK_EQ_INT(y.bands, bands);
  CHECK(y.meta.has_geotransform && y.meta.geotransform[0] == 560000 && y.meta.geotransform[3] == 4140000);
  size_t n = x.width * x.height * x.bands, nan = 0;
  double worst = 0;
  const double *p = x.data, *q = y.data;
  for (size_t i = 0; x.width == y.width && x.bands == y.bands && i < n; i++) {
    nan += isnan(q[i]);
    if (isnan(p[i]) != isnan(q[i])) worst = INFINITY;
    else if (!isnan(p[i])) worst = fmax(worst, fabs(p[i] - q[i]));
  }
  CHECK(worst <= 1); /* uint16 rounding of values computed by another libm */
  CHECK_EQ_INT(nan, nodata);
  pv_raster_cube_free(&x), pv_raster_cube_free(&y);
}

static void test_regenerates(void) {
  char cmd[8192];
  snprintf(cmd, sizeof cmd, "'%s' --overwrite '%s'", gen, pv_test_tmpdir());
  CHECK(system(cmd) == 0);
  pv_ctx *ctx = NULL;
  CHECK_OK(pv_ctx_create(&ctx));
  compare(ctx, "ms.tif", 64, 4, 4 * 4);
  compare(ctx, "pan.tif", 256, 1, 9);
  compare(ctx, "truth.tif", 256, 4, 0);
  pv_ctx_destroy(&ctx);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: test_psh_sample MAKE_PANSHARPEN DATASET_DIR\n");
    return 2;
  }
  gen = argv[1], src = argv[2];
  static const pv_test_case cases[] = {PV_CASE(test_regenerates)};
  return pv_test_main(1, argv, cases, 1);
}
