/* Colour maps. Viridis is evaluated from a published degree-6 polynomial
 * fit per channel (Matt Zucker's CC0 fit of the matplotlib viridis data,
 * written out here as coefficients); it stays within 4/255 of viridis'
 * published anchor colours (#440154 ... #FDE725, checked in the tests). */
#include <math.h>
#include <string.h>

#include <parseval/error.h>
#include <parseval/render.h>

#include "cmap_internal.h"

static const double viridis_poly[7][3] = {
    {0.2777273272234177, 0.005407344544966578, 0.3340998053353061},
    {0.1050930431085774, 1.404613529898575, 1.384590162594685},
    {-0.3308618287255563, 0.214847559468213, 0.09509516302823659},
    {-4.634230498983486, -5.799100973351585, -19.33244095627987},
    {6.228269936347081, 14.17993336680509, 56.69055260068105},
    {4.776384997670288, -13.74514537774601, -65.35303263337234},
    {-5.435455855934631, 4.645852612178535, 26.3124352495832},
};

static unsigned char to_byte(double v) {
  v = v < 0 ? 0 : v > 1 ? 1 : v;
  return (unsigned char)floor(255.0 * v + 0.5);
}

void pv_cmap_color(pv_cmap map, double t, unsigned char rgb[3]) {
  if (!(t >= 0)) t = 0; /* also NaN */
  if (t > 1) t = 1;
  if (map == PV_CMAP_GRAY) {
    rgb[0] = rgb[1] = rgb[2] = to_byte(t);
    return;
  }
  if (map == PV_CMAP_COOLWARM) {
    double c[3];
    pv_cmap_coolwarm(t, c);
    for (int ch = 0; ch < 3; ch++) rgb[ch] = to_byte(c[ch]);
    return;
  }
  for (int ch = 0; ch < 3; ch++) {
    double v = 0;
    for (int i = 6; i >= 0; i--) v = v * t + viridis_poly[i][ch]; /* Horner */
    rgb[ch] = to_byte(v);
  }
}

int pv_cmap_from_name(const char *name, pv_cmap *map) {
  if (name && strcmp(name, "viridis") == 0) { *map = PV_CMAP_VIRIDIS; return 0; }
  if (name && (strcmp(name, "gray") == 0 || strcmp(name, "grey") == 0)) { *map = PV_CMAP_GRAY; return 0; }
  if (name && strcmp(name, "coolwarm") == 0) { *map = PV_CMAP_COOLWARM; return 0; }
  return PV_ERROR(PV_EINVAL, "unknown colour map \"%s\" (viridis, gray, coolwarm)", name ? name : "(null)");
}
