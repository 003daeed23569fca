/* Least-squares abundances: the endmembers' Gram matrix is formed and
 * factorised once; pixels go through in blocks, M y for a whole block by one
 * BLAS product, then the per-pixel solve on p unknowns (closed form for
 * UCLS/SCLS, exact active set for NCLS/FCLS). Blocks run on OpenMP threads. */
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/hsi.h>

#include <cblas.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <math.h>
#include <string.h>

#include "qp.h"

#define LSU_BLOCK 1024 /* pixels per block: p x 1024 doubles stay in L2 */

struct pv_hsi_lsu {
  pv_ctx *ctx;
  pv_hsi_lsu_method method;
  int bands, p, threads;
  double *em;     /* p x bands */
  double *gram;   /* p x p */
  double *chol;   /* its lower Cholesky factor */
  double *g1;     /* G^-1 1 (SCLS) */
  double s1;      /* 1' G^-1 1 */
  double *bw;     /* threads x p x LSU_BLOCK products M y */
  pv_hsi_qp_work *qw; /* one per thread */
};

static int check_em(int bands, int p, const double *em) {
  if (bands < 1 || p < 1 || p > PV_HSI_MAX_EM || p > bands)
    return PV_ERROR(PV_EINVAL, "unmixing: %d endmembers for %d bands (need 1 <= p <= min(bands, %d))", p,
                    bands, PV_HSI_MAX_EM);
  if (!em) return PV_ERROR(PV_EINVAL, "unmixing: no endmember matrix");
  for (int i = 0; i < p; i++)
    for (int b = 0; b < bands; b++)
      if (!isfinite(em[(size_t)i * bands + b]))
        return PV_ERROR(PV_EINVAL, "unmixing: endmember %d, band %d is not finite", i, b);
  return PV_OK;
}

static int factorise(pv_hsi_lsu *s) {
  int p = s->p;
  cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, p, s->bands, 1.0, s->em, s->bands, 0.0, s->gram, p);
  for (int i = 0; i < p; i++)
    for (int j = i + 1; j < p; j++) s->gram[i * p + j] = s->gram[j * p + i];
  memcpy(s->chol, s->gram, (size_t)p * p * sizeof *s->chol);
  if (pv_hsi_chol(p, s->chol))
    return PV_ERROR(PV_ENUMERIC, "unmixing: the %d endmembers are linearly dependent (Gram matrix singular)", p);
  /* Near-dependence makes every solve meaningless: refuse it too. */
  double dmin = INFINITY, dmax = 0;
  for (int i = 0; i < p; i++) {
    dmin = fmin(dmin, s->chol[i * p + i]);
    dmax = fmax(dmax, s->chol[i * p + i]);
  }
  if (dmin < 1e-7 * dmax)
    return PV_ERROR(PV_ENUMERIC, "unmixing: endmembers nearly linearly dependent (Cholesky pivot ratio %.1e)",
                    dmin / dmax);
  for (int i = 0; i < p; i++) s->g1[i] = 1;
  pv_hsi_chol_solve(p, s->chol, s->g1);
  s->s1 = 0;
  for (int i = 0; i < p; i++) s->s1 += s->g1[i];
  return PV_OK;
}

int pv_hsi_lsu_create(pv_ctx *ctx, pv_hsi_lsu_method method, int bands, int p, const double *em,
                      pv_hsi_lsu **out) {
  if (!out) return PV_ERROR(PV_EINVAL, "pv_hsi_lsu_create: out is NULL");
  *out = NULL;
  if ((unsigned)method > PV_HSI_FCLS) return PV_ERROR(PV_EINVAL, "unmixing: unknown method %d", (int)method);
  int rc = check_em(bands, p, em);
  if (rc) return rc;
  pv_hsi_lsu *s = pv_calloc(1, sizeof *s);
  if (!s) return PV_ENOMEM;
  s->ctx = ctx;
  s->method = method;
  s->bands = bands;
  s->p = p;
  s->threads = pv_ctx_threads(ctx);
  s->em = pv_malloc((size_t)p * bands * sizeof *s->em);
  s->gram = pv_malloc((size_t)p * p * sizeof *s->gram);
  s->chol = pv_malloc((size_t)p * p * sizeof *s->chol);
  s->g1 = pv_malloc((size_t)p * sizeof *s->g1);
  s->bw = pv_malloc((size_t)s->threads * p * LSU_BLOCK * sizeof *s->bw);
  s->qw = pv_malloc((size_t)s->threads * sizeof *s->qw);
  if (!s->em || !s->gram || !s->chol || !s->g1 || !s->bw || !s->qw) {
    pv_hsi_lsu_destroy(&s);
    return PV_ENOMEM;
  }
  memcpy(s->em, em, (size_t)p * bands * sizeof *s->em);
  rc = factorise(s);
  if (rc) {
    pv_hsi_lsu_destroy(&s);
    return rc;
  }
  *out = s;
  return PV_OK;
}

void pv_hsi_lsu_destroy(pv_hsi_lsu **ps) {
  if (!ps || !*ps) return;
  pv_hsi_lsu *s = *ps;
  pv_free(s->em);
  pv_free(s->gram);
  pv_free(s->chol);
  pv_free(s->g1);
  pv_free(s->bw);
  pv_free(s->qw);
  pv_free(s);
  *ps = NULL;
}

/* One pixel from its product b = M y (p values, stride `stride`). */
static int solve_pixel(const pv_hsi_lsu *s, const double *bcol, size_t stride, double *a, size_t lda,
                       pv_hsi_qp_work *w) {
  int p = s->p;
  double b[PV_HSI_MAX_EM], x[PV_HSI_MAX_EM];
  int masked = 0;
  for (int i = 0; i < p; i++) {
    b[i] = bcol[i * stride];
    masked |= isnan(b[i]);
  }
  if (masked) { /* NaN in any band reaches every product */
    for (int i = 0; i < p; i++) a[i * lda] = NAN;
    return 1;
  }
  int rc = PV_OK;
  if (s->method == PV_HSI_UCLS || s->method == PV_HSI_SCLS) {
    memcpy(x, b, (size_t)p * sizeof *x);
    pv_hsi_chol_solve(p, s->chol, x);
    if (s->method == PV_HSI_SCLS) {
      double sx = 0;
      for (int i = 0; i < p; i++) sx += x[i];
      double nu = (1 - sx) / s->s1;
      for (int i = 0; i < p; i++) x[i] += nu * s->g1[i];
    }
  } else {
    rc = pv_hsi_qp_solve(p, s->gram, b, s->method == PV_HSI_FCLS, x, w);
  }
  for (int i = 0; i < p; i++) a[i * lda] = rc ? NAN : x[i];
  return rc ? -1 : 0;
}

/* One block of m pixels on one thread; counts masked and failed pixels. */
static void solve_block(pv_hsi_lsu *s, int t, size_t m, const double *y, size_t ldy, double *a, size_t lda,
                        size_t *masked, size_t *failed) {
  double *bw = s->bw + (size_t)t * s->p * LSU_BLOCK;
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s->p, (int)m, s->bands, 1.0, s->em, s->bands, y,
              (int)ldy, 0.0, bw, LSU_BLOCK);
  for (size_t j = 0; j < m; j++) {
    int r = solve_pixel(s, bw + j, LSU_BLOCK, a + j, lda, &s->qw[t]);
    *masked += r == 1;
    *failed += r < 0;
  }
}

int pv_hsi_lsu_solve(pv_hsi_lsu *s, size_t n, const double *y, size_t ldy, double *a, size_t lda,
                     size_t *n_masked) {
  if (!s || !y || !a || ldy < n || lda < n)
    return PV_ERROR(PV_EINVAL, "unmixing: NULL input or leading dimension below n = %zu", n);
  if (ldy > (size_t)1 << 31) return PV_ERROR(PV_EINVAL, "unmixing: leading dimension %zu too large", ldy);
  size_t blocks = (n + LSU_BLOCK - 1) / LSU_BLOCK, masked = 0, failed = 0;
  size_t chunk = (size_t)s->threads * 16; /* blocks between progress reports */
  int rc = PV_OK;
  for (size_t b0 = 0; b0 < blocks && !rc; b0 += chunk) {
    size_t b1 = b0 + chunk < blocks ? b0 + chunk : blocks;
#pragma omp parallel for num_threads(s->threads) schedule(dynamic) reduction(+ : masked, failed)
    for (size_t b = b0; b < b1; b++) {
#ifdef _OPENMP
      int t = omp_get_thread_num();
#else
      int t = 0;
#endif
      size_t j0 = b * LSU_BLOCK, m = n - j0 < LSU_BLOCK ? n - j0 : LSU_BLOCK;
      solve_block(s, t, m, y + j0, ldy, a + j0, lda, &masked, &failed);
    }
    rc = pv_ctx_progress(s->ctx, (double)b1 / (double)blocks, "unmixing");
  }
  if (n_masked) *n_masked = masked;
  if (!rc && masked) pv_log(s->ctx, PV_LOG_WARN, "hsi", "%zu of %zu pixels masked (NaN)", masked, n);
  if (!rc && failed)
    rc = PV_ERROR(PV_ENOTCONV, "unmixing: the active-set solver failed on %zu of %zu pixels", failed, n);
  return rc;
}
