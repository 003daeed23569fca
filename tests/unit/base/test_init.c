/* pv_init: the libraries underneath report into pv_error instead of
 * printing or aborting (GSL, GDAL, CHOLMOD), and the build info names them. */
#include "pv_test.h"

#include <cholmod.h>
#include <gdal.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_log.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Redirect stdout and stderr into a file around a call; returns bytes printed. */
static int quiet_fd[2] = {-1, -1};
static char quiet_path[600];
static void capture_begin(void) {
  snprintf(quiet_path, sizeof quiet_path, "%s/printed.txt", pv_test_tmpdir());
  fflush(stdout);
  fflush(stderr);
  FILE *f = fopen(quiet_path, "w");
  quiet_fd[0] = dup(1);
  quiet_fd[1] = dup(2);
  dup2(fileno(f), 1);
  dup2(fileno(f), 2);
  fclose(f);
}
static long capture_end(void) {
  fflush(stdout);
  fflush(stderr);
  dup2(quiet_fd[0], 1);
  dup2(quiet_fd[1], 2);
  close(quiet_fd[0]);
  close(quiet_fd[1]);
  struct stat st;
  return stat(quiet_path, &st) == 0 ? (long)st.st_size : -1;
}

static void test_gsl_does_not_abort(void) {
  CHECK_OK(pv_init());
  gsl_sf_result r;
  /* With GSL's default handler this call would abort the process. */
  CHECK_EQ_INT(gsl_sf_log_e(-1.0, &r), GSL_EDOM);
}

static void test_gdal_errors_reach_pv_error(void) {
  pv_error_clear();
  GDALAllRegister();
  capture_begin();
  GDALDatasetH h = GDALOpen("/nonexistent/parseval/scene.tif", GA_ReadOnly);
  CHECK_EQ_INT(capture_end(), 0);
  CHECK(h == NULL);
  CHECK(pv_error_depth() >= 1);
  CHECK_EQ_INT(pv_error_code(), PV_EIO);
  CHECK(strstr(pv_error_message(), "scene.tif") != NULL);
  pv_error_clear();
}

static void test_cholmod_errors_reach_pv_error(void) {
  cholmod_common c;
  cholmod_start(&c);
  c.error_handler = pv_cholmod_error_handler;
  pv_error_clear();
  /* A rectangular matrix cannot be symmetric: CHOLMOD reports invalid input. */
  capture_begin();
  cholmod_sparse *a = cholmod_allocate_sparse(3, 2, 6, 1, 1, 1, CHOLMOD_REAL, &c);
  CHECK_EQ_INT(capture_end(), 0); /* nothing printed */
  CHECK(a == NULL);
  CHECK(c.status < 0);
  CHECK(pv_error_depth() >= 1);
  CHECK(strstr(pv_error_message(), "CHOLMOD error") != NULL);
  pv_error_clear();
  cholmod_finish(&c);
}

static void test_build_info_and_debug_env(void) {
  const char *j = pv_build_info_json();
  CHECK(j[0] == '{' && j[strlen(j) - 1] == '}');
  for (const char *k = "fftw\0gdal\0gsl\0cholmod\0umfpack\0hdf5\0matio\0libpng\0openblas\0mpi\0"; *k; k += strlen(k) + 1)
    CHECK(strstr(j, k) != NULL);
  CHECK(strcmp(pv_version(), PV_VERSION_STRING) == 0);
  setenv("PV_DEBUG", "io,fft", 1);
  pv_ctx *c;
  CHECK_OK(pv_ctx_create(&c));
  pv_ctx_set_log(c, PV_LOG_ERROR, pv_log_stderr, NULL);
  CHECK(pv_log_enabled(c, PV_LOG_DEBUG, "fft"));
  CHECK(!pv_log_enabled(c, PV_LOG_DEBUG, "linalg"));
  pv_ctx_destroy(&c);
  unsetenv("PV_DEBUG");
}

PV_TEST_MAIN(PV_CASE(test_gsl_does_not_abort), PV_CASE(test_gdal_errors_reach_pv_error),
             PV_CASE(test_cholmod_errors_reach_pv_error), PV_CASE(test_build_info_and_debug_env))
