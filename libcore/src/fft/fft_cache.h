/* fft_cache.h - acquire/release FFTW plans from the process-wide cache. */
#ifndef PV_FFT_CACHE_H
#define PV_FFT_CACHE_H

#include "fft_internal.h"

/* Find or plan the FFTW plan of key (refs + 1). in_bytes/out_bytes size the
 * planning arrays. Returns PV_OK, PV_ENOMEM, PV_ENOTFOUND (wisdom only) or
 * PV_EUNSUPPORTED (FFTW declined; no error frame is recorded for these two,
 * the caller records one naming the shape). *was_hit tells a reuse. */
int pv_fft_cache_acquire(const pv_fft_key *key, size_t in_bytes, size_t out_bytes,
                         pv_fft_entry **out, int *was_hit);
/* Drop one reference (NULL-safe); the plan stays cached. */
void pv_fft_cache_release(pv_fft_entry *e);

#endif
