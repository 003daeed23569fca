/* krylov.c - block Krylov-Schur for the B-self-adjoint operator
 * OP = (A - sigma B)^{-1} B (Stewart's Krylov-Schur restart specialised to
 * the symmetric case, i.e. block Lanczos with thick restart).
 *
 * Invariant after each expansion: OP V_j = V_j H_j + V_res R E^T, with V_j
 * B-orthonormal (two passes of block classical Gram-Schmidt, then CholQR2,
 * falling back to column-wise Gram-Schmidt with random replacement on rank
 * deficiency). At a restart H is diagonalised, the wanted Ritz vectors (largest
 * |theta|) are kept, H becomes diag(theta) plus the "arrow" row block coupling
 * them to V_res. Leading Ritz pairs whose residual estimate is below 1/100
 * of the target are locked at a restart: their coupling to V_res (below that
 * level) is dropped, so later Rayleigh-Ritz steps and restarts work on the
 * active columns only; new blocks are still orthogonalised against them.
 * When the previous cycle came within 1e4 of the target, convergence is also
 * tested every second block of a cycle, which ends the last cycle early.
 * With block 8 and a basis too large for the cache, a block's full pass
 * (rounding-level coefficients) is deferred by one step and shares one
 * sweep over V with the next block's coefficient product; H is rewritten
 * exactly for it (see expand_deferred). The residual of a Ritz pair in the
 * original pencil is exactly ||(A - sigma B) V_res s|| / (|theta| ||x||_2)
 * with s = R E^T y, which gives the stopping test without forming the
 * vectors when ||x||_2 is bounded below through lambda_max(B); near the
 * target the vectors' own norms replace that bound (refine_estimates). The
 * final vectors' residual is then computed explicitly and reported. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>
#include <lapacke.h>

#include "eigen_internal.h"
#include "thin.h"
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/rng.h>

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
  double *est;   /* k residual estimates (converged) */
  double *tho;   /* m in wanted-first order */
  double *S;     /* b x m coupling of the Ritz vectors to V_res */
  double *R;     /* 3 b x b small matrices */
  double *chunk; /* rows x m restart buffer */
  int64_t chunk_rows;
  ritz_key *order;
  pv_rng rng;
  int nlock;     /* leading Ritz pairs locked (deflated): their coupling to
                    V_res is dropped, Rayleigh-Ritz and restarts skip them */
  int tightened; /* times tol was tightened */
  double tol;    /* internal target of the estimates, tightened if the explicit
                 residual check disagrees */
  /* Deferred full pass (see expand_deferred): the block at column pj is
   * V_pj^u = V_pj' + V[:, 0:pj] Cp, V_pj' the orthogonalised block the
   * Krylov relation (H) refers to. */
  int pend, pend_h; /* a block is pending; its H update is done already */
  int pj;
  double *Cp;    /* (m + b) x b, leading dimension pj */
  double *G2;    /* (m + 2 b) x b scratch */
  double *Q;     /* (m + b) x b: predicted components of W along V[:, 0:j] */
  int have_q;
  double *E;     /* 2 b x b scratch */
  int64_t deferred;
  int defer;    /* deferred full passes in use (see DEFER_MIN_BYTES) */
  int fellback; /* the last normalize_block fell back to orth_columns */
  double t_op, t_orth, t_rr, t_restart; /* seconds, for the debug log */
  double t_local, t_full, t_norm;       /* parts of t_orth */
  int64_t passes;
} ks;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int alloc_ks(ks *s) {
  int64_t n = s->n, m = s->m, b = s->b, ldh = s->ldh;
  /* Restart buffer of ~512 KiB: the rotated rows stay in L2 until copied
   * back, and a small buffer costs few first-touch page faults (a 4096-row
   * buffer was 6.5 MB at m = 200, ~1600 faults: ~1-2 ms of a 5k solve). */
  int64_t rows = (65536 / m + 7) / 8 * 8;
  s->chunk_rows = n < rows ? n : rows < 64 ? 64 : rows;
  s->V = pv_malloc((size_t)(n * (m + b)) * sizeof(double));
  s->BW = pv_malloc((size_t)(n * b) * sizeof(double));
  s->H = pv_malloc((size_t)(ldh * ldh) * sizeof(double));
  s->C = pv_malloc((size_t)((m + b) * b) * sizeof(double));
  s->Y = pv_malloc((size_t)(m * m) * sizeof(double));
  s->Yo = pv_malloc((size_t)(m * m) * sizeof(double));
  s->th = pv_malloc((size_t)m * sizeof(double));
  s->est = pv_malloc((size_t)m * sizeof(double));
  s->tho = pv_malloc((size_t)m * sizeof(double));
  s->S = pv_malloc((size_t)(b * m) * sizeof(double));
  s->R = pv_malloc((size_t)(3 * b * b) * sizeof(double));
  s->chunk = pv_malloc((size_t)(s->chunk_rows * m) * sizeof(double));
  s->order = pv_malloc((size_t)m * sizeof(*s->order));
  s->Cp = pv_malloc((size_t)((m + b) * b) * sizeof(double));
  s->G2 = pv_malloc((size_t)((m + 2 * b) * b) * sizeof(double));
  s->Q = pv_malloc((size_t)((m + b) * b) * sizeof(double));
  s->E = pv_malloc((size_t)(2 * b * b) * sizeof(double));
  if (!s->V || !s->BW || !s->H || !s->C || !s->Y || !s->Yo || !s->th || !s->est || !s->tho || !s->S || !s->R ||
      !s->chunk || !s->order || !s->Cp || !s->G2 || !s->Q || !s->E)
    return PV_ERROR(PV_ENOMEM, "eigen: Krylov workspace for n = %lld, basis %d + %d", (long long)n,
                    s->m, s->b);
  return 0;
}

static void free_ks(ks *s) {
  pv_free(s->V);
  pv_free(s->BW);
  pv_free(s->H);
  pv_free(s->C);
  pv_free(s->Y);
  pv_free(s->Yo);
  pv_free(s->th);
  pv_free(s->est);
  pv_free(s->tho);
  pv_free(s->S);
  pv_free(s->R);
  pv_free(s->chunk);
  pv_free(s->order);
  pv_free(s->Cp);
  pv_free(s->G2);
  pv_free(s->Q);
  pv_free(s->E);
}

/* B-inner product of column vectors x and y, given By. */
static double bdot(int64_t n, const double *x, const double *By) {
  return cblas_ddot((int)n, x, 1, By, 1);
}

/* One pass of block CGS of W (n x nw) against V[:, i0:jv]; coefficients
 * accumulate into Hc (leading dimension ldh, row i0 first) when Hc != NULL.
 * *drop (may be NULL) receives max over columns of ||c||^2 / ||w||_B^2, the
 * share of the column removed (Pythagoras: V is B-orthonormal). */
static int cgs_pass(ks *s, int i0, int jv, double *W, int nw, double *Hc, double *drop) {
  int64_t n = s->n;
  int nc = jv - i0;
  if (nc <= 0)
    return 0;
  int st = pv_eig_op_bmul(s->op, nw, W, s->BW);
  if (st)
    return st;
  if (nw == 8) { /* the default block: unpacked AVX-512 products (thin.h) */
    pv_eig_thin_tn8(n, nc, s->V + i0 * n, s->BW, s->C);
    pv_eig_thin_nn8(n, nc, s->V + i0 * n, s->C, W);
  } else {
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, nc, nw, (int)n, 1.0, s->V + i0 * n,
                (int)n, s->BW, (int)n, 0.0, s->C, nc);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)n, nw, nc, -1.0, s->V + i0 * n,
                (int)n, s->C, nc, 1.0, W, (int)n);
  }
  if (drop)
    *drop = 0;
  for (int c = 0; c < nw; c++) {
    double cc = 0;
    for (int i = 0; i < nc; i++) {
      double h = s->C[i + (int64_t)c * nc];
      cc += h * h;
      if (Hc)
        Hc[i0 + i + (int64_t)c * s->ldh] += h;
    }
    if (drop) {
      double ww =
          bdot(n, W + c * n, s->BW + c * n) + cc; /* ||w_before||^2 ~ ||w_after||^2 + ||c||^2 */
      *drop = fmax(*drop, ww > 0 ? cc / ww : 1);
    }
  }
  return 0;
}

/* Orthogonalise W against V[:, 0:jv]: first against the local columns
 * [local, jv) (the three-term part of Lanczos, or the whole arrow after a
 * restart), then one full pass, repeated while a pass removes more than
 * half of a column's B-norm squared (Daniel-Gragg-Kaufman-Stewart). */
static int orth_block(ks *s, int local, int jv, double *W, int nw, double *Hc) {
  double drop = 1, t0 = now();
  int st = local > 0 ? cgs_pass(s, local, jv, W, nw, Hc, NULL) : 0;
  double t1 = now();
  for (int pass = 0; !st && pass < 3 && drop > 0.5; pass++, s->passes++)
    st = cgs_pass(s, 0, jv, W, nw, Hc, &drop);
  s->t_local += t1 - t0, s->t_full += now() - t1;
  return st;
}

/* One CholQR step: W = W G^{-1}, G upper with G^T G = W^T B W. Returns 1
 * (W untouched) when the Gram matrix is numerically rank deficient. */
static int cholqr(ks *s, double *W, int nw, double *G, int *fail) {
  int64_t n = s->n;
  int st = pv_eig_op_bmul(s->op, nw, W, s->BW);
  if (st)
    return st;
  if (nw == 8) /* the thin kernel: OpenBLAS packs even an 8 x 8 result's operands */
    pv_eig_thin_tn8(n, 8, W, s->BW, G);
  else
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
  cblas_dtrsm(CblasColMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, (int)n, nw, 1.0, G,
              nw, W, (int)n);
  return 0;
}

/* Column-wise fallback: W = V[:, 0:jv] Hh + Q Rs with B-orthonormal Q; a
 * column that vanishes is replaced by a random direction (Rs column zero).
 * Hh is accumulated into Hc after multiplication by the earlier factor Racc. */
static int orth_columns(ks *s, int jv, double *W, int nw, double *Rs, double *Hh) {
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
static void compose_upper(int nw, const double *Rstep, double *R) {
  cblas_dtrmm(CblasColMajor, CblasLeft, CblasUpper, CblasNoTrans, CblasNonUnit, nw, nw, 1.0, Rstep,
              nw, R, nw);
}

/* B-orthonormalise W (n x nw, already orthogonal to V[:, 0:jv]):
 * W_in = V Hh + W_out R. R (nw x nw) out; Hc (may be NULL) += Hh. */
static int normalize_block(ks *s, int jv, double *W, int nw, double *R, double *Hc) {
  double *G = s->R + s->b * s->b, *Hh = s->C;
  memset(R, 0, sizeof(double) * (size_t)(nw * nw));
  for (int c = 0; c < nw; c++)
    R[c + c * nw] = 1;
  s->fellback = 0;
  for (int step = 0; step < 2; step++) {
    int fail = 0, st = cholqr(s, W, nw, G, &fail);
    if (st)
      return st;
    if (fail) {
      double *Rs = s->R + 2 * s->b * s->b;
      if ((st = orth_columns(s, jv, W, nw, Rs, Hh)))
        return st;
      if (Hc && jv > 0) { /* Hc += Hh R */
        cblas_dtrmm(CblasColMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, jv, nw, 1.0,
                    R, nw, Hh, jv);
        for (int c = 0; c < nw; c++)
          for (int i = 0; i < jv; i++)
            Hc[i + (int64_t)c * s->ldh] += Hh[i + (int64_t)c * jv];
      }
      compose_upper(nw, Rs, R);
      s->fellback = 1;
      return 0;
    }
    compose_upper(nw, G, R);
  }
  return 0;
}

/* Add block j+b..j+2b: W = OP V_j, orthogonalise (locally first against
 * columns from local on), record H's column block. */
static int expand(ks *s, int j, int local) {
  int64_t n = s->n;
  int b = s->b;
  double *W = s->V + (int64_t)(j + b) * n, *Hc = s->H + (int64_t)j * s->ldh;
  double t0 = now();
  int st = pv_eig_op_apply(s->op, b, s->V + (int64_t)j * n, W);
  double t1 = now();
  if (!st)
    st = orth_block(s, local, j + b, W, b, Hc);
  double *R = s->R, t2 = now();
  if (!st)
    st = normalize_block(s, j + b, W, b, R, Hc);
  s->t_norm += now() - t2;
  s->t_op += t1 - t0;
  s->t_orth += now() - t1;
  if (st)
    return st;
  for (int c = 0; c < b; c++)
    for (int r = 0; r < b; r++)
      s->H[(j + b + r) + (int64_t)(j + c) * s->ldh] = R[r + c * b];
  return 0;
}

/* Deferred full pass. The new block's full Gram-Schmidt pass against the
 * older columns removes only rounding-level components (1e-11 to 1e-10 of
 * the column after the local pass), so its subtraction can wait one step
 * and share a single sweep over V with the next block's coefficient product
 * (V is read once per block instead of twice; GS is memory-bound above
 * ~10k unknowns). The pending block at column pj is V_pj^u = V_pj' +
 * V[:, 0:pj] Cp; H always describes the orthogonalised V', which needs
 * three exact rewrites when V_pj^u has been used before being corrected:
 *  (i)   OP V_{pj-b} = ... + V_pj^u R  =>  H[0:pj, pj-b block] += Cp R;
 *  (ii)  W = OP V_pj^u = OP V_pj' + V H[:, 0:pj] Cp  =>  Hc -= H[:, 0:pj] Cp;
 *  (iii) the local pass subtracted V_pj^u e1  =>  Hc[0:pj] += Cp e1. */
#define DEFER_DROP 1e-14 /* largest share of a column a deferred pass may remove */
/* The deferral saves a read of V per block but adds a product (the image
 * Q of the pending correction): a win only while V streams from memory.
 * Measured orthogonalisation CPU seconds, deferred / not: 5k k=100 (V 8 MB)
 * 0.025 / 0.018, 5k k=200 (16 MB) 0.094 / 0.080, 20k k=100 (33 MB) 0.185 /
 * 0.220, 20k k=200 (65 MB) 0.49 / 0.60 (32 MB L3). */
#define DEFER_MIN_BYTES (24.0 * 1024 * 1024)

static void pending_h(ks *s) { /* (i) */
  if (!s->pend || s->pend_h)
    return;
  int b = s->b, pj = s->pj;
  double *Rb = s->E;
  for (int c = 0; c < b; c++)
    for (int r = 0; r < b; r++)
      Rb[r + c * b] = s->H[(pj + r) + (int64_t)(pj - b + c) * s->ldh];
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, pj, b, b, 1.0, s->Cp, pj, Rb, b, 1.0,
              s->H + (int64_t)(pj - b) * s->ldh, s->ldh);
  s->pend_h = 1;
}

/* Complete the pending block: (i), then V_pj -= V[:, 0:pj] Cp. */
static void flush_pending(ks *s) {
  if (!s->pend)
    return;
  pending_h(s);
  pv_eig_thin_nn8(s->n, s->pj, s->V, s->Cp, s->V + (int64_t)s->pj * s->n);
  s->pend = s->pend_h = 0;
}

/* Local pass of W = OP V_j^u against [j - b, j + b), then the bookkeeping
 * (i)-(iii) of a pending V_j (Hc is H's column block j). */
static int local_and_rewrite(ks *s, int j, double *W, double *Hc) {
  int b = s->b;
  int st = cgs_pass(s, j - b, j + b, W, b, Hc, NULL);
  if (st || !(s->pend && s->pj == j))
    return st;
  double *e1 = s->E + b * b;
  for (int c = 0; c < b; c++) /* coefficients against V_j^u: rows b..2b of C */
    for (int r = 0; r < b; r++)
      e1[r + c * b] = s->C[b + r + (int64_t)c * 2 * b];
  pending_h(s);
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, j + b, b, j, 1.0, s->H, s->ldh, s->Cp, j,
              0.0, s->G2, j + b);
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, j, b, b, -1.0, s->Cp, j, e1, b, 1.0, s->G2,
              j + b);
  for (int c = 0; c < b; c++)
    for (int i = 0; i < j + b; i++)
      Hc[i + (int64_t)c * s->ldh] -= s->G2[i + (int64_t)c * (j + b)];
  /* W's components along V[:, 0:j - b] are, up to rounding, exactly G2
   * (the image of the correction): subtract them in the sweep (Q), so only
   * the rounding-level rest remains for the deferred pass. */
  for (int c = 0; c < b; c++)
    for (int i = 0; i < j; i++)
      s->Q[i + (int64_t)c * j] = i < j - b ? s->G2[i + (int64_t)c * (j + b)] : 0;
  s->have_q = 1;
  return 0;
}

/* The sweep: finish V_j (if pending) and D = V[:, 0:j]^T B W in one pass
 * over V; then W -= V_j' (V_j'^T B W) at once. D stays in s->C (j x b);
 * *drop receives the largest share ||d||^2 / ||w||_B^2 of a column. */
static int sweep(ks *s, int j, double *W, double *Hc, double *drop) {
  int64_t n = s->n;
  int b = s->b;
  double *Vj = s->V + (int64_t)j * n, *Ej = s->E + b * b;
  int st = pv_eig_op_bmul(s->op, b, W, s->BW);
  if (st)
    return st;
  int q = s->have_q;
  if (s->pend && s->pj == j)
    pv_eig_thin_fused8(n, j, s->V, s->Cp, Vj, q ? s->Q : NULL, W, s->BW, s->C);
  else
    pv_eig_thin_tn8(n, j, s->V, s->BW, s->C);
  s->pend = s->pend_h = s->have_q = 0;
  double qq[8] = {0}; /* D was computed before W -= V Q: D - Q remains (V^T B V = I) */
  for (int c = 0; c < b && q; c++)
    for (int i = 0; i < j; i++) {
      double qi = s->Q[i + (int64_t)c * j];
      s->C[i + (int64_t)c * j] -= qi;
      Hc[i + (int64_t)c * s->ldh] += qi;
      qq[c] += qi * qi;
    }
  pv_eig_thin_tn8(n, b, Vj, s->BW, Ej); /* b = 8 here: 8 x 8, no BLAS call overhead */
  *drop = 0; /* relative to what remains of the column (Pythagoras) */
  for (int c = 0; c < b; c++) {
    double dd = 0, ee = 0, ww = bdot(n, W + c * n, s->BW + c * n);
    for (int i = 0; i < j; i++)
      dd += s->C[i + (int64_t)c * j] * s->C[i + (int64_t)c * j];
    for (int r = 0; r < b; r++)
      ee += Ej[r + c * b] * Ej[r + c * b];
    ww -= dd + ee + qq[c];
    *drop = fmax(*drop, ww > 0 ? dd / ww : 1);
  }
  pv_eig_thin_nn8(n, b, Vj, Ej, W);
  for (int c = 0; c < b; c++)
    for (int r = 0; r < b; r++)
      Hc[j + r + (int64_t)c * s->ldh] += Ej[r + c * b];
  return 0;
}

/* expand() for block size 8 inside a cycle (j > jstart): local pass, the
 * sweep, normalisation; W's subtraction of V[:, 0:j] D is deferred when D
 * is at rounding level and the normalisation needed no fallback (else it is
 * done at once, with the DGKS passes of orth_block). */
static int expand_deferred(ks *s, int j) {
  int64_t n = s->n;
  int b = s->b;
  double *W = s->V + (int64_t)(j + b) * n, *Hc = s->H + (int64_t)j * s->ldh, *R = s->R, drop;
  double t0 = now();
  int st = pv_eig_op_apply(s->op, b, s->V + (int64_t)j * n, W);
  double t1 = now();
  if (!st)
    st = local_and_rewrite(s, j, W, Hc);
  double t2 = now();
  if (!st)
    st = sweep(s, j, W, Hc, &drop);
  int defer = !st && drop <= DEFER_DROP;
  if (!st && !defer) { /* not rounding level: subtract now, DGKS if needed */
    pv_eig_thin_nn8(n, j, s->V, s->C, W);
    for (int c = 0; c < b; c++)
      for (int i = 0; i < j; i++)
        Hc[i + (int64_t)c * s->ldh] += s->C[i + (int64_t)c * j];
    for (int pass = 0; !st && pass < 2 && drop > 0.5; pass++, s->passes++)
      st = cgs_pass(s, 0, j + b, W, b, Hc, &drop);
  }
  if (defer) /* Cp: D against [0, j), zero rows for the block at j (Ej) */
    for (int c = 0; c < b; c++) {
      memcpy(s->Cp + (int64_t)c * (j + b), s->C + (int64_t)c * j, sizeof(double) * (size_t)j);
      memset(s->Cp + (int64_t)c * (j + b) + j, 0, sizeof(double) * (size_t)b);
    }
  double t3 = now();
  if (!st)
    st = normalize_block(s, j + b, W, b, R, Hc);
  s->t_local += t2 - t1, s->t_full += t3 - t2, s->t_norm += now() - t3;
  s->t_op += t1 - t0, s->t_orth += now() - t1, s->passes++;
  if (st)
    return st;
  if (defer && !s->fellback) { /* D enters H through (i) = Cp R; subtracted in the next sweep */
    cblas_dtrsm(CblasColMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, j, b, 1.0, R, b,
                s->Cp, j + b);
    s->pend = 1, s->pend_h = 0, s->pj = j + b, s->deferred++;
  }
  for (int c = 0; c < b; c++)
    for (int r = 0; r < b; r++)
      s->H[(j + b + r) + (int64_t)(j + c) * s->ldh] = R[r + c * b];
  return 0;
}


static int by_magnitude_desc(const void *a, const void *b) {
  const ritz_key *x = a, *y = b;
  return x->mag < y->mag ? 1 : x->mag > y->mag ? -1 : x->idx - y->idx;
}

/* Diagonalise the symmetrised active block H[nl:mact, nl:mact] (the
 * locked leading block is diagonal and uncoupled), order wanted-first into
 * tho/Yo (mact x mact, the identity on the locked block) and form
 * S = R_last * (last b rows of Yo); S is zero on the locked columns. */
static int rayleigh_ritz(ks *s, int mact) {
  int b = s->b, nl = s->nlock, ma = mact - nl;
  for (int c = 0; c < ma; c++)
    for (int r = 0; r < ma; r++)
      s->Y[r + (int64_t)c * ma] = 0.5 * (s->H[(nl + r) + (int64_t)(nl + c) * s->ldh] +
                                         s->H[(nl + c) + (int64_t)(nl + r) * s->ldh]);
  int info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'U', ma, s->Y, ma, s->th);
  if (info != 0)
    return PV_ERROR(PV_ENUMERIC,
                    "eigen: dense eigensolver failed on the %d x %d projection (info %d)", ma, ma,
                    info);
  for (int i = 0; i < ma; i++)
    s->order[i] = (ritz_key){fabs(s->th[i]), i};
  qsort(s->order, (size_t)ma, sizeof(ritz_key), by_magnitude_desc);
  memset(s->Yo, 0, sizeof(double) * (size_t)mact * (size_t)mact);
  for (int i = 0; i < nl; i++) {
    s->tho[i] = s->H[i + (int64_t)i * s->ldh];
    s->Yo[i + (int64_t)i * mact] = 1;
  }
  for (int i = 0; i < ma; i++) {
    s->tho[nl + i] = s->th[s->order[i].idx];
    memcpy(s->Yo + nl + (int64_t)(nl + i) * mact, s->Y + (int64_t)s->order[i].idx * ma,
           sizeof(double) * (size_t)ma);
  }
  const double *Rl = s->H + mact + (int64_t)(mact - b) * s->ldh;
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, b, mact, b, 1.0, Rl, s->ldh,
              s->Yo + (mact - b), mact, 0.0, s->S, b);
  return 0;
}

/* Y (n x nv, leading dimension n) = C X for nv <= b vectors, 8 at a time
 * through the interleaved product (cmul.c) with op->tmp (n x b) as its
 * scratch; blocks narrower than 8 use the sparse module's product. */
static int cmul(ks *s, int nv, const double *X, int64_t ldx, double *Y) {
  int64_t n = s->n;
  pv_ctx *ctx = s->op->ctx;
  if (s->b < 8)
    return pv_sparse_matmul_t(ctx, s->op->C, nv, 1.0, X, ldx, 0.0, Y, n);
  for (int c0 = 0; c0 < nv; c0 += 8)
    pv_eig_cmul8(s->op->C, nv - c0 < 8 ? nv - c0 : 8, X + c0 * ldx, ldx, s->op->tmp, Y + c0 * n, n,
                 ctx ? pv_ctx_threads(ctx) : 1);
  return 0;
}

/* Refine the estimates est[i] (i < k) in (tol, REFINE_SPAN * tol]. The
 * estimate divides by the smallest ||x||_2 a B-normalised x can have,
 * 1 / sqrt(lambda_max(B)); with ||x_i||_2 itself (x_i = V y_i formed b at a
 * time in op->tmp) it is the residual measure of the Ritz pair exactly, up
 * to the rounding of the Krylov relation, which the explicit check at the
 * end guards. On the FAUST meshes (lumped mass of uneven triangles) the
 * bound overstates the measure 3.4 times, enough to run a restart cycle
 * more than needed at 5k, k = 100. Only pairs near the target are formed. */
#define REFINE_SPAN 100.0
static int refine_estimates(ks *s, int mact, double *est) {
  int64_t n = s->n;
  int b = s->b, k = s->p->k, nl = s->nlock, ma = mact - nl, idx[64], nb = 0, refined = 0;
  double *Ysel = s->G2, *Xb = s->op->tmp, scale = sqrt(s->p->bnorm_max);
  for (int i = nl; i <= k; i++) {
    if (i < k && est[i] > s->tol && est[i] <= REFINE_SPAN * s->tol)
      memcpy(Ysel + (int64_t)nb * ma, s->Yo + nl + (int64_t)i * mact, sizeof(double) * (size_t)ma),
          idx[nb++] = i;
    if (nb == b || nb == 64 || (i == k && nb > 0)) {
      cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)n, nb, ma, 1.0,
                  s->V + (int64_t)nl * n, (int)n, Ysel, ma, 0.0, Xb, (int)n);
      for (int c = 0; c < nb; c++) {
        double xn = cblas_dnrm2((int)n, Xb + (int64_t)c * n, 1) * scale;
        est[idx[c]] = xn > 1 ? est[idx[c]] / xn : est[idx[c]];
      }
      refined += nb, nb = 0;
    }
  }
  return refined;
}

/* Residual measure estimates of the k wanted pairs; returns how many lead
 * the list with estimate <= tol, the worst estimate in *worst, and in
 * *lockable how many lead it with estimate <= LOCK_SHARE * tol (the
 * unrefined bound: a locked pair is never revisited). */
#define LOCK_SHARE 0.01
static int converged(ks *s, int mact, double *worst, int *lockable) {
  int b = s->b, k = s->p->k;
  int64_t n = s->n;
  double *G = s->R + b * b, *est = s->est;
  if (cmul(s, b, s->V + (int64_t)mact * n, n, s->BW))
    return *worst = INFINITY, *lockable = 0;
  if (b == 8)
    pv_eig_thin_tn8(n, 8, s->BW, s->BW, G);
  else
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, b, b, (int)n, 1.0, s->BW, (int)n, s->BW,
                (int)n, 0.0, G, b);
  double lmax = s->p->lambda_floor;
  for (int i = 0; i < k; i++)
    lmax = fmax(lmax, fabs(s->p->sigma + 1.0 / s->tho[i]));
  int lead_lock = 1;
  *lockable = 0;
  for (int i = 0; i < k; i++) {
    const double *si = s->S + (int64_t)i * b;
    double q = 0;
    for (int c = 0; c < b; c++)
      for (int r = 0; r < b; r++)
        q += si[r] * G[r + c * b] * si[c];
    est[i] = sqrt(fmax(q, 0)) / fabs(s->tho[i]) * sqrt(s->p->bnorm_max) / lmax;
    lead_lock = lead_lock && est[i] <= LOCK_SHARE * s->tol;
    *lockable += lead_lock;
  }
  /* Refining pays only when it can finish the run: every wanted pair in
   * reach of the target (locking uses the bound regardless). */
  double top = 0;
  for (int i = 0; i < k; i++)
    top = fmax(top, est[i]);
  int refined = top <= REFINE_SPAN * s->tol ? refine_estimates(s, mact, est) : 0;
  int nconv = 0, lead = 1;
  *worst = 0;
  for (int i = 0; i < k; i++) {
    *worst = fmax(*worst, est[i]);
    lead = lead && est[i] <= s->tol;
    nconv += lead;
  }
  if (refined)
    pv_log(s->op->ctx, PV_LOG_DEBUG, "eigen",
           "basis %d: %d estimates near the target refined with ||x||, %d of %d converged", mact,
           refined, nconv, k);
  return nconv;
}

/* Thick restart keeping the first keep Ritz vectors; the first nlock are
 * locked from now on (their coupling to V_res is dropped). Columns locked
 * before this cycle are Ritz vectors already and are not rotated. */
static void restart(ks *s, int mact, int keep, int nlock) {
  int64_t n = s->n;
  int b = s->b, nl = s->nlock;
  for (int64_t r0 = 0; r0 < n; r0 += s->chunk_rows) {
    int rows = (int)(n - r0 < s->chunk_rows ? n - r0 : s->chunk_rows);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, rows, keep - nl, mact - nl, 1.0,
                s->V + r0 + (int64_t)nl * n, (int)n, s->Yo + nl + (int64_t)nl * mact, mact, 0.0,
                s->chunk, rows);
    for (int c = 0; c < keep - nl; c++)
      memcpy(s->V + r0 + (int64_t)(nl + c) * n, s->chunk + (int64_t)c * rows,
             sizeof(double) * (size_t)rows);
  }
  memmove(s->V + (int64_t)keep * n, s->V + (int64_t)mact * n, sizeof(double) * (size_t)(n * b));
  memset(s->H, 0, sizeof(double) * (size_t)(s->ldh * s->ldh));
  for (int i = 0; i < keep; i++) {
    s->H[i + (int64_t)i * s->ldh] = s->tho[i];
    for (int r = 0; r < b && i >= nlock; r++)
      s->H[(keep + r) + (int64_t)i * s->ldh] = s->S[r + (int64_t)i * b];
  }
  s->nlock = nlock;
}

static int start_block(ks *s) {
  pv_rng_init(&s->rng, s->p->seed, 0x6569676eu);
  pv_rng_fill_normal(&s->rng, s->V, (size_t)(s->n * s->b));
  return normalize_block(s, 0, s->V, s->b, s->R, NULL);
}

/* max_i ||C x_i - (1/theta_i) B x_i|| / (lambda_max ||x_i||) over the k Ritz
 * vectors in X, C = A - sigma B: the residual measure, computed explicitly
 * (C applied to b vectors at a time). */
static int explicit_residual(ks *s, const double *X, int64_t ldx, double *res) {
  int64_t n = s->n;
  int k = s->p->k, b = s->b;
  double lmax = s->p->lambda_floor, *Bx = s->op->tmp, *Cx = s->BW;
  for (int i = 0; i < k; i++)
    lmax = fmax(lmax, fabs(s->p->sigma + 1.0 / s->tho[i]));
  *res = 0;
  for (int i0 = 0; i0 < k; i0 += b) {
    int nb = k - i0 < b ? k - i0 : b;
    int st = cmul(s, nb, X + i0 * ldx, ldx, Cx); /* before Bx: op->tmp is its scratch */
    for (int c = 0; c < nb && !st; c++) {
      const double *x = X + (i0 + c) * ldx;
      if ((st = pv_eig_op_bmul(s->op, 1, x, Bx)))
        break;
      cblas_daxpy((int)n, -1.0 / s->tho[i0 + c], Bx, 1, Cx + c * n, 1);
      double xn = cblas_dnrm2((int)n, x, 1);
      *res = fmax(*res, cblas_dnrm2((int)n, Cx + c * n, 1) / (lmax * (xn > 0 ? xn : 1)));
    }
    if (st)
      return st;
  }
  return 0;
}

/* X = V Yo[:, 0:k]. Locked columns are Ritz vectors already (Yo is the
 * identity there): copied; the product runs over the active block only. */
static void ritz_vectors(ks *s, int mact, double *X, int64_t ldx) {
  int64_t n = s->n;
  int k = s->p->k, nl = s->nlock < k ? s->nlock : k;
  for (int i = 0; i < nl; i++)
    memcpy(X + i * ldx, s->V + i * n, sizeof(double) * (size_t)n);
  if (k > nl)
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)n, k - nl, mact - nl, 1.0,
                s->V + (int64_t)nl * n, (int)n, s->Yo + nl + (int64_t)nl * mact, mact, 0.0,
                X + nl * ldx, (int)ldx);
}

/* Whether to test convergence in the middle of a cycle: only when the
 * previous cycle came within 1e4 of the target, every second block. */
static int early_exit_due(const ks *s, double prev_worst, int jstart, int j) {
  return prev_worst < 1e4 * s->tol && j + s->b <= s->m && j - jstart >= 2 * s->b &&
         (j - jstart) % (2 * s->b) == 0;
}

/* Rayleigh-Ritz on the current basis of size j; *done = 1 when the k
 * wanted pairs have converged. */
static int converged_at(ks *s, int j, int *done) {
  double worst, t0 = now();
  pending_h(s); /* H for the orthogonalised V; V_res may stay pending */
  int lockable, st = rayleigh_ritz(s, j);
  *done = !st && converged(s, j, &worst, &lockable) >= s->p->k;
  s->t_rr += now() - t0;
  return st;
}

/* Columns a restart makes room for: 65% of the unwanted part of the basis
 * (at least one block). Keeping half of it (the earlier rule) gave the same
 * number of solves at 5k-20k, k = 100 and 200, but each restart rotated
 * more columns; 65% cut the iteration's CPU time by 3-8% there (README). */
static int restart_add(int mact, int k, int b) {
  int add = (int)(0.65 * (mact - k));
  return add > b ? add : b;
}

static int iterate(ks *s, double *theta, double *X, int64_t ldx, int *restarts,
                   double *residual) {
  int b = s->b, k = s->p->k, j = 0, jstart = 0, st = start_block(s);
  double prev_worst = INFINITY;
  memset(s->H, 0, sizeof(double) * (size_t)(s->ldh * s->ldh));
  for (*restarts = 0; !st; (*restarts)++) {
    int done = 0; /* converged mid-cycle: stop expanding at basis size j */
    while (!st && !done && j + b <= s->m) {
      st = s->defer && j > jstart ? expand_deferred(s, j) : expand(s, j, j == jstart ? 0 : j - b);
      j += b;
      if (!st && early_exit_due(s, prev_worst, jstart, j))
        st = converged_at(s, j, &done);
    }
    if (!st)
      flush_pending(s);
    double worst = 0, t0 = now();
    int lockable = 0, mact = j,
        nconv = st ? 0 : (st = rayleigh_ritz(s, mact)) ? 0 : converged(s, mact, &worst, &lockable);
    s->t_rr += now() - t0;
    if (st)
      break;
    pv_log(s->op->ctx, PV_LOG_DEBUG, "eigen",
           "cycle %d: basis %d, %d of %d converged (%d locked), worst residual %.2e, %lld solves; "
           "seconds: op %.3f, orth %.3f (local %.3f, %lld full passes %.3f of which %lld deferred, "
           "normalise %.3f), ritz %.3f, restart %.3f",
           *restarts, mact, nconv, k, s->nlock, worst, (long long)s->op->applies, s->t_op, s->t_orth,
           s->t_local, (long long)s->passes, s->t_full, (long long)s->deferred, s->t_norm, s->t_rr,
           s->t_restart);
    if (nconv >= k || *restarts >= s->p->max_restarts) {
      ritz_vectors(s, mact, X, ldx);
      memcpy(theta, s->tho, sizeof(double) * (size_t)k);
      double true_res = 0;
      if (nconv >= k && (st = explicit_residual(s, X, ldx, &true_res)))
        break;
      *residual = nconv >= k ? true_res : NAN;
      if (nconv >= k && true_res > s->p->tol && *restarts < s->p->max_restarts &&
          ++s->tightened <= 3) {
        /* The estimates ran ahead of the vectors (rounding in the Krylov
         * relation): tighten them and keep iterating. */
        s->tol *= fmax(0.01, 0.5 * s->p->tol / true_res);
        pv_log(s->op->ctx, PV_LOG_DEBUG, "eigen",
               "explicit residual %.2e above tol: estimates tightened to %.2e", true_res, s->tol);
      } else {
        if (nconv >= k && true_res > s->p->tol)
          st = PV_ERROR(PV_ENOTCONV,
                        "eigen: residual stalls at %.2e above tol %.2e (sigma too close to an "
                        "eigenvalue for the wanted range?)",
                        true_res, s->p->tol);
        else if (nconv < k)
          st = PV_ERROR(
              PV_ENOTCONV,
              "eigen: %d of %d pairs converged after %d restarts (worst residual %.2e, tol %.2e)",
              nconv, k, *restarts, worst, s->p->tol);
        break;
      }
    }
    prev_worst = worst;
    if ((st = pv_ctx_progress(s->op->ctx, (double)nconv / k, "eigen")))
      break;
    int add = restart_add(mact, k, b);
    int keep = mact - add < k ? k : mact - add;
    if (keep + b > mact)
      keep = mact - b;
    t0 = now();
    restart(s, mact, keep, lockable > keep ? keep : lockable);
    s->t_restart += now() - t0;
    j = jstart = keep;
  }
  return st;
}

int pv_eig_krylov_schur(pv_eig_op *op, const pv_eig_ks_params *p, double *theta, double *X,
                        int64_t ldx, int *restarts, double *residual) {
  ks s;
  memset(&s, 0, sizeof s);
  s.op = op;
  s.p = p;
  s.n = op->n;
  s.b = p->block;
  s.m = p->basis;
  s.ldh = p->basis + p->block;
  s.tol = p->tol;
  *restarts = 0;
  *residual = NAN;
  if (s.b < 1 || s.m < p->k + s.b || s.m + s.b > s.n)
    return PV_ERROR(PV_EINTERNAL, "eigen: basis %d, block %d do not fit k = %d, n = %lld", s.m, s.b,
                    p->k, (long long)s.n);
  /* PV_EIGEN_DEFER set forces the deferral (the tests' small bases would
   * never reach it otherwise). */
  s.defer = s.b == 8 && ((double)s.n * (s.m + s.b) * sizeof(double) > DEFER_MIN_BYTES ||
                         getenv("PV_EIGEN_DEFER"));
  int st = alloc_ks(&s);
  if (!st)
    st = iterate(&s, theta, X, ldx, restarts, residual);
  free_ks(&s);
  return st;
}
