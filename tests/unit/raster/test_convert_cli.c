#define _POSIX_C_SOURCE 200809L
/* `parseval convert` end to end through the real host: band/window subsets
 * against the input, georeferencing and provenance kept or supplied, .mat
 * input, and bad input giving exit 1, one stderr line naming the file and no
 * output. The host binary is the last argument. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <parseval/raster.h>
#include "pv_test.h"

static const char *host;
static char err_text[8192];

static const char *scene(const char *name) {
  static char buf[4][1024];
  static int k;
  char *b = buf[k++ % 4];
  snprintf(b, 1024, "%s/datasets/scene/%s", getenv("PV_SOURCE_DIR") ? getenv("PV_SOURCE_DIR") : ".", name);
  return b;
}

/* Run the host with args; returns its exit code, stderr in err_text. */
static int run(const char *args) {
  char cmd[4096], errf[1024];
  snprintf(errf, sizeof errf, "%s/stderr.txt", pv_test_tmpdir());
  snprintf(cmd, sizeof cmd, "%s convert %s 2> %s", host, args, errf);
  int st = system(cmd);
  FILE *fp = fopen(errf, "r");
  size_t n = fp ? fread(err_text, 1, sizeof err_text - 1, fp) : 0;
  err_text[n] = 0;
  if (fp) fclose(fp);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int lines(const char *s) {
  int k = 0;
  for (; *s; s++) k += *s == '\n';
  return k;
}

static void test_subset_envi_to_tiff(void) {
  char args[4096];
  snprintf(args, sizeof args, "--wavelengths=450,900 --window=4,6,20,16 %s %s", scene("scene.img"),
           pv_test_path("sub.tif"));
  CHECK_EQ_INT(run(args), 0);
  pv_ctx *ctx;
  CHECK_OK(pv_ctx_create(&ctx));
  pv_raster_cube in, out;
  CHECK_OK(pv_raster_read(ctx, scene("scene.img"), NULL, &in));
  CHECK_OK(pv_raster_read(ctx, pv_test_path("sub.tif"), NULL, &out));
  size_t keep[64], nk = 0;
  for (size_t b = 0; in.meta.wavelength && b < in.bands; b++)
    if (in.meta.wavelength[b] >= 450 && in.meta.wavelength[b] <= 900) keep[nk++] = b;
  CHECK_EQ_INT(nk, 7);
  CHECK_EQ_INT(out.bands, nk);
  CHECK_EQ_INT(out.width, 20);
  CHECK_EQ_INT(out.height, 16);
  size_t bad = 0;
  for (size_t j = 0; out.data && j < nk && j < out.bands; j++)
    for (size_t r = 0; r < 16; r++)
      for (size_t c = 0; c < 20; c++) {
        double u = ((double *)in.data)[(keep[j] * in.height + r + 6) * in.width + c + 4];
        double v = ((double *)out.data)[(j * 16 + r) * 20 + c];
        if (!((float)u == v || (isnan(u) && isnan(v)))) bad++;
      }
  CHECK_EQ_INT(bad, 0);
  CHECK_NEAR(out.meta.geotransform[0], 560000 + 4 * 30, 1e-9);
  CHECK_NEAR(out.meta.geotransform[3], 4140000 - 6 * 30, 1e-9);
  CHECK(out.meta.srs_wkt && strstr(out.meta.srs_wkt, "UTM zone 10N"));
  CHECK(out.meta.has_nodata && out.meta.nodata == 65535);
  CHECK(out.meta.wavelength && out.meta.wavelength[0] == in.meta.wavelength[keep[0]]);
  CHECK(out.meta.fwhm && out.meta.bbl);
  const char *app = pv_raster_meta_item(&out.meta, "parseval.app");
  CHECK(app && !strcmp(app, "convert"));
  CHECK(pv_raster_meta_item(&out.meta, "parseval.input.0.sha256") != NULL);
  CHECK(pv_raster_meta_item(&out.meta, "generator") != NULL); /* input items carried */
  pv_raster_cube_free(&out);
  /* GeoTIFF -> ENVI with band indices, reversed order, no-data window */
  snprintf(args, sizeof args, "--bands=3,1 --window=30,30,10,10 --type=u16 %s %s", scene("scene.tif"),
           pv_test_path("sub.img"));
  CHECK_EQ_INT(run(args), 0);
  CHECK_OK(pv_raster_read(ctx, pv_test_path("sub.img"), NULL, &out));
  CHECK_EQ_INT(out.bands, 2);
  CHECK(out.data && ((double *)out.data)[0] == ((double *)in.data)[(2 * 40 + 30) * 40 + 30]);
  CHECK_EQ_INT(out.invalid[0], 6); /* the no-data corner */
  CHECK(strstr(err_text, "NaN or no-data") != NULL);
  pv_raster_cube_free(&out);
  pv_raster_cube_free(&in);
  pv_ctx_destroy(&ctx);
}

static void test_mat_input(void) {
  const char *dir = pv_test_shared_datasets();
  char jasper[1024], args[4096];
  snprintf(jasper, sizeof jasper, "%s/hsi/Jasper.mat", dir ? dir : "");
  if (!dir || access(jasper, R_OK) != 0) {
    printf("SKIP: Jasper.mat not found\n");
    return;
  }
  snprintf(args, sizeof args, "--type=u16 --srs=EPSG:32610 --geotransform=560000,20,0,4140000,0,-20 %s %s",
           jasper, pv_test_path("jasper.tif"));
  CHECK_EQ_INT(run(args), 0);
  pv_ctx *ctx;
  CHECK_OK(pv_ctx_create(&ctx));
  pv_raster_cube c;
  CHECK_OK(pv_raster_read(ctx, pv_test_path("jasper.tif"), NULL, &c));
  CHECK_EQ_INT(c.bands, 198);
  CHECK_EQ_INT(c.width, 100);
  CHECK(c.data && ((double *)c.data)[100] == 122); /* Y(1, 2): pixel n = 1 is row 1 */
  double mx = 0;
  for (size_t i = 0; c.data && i < 198 * 10000; i++) mx = fmax(mx, ((double *)c.data)[i]);
  CHECK_NEAR(mx, 5437, 0);
  CHECK_NEAR(c.meta.geotransform[1], 20, 0);
  CHECK(c.meta.srs_wkt && strstr(c.meta.srs_wkt, "32610"));
  pv_raster_cube_free(&c);
  /* without --srs/--geotransform: written, with a warning */
  snprintf(args, sizeof args, "--bands=1,2 %s %s", jasper, pv_test_path("jasper_plain.img"));
  CHECK_EQ_INT(run(args), 0);
  CHECK(strstr(err_text, "without georeferencing") != NULL);
  pv_ctx_destroy(&ctx);
}

static void expect_failure(const char *args, const char *out, const char *needle) {
  int code = run(args);
  CHECK_EQ_INT(code, 1);
  if (lines(err_text) != 1 || !strstr(err_text, needle))
    pv_test_fail(__FILE__, __LINE__, "stderr '%s' should be one line naming '%s'", err_text, needle);
  if (out) CHECK(access(out, F_OK) != 0);
}

static void test_bad_input(void) {
  char args[4096];
  FILE *fp = fopen(pv_test_path("empty.tif"), "wb");
  fclose(fp);
  snprintf(args, sizeof args, "%s %s", pv_test_path("empty.tif"), pv_test_path("o1.tif"));
  expect_failure(args, pv_test_path("o1.tif"), "empty.tif");
  /* truncated GeoTIFF */
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "head -c 40000 %s > %s", scene("scene.tif"), pv_test_path("trunc.tif"));
  CHECK_EQ_INT(system(cmd), 0);
  snprintf(args, sizeof args, "%s %s", pv_test_path("trunc.tif"), pv_test_path("o2.tif"));
  expect_failure(args, pv_test_path("o2.tif"), "trunc.tif");
  /* ENVI header disagreeing with the data length */
  snprintf(cmd, sizeof cmd, "head -c 50000 %s > %s && sed 's/data type = 12/data type = 4/' %s > %s",
           scene("scene.img"), pv_test_path("short.img"), scene("scene.hdr"), pv_test_path("short.hdr"));
  CHECK_EQ_INT(system(cmd), 0);
  snprintf(args, sizeof args, "%s %s", pv_test_path("short.img"), pv_test_path("o3.img"));
  expect_failure(args, pv_test_path("o3.img"), "'data type'");
  CHECK(access(pv_test_path("o3.hdr"), F_OK) != 0);
  /* band out of range, unknown .mat variable */
  snprintf(args, sizeof args, "--bands=99 %s %s", scene("scene.img"), pv_test_path("o4.tif"));
  expect_failure(args, pv_test_path("o4.tif"), "--bands");
  /* .mat: a missing variable, a shape that does not fit the image size */
  char mat[1024];
  snprintf(mat, sizeof mat, "%s/tests/fuzz/corpus/matfile/m5.mat",
           getenv("PV_SOURCE_DIR") ? getenv("PV_SOURCE_DIR") : ".");
  snprintf(args, sizeof args, "--var=Q %s %s", mat, pv_test_path("o6.tif"));
  expect_failure(args, pv_test_path("o6.tif"), "'Q'");
  snprintf(args, sizeof args, "--rows=5 --cols=5 %s %s", mat, pv_test_path("o7.tif"));
  expect_failure(args, pv_test_path("o7.tif"), "'Y' is 4 x 6");
  /* existing output without --overwrite: untouched */
  fp = fopen(pv_test_path("exists.tif"), "wb");
  fputs("keep me", fp);
  fclose(fp);
  snprintf(args, sizeof args, "%s %s", scene("scene.img"), pv_test_path("exists.tif"));
  expect_failure(args, NULL, "exists.tif");
  struct stat st;
  CHECK(stat(pv_test_path("exists.tif"), &st) == 0 && st.st_size == 7);
  /* unwritable output folder */
  snprintf(args, sizeof args, "%s /proc/parseval-no/o5.tif", scene("scene.img"));
  expect_failure(args, NULL, "o5.tif");
  /* no temporaries left anywhere in the scratch folder */
  snprintf(cmd, sizeof cmd, "ls %s | grep -q tmp-", pv_test_tmpdir());
  CHECK(system(cmd) != 0);
}

int main(int argc, char **argv) {
  host = argc > 1 ? argv[argc - 1] : "parseval";
  static const pv_test_case cases[] = {PV_CASE(test_subset_envi_to_tiff), PV_CASE(test_mat_input),
                                       PV_CASE(test_bad_input)};
  return pv_test_main(argc > 2 ? 2 : 1, argv, cases, 3);
}
