/* fft_internal.h - plan keys, cache entries and the per-precision FFTW
 * bindings generated from fft_template.inc (fft_raw.c). */
#ifndef PV_FFT_INTERNAL_H
#define PV_FFT_INTERNAL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <parseval/fft.h>

/* Everything that makes two FFTW plans different. Zeroed before filling so
 * that memcmp compares keys. Strides/distances are resolved (never 0). */
typedef struct pv_fft_key {
  int precision;   /* PV_F64 or PV_F32 */
  int kind;        /* pv_fft_kind */
  int rank, n[3], howmany;
  int inplace;     /* plan in == out */
  int padded;      /* real rows padded to 2*(n/2+1) (r2c/c2r) */
  int unaligned;   /* FFTW_UNALIGNED */
  int preserve;    /* FFTW_PRESERVE_INPUT */
  int threads;
  int rigor;       /* pv_fft_rigor */
  int wisdom_only;
  ptrdiff_t istride, idist, ostride, odist;
} pv_fft_key;

/* One FFTW plan in the cache. */
typedef struct pv_fft_entry {
  pv_fft_key key;
  void *fplan;                 /* fftw_plan or fftwf_plan */
  long refs;                   /* live pv_fft_plan references */
  struct pv_fft_entry *next;
} pv_fft_entry;

/* Variants a plan may need at execute time: [inplace][unaligned]. */
struct pv_fft_plan {
  pv_fft_key key;
  pv_fft_entry *main;
  /* Address bits that must be 0 for the main plan (FFTW's SIMD alignment;
   * 0 for unaligned plans). */
  uintptr_t align_mask;
  _Atomic(pv_fft_entry *) variant[2][2];
  size_t N, in_count, out_count, in_bytes, out_bytes;
};

/* Per-precision bindings (suffix _f64 / _f32), generated from one template.
 * raw_plan is called with the planner lock held; it allocates scratch arrays
 * of in_bytes/out_bytes for planning and returns NULL when FFTW declines. */
#define PV_FFT_DECLARE(S)                                                         \
  void *pv_fft_raw_plan_##S(const pv_fft_key *k, size_t in_bytes, size_t out_bytes, \
                            int *status);                                         \
  void pv_fft_raw_destroy_##S(void *p);                                           \
  int pv_fft_exec_##S(const struct pv_fft_plan *p, void *in, void *out);         \
  uintptr_t pv_fft_raw_align_mask_##S(void);                                      \
  char *pv_fft_raw_export_##S(void);                                              \
  int pv_fft_raw_import_##S(const char *text);                                    \
  void pv_fft_raw_forget_##S(void);                                               \
  char *pv_fft_raw_sprint_##S(void *p);                                           \
  void pv_fft_raw_free_##S(void *p);
PV_FFT_DECLARE(f64)
PV_FFT_DECLARE(f32)

/* Execution off the fast path: NULL or overlapping buffers (error), or the
 * variant plan for in-place / misaligned buffers in *e. */
int pv_fft_exec_slow(const struct pv_fft_plan *p, void *in, void *out, pv_fft_entry **e);

/* The lock that serialises the FFTW planner, wisdom and the cache. */
void pv_fft_lock(void);
void pv_fft_unlock(void);

#endif
