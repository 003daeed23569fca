#include "synth.h"

#include <math.h>
#include <parseval/rng.h>
#include <stdlib.h>

void synth_make(synth_scene *s, int bands, int p, size_t n, double snr_db, uint64_t seed) {
  pv_rng r;
  pv_rng_init(&r, seed, 0);
  s->bands = bands;
  s->p = p;
  s->n = n;
  s->y = calloc((size_t)bands * n, sizeof *s->y);
  s->em = malloc((size_t)p * bands * sizeof *s->em);
  s->a = malloc((size_t)p * n * sizeof *s->a);
  for (int i = 0; i < p; i++)
    for (int b = 0; b < bands; b++) s->em[i * bands + b] = 0.05;
  for (int i = 0; i < p; i++)
    for (int bump = 0; bump < 3; bump++) {
      double c = pv_rng_uniform(&r) * bands, w = 2 + pv_rng_uniform(&r) * bands / 6.0, h = 0.2 + pv_rng_uniform(&r);
      for (int b = 0; b < bands; b++) s->em[i * bands + b] += h * exp(-0.5 * (b - c) * (b - c) / (w * w));
    }
  for (size_t j = 0; j < n; j++) {
    double sum = 0, e[64];
    for (int i = 0; i < p; i++) sum += e[i] = j < (size_t)p ? (i == (int)j) : pv_rng_exponential(&r);
    for (int i = 0; i < p; i++) s->a[i * n + j] = e[i] / sum;
  }
  double power = 0;
  for (int b = 0; b < bands; b++)
    for (size_t j = 0; j < n; j++) {
      double v = 0;
      for (int i = 0; i < p; i++) v += s->em[i * bands + b] * s->a[i * n + j];
      s->y[b * n + j] = v;
      power += v * v;
    }
  double sigma = isinf(snr_db) ? 0 : sqrt(power / ((double)bands * n) / pow(10, snr_db / 10));
  for (size_t k = 0; k < (size_t)bands * n; k++) s->y[k] += sigma * pv_rng_normal(&r);
}

void synth_free(synth_scene *s) {
  free(s->y);
  free(s->em);
  free(s->a);
}
