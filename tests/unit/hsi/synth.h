/* synth.h - a small linear-mixing scene with known truth for the hsi tests:
 * smooth positive endmember spectra, pixels 0..p-1 pure, the rest uniform on
 * the simplex (Dirichlet(1)), white Gaussian noise at a chosen SNR. */
#ifndef PV_TEST_SYNTH_H
#define PV_TEST_SYNTH_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
  int bands, p;
  size_t n;
  double *y;  /* bands x n, band-sequential */
  double *em; /* p x bands */
  double *a;  /* p x n */
} synth_scene;

/* snr_db = INFINITY for no noise. Free with synth_free. */
void synth_make(synth_scene *s, int bands, int p, size_t n, double snr_db, uint64_t seed);
void synth_free(synth_scene *s);
#endif
