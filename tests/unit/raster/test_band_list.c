#define _POSIX_C_SOURCE 200809L
/* Band lists (.txt, one one-band file per line): the parser's rules against
 * hand-written lists, and a stacked read against the multi-band cube the
 * bands were cut from (values, no-data masks per band, band selection).
 * Hostile lists: NUL bytes, overlong paths, too many entries, nesting,
 * mismatched sizes, missing files. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/fileout.h>
#include <parseval/raster.h>
#include <parseval/scene.h>
#include "pv_test.h"

static void test_parse_rules(void) {
  const char text[] = "# bands of a scene\n  b1.tif \r\n\n\t/abs/b2.tif\r\n#x.tif\nsub/b3.tif";
  pv_band_list *l = NULL;
  CHECK_OK(pv_band_list_parse("/data/scene/list.txt", text, strlen(text), &l));
  CHECK_EQ_INT(l->n, 3);
  CHECK(!strcmp(l->paths[0], "/data/scene/b1.tif"));
  CHECK(!strcmp(l->paths[1], "/abs/b2.tif"));
  CHECK(!strcmp(l->paths[2], "/data/scene/sub/b3.tif"));
  pv_band_list_destroy(l);
  CHECK_OK(pv_band_list_parse("list.txt", "a.tif", 5, &l)); /* no folder, no final newline */
  CHECK(!strcmp(l->paths[0], "a.tif"));
  pv_band_list_destroy(l);
}

static void test_parse_hostile(void) {
  pv_band_list *l = (pv_band_list *)1;
  CHECK_EQ_INT(pv_band_list_parse("e.txt", "# only\n\n  \n", 11, &l), PV_EFORMAT);
  CHECK(strstr(pv_error_message(), "e.txt: no band file listed"));
  CHECK(l == NULL);
  CHECK_STATUS(pv_band_list_parse("n.txt", "a.tif\0b.tif", 11, &l), PV_EFORMAT);
  size_t big = 5000;
  char *s = malloc(big + 1);
  memset(s, 'x', big);
  s[big] = 0;
  int rc = pv_band_list_parse("long.txt", s, big, &l);
  CHECK_EQ_INT(rc, PV_EFORMAT);
  CHECK(strstr(pv_error_message(), "long.txt") && strstr(pv_error_message(), "line 1"));
  free(s);
  size_t n = 2 * (PV_BAND_LIST_MAX + 1);
  s = malloc(n + 1);
  for (size_t i = 0; i < n; i += 2) s[i] = 'b', s[i + 1] = '\n';
  s[n] = 0;
  CHECK_STATUS(pv_band_list_parse("many.txt", s, n, &l), PV_EFORMAT);
  CHECK_OK(pv_band_list_parse("max.txt", s, n - 2, &l));
  CHECK_EQ_INT(l->n, PV_BAND_LIST_MAX);
  pv_band_list_destroy(l);
  free(s);
  CHECK_STATUS(pv_band_list_read_file(pv_test_path("absent.txt"), &l), PV_EIO);
}

/* A 3-band cube with no-data -9 in band 1 and NaN in band 2, written as a
 * multi-band file and as three one-band files listed in a .txt. */
static void write_bands(pv_ctx *ctx, pv_raster_cube *full) {
  CHECK_OK(pv_raster_cube_alloc(full, 7, 5, 3, PV_F64));
  double *x = full->data;
  for (size_t i = 0; i < 3 * 35; i++) x[i] = sin(0.3 * (double)i) + (double)(i / 35);
  for (int b = 0; b < 3; b++) {
    pv_raster_cube one;
    CHECK_OK(pv_raster_cube_alloc(&one, 7, 5, 1, PV_F64));
    memcpy(one.data, x + b * 35, 35 * sizeof(double));
    if (b == 1) one.meta.has_nodata = 1, one.meta.nodata = -9, ((double *)one.data)[3] = -9;
    if (b == 2) ((double *)one.data)[10] = NAN;
    char name[32];
    snprintf(name, sizeof name, "band%d.tif", b + 1);
    CHECK_OK(pv_raster_write(ctx, pv_test_path(name), PV_RASTER_GTIFF, &one, PV_F64, 1));
    pv_raster_cube_free(&one);
  }
  const char *list = "band1.tif\nband2.tif\n# comment\nband3.tif\n";
  CHECK_OK(pv_file_write_atomic(pv_test_path("bands.txt"), list, strlen(list), 1));
}

static void test_stack(void) {
  pv_ctx *ctx;
  CHECK_OK(pv_ctx_create(&ctx));
  pv_raster_cube full, c;
  write_bands(ctx, &full);
  CHECK_OK(pv_scene_read(ctx, pv_test_path("bands.txt"), NULL, &c));
  CHECK_EQ_INT(c.bands, 3);
  CHECK_EQ_INT(c.width, 7);
  CHECK_EQ_INT(c.height, 5);
  const double *y = c.data, *x = full.data;
  for (size_t i = 0; i < 105; i++) {
    if (i == 35 + 3 || i == 70 + 10) CHECK(isnan(y[i]));
    else CHECK_NEAR(y[i], x[i], 0);
  }
  CHECK_EQ_INT(c.invalid[0], 0);
  CHECK_EQ_INT(c.invalid[1], 1);
  CHECK_EQ_INT(c.invalid[2], 1);
  CHECK(!strcmp(c.meta.band_names[2], "band3.tif"));
  pv_raster_cube_free(&c);
  size_t pick[2] = {2, 0};
  pv_scene_read_options o = PV_SCENE_READ_OPTIONS_INIT;
  o.bands = pick, o.n_bands = 2, o.dtype = PV_F32;
  CHECK_OK(pv_scene_read(ctx, pv_test_path("bands.txt"), &o, &c));
  CHECK_EQ_INT(c.bands, 2);
  CHECK_NEAR(((float *)c.data)[0], (float)x[70], 0);
  CHECK_NEAR(((float *)c.data)[35], (float)x[0], 0);
  pv_raster_cube_free(&c);
  pv_raster_cube_free(&full);
  pv_ctx_destroy(&ctx);
}

static void test_stack_refused(void) {
  pv_ctx *ctx;
  CHECK_OK(pv_ctx_create(&ctx));
  pv_raster_cube full, c;
  write_bands(ctx, &full);
  CHECK_OK(pv_raster_write(ctx, pv_test_path("three.tif"), PV_RASTER_GTIFF, &full, PV_F64, 1));
  pv_raster_cube small;
  CHECK_OK(pv_raster_cube_alloc(&small, 6, 5, 1, PV_F64));
  CHECK_OK(pv_raster_write(ctx, pv_test_path("small.tif"), PV_RASTER_GTIFF, &small, PV_F64, 1));
  pv_raster_cube_free(&small);
  struct { const char *name, *text, *needle; int code; } bad[] = {
      {"mixed.txt", "band1.tif\nsmall.tif\n", "small.tif is 6 x 5", PV_EINVAL},
      {"multi.txt", "three.tif\n", "3 bands", PV_EINVAL},
      {"nested.txt", "band1.tif\nbands.txt\n", "another band list", PV_EFORMAT},
      {"missing.txt", "band1.tif\nnot-there.tif\n", "not-there.tif", 0},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    CHECK_OK(pv_file_write_atomic(pv_test_path(bad[i].name), bad[i].text, strlen(bad[i].text), 1));
    memset(&c, 0x5a, sizeof c);
    int rc = pv_scene_read(ctx, pv_test_path(bad[i].name), NULL, &c);
    CHECK(rc < 0);
    if (bad[i].code) CHECK_EQ_INT(rc, bad[i].code);
    if (!strstr(pv_error_message(), bad[i].needle)) pv_test_fail(__FILE__, __LINE__, "%s: '%s'", bad[i].name, pv_error_message());
    CHECK(c.data == NULL && c.bands == 0);
  }
  size_t pick = 3;
  pv_scene_read_options o = PV_SCENE_READ_OPTIONS_INIT;
  o.bands = &pick, o.n_bands = 1;
  CHECK_STATUS(pv_scene_read(ctx, pv_test_path("bands.txt"), &o, &c), PV_EINVAL);
  pv_raster_cube_free(&full);
  pv_ctx_destroy(&ctx);
}

PV_TEST_MAIN(PV_CASE(test_parse_rules), PV_CASE(test_parse_hostile), PV_CASE(test_stack), PV_CASE(test_stack_refused))
