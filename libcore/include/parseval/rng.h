/* parseval/rng.h - seeded random numbers, the same stream on every platform.
 *
 * Generator: xoshiro256** (Blackman & Vigna 2018) seeded through splitmix64.
 * Derived values use only IEEE-754 basic operations (+ - * / sqrt) and our own
 * logarithm, compiled without contraction, so a (seed, stream) pair gives
 * bit-identical doubles on any conforming platform. Streams let every sample,
 * tile or rank draw independently: pv_rng_init(&r, seed, stream).
 * A pv_rng is a plain value: no allocation, copy it freely, one per thread. */
#ifndef PARSEVAL_RNG_H
#define PARSEVAL_RNG_H

#include <stddef.h>
#include <stdint.h>
#include <parseval/config.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pv_rng {
  uint64_t s[4];       /* generator state (never all zero) */
  double spare;        /* second normal deviate of the last polar pair */
  int has_spare;
} pv_rng;

/* Seed stream `stream` of master seed `seed`. Different streams of one seed
 * are statistically independent. */
PV_API void pv_rng_init(pv_rng *r, uint64_t seed, uint64_t stream);
/* Next 64 random bits. */
PV_API uint64_t pv_rng_u64(pv_rng *r);
/* Uniform double in [0, 1) with 53 random bits. */
PV_API double pv_rng_uniform(pv_rng *r);
/* Uniform integer in [0, n) without modulo bias; n = 0 returns 0. */
PV_API uint64_t pv_rng_below(pv_rng *r, uint64_t n);
/* Standard normal deviate (Marsaglia's polar method). */
PV_API double pv_rng_normal(pv_rng *r);
/* Exponential deviate with mean 1. */
PV_API double pv_rng_exponential(pv_rng *r);
/* Fill x[0..n) with standard normals / uniforms in [0,1). */
PV_API void pv_rng_fill_normal(pv_rng *r, double *x, size_t n);
PV_API void pv_rng_fill_uniform(pv_rng *r, double *x, size_t n);
/* Fisher-Yates shuffle of idx[0..n). */
PV_API void pv_rng_shuffle(pv_rng *r, size_t *idx, size_t n);
/* Advance the state by 2^128 draws (xoshiro's jump): non-overlapping blocks. */
PV_API void pv_rng_jump(pv_rng *r);

/* Natural logarithm computed with basic IEEE operations only (relative error
 * below 2 ulp), the same on every platform. x <= 0 or NaN gives NaN/-inf as log. */
PV_API double pv_rng_portable_log(double x);

#ifdef __cplusplus
}
#endif
#endif
