/* parseval/error.h - status codes and the per-thread error record.
 *
 * Every fallible function returns an int: 0 success, a negative PV_E* code on
 * failure, a positive code for a warning. Errors are recorded by pv_error()
 * (the one place to set a debugger breakpoint) in per-thread state: a stack of
 * frames, innermost first, so callers can add context ("reading scene.tif")
 * on the way out. The library never prints, exits or aborts. */
#ifndef PARSEVAL_ERROR_H
#define PARSEVAL_ERROR_H

#include <parseval/config.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
  PV_OK = 0,
  PV_ENOMEM = -1,     /* allocation failed or would exceed the RAM budget */
  PV_EINVAL = -2,     /* invalid argument (size, range, NULL, NaN...) */
  PV_EIO = -3,        /* file system or I/O library failure */
  PV_EFORMAT = -4,    /* malformed, truncated or unsupported file content */
  PV_ENOTCONV = -5,   /* iterative method did not converge */
  PV_ECANCEL = -6,    /* cancelled by a progress callback */
  PV_EMPI = -7,       /* MPI failure */
  PV_EEXIST = -8,     /* output exists and overwriting was not allowed */
  PV_ENOTFOUND = -9,  /* named file, variable, plugin or verb does not exist */
  PV_EABI = -10,      /* plugin ABI mismatch or malformed descriptor */
  PV_ENUMERIC = -11,  /* numerical failure (not positive definite, NaN produced...) */
  PV_EUNSUPPORTED = -12, /* valid request this build cannot serve */
  PV_EINTERNAL = -13, /* broken invariant: a bug in Parseval */
  PV_WARN = 1         /* success with a warning (already logged) */
};

/* Maximum frames kept per thread; deeper context replaces the outermost frame. */
#define PV_ERROR_MAX_FRAMES 16
/* Maximum bytes of one frame's message (longer messages are truncated). */
#define PV_ERROR_MAX_MSG 512

/* Record an error frame (code < 0) in this thread's stack and return code.
 * file/line locate the caller; fmt is printf-style. Never fails. */
PV_API int pv_error(int code, const char *file, int line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Convenience: PV_ERROR(PV_EINVAL, "n = %d must be positive", n). */
#define PV_ERROR(code, ...) pv_error((code), __FILE__, __LINE__, __VA_ARGS__)

/* Code of the innermost (first) frame, the root cause; PV_OK when empty. */
PV_API int pv_error_code(void);
/* Code of the outermost (latest) frame; PV_OK when empty. */
PV_API int pv_error_last_code(void);
/* Number of frames currently recorded in this thread. */
PV_API int pv_error_depth(void);
/* Frame i (0 = innermost). Any out pointer may be NULL. Returns PV_EINVAL
 * when i is out of range. Strings are borrowed until the next pv_error*(). */
PV_API int pv_error_frame(int i, int *code, const char **file, int *line,
                          const char **message);
/* The whole stack as one line, outermost context first:
 * "reading a.tif: band 7: 0 valid pixels". Borrowed; "" when empty. */
PV_API const char *pv_error_message(void);
/* Drop the newest frames so that `depth` remain (no-op if fewer): a caller
 * that replaces a library's generic refusal by a precise message saves
 * pv_error_depth() before the call and truncates back to it. */
PV_API void pv_error_truncate(int depth);
/* Forget this thread's error frames. */
PV_API void pv_error_clear(void);
/* Short constant description of a status code ("out of memory"). */
PV_API const char *pv_strerror(int code);

#ifdef __cplusplus
}
#endif
#endif
