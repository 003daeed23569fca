/* ENVI spectral libraries and USGS splib07 ASCII spectra: exact round
 * trips, hand-built files in both byte orders, deleted channels, and
 * truncated, oversized and hostile input refused with the file and field
 * named. */
#include "pv_test.h"

#include <math.h>
#include <parseval/hsi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void expect_msg(int rc, int code, const char *what) {
  if (rc != code) pv_test_fail(__FILE__, __LINE__, "status %d, expected %d (%s)", rc, code, pv_error_message());
  if (!strstr(pv_error_message(), what))
    pv_test_fail(__FILE__, __LINE__, "message \"%s\" lacks \"%s\"", pv_error_message(), what);
  pv_error_clear();
}

static void write_file(const char *path, const void *d, size_t n) {
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL);
  if (!f) return;
  CHECK(fwrite(d, 1, n, f) == n);
  fclose(f);
}

static void test_envi_round_trip(void) {
  pv_hsi_speclib lib, back;
  CHECK_OK(pv_hsi_speclib_alloc(&lib, 3, 7));
  pv_rng r;
  pv_rng_init(&r, 3, 4);
  for (int k = 0; k < 21; k++) lib.data[k] = pv_rng_uniform(&r) / 3.0;
  lib.wavelength = pv_malloc(7 * sizeof(double));
  for (int b = 0; b < 7; b++) lib.wavelength[b] = 0.4 + 0.1 * b + 1e-9 / 3;
  lib.wavelength_units = pv_strdup("Micrometers");
  pv_free(lib.names[2]);
  lib.names[2] = pv_strdup("kaolinite {KGa-1}, wet");
  const char *path = pv_test_path("lib.sli");
  CHECK_OK(pv_hsi_speclib_write_envi(path, &lib, 5, 0));
  CHECK(pv_test_exists(pv_test_path("lib.hdr")));
  CHECK_STATUS(pv_hsi_speclib_write_envi(path, &lib, 5, 0), PV_EEXIST);
  CHECK_OK(pv_hsi_speclib_read_envi(path, &back));
  CHECK_EQ_INT(back.n, 3);
  CHECK_EQ_INT(back.bands, 7);
  for (int k = 0; k < 21 && back.data; k++) CHECK(back.data[k] == lib.data[k]);
  for (int b = 0; b < 7 && back.wavelength; b++) CHECK(back.wavelength[b] == lib.wavelength[b]);
  CHECK(back.wavelength_units && !strcmp(back.wavelength_units, "Micrometers"));
  CHECK(!strcmp(back.names[0], "spectrum-1") && !strcmp(back.names[2], "kaolinite _KGa-1__ wet"));
  pv_hsi_speclib_free(&back);
  /* Through the header's name, and in single precision. */
  CHECK_OK(pv_hsi_speclib_write_envi(path, &lib, 4, 1));
  CHECK_OK(pv_hsi_speclib_read_envi(pv_test_path("lib.hdr"), &back));
  for (int k = 0; k < 21 && back.data; k++) CHECK(back.data[k] == (double)(float)lib.data[k]);
  pv_hsi_speclib_free(&back);
  CHECK_STATUS(pv_hsi_speclib_write_envi(path, &lib, 2, 1), PV_EINVAL);
  pv_hsi_speclib_free(&lib);
}

/* A file written by hand: big-endian floats after a 6-byte header offset,
 * the "x.sli.hdr" naming, an ignore value, names with spaces. */
static void test_envi_by_hand(void) {
  const char *hdr = "ENVI\r\ndescription = {USGS-like}\r\nsamples = 3\r\nlines = 2\r\nbands = 1\r\n"
                    "header offset = 6\r\nfile type = ENVI Spectral Library\r\ndata type = 4\r\n"
                    "interleave = bsq\r\nbyte order = 1\r\ndata ignore value = -1\r\n"
                    "wavelength units = Nanometers\r\nspectra names = {\r\n dry grass ,\r\n  water}\r\n"
                    "wavelength = {\r\n 400.0, 500.5,\r\n 600}\r\n";
  float v[6] = {0.25f, 0.5f, -1.0f, 1.5f, 0.125f, 3.0f};
  unsigned char d[6 + 24] = {'j', 'u', 'n', 'k', '!', '!'};
  for (int k = 0; k < 6; k++) {
    unsigned char b[4];
    memcpy(b, &v[k], 4);
    for (int i = 0; i < 4; i++) d[6 + 4 * k + i] = b[3 - i]; /* little-endian host -> big-endian file */
  }
  write_file(pv_test_path("hand.sli"), d, sizeof d);
  write_file(pv_test_path("hand.sli.hdr"), hdr, strlen(hdr));
  pv_hsi_speclib lib;
  CHECK_OK(pv_hsi_speclib_read_envi(pv_test_path("hand.sli"), &lib));
  CHECK_EQ_INT(lib.n, 2);
  CHECK_EQ_INT(lib.bands, 3);
  CHECK(lib.data && lib.data[0] == 0.25 && lib.data[1] == 0.5 && isnan(lib.data[2]) && lib.data[5] == 3.0);
  CHECK(lib.wavelength && lib.wavelength[1] == 500.5);
  CHECK(!strcmp(lib.names[0], "dry grass") && !strcmp(lib.names[1], "water"));
  pv_hsi_speclib_free(&lib);
  /* Truncated data: the last value is missing. */
  write_file(pv_test_path("hand.sli"), d, sizeof d - 1);
  expect_msg(pv_hsi_speclib_read_envi(pv_test_path("hand.sli"), &lib), PV_EFORMAT, "hand.sli: field 'header offset' 6");
  CHECK(lib.data == NULL && lib.n == 0);
  expect_msg(pv_hsi_speclib_read_envi(pv_test_path("none.sli"), &lib), PV_EIO, "none");
}

static int parse(const char *hdr, size_t data_n, pv_hsi_speclib *lib) {
  static double zeros[64];
  return pv_hsi_speclib_parse_envi(hdr, strlen(hdr), zeros, data_n, "bad.hdr", lib);
}

static void test_envi_hostile(void) {
  pv_hsi_speclib lib;
  const char *base = "ENVI\nsamples = 4\nlines = 2\nbands = 1\ndata type = 5\n";
  CHECK_OK(parse(base, 64, &lib));
  pv_hsi_speclib_free(&lib);
  expect_msg(parse(base, 63, &lib), PV_EFORMAT, "bad.hdr: field 'header offset' 0 + 2 x 4 values need 64 bytes");
  expect_msg(parse("ENVI\nsamples = 4\nlines = 2\nbands = 3\ndata type = 5\n", 512, &lib), PV_EFORMAT,
             "field 'bands'");
  expect_msg(parse("ENVI\nsamples = 4\nlines = 2\nbands = 1\ndata type = 2\n", 512, &lib), PV_EFORMAT,
             "field 'data type'");
  /* Oversized counts are refused before any allocation from them. */
  expect_msg(parse("ENVI\nsamples = 99999999\nlines = 99999999\nbands = 1\ndata type = 5\n", 64, &lib),
             PV_EFORMAT, "'samples' x 'lines'");
  expect_msg(parse("ENVI\nsamples = 60000\nlines = 60000\nbands = 1\ndata type = 5\n", 64, &lib), PV_EFORMAT,
             "need 28800000000 bytes");
  expect_msg(parse("ENVI\nsamples = 4\nlines = 2\nbands = 1\ndata type = 5\nheader offset = 99999999\n", 64, &lib),
             PV_EFORMAT, "header offset");
  expect_msg(parse("ENVI\nsamples = 4\nlines = 2\nbands = 1\ndata type = 5\nspectra names = {a, b, c}\n", 64, &lib),
             PV_EFORMAT, "field 'spectra names': 3 entries, expected 2");
  expect_msg(parse("ENVI\nsamples = 4\nlines = 2\nbands = 1\ndata type = 5\nwavelength = {1, 2, x, 4}\n", 64, &lib),
             PV_EFORMAT, "field 'wavelength': entry 3");
  expect_msg(parse("ENVI\nsamples = 4\nlines = 2\nbands = 1\ndata type = 5\nwavelength = {1, 2, 3\n", 64, &lib),
             PV_EFORMAT, "unterminated");
  expect_msg(parse("ENVI\nsamples = 4\nbands = 1\ndata type = 5\n", 64, &lib), PV_EFORMAT, "field 'lines' is missing");
  expect_msg(parse("ENVI\nsamples = -4\nlines = 2\nbands = 1\ndata type = 5\n", 64, &lib), PV_EFORMAT, "samples");
  expect_msg(parse("not a header\n", 64, &lib), PV_EFORMAT, "bad.hdr: not an ENVI header");
  expect_msg(pv_hsi_speclib_parse_envi("ENVI\n\0x", 7, NULL, 0, "nul.hdr", &lib), PV_EFORMAT, "NUL byte");
  CHECK(lib.n == 0 && lib.data == NULL);
}

static const char *usgs_text =
    " splib07a Record=5932: Kaolinite CM5                 BECKb AREF\n"
    "-1.23e34\n  0.5123\n0.61\r\n-1.2300000e+34\n 0.7\n\n";

static void test_usgs(void) {
  pv_hsi_speclib lib;
  CHECK_OK(pv_hsi_speclib_parse_usgs(usgs_text, strlen(usgs_text), "k.txt", &lib));
  CHECK_EQ_INT(lib.n, 1);
  CHECK_EQ_INT(lib.bands, 5);
  CHECK(!strcmp(lib.names[0], "Kaolinite CM5                 BECKb AREF"));
  CHECK(isnan(lib.data[0]) && lib.data[1] == 0.5123 && lib.data[2] == 0.61 && isnan(lib.data[3]) && lib.data[4] == 0.7);
  pv_hsi_speclib_free(&lib);
  expect_msg(pv_hsi_speclib_parse_usgs("title\n0.1\n0.2\nfoo\n", 18, "k.txt", &lib), PV_EFORMAT,
             "k.txt:4: 'foo' is not a number");
  expect_msg(pv_hsi_speclib_parse_usgs("title only\n", 11, "k.txt", &lib), PV_EFORMAT, "k.txt: no values");
  expect_msg(pv_hsi_speclib_parse_usgs("t\n0.1\n1e999\n", 12, "k.txt", &lib), PV_EFORMAT, "k.txt:3: value");
  expect_msg(pv_hsi_speclib_parse_usgs("t\n0.1\0\n", 7, "k.txt", &lib), PV_EFORMAT, "NUL byte");
  char many[2000] = "";
  for (int i = 0; i < 70; i++) strcat(many, "head\n");
  expect_msg(pv_hsi_speclib_parse_usgs(many, strlen(many), "k.txt", &lib), PV_EFORMAT, "more than 64 header lines");
  CHECK(lib.n == 0 && lib.data == NULL);
}

static void test_usgs_files_and_resample(void) {
  const char *wl = " splib07a Record=23: Wavelengths BECK 0.2-3.0 microns\n0.4\n0.5\n0.6\n0.7\n0.8\n";
  const char *b = " splib07a Record=7: Linear ramp X1 BECKa AREF\n0.1\n0.2\n-1.23e34\n0.4\n0.5\n";
  write_file(pv_test_path("wl.txt"), wl, strlen(wl));
  write_file(pv_test_path("a.txt"), usgs_text, strlen(usgs_text));
  write_file(pv_test_path("b.txt"), b, strlen(b));
  const char *paths[2] = {pv_test_path("b.txt"), pv_test_path("a.txt")};
  pv_hsi_speclib lib;
  CHECK_OK(pv_hsi_speclib_read_usgs(paths, 2, pv_test_path("wl.txt"), &lib));
  CHECK_EQ_INT(lib.n, 2);
  CHECK(!strcmp(lib.names[0], "Linear ramp X1 BECKa AREF"));
  CHECK(lib.wavelength && lib.wavelength[4] == 0.8 && !strcmp(lib.wavelength_units, "Micrometers"));
  double f;
  CHECK_OK(pv_hsi_wavelength_nm_per_unit(lib.wavelength_units, &f));
  CHECK(f == 1000);
  CHECK_STATUS(pv_hsi_wavelength_nm_per_unit("Wavenumber", &f), PV_EINVAL);
  /* The ramp's deleted channel at 0.6 um is bridged exactly (linear). */
  double centres[3] = {0.45, 0.6, 0.65}, out[6];
  pv_hsi_speclib ramp = lib;
  ramp.n = 1;
  CHECK_OK(pv_hsi_speclib_resample(&ramp, centres, 3, out));
  CHECK_NEAR(out[0], 0.15, 1e-15);
  CHECK_NEAR(out[1], 0.3, 1e-15);
  CHECK_NEAR(out[2], 0.35, 1e-15);
  /* Kaolinite's first channel is deleted: nothing on the left of 0.45. */
  expect_msg(pv_hsi_speclib_resample(&lib, centres, 3, out), PV_EINVAL, "spectrum 2 (Kaolinite");
  pv_hsi_speclib_free(&lib);
  /* Channel counts that disagree, a wavelength file of the wrong length. */
  const char *c = "t\n0.1\n0.2\n";
  write_file(pv_test_path("c.txt"), c, strlen(c));
  const char *mixed[2] = {pv_test_path("a.txt"), pv_test_path("c.txt")};
  expect_msg(pv_hsi_speclib_read_usgs(mixed, 2, NULL, &lib), PV_EFORMAT, "c.txt: 2 channels");
  expect_msg(pv_hsi_speclib_read_usgs(mixed + 1, 1, pv_test_path("wl.txt"), &lib), PV_EFORMAT,
             "wl.txt: 5 wavelengths for spectra of 2 channels");
  CHECK(lib.n == 0 && lib.data == NULL);
}

/* Allocation-failure countdown: every failure is PV_ENOMEM and leaks nothing. */
static const char *countdown_hdr = "ENVI\nsamples = 3\nlines = 2\nbands = 1\ndata type = 5\n"
                                   "wavelength units = nm\nspectra names = {a, b}\nwavelength = {1, 2, 3}\n";
static int mk_envi(void **obj) {
  static const double d[6] = {1, 2, 3, 4, 5, 6};
  pv_hsi_speclib *lib = calloc(1, sizeof *lib);
  int rc = pv_hsi_speclib_parse_envi(countdown_hdr, strlen(countdown_hdr), d, sizeof d, "c.hdr", lib);
  if (rc) free(lib);
  else *obj = lib;
  return rc;
}
static int mk_usgs(void **obj) {
  pv_hsi_speclib *lib = calloc(1, sizeof *lib);
  int rc = pv_hsi_speclib_parse_usgs(usgs_text, strlen(usgs_text), "c.txt", lib);
  if (rc) free(lib);
  else *obj = lib;
  return rc;
}
static void rm_lib(void **obj) {
  pv_hsi_speclib_free(*obj);
  free(*obj);
  *obj = NULL;
}
static void test_alloc_failures(void) {
  pv_test_alloc_countdown("pv_hsi_speclib_parse_envi", mk_envi, rm_lib);
  pv_test_alloc_countdown("pv_hsi_speclib_parse_usgs", mk_usgs, rm_lib);
}

PV_TEST_MAIN(PV_CASE(test_alloc_failures), PV_CASE(test_envi_round_trip), PV_CASE(test_envi_by_hand), PV_CASE(test_envi_hostile), PV_CASE(test_usgs),
             PV_CASE(test_usgs_files_and_resample))
