#define _POSIX_C_SOURCE 200809L
/* The synthetic scene: the generator reproduces the committed sample, and
 * the sample has the documented properties (abundances sum to one, pure
 * pixels of every endmember, noise of the stated sigma, a no-data patch).
 * argv[1] (after the case name, or alone) is the make_scene binary. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <parseval/raster.h>
#include "pv_test.h"

static const char *make_scene;

static const char *src(const char *name) {
  static char buf[4][1024];
  static int k;
  char *b = buf[k++ % 4];
  snprintf(b, 1024, "%s/datasets/scene/%s", getenv("PV_SOURCE_DIR") ? getenv("PV_SOURCE_DIR") : ".", name);
  return b;
}

static void test_reproducible(void) {
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "%s %s", make_scene, pv_test_tmpdir());
  CHECK_EQ_INT(system(cmd), 0);
  pv_ctx *ctx;
  CHECK_OK(pv_ctx_create(&ctx));
  const char *files[3] = {"scene.tif", "scene.img", "abundances.tif"};
  for (int f = 0; f < 3; f++) {
    char fresh[1024];
    snprintf(fresh, sizeof fresh, "%s/%s", pv_test_tmpdir(), files[f]);
    pv_raster_cube a, b;
    CHECK_OK(pv_raster_read(ctx, fresh, NULL, &a));
    CHECK_OK(pv_raster_read(ctx, src(files[f]), NULL, &b));
    size_t n = a.width * a.height * a.bands, diff = 0;
    CHECK_EQ_INT(n, b.width * b.height * b.bands);
    for (size_t i = 0; a.data && b.data && i < n; i++) {
      double x = ((double *)a.data)[i], y = ((double *)b.data)[i];
      if (!(x == y || (isnan(x) && isnan(y)))) diff++;
    }
    CHECK_EQ_INT(diff, 0);
    pv_raster_cube_free(&a);
    pv_raster_cube_free(&b);
  }
  pv_ctx_destroy(&ctx);
}

/* E[b][k] from endmembers.csv (wavelength, 4 columns). */
static int read_endmembers(double e[][4], double *wl, int max) {
  FILE *fp = fopen(src("endmembers.csv"), "r");
  if (!fp) return 0;
  char line[512];
  int n = 0;
  if (!fgets(line, sizeof line, fp)) n = -1;
  while (n >= 0 && n < max && fgets(line, sizeof line, fp))
    if (sscanf(line, "%lf,%lf,%lf,%lf,%lf", &wl[n], &e[n][0], &e[n][1], &e[n][2], &e[n][3]) == 5) n++;
  fclose(fp);
  return n;
}

static void test_properties(void) {
  pv_ctx *ctx;
  CHECK_OK(pv_ctx_create(&ctx));
  pv_raster_cube s, a;
  CHECK_OK(pv_raster_read(ctx, src("scene.img"), NULL, &s));
  CHECK_OK(pv_raster_read(ctx, src("abundances.tif"), NULL, &a));
  if (!s.data || !a.data) return;
  size_t W = s.width, H = s.height, B = s.bands, n = W * H;
  CHECK_EQ_INT(W, 40);
  CHECK_EQ_INT(B, 32);
  CHECK_EQ_INT(a.bands, 4);
  /* georeferencing and spectral metadata */
  CHECK(s.meta.srs_wkt && strstr(s.meta.srs_wkt, "UTM zone 10N"));
  CHECK_NEAR(s.meta.geotransform[0], 560000, 0);
  CHECK_NEAR(s.meta.geotransform[5], -30, 0);
  CHECK(s.meta.wavelength && fabs(s.meta.wavelength[31] - 2480) < 1e-9);
  CHECK(s.meta.bbl && s.meta.bbl[0] == 1 && s.meta.bbl[22] == 0);
  CHECK_NEAR(s.meta.nodata, 65535, 0);
  /* the no-data patch: 6 pixels in every band */
  for (size_t b = 0; b < B; b++) CHECK_EQ_INT(s.invalid[b], 6);
  /* abundances: sum to one, pure pixels of each endmember */
  const double *ab = a.data;
  double worst = 0;
  int pure[4] = {0, 0, 0, 0};
  for (size_t i = 0; i < n; i++) {
    double sum = 0;
    for (int k = 0; k < 4; k++) {
      sum += ab[k * n + i];
      if (ab[k * n + i] == 1.0) pure[k]++;
    }
    worst = fmax(worst, fabs(sum - 1));
  }
  CHECK(worst < 1e-6);
  for (int k = 0; k < 4; k++) CHECK(pure[k] >= 4);
  /* noise: residual of the linear model has the stated sigma */
  double e[64][4], wl[64];
  CHECK_EQ_INT(read_endmembers(e, wl, 64), 32);
  const char *sig = pv_raster_meta_item(&s.meta, "noise_sigma_reflectance");
  CHECK(sig != NULL);
  double sigma = sig ? atof(sig) : 0, ss = 0, cnt = 0;
  for (size_t b = 0; b < B; b++)
    for (size_t i = 0; i < n; i++) {
      double x = ((double *)s.data)[b * n + i];
      if (isnan(x)) continue;
      double model = 0;
      for (int k = 0; k < 4; k++) model += e[b][k] * ab[k * n + i];
      double r = 1e-4 * x - model;
      ss += r * r;
      cnt++;
    }
  double rms = sqrt(ss / cnt);
  printf("noise: stated sigma %.6g, measured %.6g over %.0f values\n", sigma, rms, cnt);
  CHECK_REL(rms, sigma, 0.03);
  pv_raster_cube_free(&s);
  pv_raster_cube_free(&a);
  pv_ctx_destroy(&ctx);
}

int main(int argc, char **argv) {
  /* ctest passes the generator as the last argument */
  make_scene = argc > 1 ? argv[argc - 1] : "make_scene";
  static const pv_test_case cases[] = {PV_CASE(test_reproducible), PV_CASE(test_properties)};
  int n = argc > 2 ? 2 : 1;
  return pv_test_main(n, argv, cases, 2);
}
