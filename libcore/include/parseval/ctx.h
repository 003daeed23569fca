/* parseval/ctx.h - the context object: threads, RAM budget, seed, logging,
 * progress and the MPI communicator. First argument of anything that needs
 * them; no other mutable global state (CHOLMOD's "common" object). A context
 * may be read from several threads; set it up before sharing it. */
#ifndef PARSEVAL_CTX_H
#define PARSEVAL_CTX_H

#include <stddef.h>
#include <stdint.h>
#include <parseval/config.h>
#if PV_HAVE_MPI
#include <mpi.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pv_ctx pv_ctx;

typedef enum {
  PV_LOG_ERROR = 0,
  PV_LOG_WARN = 1,
  PV_LOG_INFO = 2,
  PV_LOG_DEBUG = 3
} pv_log_level;

/* Receives one formatted log line (no trailing newline). category is the
 * subsystem ("fft", "io", ...); both strings are borrowed for the call. */
typedef void (*pv_log_fn)(pv_log_level level, const char *category,
                          const char *message, void *user);

/* Progress report: frac in [0, 1], msg a short borrowed label (may be NULL).
 * Return nonzero to continue, 0 to cancel (GDALProgressFunc's convention). */
typedef int (*pv_progress_fn)(double frac, const char *msg, void *user);

/* New context with defaults: 1 thread, RAM budget = half of physical memory,
 * seed 0, log level WARN with no sink (nothing is printed), debug categories
 * from the PV_DEBUG environment variable ("fft,io" or "all"), no progress,
 * and MPI_COMM_WORLD when MPI is initialised (else a single rank).
 * *out is owned by the caller. */
PV_API int pv_ctx_create(pv_ctx **out);
/* Destroy a context; NULL-safe; sets *ctx to NULL. */
PV_API void pv_ctx_destroy(pv_ctx **ctx);

/* Worker threads for OpenMP kernels, FFTW and BLAS (>= 1). */
PV_API int pv_ctx_set_threads(pv_ctx *ctx, int threads);
PV_API int pv_ctx_threads(const pv_ctx *ctx);

/* Memory a single operation may use for its working set, bytes (> 0). */
PV_API int pv_ctx_set_ram_budget(pv_ctx *ctx, size_t bytes);
PV_API size_t pv_ctx_ram_budget(const pv_ctx *ctx);

/* Master seed of every random draw made with this context. */
PV_API void pv_ctx_set_seed(pv_ctx *ctx, uint64_t seed);
PV_API uint64_t pv_ctx_seed(const pv_ctx *ctx);

/* Log sink and threshold; fn NULL discards. Messages above level are dropped
 * except DEBUG messages of categories enabled by pv_ctx_set_debug. */
PV_API void pv_ctx_set_log(pv_ctx *ctx, pv_log_level level, pv_log_fn fn, void *user);
/* Enable debug logs for a comma-separated category list ("fft,io", "all", "" none). */
PV_API int pv_ctx_set_debug(pv_ctx *ctx, const char *categories);
/* Ready-made sink that writes "parseval: warning: [cat] msg" lines to stderr. */
PV_API void pv_log_stderr(pv_log_level level, const char *category,
                          const char *message, void *user);
/* Would a message of this level and category be delivered? */
PV_API int pv_log_enabled(const pv_ctx *ctx, pv_log_level level, const char *category);
/* Format and deliver one log line. ctx may be NULL (then nothing happens). */
PV_API void pv_log(const pv_ctx *ctx, pv_log_level level, const char *category,
                   const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Progress sink; fn NULL disables reports. */
PV_API void pv_ctx_set_progress(pv_ctx *ctx, pv_progress_fn fn, void *user);
/* Report progress; returns 0, or PV_ECANCEL (recorded with pv_error) when
 * the callback asked to stop. Cheap when no sink is set. */
PV_API int pv_ctx_progress(const pv_ctx *ctx, double frac, const char *msg);

/* This process's rank and the number of ranks (0 and 1 without MPI). */
PV_API int pv_ctx_rank(const pv_ctx *ctx);
PV_API int pv_ctx_nranks(const pv_ctx *ctx);
#if PV_HAVE_MPI
/* Use comm (duplicated is not needed: borrowed, must outlive the context). */
PV_API int pv_ctx_set_comm(pv_ctx *ctx, MPI_Comm comm);
/* The communicator (MPI_COMM_SELF when MPI is not initialised). */
PV_API MPI_Comm pv_ctx_comm(const pv_ctx *ctx);
#endif

/* Counters a caller may read after a run. */
typedef struct pv_ctx_stats {
  size_t struct_size;     /* set by the caller: sizeof(pv_ctx_stats) */
  uint64_t progress_calls; /* progress reports delivered */
  uint64_t warnings;       /* warnings logged through this context */
} pv_ctx_stats;
PV_API int pv_ctx_get_stats(const pv_ctx *ctx, pv_ctx_stats *stats);

#ifdef __cplusplus
}
#endif
#endif
