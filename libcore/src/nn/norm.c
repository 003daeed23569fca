/* norm.c - layer norm over channels and group / instance norm over space
 * (parseval/nn_layers.h), float and double from norm_tmpl.inc. */
#include <math.h>
#include <stddef.h>
#include <parseval/error.h>
#include <parseval/nn.h>

/* Points per layer-norm task (two double accumulators each, on the stack). */
#define PV_NORM_BLK 256

#define R float
#define SFX(name) name##_f32
#include "norm_tmpl.inc"
#undef R
#undef SFX
#define R double
#define SFX(name) name##_f64
#include "norm_tmpl.inc"
#undef R
#undef SFX

static int check(pv_dtype dt, int threads, int batch, int C, int G, size_t np, const char *fn) {
  if (dt != PV_F32 && dt != PV_F64)
    return PV_ERROR(PV_EINVAL, "%s: dtype %s must be f32 or f64", fn, pv_dtype_name(dt));
  if (threads < 0 || batch < 1 || C < 1 || np < 1 || G < 1 || C % G != 0)
    return PV_ERROR(PV_EINVAL, "%s: threads %d, batch %d, channels %d, groups %d, npts %zu out "
                    "of range (groups must divide channels)", fn, threads, batch, C, G, np);
  return PV_OK;
}

int pv_nn_layer_norm_forward(pv_dtype dt, int threads, int batch, int C, size_t np, double eps,
                             const void *X, const void *g, const void *b, void *Y, void *stats) {
  int st = check(dt, threads, batch, C, 1, np, "pv_nn_layer_norm_forward");
  if (st) return st;
  if (!X || !Y || !(eps >= 0) || !isfinite(eps))
    return PV_ERROR(PV_EINVAL, "pv_nn_layer_norm_forward: NULL array or eps %g", eps);
  if (dt == PV_F32)
    ln_fwd_f32(threads, batch, C, np, eps, X, g, b, Y, stats);
  else
    ln_fwd_f64(threads, batch, C, np, eps, X, g, b, Y, stats);
  return PV_OK;
}

int pv_nn_layer_norm_backward(pv_dtype dt, int threads, int batch, int C, size_t np,
                              const void *X, const void *g, const void *stats, const void *dY,
                              void *dX, void *dg, void *db) {
  int st = check(dt, threads, batch, C, 1, np, "pv_nn_layer_norm_backward");
  if (st) return st;
  if (!X || !stats || !dY)
    return PV_ERROR(PV_EINVAL, "pv_nn_layer_norm_backward: NULL X, stats or dY");
  if (dt == PV_F32)
    ln_bwd_f32(threads, batch, C, np, X, g, stats, dY, dX, dg, db);
  else
    ln_bwd_f64(threads, batch, C, np, X, g, stats, dY, dX, dg, db);
  return PV_OK;
}

int pv_nn_group_norm_forward(pv_dtype dt, int threads, int batch, int C, int G, size_t np,
                             double eps, const void *X, const void *g, const void *b, void *Y,
                             void *stats) {
  int st = check(dt, threads, batch, C, G, np, "pv_nn_group_norm_forward");
  if (st) return st;
  if (!X || !Y || !(eps >= 0) || !isfinite(eps))
    return PV_ERROR(PV_EINVAL, "pv_nn_group_norm_forward: NULL array or eps %g", eps);
  if (dt == PV_F32)
    gn_fwd_f32(threads, batch, C, G, np, eps, X, g, b, Y, stats);
  else
    gn_fwd_f64(threads, batch, C, G, np, eps, X, g, b, Y, stats);
  return PV_OK;
}

int pv_nn_group_norm_backward(pv_dtype dt, int threads, int batch, int C, int G, size_t np,
                              const void *X, const void *g, const void *stats, const void *dY,
                              void *dX, void *dg, void *db) {
  int st = check(dt, threads, batch, C, G, np, "pv_nn_group_norm_backward");
  if (st) return st;
  if (!X || !stats || !dY)
    return PV_ERROR(PV_EINVAL, "pv_nn_group_norm_backward: NULL X, stats or dY");
  if (dt == PV_F32)
    gn_bwd_f32(threads, batch, C, G, np, X, g, stats, dY, dX, dg, db);
  else
    gn_bwd_f64(threads, batch, C, G, np, X, g, stats, dY, dX, dg, db);
  return PV_OK;
}
