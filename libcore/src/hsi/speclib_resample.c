/* Spectral libraries onto a sensor's band centres. */
#include <parseval/error.h>
#include <parseval/hsi.h>

#include <math.h>
#include <strings.h>

/* Interpolate spectrum s (m channels at lw) at x, lw[k] <= x <= lw[k+1],
 * bridging NaN channels with the nearest valid ones; NaN when one side has
 * none. */
static double interp(const double *s, const double *lw, int m, int k, double x) {
  if (m == 1) return s[0];
  int lo = k, hi = k + 1;
  if (x == lw[k] && !isnan(s[k])) return s[k];
  if (x == lw[k + 1] && !isnan(s[k + 1])) return s[k + 1];
  while (lo >= 0 && isnan(s[lo])) lo--;
  while (hi < m && isnan(s[hi])) hi++;
  if (lo < 0 || hi >= m) return NAN;
  double t = (x - lw[lo]) / (lw[hi] - lw[lo]);
  return s[lo] + t * (s[hi] - s[lo]);
}

int pv_hsi_speclib_resample(const pv_hsi_speclib *lib, const double *wl, int bands, double *out) {
  if (!lib || !wl || !out || bands < 1) return PV_ERROR(PV_EINVAL, "resample: NULL input or no bands");
  if (!lib->wavelength) return PV_ERROR(PV_EINVAL, "resample: the library has no wavelengths");
  const double *lw = lib->wavelength;
  int m = lib->bands;
  for (int k = 1; k < m; k++)
    if (!(lw[k] > lw[k - 1])) return PV_ERROR(PV_EINVAL, "resample: library wavelengths not increasing at %d", k);
  int k = 0;
  for (int b = 0; b < bands; b++) {
    double x = wl[b];
    if (!(x >= lw[0] && x <= lw[m - 1]))
      return PV_ERROR(PV_EINVAL, "resample: band %d at %g lies outside the library's range [%g, %g]", b, x, lw[0],
                      lw[m - 1]);
    if (b > 0 && x < wl[b - 1]) k = 0; /* unsorted centres: search again */
    while (k + 1 < m - 1 && lw[k + 1] < x) k++;
    for (int i = 0; i < lib->n; i++) {
      double v = interp(lib->data + (size_t)i * m, lw, m, k, x);
      if (isnan(v))
        return PV_ERROR(PV_EINVAL, "resample: band %d at %g: spectrum %d (%s) has no valid channel on one side", b,
                        x, i + 1, lib->names ? lib->names[i] : "?");
      out[(size_t)i * bands + b] = v;
    }
  }
  return PV_OK;
}

int pv_hsi_wavelength_nm_per_unit(const char *units, double *factor) {
  static const struct { const char *name; double f; } t[] = {
      {"nanometers", 1}, {"nanometres", 1}, {"nm", 1},           {"micrometers", 1e3}, {"micrometres", 1e3},
      {"microns", 1e3},  {"micron", 1e3},   {"um", 1e3},         {"millimeters", 1e6}, {"millimetres", 1e6},
      {"mm", 1e6}};
  if (!units || !factor) return PV_ERROR(PV_EINVAL, "wavelength units: NULL");
  for (size_t i = 0; i < sizeof t / sizeof *t; i++)
    if (!strcasecmp(units, t[i].name)) {
      *factor = t[i].f;
      return PV_OK;
    }
  return PV_ERROR(PV_EINVAL, "wavelength units '%.40s' are not a length (nanometers, micrometers, millimeters)",
                  units);
}
