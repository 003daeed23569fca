/* parseval/pansharpen.h - pansharpening: fusing a low-resolution
 * multispectral (MS) cube with a high-resolution panchromatic (PAN) band,
 * as the pansharpening toolbox of Vivone et al. ("A critical comparison
 * among pansharpening algorithms", TGRS 2015) defines the methods, filters,
 * the reduced-resolution (Wald) protocol and the quality indexes.
 *
 * Layouts (row-major doubles, every pointer borrowed):
 * - an MS cube is band-sequential, bands x hl x wl: ms[(b*hl + r)*wl + c];
 * - PAN is h x w with h = hl * ratio, w = wl * ratio;
 * - fused and reference cubes are bands x h x w.
 * Detail equalisation follows the 2015 toolbox (PAN matched to each band's
 * mean and standard deviation); its 2020 edition divides by the standard
 * deviation of a Gaussian-low-passed PAN instead.
 * Geometry: low-resolution pixel (r, c) sits at high-resolution pixel
 * (r*ratio + ratio/2, c*ratio + ratio/2) (integer division), the toolbox's
 * convention for both its decimation and its interpolator.
 * NaN marks an invalid value: a fused pixel is NaN when PAN or any MS band
 * covering it is NaN; statistics and indexes skip invalid pixels. */
#ifndef PARSEVAL_PANSHARPEN_H
#define PARSEVAL_PANSHARPEN_H

#include <stddef.h>
#include <parseval/config.h>
#include <parseval/ctx.h>
#include <parseval/raster.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Sensors and filters ----------------------------------------------- */

/* Largest resolution ratio the filters accept. */
#define PV_PSH_MAX_RATIO 16

/* MTF gains at Nyquist of a sensor (toolbox genMTF / MTF_PAN values):
 * "QB", "IKONOS", "GeoEye1", "WV2", "WV3", "WV4", "none" (0.29 for MS,
 * 0.15 for PAN; any band count). gnyq_ms receives `bands` values (may be
 * NULL), *gnyq_pan the PAN value (may be NULL). PV_EINVAL for an unknown
 * sensor or a band count the sensor does not have. */
PV_API int pv_psh_sensor_gains(const char *sensor, size_t bands, double *gnyq_ms, double *gnyq_pan);

/* The toolbox's MTF-matched filter: an n x n (n odd, 3..101; the toolbox
 * uses 41) frequency-sampling design of a Gaussian whose gain at the
 * low-resolution Nyquist frequency 1/(2 ratio) is gnyq (0 < gnyq < 1),
 * windowed by a rotationally symmetric Kaiser window (beta 0.5) and
 * normalised to unit sum. h receives n*n values, row-major. */
PV_API int pv_psh_mtf_kernel(double gnyq, int ratio, int n, double *h);

/* A 2-D filter stored as a short sum of separable terms (eigen-expansion of
 * the symmetric kernel, truncated at 1e-12 relative error, tails below 1e-14
 * of the peak cut): what makes a 41 x 41 MTF filter cost a few 1-D passes. */
typedef struct pv_psh_filter pv_psh_filter;

/* The MTF filter of pv_psh_mtf_kernel(gnyq, ratio, 41) as a separable sum.
 * *out owned by the caller. */
PV_API int pv_psh_filter_create_mtf(double gnyq, int ratio, pv_psh_filter **out);
/* Any symmetric n x n kernel (h[i*n+j] == h[j*n+i]), n odd. */
PV_API int pv_psh_filter_create(int n, const double *h, pv_psh_filter **out);
PV_API void pv_psh_filter_destroy(pv_psh_filter **f); /* NULL-safe */
/* Separable terms kept (for tests and logs). */
PV_API int pv_psh_filter_rank(const pv_psh_filter *f);

/* out = in filtered (correlation, borders replicated as MATLAB's
 * imfilter(...,'replicate')); h x w images, out may not alias in. NaN
 * inputs propagate. */
PV_API int pv_psh_filter_apply(const pv_psh_filter *f, size_t w, size_t h, const double *in, double *out);
/* The filtered image sampled at the low-resolution grid only (the Wald
 * protocol's blur + decimation, computed at the kept pixels):
 * out is (h/ratio) x (w/ratio); h and w must be multiples of ratio. */
PV_API int pv_psh_filter_decimate(const pv_psh_filter *f, int ratio, size_t w, size_t h, const double *in,
                                  double *out);

/* ---- Interpolation ------------------------------------------------------ */

/* The toolbox's "ideal" interpolator: for ratios 2^k the 23-tap half-band
 * filter (interp23tap) applied k times, otherwise a 45-tap Hamming-windowed
 * sinc (interp23tapGeneral); circular borders. in is hl x wl, out
 * (hl*ratio) x (wl*ratio); low-resolution pixels land at the geometry
 * above. NaN inputs propagate to the pixels they reach. */
PV_API int pv_psh_interp(int ratio, size_t wl, size_t hl, const double *in, double *out);

/* Rows y0..y0+rows of the interpolated image only (for strip-wise
 * streaming): out is rows x (wl*ratio). Same values as pv_psh_interp. */
PV_API int pv_psh_interp_rows(int ratio, size_t wl, size_t hl, const double *in, size_t y0, size_t rows,
                              double *out);

/* ---- Fusion ------------------------------------------------------------- */

typedef enum {
  PV_PSH_EXP = 0,   /* interpolated MS only: the baseline */
  PV_PSH_BROVEY,    /* GDAL's weighted Brovey: MS_b * PAN / sum_k w_k MS_k */
  PV_PSH_GIHS,      /* generalised IHS: MS_b + (PAN_eq - mean_k MS_k) */
  PV_PSH_PCA,       /* first principal component replaced by PAN_eq */
  PV_PSH_GS,        /* Gram-Schmidt (intensity = band mean) */
  PV_PSH_GSA,       /* adaptive GS: intensity regressed on degraded PAN */
  PV_PSH_HPF,       /* additive high-pass, ratio x ratio box filter */
  PV_PSH_ATWT,      /* additive a trous wavelet (B3 spline), log2(ratio) levels */
  PV_PSH_GLP,       /* MTF-GLP, additive, unit gains */
  PV_PSH_GLP_HPM,   /* MTF-GLP with high-pass modulation */
  PV_PSH_BDSD,      /* band-dependent spatial detail, gains fitted one scale down (one global block) */
  PV_PSH_AWLP,      /* a trous details injected in proportion to MS_b / mean_k MS_k */
  PV_PSH_GLP_FS,    /* MTF-GLP, gains cov(MS_b, P) / cov(LP(P), P) at full scale (HS toolbox) */
  PV_PSH_METHOD_COUNT
} pv_psh_method;

/* Name ("exp", "brovey", "gihs", "pca", "gs", "gsa", "hpf", "atwt", "glp",
 * "glp-hpm", "bdsd", "awlp", "glp-fs") and back (PV_EINVAL for an unknown name). */
PV_API const char *pv_psh_method_name(pv_psh_method m);
PV_API int pv_psh_method_from_name(const char *name, pv_psh_method *m);

/* Options of pv_psh_fuse (start from PV_PSH_OPTIONS_INIT). */
typedef struct pv_psh_options {
  size_t struct_size;      /* sizeof(pv_psh_options) */
  pv_psh_method method;
  int ratio;               /* PAN / MS resolution ratio, 2..PV_PSH_MAX_RATIO */
  const double *gnyq_ms;   /* [bands] MTF gains for GLP / BDSD, NULL: 0.29 each */
  double gnyq_pan;         /* PAN MTF gain for GSA's / BDSD's degraded PAN (default 0.15) */
  const double *weights;   /* [bands] Brovey weights, NULL: 1/bands each */
} pv_psh_options;
#define PV_PSH_OPTIONS_INIT {sizeof(pv_psh_options), PV_PSH_GLP, 4, NULL, 0.15, NULL}

/* Fuse ms (bands x hl x wl) with pan ((hl*ratio) x (wl*ratio)) into fused
 * (bands x h x w). Equalisation, regressions and PCA use valid pixels only;
 * PV_EINVAL when PAN or an MS band has no valid pixel. Works in memory:
 * PV_ENOMEM if the workspace (about 3 cubes) exceeds ctx's RAM budget. */
PV_API int pv_psh_fuse(pv_ctx *ctx, const pv_psh_options *opt, size_t bands, size_t wl, size_t hl,
                       const double *ms, const double *pan, double *fused);

/* Brovey on rows y0..y0+rows of the output only (the streaming path: MS
 * stays at low resolution, PAN and output are strips): pan_rows and out
 * are rows x w and bands x rows x w. ms must hold no NaN (fill invalid
 * pixels first, e.g. with the band mean); lr_valid (hl x wl, may be NULL)
 * marks the valid low-resolution cells, the others give NaN outputs, as do
 * NaN PAN pixels. weights NULL: 1/bands each. Same values as pv_psh_fuse. */
PV_API int pv_psh_brovey_rows(int ratio, size_t bands, size_t wl, size_t hl, const double *ms,
                              const unsigned char *lr_valid, const double *weights, size_t y0, size_t rows,
                              const double *pan_rows, double *out);

/* MTF-GLP / MTF-GLP-HPM (opt->method) streamed for a PAN larger than
 * memory: PAN is read from the open one-band raster `pan` ((hl*ratio) x
 * (wl*ratio)) in strips of strip_rows rows (0: sized from half of ctx's RAM
 * budget, aligned to the writer's tiles) plus the filter's halo; the fused
 * bands are written to `out` (created by the caller for bands x w x h,
 * neither committed nor aborted here); ms stays in memory at low resolution.
 * Three passes over PAN (statistics, MTF-filtered decimated PAN, fusion);
 * the result equals pv_psh_fuse's to rounding, no-data handled alike.
 * Memory: the strips (within half the budget) plus two low-resolution
 * working cubes (bands x hl x wl doubles each) beside the caller's ms. */
PV_API int pv_psh_glp_stream(pv_ctx *ctx, const pv_psh_options *opt, size_t bands, size_t wl, size_t hl,
                             const double *ms, pv_raster *pan, pv_raster_writer *out, size_t strip_rows);

/* ---- Reduced resolution (Wald's protocol) -------------------------------- */

/* Degrade a cube by ratio: each band MTF-filtered (gains gnyq[b], NULL: 0.29)
 * and decimated; in is bands x h x w, out bands x (h/ratio) x (w/ratio).
 * Use it on the MS (giving the MS to fuse, the original MS being the
 * reference) and on PAN (one band, its own gain). */
PV_API int pv_psh_degrade(int ratio, size_t bands, size_t w, size_t h, const double *in, const double *gnyq,
                          double *out);
/* (Invalid pixels are filled with the band mean before filtering; a
 * low-resolution pixel whose ratio x ratio cell holds one is NaN.) */

/* Forward declaration; see below. */
typedef struct pv_psh_rr_scores pv_psh_rr_scores;

/* Wald's protocol on a real pair: degrade ms (bands x hl x wl, hl and wl
 * multiples of the ratio) with opt->gnyq_ms and pan ((hl*ratio) x
 * (wl*ratio)) with opt->gnyq_pan, fuse the degraded pair with opt, and
 * score the result against ms after cutting `cut` border pixels, Q2n over
 * block x block tiles. fused (bands x hl x wl, may be NULL) receives the
 * fused cube. */
PV_API int pv_psh_wald(pv_ctx *ctx, const pv_psh_options *opt, size_t bands, size_t wl, size_t hl,
                       const double *ms, const double *pan, size_t cut, size_t block, pv_psh_rr_scores *s,
                       double *fused);

/* ---- Quality indexes ---------------------------------------------------- */

/* Reduced-resolution scores of a fused cube against a reference (both
 * bands x h x w). Pixels with a NaN in either are skipped (Q2n: blocks with
 * any). */
struct pv_psh_rr_scores {
  double ergas;   /* 100/ratio sqrt(mean_b(MSE_b / mean_b(ref)^2)) */
  double sam_deg; /* mean spectral angle, degrees (zero-norm pixels skipped) */
  double q2n;     /* hypercomplex UIQI (Q4, Q8, Q2^n) over block x block tiles */
  double q;       /* mean over bands of the sliding-window UIQI (toolbox Q) */
  double scc;     /* spatial correlation coefficient of Sobel magnitudes */
};

/* ERGAS (toolbox ERGAS.m). n pixels per band. */
PV_API double pv_psh_ergas(size_t bands, size_t n, const double *ref, const double *fus, double ratio);
/* SAM in degrees (toolbox SAM.m: angles of pixels with a nonzero norm product
 * averaged; cosines clamped to [-1, 1]). */
PV_API double pv_psh_sam_deg(size_t bands, size_t n, const double *ref, const double *fus);
/* SCC (toolbox SCC.m): correlation of Sobel gradient magnitudes computed on
 * the image without its 1-pixel border (zero padding), all bands pooled. */
PV_API double pv_psh_scc(size_t bands, size_t w, size_t h, const double *ref, const double *fus);
/* Q2n (toolbox q2n.m / onions_quality.m): bands padded with zero bands to a
 * power of two (at most 256), the image mirror-extended to whole blocks,
 * every block x block tile (stride shift) normalised by the reference's
 * mean and std, hypercomplex covariance by Cayley-Dickson products; the
 * mean over tiles of |q|. For one band a tile's value is the UIQI of the
 * normalised pair. Values are used as given (the toolbox's uint16 cast is
 * the identity on integer DN data). A block larger than the image is
 * clamped to its smaller side. */
PV_API int pv_psh_q2n(size_t bands, size_t w, size_t h, const double *ref, const double *fus, size_t block,
                      size_t shift, double *q2n);
/* Universal image quality index of one band pair (h x w each) averaged over
 * every block x block sliding window (stride 1, img_qi.m as the toolbox's
 * Q.m calls it per band); windows holding a NaN are skipped; NaN when no
 * window fits. */
PV_API double pv_psh_uiqi(size_t w, size_t h, const double *x, const double *y, size_t block);
/* All reduced-resolution scores at once, after cutting `cut` pixels from
 * every border (the toolbox's dim_cut), Q2n with block x block tiles. */
PV_API int pv_psh_rr_assess(size_t bands, size_t w, size_t h, const double *ref, const double *fus,
                            double ratio, size_t cut, size_t block, pv_psh_rr_scores *s);

/* Full-resolution scores (no reference). */
typedef struct pv_psh_fr_scores {
  double d_lambda; /* Khan: 1 - Q2n(MTF-degraded fused, MS) at low resolution */
  double d_s;      /* QNR: (mean_b |Q(F_b, P) - Q(MS_b, P_lr)|^q)^(1/q), Q the mean
                      UIQI over non-overlapping tiles, P_lr the MTF-degraded PAN */
  double qnr;      /* (1 - d_lambda)(1 - d_s): the hybrid QNR of Vivone */
  double d_s_r2;   /* 1 - R^2 of PAN regressed on the fused bands (+1) */
} pv_psh_fr_scores;

/* fused bands x h x w, ms bands x hl x wl, pan h x w. gnyq_ms (NULL: 0.29)
 * and gnyq_pan give the degradation filters; block is the UIQI tile at full
 * resolution (the toolbox's S = 32; low-resolution tiles are block/ratio)
 * and the Q2n tile of D_lambda at low resolution; q the D_S exponent (1).
 * D_lambda follows the HS toolbox (Q2n of the degraded fused cube against
 * the MS at low resolution); qnr combines it with the QNR D_S (HQNR). */
PV_API int pv_psh_fr_assess(int ratio, size_t bands, size_t wl, size_t hl, const double *ms, const double *pan,
                            const double *fused, const double *gnyq_ms, double gnyq_pan, size_t block,
                            double q, pv_psh_fr_scores *s);

#ifdef __cplusplus
}
#endif
#endif
