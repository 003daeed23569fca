/* krylov.c - block Krylov-Schur for the B-self-adjoint operator
 * OP = (A - sigma B)^{-1} B (Stewart's Krylov-Schur restart specialised to
 * the symmetric case, i.e. block Lanczos with thick restart).
 *
 * Invariant after each expansion: OP V_j = V_j H_j + V_res R E^T, with V_j
 * B-orthonormal (two passes of block classical Gram-Schmidt, then CholQR2,
 * falling back to column-wise Gram-Schmidt with random replacement on rank
 * deficiency). At a restart H is diagonalised, the wanted Ritz vectors (largest
 * |theta|) are kept, H becomes diag(theta) plus the "arrow" row block coupling
 * them to V_res. The residual of a Ritz pair in the original pencil is
 * exactly ||(A - sigma B) V_res s|| / |theta| with s = R E^T y, which gives
 * the stopping test without forming the vectors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/rng.h>
#include "eigen_internal.h"

typedef struct ritz_key {
  double mag;
  int idx;
} ritz_key;

typedef struct ks {
  pv_eig_op *op;
  const pv_eig_ks_params *p;
  int64_t n;
  int b, m, ldh;
  double *V;     /* n x (m + b) basis */
  double *BW;    /* n x b: B W, (A - sigma B) V_res */
  double *H;     /* ldh x ldh projected operator */
  double *C;     /* (m + b) x b Gram-Schmidt coefficients */
  double *Y;     /* m x m eigenvectors of H */
  double *Yo;    /* m x m the same, wanted-first order */
  double *th;    /* m eigenvalues of H */
  double *tho;   /* m in wanted-first order */
  double *S;     /* b x m coupling of the Ritz vectors to V_res */
  double *R;     /* 3 b x b small matrices */
  double *chunk; /* rows x m restart buffer */
  int64_t chunk_rows;
  ritz_key *order;
  pv_rng rng;
} ks;

static int alloc_ks(ks *s)
{
  int64_t n = s->n, m = s->m, b = s->b, ldh = s->ldh;
  s->chunk_rows = n < 4096 ? n : 4096;
  s->V = pv_malloc((size_t)(n * (m + b)) * sizeof(double));
  s->BW = pv_malloc((size_t)(n * b) * sizeof(double));
  s->H = pv_malloc((size_t)(ldh * ldh) * sizeof(double));
  s->C = pv_malloc((size_t)((m + b) * b) * sizeof(double));
  s->Y = pv_malloc((size_t)(m * m) * sizeof(double));
  s->Yo = pv_malloc((size_t)(m * m) * sizeof(double));
  s->th = pv_malloc((size_t)m * sizeof(double));
  s->tho = pv_malloc((size_t)m * sizeof(double));
  s->S = pv_malloc((size_t)(b * m) * sizeof(double));
  s->R = pv_malloc((size_t)(3 * b * b) * sizeof(double));
  s->chunk = pv_malloc((size_t)(s->chunk_rows * m) * sizeof(double));
  s->order = pv_malloc((size_t)m * sizeof(*s->order));
  if (!s->V || !s->BW || !s->H || !s->C || !s->Y || !s->Yo || !s->th || !s->tho ||
      !s->S || !s->R || !s->chunk || !s->order)
    return PV_ERROR(PV_ENOMEM, "eigen: Krylov workspace for n = %lld, basis %d + %d",
                    (long long)n, s->m, s->b);
  return 0;
}

static void free_ks(ks *s)
{
  pv_free(s->V);
  pv_free(s->BW);
  pv_free(s->H);
  pv_free(s->C);
  pv_free(s->Y);
  pv_free(s->Yo);
  pv_free(s->th);
  pv_free(s->tho);
  pv_free(s->S);
  pv_free(s->R);
  pv_free(s->chunk);
  pv_free(s->order);
}

/* B-inner product of column vectors x and y, given By. */
static double bdot(int64_t n, const double *x, const double *By)
{
  return cblas_ddot((int)n, x, 1, By, 1);
}

/* Two passes of block CGS of W (n x nw) against V[:, 0:jv]; coefficients
 * accumulate into Hc (leading dimension ldh) when Hc != NULL. */
static int orth_block(ks *s, int jv, double *W, int nw, double *Hc)
{
  int64_t n = s->n;
  if (jv == 0)
    return 0;
  for (int pass = 0; pass < 2; pass++) {
    int st = pv_eig_op_bmul(s->op, nw, W, s->BW);
    if (st)
      return st;
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, jv, nw, (int)n, 1.0, s->V, (int)n,
                s->BW, (int)n, 0.0, s->C, jv);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)n, nw, jv, -1.0, s->V, (int)n,
                s->C, jv, 1.0, W, (int)n);
    if (Hc)
      for (int c = 0; c < nw; c++)
        for (int i = 0; i < jv; i++)
          Hc[i + (int64_t)c * s->ldh] += s->C[i + (int64_t)c * jv];
  }
  return 0;
}

/* One CholQR step: W = W G^{-1}, G upper with G^T G = W^T B W. Returns 1
 * (W untouched) when the Gram matrix is numerically rank deficient. */
static int cholqr(ks *s, double *W, int nw, double *G, int *fail)
{
  int64_t n = s->n;
  int st = pv_eig_op_bmul(s->op, nw, W, s->BW);
  if (st)
    return st;
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, nw, nw, (int)n, 1.0, W, (int)n, s->BW,
              (int)n, 0.0, G, nw);
  *fail = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', nw, G, nw) != 0;
  double dmin = INFINITY, dmax = 0;
  for (int c = 0; c < nw && !*fail; c++) {
    dmin = fmin(dmin, fabs(G[c + c * nw]));
    dmax = fmax(dmax, fabs(G[c + c * nw]));
  }
  if (*fail || !(dmin > 1e-7 * dmax))
    return *fail = 1, 0;
  for (int c = 0; c < nw; c++)
    for (int r = c + 1; r < nw; r++)
      G[r + c * nw] = 0;
  cblas_dtrsm(CblasColMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, (int)n, nw, 1.0,
              G, nw, W, (int)n);
  return 0;
}

/* Column-wise fallback: W = V[:, 0:jv] Hh + Q Rs with B-orthonormal Q; a
 * column that vanishes is replaced by a random direction (Rs column zero).
 * Hh is accumulated into Hc after multiplication by the earlier factor Racc. */
static int orth_columns(ks *s, int jv, double *W, int nw, double *Rs, double *Hh)
{
  int64_t n = s->n;
  memset(Rs, 0, sizeof(double) * (size_t)(nw * nw));
  memset(Hh, 0, sizeof(double) * (size_t)((jv > 0 ? jv : 1) * nw));
  for (int c = 0; c < nw; c++) {
    double *w = W + c * n;
    int st = pv_eig_op_bmul(s->op, 1, w, s->BW);
    if (st)
      return st;
    double nrm0 = sqrt(fmax(bdot(n, w, s->BW), 0));
    for (int attempt = 0; attempt < 2; attempt++) {
      int record = attempt == 0;
      for (int pass = 0; pass < 2; pass++) {
        if ((st = pv_eig_op_bmul(s->op, 1, w, s->BW)))
          return st;
        for (int i = 0; i < jv; i++) {
          double h = bdot(n, s->V + i * n, s->BW);
          cblas_daxpy((int)n, -h, s->V + i * n, 1, w, 1);
          if (record)
            Hh[i + c * jv] += h;
        }
        for (int i = 0; i < c; i++) {
          double h = bdot(n, W + i * n, s->BW);
          cblas_daxpy((int)n, -h, W + i * n, 1, w, 1);
          if (record)
            Rs[i + c * nw] += h;
        }
      }
      if ((st = pv_eig_op_bmul(s->op, 1, w, s->BW)))
        return st;
      double nrm = sqrt(fmax(bdot(n, w, s->BW), 0));
      if (nrm > 1e-10 * nrm0 && nrm > 1e-300) {
        cblas_dscal((int)n, 1.0 / nrm, w, 1);
        if (record)
          Rs[c + c * nw] = nrm;
        break;
      }
      if (attempt == 1)
        return PV_ERROR(PV_ENUMERIC, "eigen: cannot extend the Krylov basis beyond %d vectors",
                        jv + c);
      pv_rng_fill_normal(&s->rng, w, (size_t)n);
      if ((st = pv_eig_op_bmul(s->op, 1, w, s->BW)))
        return st;
      nrm0 = sqrt(fmax(bdot(n, w, s->BW), 0));
    }
  }
  return 0;
}

/* R = Rstep * R (both nw x nw upper triangular, column-major). */
static void compose_upper(int nw, const double *Rstep, double *R)
{
  cblas_dtrmm(CblasColMajor, CblasLeft, CblasUpper, CblasNoTrans, CblasNonUnit, nw, nw, 1.0,
              Rstep, nw, R, nw);
}

/* B-orthonormalise W (n x nw, already orthogonal to V[:, 0:jv]):
 * W_in = V Hh + W_out R. R (nw x nw) out; Hc (may be NULL) += Hh. */
static int normalize_block(ks *s, int jv, double *W, int nw, double *R, double *Hc)
{
  double *G = s->R + s->b * s->b, *Hh = s->C;
  memset(R, 0, sizeof(double) * (size_t)(nw * nw));
  for (int c = 0; c < nw; c++)
    R[c + c * nw] = 1;
  for (int step = 0; step < 2; step++) {
    int fail = 0, st = cholqr(s, W, nw, G, &fail);
    if (st)
      return st;
    if (fail) {
      double *Rs = s->R + 2 * s->b * s->b;
      if ((st = orth_columns(s, jv, W, nw, Rs, Hh)))
        return st;
      if (Hc && jv > 0) { /* Hc += Hh R */
        cblas_dtrmm(CblasColMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, jv, nw,
                    1.0, R, nw, Hh, jv);
        for (int c = 0; c < nw; c++)
          for (int i = 0; i < jv; i++)
            Hc[i + (int64_t)c * s->ldh] += Hh[i + (int64_t)c * jv];
      }
      compose_upper(nw, Rs, R);
      return 0;
    }
    compose_upper(nw, G, R);
  }
  return 0;
}

/* Add block j+b..j+2b: W = OP V_j, orthogonalise, record H's column block. */
static int expand(ks *s, int j)
{
  int64_t n = s->n;
  int b = s->b;
  double *W = s->V + (int64_t)(j + b) * n, *Hc = s->H + (int64_t)j * s->ldh;
  int st = pv_eig_op_apply(s->op, b, s->V + (int64_t)j * n, W);
  if (!st)
    st = orth_block(s, j + b, W, b, Hc);
  double *R = s->R;
  if (!st)
    st = normalize_block(s, j + b, W, b, R, Hc);
  if (st)
    return st;
  for (int c = 0; c < b; c++)
    for (int r = 0; r < b; r++)
      s->H[(j + b + r) + (int64_t)(j + c) * s->ldh] = R[r + c * b];
  return 0;
}

static int by_magnitude_desc(const void *a, const void *b)
{
  const ritz_key *x = a, *y = b;
  return x->mag < y->mag ? 1 : x->mag > y->mag ? -1 : x->idx - y->idx;
}

/* Diagonalise the symmetrised H (mact x mact), order wanted-first into
 * tho/Yo, and form S = R_last * (last b rows of Yo). */
static int rayleigh_ritz(ks *s, int mact)
{
  int b = s->b;
  for (int c = 0; c < mact; c++)
    for (int r = 0; r < mact; r++)
      s->Y[r + (int64_t)c * mact] =
          0.5 * (s->H[r + (int64_t)c * s->ldh] + s->H[c + (int64_t)r * s->ldh]);
  int info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'U', mact, s->Y, mact, s->th);
  if (info != 0)
    return PV_ERROR(PV_ENUMERIC, "eigen: dense eigensolver failed on the %d x %d projection (info %d)",
                    mact, mact, info);
  for (int i = 0; i < mact; i++)
    s->order[i] = (ritz_key){fabs(s->th[i]), i};
  qsort(s->order, (size_t)mact, sizeof(ritz_key), by_magnitude_desc);
  for (int i = 0; i < mact; i++) {
    s->tho[i] = s->th[s->order[i].idx];
    memcpy(s->Yo + (int64_t)i * mact, s->Y + (int64_t)s->order[i].idx * mact,
           sizeof(double) * (size_t)mact);
  }
  const double *Rl = s->H + mact + (int64_t)(mact - b) * s->ldh;
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, b, mact, b, 1.0, Rl, s->ldh,
              s->Yo + (mact - b), mact, 0.0, s->S, b);
  return 0;
}

/* Residual measure estimates of the k wanted pairs; returns how many lead
 * the list with estimate <= tol, and the worst estimate in *worst. */
static int converged(ks *s, int mact, double *worst)
{
  int b = s->b, k = s->p->k;
  int64_t n = s->n;
  const pv_sparse *C = s->op->C;
  double *G = s->R + b * b;
  if (pv_sparse_matmul_t(s->op->ctx, C, b, 1.0, s->V + (int64_t)mact * n, n, 0.0, s->BW, n))
    return 0;
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, b, b, (int)n, 1.0, s->BW, (int)n, s->BW,
              (int)n, 0.0, G, b);
  double lmax = 0;
  for (int i = 0; i < k; i++)
    lmax = fmax(lmax, fabs(s->p->sigma + 1.0 / s->tho[i]));
  if (!(lmax > 0))
    lmax = 1;
  int nconv = 0, lead = 1;
  *worst = 0;
  for (int i = 0; i < k; i++) {
    const double *si = s->S + (int64_t)i * b;
    double q = 0;
    for (int c = 0; c < b; c++)
      for (int r = 0; r < b; r++)
        q += si[r] * G[r + c * b] * si[c];
    double res = sqrt(fmax(q, 0)) / fabs(s->tho[i]) * sqrt(s->p->bnorm_max) / lmax;
    *worst = fmax(*worst, res);
    lead = lead && res <= s->p->tol;
    nconv += lead;
  }
  return nconv;
}

/* Thick restart keeping the first keep Ritz vectors. */
static void restart(ks *s, int mact, int keep)
{
  int64_t n = s->n;
  int b = s->b;
  for (int64_t r0 = 0; r0 < n; r0 += s->chunk_rows) {
    int rows = (int)(n - r0 < s->chunk_rows ? n - r0 : s->chunk_rows);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, rows, keep, mact, 1.0, s->V + r0,
                (int)n, s->Yo, mact, 0.0, s->chunk, rows);
    for (int c = 0; c < keep; c++)
      memcpy(s->V + r0 + (int64_t)c * n, s->chunk + (int64_t)c * rows,
             sizeof(double) * (size_t)rows);
  }
  memmove(s->V + (int64_t)keep * n, s->V + (int64_t)mact * n, sizeof(double) * (size_t)(n * b));
  memset(s->H, 0, sizeof(double) * (size_t)(s->ldh * s->ldh));
  for (int i = 0; i < keep; i++) {
    s->H[i + (int64_t)i * s->ldh] = s->tho[i];
    for (int r = 0; r < b; r++)
      s->H[(keep + r) + (int64_t)i * s->ldh] = s->S[r + (int64_t)i * b];
  }
}

static int start_block(ks *s)
{
  pv_rng_init(&s->rng, s->p->seed, 0x6569676eu);
  pv_rng_fill_normal(&s->rng, s->V, (size_t)(s->n * s->b));
  return normalize_block(s, 0, s->V, s->b, s->R, NULL);
}

static int iterate(ks *s, double *theta, double *X, int64_t ldx, int *restarts)
{
  int b = s->b, k = s->p->k, j = 0, st = start_block(s);
  memset(s->H, 0, sizeof(double) * (size_t)(s->ldh * s->ldh));
  for (*restarts = 0; !st; (*restarts)++) {
    while (!st && j + b <= s->m) {
      st = expand(s, j);
      j += b;
    }
    double worst = 0;
    int mact = j, nconv = st ? 0 : (st = rayleigh_ritz(s, mact)) ? 0 : converged(s, mact, &worst);
    if (st)
      break;
    pv_log(s->op->ctx, PV_LOG_DEBUG, "eigen",
           "cycle %d: basis %d, %d of %d converged, worst residual %.2e, %lld solves",
           *restarts, mact, nconv, k, worst, (long long)s->op->applies);
    if (nconv >= k || *restarts >= s->p->max_restarts) {
      cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)s->n, k, mact, 1.0, s->V,
                  (int)s->n, s->Yo, mact, 0.0, X, (int)ldx);
      memcpy(theta, s->tho, sizeof(double) * (size_t)k);
      if (nconv < k)
        st = PV_ERROR(PV_ENOTCONV, "eigen: %d of %d pairs converged after %d restarts (worst residual %.2e, tol %.2e)",
                      nconv, k, *restarts, worst, s->p->tol);
      break;
    }
    if ((st = pv_ctx_progress(s->op->ctx, (double)nconv / k, "eigen")))
      break;
    int add = (mact - k) / 2 > b ? (mact - k) / 2 : b;
    int keep = mact - add < k ? k : mact - add;
    if (keep + b > mact)
      keep = mact - b;
    restart(s, mact, keep);
    j = keep;
  }
  return st;
}

int pv_eig_krylov_schur(pv_eig_op *op, const pv_eig_ks_params *p, double *theta, double *X,
                        int64_t ldx, int *restarts)
{
  ks s;
  memset(&s, 0, sizeof s);
  s.op = op;
  s.p = p;
  s.n = op->n;
  s.b = p->block;
  s.m = p->basis;
  s.ldh = p->basis + p->block;
  *restarts = 0;
  if (s.b < 1 || s.m < p->k + s.b || s.m + s.b > s.n)
    return PV_ERROR(PV_EINTERNAL, "eigen: basis %d, block %d do not fit k = %d, n = %lld", s.m,
                    s.b, p->k, (long long)s.n);
  int st = alloc_ks(&s);
  if (!st)
    st = iterate(&s, theta, X, ldx, restarts);
  free_ks(&s);
  return st;
}
