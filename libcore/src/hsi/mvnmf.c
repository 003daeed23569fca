/* Minimum-volume NMF by alternating exact FCLS and a majorised M-step. */
#include "scene.h"

#include <parseval/alloc.h>
#include <parseval/error.h>

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

typedef struct {
  int bands, p;
  size_t n, nv;
  const double *y;     /* bands x n (ldy) */
  size_t ldy;
  const unsigned char *valid;
  double *yv;          /* bands x nv: the valid pixels only */
  double *av;          /* p x nv */
  double *g, *rhs, *f; /* p x p, p x bands, p x p */
} mv_state;

/* log det(M M^T + delta I) through a Cholesky factor; f gets the inverse. */
static int logdet_and_inverse(const mv_state *s, const double *em, double delta, double *logdet, double *f) {
  int p = s->p;
  cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, p, s->bands, 1.0, em, s->bands, 0.0, f, p);
  for (int i = 0; i < p; i++) f[i * p + i] += delta;
  if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', p, f, p)) return PV_ERROR(PV_ENUMERIC, "MV-NMF: M M^T + delta I not positive definite");
  double ld = 0;
  for (int i = 0; i < p; i++) ld += 2 * log(f[i * p + i]);
  *logdet = ld;
  if (LAPACKE_dpotri(LAPACK_ROW_MAJOR, 'L', p, f, p)) return PV_ERROR(PV_ENUMERIC, "MV-NMF: inversion failed");
  for (int i = 0; i < p; i++)
    for (int j = i + 1; j < p; j++) f[i * p + j] = f[j * p + i];
  return PV_OK;
}

static double objective(const mv_state *s, const double *em, double lambda, double delta, double *f) {
  double r = 0, ld = 0;
  for (int b = 0; b < s->bands; b++)
    for (size_t j = 0; j < s->nv; j++) {
      double e = s->yv[(size_t)b * s->nv + j];
      for (int i = 0; i < s->p; i++) e -= em[(size_t)i * s->bands + b] * s->av[(size_t)i * s->nv + j];
      r += e * e;
    }
  if (logdet_and_inverse(s, em, delta, &ld, f)) return NAN;
  return 0.5 * r + 0.5 * lambda * ld;
}

/* M^T = Y A^T (A A^T + lambda F)^-1, i.e. (A A^T + lambda F) M = A Y^T. */
static int m_step(mv_state *s, double *em, double lambda) {
  int p = s->p, bands = s->bands;
  cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, p, (int)s->nv, 1.0, s->av, (int)s->nv, 0.0, s->g, p);
  for (int i = 0; i < p; i++)
    for (int j = 0; j <= i; j++) s->g[i * p + j] += lambda * s->f[i * p + j];
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, p, bands, (int)s->nv, 1.0, s->av, (int)s->nv, s->yv,
              (int)s->nv, 0.0, s->rhs, bands);
  if (LAPACKE_dposv(LAPACK_ROW_MAJOR, 'L', p, bands, s->g, p, s->rhs, bands))
    return PV_ERROR(PV_ENUMERIC, "MV-NMF: the M-step system is singular (an endmember lost all its pixels?)");
  memcpy(em, s->rhs, (size_t)p * bands * sizeof *em);
  return PV_OK;
}

static int a_step(pv_ctx *ctx, mv_state *s, const double *em) {
  pv_hsi_lsu *u = NULL;
  int rc = pv_hsi_lsu_create(ctx, PV_HSI_FCLS, s->bands, s->p, em, &u);
  if (!rc) rc = pv_hsi_lsu_solve(u, s->nv, s->yv, s->nv, s->av, s->nv, NULL);
  pv_hsi_lsu_destroy(&u);
  return rc;
}

static void state_free(mv_state *s) {
  pv_free(s->yv);
  pv_free(s->av);
  pv_free(s->g);
  pv_free(s->rhs);
  pv_free(s->f);
}

static int state_init(mv_state *s, int bands, size_t n, const double *y, size_t ldy, int p, const unsigned char *valid,
                      size_t nv) {
  memset(s, 0, sizeof *s);
  *s = (mv_state){bands, p, n, nv, y, ldy, valid, NULL, NULL, NULL, NULL, NULL};
  s->yv = pv_malloc((size_t)bands * nv * sizeof *s->yv);
  s->av = pv_malloc((size_t)p * nv * sizeof *s->av);
  s->g = pv_malloc((size_t)p * p * sizeof *s->g);
  s->rhs = pv_malloc((size_t)p * bands * sizeof *s->rhs);
  s->f = pv_malloc((size_t)p * p * sizeof *s->f);
  if (!s->yv || !s->av || !s->g || !s->rhs || !s->f) return PV_ENOMEM;
  for (int b = 0; b < bands; b++) {
    size_t k = 0;
    for (size_t j = 0; j < n; j++)
      if (valid[j]) s->yv[(size_t)b * nv + k++] = y[(size_t)b * ldy + j];
  }
  return PV_OK;
}

static void scatter(const mv_state *s, double *a, size_t lda) {
  for (int i = 0; i < s->p; i++) {
    size_t k = 0;
    for (size_t j = 0; j < s->n; j++) a[(size_t)i * lda + j] = s->valid[j] ? s->av[(size_t)i * s->nv + k++] : NAN;
  }
}

int pv_hsi_mvnmf(pv_ctx *ctx, int bands, size_t n, const double *y, size_t ldy, int p, const pv_hsi_mvnmf_options *opt,
                 double *em, double *a, size_t lda, double *objective_out, int *iters_out) {
  pv_hsi_mvnmf_options o = PV_HSI_MVNMF_OPTIONS_INIT;
  if (opt) memcpy(&o, opt, opt->struct_size < sizeof o ? opt->struct_size : sizeof o);
  int rc = pv_hsi_check_scene(bands, n, y, ldy, p);
  if (rc) return rc;
  if (!em || !a || lda < n || !(o.lambda >= 0) || !(o.delta > 0) || o.max_iter < 1 || !(o.tol >= 0))
    return PV_ERROR(PV_EINVAL, "MV-NMF: lambda = %g, delta = %g, max_iter = %d or outputs invalid", o.lambda, o.delta,
                    o.max_iter);
  unsigned char *valid = pv_malloc(n);
  if (!valid) return PV_ENOMEM;
  size_t nv = pv_hsi_valid_mask(bands, n, y, ldy, valid);
  mv_state s;
  rc = nv < (size_t)p ? PV_ERROR(PV_EINVAL, "MV-NMF: %zu valid pixels for %d endmembers", nv, p)
                      : state_init(&s, bands, n, y, ldy, p, valid, nv);
  double prev = INFINITY, cur = NAN, beta = 0.5;
  double *m_prev = rc ? NULL : pv_malloc((size_t)p * bands * sizeof *m_prev);
  double *m_try = rc ? NULL : pv_malloc((size_t)p * bands * sizeof *m_try);
  if (!rc && (!m_prev || !m_try)) rc = PV_ENOMEM;
  int it = 0, converged = 0;
  for (; !rc && it < o.max_iter && !converged; it++) {
    rc = a_step(ctx, &s, em);
    if (!rc) cur = objective(&s, em, o.lambda, o.delta, s.f); /* also leaves F at the current M */
    if (!rc && isnan(cur)) rc = PV_ENUMERIC;
    if (!rc) converged = it > 0 && prev - cur <= o.tol * fabs(cur);
    prev = cur;
    if (rc || converged) break;
    memcpy(m_prev, em, (size_t)p * bands * sizeof *em);
    rc = m_step(&s, em, o.lambda);
    for (size_t k = 0; !rc && k < (size_t)p * bands; k++) em[k] = em[k] < 0 ? 0 : em[k];
    /* Extrapolate along the step; keep it only if the objective (after its
     * own A-step) beats the plain step's bound, so the sequence stays monotone. */
    for (size_t k = 0; !rc && k < (size_t)p * bands; k++) m_try[k] = fmax(0, em[k] + beta * (em[k] - m_prev[k]));
    if (!rc && it > 0) {
      double plain_bound = cur; /* f(M_new, A) <= f(M, A) = cur by majorisation */
      rc = a_step(ctx, &s, m_try);
      double f_try = rc ? NAN : objective(&s, m_try, o.lambda, o.delta, s.f);
      if (!rc && f_try < plain_bound) {
        memcpy(em, m_try, (size_t)p * bands * sizeof *em);
        beta = fmin(1.5 * beta, 4.0);
      } else {
        beta = fmax(0.5 * beta, 0.1);
      }
    }
    if (!rc) rc = pv_ctx_progress(ctx, (double)(it + 1) / o.max_iter, "MV-NMF");
  }
  pv_free(m_prev);
  pv_free(m_try);
  if (!rc) scatter(&s, a, lda);
  if (objective_out) *objective_out = cur;
  if (iters_out) *iters_out = it;
  if (!rc && !converged) rc = PV_ERROR(PV_ENOTCONV, "MV-NMF: objective still decreasing after %d iterations", o.max_iter);
  if (nv >= (size_t)p) state_free(&s);
  pv_free(valid);
  return rc;
}
