/* spectral_grf.c - Gaussian random fields sampled as FNO's GaussianRF does:
 * complex normal coefficients on the full grid times the sqrt-eigenvalues,
 * then the real part of the inverse transform. Re(IDFT(a)) = IDFT of the
 * Hermitian part h_k = (a_k + conj(a_-k)) / 2, computed with one c2r. */
#include <math.h>
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/rng.h>
#include "spectral_internal.h"

static int check_opts(const pv_spectral_box *b, const pv_grf_options *o, double *sigma) {
  const char *fn = "pv_spectral_grf_sample";
  if (!o || o->struct_size < sizeof *o)
    return PV_ERROR(PV_EINVAL, "%s: options NULL or struct_size too small (PV_GRF_OPTIONS_INIT)", fn);
  if (!(o->alpha > 0) || !isfinite(o->alpha))
    return PV_ERROR(PV_EINVAL, "%s: alpha = %g must be positive and finite", fn, o->alpha);
  if (!(o->tau > 0) || !isfinite(o->tau))
    return PV_ERROR(PV_EINVAL, "%s: tau = %g must be positive and finite", fn, o->tau);
  if (!(o->sigma >= 0) || !isfinite(o->sigma))
    return PV_ERROR(PV_EINVAL, "%s: sigma = %g must be >= 0 and finite (0 = default)", fn, o->sigma);
  *sigma = o->sigma > 0 ? o->sigma : pow(o->tau, o->alpha - 0.5 * b->dim);
  return PV_OK;
}

/* Full-grid index of -k for full-grid index (i0, i1, i2). */
static size_t mirror(const pv_spectral_box *b, int i0, int i1, int i2) {
  int r0 = (b->m[0] - i0) % b->m[0], r1 = (b->m[1] - i1) % b->m[1], r2 = (b->m[2] - i2) % b->m[2];
  return ((size_t)r0 * b->m[1] + r1) * b->m[2] + r2;
}

int pv_spectral_grf_sample(pv_spectral_box *b, const pv_grf_options *o, uint64_t seed,
                           uint64_t stream, double *u) {
  const void *p[] = {u};
  int s = pvs_check(b, "pv_spectral_grf_sample", 1, p);
  double sigma = 0;
  if (s || (s = check_opts(b, o, &sigma))) return s;
  double *z = pv_malloc(2 * b->N * sizeof(double)); /* full-grid complex normals */
  if (!z) return PV_ERROR(PV_ENOMEM, "pv_spectral_grf_sample: %zu complex coefficients", b->N);
  pv_rng r;
  pv_rng_init(&r, seed, stream);
  const double half = sqrt(0.5), amp = sqrt(2.0) * sigma, tau2 = o->tau * o->tau;
  for (size_t i = 0; i < 2 * b->N; i++) z[i] = half * pv_rng_normal(&r);
  /* a_k = amp * lambda_k * z_k, lambda_0 = 0; h_k = (a_k + conj(a_-k)) / 2. */
  const int ia = 2;
  for (int i0 = 0; i0 < b->m[0]; i0++)
    for (int i1 = 0; i1 < b->m[1]; i1++)
      for (int j = 0; j < b->mh; j++) {
        double k2 = pvs_k2(b, i0, i1, j);
        double lam = (i0 == 0 && i1 == 0 && j == 0) ? 0.0 : amp * pow(k2 + tau2, -0.5 * o->alpha);
        size_t f = ((size_t)i0 * b->m[1] + i1) * b->m[ia] + j, g = mirror(b, i0, i1, j);
        size_t q = PVS_IDX(b, i0, i1, j);
        b->wc[2 * q] = 0.5 * lam * (z[2 * f] + z[2 * g]);
        b->wc[2 * q + 1] = 0.5 * lam * (z[2 * f + 1] - z[2 * g + 1]);
      }
  pv_free(z);
  return pvs_c2r(b, b->wc, u);
}
