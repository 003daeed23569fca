#include "psh_synth.h"

#include <math.h>

#include <parseval/rng.h>

void psh_synth(size_t bands, size_t w, size_t h, unsigned seed, double *truth, double *pan, double *pan_w) {
  static const double spec[3][8] = {{0.05, 0.08, 0.06, 0.45, 0.40, 0.30, 0.25, 0.20},  /* vegetation-like */
                                    {0.20, 0.24, 0.28, 0.32, 0.35, 0.37, 0.38, 0.39},  /* soil-like */
                                    {0.12, 0.10, 0.06, 0.02, 0.01, 0.01, 0.01, 0.01}}; /* water-like */
  double wsum = 0, pw[8];
  for (size_t b = 0; b < bands; b++) wsum += pw[b] = 1.0 + 0.2 * (double)b;
  for (size_t b = 0; b < bands; b++) pw[b] /= wsum;
  pv_rng r;
  pv_rng_init(&r, seed, 7);
  double cx[12], cy[12], rad[12];
  for (int k = 0; k < 12; k++) {
    cx[k] = pv_rng_uniform(&r) * (double)w;
    cy[k] = pv_rng_uniform(&r) * (double)h;
    rad[k] = (0.05 + 0.15 * pv_rng_uniform(&r)) * (double)(w < h ? w : h);
  }
  for (size_t y = 0; y < h; y++)
    for (size_t x = 0; x < w; x++) {
      double a[3] = {0.3 + 0.2 * sin(0.05 * (double)x) * cos(0.04 * (double)y), 0.5, 0.2};
      for (int k = 0; k < 12; k++) { /* disks (odd k) and squares (even k) of one material */
        double dx = (double)x - cx[k], dy = (double)y - cy[k];
        int in = k & 1 ? dx * dx + dy * dy < rad[k] * rad[k] : fabs(dx) < rad[k] && fabs(dy) < rad[k];
        if (in) a[0] = a[1] = a[2] = 0, a[k % 3] = 1;
      }
      double s = a[0] + a[1] + a[2], p = 0;
      for (size_t b = 0; b < bands; b++) {
        double v = 0;
        for (int k = 0; k < 3; k++) v += a[k] / s * spec[k][b];
        v *= 1000.0 * (1 + 0.05 * sin(0.7 * (double)x + 0.3 * (double)y)); /* fine texture, DN scale */
        truth[(b * h + y) * w + x] = v;
        p += pw[b] * v;
      }
      pan[y * w + x] = p;
    }
  for (size_t b = 0; pan_w && b < bands; b++) pan_w[b] = pw[b];
}
