/* solve.c - pv_eigen_pencil_solve: options, shift selection and
 * factorisation, the Krylov-Schur run and the output conventions. */
#include <math.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include <cblas.h>

#include "eigen_dense.h"
#include "eigen_internal.h"
#include "eigen_post.h"
#include "snode.h"
#include "sparse/sparse_internal.h"
#include <parseval/alloc.h>
#include <parseval/eigen.h>
#include <parseval/error.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Copy caller options of any (older, shorter) struct_size over defaults. */
static int read_options(const pv_eigen_options *opt, pv_eigen_options *o) {
  pv_eigen_options def = PV_EIGEN_OPTIONS_INIT;
  *o = def;
  if (!opt)
    return 0;
  if (opt->struct_size < offsetof(pv_eigen_options, which) + sizeof(int) ||
      opt->struct_size > sizeof *o)
    return PV_ERROR(PV_EINVAL, "eigen: options struct_size %zu (expected %zu)", opt->struct_size,
                    sizeof *o);
  memcpy(o, opt, opt->struct_size);
  o->struct_size = sizeof *o;
  if (o->which != PV_EIGEN_SMALLEST && o->which != PV_EIGEN_NEAREST)
    return PV_ERROR(PV_EINVAL, "eigen: options.which = %d is not a pv_eigen_which", o->which);
  if (!(o->tol > 0) || o->block < 0 || o->basis < 0 || o->max_restarts < 0)
    return PV_ERROR(PV_EINVAL, "eigen: options tol %g, block %d, basis %d, max_restarts %d", o->tol,
                    o->block, o->basis, o->max_restarts);
  if (o->which == PV_EIGEN_NEAREST && !isfinite(o->sigma))
    return PV_ERROR(PV_EINVAL, "eigen: PV_EIGEN_NEAREST needs a finite sigma (got %g)", o->sigma);
  if (o->which == PV_EIGEN_SMALLEST && isinf(o->sigma))
    return PV_ERROR(PV_EINVAL, "eigen: sigma = %g", o->sigma);
  return 0;
}

/* Factor C = A - sigma B; SMALLEST tries shift candidates when sigma is NAN. */
static int factor_shift(pv_ctx *ctx, const pv_sparse *A, const pv_sparse *B,
                        const pv_eigen_options *o, pv_eig_op *op, double *sigma) {
  pv_sparse *C = NULL;
  int st;
  if (o->which == PV_EIGEN_NEAREST) {
    *sigma = o->sigma;
    st = B ? pv_sparse_add(ctx, 1.0, A, -*sigma, B, &C) : pv_eig_shift_identity(A, *sigma, &C);
    if (!st && (st = pv_sparse_lu_create(ctx, C, &op->lu)))
      st = PV_ERROR(PV_ENUMERIC,
                    "eigen: sigma = %.17g is (numerically) an eigenvalue: "
                    "A - sigma B is singular",
                    *sigma);
    op->C = C;
    return st;
  }
  double cand[8];
  int ncand = pv_eig_shift_candidates(A, B, o->sigma, cand);
  for (int t = 0; t < ncand; t++) {
    *sigma = cand[t];
    pv_sparse_destroy(&C);
    st = B ? pv_sparse_add(ctx, 1.0, A, -*sigma, B, &C) : pv_eig_shift_identity(A, *sigma, &C);
    if (!st && !op->sn)
      st = pv_eig_snode_create(C, &op->sn);
    if (st)
      break;
    st = pv_eig_snode_factorize(op->sn, C);
    if (st == PV_ENUMERIC && t + 1 < ncand) {
      pv_log(ctx, PV_LOG_DEBUG, "eigen", "shift %g is not below the spectrum", *sigma);
      pv_error_clear();
      continue;
    }
    if (st == PV_ENUMERIC)
      st = PV_ERROR(PV_ENUMERIC,
                    isnan(o->sigma) ? "eigen: found no shift below the spectrum (last %g); "
                                      "pass options.sigma"
                                    : "eigen: sigma = %g is not below the spectrum "
                                      "(A - sigma B is not positive definite)",
                    *sigma);
    else if (!st && pv_eig_snode_rcond(op->sn) < 1e-15)
      st = PV_ERROR(PV_ENUMERIC,
                    "eigen: sigma = %.17g is (numerically) an eigenvalue "
                    "(rcond %.2e)",
                    *sigma, pv_eig_snode_rcond(op->sn));
    break;
  }
  op->C = C;
  return st;
}

static int sizes(int64_t n, int k, const pv_eigen_options *o, int *block, int *basis, int *dense) {
  *block = o->block ? o->block : 8;
  *basis = o->basis ? o->basis : (2 * k > k + 8 * *block ? 2 * k : k + 8 * *block);
  if (*basis > n - *block)
    *basis = (int)(n - *block);
  int fits = *basis >= k + *block && n > 2 * *block;
  *dense = o->dense_max_n >= 0 ? n <= o->dense_max_n : (n <= 128 || !fits);
  if (*dense && k > n)
    return PV_ERROR(PV_EINVAL, "eigen: k = %d exceeds n = %lld", k, (long long)n);
  if (!*dense && !fits)
    return PV_ERROR(PV_EINVAL,
                    "eigen: k = %d with block %d needs basis >= %d but n = %lld "
                    "allows %d (raise dense_max_n)",
                    k, *block, k + *block, (long long)n, *basis);
  return 0;
}

static int run_krylov(pv_ctx *ctx, const pv_sparse *A, const pv_sparse *B, int k,
                      const pv_eigen_options *o, int block, int basis, double *lambda, double *X,
                      int64_t ldx, pv_eigen_info *inf) {
  int64_t n = A->nrow;
  pv_eig_op op = {.n = n, .ctx = ctx, .B = B};
  double bmax = 1, t0 = now();
  int st = B ? pv_eig_check_b(ctx, B, &bmax) : 0;
  if (!st)
    st = factor_shift(ctx, A, B, o, &op, &inf->sigma);
  if (!st && !(op.tmp = pv_malloc(sizeof(double) * (size_t)(n * block))))
    st = PV_ERROR(PV_ENOMEM, "eigen: operator workspace");
  if (!st && B && B->p[n] == n) { /* diagonal B (lumped mass, degrees) */
    int diag = 1;
    for (int64_t j = 0; j < n && diag; j++)
      diag = B->p[j] == j && B->i[j] == j;
    if (diag && !(op.bdiag = pv_malloc(sizeof(double) * (size_t)n)))
      st = PV_ERROR(PV_ENOMEM, "eigen: diagonal of B");
    if (op.bdiag)
      memcpy(op.bdiag, B->x, sizeof(double) * (size_t)n);
  }
  inf->factor_nnz = pv_eig_snode_nnz(op.sn);
  inf->seconds_factor = now() - t0;
  t0 = now();
  if (!st) {
    pv_eig_ks_params p = {k,
                          block,
                          basis,
                          o->max_restarts,
                          o->tol,
                          inf->sigma,
                          bmax,
                          pv_eig_lambda_floor(A, B),
                          ctx ? pv_ctx_seed(ctx) : 0};
    st = pv_eig_krylov_schur(&op, &p, lambda, X, ldx, &inf->restarts, &inf->max_residual);
    if (!st || st == PV_ENOTCONV)
      for (int i = 0; i < k; i++)
        lambda[i] = inf->sigma + 1.0 / lambda[i];
  }
  inf->seconds_iterate = now() - t0;
  inf->op_applies = op.applies;
  pv_eig_snode_destroy(&op.sn);
  pv_sparse_lu_destroy(&op.lu);
  pv_sparse_destroy((pv_sparse **)&op.C);
  pv_free(op.tmp);
  pv_free(op.bdiag);
  return st;
}

int pv_eigen_pencil_solve(pv_ctx *ctx, const pv_sparse *A, const pv_sparse *B, int k,
                          const pv_eigen_options *opt, double *lambda, double *X, int64_t ldx,
                          pv_eigen_info *info) {
  pv_eigen_options o;
  pv_eigen_info inf = {.struct_size = sizeof inf, .sigma = NAN, .max_residual = NAN};
  int st = read_options(opt, &o), block, basis, dense;
  if (st)
    return st;
  if (!A || !lambda || !X)
    return PV_ERROR(PV_EINVAL, "eigen: NULL argument");
  int64_t n = A->nrow;
  if (k < 1 || ldx < n)
    return PV_ERROR(PV_EINVAL, "eigen: k = %d must be >= 1, ldx = %lld >= n = %lld", k,
                    (long long)ldx, (long long)n);
  if (k > n)
    return PV_ERROR(PV_EINVAL, "eigen: k = %d exceeds n = %lld", k, (long long)n);
  if ((st = pv_eig_check_matrix("A", A, n)) || (B && (st = pv_eig_check_matrix("B", B, n))) ||
      (st = sizes(n, k, &o, &block, &basis, &dense)))
    return st;
  int blas_threads = openblas_get_num_threads();
  openblas_set_num_threads(ctx ? pv_ctx_threads(ctx) : 1);
  if (dense) {
    double t0 = now();
    st = pv_eig_dense(A, B, k, o.which, o.sigma, lambda, X, ldx);
    inf.dense = 1;
    inf.sigma = o.sigma;
    inf.seconds_iterate = now() - t0;
  } else {
    st = run_krylov(ctx, A, B, k, &o, block, basis, lambda, X, ldx, &inf);
  }
  if (!st || st == PV_ENOTCONV) {
    int st2 = pv_eig_finish(A, B, k, lambda, X, ldx, &inf.max_residual, &inf.lambda_max);
    st = st ? st : st2;
  }
  openblas_set_num_threads(blas_threads);
  if (!st)
    pv_log(ctx, PV_LOG_INFO, "eigen",
           "%d pairs of n = %lld: sigma %g, residual %.2e, %d restarts, %lld solves, "
           "factor %.3f s, iterate %.3f s",
           k, (long long)n, inf.sigma, inf.max_residual, inf.restarts, (long long)inf.op_applies,
           inf.seconds_factor, inf.seconds_iterate);
  if (info) {
    size_t sz = info->struct_size < sizeof inf ? info->struct_size : sizeof inf;
    if (sz >= sizeof(size_t))
      memcpy((char *)info + sizeof(size_t), (char *)&inf + sizeof(size_t), sz - sizeof(size_t));
  }
  return st;
}
