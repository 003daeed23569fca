/* losses.c - H^{-1}_alpha error norm (through the spectral module) and the
 * Gaussian negative log-likelihood. Relative L2 lives in nn_ops.c. */
#include <math.h>
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/nn.h>
#include <parseval/spectral.h>

static double get(pv_dtype dt, const void *x, size_t i) {
  return dt == PV_F32 ? (double)((const float *)x)[i] : ((const double *)x)[i];
}
static void put(pv_dtype dt, void *x, size_t i, double v) {
  if (dt == PV_F32) ((float *)x)[i] = (float)v;
  else ((double *)x)[i] = v;
}

int pv_nn_loss_hminus1(pv_ctx *ctx, pv_dtype dt, int dim, const int n[], int batch,
                       const void *pred, const void *truth, double alpha, int relative,
                       pv_nn_reduce reduce, double *loss, void *dpred) {
  if (dt != PV_F32 && dt != PV_F64)
    return PV_ERROR(PV_EINVAL, "pv_nn_loss_hminus1: dtype %s must be f32 or f64", pv_dtype_name(dt));
  if ((dim != 2 && dim != 3) || !n || batch < 1 || !pred || !truth || !loss ||
      !(alpha > 0) || !isfinite(alpha))
    return PV_ERROR(PV_EINVAL, "pv_nn_loss_hminus1: dim %d (2 or 3), batch %d, alpha %g (> 0) "
                    "or NULL array", dim, batch, alpha);
  double L[3] = {1, 1, 1};
  pv_spectral_options so = PV_SPECTRAL_OPTIONS_INIT;
  so.rigor = PV_FFT_ESTIMATE;
  pv_spectral_box *box = NULL;
  int st = pv_spectral_box_create(ctx, dim, n, L, &so, &box);
  if (st) return st;
  const size_t N = pv_spectral_box_npoints(box);
  double *e = pv_malloc(N * sizeof *e), *g = dpred ? pv_malloc(N * sizeof *g) : NULL;
  if (!e || (dpred && !g)) {
    st = PV_ERROR(PV_ENOMEM, "pv_nn_loss_hminus1: %zu-point buffers", N);
    goto done;
  }
  const double scale = reduce == PV_NN_REDUCE_MEAN ? 1.0 / batch : 1.0;
  double sum = 0;
  for (int b = 0; b < batch; b++) {
    const size_t o = (size_t)b * N;
    double den = 1.0, num = 0;
    if (relative) {
      for (size_t i = 0; i < N; i++) e[i] = get(dt, truth, o + i);
      st = pv_spectral_sobolev_norm2(box, e, -1.0, alpha, &den);
      if (st) goto done;
      if (!(den > 0)) {
        st = PV_ERROR(PV_ENUMERIC, "pv_nn_loss_hminus1: sample %d has a zero target", b);
        goto done;
      }
    }
    for (size_t i = 0; i < N; i++) e[i] = get(dt, pred, o + i) - get(dt, truth, o + i);
    st = pv_spectral_sobolev_norm2(box, e, -1.0, alpha, &num);
    if (!st && g) st = pv_spectral_sobolev_norm2_grad(box, e, -1.0, alpha, g);
    if (st) goto done;
    sum += num / den;
    if (g)
      for (size_t i = 0; i < N; i++) put(dt, dpred, o + i, g[i] * scale / den);
  }
  *loss = sum * scale;
done:
  pv_free(e);
  pv_free(g);
  pv_spectral_box_destroy(&box);
  return st;
}

int pv_nn_loss_gaussian_nll(pv_dtype dt, size_t n, const void *pred, const void *truth,
                            const void *var, double eps, double *loss, void *dpred, void *dvar) {
  if (dt != PV_F32 && dt != PV_F64)
    return PV_ERROR(PV_EINVAL, "pv_nn_loss_gaussian_nll: dtype %s must be f32 or f64",
                    pv_dtype_name(dt));
  if (n < 1 || !pred || !truth || !var || !loss || !(eps > 0))
    return PV_ERROR(PV_EINVAL, "pv_nn_loss_gaussian_nll: n %zu, eps %g (> 0) or NULL array", n, eps);
  double sum = 0;
  for (size_t i = 0; i < n; i++) {
    double v = get(dt, var, i);
    if (v < 0 || isnan(v))
      return PV_ERROR(PV_EINVAL, "pv_nn_loss_gaussian_nll: variance %zu = %g is negative", i, v);
    v = v < eps ? eps : v;
    double r = get(dt, pred, i) - get(dt, truth, i);
    sum += 0.5 * (log(v) + r * r / v);
    if (dpred) put(dt, dpred, i, r / v / (double)n);
    if (dvar) put(dt, dvar, i, 0.5 * (1.0 / v - r * r / (v * v)) / (double)n);
  }
  *loss = sum / (double)n;
  return PV_OK;
}
