/* parseval/spectra.h - matrix spectra for diagnostics: nuclear norm and its
 * L_{1,2} approximation, effective rank, alpha-ReQ decay, heavy-tail power-law
 * fits of the empirical spectral density (ESD), FARMS subsampling.
 * Matrices are row-major (a[i * lda + j], lda >= n) and borrowed; every
 * function refuses NaN/Inf input with PV_EINVAL naming the entry. */
#ifndef PARSEVAL_SPECTRA_H
#define PARSEVAL_SPECTRA_H
#include <stddef.h>
#include <parseval/config.h>
#include <parseval/ctx.h>
#ifdef __cplusplus
extern "C" {
#endif

/* ||A||_* = sum_i sigma_i(A), exact (singular values by dgesdd, O(m n r)). */
PV_API int pv_spectra_nuclear_norm(pv_ctx *ctx, int m, int n, const double *a, int lda,
                                   double *out);

/* L_{1,2} approximation of the nuclear norm (Li, Xia, Chang & Wu, "Large
 * Language Model Evaluation via Matrix Nuclear-Norm", 2024): the sum of the
 * D = min(m, n) largest column norms, sum_{top D j} ||A[:, j]||_2, in O(m n)
 * without an SVD (exact for matrices with orthogonal columns, e.g. diagonal).
 * normalize = 1 first applies the paper's preprocessing on a copy: subtract
 * the column means, then scale every row to unit length (zero rows stay 0).
 * Workspace: n doubles (+ m n with normalize), allocated per call. */
PV_API int pv_spectra_nuclear_l12(int m, int n, const double *a, int lda, int normalize,
                                  double *out);

/* Effective rank (Roy & Vetterli 2007; RankMe, Garrido et al. 2023) of the
 * r >= 1 singular values s (>= 0, any order, not all 0):
 *     p_i = s_i / sum_j s_j,   erank = exp(-sum_i p_i log p_i)  (0 log 0 = 0),
 * between 1 (rank one) and the number of nonzero s_i (all equal). */
PV_API int pv_spectra_effective_rank(const double *s, int r, double *out);

/* alpha-ReQ (Agrawal et al., NeurIPS 2022): the decay exponent alpha of an
 * eigenspectrum lambda_i ~ C i^-alpha, by least squares on
 * log lambda_(i) = log C - alpha log i over ranks i = first..last (1-based,
 * of the values sorted descending; 1 <= first < last <= r). Values <= 0 in the
 * range -> PV_EINVAL. lambda: eigenvalues of a representation covariance
 * (squared singular values of the centred features / (N - 1)). */
PV_API int pv_spectra_alpha_req(const double *lambda, int r, int first, int last,
                                double *alpha);

/* ---- Heavy-tail power-law fit of an ESD (Clauset, Shalizi & Newman 2009;
 * WeightWatcher, Martin & Mahoney 2021) ----
 * Density p(x) ~ x^-alpha for x >= xmin. For a candidate xmin = x_(i) of the
 * ascending positive values x_(0..N), with the tail size t = N - i:
 *     alpha = 1 + t / sum_{j >= i} log(x_(j) / xmin)            (MLE)
 *     D     = max_{0 <= j < t} |1 - (x_(i + j) / xmin)^(1 - alpha) - j / t|
 * KS_SCAN tries every candidate with t >= min_tail and keeps the smallest
 * KS distance D (O(N^2)); XMIN_MEDIAN uses i = N / 2 (the FARMS code's
 * default "xmin_mid"). Values <= threshold (and all values <= 0) are dropped. */
typedef enum { PV_POWERLAW_KS_SCAN = 0, PV_POWERLAW_XMIN_MEDIAN = 1 } pv_powerlaw_mode;

typedef struct pv_powerlaw_options {
  size_t struct_size;   /* sizeof(pv_powerlaw_options) */
  int mode;             /* pv_powerlaw_mode (default KS_SCAN) */
  double threshold;     /* drop values <= threshold (default 0) */
  int min_tail;         /* smallest tail size for KS_SCAN (default 10) */
} pv_powerlaw_options;
#define PV_POWERLAW_OPTIONS_INIT {sizeof(pv_powerlaw_options), PV_POWERLAW_KS_SCAN, 0.0, 10}

typedef struct pv_powerlaw_fit {
  double alpha;         /* exponent of the density */
  double xmin;          /* start of the fitted tail */
  double ks;            /* KS distance D of the fit */
  size_t tail;          /* number of values >= xmin used */
  size_t used;          /* number of positive values above threshold */
} pv_powerlaw_fit;

/* Fit the n values x (eigenvalues; any order; borrowed). Needs at least
 * 2 * min_tail (KS_SCAN) or 4 (XMIN_MEDIAN) usable values, else PV_EINVAL.
 * Workspace: n doubles, allocated per call. */
PV_API int pv_spectra_powerlaw_fit(const double *x, size_t n, const pv_powerlaw_options *opt,
                                   pv_powerlaw_fit *fit);

/* ---- FARMS (Liu et al., "Eigenspectrum Analysis of Neural Networks without
 * Aspect Ratio Bias", 2025): the ESD of an m x n matrix W pooled over
 * submatrices of one fixed shape r x c, c = round(aspect r), so that matrices
 * of different aspect ratios are compared on the same Marchenko-Pastur
 * footing. Windows start on an even grid of at most `windows` positions per
 * axis: step = max(1, floor((m - r) / (windows - 1))), start_i = min(i step, m - r)
 * (likewise for columns). Each window contributes its min(r, c) squared
 * singular values. r and c are clipped to m and n. Fit the pooled values
 * with pv_spectra_powerlaw_fit (the paper's default: XMIN_MEDIAN). */
typedef struct pv_farms_options {
  size_t struct_size;   /* sizeof(pv_farms_options) */
  int rows;             /* r, submatrix rows (default 100) */
  double aspect;        /* c / r (default 2.0) */
  int windows;          /* windows per axis (default 10) */
} pv_farms_options;
#define PV_FARMS_OPTIONS_INIT {sizeof(pv_farms_options), 100, 2.0, 10}

/* Number of pooled eigenvalues FARMS produces for an m x n matrix. */
PV_API int pv_spectra_farms_count(int m, int n, const pv_farms_options *opt, size_t *count);

/* Pooled ESD of W into evals[0..count) (count from pv_spectra_farms_count),
 * sorted ascending. opt may be NULL. Workspace: r c doubles + SVD, per call. */
PV_API int pv_spectra_farms_esd(pv_ctx *ctx, int m, int n, const double *w, int ldw,
                                const pv_farms_options *opt, double *evals);

#ifdef __cplusplus
}
#endif
#endif
