/* weight_spectra.c - per-layer weight spectra (parseval/nn_diag.h): real
 * matrices and per-mode complex spectral weights through linalg/spectra. */
#include <math.h>
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/linalg.h>
#include <parseval/nn_diag.h>
#include <parseval/spectra.h>

void pv_nn_weight_spectra_free(pv_nn_weight_spectra *s) {
  if (!s) return;
  pv_free(s->sv);
  pv_free(s->norms);
  pv_free(s->eranks);
  s->sv = s->norms = s->eranks = NULL;
}

/* Matrix k as doubles (a: rows x cols real, or the 2 rows x 2 cols stacked form). */
static void gather(const pv_nn_param *p, const pv_nn_weight_spectra *r, int k, double *a) {
  const int m = r->rows, n = r->cols;
  if (!p->is_complex) {
    for (size_t i = 0; i < (size_t)m * n; i++) a[i] = p->w[i];
    return;
  }
  const size_t nm = (size_t)r->nmat, ld = 2 * (size_t)n;
  for (int i = 0; i < m; i++)
    for (int o = 0; o < n; o++) {
      const float *z = p->w + 2 * (((size_t)i * n + o) * nm + (size_t)k);
      double re = z[0], im = z[1];
      a[(size_t)i * ld + o] = re;
      a[(size_t)i * ld + n + o] = -im;
      a[((size_t)m + i) * ld + o] = im;
      a[((size_t)m + i) * ld + n + o] = re;
    }
}

/* alpha-ReQ of the descending singular values s[0..r): ranks with lambda > 1e-12 max. */
static double alpha_req(const double *s, int r, double *lam) {
  int last = 0;
  for (int i = 0; i < r; i++) {
    lam[i] = s[i] * s[i];
    if (lam[i] > 1e-12 * lam[0] && lam[i] > 0) last = i + 1;
  }
  double a = NAN;
  if (last >= 2 && pv_spectra_alpha_req(lam, last, 1, last, &a)) a = NAN;
  return a;
}

static int one_matrix(pv_ctx *ctx, const pv_nn_param *p, pv_nn_weight_spectra *r, int k,
                      double *a, double *s2, double *lam) {
  const int cplx = p->is_complex, m = r->rows * (cplx ? 2 : 1), n = r->cols * (cplx ? 2 : 1);
  gather(p, r, k, a);
  int st = pv_linalg_svd(ctx, m, n, a, n, s2, NULL, 0, NULL, 0);
  if (st) return st;
  double *s = r->sv + (size_t)k * r->nsv;
  for (int i = 0; i < r->nsv; i++) s[i] = s2[cplx ? 2 * i : i];
  r->norms[k] = s[0];
  if (s[0] > 0) st = pv_spectra_effective_rank(s, r->nsv, &r->eranks[k]);
  else r->eranks[k] = 0;
  if (st) return st;
  double ar = alpha_req(s, r->nsv, lam);
  r->alpha_req += isnan(ar) ? 0 : ar;
  return isnan(ar) ? 1 : 0; /* 1: not counted in the alpha-ReQ mean */
}

/* The pooled ESD: FARMS windows of a real matrix, or every mode's lambdas. */
static int pooled_fit(pv_ctx *ctx, const pv_nn_param *p, pv_nn_weight_spectra *r) {
  size_t cnt = (size_t)r->nmat * r->nsv;
  double *ev = NULL;
  int st = PV_OK;
  if (!p->is_complex) {
    pv_farms_options fo = PV_FARMS_OPTIONS_INIT;
    fo.rows = r->rows < 100 ? r->rows : 100;
    double *a = pv_malloc((size_t)r->rows * r->cols * sizeof *a);
    st = a ? pv_spectra_farms_count(r->rows, r->cols, &fo, &cnt) : PV_ERROR(PV_ENOMEM, "FARMS");
    ev = st ? NULL : pv_malloc((cnt ? cnt : 1) * sizeof *ev);
    if (!st && !ev) st = PV_ERROR(PV_ENOMEM, "FARMS eigenvalues");
    if (!st) gather(p, r, 0, a);
    if (!st) st = pv_spectra_farms_esd(ctx, r->rows, r->cols, a, r->cols, &fo, ev);
    pv_free(a);
  } else {
    ev = pv_malloc(cnt * sizeof *ev);
    if (!ev) st = PV_ERROR(PV_ENOMEM, "pooled eigenvalues");
    for (size_t i = 0; !st && i < cnt; i++) ev[i] = r->sv[i] * r->sv[i];
  }
  r->powerlaw_alpha = r->powerlaw_xmin = r->powerlaw_ks = NAN;
  r->powerlaw_n = 0;
  if (!st) {
    pv_powerlaw_options po = PV_POWERLAW_OPTIONS_INIT;
    po.mode = PV_POWERLAW_XMIN_MEDIAN;
    pv_powerlaw_fit fit;
    int depth = pv_error_depth();
    if (!pv_spectra_powerlaw_fit(ev, cnt, &po, &fit)) {
      r->powerlaw_alpha = fit.alpha;
      r->powerlaw_xmin = fit.xmin;
      r->powerlaw_ks = fit.ks;
      r->powerlaw_n = fit.used;
    } else {
      pv_error_truncate(depth); /* too few values: left NaN */
    }
  }
  pv_free(ev);
  return st;
}

static int setup(const pv_nn_param *p, pv_nn_weight_spectra *r) {
  memset(r, 0, sizeof *r);
  if (!p || !p->w || p->ndim < 2 || p->ndim > 6)
    return PV_ERROR(PV_EINVAL, "weight spectra: parameter '%s' is not a matrix (ndim %d)",
                    p ? p->name : "?", p ? p->ndim : 0);
  const size_t n = pv_nn_param_numel(p);
  for (size_t i = 0; i < n * (p->is_complex ? 2 : 1); i++)
    if (!isfinite(p->w[i]))
      return PV_ERROR(PV_EINVAL, "weight spectra: '%s' holds a non-finite value at %zu", p->name, i);
  r->is_complex = p->is_complex;
  r->rows = (int)p->shape[0];
  r->cols = (int)(p->is_complex ? p->shape[1] : n / p->shape[0]);
  r->nmat = (int)(p->is_complex ? n / (p->shape[0] * p->shape[1]) : 1);
  if (n > ((size_t)1 << 28) || (size_t)r->rows * r->cols > ((size_t)1 << 24))
    return PV_ERROR(PV_EINVAL, "weight spectra: '%s' too large (%d x %d)", p->name, r->rows,
                    r->cols);
  r->nsv = r->rows < r->cols ? r->rows : r->cols;
  r->sv = pv_malloc((size_t)r->nmat * r->nsv * sizeof *r->sv);
  r->norms = pv_malloc((size_t)r->nmat * sizeof *r->norms);
  r->eranks = pv_malloc((size_t)r->nmat * sizeof *r->eranks);
  if (!r->sv || !r->norms || !r->eranks) return PV_ERROR(PV_ENOMEM, "weight spectra of '%s'", p->name);
  return PV_OK;
}

int pv_nn_weight_spectra_compute(pv_ctx *ctx, const pv_nn_param *p, pv_nn_weight_spectra *r) {
  if (!r) return PV_ERROR(PV_EINVAL, "weight spectra: out is NULL");
  int st = setup(p, r);
  const size_t f = p && p->is_complex ? 4 : 1;
  double *a = st ? NULL : pv_malloc(f * (size_t)r->rows * r->cols * sizeof *a);
  double *s2 = st ? NULL : pv_malloc(2 * (size_t)r->nsv * sizeof *s2);
  double *lam = st ? NULL : pv_malloc((size_t)r->nsv * sizeof *lam);
  if (!st && (!a || !s2 || !lam)) st = PV_ERROR(PV_ENOMEM, "weight spectra workspace");
  int skipped = 0;
  for (int k = 0; !st && k < r->nmat; k++) {
    int s = one_matrix(ctx, p, r, k, a, s2, lam);
    if (s < 0) st = s;
    skipped += s > 0;
  }
  if (!st) {
    r->erank_min = INFINITY;
    r->erank_max = -INFINITY;
    for (int k = 0; k < r->nmat; k++) {
      r->spectral_norm = fmax(r->spectral_norm, r->norms[k]);
      r->effective_rank += r->eranks[k] / r->nmat;
      r->erank_min = fmin(r->erank_min, r->eranks[k]);
      r->erank_max = fmax(r->erank_max, r->eranks[k]);
    }
    r->alpha_req = skipped < r->nmat ? r->alpha_req / (r->nmat - skipped) : NAN;
    st = pooled_fit(ctx, p, r);
  }
  pv_free(a);
  pv_free(s2);
  pv_free(lam);
  if (st) pv_nn_weight_spectra_free(r);
  return st;
}
