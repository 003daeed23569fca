/* A synthetic high-resolution multispectral scene for pansharpening tests:
 * three materials with distinct spectra on sharp-edged shapes over a smooth
 * background, a PAN that is a fixed weighted sum of the bands. */
#ifndef PSH_SYNTH_H
#define PSH_SYNTH_H
#include <stddef.h>

/* truth: bands x h x w (bands <= 8); pan: h x w = sum_b pan_w[b] truth_b.
 * pan_w (may be NULL) receives the weights. Deterministic (seed). */
void psh_synth(size_t bands, size_t w, size_t h, unsigned seed, double *truth, double *pan, double *pan_w);
#endif
