/* xoshiro256** seeded through splitmix64, with platform-independent
 * derived distributions (basic IEEE operations and our own logarithm; the
 * library is compiled with -ffp-contract=off so no fused multiply-adds). */
#include <parseval/rng.h>

#include <math.h>
#include <string.h>

static uint64_t splitmix64_next(uint64_t *x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void pv_rng_init(pv_rng *r, uint64_t seed, uint64_t stream) {
  /* The stream index is mixed once so that nearby (seed, stream) pairs start
   * far apart; the state is then four splitmix64 outputs. */
  uint64_t t = stream ^ 0xD1B54A32D192ED03ull;
  uint64_t x = seed ^ splitmix64_next(&t);
  for (int i = 0; i < 4; i++) r->s[i] = splitmix64_next(&x);
  if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3])) r->s[0] = 1;
  r->has_spare = 0;
  r->spare = 0;
}

/* The generator step, inlined into every loop below (a call through the
 * shared library's PLT per draw would double the cost). */
static inline uint64_t next(pv_rng *r) {
  uint64_t *s = r->s;
  uint64_t out = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return out;
}

static inline double next_uniform(pv_rng *r) { return (double)(next(r) >> 11) * 0x1.0p-53; }

uint64_t pv_rng_u64(pv_rng *r) { return next(r); }

double pv_rng_uniform(pv_rng *r) { return next_uniform(r); }

uint64_t pv_rng_below(pv_rng *r, uint64_t n) {
  if (n == 0) return 0;
  uint64_t threshold = (0 - n) % n; /* 2^64 mod n: rejecting below it removes bias */
  for (;;) {
    uint64_t x = next(r);
    if (x >= threshold) return x % n;
  }
}

double pv_rng_portable_log(double x) {
  if (isnan(x) || x < 0) return NAN;
  if (x == 0) return -INFINITY;
  if (isinf(x)) return x;
  /* Exact split x = m 2^e with m in [0.5, 1), from the bits (frexp is a
   * library call on the hot path of every normal deviate). */
  int e = 0;
  if (x < 0x1.0p-1022) { /* subnormal: scale into the normal range first */
    x *= 0x1.0p54;
    e = -54;
  }
  uint64_t bits;
  memcpy(&bits, &x, sizeof bits);
  e += (int)((bits >> 52) & 0x7ff) - 1022;
  bits = (bits & ~(0x7ffull << 52)) | (1022ull << 52);
  double m;
  memcpy(&m, &bits, sizeof m);
  if (m < 0.70710678118654752440) {
    m *= 2;
    e -= 1;
  }
  /* log m = 2 atanh(s), s = (m-1)/(m+1), |s| <= 0.1716: the odd terms up
   * to s^25 reach below 1e-20 relative. Coefficients 1/k fold at compile
   * time to the same correctly rounded doubles on every platform. */
  static const double c[] = {1.0 / 25, 1.0 / 23, 1.0 / 21, 1.0 / 19, 1.0 / 17, 1.0 / 15,
                             1.0 / 13, 1.0 / 11, 1.0 / 9,  1.0 / 7,  1.0 / 5,  1.0 / 3};
  double s = (m - 1) / (m + 1), s2 = s * s, p = 0;
  for (int k = 0; k < 12; k++) p = (p + c[k]) * s2;
  double logm = 2 * s + 2 * s * p;
  const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
  return (double)e * ln2_hi + ((double)e * ln2_lo + logm);
}

double pv_rng_normal(pv_rng *r) {
  if (r->has_spare) {
    r->has_spare = 0;
    return r->spare;
  }
  double u, v, s;
  do {
    u = 2 * next_uniform(r) - 1;
    v = 2 * next_uniform(r) - 1;
    s = u * u + v * v;
  } while (s >= 1 || s == 0);
  double f = sqrt(-2 * pv_rng_portable_log(s) / s);
  r->spare = v * f;
  r->has_spare = 1;
  return u * f;
}

double pv_rng_exponential(pv_rng *r) {
  /* 1 - U lies in (0, 1], so the logarithm is finite. */
  return -pv_rng_portable_log(1.0 - next_uniform(r));
}

void pv_rng_fill_normal(pv_rng *r, double *x, size_t n) {
  for (size_t i = 0; i < n; i++) x[i] = pv_rng_normal(r);
}

void pv_rng_fill_uniform(pv_rng *r, double *x, size_t n) {
  for (size_t i = 0; i < n; i++) x[i] = next_uniform(r);
}

void pv_rng_shuffle(pv_rng *r, size_t *idx, size_t n) {
  for (size_t i = n; i > 1; i--) {
    size_t j = (size_t)pv_rng_below(r, i);
    size_t t = idx[i - 1];
    idx[i - 1] = idx[j];
    idx[j] = t;
  }
}

void pv_rng_jump(pv_rng *r) {
  static const uint64_t jump[4] = {0x180ec6d33cfd0abaull, 0xd5a61266f0c9392cull,
                                   0xa9582618e03fc9aaull, 0x39abdc4529b1661cull};
  uint64_t t[4] = {0, 0, 0, 0};
  for (int i = 0; i < 4; i++)
    for (int b = 0; b < 64; b++) {
      if (jump[i] & ((uint64_t)1 << b))
        for (int k = 0; k < 4; k++) t[k] ^= r->s[k];
      next(r);
    }
  for (int k = 0; k < 4; k++) r->s[k] = t[k];
  r->has_spare = 0;
}
