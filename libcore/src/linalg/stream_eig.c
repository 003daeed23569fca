/* Streaming top-k eigenvectors of A^T A by block Oja updates in O(d k)
 * memory (formulas in parseval/linalg.h). Q is kept as Qt (k x d row-major),
 * i.e. column-major d x k for the Householder orthonormalisation. */
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/linalg.h>
#include <parseval/rng.h>

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "linalg/dense_internal.h"

struct pv_stream_eig {
  pv_ctx *ctx;
  int d, k, max_block, lwork;
  double c, t0;
  uint64_t rows;        /* rows seen */
  double b0;            /* rows of the first block */
  double lam_top;       /* running mean of the top Rayleigh quotient */
  double *qt, *st, *y;  /* Q^T (k x d), (X^T X Q)^T (k x d), X Q (max_block x k) */
  double *lam, *wsum;   /* weighted sums of ||X q_j||^2 / b, and of the weights */
  double *tau, *work;
  double *est;          /* k: scratch of pv_linalg_stream_eig_get */
  int *order;           /* k: scratch of pv_linalg_stream_eig_get */
};

int pv_linalg_stream_eig_create(pv_ctx *ctx, int d, int k, int max_block,
                                const pv_stream_eig_options *opt, pv_stream_eig **out) {
  if (!out) return PV_ERROR(PV_EINVAL, "pv_linalg_stream_eig_create: out is NULL");
  *out = NULL;
  pv_stream_eig_options o = PV_STREAM_EIG_OPTIONS_INIT;
  if (opt) {
    if (opt->struct_size < sizeof o)
      return PV_ERROR(PV_EINVAL, "stream_eig options: struct_size %zu < %zu", opt->struct_size,
                      sizeof o);
    o = *opt;
  }
  if (d < 1 || k < 1 || k > d || max_block < 1)
    return PV_ERROR(PV_EINVAL, "stream_eig: need 1 <= k <= d and max_block >= 1 (d %d, k %d, "
                    "max_block %d)", d, k, max_block);
  if (!(o.c > 0.0) || !(o.t0 > 0.0))
    return PV_ERROR(PV_EINVAL, "stream_eig: step constants c = %g, t0 = %g must be > 0", o.c, o.t0);
  int lw = pv__linalg_orth_lwork(d, k);
  if (lw < 0) return PV_ERROR(PV_EINTERNAL, "stream_eig: LAPACK workspace query failed");
  pv_stream_eig *s = pv_calloc(1, sizeof *s);
  if (!s) return PV_ENOMEM;
  s->ctx = ctx;
  s->d = d;
  s->k = k;
  s->max_block = max_block;
  s->c = o.c;
  s->t0 = o.t0;
  s->lwork = lw;
  size_t dk = (size_t)d * k;
  s->qt = pv_malloc(dk * sizeof *s->qt);
  s->st = pv_malloc(dk * sizeof *s->st);
  s->y = pv_malloc((size_t)max_block * k * sizeof *s->y);
  s->lam = pv_calloc(2 * (size_t)k, sizeof *s->lam);
  s->tau = pv_malloc((size_t)k * sizeof *s->tau);
  s->work = pv_malloc((size_t)lw * sizeof *s->work);
  s->est = pv_malloc((size_t)k * sizeof *s->est);
  s->order = pv_malloc((size_t)k * sizeof *s->order);
  if (!s->qt || !s->st || !s->y || !s->lam || !s->tau || !s->work || !s->est || !s->order) {
    pv_linalg_stream_eig_destroy(&s);
    return PV_ENOMEM;
  }
  s->wsum = s->lam + k;
  pv_rng g;
  pv_rng_init(&g, ctx ? pv_ctx_seed(ctx) : 0, o.stream);
  pv_rng_fill_normal(&g, s->qt, dk);
  int st = pv__linalg_orth(d, k, s->qt, s->tau, s->work, s->lwork);
  if (st) {
    pv_linalg_stream_eig_destroy(&s);
    return st;
  }
  *out = s;
  return PV_OK;
}

void pv_linalg_stream_eig_destroy(pv_stream_eig **sp) {
  if (!sp || !*sp) return;
  pv_stream_eig *s = *sp;
  pv_free(s->qt);
  pv_free(s->st);
  pv_free(s->y);
  pv_free(s->lam);
  pv_free(s->tau);
  pv_free(s->work);
  pv_free(s->est);
  pv_free(s->order);
  pv_free(s);
  *sp = NULL;
}

int pv_linalg_stream_eig_update(pv_stream_eig *s, int nrows, const double *x, int ldx) {
  if (!s || !x || nrows < 1 || nrows > (s ? s->max_block : 0) || ldx < (s ? s->d : 0))
    return PV_ERROR(PV_EINVAL, "stream_eig_update: NULL tracker/rows, nrows %d or ldx %d invalid",
                    nrows, ldx);
  int d = s->d, k = s->k, st;
  if ((st = pv__linalg_check_finite("rows", (size_t)nrows, (size_t)d, x, (size_t)ldx)))
    return PV_ERROR(st, "stream_eig_update: block after row %llu", (unsigned long long)s->rows);
  pv__linalg_blas_threads(s->ctx);
  /* Y = X Q; St = Y^T X = (X^T X Q)^T. */
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nrows, k, d, 1.0, x, ldx, s->qt, d, 0.0,
              s->y, k);
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, d, nrows, 1.0, s->y, k, x, ldx, 0.0,
              s->st, d);
  if (s->rows == 0) s->b0 = nrows;
  double after = (double)s->rows + nrows, top = 0.0;
  for (int j = 0; j < k; j++) { /* Rayleigh quotients q_j^T (X^T X / b) q_j */
    double r = cblas_ddot(d, s->qt + (size_t)j * d, 1, s->st + (size_t)j * d, 1) / nrows;
    s->lam[j] += after * nrows * r; /* weights grow with the stream: early Q discounted */
    s->wsum[j] += after * nrows;
    if (r > top) top = r;
  }
  s->lam_top = (s->lam_top * (double)s->rows + top * nrows) / after;
  double eta = s->lam_top > 0.0 ? s->c / (s->lam_top * (s->t0 + (double)s->rows / s->b0)) : 0.0;
  s->rows += (uint64_t)nrows;
  if (eta == 0.0) return PV_OK; /* all-zero rows so far: nothing to learn */
  /* Q <- orth(Q + eta / b X^T X Q): eta is the step of the per-row average. */
  cblas_daxpy(d * k, eta / nrows, s->st, 1, s->qt, 1);
  return pv__linalg_orth(d, k, s->qt, s->tau, s->work, s->lwork);
}

int pv_linalg_stream_eig_get(const pv_stream_eig *s, double *q, int ldq, double *lambda,
                             uint64_t *rows_seen) {
  if (!s || !q || ldq < (s ? s->d : 0))
    return PV_ERROR(PV_EINVAL, "stream_eig_get: NULL tracker/output or ldq %d < d", ldq);
  int d = s->d, k = s->k;
  int *order = s->order;
  double *est = s->est;
  for (int j = 0; j < k; j++) {
    order[j] = j;
    est[j] = s->wsum[j] > 0.0 ? s->lam[j] / s->wsum[j] : 0.0;
  }
  for (int i = 1; i < k; i++) /* insertion sort, descending estimates */
    for (int j = i; j > 0 && est[order[j - 1]] < est[order[j]]; j--) {
      int t = order[j];
      order[j] = order[j - 1];
      order[j - 1] = t;
    }
  for (int j = 0; j < k; j++) {
    memcpy(q + (size_t)j * ldq, s->qt + (size_t)order[j] * d, (size_t)d * sizeof *q);
    if (lambda) lambda[j] = est[order[j]];
  }
  pv__linalg_fix_signs(k, d, q, (size_t)ldq, 0, NULL, 0);
  if (rows_seen) *rows_seen = s->rows;
  return PV_OK;
}
