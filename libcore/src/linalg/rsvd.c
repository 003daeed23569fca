/* Randomized SVD (Halko, Martinsson & Tropp 2011) of tall matrices, in memory
 * or streamed by row blocks. The derivation is in parseval/linalg.h: Z lives
 * in R^{n x l}, A^T A is applied as a Gram matrix or by fused passes, and the
 * m-dimensional basis Q = A Z V_g S_g^-1 is never stored.
 * Storage: Zt, Wt are l x n row-major (= Z, W column-major, ld n). */
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/linalg.h>
#include <parseval/rng.h>

#include <cblas.h>
#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#if PV_HAVE_OPENMP
#include <omp.h>
#endif

#include "linalg/dense_internal.h"

struct pv_rsvd {
  pv_ctx *ctx;
  size_t m, block_rows;
  int n, k, l, q, method;
  int nt;               /* OpenMP threads of a pass (ctx threads at create) */
  int center;           /* subtract the column means (PCA) */
  uint64_t stream;
  double *c;            /* nt x (n x n) per-thread Grams, upper triangle (GRAM) */
  double *zt, *wt;      /* l x n: basis Z^T and (A^T A Z)^T */
  double *wp;           /* nt x (l x n): per-thread parts of Wt (PASS) */
  double *mu;           /* nt x n: column sums per thread, mu[0..n) the means (center) */
  double *yb;           /* block_rows x l: A_b Z (PASS) */
  double *buf;          /* block_rows x n: reader target */
  double *vg, *sg;      /* l x l Gram of A Z -> its eigenvectors (rows); eigenvalues */
  double *b, *sb, *ub, *vbt; /* B (l x n), its SVD: s (l), U (l x l), VT (l x n) */
  double *t, *mm;       /* T (l x k), M = Z T (n x k) */
  double *tau, *work;
  lapack_int *iwork;
  int lwork, liwork;
};

/* The row source of one compute: a matrix in memory or a reader. */
typedef struct {
  const double *a;
  size_t lda;
  pv_rsvd_reader read;
  void *user;
} source;

static int get_block(pv_rsvd *r, const source *src, size_t row0, size_t nb,
                     const double **blk, size_t *ld) {
  if (src->a) {
    *blk = src->a + row0 * src->lda;
    *ld = src->lda;
    return PV_OK;
  }
  int st = src->read(row0, nb, r->buf, src->user);
  if (st) return PV_ERROR(st < 0 ? st : PV_EIO, "rsvd reader failed on rows %zu..%zu (status %d)",
                          row0, row0 + nb - 1, st);
  *blk = r->buf;
  *ld = (size_t)r->n;
  return PV_OK;
}

static int lapack_sizes(pv_rsvd *r) {
  int n = r->n, l = r->l;
  double q1 = 0, q2 = 0;
  lapack_int qi = 0;
  int lo = pv__linalg_orth_lwork(n, l);
  if (LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, 'V', 'L', l, NULL, l, NULL, &q1, -1, &qi, -1) ||
      LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'S', n, l, NULL, n, NULL, NULL, n, NULL, l, &q2, -1,
                          NULL) || lo < 0)
    return PV_ERROR(PV_EINTERNAL, "rsvd: LAPACK workspace query failed (n %d, l %d)", n, l);
  double q = q1 > q2 ? q1 : q2;
  r->lwork = (int)q + 1 > lo ? (int)q + 1 : lo;
  r->liwork = (int)qi > 8 * l ? (int)qi : 8 * l;
  return PV_OK;
}

static int rsvd_alloc(pv_rsvd *r) {
  size_t n = (size_t)r->n, l = (size_t)r->l, k = (size_t)r->k, br = r->block_rows;
  struct { double **p; size_t count; } d[] = {
      {&r->zt, l * n}, {&r->wt, l * n}, {&r->buf, br * n}, {&r->vg, l * l},
      {&r->sg, l}, {&r->b, l * n}, {&r->sb, l}, {&r->ub, l * l}, {&r->vbt, l * n},
      {&r->t, l * k}, {&r->mm, n * k}, {&r->tau, l}, {&r->work, (size_t)r->lwork},
      {&r->c, r->method == PV_RSVD_GRAM ? (size_t)r->nt * n * n : 0},
      {&r->wp, r->method == PV_RSVD_PASS ? (size_t)r->nt * l * n : 0},
      {&r->mu, r->center ? (size_t)r->nt * n : 0},
      {&r->yb, r->method == PV_RSVD_PASS ? br * l : 0}};
  for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
    if (d[i].count && !(*d[i].p = pv_malloc(d[i].count * sizeof(double)))) return PV_ENOMEM;
  r->iwork = pv_malloc((size_t)r->liwork * sizeof *r->iwork);
  return r->iwork ? PV_OK : PV_ENOMEM;
}

/* Refuse a plan whose workspace exceeds the context's RAM budget. */
static int ram_check(const pv_rsvd *r) {
  double n = r->n, l = r->l, k = r->k, br = (double)r->block_rows, nt = r->nt;
  double doubles = 5.0 * l * n + br * n + 3.0 * l * l + (l + n) * k + 4.0 * l +
                   (r->method == PV_RSVD_GRAM ? nt * n * n : nt * l * n + br * l) +
                   (r->center ? nt * n : 0.0);
  double bytes = 8.0 * doubles;
  size_t budget = r->ctx ? pv_ctx_ram_budget(r->ctx) : SIZE_MAX;
  if (bytes > (double)budget)
    return PV_ERROR(PV_ENOMEM, "rsvd: workspace of %.0f bytes (n %d, l %d, %zu rows per block) "
                    "exceeds the RAM budget of %zu bytes", bytes, r->n, r->l, r->block_rows, budget);
  return PV_OK;
}

int pv_linalg_rsvd_create(pv_ctx *ctx, size_t m, int n, int k, const pv_rsvd_options *opt,
                          pv_rsvd **out) {
  if (!out) return PV_ERROR(PV_EINVAL, "pv_linalg_rsvd_create: out is NULL");
  *out = NULL;
  pv_rsvd_options o = PV_RSVD_OPTIONS_INIT;
  if (opt) {
    if (opt->struct_size < sizeof o)
      return PV_ERROR(PV_EINVAL, "rsvd options: struct_size %zu < %zu", opt->struct_size, sizeof o);
    o = *opt;
  }
  if (n < 1 || m < 1) return PV_ERROR(PV_EINVAL, "rsvd: matrix size %zu x %d", m, n);
  size_t mn = m < (size_t)n ? m : (size_t)n;
  if (k < 1 || (size_t)k > mn)
    return PV_ERROR(PV_EINVAL, "rsvd: rank k = %d outside [1, min(m, n) = %zu]", k, mn);
  if (o.oversample < 0 || o.power_iters < 0 || o.method < PV_RSVD_AUTO || o.method > PV_RSVD_PASS)
    return PV_ERROR(PV_EINVAL, "rsvd options: oversample %d, power_iters %d, method %d",
                    o.oversample, o.power_iters, o.method);
  pv_rsvd *r = pv_calloc(1, sizeof *r);
  if (!r) return PV_ENOMEM;
  r->ctx = ctx;
  r->m = m;
  r->n = n;
  r->k = k;
  r->l = o.oversample >= n - k ? n : k + o.oversample;
  r->q = o.power_iters;
  r->stream = o.stream;
  r->method = o.method;
  r->center = o.center != 0;
  r->nt = 1;
#if PV_HAVE_OPENMP
  r->nt = ctx && pv_ctx_threads(ctx) > 1 ? pv_ctx_threads(ctx) : 1;
#endif
  if (r->method == PV_RSVD_AUTO) /* flops: m n^2 (Gram) vs 2 m n l per application */
    r->method = (double)n <= 2.0 * (r->q + 1.0) * r->l ? PV_RSVD_GRAM : PV_RSVD_PASS;
  /* Streamed blocks default to 32 MiB: one OpenMP region per block, and few
   * barriers matter on shared cores. In memory, threads sweep sub-blocks of
   * at most 4 MiB (cache-sized) of their own rows. */
  r->block_rows = o.block_rows ? o.block_rows : ((size_t)32 << 20) / (8 * (size_t)n);
  if (r->block_rows < 16) r->block_rows = 16;
  if (r->block_rows > m) r->block_rows = m;
  if (r->block_rows > (size_t)INT_MAX / (size_t)n) r->block_rows = (size_t)INT_MAX / (size_t)n;
  int st = ram_check(r);
  if (!st) st = lapack_sizes(r);
  if (!st) st = rsvd_alloc(r);
  if (st) {
    pv_linalg_rsvd_destroy(&r);
    return st;
  }
  pv_log(ctx, PV_LOG_DEBUG, "linalg",
         "rsvd plan: %zu x %d, k %d, l %d, q %d, method %s, %d threads, %zu rows per block", m, n,
         k, r->l, r->q, r->method == PV_RSVD_GRAM ? "gram" : "pass", r->nt, r->block_rows);
  *out = r;
  return PV_OK;
}

void pv_linalg_rsvd_destroy(pv_rsvd **rp) {
  if (!rp || !*rp) return;
  pv_rsvd *r = *rp;
  double *p[] = {r->c, r->wp, r->mu, r->zt, r->wt, r->yb, r->buf, r->vg, r->sg, r->b, r->sb,
                 r->ub, r->vbt, r->t, r->mm, r->tau, r->work};
  for (size_t i = 0; i < sizeof p / sizeof p[0]; i++) pv_free(p[i]);
  pv_free(r->iwork);
  pv_free(r);
  *rp = NULL;
}

/* nb rows at a: C_t += A^T A (GRAM) or W_t += A^T (A Z) (PASS, y: nb x l
 * scratch), with single-threaded BLAS into thread t's accumulator. Returns 1
 * (and skips the work) when the first pass meets a non-finite entry. */
static int chunk_kernel(pv_rsvd *r, const double *a, size_t ld, size_t nrows, int t, int first,
                        double *y) {
  int n = r->n, l = r->l, nb = (int)nrows;
  if (nb <= 0) return 0;
  if (first && !pv__linalg_all_finite((size_t)nb, (size_t)n, a, ld)) return 1;
  if (first && r->center) {
    double *sum = r->mu + (size_t)t * n;
    for (int i = 0; i < nb; i++)
      for (int j = 0; j < n; j++) sum[j] += a[(size_t)i * ld + j];
  }
  if (r->method == PV_RSVD_GRAM) {
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, n, nb, 1.0, a, (int)ld, 1.0,
                r->c + (size_t)t * n * n, n);
  } else {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nb, l, n, 1.0, a, (int)ld, r->zt, n,
                0.0, y, l);
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, l, n, nb, 1.0, y, l, a, (int)ld, 1.0,
                r->wp + (size_t)t * l * n, n);
  }
  return 0;
}

static int thread_id(void) {
#if PV_HAVE_OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

/* A streamed block: its rows split over the pass threads (one OpenMP region
 * per block). Returns nonzero when the first pass met a non-finite entry. */
static int block_kernel(pv_rsvd *r, const double *blk, size_t ld, size_t nb, int first) {
  int nt = r->nt, bad = 0;
#if PV_HAVE_OPENMP
#pragma omp parallel num_threads(nt) reduction(| : bad) if (nt > 1)
#endif
  {
    int t = thread_id();
    size_t lo = nb * (size_t)t / (size_t)nt, hi = nb * (size_t)(t + 1) / (size_t)nt;
    bad |= chunk_kernel(r, blk + lo * ld, ld, hi - lo, t, first,
                        r->yb ? r->yb + lo * (size_t)r->l : NULL);
  }
  return bad;
}

/* A matrix in memory: one OpenMP region for the whole pass, thread t sweeping
 * its contiguous rows in sub-blocks (no barrier per block, which matters when
 * the cores are shared). */
static size_t sub_block(const pv_rsvd *r) {
  size_t cache_rows = ((size_t)4 << 20) / (8 * (size_t)r->n);
  size_t br = r->block_rows < cache_rows ? r->block_rows : cache_rows;
  return br / (size_t)r->nt > 0 ? br / (size_t)r->nt : 1;
}

static int whole_kernel(pv_rsvd *r, const double *a, size_t lda, int first) {
  int nt = r->nt, bad = 0;
  size_t sb = sub_block(r);
#if PV_HAVE_OPENMP
#pragma omp parallel num_threads(nt) reduction(| : bad) if (nt > 1)
#endif
  {
    int t = thread_id();
    size_t lo = r->m * (size_t)t / (size_t)nt, hi = r->m * (size_t)(t + 1) / (size_t)nt;
    for (size_t row = lo; row < hi && !bad; row += sb)
      bad |= chunk_kernel(r, a + row * lda, lda, hi - row < sb ? hi - row : sb, t, first,
                          r->yb ? r->yb + (size_t)t * sb * (size_t)r->l : NULL);
  }
  return bad;
}

/* Sum the nt per-thread accumulators of `count` doubles into the first. */
static void reduce(double *acc, int nt, size_t count) {
  for (int t = 1; t < nt; t++) cblas_daxpy((int)count, 1.0, acc + (size_t)t * count, 1, acc, 1);
}

/* Centring without another pass: with mu the column means,
 * (A - 1 mu^T)^T (A - 1 mu^T) = A^T A - m mu mu^T. */
static void center_correction(pv_rsvd *r) {
  int n = r->n, l = r->l;
  double m = (double)r->m;
  if (r->method == PV_RSVD_GRAM) {
    for (int i = 0; i < n; i++)
      for (int j = i; j < n; j++) r->c[(size_t)i * n + j] -= m * r->mu[i] * r->mu[j];
    return;
  }
  for (int p = 0; p < l; p++) { /* Wt -= m (Z^T mu) mu^T */
    double zm = cblas_ddot(n, r->zt + (size_t)p * n, 1, r->mu, 1);
    cblas_daxpy(n, -m * zm, r->mu, 1, r->wt + (size_t)p * n, 1);
  }
}

/* One pass over A: GRAM accumulates C = A^T A, PASS accumulates Wt = (A^T A Z)^T.
 * The first pass also refuses non-finite input, naming the entry, and sums
 * the columns when centring. */
static int data_pass(pv_rsvd *r, const source *src, int first) {
  int n = r->n, l = r->l;
  size_t acc = r->method == PV_RSVD_GRAM ? (size_t)n * n : (size_t)l * n;
  double *accp = r->method == PV_RSVD_GRAM ? r->c : r->wp;
  memset(accp, 0, (size_t)r->nt * acc * sizeof *accp);
  if (first && r->center) memset(r->mu, 0, (size_t)r->nt * n * sizeof *r->mu);
  if (r->nt > 1) openblas_set_num_threads(1);
  int st = PV_OK;
  if (src->a && whole_kernel(r, src->a, src->lda, first)) /* name the entry (slow path) */
    st = pv__linalg_check_finite("A", r->m, (size_t)n, src->a, src->lda);
  for (size_t row0 = 0; !src->a && row0 < r->m && !st; row0 += r->block_rows) {
    size_t nb = r->m - row0 < r->block_rows ? r->m - row0 : r->block_rows, ld = 0;
    const double *blk = NULL;
    st = get_block(r, src, row0, nb, &blk, &ld);
    if (!st && block_kernel(r, blk, ld, nb, first)) { /* name the entry (slow path) */
      st = pv__linalg_check_finite("A", nb, (size_t)n, blk, ld);
      st = PV_ERROR(st ? st : PV_EINTERNAL,
                    "in the block of rows %zu..%zu (row index above counted from %zu)", row0,
                    row0 + nb - 1, row0);
    }
  }
  pv__linalg_blas_threads(r->ctx);
  if (st) return st;
  reduce(accp, r->nt, acc);
  if (r->method == PV_RSVD_PASS) memcpy(r->wt, r->wp, acc * sizeof *r->wt);
  if (r->center) {
    if (first) {
      reduce(r->mu, r->nt, (size_t)n);
      cblas_dscal(n, 1.0 / (double)r->m, r->mu, 1);
    }
    center_correction(r);
  }
  return PV_OK;
}

/* Wt = (A^T A Z)^T, from the Gram matrix or by a pass over A. */
static int apply_ata(pv_rsvd *r, const source *src, int pass_no) {
  if (r->method == PV_RSVD_GRAM) {
    cblas_dsymm(CblasRowMajor, CblasRight, CblasUpper, r->l, r->n, 1.0, r->c, r->n, r->zt,
                r->n, 0.0, r->wt, r->n);
    return PV_OK;
  }
  return data_pass(r, src, pass_no == 0);
}

static int report(pv_rsvd *r, int done, int total) {
  return pv_ctx_progress(r->ctx, (double)done / total, "randomized SVD");
}

/* Subspace iteration: Z_0 = orth(Omega), Z_i = orth(A^T A Z_{i-1}); on return
 * Wt = (A^T A Z_q)^T. */
static int subspace_iteration(pv_rsvd *r, const source *src, int total) {
  int n = r->n, l = r->l, st, done = 0;
  pv_rng g;
  pv_rng_init(&g, r->ctx ? pv_ctx_seed(r->ctx) : 0, r->stream);
  pv_rng_fill_normal(&g, r->zt, (size_t)l * n);
  if ((st = pv__linalg_orth(n, l, r->zt, r->tau, r->work, r->lwork))) return st;
  if (r->method == PV_RSVD_GRAM) {
    if ((st = data_pass(r, src, 1)) || (st = report(r, ++done, total))) return st;
  }
  for (int it = 0; it <= r->q; it++) {
    if ((st = apply_ata(r, src, it))) return st;
    if (r->method == PV_RSVD_PASS && (st = report(r, ++done, total))) return st;
    if (it == r->q) break;
    memcpy(r->zt, r->wt, (size_t)l * n * sizeof *r->zt);
    if ((st = pv__linalg_orth(n, l, r->zt, r->tau, r->work, r->lwork))) return st;
  }
  return PV_OK;
}

/* Rayleigh-Ritz on Q = A Z V_g S_g^-1 (orthonormal): B = Q^T A = S_g^-1 V_g^T W^T,
 * B = Ub S Vb^T; leaves s, vt and M = Z V_g S_g^-1 Ub[:, :k] (so U = A M).
 * Directions of A Z with S_g below the Gram's rounding level are dropped. */
static int rayleigh_ritz(pv_rsvd *r, double *s, double *vt, size_t ldvt) {
  int n = r->n, l = r->l, k = r->k;
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, l, l, n, 1.0, r->zt, n, r->wt, n, 0.0,
              r->vg, l);
  for (int i = 0; i < l; i++)
    for (int j = 0; j < i; j++) {
      double v = 0.5 * (r->vg[i * l + j] + r->vg[j * l + i]);
      r->vg[i * l + j] = r->vg[j * l + i] = v;
    }
  if (pv__linalg_check_finite("Z^T A^T A Z", (size_t)l, (size_t)l, r->vg, (size_t)l))
    return PV_ERROR(PV_ENUMERIC, "rsvd: non-finite values in the projected Gram matrix");
  lapack_int info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, 'V', 'L', l, r->vg, l, r->sg,
                                        r->work, r->lwork, r->iwork, r->liwork);
  if (info) return PV_ERROR(PV_ENOTCONV, "rsvd: dsyevd of the %d x %d Gram: info %d", l, l, (int)info);
  double lmax = r->sg[l - 1], floor = 64.0 * l * 2.220446049250313e-16 * lmax;
  for (int j = 0; j < l; j++) /* sg <- 1 / sqrt(eigenvalue), 0 for dropped directions */
    r->sg[j] = lmax > 0.0 && r->sg[j] > floor ? 1.0 / sqrt(r->sg[j]) : 0.0;
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, l, n, l, 1.0, r->vg, l, r->wt, n, 0.0,
              r->b, n);
  for (int j = 0; j < l; j++) cblas_dscal(n, r->sg[j], r->b + (size_t)j * n, 1);
  info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'S', n, l, r->b, n, r->sb, r->vbt, n, r->ub, l,
                             r->work, r->lwork, r->iwork);
  if (info) return PV_ERROR(PV_ENOTCONV, "rsvd: dgesdd of the %d x %d projection: info %d", l, n,
                            (int)info);
  memcpy(s, r->sb, (size_t)k * sizeof *s);
  for (int j = 0; j < k; j++) memcpy(vt + (size_t)j * ldvt, r->vbt + (size_t)j * n, (size_t)n * sizeof *vt);
  for (int j = 0; j < l; j++) cblas_dscal(l, r->sg[j], r->ub + (size_t)j * l, 1);
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, l, k, l, 1.0, r->vg, l, r->ub, l, 0.0,
              r->t, k);
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, k, l, 1.0, r->zt, n, r->t, k, 0.0,
              r->mm, k);
  pv__linalg_fix_signs(k, n, vt, ldvt, (size_t)n, r->mm, (size_t)k);
  return PV_OK;
}

/* nrows rows of U = A M (minus 1 (M^T mu)^T when centring). */
static void u_rows(const pv_rsvd *r, const double *a, size_t ld, size_t nrows, double *u,
                   size_t ldu) {
  if (nrows == 0) return;
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nrows, r->k, r->n, 1.0, a, (int)ld,
              r->mm, r->k, 0.0, u, (int)ldu);
  if (r->center) /* (A - 1 mu^T) M = A M - 1 (M^T mu)^T */
    for (size_t i = 0; i < nrows; i++)
      for (int j = 0; j < r->k; j++) u[i * ldu + (size_t)j] -= r->t[j];
}

/* U = A M: in memory one OpenMP region, each thread its contiguous rows;
 * streamed one region per block. */
static int left_vectors(pv_rsvd *r, const source *src, double *u, size_t ldu) {
  int st = PV_OK, nt = r->nt;
  size_t sb = src->a ? sub_block(r) : r->block_rows;
  if (r->center) /* t[0..k) <- M^T mu (T is free after the Rayleigh-Ritz step) */
    cblas_dgemv(CblasRowMajor, CblasTrans, r->n, r->k, 1.0, r->mm, r->k, r->mu, 1, 0.0, r->t, 1);
  if (nt > 1) openblas_set_num_threads(1);
  if (src->a) {
#if PV_HAVE_OPENMP
#pragma omp parallel num_threads(nt) if (nt > 1)
#endif
    {
      int t = thread_id();
      size_t lo = r->m * (size_t)t / (size_t)nt, hi = r->m * (size_t)(t + 1) / (size_t)nt;
      for (size_t row = lo; row < hi; row += sb)
        u_rows(r, src->a + row * src->lda, src->lda, hi - row < sb ? hi - row : sb,
               u + row * ldu, ldu);
    }
  }
  for (size_t row0 = 0; !src->a && row0 < r->m && !st; row0 += sb) {
    size_t nb = r->m - row0 < sb ? r->m - row0 : sb, ld = 0;
    const double *blk = NULL;
    if ((st = get_block(r, src, row0, nb, &blk, &ld))) break;
#if PV_HAVE_OPENMP
#pragma omp parallel num_threads(nt) if (nt > 1)
#endif
    {
      int t = thread_id();
      size_t lo = nb * (size_t)t / (size_t)nt, hi = nb * (size_t)(t + 1) / (size_t)nt;
      u_rows(r, blk + lo * ld, ld, hi - lo, u + (row0 + lo) * ldu, ldu);
    }
  }
  pv__linalg_blas_threads(r->ctx);
  return st;
}

static int run(pv_rsvd *r, const source *src, double *s, double *u, size_t ldu, double *vt,
               size_t ldvt) {
  if (!s || !vt || ldvt < (size_t)r->n || (u && ldu < (size_t)r->k) || ldu > INT_MAX)
    return PV_ERROR(PV_EINVAL, "rsvd: NULL s/vt or leading dimension out of range (ldu %zu, "
                    "ldvt %zu for k %d, n %d)", ldu, ldvt, r->k, r->n);
  pv__linalg_blas_threads(r->ctx);
  int total = (r->method == PV_RSVD_GRAM ? 1 : r->q + 1) + (u != NULL);
  int st = subspace_iteration(r, src, total);
  if (!st) st = rayleigh_ritz(r, s, vt, ldvt);
  if (!st && u) {
    st = left_vectors(r, src, u, ldu);
    if (!st) st = report(r, total, total);
  }
  return st;
}

int pv_linalg_rsvd_compute(pv_rsvd *r, const double *a, size_t lda, double *s, double *u,
                           size_t ldu, double *vt, size_t ldvt) {
  if (!r || !a || lda < (size_t)(r ? r->n : 0) || lda > INT_MAX)
    return PV_ERROR(PV_EINVAL, "pv_linalg_rsvd_compute: NULL plan/matrix or lda %zu out of range",
                    lda);
  source src = {a, lda, NULL, NULL};
  return run(r, &src, s, u, ldu, vt, ldvt);
}

int pv_linalg_rsvd_compute_stream(pv_rsvd *r, pv_rsvd_reader read, void *user, double *s,
                                  double *u, size_t ldu, double *vt, size_t ldvt) {
  if (!r || !read) return PV_ERROR(PV_EINVAL, "pv_linalg_rsvd_compute_stream: NULL plan or reader");
  source src = {NULL, 0, read, user};
  return run(r, &src, s, u, ldu, vt, ldvt);
}
