/* sigmaReparam (Zhai et al., "Stabilizing Transformer Training by Preventing
 * Attention Entropy Collapse", ICML 2023): W^ = gamma / sigma(W) W with sigma
 * from one power iteration per step on persistent u, v (stop-gradient). */
#include <math.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/nn_optim.h>
#include <parseval/rng.h>

struct pv_nn_sigma_reparam {
  size_t rows, cols;
  double *u, *v;
  double sigma; /* of the last forward (0 before) */
};

static void sr_normalise(double *x, size_t n) {
  double s = 0.0;
  for (size_t i = 0; i < n; i++) s += x[i] * x[i];
  s = sqrt(s);
  if (s > 0.0)
    for (size_t i = 0; i < n; i++) x[i] /= s;
}

int pv_nn_sigma_reparam_create(pv_ctx *ctx, size_t rows, size_t cols, uint64_t stream,
                               pv_nn_sigma_reparam **out) {
  if (!out || rows < 1 || cols < 1 || rows > ((size_t)1 << 30) / cols)
    return PV_ERROR(PV_EINVAL, "nn_sigma_reparam_create: bad size %zu x %zu", rows, cols);
  *out = NULL;
  pv_nn_sigma_reparam *s = pv_calloc(1, sizeof *s);
  double *uv = pv_malloc((rows + cols) * sizeof *uv);
  if (!s || !uv) {
    pv_free(s);
    pv_free(uv);
    return PV_ERROR(PV_ENOMEM, "nn_sigma_reparam_create: out of memory");
  }
  s->rows = rows;
  s->cols = cols;
  s->u = uv;
  s->v = uv + rows;
  pv_rng rng;
  pv_rng_init(&rng, ctx ? pv_ctx_seed(ctx) : 0, stream);
  pv_rng_fill_normal(&rng, uv, rows + cols);
  sr_normalise(s->u, rows);
  sr_normalise(s->v, cols);
  *out = s;
  return PV_OK;
}

void pv_nn_sigma_reparam_destroy(pv_nn_sigma_reparam **s) {
  if (!s || !*s) return;
  pv_free((*s)->u);
  pv_free(*s);
  *s = NULL;
}

void pv_nn_sigma_reparam_vectors(pv_nn_sigma_reparam *s, double **u, double **v) {
  if (u) *u = s ? s->u : NULL;
  if (v) *v = s ? s->v : NULL;
}

void pv_nn_sigma_reparam_size(const pv_nn_sigma_reparam *s, size_t *rows, size_t *cols) {
  if (rows) *rows = s ? s->rows : 0;
  if (cols) *cols = s ? s->cols : 0;
}

#define SR_T float
#define SR_SUFFIX f
#include "nn/optim_sigma_impl.h"
#undef SR_T
#undef SR_SUFFIX
#define SR_T double
#define SR_SUFFIX d
#include "nn/optim_sigma_impl.h"
#undef SR_T
#undef SR_SUFFIX
