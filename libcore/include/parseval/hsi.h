/* parseval/hsi.h - hyperspectral unmixing: least-squares abundances (UCLS,
 * SCLS, NCLS, exact FCLS), endmember extraction (VCA, N-FINDR, ATGP),
 * subspace and count estimation (HySime, HFC virtual dimensionality) and the
 * scores HySUPP defines (SAD, abundance RMSE, SRE, Hungarian matching).
 *
 * Layouts (row-major doubles, every pointer borrowed):
 * - a scene Y is band-sequential, bands x n: Y[b * ldy + j] is band b of
 *   pixel j (a pv_raster_cube's data with ldy = width * height);
 * - endmembers M are p x bands: M[i * bands + b], one spectrum per row (the
 *   layout of spectral libraries);
 * - abundances A are p x n: A[i * lda + j], one map per row (a band-
 *   sequential abundance cube);
 * - the linear mixing model is Y = M^T A + noise.
 * Pixels with a NaN in any band are masked: their abundances are NaN and
 * they are counted, never used in estimates. */
#ifndef PARSEVAL_HSI_H
#define PARSEVAL_HSI_H

#include <stddef.h>
#include <stdint.h>
#include <parseval/config.h>
#include <parseval/ctx.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Largest number of endmembers the solvers accept. */
#define PV_HSI_MAX_EM 64

/* ---- Least-squares abundances ------------------------------------------ */

typedef enum {
  PV_HSI_UCLS = 0, /* unconstrained: a = (M M^T)^-1 M y */
  PV_HSI_SCLS,     /* sum-to-one only (closed form) */
  PV_HSI_NCLS,     /* a >= 0 (active set, exact) */
  PV_HSI_FCLS      /* a >= 0 and sum a = 1 (active set, exact) */
} pv_hsi_lsu_method;

typedef struct pv_hsi_lsu pv_hsi_lsu; /* endmembers factorised once, reused */

/* Prepare abundance estimation for the p x bands endmember matrix em
 * (1 <= p <= min(bands, PV_HSI_MAX_EM)): forms and factorises the Gram
 * matrix M M^T. Linearly dependent endmembers (Gram matrix not numerically
 * positive definite) give PV_ENUMERIC. em is copied. ctx supplies threads
 * and is borrowed for the solver's life. *out owned by the caller. */
PV_API int pv_hsi_lsu_create(pv_ctx *ctx, pv_hsi_lsu_method method, int bands, int p,
                             const double *em, pv_hsi_lsu **out);
PV_API void pv_hsi_lsu_destroy(pv_hsi_lsu **s); /* NULL-safe */

/* Abundances of n pixels: y bands x n (ldy >= n), a p x n (lda >= n).
 * NCLS/FCLS are solved exactly by a primal active-set method on the Gram
 * form (finite termination; KKT residual at round-off). Masked (NaN)
 * pixels get NaN abundances; *n_masked (may be NULL) counts them.
 * Reports progress through ctx for large n. */
PV_API int pv_hsi_lsu_solve(pv_hsi_lsu *s, size_t n, const double *y, size_t ldy, double *a,
                            size_t lda, size_t *n_masked);

/* ---- Sparse regression on a spectral library --------------------------- */

/* SUnSAL (Bioucas-Dias & Figueiredo 2010): for every pixel
 *   min_x 1/2 ||L^T x - y||^2 + lambda ||x||_1  [x >= 0] [sum x = 1]
 * by the alternating direction method of multipliers on the splitting
 * x = v, with the penalty mu adapted to balance primal and dual residuals.
 * Pixels are independent and run in blocks on OpenMP threads. */
typedef struct pv_hsi_sunsal_options {
  size_t struct_size; /* sizeof(pv_hsi_sunsal_options) */
  double lambda;      /* l1 weight (>= 0), in the units of y^2 */
  int positivity;     /* constrain x >= 0 (default 1) */
  int sum_to_one;     /* constrain sum x = 1 (default 0) */
  double mu;          /* initial ADMM penalty (> 0, default 0.01 * mean diag(L L^T)) ; 0: default */
  int max_iter;       /* iterations per block (default 1000) */
  double tol;         /* stop when primal and dual residuals, relative, fall below (default 1e-6) */
} pv_hsi_sunsal_options;
#define PV_HSI_SUNSAL_OPTIONS_INIT {sizeof(pv_hsi_sunsal_options), 1e-4, 1, 0, 0.0, 1000, 1e-6}

/* Library lib is m x bands (1 <= m <= 4096, any conditioning: the x-step
 * solves (L L^T + mu I)); y bands x n; x receives m x n coefficients.
 * opt may be NULL. Masked pixels get NaN. PV_ENOTCONV when a block misses
 * the tolerance after max_iter iterations (x then holds the last iterate). */
PV_API int pv_hsi_sunsal(pv_ctx *ctx, int bands, int m, const double *lib, size_t n, const double *y,
                         size_t ldy, const pv_hsi_sunsal_options *opt, double *x, size_t ldx);

/* SUnSAL-TV (Iordache, Bioucas-Dias & Plaza 2012): sparse regression with
 * a total variation (anisotropic by default) on the abundance maps of a width x height
 * image (pixels row-major, n = width * height):
 *   min_X 1/2 ||L^T X - Y||_F^2 + lambda ||X||_1
 *         + lambda_tv sum_i (||Dh x_i||_1 + ||Dv x_i||_1)  [X >= 0] [1^T X = 1]
 * Dh, Dv periodic forward differences (as in the authors' code). ADMM with
 * the authors' splitting and a fixed penalty mu (it does not adapt: it sets
 * the convergence speed). lambda_tv = 0 solves SUnSAL's problem. */
typedef struct pv_hsi_sunsal_tv_options {
  size_t struct_size; /* sizeof(pv_hsi_sunsal_tv_options) */
  double lambda;      /* l1 weight (>= 0), in y^2 units */
  double lambda_tv;   /* TV weight (>= 0), in y^2 units */
  int positivity;     /* X >= 0 (default 1) */
  int sum_to_one;     /* columns sum to 1 (default 0) */
  double mu;          /* ADMM penalty (> 0; 0: 0.05) */
  int max_iter;       /* iterations (default 1000) */
  double tol;         /* stop when the summed primal residual norms and the step ||X_k - X_k-1||_F
                         both fall below tol sqrt(n) (default 1e-5) */
  int isotropic;      /* 0: anisotropic TV |Dh x| + |Dv x| (default); 1: isotropic sqrt(Dh x^2 + Dv x^2) */
} pv_hsi_sunsal_tv_options;
#define PV_HSI_SUNSAL_TV_OPTIONS_INIT {sizeof(pv_hsi_sunsal_tv_options), 1e-4, 1e-3, 1, 0, 0.0, 1000, 1e-5, 0}

/* lib m x bands (1 <= m <= 4096), y bands x n (ldy >= n), x m x n (ldx >=
 * n); each side 2..65536. Pixels with a NaN band have no data term (their
 * abundances, filled by the TV coupling internally, are returned as NaN).
 * Workspace about (4 bands + 14 m) n doubles, allocated per call. *iters
 * (may be NULL) receives the iterations made. PV_ENOTCONV when max_iter
 * ends first (x then holds the last iterate). opt may be NULL. */
PV_API int pv_hsi_sunsal_tv(pv_ctx *ctx, int bands, int m, const double *lib, size_t width, size_t height,
                            const double *y, size_t ldy, const pv_hsi_sunsal_tv_options *opt, double *x, size_t ldx,
                            int *iters);
/* The SUnSAL-TV objective above at x (constraints not checked), NaN pixels
 * skipped; isotropic selects the TV term sum sqrt(Dh x^2 + Dv x^2). */
PV_API double pv_hsi_sunsal_tv_objective(int bands, int m, const double *lib, size_t width, size_t height,
                                         const double *y, size_t ldy, const double *x, size_t ldx, double lambda,
                                         double lambda_tv, int isotropic);

/* ---- Blind unmixing ----------------------------------------------------- */

/* Minimum-volume NMF (the log-det criterion of Fu, Huang, Yang, Ma &
 * Sidiropoulos 2016):
 *   min_{M, A} 1/2 ||Y - M^T A||_F^2 + lambda/2 log det(M M^T + delta I)
 *   s.t. every column of A on the unit simplex,
 * by alternating exact FCLS for A with the majorisation-minimisation step
 *   M^T = Y A^T (A A^T + lambda F)^-1,  F = (M M^T + delta I)^-1 at the
 * previous M, which never increases the objective. Endmember entries are
 * then clipped at 0 (reflectances), which is reported if it raised the
 * objective. Starts from em (p x bands, e.g. VCA's) and overwrites it; a
 * (p x n, lda) receives the abundances; masked pixels are ignored. */
typedef struct pv_hsi_mvnmf_options {
  size_t struct_size;  /* sizeof(pv_hsi_mvnmf_options) */
  double lambda;       /* volume weight (>= 0), in data^2 units (default 0.01) */
  double delta;        /* log-det regulariser (> 0, default 1e-3) */
  int max_iter;        /* outer iterations (default 200) */
  double tol;          /* stop when the objective's relative decrease is below (default 1e-7) */
} pv_hsi_mvnmf_options;
#define PV_HSI_MVNMF_OPTIONS_INIT {sizeof(pv_hsi_mvnmf_options), 0.01, 1e-3, 200, 1e-7}

/* Runs the iteration; *objective (may be NULL) receives the final value and
 * *iters (may be NULL) the iterations made. PV_ENOTCONV when max_iter was
 * reached first (em and a then hold the last iterate). */
PV_API int pv_hsi_mvnmf(pv_ctx *ctx, int bands, size_t n, const double *y, size_t ldy, int p,
                        const pv_hsi_mvnmf_options *opt, double *em, double *a, size_t lda,
                        double *objective, int *iters);

/* ---- Endmember extraction ---------------------------------------------- */

/* Vertex Component Analysis (Nascimento & Dias 2005): p endmembers as pixels
 * of y. snr_db: the scene's SNR in dB, or NaN to estimate it (selects the
 * projective projection above 15 + 10 log10(p) dB, else PCA with a constant
 * coordinate). Random directions come from ctx's seed (stream 0x56434100).
 * idx (p pixel indices) and em (p x bands) may each be NULL. */
PV_API int pv_hsi_vca(pv_ctx *ctx, int bands, size_t n, const double *y, size_t ldy, int p,
                      double snr_db, size_t *idx, double *em);

/* N-FINDR (Winter 1999): the p pixels spanning the largest simplex volume in
 * the (p-1)-dimensional PCA subspace, by sweeps of single replacements
 * (volume ratios from one inverse, Cramer's rule) from an ATGP start, until
 * a sweep changes nothing or max_sweeps (>= 1) is reached. */
PV_API int pv_hsi_nfindr(pv_ctx *ctx, int bands, size_t n, const double *y, size_t ldy, int p,
                         int max_sweeps, size_t *idx, double *em);

/* Automatic Target Generation Process (Ren & Chang 2003): the largest-norm
 * pixel, then repeatedly the pixel with the largest residual norm after
 * projection onto the orthogonal complement of those chosen. */
PV_API int pv_hsi_atgp(pv_ctx *ctx, int bands, size_t n, const double *y, size_t ldy, int p,
                       size_t *idx, double *em);

/* ---- Subspace and number of endmembers --------------------------------- */

/* HySime (Bioucas-Dias & Nascimento 2008): noise by multiple regression of
 * each band on the others, then the signal subspace minimising the mean
 * squared projection error. *k receives its dimension; noise_var (bands,
 * may be NULL) the per-band noise variance estimate. */
PV_API int pv_hsi_hysime(pv_ctx *ctx, int bands, size_t n, const double *y, size_t ldy, int *k,
                         double *noise_var);

/* Virtual dimensionality by Harsanyi-Farrand-Chang: number of eigenvalue
 * pairs of the correlation and covariance matrices whose difference passes
 * a Neyman-Pearson test at false-alarm probability pfa (0 < pfa < 1). */
PV_API int pv_hsi_hfc(pv_ctx *ctx, int bands, size_t n, const double *y, size_t ldy, double pfa,
                      int *vd);

/* ---- Scores (HySUPP's definitions) ------------------------------------- */

/* Spectral angle between two spectra, degrees in [0, 180]. */
PV_API double pv_hsi_sad_deg(int bands, const double *x, const double *y);

/* Minimum-cost assignment of an n x n cost matrix (row-major, finite) by the
 * Hungarian method, O(n^3): perm[i] is the column given to row i. */
PV_API int pv_hsi_hungarian(int n, const double *cost, int *perm);

/* Match estimated endmembers to reference ones (both p x bands) minimising
 * the total spectral angle: est row perm[i] pairs with reference row i.
 * sad_deg (p, may be NULL) receives the matched angles. */
PV_API int pv_hsi_match_endmembers(int p, int bands, const double *est, const double *ref,
                                   int *perm, double *sad_deg);

/* Abundance RMSE sqrt(mean((A - R)^2)) over p x n maps (unscaled: HySUPP
 * prints it x100), rows of a taken in the order perm (NULL: identity);
 * NaN entries of either are skipped. */
PV_API double pv_hsi_abundance_rmse(int p, size_t n, const double *a, size_t lda,
                                    const double *ref, size_t ldr, const int *perm);

/* Signal-to-reconstruction error 10 log10(||R||^2 / ||A - R||^2), dB. */
PV_API double pv_hsi_sre_db(int p, size_t n, const double *a, size_t lda, const double *ref,
                            size_t ldr, const int *perm);

/* RMSE of Y - M^T A over all bands and unmasked pixels. */
PV_API int pv_hsi_reconstruction_rmse(int bands, size_t n, const double *y, size_t ldy, int p,
                                      const double *em, const double *a, size_t lda, double *rmse);

/* ---- Spectral libraries ------------------------------------------------ */

/* A set of named spectra on common bands. Owned arrays (pv_malloc'd). */
typedef struct pv_hsi_speclib {
  int n, bands;         /* spectra, bands per spectrum */
  char **names;         /* [n] (never NULL entries) */
  double *wavelength;   /* [bands] band centres, or NULL */
  double *data;         /* n x bands, spectrum i at data[i * bands]; NaN marks
                           a deleted channel (USGS -1.23e34, ENVI ignore value) */
  char *wavelength_units; /* "Nanometers", "Micrometers"..., or NULL (unknown) */
} pv_hsi_speclib;

/* Allocate n x bands zeroed spectra named "spectrum-1".., no wavelengths. */
PV_API int pv_hsi_speclib_alloc(pv_hsi_speclib *lib, int n, int bands);
/* Release what lib owns and zero it; NULL-safe. */
PV_API void pv_hsi_speclib_free(pv_hsi_speclib *lib);

/* Parse CSV text (n bytes) in either layout ('#' comments and blank lines
 * skipped, numbers in the C locale, at most 65536 spectra x 65536 bands):
 * - columns (what spreadsheets and most exports hold): a header whose fields
 *   are all text, "wavelength,name1,...,nameN" ("band" as the first field:
 *   no wavelengths), then one line per band "w,v1,...,vN";
 * - rows: one spectrum per line "name,v1,...,vB" (the name optional: a first
 *   field that is not a number is a name; unnamed spectra are called
 *   "spectrum-<k>"), after an optional header "name,w1,...,wB" of
 *   wavelengths.
 * Errors (PV_EFORMAT) name the file, line and column. */
PV_API int pv_hsi_speclib_parse_csv(const char *text, size_t n, const char *name, pv_hsi_speclib *lib);
/* Read a CSV spectral library file (at most 256 MiB). */
PV_API int pv_hsi_speclib_read_csv(const char *path, pv_hsi_speclib *lib);
/* Resample every spectrum of lib onto the band centres wl[0..bands) by
 * linear interpolation in wavelength (lib->wavelength required, strictly
 * increasing, same units); out (lib->n x bands) receives the spectra.
 * Deleted (NaN) channels are bridged by the nearest valid channels on both
 * sides. Centres outside the library's range, or with no valid channel on
 * one side, are an error (PV_EINVAL naming the first one), never
 * extrapolated. */
PV_API int pv_hsi_speclib_resample(const pv_hsi_speclib *lib, const double *wl, int bands, double *out);

/* Write lib as CSV in the column layout (first column the wavelengths, or
 * "band" indices 1..B without them), atomically, numbers with 17
 * significant digits; commas and line breaks in names become '_' and a name
 * that reads as a number gets the prefix "spectrum-". */
PV_API int pv_hsi_speclib_write_csv(const char *path, const pv_hsi_speclib *lib, int overwrite);

/* Nanometres per unit of an ENVI "wavelength units" value: nanometers/nm
 * -> 1, micrometers/microns/um -> 1000, millimeters/mm -> 1e6 (any case).
 * Anything else (wavenumber, index, unknown) gives PV_EINVAL naming it. */
PV_API int pv_hsi_wavelength_nm_per_unit(const char *units, double *factor);

/* ENVI spectral library from memory: header text hdr (hdr_n bytes) and the
 * data file's bytes. Spectra are the header's lines, channels its samples,
 * bands must be 1, data type 4 (float) or 5 (double), either byte order,
 * any header offset; "spectra names" (lines entries) and "wavelength"
 * (samples entries) are optional, "wavelength units" kept, values equal to
 * "data ignore value" become NaN. The sizes are checked against data_n
 * before anything is allocated from them. Errors (PV_EFORMAT) name `name`
 * and the field. */
PV_API int pv_hsi_speclib_parse_envi(const char *hdr, size_t hdr_n, const void *data, size_t data_n,
                                     const char *name, pv_hsi_speclib *lib);
/* Read an ENVI spectral library named by its data file (x.sli; header x.hdr
 * or x.sli.hdr) or its header (x.hdr; data x or x.sli). */
PV_API int pv_hsi_speclib_read_envi(const char *path, pv_hsi_speclib *lib);
/* Write lib as an ENVI spectral library: path (the .sli data, host byte
 * order, data_type 4 float or 5 double) and its header path with .hdr
 * (pv_raster_envi_header_path), both atomically. ',', '{', '}' and line
 * breaks in names become '_'. */
PV_API int pv_hsi_speclib_write_envi(const char *path, const pv_hsi_speclib *lib, int data_type, int overwrite);

/* One USGS splib07 ASCII spectrum (n bytes of text): header lines (text;
 * the first one, " splib07a Record=NNNN: <description>", names the
 * spectrum), then one value per line; -1.23e34 (any value <= -1e34) marks
 * a deleted channel and becomes NaN. lib receives 1 spectrum. Errors
 * (PV_EFORMAT) name the file and line. */
PV_API int pv_hsi_speclib_parse_usgs(const char *text, size_t n, const char *name, pv_hsi_speclib *lib);
/* Read n splib07 ASCII spectra files (the same channel count) into one
 * library, with the wavelengths (micrometres) from the splib07 wavelength
 * file wl_path (may be NULL: none). */
PV_API int pv_hsi_speclib_read_usgs(const char *const *paths, int n, const char *wl_path, pv_hsi_speclib *lib);

#ifdef __cplusplus
}
#endif
#endif
