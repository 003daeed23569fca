/* parseval/nn_diag.h - weight-spectrum diagnostics of a trained network's
 * parameters (pv_nn_param, nn_param.h) through the linear-algebra module
 * (parseval/linalg.h: pv_linalg_svd; parseval/spectra.h).
 *
 * Matrices. A real parameter of ndim >= 2 is the rows = shape[0] by
 * cols = numel / shape[0] matrix (a 1x1 convolution [out, in, 1, 1] is its
 * out x in matrix). A complex spectral weight (in, out, m1, m2[, m3]) is one
 * in x out COMPLEX matrix per retained Fourier mode, the map the layer
 * applies to that mode; its singular values are computed from the real
 * stacked form [[Re, -Im], [Im, Re]] (2 in x 2 out), which has each singular
 * value of the complex matrix twice: every other one is kept, so all figures
 * below are those of the complex matrices.
 *
 * Figures (lambda = s^2, the eigenvalues of W^H W):
 *   spectral_norm   max over the matrices of ||W||_2 = s_max (pv_linalg_svd, dgesdd)
 *   effective_rank  mean over the matrices of pv_spectra_effective_rank(s)
 *   alpha_req       mean over the matrices of pv_spectra_alpha_req(lambda)
 *                   over the ranks with lambda > 1e-12 lambda_max (NaN: < 2)
 *   powerlaw_alpha  heavy-tail exponent of the FARMS-pooled ESD fitted with
 *                   pv_spectra_powerlaw_fit (XMIN_MEDIAN, FARMS's default):
 *                   a real matrix pools pv_spectra_farms_esd windows
 *                   (rows min(m, 100), aspect 2); the per-mode complex
 *                   matrices, all of one shape, are themselves the equal-shape
 *                   submatrices FARMS pools. NaN with fewer than 4 values. */
#ifndef PARSEVAL_NN_DIAG_H
#define PARSEVAL_NN_DIAG_H
#include <stddef.h>
#include <parseval/config.h>
#include <parseval/ctx.h>
#include <parseval/nn_param.h>
#ifdef __cplusplus
extern "C" {
#endif

typedef struct pv_nn_weight_spectra {
  int is_complex;        /* 1: per-mode complex matrices */
  int nmat;              /* matrices (1, or the number of modes) */
  int rows, cols;        /* shape of each */
  int nsv;               /* singular values per matrix: min(rows, cols) */
  double spectral_norm, effective_rank, erank_min, erank_max, alpha_req;
  double powerlaw_alpha, powerlaw_xmin, powerlaw_ks; /* NaN when not fitted */
  size_t powerlaw_n;     /* pooled eigenvalues fitted */
  double *sv;            /* nmat x nsv singular values, descending per matrix */
  double *norms;         /* nmat spectral norms */
  double *eranks;        /* nmat effective ranks */
} pv_nn_weight_spectra;

/* Diagnostics of parameter p (ndim >= 2, float storage as nn_param.h).
 * ctx: threads and the seed of the power iteration (may be NULL). The arrays
 * of *out are pv_malloc'd: free them with pv_nn_weight_spectra_free.
 * PV_EINVAL for a 1-D parameter or non-finite weights (naming p). */
PV_API int pv_nn_weight_spectra_compute(pv_ctx *ctx, const pv_nn_param *p,
                                        pv_nn_weight_spectra *out);
PV_API void pv_nn_weight_spectra_free(pv_nn_weight_spectra *s); /* NULL-safe */

#ifdef __cplusplus
}
#endif
#endif
