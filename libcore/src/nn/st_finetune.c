/* st_finetune.c - Spectral-Refiner fine-tuning of an SFNO (fno/finetune.py,
 * ex2_SFNO_finetune_fnodata.ipynb): widen the output layer's modes, freeze
 * the rest, and minimise the H^-1 Navier-Stokes residual of the predicted
 * trajectory with Adam, the trunk's latent output cached. */
#include <math.h>
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/nn.h>
#include "nn/st_internal.h"

static double getv(const pv_nn_st *m, size_t i) {
  return m->dtype == PV_F32 ? (double)((const float *)m->w)[i] : ((const double *)m->w)[i];
}
static void setv(pv_nn_st *m, size_t i, double v) {
  if (m->dtype == PV_F32) ((float *)m->w)[i] = (float)v;
  else ((double *)m->w)[i] = v;
}

/* Copy complex block tensor [4][..][mx][my][mt] of base parameter bi into the
 * widened parameter ni by physical frequency (high-x / high-y blocks fill the
 * last old-mode rows, as torch's slice(-m_old, None)). lead: leading extent
 * per block (cin cout for weights, 1 for the bias). */
static void widen_copy(const pv_nn_st *base, int bi, pv_nn_st *m, int ni, size_t lead) {
  const int *om = base->cfg.out_modes, *nm = m->cfg.out_modes;
  for (int blk = 0; blk < 4; blk++)
    for (size_t l = 0; l < lead; l++)
      for (int i = 0; i < om[0]; i++)
        for (int j = 0; j < om[1]; j++)
          for (int k = 0; k < om[2]; k++) {
            const int ii = (blk & 1) ? nm[0] - om[0] + i : i, jj = (blk & 2) ? nm[1] - om[1] + j : j;
            const size_t so = ((((size_t)blk * lead + l) * om[0] + i) * om[1] + j) * om[2] + k;
            const size_t no = ((((size_t)blk * lead + l) * nm[0] + ii) * nm[1] + jj) * nm[2] + k;
            for (int c = 0; c < 2; c++)
              setv(m, m->off[ni] + 2 * no + c, getv(base, base->off[bi] + 2 * so + c));
          }
}

int pv_nn_sfno_finetune_prepare(pv_ctx *ctx, const pv_nn_st *base, pv_dtype dtype,
                                const int out_modes[3], int max_batch, pv_nn_st **out) {
  if (!base || !out_modes || !out)
    return PV_ERROR(PV_EINVAL, "pv_nn_sfno_finetune_prepare: NULL argument");
  *out = NULL;
  if (base->cfg.kind != PV_NN_ST_SFNO)
    return PV_ERROR(PV_EINVAL, "pv_nn_sfno_finetune_prepare: the base model is not an SFNO");
  pv_nn_st_config c = base->cfg;
  for (int a = 0; a < 3; a++) {
    if (out_modes[a] < base->cfg.out_modes[a])
      return PV_ERROR(PV_EINVAL, "pv_nn_sfno_finetune_prepare: modes %d on axis %d below the "
                      "base's %d", out_modes[a], a, base->cfg.out_modes[a]);
    c.out_modes[a] = out_modes[a];
  }
  c.max_batch = max_batch;
  pv_nn_st *m = NULL;
  int st = pv_nn_st_create(ctx, dtype, &c, &m);
  if (st) return st;
  for (int i = 0; i < m->nparams; i++) {
    if (i == m->i_out_w || i == m->i_out_b) continue;
    const size_t cnt = pv_nn_param_numel(&m->params[i]) * (m->params[i].is_complex ? 2 : 1);
    for (size_t k = 0; k < cnt; k++) setv(m, m->off[i] + k, getv(base, base->off[i] + k));
    m->params[i].frozen = 1;
  }
  /* new entries: xavier-uniform, gain 1e-6, of a [1][1][mx][my][mt][2] tensor
   * (fan_in = fan_out = 2 mx my mt); bias 0 */
  const double fan = 2.0 * out_modes[0] * out_modes[1] * out_modes[2];
  const double bound = 1e-6 * sqrt(6.0 / (2.0 * fan));
  const size_t nw = 2 * pv_nn_param_numel(&m->params[m->i_out_w]);
  const size_t nb = 2 * pv_nn_param_numel(&m->params[m->i_out_b]);
  pv_rng r;
  pv_rng_init(&r, ctx ? pv_ctx_seed(ctx) : 0, 0x66740000u);
  for (size_t k = 0; k < nw; k++) setv(m, m->off[m->i_out_w] + k, bound * (2 * pv_rng_uniform(&r) - 1));
  for (size_t k = 0; k < nb; k++) setv(m, m->off[m->i_out_b] + k, 0.0);
  widen_copy(base, base->i_out_w, m, m->i_out_w, 1);
  widen_copy(base, base->i_out_b, m, m->i_out_b, 1);
  m->frozen_trunk = 1;
  *out = m;
  return PV_OK;
}

/* Adam on the output weights (group 0 of this stage) and bias (group 1). */
typedef struct ft_adam {
  double *mw, *vw;
  size_t n, nw;        /* reals in total, of which the weights first */
  int64_t t;
} ft_adam;

static void ft_adam_step(ft_adam *a, double *w, const double *g, double lr_w, double lr_b) {
  const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
  a->t++;
  const double c1 = 1 - pow(b1, (double)a->t), c2 = 1 - pow(b2, (double)a->t);
  for (size_t i = 0; i < a->n; i++) {
    a->mw[i] = b1 * a->mw[i] + (1 - b1) * g[i];
    a->vw[i] = b2 * a->vw[i] + (1 - b2) * g[i] * g[i];
    const double lr = i < a->nw ? lr_w : lr_b;
    w[i] -= lr * (a->mw[i] / c1) / (sqrt(a->vw[i] / c2) + eps);
  }
}

int pv_nn_sfno_finetune(pv_nn_st *m, const double *x0, const pv_nn_sfno_finetune_options *o,
                        double *pred_before, double *pred_after, double *res_before,
                        double *res_after) {
  if (!m || !x0 || !o || o->struct_size < sizeof *o)
    return PV_ERROR(PV_EINVAL, "pv_nn_sfno_finetune: NULL argument or struct_size too small");
  if (m->cfg.kind != PV_NN_ST_SFNO || m->dtype != PV_F64 || !m->frozen_trunk)
    return PV_ERROR(PV_EINVAL, "pv_nn_sfno_finetune: needs a double SFNO from "
                    "pv_nn_sfno_finetune_prepare");
  if (o->iters < 0 || !(o->lr_weight >= 0) || !(o->lr_bias >= 0))
    return PV_ERROR(PV_EINVAL, "pv_nn_sfno_finetune: iters %d, lr %g / %g", o->iters, o->lr_weight,
                    o->lr_bias);
  const int n = m->cfg.n, T = m->cfg.t_out;
  const size_t NT = (size_t)T * m->S;
  pv_nn_ns_residual_options ro = PV_NN_NS_RESIDUAL_OPTIONS_INIT;
  ro.nu = o->nu;
  ro.dt = o->dt;
  ro.alpha = o->alpha;
  ro.forcing = o->forcing;
  ro.dt_form = o->dt_form;
  ro.solver_dt = o->solver_dt;
  /* output parameters are contiguous: weights then bias */
  const size_t w0 = m->off[m->i_out_w];
  ft_adam a = {NULL, NULL, 2 * pv_nn_param_numel(&m->params[m->i_out_w]) +
                               2 * pv_nn_param_numel(&m->params[m->i_out_b]),
               2 * pv_nn_param_numel(&m->params[m->i_out_w]), 0};
  double *pred = pv_malloc(NT * sizeof *pred), *dw = pv_malloc(NT * sizeof *dw);
  a.mw = pv_calloc(a.n, sizeof *a.mw);
  a.vw = pv_calloc(a.n, sizeof *a.vw);
  int st = pred && dw && a.mw && a.vw ? PV_OK : PV_ERROR(PV_ENOMEM, "fine-tuning buffers");
  double loss = 0;
  if (!st) st = pv__sfno_fwd_f64(m, 1, x0, pred, 0);
  if (!st && pred_before) memcpy(pred_before, pred, NT * sizeof *pred);
  for (int it = 0; !st && it <= o->iters; it++) {
    st = pv_nn_loss_ns_residual(m->ctx, n, T, pred, &ro, &loss, it < o->iters ? dw : NULL);
    if (st) break;
    if (it == 0 && res_before) *res_before = loss;
    if (it == o->iters) break;
    pv_nn_st_zero_grad(m);
    st = pv__sfno_bwd_f64(m, 1, dw);
    if (!st) ft_adam_step(&a, (double *)m->w + w0, (const double *)m->g + w0, o->lr_weight, o->lr_bias);
    if (!st) st = pv__sfno_fwd_f64(m, 1, x0, pred, 1);
    if (!st) st = pv_ctx_progress(m->ctx, (it + 1.0) / o->iters, "fine-tuning");
  }
  if (!st && res_after) *res_after = loss;
  if (!st && pred_after) memcpy(pred_after, pred, NT * sizeof *pred);
  pv_free(pred);
  pv_free(dw);
  pv_free(a.mw);
  pv_free(a.vw);
  return st;
}
