/* Library initialisation: silence and redirect the error machinery of the
 * libraries underneath, so that the library never prints or aborts. */
#include <parseval/core.h>
#include <parseval/error.h>

#include <cblas.h>
#include <cholmod.h>
#include <cpl_error.h>
#include <fftw3.h>
#include <gdal.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_version.h>
#include <hdf5.h>
#include <matio.h>
#include <png.h>
#include <pthread.h>
#if PV_HAVE_MPI
#include <mpi.h>
#endif
#include <stdio.h>
#include <string.h>
#include <SuiteSparse_config.h>
#include <umfpack.h>

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_status = PV_OK;

/* GDAL failures become error frames; GDAL's callers in libcore add the
 * context (which file, which band). Warnings and debug output are dropped
 * here; modules that want them push their own handler with a pv_ctx. */
static void gdal_error_handler(CPLErr cls, CPLErrorNum num, const char *msg) {
  if (cls == CE_Failure || cls == CE_Fatal) PV_ERROR(PV_EIO, "GDAL error %d: %s", (int)num, msg);
}

void pv_cholmod_error_handler(int status, const char *file, int line, const char *message) {
  if (status < 0)
    pv_error(status == CHOLMOD_OUT_OF_MEMORY ? PV_ENOMEM : PV_ENUMERIC, file, line,
             "CHOLMOD error %d: %s", status, message);
}

static void init_once_fn(void) {
  gsl_set_error_handler_off();
  CPLSetErrorHandler(gdal_error_handler);
  /* SuiteSparse (CHOLMOD, UMFPACK) prints errors through this hook; errors
   * reach pv_error through pv_cholmod_error_handler instead. */
  SuiteSparse_config.printf_func = NULL;
  /* HDF5 prints its error stack by default. */
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  if (!fftw_init_threads() || !fftwf_init_threads()) {
    init_status = PV_ERROR(PV_EINTERNAL, "FFTW threads could not be initialised");
    return;
  }
  fftw_make_planner_thread_safe();
  fftwf_make_planner_thread_safe();
  /* Threads are chosen per call from pv_ctx; nothing runs wide by default. */
  openblas_set_num_threads(1);
}

int pv_init(void) {
  pthread_once(&init_once, init_once_fn);
  return init_status;
}

const char *pv_version(void) { return PV_VERSION_STRING; }

static void append(char *buf, size_t cap, const char *key, const char *val, int *first) {
  size_t used = strlen(buf);
  char clean[160];
  size_t k = 0;
  for (const char *p = val; *p && k + 1 < sizeof clean; p++)
    if (*p != '"' && *p != '\\' && (unsigned char)*p >= 32) clean[k++] = *p;
  clean[k] = '\0';
  snprintf(buf + used, cap - used, "%s\"%s\": \"%s\"", *first ? "" : ", ", key, clean);
  *first = 0;
}

static char build_info[2048];

static void build_info_fill(void) {
  char tmp[160];
  int first = 1;
  build_info[0] = '{';
  build_info[1] = '\0';
  append(build_info, sizeof build_info, "parseval", PV_VERSION_STRING, &first);
  append(build_info, sizeof build_info, "fftw", fftw_version, &first);
  append(build_info, sizeof build_info, "gdal", GDALVersionInfo("RELEASE_NAME"), &first);
  append(build_info, sizeof build_info, "gsl", gsl_version, &first);
  snprintf(tmp, sizeof tmp, "%d.%d.%d", CHOLMOD_MAIN_VERSION, CHOLMOD_SUB_VERSION, CHOLMOD_SUBSUB_VERSION);
  append(build_info, sizeof build_info, "cholmod", tmp, &first);
  snprintf(tmp, sizeof tmp, "%d.%d.%d", UMFPACK_MAIN_VERSION, UMFPACK_SUB_VERSION, UMFPACK_SUBSUB_VERSION);
  append(build_info, sizeof build_info, "umfpack", tmp, &first);
  unsigned maj = 0, min = 0, rel = 0;
  H5get_libversion(&maj, &min, &rel);
  snprintf(tmp, sizeof tmp, "%u.%u.%u", maj, min, rel);
  append(build_info, sizeof build_info, "hdf5", tmp, &first);
  int mv[3] = {0, 0, 0};
  Mat_GetLibraryVersion(&mv[0], &mv[1], &mv[2]);
  snprintf(tmp, sizeof tmp, "%d.%d.%d", mv[0], mv[1], mv[2]);
  append(build_info, sizeof build_info, "matio", tmp, &first);
  append(build_info, sizeof build_info, "libpng", PNG_LIBPNG_VER_STRING, &first);
  append(build_info, sizeof build_info, "openblas", openblas_get_config(), &first);
#if PV_HAVE_MPI
  char lib[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(lib, &len);
  lib[strcspn(lib, ",\n")] = '\0';
  append(build_info, sizeof build_info, "mpi", lib, &first);
#else
  append(build_info, sizeof build_info, "mpi", "none", &first);
#endif
  append(build_info, sizeof build_info, "openmp", PV_HAVE_OPENMP ? "yes" : "no", &first);
  size_t used = strlen(build_info);
  snprintf(build_info + used, sizeof build_info - used, "}");
}

const char *pv_build_info_json(void) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, build_info_fill);
  return build_info;
}
