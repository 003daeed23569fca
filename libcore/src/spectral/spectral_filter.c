/* spectral_filter.c - 2/3 dealiasing mask and the exponential filter on half
 * spectra. */
#include <math.h>
#include <parseval/error.h>
#include "spectral_internal.h"

int pv_spectral_dealias(const pv_spectral_box *b, double *uh) {
  const void *p[] = {uh};
  int s = pvs_check(b, "pv_spectral_dealias", 1, p);
  if (s) return s;
  int cut[3];
  for (int ia = 0; ia < 3; ia++) cut[ia] = 2 * (b->m[ia] / 2); /* keep 3|m| <= cut */
  PVS_FOR_MODES(b, i0, i1, j) {
    if (3 * b->freq[0][i0] <= cut[0] && 3 * b->freq[1][i1] <= cut[1] && 3 * b->freq[2][j] <= cut[2])
      continue;
    size_t q = PVS_IDX(b, i0, i1, j);
    uh[2 * q] = uh[2 * q + 1] = 0.0;
  }
  return PV_OK;
}

int pv_spectral_filter_exp(const pv_spectral_box *b, double *uh, double strength, double order) {
  const void *p[] = {uh};
  int s = pvs_check(b, "pv_spectral_filter_exp", 1, p);
  if (s) return s;
  if (!(strength >= 0) || !isfinite(strength))
    return PV_ERROR(PV_EINVAL, "pv_spectral_filter_exp: strength = %g must be finite and >= 0",
                    strength);
  if (!(order > 0) || !isfinite(order))
    return PV_ERROR(PV_EINVAL, "pv_spectral_filter_exp: order = %g must be finite and > 0", order);
  double kmax[3];
  for (int ia = 0; ia < 3; ia++) kmax[ia] = b->m[ia] > 1 ? (double)(b->m[ia] / 2) : 1.0;
  PVS_FOR_MODES(b, i0, i1, j) {
    double e = pow(b->freq[0][i0] / kmax[0], order) + pow(b->freq[1][i1] / kmax[1], order) +
               pow(b->freq[2][j] / kmax[2], order);
    double f = exp(-strength * e);
    size_t q = PVS_IDX(b, i0, i1, j);
    uh[2 * q] *= f;
    uh[2 * q + 1] *= f;
  }
  return PV_OK;
}
