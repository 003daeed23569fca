/* SUnSAL: sparse unmixing by variable splitting and augmented Lagrangian.
 * Per block of pixels (columns), with L the library (m x bands):
 *   u = (L L^T + mu I)^-1 (L y + mu (v + d))   [then the sum-to-one
 *       projection in that metric]
 *   v = max(soft(u - d, lambda / mu), 0)
 *   d = d - (u - v)
 * and mu doubled or halved when one residual outgrows the other tenfold. */
#include "scene.h"

#include <parseval/alloc.h>
#include <parseval/error.h>

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#define SUNSAL_BLOCK 256

typedef struct {
  int bands, m;
  const double *lib;
  double *gram;   /* L L^T, m x m */
  pv_hsi_sunsal_options o;
} sunsal_problem;

typedef struct {
  double *inv;    /* (G + mu I)^-1 */
  double *inv1;   /* inv 1 / (1' inv 1) */
  double *ly, *u, *v, *d, *t; /* m x SUNSAL_BLOCK each */
  double mu;
} sunsal_work;

static int set_mu(const sunsal_problem *p, sunsal_work *w, double mu) {
  int m = p->m;
  w->mu = mu;
  memcpy(w->inv, p->gram, (size_t)m * m * sizeof *w->inv);
  for (int i = 0; i < m; i++) w->inv[(size_t)i * m + i] += mu;
  if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', m, w->inv, m) || LAPACKE_dpotri(LAPACK_ROW_MAJOR, 'L', m, w->inv, m))
    return PV_ERROR(PV_ENUMERIC, "SUnSAL: L L^T + mu I not positive definite (mu = %g)", mu);
  for (int i = 0; i < m; i++)
    for (int j = i + 1; j < m; j++) w->inv[(size_t)i * m + j] = w->inv[(size_t)j * m + i];
  double s = 0;
  for (int i = 0; i < m; i++) {
    double r = 0;
    for (int j = 0; j < m; j++) r += w->inv[(size_t)i * m + j];
    w->inv1[i] = r;
    s += r;
  }
  for (int i = 0; i < m; i++) w->inv1[i] /= s;
  return PV_OK;
}

/* u = inv (ly + mu (v + d)), projected onto sum u = 1 when asked. */
static void u_step(const sunsal_problem *p, sunsal_work *w, int nb) {
  int m = p->m;
  for (size_t k = 0; k < (size_t)m * SUNSAL_BLOCK; k++) w->t[k] = w->ly[k] + w->mu * (w->v[k] + w->d[k]);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, nb, m, 1.0, w->inv, m, w->t, SUNSAL_BLOCK, 0.0, w->u,
              SUNSAL_BLOCK);
  if (!p->o.sum_to_one) return;
  for (int j = 0; j < nb; j++) {
    double s = -1;
    for (int i = 0; i < m; i++) s += w->u[(size_t)i * SUNSAL_BLOCK + j];
    for (int i = 0; i < m; i++) w->u[(size_t)i * SUNSAL_BLOCK + j] -= w->inv1[i] * s;
  }
}

/* v and d steps; returns squared primal and dual residuals. */
static void vd_step(const sunsal_problem *p, sunsal_work *w, int nb, double *rp2, double *rd2, double *scale2) {
  double thr = p->o.lambda / w->mu;
  *rp2 = *rd2 = *scale2 = 0;
  for (int i = 0; i < p->m; i++)
    for (int j = 0; j < nb; j++) {
      size_t k = (size_t)i * SUNSAL_BLOCK + j;
      double z = w->u[k] - w->d[k], v = fabs(z) > thr ? z - copysign(thr, z) : 0;
      if (p->o.positivity && v < 0) v = 0;
      *rd2 += (v - w->v[k]) * (v - w->v[k]);
      w->v[k] = v;
      w->d[k] -= w->u[k] - v;
      *rp2 += (w->u[k] - v) * (w->u[k] - v);
      *scale2 += v * v;
    }
}

static int solve_block(const sunsal_problem *p, sunsal_work *w, const double *y, size_t ldy, int nb, double *x,
                       size_t ldx, double mu0) {
  int m = p->m, rc = w->mu != mu0 ? set_mu(p, w, mu0) : PV_OK;
  if (rc) return rc;
  memset(w->ly, 0, (size_t)m * SUNSAL_BLOCK * sizeof *w->ly);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, nb, p->bands, 1.0, p->lib, p->bands, y, (int)ldy, 0.0,
              w->ly, SUNSAL_BLOCK);
  memset(w->v, 0, (size_t)m * SUNSAL_BLOCK * sizeof *w->v);
  memset(w->d, 0, (size_t)m * SUNSAL_BLOCK * sizeof *w->d);
  int converged = 0;
  for (int it = 0; it < p->o.max_iter && !converged; it++) {
    u_step(p, w, nb);
    double rp2, rd2, s2;
    vd_step(p, w, nb, &rp2, &rd2, &s2);
    rd2 *= w->mu * w->mu;
    double tol2 = p->o.tol * p->o.tol * fmax(s2, 1e-300);
    converged = it > 2 && rp2 <= tol2 && rd2 <= tol2 * w->mu * w->mu;
    if (!converged && it % 10 == 9 && (rp2 > 100 * rd2 || rd2 > 100 * rp2)) {
      double f = rp2 > rd2 ? 2.0 : 0.5; /* rebalance; d is scaled so mu d stays fixed */
      if ((rc = set_mu(p, w, w->mu * f))) return rc;
      for (size_t k = 0; k < (size_t)m * SUNSAL_BLOCK; k++) w->d[k] /= f;
    }
  }
  for (int i = 0; i < m; i++)
    for (int j = 0; j < nb; j++) x[(size_t)i * ldx + j] = w->v[(size_t)i * SUNSAL_BLOCK + j];
  return converged ? PV_OK : PV_ENOTCONV;
}

static void work_free(sunsal_work *w) {
  pv_free(w->inv);
  pv_free(w->inv1);
  pv_free(w->ly);
  pv_free(w->u);
  pv_free(w->v);
  pv_free(w->d);
  pv_free(w->t);
}

static int work_alloc(int m, sunsal_work *w) {
  memset(w, 0, sizeof *w);
  size_t blk = (size_t)m * SUNSAL_BLOCK * sizeof(double);
  w->inv = pv_malloc((size_t)m * m * sizeof(double));
  w->inv1 = pv_malloc((size_t)m * sizeof(double));
  w->ly = pv_malloc(blk);
  w->u = pv_malloc(blk);
  w->v = pv_malloc(blk);
  w->d = pv_malloc(blk);
  w->t = pv_malloc(blk);
  w->mu = -1;
  if (w->inv && w->inv1 && w->ly && w->u && w->v && w->d && w->t) return PV_OK;
  work_free(w);
  return PV_ENOMEM;
}

/* Masked pixels: NaN coefficients; their y columns are zeroed in a copy so
 * that the block products stay finite. */
static int run_blocks(pv_ctx *ctx, const sunsal_problem *p, size_t n, const double *y, size_t ldy, double *x,
                      size_t ldx, double mu0) {
  int threads = pv_ctx_threads(ctx), status = PV_OK;
  size_t blocks = (n + SUNSAL_BLOCK - 1) / SUNSAL_BLOCK, misses = 0;
  sunsal_work *ws = pv_calloc((size_t)threads, sizeof *ws);
  double *clean = pv_malloc((size_t)threads * p->bands * SUNSAL_BLOCK * sizeof *clean);
  if (!ws || !clean) status = PV_ENOMEM;
  for (int t = 0; !status && t < threads; t++) status = work_alloc(p->m, &ws[t]);
#pragma omp parallel for num_threads(threads) schedule(dynamic) reduction(+ : misses)
  for (size_t b = 0; b < (status ? 0 : blocks); b++) {
#ifdef _OPENMP
    int t = omp_get_thread_num();
#else
    int t = 0;
#endif
    size_t j0 = b * SUNSAL_BLOCK;
    int nb = (int)(n - j0 < SUNSAL_BLOCK ? n - j0 : SUNSAL_BLOCK);
    double *c = clean + (size_t)t * p->bands * SUNSAL_BLOCK;
    unsigned char mask[SUNSAL_BLOCK];
    pv_hsi_valid_mask(p->bands, (size_t)nb, y + j0, ldy, mask);
    for (int band = 0; band < p->bands; band++)
      for (int j = 0; j < nb; j++) c[(size_t)band * SUNSAL_BLOCK + j] = mask[j] ? y[(size_t)band * ldy + j0 + j] : 0;
    int rc = solve_block(p, &ws[t], c, SUNSAL_BLOCK, nb, x + j0, ldx, mu0);
    misses += rc == PV_ENOTCONV;
    for (int j = 0; j < nb; j++)
      for (int i = 0; !mask[j] && i < p->m; i++) x[(size_t)i * ldx + j0 + j] = NAN;
  }
  for (int t = 0; ws && t < threads; t++) work_free(&ws[t]);
  pv_free(ws);
  pv_free(clean);
  if (!status && misses)
    status = PV_ERROR(PV_ENOTCONV, "SUnSAL: %zu of %zu pixel blocks did not reach tol %g in %d iterations", misses,
                      blocks, p->o.tol, p->o.max_iter);
  return status;
}

int pv_hsi_sunsal(pv_ctx *ctx, int bands, int m, const double *lib, size_t n, const double *y, size_t ldy,
                  const pv_hsi_sunsal_options *opt, double *x, size_t ldx) {
  pv_hsi_sunsal_options o = PV_HSI_SUNSAL_OPTIONS_INIT;
  if (opt) memcpy(&o, opt, opt->struct_size < sizeof o ? opt->struct_size : sizeof o);
  int rc = pv_hsi_check_scene(bands, n, y, ldy, 0);
  if (rc) return rc;
  if (!lib || !x || m < 1 || m > 4096 || ldx < n || !(o.lambda >= 0) || o.max_iter < 1 || !(o.tol > 0) || !(o.mu >= 0))
    return PV_ERROR(PV_EINVAL, "SUnSAL: m = %d, lambda = %g, max_iter = %d, tol = %g or output invalid", m, o.lambda,
                    o.max_iter, o.tol);
  for (size_t k = 0; k < (size_t)m * bands; k++)
    if (!isfinite(lib[k])) return PV_ERROR(PV_EINVAL, "SUnSAL: library entry %zu is not finite", k);
  sunsal_problem p = {bands, m, lib, pv_malloc((size_t)m * m * sizeof(double)), o};
  if (!p.gram) return PV_ENOMEM;
  cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, m, bands, 1.0, lib, bands, 0.0, p.gram, m);
  double trace = 0;
  for (int i = 0; i < m; i++) {
    trace += p.gram[(size_t)i * m + i];
    for (int j = i + 1; j < m; j++) p.gram[(size_t)i * m + j] = p.gram[(size_t)j * m + i];
  }
  rc = run_blocks(ctx, &p, n, y, ldy, x, ldx, o.mu > 0 ? o.mu : 0.01 * trace / m);
  pv_free(p.gram);
  return rc;
}
