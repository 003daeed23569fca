/* ns_norm.c - the Navier-Stokes training verbs' data normaliser
 * (pv_nn_ns_norm): fitting it on the training split, checking it, and
 * running FNO-2D rollouts through it. The network is meant to see
 * (w - mean) / std and to have its output mapped back (out * std + mean).
 * Both maps are affine and the FNO's first (lifting) and last (proj2) layers
 * are linear, so the rollout folds them into those weights for the call:
 *   lift.weight[c][k] / std (frame channels k < t_in; grid channels kept),
 *   lift.bias[c] - mean / std * sum_k lift.weight[c][k],
 *   proj2.weight * std, proj2.bias * std + mean,
 * runs the plain rollout in physical units (so the recurrent feedback and
 * the relative-L2 loss are exactly the unnormalised ones), restores the
 * stored weights bit for bit and maps the folded weights' gradients back
 * by the chain rule. The space-time models (FNO-3D, SFNO: a GroupNorm on
 * the input, a skip from the last input frame) are not folded: their step
 * normalises the gathered inputs, maps the output back and scales the
 * output gradient by std (pv_nn_st_step_norm). */
#include <math.h>
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/nn.h>

int pv_nn_ns_norm_check(const pv_nn_ns_norm *n, const char *where) {
  if (!n) return PV_ERROR(PV_EINVAL, "%s: NULL normaliser", where ? where : "normaliser");
  if (!where) where = "normaliser";
  if (n->kind == PV_NN_NORM_NONE) return PV_OK;
  if (n->kind != PV_NN_NORM_GAUSSIAN)
    return PV_ERROR(PV_EINVAL, "%s: normaliser kind %d unknown", where, n->kind);
  if (!isfinite(n->mean)) return PV_ERROR(PV_EINVAL, "%s: norm_mean = %g is not finite", where, n->mean);
  if (!isfinite(n->std) || !(n->std > 0))
    return PV_ERROR(PV_EINVAL, "%s: norm_std = %g is not finite and positive", where, n->std);
  return PV_OK;
}

int pv_nn_ns_norm_fit(const pv_nn_ns_data *d, pv_nn_ns_norm *out) {
  if (!d || !out || !d->w) return PV_ERROR(PV_EINVAL, "pv_nn_ns_norm_fit: NULL argument");
  const size_t N = (size_t)d->samples * d->times * d->res * d->res;
  if (N == 0) return PV_ERROR(PV_EINVAL, "pv_nn_ns_norm_fit: no data");
  double sum = 0, ss = 0;
  for (size_t k = 0; k < N; k++) sum += d->w[k];
  const double mean = sum / (double)N;
  for (size_t k = 0; k < N; k++) {
    double e = d->w[k] - mean;
    ss += e * e;
  }
  const double sd = sqrt(ss / (double)N);
  if (!isfinite(mean) || !isfinite(sd) || !(sd > 0))
    return PV_ERROR(PV_ENUMERIC, "pv_nn_ns_norm_fit: mean %g, standard deviation %g: constant or "
                    "non-finite data cannot be normalised", mean, sd);
  out->kind = PV_NN_NORM_GAUSSIAN;
  out->mean = mean;
  out->std = sd;
  return PV_OK;
}

/* The four folded tensors, in the order lift.weight, lift.bias, proj2.weight, proj2.bias. */
static int folded_params(pv_nn_fno2d *m, pv_nn_param *p[4]) {
  static const char *names[4] = {"lift.weight", "lift.bias", "proj2.weight", "proj2.bias"};
  pv_nn_param *ps;
  int np;
  int st = pv_nn_fno2d_params(m, &ps, &np);
  if (st) return st;
  for (int k = 0; k < 4; k++) {
    p[k] = NULL;
    for (int i = 0; i < np && !p[k]; i++)
      if (strcmp(ps[i].name, names[k]) == 0) p[k] = &ps[i];
    if (!p[k]) return PV_ERROR(PV_EINVAL, "FNO-2D normaliser: parameter '%s' missing", names[k]);
  }
  return PV_OK;
}

/* Overwrite the parameters with the physical-unit (folded) weights. */
static void fold(pv_nn_param *p[4], int t_in, double mu, double sd) {
  const size_t W = p[1]->shape[0], cin = p[0]->shape[1], P = pv_nn_param_numel(p[2]);
  for (size_t c = 0; c < W; c++) {
    float *row = p[0]->w + c * cin;
    double s = 0;
    for (int k = 0; k < t_in; k++) {
      s += row[k];
      row[k] = (float)(row[k] / sd);
    }
    p[1]->w[c] = (float)(p[1]->w[c] - mu / sd * s);
  }
  for (size_t q = 0; q < P; q++) p[2]->w[q] = (float)(p[2]->w[q] * sd);
  p[3]->w[0] = (float)(p[3]->w[0] * sd + mu);
}

/* Gradients of the folded weights -> gradients of the stored ones. */
static void unfold_grad(pv_nn_param *p[4], int t_in, double mu, double sd) {
  const size_t W = p[1]->shape[0], cin = p[0]->shape[1], P = pv_nn_param_numel(p[2]);
  for (size_t c = 0; c < W; c++) {
    float *g = p[0]->g + c * cin;
    for (int k = 0; k < t_in; k++) g[k] = (float)(g[k] / sd - mu / sd * p[1]->g[c]);
  }
  for (size_t q = 0; q < P; q++) p[2]->g[q] = (float)(p[2]->g[q] * sd);
  p[3]->g[0] = (float)(p[3]->g[0] * sd);
}

int pv_nn_fno2d_rollout_norm(pv_nn_fno2d *m, const pv_nn_ns_norm *norm, int batch, int T,
                             const float *x0, const float *y, pv_nn_reduce reduce, int grad,
                             double *loss, float *pred) {
  if (!m) return PV_ERROR(PV_EINVAL, "pv_nn_fno2d_rollout_norm: NULL model");
  if (!norm || norm->kind == PV_NN_NORM_NONE)
    return pv_nn_fno2d_rollout(m, batch, T, x0, y, reduce, grad, loss, pred);
  int st = pv_nn_ns_norm_check(norm, "pv_nn_fno2d_rollout_norm");
  if (!st && pv_nn_fno2d_dtype(m) != PV_F32)
    st = PV_ERROR(PV_EINVAL, "pv_nn_fno2d_rollout_norm: float models only");
  pv_nn_param *p[4];
  if (!st) st = folded_params(m, p);
  if (st) return st;
  pv_nn_fno2d_config c;
  pv_nn_fno2d_get_config(m, &c);
  size_t n[4], tot = 0;
  for (int k = 0; k < 4; k++) tot += n[k] = pv_nn_param_numel(p[k]);
  if (p[0]->ndim != 2 || p[0]->shape[1] < (size_t)c.t_in || n[1] != p[0]->shape[0] || n[3] != 1)
    return PV_ERROR(PV_EINVAL, "FNO-2D normaliser: unexpected lifting / projection shapes");
  float *save = pv_malloc(2 * tot * sizeof *save); /* weights, then gradients */
  if (!save) return PV_ERROR(PV_ENOMEM, "FNO-2D normaliser: %zu floats", 2 * tot);
  for (size_t k = 0, o = 0; k < 4; o += n[k], k++) {
    memcpy(save + o, p[k]->w, n[k] * sizeof *save);
    memcpy(save + tot + o, p[k]->g, n[k] * sizeof *save);
    if (grad) memset(p[k]->g, 0, n[k] * sizeof *save);
  }
  fold(p, c.t_in, norm->mean, norm->std);
  st = pv_nn_fno2d_rollout(m, batch, T, x0, y, reduce, grad, loss, pred);
  if (grad) unfold_grad(p, c.t_in, norm->mean, norm->std);
  for (size_t k = 0, o = 0; k < 4; o += n[k], k++) {
    memcpy(p[k]->w, save + o, n[k] * sizeof *save);
    for (size_t i = 0; grad && i < n[k]; i++) p[k]->g[i] += save[tot + o + i];
  }
  pv_free(save);
  return st;
}

int pv_nn_st_step_norm(pv_nn_st *m, const pv_nn_ns_norm *norm, int batch, const float *x0,
                       const float *y, pv_nn_reduce reduce, int grad, double *loss, float *pred) {
  if (!m || !x0) return PV_ERROR(PV_EINVAL, "pv_nn_st_step_norm: NULL argument");
  if (!norm || norm->kind == PV_NN_NORM_NONE)
    return pv_nn_st_step(m, batch, x0, y, reduce, grad, loss, pred);
  int st = pv_nn_ns_norm_check(norm, "pv_nn_st_step_norm");
  if (st) return st;
  if (pv_nn_st_dtype(m) != PV_F32) return PV_ERROR(PV_EINVAL, "pv_nn_st_step_norm: float models only");
  if (grad && (!y || !loss))
    return PV_ERROR(PV_EINVAL, "pv_nn_st_step_norm: gradients need targets and a loss");
  pv_nn_st_config c;
  pv_nn_st_get_config(m, &c);
  if (batch < 1 || batch > c.max_batch)
    return PV_ERROR(PV_EINVAL, "pv_nn_st_step_norm: batch %d not in 1..%d", batch, c.max_batch);
  const size_t S = (size_t)c.n * c.n, nx = (size_t)batch * c.t_in * S, ny = (size_t)batch * c.t_out * S;
  float *buf = pv_malloc((nx + 2 * ny) * sizeof *buf);
  if (!buf) return PV_ERROR(PV_ENOMEM, "pv_nn_st_step_norm: %zu floats", nx + 2 * ny);
  float *xn = buf, *out = buf + nx, *dout = out + ny;
  const double mu = norm->mean, sd = norm->std;
  for (size_t i = 0; i < nx; i++) xn[i] = (float)((x0[i] - mu) / sd);
  st = pv_nn_st_forward(m, batch, xn, out);
  for (size_t i = 0; !st && i < ny; i++) out[i] = (float)(out[i] * sd + mu);
  if (!st && y)
    st = pv_nn_loss_rel_l2(PV_F32, batch, (size_t)c.t_out * S, out, y, reduce, loss,
                           grad ? dout : NULL);
  if (!st && grad) {
    for (size_t i = 0; i < ny; i++) dout[i] = (float)(dout[i] * sd);
    st = pv_nn_st_backward(m, batch, dout);
  }
  if (!st && pred) memcpy(pred, out, ny * sizeof *pred);
  pv_free(buf);
  return st;
}
