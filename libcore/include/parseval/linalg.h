/* parseval/linalg.h - dense linear algebra: LAPACK eigen/SVD wrappers,
 * randomized and streaming SVD, Newton-Schulz orthogonalisation.
 *
 * Conventions (every function below):
 * - Matrices are ROW-MAJOR doubles: element (i, j) of an m x n matrix A with
 *   leading dimension lda >= n is a[i * lda + j].
 * - Eigenvectors and right singular vectors are returned as ROWS
 *   (z = V^T, vt = V^T): vector j is z[j * ldz + 0 .. n). Left singular
 *   vectors are the COLUMNS of u (m x r, u[i * ldu + j]).
 * - Sign convention: every returned eigenvector / right singular vector has
 *   its entry of largest magnitude (the first one on ties) positive; the
 *   matching left singular vector is flipped with it, so A = U S V^T holds.
 * - Inputs are borrowed and never modified; outputs are caller-allocated.
 * - Input containing NaN or Inf is refused with PV_EINVAL naming the entry;
 *   a LAPACK failure to converge (info > 0) returns PV_ENOTCONV.
 * - OpenBLAS runs with pv_ctx_threads(ctx) threads (openblas_set_num_threads
 *   is called on entry). Do not call these from inside another parallel
 *   region that also uses BLAS threads.
 * - One-shot dense routines allocate their LAPACK workspace per call through
 *   pv_malloc (O(n^2)); the iterative objects (rsvd, stream) size theirs once. */
#ifndef PARSEVAL_LINALG_H
#define PARSEVAL_LINALG_H
#include <stddef.h>
#include <stdint.h>
#include <parseval/config.h>
#include <parseval/ctx.h>
#ifdef __cplusplus
extern "C" {
#endif

/* ---- Dense symmetric eigenproblems (LAPACK dsyevd / dsyevr / dsygvd) ---- */

/* All eigenpairs of the symmetric n x n matrix A (only its upper triangle,
 * j >= i, is read): A = Z^T diag(w) Z. w[0..n) ascending; z (n x n, ldz >= n)
 * receives the orthonormal eigenvectors as rows. z may equal a (then
 * ldz == lda is required). Divide and conquer (dsyevd). */
PV_API int pv_linalg_sym_eig(pv_ctx *ctx, int n, const double *a, int lda,
                             double *w, double *z, int ldz);

/* Eigenpairs il..iu (0-based, inclusive, counted in ascending order) of the
 * symmetric matrix A (upper triangle read), by MRRR (dsyevr). w receives
 * iu - il + 1 ascending values, z (iu - il + 1) x n eigenvector rows, or z
 * NULL for values only. 0 <= il <= iu < n, else PV_EINVAL. */
PV_API int pv_linalg_sym_eig_range(pv_ctx *ctx, int n, const double *a, int lda,
                                   int il, int iu, double *w, double *z, int ldz);

/* Generalized symmetric-definite problem A x = lambda B x, A symmetric and
 * B symmetric positive definite (upper triangles read), dsygvd with itype 1.
 * w ascending; the eigenvectors (rows of z) are B-orthonormal:
 * Z B Z^T = I. B not positive definite -> PV_ENUMERIC naming the failing
 * leading minor; eigen-solver failure -> PV_ENOTCONV. */
PV_API int pv_linalg_sym_gen_eig(pv_ctx *ctx, int n, const double *a, int lda,
                                 const double *b, int ldb, double *w,
                                 double *z, int ldz);

/* ---- Dense SVD (LAPACK dgesdd) ---- */

/* Thin SVD of the m x n matrix A = U diag(s) VT with r = min(m, n):
 * s[0..r) descending and >= 0; u m x r (ldu >= r), vt r x n (ldvt >= n).
 * Pass u and vt both NULL for singular values only (else both non-NULL). */
PV_API int pv_linalg_svd(pv_ctx *ctx, int m, int n, const double *a, int lda,
                         double *s, double *u, int ldu, double *vt, int ldvt);

/* Largest singular value ||A||_2 of the m x n matrix A by power iteration on
 * A^T A from a random start (seeded by ctx's seed, stream 0x5350). Stops when
 * the estimate changes by less than rtol (relative) between iterations;
 * PV_ENOTCONV after maxit iterations (the last estimate is still stored).
 * Workspace: m + n doubles, allocated per call. */
PV_API int pv_linalg_spectral_norm(pv_ctx *ctx, int m, int n, const double *a,
                                   int lda, double rtol, int maxit, double *norm);

/* ---- Randomized SVD (Halko, Martinsson & Tropp 2011, Alg. 4.4 + 5.1) ----
 *
 * Rank-k SVD of an m x n matrix, meant for tall ones (m >> n, e.g. pixels x
 * bands), with l = min(k + oversample, n) probes
 * and q power iterations. Omega is an n x l standard-normal matrix drawn from
 * pv_rng(seed of ctx, options.stream). Subspace iteration:
 *     Z_0 = orth(Omega),  Z_i = orth(A^T A Z_{i-1}),  i = 1..q
 * (Householder QR between every two applications of A^T A), then the
 * Rayleigh-Ritz step of Halko's Alg. 5.1 on Q = orth(A Z_q):
 *     B = Q^T A,  B = Ub S Vb^T,  A ~ (Q Ub)[:, :k] S[:k] Vb^T[:k, :].
 * range(Q) = range(A (A^T A)^q Omega): the subspace of Halko's Alg. 4.4 and
 * of sklearn's randomized_svd with the same p, q. Q is never formed: with
 * G = Z^T A^T A Z = V_g S_g^2 V_g^T, Q = A Z V_g S_g^-1 and B = S_g^-1 V_g^T
 * (A^T A Z)^T, so each power step costs one product with A^T A and U costs
 * one final pass A M with M = Z V_g S_g^-1 Ub (n x k).
 * A^T A Z is applied either through the Gram matrix C = A^T A (one dsyrk pass,
 * m n^2 flops, n^2 memory) or by one fused pass A^T (A Z) per application
 * (2 m n l flops each, n l memory); AUTO takes the cheaper in flops.
 * In exact arithmetic this equals sklearn's scheme, which orthonormalises
 * m-vectors between the products with A and A^T; here the orthonormalisation
 * happens in R^n. Accuracy: singular values below about 1e-8 sigma_1 (sqrt of
 * machine epsilon) are not resolved, since A^T A is applied explicitly. */
typedef enum {
  PV_RSVD_AUTO = 0, /* GRAM when n <= 2 (q + 1) l (flop count), else PASS */
  PV_RSVD_GRAM = 1, /* form C = A^T A once (n^2 doubles) */
  PV_RSVD_PASS = 2  /* one pass over A per application of A^T A */
} pv_rsvd_method;

typedef struct pv_rsvd_options {
  size_t struct_size;   /* sizeof(pv_rsvd_options) */
  int oversample;       /* p >= 0 extra probes (default 10; Halko's bounds need p >= 2) */
  int power_iters;      /* q >= 0 power iterations (default 4) */
  int method;           /* a pv_rsvd_method (default AUTO) */
  size_t block_rows;    /* rows per block read from a reader (0: about 32 MiB);
                           in memory, threads work in sub-blocks of at most
                           min(block_rows, 4 MiB of rows) / threads */
  uint64_t stream;      /* rng stream of the probe matrix (default 0) */
  int center;           /* 1: factor A - 1 mu^T, mu the column means (PCA);
                           costs no extra pass: the means are summed in the
                           first pass and A^T A - m mu mu^T applied; this
                           loses about log10(mu^2 / variance) digits when the
                           means dominate (default 0) */
} pv_rsvd_options;
#define PV_RSVD_OPTIONS_INIT {sizeof(pv_rsvd_options), 10, 4, PV_RSVD_AUTO, 0, 0, 0}

typedef struct pv_rsvd pv_rsvd;  /* plan + workspace for one (m, n, k) */

/* Plan a rank-k randomized SVD of m x n matrices: 1 <= k <= min(m, n), else
 * PV_EINVAL; l = min(k + oversample, n) probes. All workspace
 * (T n^2 for GRAM or T l n for PASS, plus O(n l + block_rows (n + l))) is
 * allocated here, T = pv_ctx_threads(ctx) at creation: each pass splits the
 * rows over T OpenMP threads running single-threaded BLAS into private
 * accumulators (in memory: one contiguous share per thread, no barrier per
 * block; streamed: each block split) and OpenBLAS threads run the small
 * dense steps.
 * opt may be NULL (defaults). ctx (may be NULL: seed 0, one thread) is
 * borrowed and must outlive the plan. *out owned by the caller. */
PV_API int pv_linalg_rsvd_create(pv_ctx *ctx, size_t m, int n, int k,
                                 const pv_rsvd_options *opt, pv_rsvd **out);
PV_API void pv_linalg_rsvd_destroy(pv_rsvd **r);  /* NULL-safe */

/* Run the plan on the in-memory matrix A (m x n, lda >= n, never copied).
 * s[0..k) descending; vt k x n (ldvt >= n); u m x k (ldu >= k) or NULL to
 * skip the last pass. Progress is reported through ctx per pass (PV_ECANCEL
 * when cancelled). NaN/Inf in A -> PV_EINVAL naming the entry (checked in
 * the first pass). Same seed, threads and block size -> the same results
 * run after run; in memory and streamed runs agree to rounding (rows are
 * split over the threads differently). */
PV_API int pv_linalg_rsvd_compute(pv_rsvd *r, const double *a, size_t lda,
                                  double *s, double *u, size_t ldu,
                                  double *vt, size_t ldvt);

/* Reader of row blocks: write rows row0 .. row0 + nrows - 1 of A into buf
 * (nrows x n, row-major, dense). Each row is read once per pass: GRAM makes
 * 1 pass (+1 for u), PASS q + 1 passes (+1 for u), rows in increasing order
 * within a pass. Return 0, or a negative PV_E* code (after PV_ERROR) to abort;
 * the compute call then returns that code. */
typedef int (*pv_rsvd_reader)(size_t row0, size_t nrows, double *buf, void *user);

/* Same as pv_linalg_rsvd_compute with A delivered by `read` in blocks of
 * options.block_rows rows: only one block is resident at a time. */
PV_API int pv_linalg_rsvd_compute_stream(pv_rsvd *r, pv_rsvd_reader read,
                                         void *user, double *s, double *u,
                                         size_t ldu, double *vt, size_t ldvt);

/* ---- Streaming top-k eigenvectors of A^T A (rows seen once) ----
 *
 * Block Oja iteration in O(d k) memory (Oja 1982; Allen-Zhu & Li 2017):
 * for each arriving block X_t (b x d),
 *     Q <- orth(Q + (eta_t / b) X_t^T X_t Q),  eta_t = c / (lambda_t (t0 + n_t / b0)),
 * (Householder QR), n_t the rows seen before X_t, b0 the first block's row
 * count, lambda_t the row-weighted running mean of max_j ||X_t q_j||^2 / b (a
 * Rayleigh estimate of the top eigenvalue of the per-row second moment), which
 * makes the step scale-free.
 * With rows in random order and no dominant rows this converges at rate
 * O(1 / n_t) when c exceeds about lambda_1 / (2 (lambda_1 - lambda_{k+1}))
 * (Jain et al. 2016). Limits (Kacham & Woodruff, "Approximating the Top
 * Eigenvector in Random Order Streams", NeurIPS 2024): with gap
 * R = sigma_1^2 / sigma_2^2, correlation 1 - O(1/R) is achievable in random
 * order but the space must grow with the number h of heavy rows
 * (||a_i|| >= ||A||_F / sqrt(d polylog d)); O(h d / R) bits cannot beat
 * 1 - Omega(1/R^2). So this O(d k) tracker suits streams without a few
 * dominant rows (pixels, spectra), not adversarial ones. The eigenvalue
 * estimates are means of ||X_t q_j||^2 / b weighted by n_t (early, unconverged
 * blocks count less), i.e. of the per-row second
 * moment; multiply by rows_seen for eigenvalues of A^T A. */
typedef struct pv_stream_eig_options {
  size_t struct_size;   /* sizeof(pv_stream_eig_options) */
  double c;             /* step constant c > 0 (default 4) */
  double t0;            /* step offset t0 > 0 in blocks (default 4) */
  uint64_t stream;      /* rng stream of the initial Q (default 0) */
} pv_stream_eig_options;
#define PV_STREAM_EIG_OPTIONS_INIT {sizeof(pv_stream_eig_options), 4.0, 4.0, 0}

typedef struct pv_stream_eig pv_stream_eig;

/* Tracker of the top k (1 <= k <= d) eigenvectors of A^T A for rows of
 * length d; at most max_block rows per update. Allocates O(d k + max_block k)
 * once. opt may be NULL. ctx borrowed, must outlive the tracker. */
PV_API int pv_linalg_stream_eig_create(pv_ctx *ctx, int d, int k, int max_block,
                                       const pv_stream_eig_options *opt,
                                       pv_stream_eig **out);
PV_API void pv_linalg_stream_eig_destroy(pv_stream_eig **s);  /* NULL-safe */

/* Feed nrows (1..max_block) rows x (row-major, ldx >= d), each seen once.
 * NaN/Inf rows are refused (PV_EINVAL) before the state changes. */
PV_API int pv_linalg_stream_eig_update(pv_stream_eig *s, int nrows,
                                       const double *x, int ldx);

/* Current estimate: q (k x d, rows orthonormal, sign convention above) and,
 * when lambda is non-NULL, the k per-row second-moment estimates, sorted
 * descending with q. rows_seen (may be NULL) receives the row count. */
PV_API int pv_linalg_stream_eig_get(const pv_stream_eig *s, double *q, int ldq,
                                    double *lambda, uint64_t *rows_seen);

/* ---- Newton-Schulz orthogonalisation ----
 * X is first scaled to unit Frobenius norm (so every singular value is in
 * (0, 1]); then `steps` iterations run on the m x n matrix in place (the
 * Gram matrix is formed on the smaller side):
 *   QUINTIC (Muon): X <- a X + b (X X^T) X + c (X X^T)^2 X with
 *     (a, b, c) = (3.4445, -4.7750, 2.0315). Not convergent: it drives every
 *     singular value in [1e-3, 1] into about [0.68, 1.21] within 6 steps
 *     (the polynomial's maximum on [0, 1] is 1.2024).
 *   CUBIC: X <- 1.5 X - 0.5 (X X^T) X, converging quadratically to the polar
 *     factor U V^T for singular values in (0, sqrt(3)).
 * A zero matrix is returned unchanged. Workspace: 3 min(m,n)^2 + m n doubles,
 * allocated per call. */
typedef enum { PV_NS_QUINTIC = 0, PV_NS_CUBIC = 1 } pv_ns_kind;

PV_API int pv_linalg_newton_schulz(pv_ctx *ctx, int m, int n, double *x, int ldx,
                                   pv_ns_kind kind, int steps);

#ifdef __cplusplus
}
#endif
#endif
