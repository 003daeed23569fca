#define _POSIX_C_SOURCE 200809L
/* Raster I/O: golden round trips (GeoTIFF, ENVI), masking, streaming under a
 * small RAM budget, and bad input (truncated, inconsistent, empty files). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <parseval/raster.h>
#include "pv_test.h"

/* ---- helpers ----------------------------------------------------------- */

typedef struct { int warnings; char last[8][512]; } log_rec;
static void capture(pv_log_level level, const char *cat, const char *msg, void *user) {
  log_rec *l = user;
  if (level == PV_LOG_WARN) snprintf(l->last[l->warnings++ % 8], 512, "%s", msg);
}
static int saw(const log_rec *l, const char *needle) {
  for (int i = 0; i < l->warnings && i < 8; i++)
    if (strstr(l->last[i], needle)) return 1;
  return 0;
}

static pv_ctx *make_ctx(log_rec *l) {
  pv_ctx *ctx;
  CHECK_OK(pv_ctx_create(&ctx));
  if (l) {
    memset(l, 0, sizeof *l);
    pv_ctx_set_log(ctx, PV_LOG_WARN, capture, l);
  }
  return ctx;
}

static double value(size_t b, size_t r, size_t c) { return 100.0 * b + r + 0.25 * c; }

#define W 37
#define H 23
#define B 5

/* A cube with georeferencing, spectral fields, items, one NaN pixel and a
 * no-data value; band 4 entirely invalid. */
static void make_cube(pv_raster_cube *c) {
  CHECK_OK(pv_raster_cube_alloc(c, W, H, B, PV_F64));
  double *x = c->data;
  for (size_t b = 0; b < B; b++)
    for (size_t r = 0; r < H; r++)
      for (size_t col = 0; col < W; col++) x[(b * H + r) * W + col] = value(b, r, col);
  x[(1 * H + 2) * W + 3] = NAN;
  for (size_t i = 0; i < W * H; i++) x[3 * H * W + i] = NAN;
  pv_raster_meta *m = &c->meta;
  m->has_geotransform = 1;
  double gt[6] = {500000.0, 30.0, 0.0, 4100000.0, 0.0, -30.0};
  memcpy(m->geotransform, gt, sizeof gt);
  CHECK_OK(pv_raster_meta_set_srs(m, "EPSG:32633"));
  m->has_nodata = 1;
  m->nodata = -9999.0;
  double wl[B] = {450.5, 500, 550.25, 600, 650}, fw[B] = {10, 10, 12, 12, 15};
  CHECK_OK(pv_raster_meta_set_wavelengths(m, wl, fw, "Nanometers"));
  m->bbl = pv_malloc(B);
  unsigned char bbl[B] = {1, 1, 0, 1, 1};
  memcpy(m->bbl, bbl, B);
  CHECK_OK(pv_raster_meta_set_band_name(m, 0, "blue, deep"));
  CHECK_OK(pv_raster_meta_set_band_name(m, 2, "green"));
  CHECK_OK(pv_raster_meta_set_item(m, "parseval_provenance", "{\"tool\": \"test\",\n \"seed\": 7}"));
  CHECK_OK(pv_raster_meta_set_item(m, "scene", "synthetic 50%"));
}

static void check_meta(const pv_raster_meta *a, const pv_raster_meta *b) {
  CHECK_EQ_INT(a->bands, b->bands);
  CHECK_EQ_INT(a->has_geotransform, b->has_geotransform);
  for (int i = 0; i < 6; i++) CHECK_NEAR(a->geotransform[i], b->geotransform[i], 1e-9);
  CHECK(a->srs_wkt && b->srs_wkt);
  if (a->srs_wkt && b->srs_wkt) CHECK(strstr(a->srs_wkt, "UTM zone 33N") != NULL);
  CHECK_EQ_INT(a->has_nodata, b->has_nodata);
  CHECK_NEAR(a->nodata, b->nodata, 0);
  CHECK(a->wavelength && a->fwhm && a->bbl && a->band_names);
  for (size_t i = 0; a->wavelength && a->fwhm && i < a->bands; i++) {
    CHECK_NEAR(a->wavelength[i], b->wavelength[i], 0);
    CHECK_NEAR(a->fwhm[i], b->fwhm[i], 0);
  }
  for (size_t i = 0; a->bbl && i < a->bands; i++) CHECK_EQ_INT(a->bbl[i], b->bbl[i]);
  CHECK(a->wavelength_units && !strcmp(a->wavelength_units, "Nanometers"));
  if (a->band_names) {
    CHECK(a->band_names[0] && !strcmp(a->band_names[0], "blue, deep"));
    CHECK(a->band_names[2] && !strcmp(a->band_names[2], "green"));
  }
  for (size_t i = 0; i < b->n_items; i++) {
    const char *v = pv_raster_meta_item(a, b->keys[i]);
    CHECK(v && !strcmp(v, b->values[i]));
  }
}

static void check_data(const pv_raster_cube *c, double tol) {
  CHECK_EQ_INT(c->width, W);
  CHECK_EQ_INT(c->height, H);
  CHECK_EQ_INT(c->bands, B);
  if (!c->data) return;
  size_t bad = 0;
  for (size_t b = 0; b < B; b++)
    for (size_t r = 0; r < H; r++)
      for (size_t col = 0; col < W; col++) {
        double v = c->dtype == PV_F32 ? ((float *)c->data)[(b * H + r) * W + col]
                                      : ((double *)c->data)[(b * H + r) * W + col];
        int nan_expected = b == 3 || (b == 1 && r == 2 && col == 3);
        if (nan_expected ? !isnan(v) : !(fabs(v - value(b, r, col)) <= tol)) bad++;
      }
  CHECK_EQ_INT(bad, 0);
  CHECK_EQ_INT(c->invalid[1], 1);
  CHECK_EQ_INT(c->invalid[3], W * H);
  CHECK_EQ_INT(c->invalid[0] + c->invalid[2] + c->invalid[4], 0);
}

static int mentions(const char *what) {
  if (getenv("PV_TEST_VERBOSE")) fprintf(stderr, "message: %s\n", pv_error_message());
  return strstr(pv_error_message(), what) != NULL;
}

/* ---- round trips ------------------------------------------------------- */

static void round_trip(const char *name, pv_raster_format fmt, pv_dtype stored, double tol) {
  log_rec log;
  pv_ctx *ctx = make_ctx(&log);
  pv_raster_cube c, d;
  make_cube(&c);
  const char *path = pv_test_path(name);
  CHECK_OK(pv_raster_write(ctx, path, fmt, &c, stored, 0));
  CHECK_OK(pv_raster_read(ctx, path, NULL, &d));
  check_data(&d, tol);
  check_meta(&d.meta, &c.meta);
  /* the warnings: counts and the fully invalid band named */
  CHECK(saw(&log, "values are NaN or no-data"));
  CHECK(saw(&log, "band 4 (600 Nanometers) has no valid pixel"));
  /* no temporary files left beside the output */
  char cmd[800];
  snprintf(cmd, sizeof cmd, "ls %s | grep -c tmp- > /dev/null", pv_test_tmpdir());
  CHECK(system(cmd) != 0);
  /* writing again without overwrite is refused and leaves the file alone */
  struct stat s1, s2;
  CHECK(stat(path, &s1) == 0);
  CHECK_STATUS(pv_raster_write(ctx, path, fmt, &c, stored, 0), PV_EEXIST);
  CHECK(stat(path, &s2) == 0 && s1.st_size == s2.st_size && s1.st_mtime == s2.st_mtime);
  pv_raster_cube_free(&c);
  pv_raster_cube_free(&d);
  pv_ctx_destroy(&ctx);
}

static void test_gtiff_f64(void) { round_trip("rt64.tif", PV_RASTER_GTIFF, PV_F64, 0); }
static void test_gtiff_f32(void) { round_trip("rt32.tif", PV_RASTER_GTIFF, PV_F32, 0); }
static void test_envi_f64(void) { round_trip("rt64.img", PV_RASTER_ENVI, PV_F64, 0); }
static void test_envi_f32(void) { round_trip("rt32.img", PV_RASTER_ENVI, PV_F32, 0); }

/* ENVI bytes on disk checked independently of our reader: BSQ little endian
 * float32, NaN replaced by the data ignore value; the header says so. */
static void test_envi_layout(void) {
  pv_ctx *ctx = make_ctx(NULL);
  pv_raster_cube c;
  make_cube(&c);
  const char *path = pv_test_path("layout.img");
  CHECK_OK(pv_raster_write(ctx, path, PV_RASTER_ENVI, &c, PV_F32, 0));
  FILE *fp = fopen(path, "rb");
  CHECK(fp != NULL);
  if (!fp) return;
  size_t n = (size_t)W * H * B;
  float *raw = malloc(n * sizeof(float));
  CHECK_EQ_INT(fread(raw, sizeof(float), n, fp), n);
  CHECK(fgetc(fp) == EOF);
  fclose(fp);
  CHECK_NEAR(raw[(2 * H + 5) * W + 7], value(2, 5, 7), 0);
  CHECK_NEAR(raw[(1 * H + 2) * W + 3], -9999.0, 0);
  CHECK_NEAR(raw[3 * H * W + 11], -9999.0, 0);
  free(raw);
  char *text;
  size_t len;
  CHECK_OK(pv_file_read_all(pv_test_path("layout.hdr"), 1 << 20, &text, &len));
  CHECK(strstr(text, "samples = 37\nlines = 23\nbands = 5\n") != NULL);
  CHECK(strstr(text, "data type = 4\ninterleave = bsq\nbyte order = 0") != NULL);
  CHECK(strstr(text, "map info = {Arbitrary, 1, 1, 500000, 4100000, 30, 30") != NULL);
  CHECK(strstr(text, "wavelength = {450.5, 500, 550.25, 600, 650}") != NULL);
  CHECK(strstr(text, "data ignore value = -9999") != NULL);
  pv_free(text);
  pv_raster_cube_free(&c);
  pv_ctx_destroy(&ctx);
}

/* A hand-made ENVI file: BIL, big-endian int16, 16-byte header offset,
 * data ignore value; read through GDAL + our header reader. */
static void test_envi_bil_bigendian(void) {
  pv_ctx *ctx = make_ctx(NULL);
  enum { S = 3, L = 2, NB = 2 };
  unsigned char raw[16 + S * L * NB * 2];
  memset(raw, 0xAB, 16);
  /* BIL: line r, then band b, then sample c; value = 100*b + 10*r + c, -7 at (b1, r1, c2) */
  for (int r = 0; r < L; r++)
    for (int b = 0; b < NB; b++)
      for (int c = 0; c < S; c++) {
        int v = (b == 1 && r == 1 && c == 2) ? -7 : 100 * b + 10 * r + c;
        size_t off = 16 + 2 * (size_t)((r * NB + b) * S + c);
        raw[off] = (unsigned char)(((unsigned)v >> 8) & 0xff);
        raw[off + 1] = (unsigned char)((unsigned)v & 0xff);
      }
  CHECK_OK(pv_file_write_atomic(pv_test_path("bil.dat"), raw, sizeof raw, 0));
  const char *hdr = "ENVI\nsamples = 3\nlines = 2\nbands = 2\nheader offset = 16\n"
                    "data type = 2\ninterleave = bil\nbyte order = 1\ndata ignore value = -7\n"
                    "wavelength = {0.45, 0.55}\nwavelength units = Micrometers\n";
  CHECK_OK(pv_file_write_atomic(pv_test_path("bil.hdr"), hdr, strlen(hdr), 0));
  pv_raster_cube c;
  CHECK_OK(pv_raster_read(ctx, pv_test_path("bil.dat"), NULL, &c));
  CHECK_EQ_INT(c.width, S);
  CHECK_EQ_INT(c.bands, NB);
  const double *x = c.data;
  CHECK(x && x[(1 * L + 0) * S + 2] == 102 && x[(0 * L + 1) * S + 1] == 11);
  CHECK(x && isnan(x[(1 * L + 1) * S + 2]));
  CHECK_EQ_INT(c.invalid[1], 1);
  CHECK(c.meta.wavelength && c.meta.wavelength[1] == 0.55);
  CHECK(c.meta.wavelength_units && !strcmp(c.meta.wavelength_units, "Micrometers"));
  pv_raster_cube_free(&c);
  /* one byte short of header offset + data: refused by field */
  CHECK_OK(pv_file_write_atomic(pv_test_path("bil.dat"), raw, sizeof raw - 1, 1));
  int st = pv_raster_read(ctx, pv_test_path("bil.dat"), NULL, &c);
  CHECK(st == PV_EFORMAT && mentions("'header offset' 16") && mentions("bil.hdr"));
  pv_error_clear();
  pv_ctx_destroy(&ctx);
}

/* Window + band subset: values and the shifted geotransform. */
static void test_window_subset(void) {
  pv_ctx *ctx = make_ctx(NULL);
  pv_raster_cube c, d;
  make_cube(&c);
  const char *path = pv_test_path("win.tif");
  CHECK_OK(pv_raster_write(ctx, path, PV_RASTER_GTIFF, &c, PV_F64, 0));
  size_t bands[2] = {4, 2};
  pv_raster_window win = {5, 7, 10, 4};
  pv_raster_read_options o = PV_RASTER_READ_OPTIONS_INIT;
  o.bands = bands;
  o.n_bands = 2;
  o.window = &win;
  o.dtype = PV_F32;
  CHECK_OK(pv_raster_read(ctx, path, &o, &d));
  CHECK_EQ_INT(d.bands, 2);
  CHECK_EQ_INT(d.width, 10);
  float *x = d.data;
  CHECK_NEAR(x[0], value(4, 7, 5), 0);
  CHECK_NEAR(x[(1 * 4 + 3) * 10 + 9], value(2, 10, 14), 0);
  CHECK_NEAR(d.meta.geotransform[0], 500000.0 + 5 * 30, 1e-9);
  CHECK_NEAR(d.meta.geotransform[3], 4100000.0 - 7 * 30, 1e-9);
  CHECK_NEAR(d.meta.wavelength[0], 650, 0);
  CHECK(d.meta.band_names && !strcmp(d.meta.band_names[1], "green"));
  CHECK_EQ_INT(d.meta.bbl[1], 0);
  pv_raster_cube_free(&d);
  /* out of range window and band */
  win.x0 = 30;
  CHECK_STATUS(pv_raster_read(ctx, path, &o, &d), PV_EINVAL);
  win.x0 = 0;
  bands[0] = 5;
  CHECK_STATUS(pv_raster_read(ctx, path, &o, &d), PV_EINVAL);
  pv_raster_cube_free(&c);
  pv_ctx_destroy(&ctx);
}

/* ---- streaming --------------------------------------------------------- */

typedef struct { size_t blocks, max_pixels; } stream_stat;
/* out band 0 = sum of the input bands, out band 1 = number of valid ones. */
static int sum_bands(pv_ctx *ctx, pv_raster_block *blk, void *user) {
  stream_stat *s = user;
  size_t np = blk->win.width * blk->win.height;
  s->blocks++;
  if (np > s->max_pixels) s->max_pixels = np;
  for (size_t i = 0; i < np; i++) {
    double sum = 0, k = 0;
    for (size_t b = 0; b < blk->bands_in; b++) {
      double v = blk->in[b * np + i];
      if (!isnan(v)) { sum += v; k++; }
    }
    blk->out[i] = k ? sum : NAN;
    blk->out[np + i] = k;
  }
  return 0;
}

static void test_stream_small_budget(void) {
  log_rec log;
  pv_ctx *ctx = make_ctx(&log);
  enum { SW = 300, SH = 200, SB = 12 };
  /* the input: written block-wise too, so the test itself stays small */
  pv_raster_meta m;
  pv_raster_meta_init(&m, SB);
  m.has_geotransform = 1;
  double gt[6] = {10, 1, 0, 20, 0, -1};
  memcpy(m.geotransform, gt, sizeof gt);
  m.has_nodata = 1;
  m.nodata = -1;
  const char *in_path = pv_test_path("big.tif"), *out_path = pv_test_path("sum.img");
  pv_raster_writer *w;
  CHECK_OK(pv_raster_writer_create(ctx, in_path, PV_RASTER_GTIFF, SW, SH, SB, PV_F32, &m, 0, &w));
  float *rowbuf = pv_malloc(sizeof(float) * SW * SB);
  for (size_t r = 0; r < SH; r++) {
    for (size_t b = 0; b < SB; b++)
      for (size_t c = 0; c < SW; c++)
        rowbuf[b * SW + c] = (r == 50 && b == 0) ? NAN : (float)(b + r + c % 7);
    pv_raster_window win = {0, r, SW, 1};
    CHECK_OK(pv_raster_writer_write(w, &win, PV_F32, rowbuf));
  }
  pv_free(rowbuf);
  CHECK_OK(pv_raster_writer_commit(&w));
  pv_raster_meta_clear(&m);

  /* budget: 1/8 of the input as doubles */
  size_t budget = (size_t)SW * SH * SB * 8 / 8;
  CHECK_OK(pv_ctx_set_ram_budget(ctx, budget));
  pv_raster *in;
  CHECK_OK(pv_raster_open(ctx, in_path, &in));
  pv_raster_meta om;
  pv_raster_meta_init(&om, 2);
  om.has_nodata = 1;
  om.nodata = -5;
  CHECK_OK(pv_raster_writer_create(ctx, out_path, PV_RASTER_ENVI, SW, SH, 2, PV_F64, &om, 0, &w));
  stream_stat s = {0, 0};
  CHECK_OK(pv_raster_process(ctx, in, w, NULL, sum_bands, &s));
  CHECK_OK(pv_raster_writer_commit(&w));
  pv_raster_close(&in);
  pv_raster_meta_clear(&om);
  CHECK(s.blocks > 4);
  CHECK(s.max_pixels * (SB + 2) * 8 <= budget / 2);
  /* the result against the formula */
  pv_raster_cube d;
  CHECK_OK(pv_ctx_set_ram_budget(ctx, (size_t)1 << 30));
  CHECK_OK(pv_raster_read(ctx, out_path, NULL, &d));
  size_t bad = 0;
  for (size_t r = 0; r < SH; r++)
    for (size_t c = 0; c < SW; c++) {
      double want = 0, k = 0;
      for (size_t b = 0; b < SB; b++)
        if (!(r == 50 && b == 0)) { want += (double)(b + r + c % 7); k++; }
      const double *x = d.data;
      if (x[r * SW + c] != want || x[SW * SH + r * SW + c] != k) bad++;
    }
  CHECK_EQ_INT(bad, 0);
  CHECK(saw(&log, "300 of 720000 values are NaN") || saw(&log, "values are NaN"));
  pv_raster_cube_free(&d);
  /* read of the whole input is refused under the small budget */
  CHECK_OK(pv_ctx_set_ram_budget(ctx, budget));
  CHECK_STATUS(pv_raster_read(ctx, in_path, NULL, &d), PV_ENOMEM);
  pv_ctx_destroy(&ctx);
}

/* A budget so small that one row does not fit: column strips. */
static int copy_in(pv_ctx *ctx, pv_raster_block *blk, void *user) {
  size_t n = blk->win.width * blk->win.height * blk->bands_in;
  memcpy(blk->out, blk->in, n * sizeof(double));
  (*(size_t *)user)++;
  return 0;
}

static int cancel_after_3(double frac, const char *msg, void *user) {
  return ++*(int *)user < 3;
}

static int fail_block(pv_ctx *ctx, pv_raster_block *blk, void *user) {
  return blk->index == 2 ? PV_ERROR(PV_ENUMERIC, "block %zu: test failure", blk->index) : 0;
}

static void test_stream_column_strips(void) {
  pv_ctx *ctx = make_ctx(NULL);
  pv_raster_cube c, d;
  make_cube(&c);
  const char *in_path = pv_test_path("strip_in.tif"), *out_path = pv_test_path("strip_out.tif");
  CHECK_OK(pv_raster_write(ctx, in_path, PV_RASTER_GTIFF, &c, PV_F64, 0));
  pv_raster *in;
  CHECK_OK(pv_raster_open(ctx, in_path, &in));
  pv_raster_writer *w;
  pv_raster_window roi = {2, 3, 30, 17};
  pv_raster_meta m;
  CHECK_OK(pv_raster_meta_copy(&m, &c.meta));
  pv_raster_meta_shift(&m, 2, 3);
  CHECK_OK(pv_raster_writer_create(ctx, out_path, PV_RASTER_GTIFF, 30, 17, B, PV_F64, &m, 0, &w));
  pv_raster_process_options o = PV_RASTER_PROCESS_OPTIONS_INIT;
  o.roi = &roi;
  o.block_bytes = 11 * B * 2 * 8; /* 11 pixels per block */
  size_t blocks = 0;
  CHECK_OK(pv_raster_process(ctx, in, w, &o, copy_in, &blocks));
  CHECK_OK(pv_raster_writer_commit(&w));
  CHECK_EQ_INT(blocks, 17 * 3);
  pv_raster_close(&in);
  CHECK_OK(pv_raster_read(ctx, out_path, NULL, &d));
  size_t bad = 0;
  for (size_t b = 0; b < B; b++)
    for (size_t r = 0; r < 17; r++)
      for (size_t col = 0; col < 30; col++) {
        double v = ((double *)d.data)[(b * 17 + r) * 30 + col];
        double u = ((double *)c.data)[(b * H + r + 3) * W + col + 2];
        if (!(v == u || (isnan(v) && isnan(u)))) bad++;
      }
  CHECK_EQ_INT(bad, 0);
  CHECK_NEAR(d.meta.geotransform[0], 500060.0, 1e-9);
  /* cancellation through the progress callback stops the stream; the
   * aborted writer leaves nothing */
  int calls = 0;
  pv_ctx_set_progress(ctx, cancel_after_3, &calls);
  CHECK_OK(pv_raster_open(ctx, in_path, &in));
  CHECK_OK(pv_raster_writer_create(ctx, pv_test_path("cancel.tif"), PV_RASTER_GTIFF, 30, 17, B, PV_F64, &m,
                                   0, &w));
  blocks = 0;
  CHECK_STATUS(pv_raster_process(ctx, in, w, &o, copy_in, &blocks), PV_ECANCEL);
  CHECK_EQ_INT(blocks, 3);
  pv_raster_writer_abort(&w);
  CHECK(access(pv_test_path("cancel.tif"), F_OK) != 0);
  /* an error from the block function stops the stream with that status */
  pv_ctx_set_progress(ctx, NULL, NULL);
  CHECK_STATUS(pv_raster_process(ctx, in, NULL, &o, fail_block, NULL), PV_ENUMERIC);
  pv_raster_close(&in);
  pv_raster_meta_clear(&m);
  pv_raster_cube_free(&c);
  pv_raster_cube_free(&d);
  pv_ctx_destroy(&ctx);
}

/* ---- bad input ----------------------------------------------------------- */


static void test_bad_inputs(void) {
  pv_ctx *ctx = make_ctx(NULL);
  pv_raster_cube c, d;
  make_cube(&c);
  /* missing and empty files */
  CHECK_STATUS(pv_raster_read(ctx, pv_test_path("nope.tif"), NULL, &d), PV_ENOTFOUND);
  const char *empty = pv_test_path("empty.tif");
  FILE *fp = fopen(empty, "wb");
  fclose(fp);
  int st = pv_raster_read(ctx, empty, NULL, &d);
  CHECK(st == PV_EFORMAT && mentions("empty.tif") && mentions("0 bytes"));
  pv_error_clear();
  /* a truncated GeoTIFF: the error names the file and the read */
  const char *tif = pv_test_path("trunc.tif");
  CHECK_OK(pv_raster_write(ctx, tif, PV_RASTER_GTIFF, &c, PV_F64, 0));
  struct stat s;
  stat(tif, &s);
  CHECK(truncate(tif, s.st_size / 2) == 0);
  st = pv_raster_read(ctx, tif, NULL, &d);
  CHECK(st == PV_EFORMAT && mentions("trunc.tif"));
  pv_error_clear();
  /* ENVI: data shorter than the header says */
  const char *img = pv_test_path("short.img");
  CHECK_OK(pv_raster_write(ctx, img, PV_RASTER_ENVI, &c, PV_F32, 0));
  stat(img, &s);
  CHECK(truncate(img, s.st_size - 4) == 0);
  st = pv_raster_read(ctx, img, NULL, &d);
  CHECK(st == PV_EFORMAT && mentions("short.img") && mentions("'data type'") &&
        mentions("short.hdr"));
  pv_error_clear();
  /* ENVI: header data type changed to 8-byte doubles for a float32 file */
  char *text;
  size_t len;
  const char *img2 = pv_test_path("type.img");
  CHECK_OK(pv_raster_write(ctx, img2, PV_RASTER_ENVI, &c, PV_F32, 0));
  CHECK_OK(pv_file_read_all(pv_test_path("type.hdr"), 1 << 20, &text, &len));
  char *p = strstr(text, "data type = 4");
  CHECK(p != NULL);
  if (p) p[12] = '5';
  CHECK_OK(pv_file_write_atomic(pv_test_path("type.hdr"), text, len, 1));
  pv_free(text);
  st = pv_raster_read(ctx, img2, NULL, &d);
  CHECK(st == PV_EFORMAT && mentions("type.img") && mentions("needs"));
  pv_error_clear();
  /* not a raster at all */
  const char *junk = pv_test_path("junk.tif");
  CHECK_OK(pv_file_write_atomic(junk, "hello, world\n", 13, 0));
  st = pv_raster_read(ctx, junk, NULL, &d);
  CHECK(st == PV_EFORMAT && mentions("junk.tif"));
  pv_error_clear();
  /* output into a missing folder: refused, nothing written */
  CHECK(pv_raster_write(ctx, pv_test_path("no/such/dir/x.tif"), PV_RASTER_GTIFF, &c, PV_F32, 0) < 0);
  pv_error_clear();
  pv_raster_format f;
  CHECK_STATUS(pv_raster_format_from_path("a.png", &f), PV_EINVAL);
  CHECK_OK(pv_raster_format_from_path("a.TIF", &f));
  CHECK_EQ_INT(f, PV_RASTER_GTIFF);
  /* a rotated geotransform cannot go to ENVI */
  c.meta.geotransform[2] = 0.5;
  CHECK_STATUS(pv_raster_write(ctx, pv_test_path("rot.img"), PV_RASTER_ENVI, &c, PV_F32, 0),
               PV_EUNSUPPORTED);
  CHECK(access(pv_test_path("rot.img"), F_OK) != 0 && access(pv_test_path("rot.hdr"), F_OK) != 0);
  pv_raster_cube_free(&c);
  pv_ctx_destroy(&ctx);
}

/* ---- ENVI header parser --------------------------------------------------- */

static int parse(const char *text, pv_raster_envi_header *h) {
  return pv_raster_envi_header_parse(text, strlen(text), "t.hdr", h);
}

static void test_envi_header(void) {
  pv_raster_envi_header h;
  CHECK_OK(parse("ENVI\nsamples = 4\r\nlines=3\nbands = 2\ndata type = 12\n"
                 "interleave = BIL\nbyte order = 1\nheader offset = 16\n"
                 "wavelength = {\n 400.5,\n 500 }\nbbl = {1, 0}\n"
                 "band names = {a, b c}\ndata ignore value = -1\n"
                 "description = {x = y, {nested?}\n", &h));
  CHECK_EQ_INT(h.samples, 4);
  CHECK_EQ_INT(h.lines, 3);
  CHECK_EQ_INT(h.bands, 2);
  CHECK_EQ_INT(h.data_type, 12);
  CHECK(!strcmp(h.interleave, "bil"));
  CHECK_EQ_INT(h.byte_order, 1);
  CHECK_EQ_INT(h.header_offset, 16);
  CHECK(h.wavelength && h.wavelength[1] == 500);
  CHECK(h.bbl && h.bbl[0] == 1 && h.bbl[1] == 0);
  CHECK(h.band_names && !strcmp(h.band_names[1], "b c"));
  CHECK(h.has_ignore && h.ignore_value == -1);
  pv_raster_envi_header_clear(&h);
  struct { const char *text, *field; } bad[] = {
    {"NOPE\nsamples = 1\n", "ENVI"},
    {"ENVI\nsamples = 4\nlines = 3\nbands = 2\n", "'data type' is missing"},
    {"ENVI\nsamples = -4\nlines = 3\nbands = 2\ndata type = 4\n", "'samples'"},
    {"ENVI\nsamples = 4\nlines = 0\nbands = 2\ndata type = 4\n", "'lines'"},
    {"ENVI\nsamples = 4\nlines = 3\nbands = 99999999999\ndata type = 4\n", "'bands'"},
    {"ENVI\nsamples = 4\nlines = 3\nbands = 2\ndata type = 7\n", "'data type'"},
    {"ENVI\nsamples = 4\nlines = 3\nbands = 2\ndata type = 4\ninterleave = xyz\n", "'interleave'"},
    {"ENVI\nsamples = 4\nlines = 3\nbands = 2\ndata type = 4\nwavelength = {1}\n", "'wavelength'"},
    {"ENVI\nsamples = 4\nlines = 3\nbands = 2\ndata type = 4\nfwhm = {1, x}\n", "'fwhm'"},
    {"ENVI\nsamples = 4\nlines = 3\nbands = 2\ndata type = 4\nbbl = {1, 1\n", "unterminated"},
    {"ENVI\nsamples = 4\nlines = 3\nbands = 2\ndata type = 4\nbyte order = 2\n", "'byte order'"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int st = parse(bad[i].text, &h);
    CHECK_EQ_INT(st, PV_EFORMAT);
    if (!strstr(pv_error_message(), bad[i].field) || !strstr(pv_error_message(), "t.hdr"))
      pv_test_fail(__FILE__, __LINE__, "case %zu: message '%s' lacks '%s'", i,
                   pv_error_message(), bad[i].field);
    pv_error_clear();
    CHECK(h.wavelength == NULL && h.samples == 0);
  }
  CHECK_EQ_INT(pv_raster_envi_type_size(5), 8);
  CHECK_EQ_INT(pv_raster_envi_type_size(7), 0);
}

/* Metadata helpers: select, shift, items, srs errors. */
static void test_meta(void) {
  pv_raster_cube c;
  make_cube(&c);
  pv_raster_meta m;
  size_t idx[2] = {2, 0};
  CHECK_OK(pv_raster_meta_select(&m, &c.meta, idx, 2));
  CHECK_NEAR(m.wavelength[0], 550.25, 0);
  CHECK_NEAR(m.fwhm[1], 10, 0);
  CHECK_EQ_INT(m.bbl[0], 0);
  CHECK(!strcmp(m.band_names[0], "green") && !strcmp(m.band_names[1], "blue, deep"));
  CHECK(!strcmp(pv_raster_meta_item(&m, "scene"), "synthetic 50%"));
  CHECK_OK(pv_raster_meta_set_item(&m, "scene", "replaced"));
  CHECK(!strcmp(pv_raster_meta_item(&m, "scene"), "replaced"));
  CHECK_EQ_INT(m.n_items, 2);
  pv_raster_meta_shift(&m, 1, 2);
  CHECK_NEAR(m.geotransform[0], 500030, 0);
  CHECK_NEAR(m.geotransform[3], 4099940, 0);
  idx[0] = 9;
  pv_raster_meta m2;
  CHECK_STATUS(pv_raster_meta_select(&m2, &c.meta, idx, 2), PV_EINVAL);
  CHECK_STATUS(pv_raster_meta_set_srs(&m, "EPSG:nonsense"), PV_EINVAL);
  char label[64];
  pv_raster_meta_band_label(&m, 0, label, sizeof label);
  CHECK(!strcmp(label, "band 1 'green'"));
  pv_raster_meta_clear(&m);
  pv_raster_cube_free(&c);
}

/* Every allocation of ours failing in turn: a clean error, nothing leaked,
 * no output left behind (CHOLMOD's Tcov idea). */
static void test_alloc_failures(void) {
  pv_ctx *ctx = make_ctx(NULL);
  pv_raster_cube c, d;
  make_cube(&c);
  const char *src = pv_test_path("af_src.img");
  CHECK_OK(pv_raster_write(ctx, src, PV_RASTER_ENVI, &c, PV_F32, 0));
  const char *outs[2] = {pv_test_path("af_out.img"), pv_test_path("af_out.tif")};
  pv_raster_format fmts[2] = {PV_RASTER_ENVI, PV_RASTER_GTIFF};
  int done[3] = {0, 0, 0}, fails = 0;
  for (long k = 0; k < 400 && !(done[0] && done[1] && done[2]); k++) {
    for (int op = 0; op < 3; op++) {
      if (done[op]) continue;
      pv_test_fail_alloc_after(-1);
      long live = pv_test_alloc_live();
      pv_test_fail_alloc_after(k);
      int st = op == 0 ? pv_raster_read(ctx, src, NULL, &d)
                       : pv_raster_write(ctx, outs[op - 1], fmts[op - 1], &c, PV_F32, 0);
      pv_test_fail_alloc_after(-1);
      if (st == 0) {
        done[op] = 1;
        if (op == 0) pv_raster_cube_free(&d);
        continue;
      }
      fails++;
      pv_error_clear();
      if (pv_test_alloc_live() != live)
        pv_test_fail(__FILE__, __LINE__, "op %d, failing allocation %ld: %ld blocks leaked", op, k,
                     pv_test_alloc_live() - live);
      if (op > 0 && access(outs[op - 1], F_OK) == 0)
        pv_test_fail(__FILE__, __LINE__, "op %d, failing allocation %ld: output left", op, k);
    }
  }
  CHECK(done[0] && done[1] && done[2]);
  CHECK(fails > 10);
  pv_raster_cube_free(&c);
  pv_ctx_destroy(&ctx);
}

PV_TEST_MAIN(PV_CASE(test_alloc_failures), PV_CASE(test_gtiff_f64), PV_CASE(test_gtiff_f32), PV_CASE(test_envi_f64),
             PV_CASE(test_envi_f32), PV_CASE(test_envi_layout), PV_CASE(test_envi_bil_bigendian), PV_CASE(test_window_subset),
             PV_CASE(test_stream_small_budget), PV_CASE(test_stream_column_strips),
             PV_CASE(test_bad_inputs), PV_CASE(test_envi_header), PV_CASE(test_meta))
