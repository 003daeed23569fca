/* nn_ops.c - pointwise layers (linear / 1x1 convolution, GELU, add) and the
 * relative-L2 loss, float and double from nn_ops_tmpl.inc. */
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/nn.h>
#include "nn/nn_internal.h"

void pv__nn_blas_single(void) { openblas_set_num_threads(1); }

/* Columns per gemm task: large enough for BLAS, small enough to spread work. */
#define PV_NN_COLS 1024
/* Elements per GELU task. */
#define PV_NN_GELU_CHUNK 16384
/* AVX-512 / AVX2 clones of the elementwise kernels (x86-64 with ifunc support only). */
#if defined(__x86_64__) && defined(__linux__) && \
    ((defined(__GNUC__) && !defined(__clang__)) || (defined(__clang__) && __clang_major__ >= 14))
#define PV_NN_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define PV_NN_CLONES
#endif

/* exp(a) for a <= 0 (2^k times a degree-6 polynomial, relative error about
 * 1e-7); below a = -87 it returns values under 2^-125 instead of the exact
 * tiny number (the clamp is on the integer exponent: a float select would
 * stop loops calling it from vectorising). */
static inline __attribute__((always_inline)) float nn_expf(float a) {
  float kf = (a * 1.44269504f + 12582912.0f) - 12582912.0f;
  float r = a - kf * 0.693145751953125f - kf * 1.428606765330187e-06f;
  float p = 1.0f + r * (1.0f + r * (0.5f + r * (0.16666667f + r * (0.041666668f +
            r * (0.008333334f + r * 0.0013888889f)))));
  int32_t k = (int32_t)kf;
  k = k < -126 ? -126 : k;
  uint32_t bits = (uint32_t)(k + 127) << 23;
  float s;
  memcpy(&s, &bits, sizeof s);
  return p * s;
}

/* Phi(x) (standard normal cdf) and phi(x) (its density) for float: erf by
 * Abramowitz & Stegun 7.1.26 (absolute error < 1.5e-7). */
static inline __attribute__((always_inline)) void nn_phi_f32(float x, float *Phi, float *phi) {
  float z = fabsf(x) * 0.70710678f;
  float e = nn_expf(-z * z); /* exp(-x^2/2) */
  float t = 1.0f / (1.0f + 0.3275911f * z);
  float poly = t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f +
               t * (-1.453152027f + t * 1.061405429f))));
  float erfz = 1.0f - poly * e;
  *Phi = 0.5f + 0.5f * copysignf(erfz, x);
  *phi = 0.39894228f * e;
}
static inline __attribute__((always_inline)) void nn_phi_f64(double x, double *Phi, double *phi) {
  *Phi = 0.5 * (1.0 + erf(x * 0.70710678118654752440));
  *phi = 0.39894228040143267794 * exp(-0.5 * x * x);
}

#define R float
#define SFX(name) name##_f32
#define GEMM cblas_sgemm
#include "nn_ops_tmpl.inc"
#undef R
#undef SFX
#undef GEMM
#define R double
#define SFX(name) name##_f64
#define GEMM cblas_dgemm
#include "nn_ops_tmpl.inc"
#undef R
#undef SFX
#undef GEMM

static int check_dtype(pv_dtype t, const char *fn) {
  if (t != PV_F32 && t != PV_F64)
    return PV_ERROR(PV_EINVAL, "%s: dtype %s must be f32 or f64", fn, pv_dtype_name(t));
  return PV_OK;
}

static int check_dims(int threads, int batch, int cin, int cout, size_t npts, const char *fn) {
  if (threads < 0 || batch < 1 || cin < 1 || cout < 1 || npts < 1)
    return PV_ERROR(PV_EINVAL, "%s: threads %d, batch %d, cin %d, cout %d, npts %zu out of range",
                    fn, threads, batch, cin, cout, npts);
  return PV_OK;
}

int pv_nn_linear_forward(pv_dtype dt, int threads, int batch, int cin, int cout, size_t npts,
                         const void *X, const void *W, const void *bias, void *Y) {
  int s = check_dtype(dt, "pv_nn_linear_forward");
  if (!s) s = check_dims(threads, batch, cin, cout, npts, "pv_nn_linear_forward");
  if (s) return s;
  if (!X || !W || !Y) return PV_ERROR(PV_EINVAL, "pv_nn_linear_forward: NULL array");
  pv__nn_blas_single();
  if (dt == PV_F32)
    pv__nn_linear_fwd_f32(threads, batch, cin, cout, npts, X, (size_t)cin * npts, W, bias, Y,
                          (size_t)cout * npts, 0);
  else
    pv__nn_linear_fwd_f64(threads, batch, cin, cout, npts, X, (size_t)cin * npts, W, bias, Y,
                          (size_t)cout * npts, 0);
  return PV_OK;
}

int pv_nn_linear_backward(pv_dtype dt, int threads, int batch, int cin, int cout, size_t npts,
                          const void *X, const void *W, const void *dY, void *dX, void *dW,
                          void *db, void *work) {
  int s = check_dtype(dt, "pv_nn_linear_backward");
  if (!s) s = check_dims(threads, batch, cin, cout, npts, "pv_nn_linear_backward");
  if (s) return s;
  if (!X || !W || !dY) return PV_ERROR(PV_EINVAL, "pv_nn_linear_backward: NULL array");
  void *own = NULL;
  if (!work && (dW || db)) {
    own = pv_malloc((size_t)batch * cout * (cin + 1) * pv_dtype_size(dt));
    if (!own) return PV_ERROR(PV_ENOMEM, "pv_nn_linear_backward: scratch");
    work = own;
  }
  pv__nn_blas_single();
  if (dt == PV_F32)
    pv__nn_linear_bwd_f32(threads, batch, cin, cout, npts, X, (size_t)cin * npts, W, dY,
                          (size_t)cout * npts, dX, (size_t)cin * npts, dW, db, work);
  else
    pv__nn_linear_bwd_f64(threads, batch, cin, cout, npts, X, (size_t)cin * npts, W, dY,
                          (size_t)cout * npts, dX, (size_t)cin * npts, dW, db, work);
  pv_free(own);
  return PV_OK;
}

int pv_nn_gelu_forward(pv_dtype dt, int threads, size_t n, const void *x, void *y) {
  int s = check_dtype(dt, "pv_nn_gelu_forward");
  if (s) return s;
  if (!x || !y) return PV_ERROR(PV_EINVAL, "pv_nn_gelu_forward: NULL array");
  if (dt == PV_F32) pv__nn_gelu_fwd_f32(threads, n, x, y);
  else pv__nn_gelu_fwd_f64(threads, n, x, y);
  return PV_OK;
}

int pv_nn_gelu_backward(pv_dtype dt, int threads, size_t n, const void *x, const void *dy,
                        void *dx) {
  int s = check_dtype(dt, "pv_nn_gelu_backward");
  if (s) return s;
  if (!x || !dy || !dx) return PV_ERROR(PV_EINVAL, "pv_nn_gelu_backward: NULL array");
  if (dt == PV_F32) pv__nn_gelu_bwd_f32(threads, n, x, dy, dx);
  else pv__nn_gelu_bwd_f64(threads, n, x, dy, dx);
  return PV_OK;
}

int pv_nn_add(pv_dtype dt, int threads, size_t n, const void *a, const void *b, void *y) {
  int s = check_dtype(dt, "pv_nn_add");
  if (s) return s;
  if (!a || !b || !y) return PV_ERROR(PV_EINVAL, "pv_nn_add: NULL array");
  if (dt == PV_F32) add_f32(threads, n, a, b, y);
  else add_f64(threads, n, a, b, y);
  return PV_OK;
}

int pv_nn_loss_rel_l2(pv_dtype dt, int batch, size_t npts, const void *pred, const void *truth,
                      pv_nn_reduce reduce, double *loss, void *dpred) {
  int s = check_dtype(dt, "pv_nn_loss_rel_l2");
  if (s) return s;
  if (batch < 1 || npts < 1 || !pred || !truth || !loss)
    return PV_ERROR(PV_EINVAL, "pv_nn_loss_rel_l2: batch %d, npts %zu or NULL array", batch, npts);
  double scale = reduce == PV_NN_REDUCE_MEAN ? 1.0 / batch : 1.0;
  if (dt == PV_F32)
    s = pv__nn_rel_l2_f32(batch, npts, pred, npts, truth, npts, scale, loss, dpred, npts);
  else
    s = pv__nn_rel_l2_f64(batch, npts, pred, npts, truth, npts, scale, loss, dpred, npts);
  if (!s) *loss *= scale;
  return s;
}
