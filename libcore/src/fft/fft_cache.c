/* fft_cache.c - the process-wide cache of FFTW plans, keyed by pv_fft_key.
 * One mutex serialises the cache, FFTW's planner (plan_with_nthreads is
 * global planner state) and wisdom; execution never takes it. */
#include <pthread.h>
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/error.h>
#include "fft_cache.h"

static pthread_mutex_t cache_mutex = PTHREAD_MUTEX_INITIALIZER;
static pv_fft_entry *cache_head = NULL;
static uint64_t cache_hits = 0, cache_misses = 0;

void pv_fft_lock(void) { pthread_mutex_lock(&cache_mutex); }
void pv_fft_unlock(void) { pthread_mutex_unlock(&cache_mutex); }

static void *raw_plan(const pv_fft_key *k, size_t in_bytes, size_t out_bytes, int *status) {
  return k->precision == PV_F64 ? pv_fft_raw_plan_f64(k, in_bytes, out_bytes, status)
                                : pv_fft_raw_plan_f32(k, in_bytes, out_bytes, status);
}

static void raw_destroy(const pv_fft_entry *e) {
  if (e->key.precision == PV_F64) pv_fft_raw_destroy_f64(e->fplan);
  else pv_fft_raw_destroy_f32(e->fplan);
}

int pv_fft_cache_acquire(const pv_fft_key *key, size_t in_bytes, size_t out_bytes,
                         pv_fft_entry **out, int *was_hit) {
  *out = NULL;
  *was_hit = 0;
  pv_fft_lock();
  for (pv_fft_entry *e = cache_head; e; e = e->next) {
    if (memcmp(&e->key, key, sizeof *key) == 0) {
      e->refs++;
      cache_hits++;
      *was_hit = 1;
      *out = e;
      pv_fft_unlock();
      return PV_OK;
    }
  }
  pv_fft_entry *e = pv_malloc(sizeof *e);
  if (!e) {
    pv_fft_unlock();
    return PV_ERROR(PV_ENOMEM, "FFT plan cache entry");
  }
  int status = PV_OK;
  e->fplan = raw_plan(key, in_bytes, out_bytes, &status);
  if (!e->fplan) {
    pv_fft_unlock();
    pv_free(e);
    return status;  /* the caller records the message with the shape */
  }
  e->key = *key;
  e->refs = 1;
  e->next = cache_head;
  cache_head = e;
  cache_misses++;
  *out = e;
  pv_fft_unlock();
  return PV_OK;
}

void pv_fft_cache_release(pv_fft_entry *e) {
  if (!e) return;
  pv_fft_lock();
  e->refs--;
  pv_fft_unlock();
}

int pv_fft_cache_stats_get(pv_fft_cache_stats *st) {
  if (!st || st->struct_size < sizeof *st)
    return PV_ERROR(PV_EINVAL, "pv_fft_cache_stats: NULL or struct_size too small");
  pv_fft_lock();
  st->entries = st->in_use = 0;
  for (pv_fft_entry *e = cache_head; e; e = e->next) {
    st->entries++;
    if (e->refs > 0) st->in_use++;
  }
  st->hits = cache_hits;
  st->misses = cache_misses;
  pv_fft_unlock();
  return PV_OK;
}

void pv_fft_cache_clear(void) {
  pv_fft_lock();
  pv_fft_entry **link = &cache_head;
  while (*link) {
    pv_fft_entry *e = *link;
    if (e->refs > 0) {
      link = &e->next;
      continue;
    }
    *link = e->next;
    raw_destroy(e);
    pv_free(e);
  }
  cache_hits = cache_misses = 0;
  pv_fft_unlock();
}
