#define _POSIX_C_SOURCE 200809L
/* .mat cubes: fixtures written with matio itself (v5 and v7.3), the real
 * Jasper Ridge and Moffett files (values checked against scipy.io), and bad
 * files (missing variable, wrong shape, empty, not a MAT file). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <matio.h>
#include <parseval/matfile.h>
#include "pv_test.h"

static void put(mat_t *m, const char *name, enum matio_classes cls, enum matio_types t,
                int rank, size_t *dims, void *data, int flags) {
  matvar_t *v = Mat_VarCreate(name, cls, t, rank, dims, data, flags);
  CHECK(v != NULL);
  CHECK(Mat_VarWrite(m, v, MAT_COMPRESSION_NONE) == 0);
  Mat_VarFree(v);
}

static void put_scalar(mat_t *m, const char *name, uint8_t x) {
  size_t d[2] = {1, 1};
  put(m, name, MAT_C_UINT8, MAT_T_UINT8, 2, d, &x, 0);
}

/* Y [bands x pixels] uint16, value = 1000*b + n, image 2 rows x 3 cols. */
static void write_matrix(const char *path, enum mat_ft ver, size_t bands, size_t rows,
                         size_t cols, int with_size) {
  mat_t *m = Mat_CreateVer(path, NULL, ver);
  CHECK(m != NULL);
  if (!m) return;
  size_t np = rows * cols, d[2] = {bands, np};
  uint16_t *y = malloc(bands * np * sizeof(uint16_t));
  for (size_t n = 0; n < np; n++)
    for (size_t b = 0; b < bands; b++) y[b + n * bands] = (uint16_t)(1000 * b + n);
  put(m, "Y", MAT_C_UINT16, MAT_T_UINT16, 2, d, y, 0);
  if (with_size) {
    put_scalar(m, "lines", (uint8_t)rows);
    put_scalar(m, "cols", (uint8_t)cols);
  }
  free(y);
  Mat_Close(m);
}

static void check_matrix_cube(const pv_raster_cube *c, size_t bands, size_t rows, size_t cols) {
  CHECK_EQ_INT(c->bands, bands);
  CHECK_EQ_INT(c->height, rows);
  CHECK_EQ_INT(c->width, cols);
  if (!c->data) return;
  size_t bad = 0;
  for (size_t b = 0; b < bands; b++)
    for (size_t r = 0; r < rows; r++)
      for (size_t col = 0; col < cols; col++) {
        double want = 1000.0 * b + (double)(r + col * rows); /* n = row + col*rows */
        if (((double *)c->data)[(b * rows + r) * cols + col] != want) bad++;
      }
  CHECK_EQ_INT(bad, 0);
}

static void test_matrix_v5_v73(void) {
  pv_ctx *ctx;
  CHECK_OK(pv_ctx_create(&ctx));
  enum mat_ft vers[2] = {MAT_FT_MAT5, MAT_FT_MAT73};
  const char *names[2] = {"m5.mat", "m73.mat"};
  for (int i = 0; i < 2; i++) {
    write_matrix(pv_test_path(names[i]), vers[i], 4, 2, 3, 1);
    pv_raster_cube c;
    CHECK_OK(pv_matfile_read(ctx, pv_test_path(names[i]), NULL, &c));
    check_matrix_cube(&c, 4, 2, 3);
    CHECK(!strcmp(pv_raster_meta_item(&c.meta, "source_variable"), "Y"));
    CHECK_EQ_INT(c.meta.has_geotransform, 0);
    pv_raster_cube_free(&c);
  }
  /* size given explicitly (no size variables), as float */
  write_matrix(pv_test_path("nosize.mat"), MAT_FT_MAT5, 3, 5, 2, 0);
  pv_matfile_options o = PV_MATFILE_OPTIONS_INIT;
  o.rows = 5;
  o.cols = 2;
  o.dtype = PV_F32;
  pv_raster_cube c;
  CHECK_OK(pv_matfile_read(ctx, pv_test_path("nosize.mat"), &o, &c));
  CHECK_EQ_INT(c.height, 5);
  CHECK_NEAR(((float *)c.data)[(2 * 5 + 3) * 2 + 1], 2000 + 3 + 1 * 5, 0);
  pv_raster_cube_free(&c);
  pv_ctx_destroy(&ctx);
}

/* [rows x cols x bands] double cube with a NaN band; and [pixels x bands]. */
static void test_cube_and_transposed(void) {
  pv_ctx *ctx;
  CHECK_OK(pv_ctx_create(&ctx));
  size_t R = 3, C = 4, Bn = 2, d[3] = {R, C, Bn};
  double x[24];
  for (size_t b = 0; b < Bn; b++)
    for (size_t col = 0; col < C; col++)
      for (size_t r = 0; r < R; r++) x[r + col * R + b * R * C] = b == 1 ? NAN : 10.0 * r + col;
  mat_t *m = Mat_CreateVer(pv_test_path("cube.mat"), NULL, MAT_FT_MAT73);
  put(m, "S", MAT_C_DOUBLE, MAT_T_DOUBLE, 3, d, x, 0);
  Mat_Close(m);
  pv_raster_cube c;
  CHECK_OK(pv_matfile_read(ctx, pv_test_path("cube.mat"), NULL, &c)); /* the only 3-D variable */
  CHECK_EQ_INT(c.width, C);
  CHECK_EQ_INT(c.height, R);
  CHECK_NEAR(((double *)c.data)[2 * C + 3], 23, 0);
  CHECK_EQ_INT(c.invalid[1], R * C);
  CHECK_EQ_INT(c.invalid[0], 0);
  pv_raster_cube_free(&c);
  /* [pixels x bands]: Z(n, b) = 7*n + b, image 2 x 3 */
  size_t d2[2] = {6, 2};
  double z[12];
  for (size_t b = 0; b < 2; b++)
    for (size_t n = 0; n < 6; n++) z[n + b * 6] = 7.0 * n + b;
  m = Mat_CreateVer(pv_test_path("pb.mat"), NULL, MAT_FT_MAT5);
  put(m, "Z", MAT_C_DOUBLE, MAT_T_DOUBLE, 2, d2, z, 0);
  Mat_Close(m);
  pv_matfile_options o = PV_MATFILE_OPTIONS_INIT;
  o.var = "Z";
  o.rows = 2;
  o.cols = 3;
  CHECK_OK(pv_matfile_read(ctx, pv_test_path("pb.mat"), &o, &c));
  CHECK_EQ_INT(c.bands, 2);
  /* band 1, row 1, col 2: n = 1 + 2*2 = 5 */
  CHECK_NEAR(((double *)c.data)[(1 * 2 + 1) * 3 + 2], 7.0 * 5 + 1, 0);
  pv_raster_cube_free(&c);
  pv_ctx_destroy(&ctx);
}

static int mentions(const char *s) {
  if (getenv("PV_TEST_VERBOSE")) fprintf(stderr, "message: %s\n", pv_error_message());
  return strstr(pv_error_message(), s) != NULL;
}

static void test_bad_files(void) {
  pv_ctx *ctx;
  CHECK_OK(pv_ctx_create(&ctx));
  pv_raster_cube c;
  write_matrix(pv_test_path("bad.mat"), MAT_FT_MAT5, 4, 2, 3, 1);
  pv_matfile_options o = PV_MATFILE_OPTIONS_INIT;
  o.var = "X";
  int st = pv_matfile_read(ctx, pv_test_path("bad.mat"), &o, &c);
  CHECK(st == PV_ENOTFOUND && mentions("bad.mat") && mentions("'X'") && mentions("lines"));
  pv_error_clear();
  /* wrong shape: Y has 6 pixels, the given image 3 x 3 */
  o = (pv_matfile_options)PV_MATFILE_OPTIONS_INIT;
  o.rows = 3;
  o.cols = 3;
  st = pv_matfile_read(ctx, pv_test_path("bad.mat"), &o, &c);
  CHECK(st == PV_EFORMAT && mentions("bad.mat") && mentions("'Y'") && mentions("4 x 6"));
  pv_error_clear();
  /* wrong shape: 4-D variable */
  size_t d4[4] = {2, 2, 2, 2};
  double x[16] = {0};
  mat_t *m = Mat_CreateVer(pv_test_path("d4.mat"), NULL, MAT_FT_MAT5);
  put(m, "Y", MAT_C_DOUBLE, MAT_T_DOUBLE, 4, d4, x, 0);
  Mat_Close(m);
  st = pv_matfile_read(ctx, pv_test_path("d4.mat"), NULL, &c);
  CHECK(st == PV_EFORMAT && mentions("d4.mat") && mentions("4 dimensions"));
  pv_error_clear();
  /* a complex variable */
  size_t d2[2] = {2, 4};
  double re[8] = {0}, im[8] = {0};
  mat_complex_split_t cs = {re, im};
  m = Mat_CreateVer(pv_test_path("cplx.mat"), NULL, MAT_FT_MAT5);
  put(m, "Y", MAT_C_DOUBLE, MAT_T_DOUBLE, 2, d2, &cs, MAT_F_COMPLEX);
  Mat_Close(m);
  st = pv_matfile_read(ctx, pv_test_path("cplx.mat"), NULL, &c);
  CHECK(st == PV_EFORMAT && mentions("cplx.mat") && mentions("'Y'"));
  pv_error_clear();
  /* a non-square matrix without any size */
  write_matrix(pv_test_path("nosz.mat"), MAT_FT_MAT5, 4, 2, 3, 0);
  st = pv_matfile_read(ctx, pv_test_path("nosz.mat"), NULL, &c);
  CHECK(st == PV_EFORMAT && mentions("give rows and cols"));
  pv_error_clear();
  /* empty, junk and missing files */
  FILE *fp = fopen(pv_test_path("empty.mat"), "wb");
  fclose(fp);
  st = pv_matfile_read(ctx, pv_test_path("empty.mat"), NULL, &c);
  CHECK(st == PV_EFORMAT && mentions("empty.mat") && mentions("0 bytes"));
  pv_error_clear();
  fp = fopen(pv_test_path("junk.mat"), "wb");
  for (int i = 0; i < 300; i++) fputc("MATLAB 5.0 junk"[i % 15], fp);
  fclose(fp);
  st = pv_matfile_read(ctx, pv_test_path("junk.mat"), NULL, &c);
  CHECK(st < 0 && mentions("junk.mat"));
  pv_error_clear();
  CHECK_STATUS(pv_matfile_read(ctx, pv_test_path("none.mat"), NULL, &c), PV_ENOTFOUND);
  /* truncated files, v5 and v7.3: an error naming the file, never garbage */
  write_matrix(pv_test_path("t5.mat"), MAT_FT_MAT5, 20, 10, 10, 1);
  write_matrix(pv_test_path("t73.mat"), MAT_FT_MAT73, 20, 10, 10, 1);
  const char *tr[2] = {"t5.mat", "t73.mat"};
  for (int i = 0; i < 2; i++) {
    fp = fopen(pv_test_path(tr[i]), "rb");
    fseek(fp, 0, SEEK_END);
    long len = ftell(fp);
    fclose(fp);
    CHECK(truncate(pv_test_path(tr[i]), len * 6 / 10) == 0);
    st = pv_matfile_read(ctx, pv_test_path(tr[i]), NULL, &c);
    CHECK(st < 0 && mentions(tr[i]));
    pv_error_clear();
  }
  /* the budget is enforced */
  CHECK_OK(pv_ctx_set_ram_budget(ctx, 64));
  CHECK_STATUS(pv_matfile_read(ctx, pv_test_path("bad.mat"), NULL, &c), PV_ENOMEM);
  CHECK(c.data == NULL);
  CHECK(pv_matfile_is_mat("a/b.MAT") && !pv_matfile_is_mat("mat"));
  pv_ctx_destroy(&ctx);
}

/* The real files; numbers from scipy.io.loadmat (see the issue note). */
static void test_jasper_moffett(void) {
  const char *dir = pv_test_shared_datasets();
  char path[600];
  snprintf(path, sizeof path, "%s/hsi/Jasper.mat", dir ? dir : "");
  FILE *fp = dir ? fopen(path, "rb") : NULL;
  if (!fp) {
    printf("SKIP: %s not found\n", dir ? path : "shared datasets");
    return;
  }
  fclose(fp);
  pv_ctx *ctx;
  CHECK_OK(pv_ctx_create(&ctx));
  pv_raster_cube c;
  CHECK_OK(pv_matfile_read(ctx, path, NULL, &c));
  CHECK_EQ_INT(c.bands, 198);
  CHECK_EQ_INT(c.height, 100);
  CHECK_EQ_INT(c.width, 100);
  const double *y = c.data;
  double mx = 0;
  for (size_t i = 0; i < 198 * 10000; i++) mx = fmax(mx, y[i]);
  CHECK_NEAR(mx, 5437, 0);
  /* Y[0, 0:3] = 101, 122, 124: pixels n = 0, 1, 2 are rows 0..2 of column 0 */
  CHECK_NEAR(y[0 * 100 + 0], 101, 0);
  CHECK_NEAR(y[1 * 100 + 0], 122, 0);
  CHECK_NEAR(y[2 * 100 + 0], 124, 0);
  /* Y[0:3, 1] = 122, 22, 107: pixel n = 1 (row 1, col 0), bands 0..2 */
  CHECK_NEAR(y[(1 * 100 + 1) * 100 + 0], 22, 0);
  CHECK_NEAR(y[(2 * 100 + 1) * 100 + 0], 107, 0);
  pv_raster_cube_free(&c);
  snprintf(path, sizeof path, "%s/hsi/moffett.mat", dir);
  CHECK_OK(pv_matfile_read(ctx, path, NULL, &c));
  CHECK_EQ_INT(c.bands, 184);
  CHECK_EQ_INT(c.height, 50);
  CHECK_EQ_INT(c.width, 50);
  CHECK_NEAR(((double *)c.data)[0], 0.0437128, 5e-8);
  CHECK_NEAR(((double *)c.data)[1 * 50], 0.04334077, 5e-9);
  pv_raster_cube_free(&c);
  pv_ctx_destroy(&ctx);
}

/* Each of our allocations failing in turn: clean error, nothing leaked. */
static void test_alloc_failures(void) {
  pv_ctx *ctx;
  CHECK_OK(pv_ctx_create(&ctx));
  write_matrix(pv_test_path("af.mat"), MAT_FT_MAT5, 4, 2, 3, 1);
  int fails = 0, ok = 0;
  for (long k = 0; k < 200 && !ok; k++) {
    pv_test_fail_alloc_after(-1);
    long live = pv_test_alloc_live();
    pv_test_fail_alloc_after(k);
    pv_raster_cube c;
    int st = pv_matfile_read(ctx, pv_test_path("af.mat"), NULL, &c);
    pv_test_fail_alloc_after(-1);
    if (st == 0) {
      ok = 1;
      check_matrix_cube(&c, 4, 2, 3);
      pv_raster_cube_free(&c);
      continue;
    }
    fails++;
    pv_error_clear();
    CHECK(c.data == NULL);
    CHECK_EQ_INT(pv_test_alloc_live(), live);
  }
  CHECK(ok && fails >= 3);
  pv_ctx_destroy(&ctx);
}

PV_TEST_MAIN(PV_CASE(test_alloc_failures), PV_CASE(test_matrix_v5_v73), PV_CASE(test_cube_and_transposed),
             PV_CASE(test_bad_files), PV_CASE(test_jasper_moffett))
