/* CSV spectral libraries: exact round trips, tolerant reading, and errors
 * that name the file, line and column. */
#include "pv_test.h"

#include <parseval/hsi.h>
#include <string.h>

static void test_round_trip(void) {
  pv_hsi_speclib lib, back;
  CHECK_OK(pv_hsi_speclib_alloc(&lib, 3, 5));
  pv_rng r;
  pv_rng_init(&r, 1, 2);
  for (int k = 0; k < 15; k++) lib.data[k] = pv_rng_normal(&r) * 1e-3;
  lib.wavelength = pv_malloc(5 * sizeof(double));
  for (int b = 0; b < 5; b++) lib.wavelength[b] = 400.5 + 10 * b;
  pv_free(lib.names[1]);
  lib.names[1] = pv_strdup("dry, grass"); /* the comma cannot survive CSV */
  char path[600];
  snprintf(path, sizeof path, "%s/lib.csv", pv_test_tmpdir());
  CHECK_OK(pv_hsi_speclib_write_csv(path, &lib, 0));
  CHECK_STATUS(pv_hsi_speclib_write_csv(path, &lib, 0), PV_EEXIST);
  CHECK_OK(pv_hsi_speclib_read_csv(path, &back));
  CHECK_EQ_INT(back.n, 3);
  CHECK_EQ_INT(back.bands, 5);
  CHECK(back.wavelength != NULL);
  for (int k = 0; k < 15; k++) CHECK(back.data[k] == lib.data[k]); /* %.17g round-trips */
  for (int b = 0; back.wavelength && b < 5; b++) CHECK(back.wavelength[b] == lib.wavelength[b]);
  CHECK(strcmp(back.names[1], "dry_ grass") == 0);
  CHECK(strcmp(back.names[0], "spectrum-1") == 0);
  pv_hsi_speclib_free(&lib);
  pv_hsi_speclib_free(&back);
}

static void test_tolerant_reading(void) {
  const char *t = "# USGS-like export\r\n\nsoil, 0.1, 0.2 ,0.3\r\n0.4,0.5,0.6\n  \nwater,1e-2,2E-2,-3.5e-1\n";
  pv_hsi_speclib lib;
  CHECK_OK(pv_hsi_speclib_parse_csv(t, strlen(t), "t.csv", &lib));
  CHECK_EQ_INT(lib.n, 3);
  CHECK_EQ_INT(lib.bands, 3);
  CHECK(lib.wavelength == NULL);
  CHECK(strcmp(lib.names[0], "soil") == 0 && strcmp(lib.names[1], "spectrum-2") == 0 && strcmp(lib.names[2], "water") == 0);
  CHECK(lib.data[3] == 0.4 && lib.data[8] == -0.35);
  pv_hsi_speclib_free(&lib);
}

static void expect_error(const char *text, size_t n, const char *where) {
  pv_hsi_speclib lib;
  int rc = pv_hsi_speclib_parse_csv(text, n, "bad.csv", &lib);
  CHECK_EQ_INT(rc, PV_EFORMAT);
  if (!strstr(pv_error_message(), where)) pv_test_fail(__FILE__, __LINE__, "message \"%s\" lacks \"%s\"", pv_error_message(), where);
  CHECK(lib.n == 0 && lib.data == NULL);
  pv_error_clear();
}

static void test_errors_name_line_and_column(void) {
  expect_error("a,1,2\nb,1,2,3\n", 14, "bad.csv:2: 3 values");
  expect_error("a,1,x2\n", 7, "bad.csv:1: column 3");
  expect_error("a,1,nan\n", 8, "column 3");
  expect_error("a,1,inf\n", 8, "column 3");
  expect_error("a,1,1e999\n", 10, "column 3");
  expect_error("# nothing\n\n", 11, "no spectra");
  expect_error("a,1\0,2\n", 7, "NUL byte");
  expect_error("a,1,2\nname,400,500\n", 19, "header line must come first");
  expect_error("only-a-name\n", 12, "no values");
  pv_hsi_speclib lib;
  CHECK_STATUS(pv_hsi_speclib_read_csv("/nonexistent/lib.csv", &lib), PV_EIO);
}

static void test_resample_linear(void) {
  /* Spectra linear in wavelength are reproduced exactly at any centre. */
  pv_hsi_speclib lib;
  CHECK_OK(pv_hsi_speclib_alloc(&lib, 2, 4));
  lib.wavelength = pv_malloc(4 * sizeof(double));
  double lw[4] = {400, 500, 700, 1000};
  for (int b = 0; b < 4; b++) {
    lib.wavelength[b] = lw[b];
    lib.data[b] = 0.001 * lw[b];
    lib.data[4 + b] = 2 - 0.0005 * lw[b];
  }
  double wl[5] = {400, 450, 650, 999, 1000}, out[10];
  CHECK_OK(pv_hsi_speclib_resample(&lib, wl, 5, out));
  for (int b = 0; b < 5; b++) {
    CHECK_NEAR(out[b], 0.001 * wl[b], 1e-15);
    CHECK_NEAR(out[5 + b], 2 - 0.0005 * wl[b], 1e-15);
  }
  double outside[1] = {1001};
  CHECK_STATUS(pv_hsi_speclib_resample(&lib, outside, 1, out), PV_EINVAL);
  pv_free(lib.wavelength);
  lib.wavelength = NULL;
  CHECK_STATUS(pv_hsi_speclib_resample(&lib, wl, 5, out), PV_EINVAL);
  pv_hsi_speclib_free(&lib);
}

static void test_column_layout(void) {
  const char *t = "wavelength_nm,vegetation,soil\n400,0.04,0.12\n500,0.05,0.13\n600,0.03,0.14\n";
  pv_hsi_speclib lib;
  CHECK_OK(pv_hsi_speclib_parse_csv(t, strlen(t), "cols.csv", &lib));
  CHECK_EQ_INT(lib.n, 2);
  CHECK_EQ_INT(lib.bands, 3);
  CHECK(lib.wavelength && lib.wavelength[2] == 600);
  CHECK(strcmp(lib.names[1], "soil") == 0);
  CHECK(lib.data[0] == 0.04 && lib.data[3 + 2] == 0.14);
  pv_hsi_speclib_free(&lib);
  expect_error("band,a,b\n1,0.1\n", 15, "bad.csv:2: 2 fields, the header has 3");
  expect_error("band,a\n1,x\n", 11, "bad.csv:2: column 2");
  expect_error("band,a\n", 7, "a header but no bands");
}

PV_TEST_MAIN(PV_CASE(test_round_trip), PV_CASE(test_column_layout), PV_CASE(test_tolerant_reading), PV_CASE(test_errors_name_line_and_column),
             PV_CASE(test_resample_linear))
