/* Spectral libraries onto a sensor's band centres. */
#include <parseval/error.h>
#include <parseval/hsi.h>

#include <math.h>

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
    double t = m > 1 ? (x - lw[k]) / (lw[k + 1] - lw[k]) : 0;
    if (m > 1 && x > lw[k + 1]) t = 1;
    for (int i = 0; i < lib->n; i++) {
      const double *s = lib->data + (size_t)i * m;
      out[(size_t)i * bands + b] = m > 1 ? s[k] + t * (s[k + 1] - s[k]) : s[0];
    }
  }
  return PV_OK;
}
