/* spectral_resample.c - spectral interpolation (zero-padding / truncation),
 * one axis at a time with batched strided 1D transforms, and strided
 * down-sampling. The nD operator is the tensor product of the 1D ones. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/spectral.h>

/* Fourier coefficients of a length-m line from the half spectrum U of a
 * length-n line (unnormalised): c_k for k = 0..m/2, stride inner. */
static void map_line(int n, int m, const double *U, double *C, size_t inner) {
  const int mh = m / 2 + 1;
  for (int k = 0; k < mh; k++) {
    double re = 0, im = 0;
    if (m < n) {
      re = U[2 * k * inner] / n;
      im = (m % 2 == 0 && 2 * k == m) ? 0.0 : U[2 * k * inner + 1] / n;
      if (m % 2 == 0 && 2 * k == m) re *= 2.0; /* +-m/2 summed: 2 Re U */
    } else if (2 * k < n) {
      re = U[2 * k * inner] / n;
      im = U[2 * k * inner + 1] / n;
    } else if (2 * k == n) { /* even n: Nyquist split between +-n/2 */
      re = U[2 * k * inner] / (2.0 * n);
    }
    C[2 * k * inner] = re;
    C[2 * k * inner + 1] = im;
  }
}

/* Resample axis of sizes shape[0..3) (outer, n, inner) from n to m. */
static int resample_axis(pv_ctx *ctx, size_t outer, int n, int m, size_t inner, const double *in,
                         double *out) {
  int s, nh = n / 2 + 1, mh = m / 2 + 1;
  if (inner > 0x7fffffff) return PV_ERROR(PV_EINVAL, "pv_spectral_resample: axis too large");
  pv_fft_options o = PV_FFT_OPTIONS_INIT;
  o.rigor = PV_FFT_ESTIMATE;
  o.istride = o.ostride = (ptrdiff_t)inner;
  o.idist = o.odist = 1;
  pv_fft_plan *fw = NULL, *bw = NULL;
  double *U = pv_malloc(2 * (size_t)nh * inner * sizeof(double));
  double *C = pv_malloc(2 * (size_t)mh * inner * sizeof(double));
  if (!U || !C) s = PV_ERROR(PV_ENOMEM, "pv_spectral_resample workspace");
  else s = pv_fft_plan_create(ctx, PV_F64, PV_FFT_R2C, 1, &n, (int)inner, &o, &fw);
  if (!s) s = pv_fft_plan_create(ctx, PV_F64, PV_FFT_C2R, 1, &m, (int)inner, &o, &bw);
  for (size_t b = 0; b < outer && !s; b++) {
    s = pv_fft_execute(fw, (void *)(uintptr_t)(in + b * (size_t)n * inner), U);
    for (size_t i = 0; i < inner && !s; i++) map_line(n, m, U + 2 * i, C + 2 * i, inner);
    if (!s) s = pv_fft_execute(bw, C, out + b * (size_t)m * inner);
  }
  pv_fft_plan_destroy(&fw);
  pv_fft_plan_destroy(&bw);
  pv_free(U);
  pv_free(C);
  return s;
}

int pv_spectral_resample(pv_ctx *ctx, int dim, const int n_in[], const double *u,
                         const int n_out[], double *out) {
  if (dim < 1 || dim > 3) return PV_ERROR(PV_EINVAL, "pv_spectral_resample: dim = %d", dim);
  if (!n_in || !n_out || !u || !out) return PV_ERROR(PV_EINVAL, "pv_spectral_resample: NULL argument");
  size_t cur[3], total_out = 1, peak = 1;
  for (int a = 0; a < dim; a++) {
    if (n_in[a] < 1 || n_out[a] < 1)
      return PV_ERROR(PV_EINVAL, "pv_spectral_resample: axis %d sizes %d -> %d must be >= 1", a,
                      n_in[a], n_out[a]);
    cur[a] = (size_t)n_in[a];
    total_out *= (size_t)n_out[a];
    peak *= (size_t)(n_in[a] > n_out[a] ? n_in[a] : n_out[a]);
  }
  double *buf[2] = {pv_malloc(peak * sizeof(double)), pv_malloc(peak * sizeof(double))};
  int s = (!buf[0] || !buf[1]) ? PV_ERROR(PV_ENOMEM, "pv_spectral_resample buffers") : PV_OK;
  const double *src = u;
  int which = 0;
  for (int a = 0; a < dim && !s; a++) {
    if (cur[a] == (size_t)n_out[a]) continue;
    size_t outer = 1, inner = 1;
    for (int i = 0; i < a; i++) outer *= cur[i];
    for (int i = a + 1; i < dim; i++) inner *= cur[i];
    s = resample_axis(ctx, outer, (int)cur[a], n_out[a], inner, src, buf[which]);
    cur[a] = (size_t)n_out[a];
    src = buf[which];
    which ^= 1;
  }
  if (!s) memmove(out, src, total_out * sizeof(double)); /* out may be u */
  pv_free(buf[0]);
  pv_free(buf[1]);
  return s;
}

int pv_spectral_downsample(int dim, const int n[], const double *u, const int stride[],
                           double *out) {
  if (dim < 1 || dim > 3) return PV_ERROR(PV_EINVAL, "pv_spectral_downsample: dim = %d", dim);
  if (!n || !u || !stride || !out)
    return PV_ERROR(PV_EINVAL, "pv_spectral_downsample: NULL argument");
  int m[3] = {1, 1, 1}, nn[3] = {1, 1, 1}, st[3] = {1, 1, 1};
  for (int a = 0; a < dim; a++) {
    if (n[a] < 1 || stride[a] < 1)
      return PV_ERROR(PV_EINVAL, "pv_spectral_downsample: axis %d: n = %d, stride = %d must be >= 1",
                      a, n[a], stride[a]);
    nn[a + 3 - dim] = n[a];
    st[a + 3 - dim] = stride[a];
    m[a + 3 - dim] = (n[a] + stride[a] - 1) / stride[a];
  }
  size_t q = 0;
  for (int i = 0; i < m[0]; i++)
    for (int j = 0; j < m[1]; j++)
      for (int k = 0; k < m[2]; k++)
        out[q++] = u[((size_t)i * st[0] * nn[1] + (size_t)j * st[1]) * nn[2] + (size_t)k * st[2]];
  return PV_OK;
}
