/* parseval/fft.h - the FFT layer: FFTW 3.3 plans behind a thread-safe cache.
 *
 * Nothing outside this module calls FFTW. A plan describes a batch of
 * `howmany` transforms of rank 1-3 (real-to-complex, complex-to-real or
 * complex-to-complex) in double (PV_F64) or single (PV_F32) precision. It is
 * made once and then executed on any buffers of the planned layout
 * (new-array execute), from any number of threads at once.
 *
 * Conventions
 * - Transforms are UNNORMALISED, as in FFTW: forward X_k = sum_j x_j e^{-2 pi i j.k/n},
 *   backward x_j = sum_k X_k e^{+2 pi i j.k/n}; forward then backward multiplies by
 *   N = n[0]*...*n[rank-1] (pv_fft_plan_info gives N).
 * - Arrays are C order (last axis fastest). Complex numbers are two reals, re
 *   then im (C99 complex layout). The complex side of r2c/c2r is the half
 *   spectrum: n[0] x ... x (n[rank-1]/2 + 1).
 * - Packed batch layout (the default): transform b starts at b * dist, with
 *   dist = N reals (real side), N complex (c2c) or N/n[r-1]*(n[r-1]/2+1)
 *   complex (half spectrum). In-place r2c/c2r pads each real row to
 *   2*(n[r-1]/2+1) reals, as FFTW requires.
 * - c2r overwrites its input unless preserve_input is set (FFTW's rule).
 *
 * Plan cache. Plans are kept in a process-wide cache keyed by precision, kind,
 * shape, batch layout, in-place, alignment, threads and planner flags; a
 * second request for the same key reuses the FFTW plan (no planning). The
 * cache is guarded by a mutex; FFTW's planner was made thread-safe by
 * pv_init(), which plan creation calls (idempotent).
 *
 * Threads: a plan uses pv_ctx_threads(ctx) FFTW threads unless the options
 * say otherwise; a plan created inside an OpenMP parallel region uses one
 * thread, so FFT threads and OpenMP threads never multiply.
 *
 * Alignment: plans assume PV_ALIGN-aligned buffers (pv_malloc) so FFTW may use
 * SIMD. Executing on buffers with another alignment, out of place on an
 * in-place plan, or in place on an out-of-place c2c plan is served by a
 * variant plan fetched from the cache on first use (same rigor, or ESTIMATE
 * when wisdom_only finds no wisdom for it; FFTW_UNALIGNED when needed), so it
 * works; results may differ from the main plan's in the last bits. In-place
 * execution of an out-of-place r2c/c2r plan is refused (PV_EINVAL): its
 * packed rows cannot hold the half spectrum. The first such call plans, so
 * it allocates and takes the planner lock once.
 *
 * Reproducibility. With rigor PV_FFT_ESTIMATE, or with wisdom_only and a
 * wisdom file, the planner's choice depends only on the problem, the FFTW
 * build and the machine, so two runs produce bit-identical outputs (FFTW's
 * threaded plans split work deterministically, without reductions).
 * PV_FFT_MEASURE/PATIENT/EXHAUSTIVE time candidate algorithms; the winner may
 * change from run to run with machine load, and so may the last bits of the
 * results. Save the wisdom once (pv_fft_wisdom_save) and plan with
 * wisdom_only to get measured plans reproducibly. */
#ifndef PARSEVAL_FFT_H
#define PARSEVAL_FFT_H

#include <stddef.h>
#include <stdint.h>
#include <parseval/array.h>
#include <parseval/config.h>
#include <parseval/ctx.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Transform kind. */
typedef enum {
  PV_FFT_R2C = 0,         /* real -> half spectrum, forward (e^-) */
  PV_FFT_C2R = 1,         /* half spectrum -> real, backward (e^+) */
  PV_FFT_C2C_FORWARD = 2, /* complex -> complex, e^- */
  PV_FFT_C2C_BACKWARD = 3 /* complex -> complex, e^+ */
} pv_fft_kind;

/* Planner effort (FFTW_ESTIMATE ... FFTW_EXHAUSTIVE). Only ESTIMATE is
 * reproducible without wisdom (see above). */
typedef enum {
  PV_FFT_ESTIMATE = 0,
  PV_FFT_MEASURE = 1,
  PV_FFT_PATIENT = 2,
  PV_FFT_EXHAUSTIVE = 3
} pv_fft_rigor;

/* Plan options; start from PV_FFT_OPTIONS_INIT. Strides and distances are in
 * elements of the respective side (reals or complex numbers); 0 selects the
 * packed default described above. As in FFTW's advanced interface, element
 * j (multi-index, row-major linear index lin(j)) of transform b lives at
 * b * dist + stride * lin(j): e.g. channel-last data of C channels is
 * stride = C, dist = 1, howmany = C. */
typedef struct pv_fft_options {
  size_t struct_size;   /* sizeof(pv_fft_options) */
  pv_fft_rigor rigor;   /* default PV_FFT_MEASURE */
  int wisdom_only;      /* 1: fail with PV_ENOTFOUND unless wisdom has the plan */
  int threads;          /* FFTW threads; 0 = pv_ctx_threads(ctx) */
  int inplace;          /* 1: plan for in == out (padded real rows for r2c/c2r) */
  int unaligned;        /* 1: plan for arbitrary alignment (no SIMD assumption) */
  int preserve_input;   /* 1: c2r must not overwrite its input */
  ptrdiff_t istride, idist, ostride, odist; /* 0 = packed defaults */
} pv_fft_options;

#define PV_FFT_OPTIONS_INIT \
  { sizeof(pv_fft_options), PV_FFT_MEASURE, 0, 0, 0, 0, 0, 0, 0, 0, 0 }

typedef struct pv_fft_plan pv_fft_plan;

/* Plan `howmany` transforms of shape n[0..rank) (the real-space, logical
 * sizes; rank 1-3, each n >= 1, howmany >= 1) in precision PV_F64 or PV_F32.
 * opts may be NULL (defaults). ctx gives threads and logging (may be NULL:
 * 1 thread). Reuses a cached FFTW plan when one matches. *out is owned by the
 * caller; free with pv_fft_plan_destroy. Errors: PV_EINVAL (bad size, kind,
 * layout), PV_ENOTFOUND (wisdom_only without wisdom), PV_EUNSUPPORTED (FFTW
 * cannot plan it, e.g. preserve_input for a multi-dimensional c2r). */
PV_API int pv_fft_plan_create(pv_ctx *ctx, pv_dtype precision, pv_fft_kind kind,
                              int rank, const int n[], int howmany,
                              const pv_fft_options *opts, pv_fft_plan **out);
/* Release a plan (the FFTW plan stays in the cache); NULL-safe, sets NULL. */
PV_API void pv_fft_plan_destroy(pv_fft_plan **plan);

/* Run the plan on in -> out (in == out for in-place). Buffers hold the
 * planned batch layout in the plan's precision; c2r overwrites in unless
 * preserve_input. Thread-safe: several threads may execute one plan on
 * different buffers. Returns PV_EINVAL for NULL buffers. */
PV_API int pv_fft_execute(const pv_fft_plan *plan, void *in, void *out);

/* pv_fft_execute after checking the caller's buffer sizes in bytes against
 * the planned batch (pv_fft_info in_bytes/out_bytes; the larger of the two
 * for in-place): PV_EINVAL naming both sizes when a buffer is too small. */
PV_API int pv_fft_execute_sized(const pv_fft_plan *plan, void *in, size_t in_bytes, void *out,
                                size_t out_bytes);

/* Sizes of a plan, in elements of each side. */
typedef struct pv_fft_info {
  size_t struct_size;     /* sizeof(pv_fft_info) */
  pv_dtype precision;     /* PV_F64 or PV_F32 */
  pv_fft_kind kind;
  int rank, n[3], howmany, threads, inplace;
  size_t N;               /* n[0]*...*n[rank-1]: the round-trip scale */
  size_t in_count;        /* elements (reals or complex) one batch spans on input */
  size_t out_count;       /* same for the output */
  size_t in_bytes, out_bytes; /* bytes one batch spans */
} pv_fft_info;
PV_API int pv_fft_plan_info(const pv_fft_plan *plan, pv_fft_info *info);

/* FFTW's description of the algorithm the plan uses (fftw_sprint_plan),
 * for logs and for checking that two plans are the same; *text is
 * pv_malloc'd, release with pv_free. */
PV_API int pv_fft_plan_describe(const pv_fft_plan *plan, char **text);

/* Cache statistics since start or the last pv_fft_cache_clear. */
typedef struct pv_fft_cache_stats {
  size_t struct_size;  /* sizeof(pv_fft_cache_stats) */
  size_t entries;      /* FFTW plans held */
  size_t in_use;       /* entries referenced by live pv_fft_plan objects */
  uint64_t hits, misses;
} pv_fft_cache_stats;
PV_API int pv_fft_cache_stats_get(pv_fft_cache_stats *st);
/* Destroy cached FFTW plans no live pv_fft_plan refers to; reset counters.
 * Wisdom (what FFTW learned) is kept. */
PV_API void pv_fft_cache_clear(void);

/* Wisdom file: FFTW's accumulated plan knowledge for both precisions, one
 * text file. Load merges the file into the current wisdom (PV_EIO when it
 * cannot be read, PV_EFORMAT naming the file when it is not a Parseval wisdom
 * file or FFTW rejects it). Save writes atomically (overwrites). */
PV_API int pv_fft_wisdom_load(const char *path);
PV_API int pv_fft_wisdom_save(const char *path);
/* Forget all wisdom (both precisions). Cached plans stay valid. */
PV_API void pv_fft_wisdom_forget(void);
/* Default wisdom cache file: $PV_FFT_WISDOM, else
 * $XDG_CACHE_HOME/parseval/fftw-wisdom, else $HOME/.cache/parseval/fftw-wisdom.
 * Copied into buf (cap bytes); PV_EINVAL if it does not fit, PV_ENOTFOUND if
 * no variable is set. The folder is not created. */
PV_API int pv_fft_wisdom_default_path(char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
