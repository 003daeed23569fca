/* parseval/core.h - library initialisation and build information. */
#ifndef PARSEVAL_CORE_H
#define PARSEVAL_CORE_H

#include <stdarg.h>
#include <stddef.h>
#include <parseval/config.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Initialise process-wide state once (thread-safe, idempotent): switch off
 * GSL's aborting error handler, route GDAL errors into pv_error, make the
 * FFTW planner thread-safe. Call before anything else; the host does. */
PV_API int pv_init(void);

/* "0.1.0" (the library's runtime version). */
PV_API const char *pv_version(void);
/* Versions of the libraries this build links, as one JSON object
 * ({"parseval": "...", "fftw": "...", ...}). Borrowed, static. */
PV_API const char *pv_build_info_json(void);

/* Route a CHOLMOD error (status, file, line, message) into pv_error; install
 * as cholmod_common.error_handler. */
PV_API void pv_cholmod_error_handler(int status, const char *file, int line,
                                     const char *message);

/* ---- Numbers in the C locale ('.' decimals whatever the locale is) ---- */

/* strtod in the C locale; same contract as strtod. Thread-safe. */
PV_API double pv_strtod_c(const char *s, char **end);
/* snprintf / vsnprintf in the C locale; same contract. Thread-safe. */
PV_API int pv_snprintf_c(char *buf, size_t cap, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
PV_API int pv_vsnprintf_c(char *buf, size_t cap, const char *fmt, va_list ap);

#ifdef __cplusplus
}
#endif
#endif
