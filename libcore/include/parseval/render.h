/* parseval/render.h - pictures without a plotting package: RGBA images,
 * PNG output (with provenance text chunks), perceptual colour maps,
 * percentile stretches, raster quicklooks with a colour bar, and line plots
 * drawn to PNG and SVG by one small renderer with a built-in 5x7 bitmap
 * font (printable ASCII 32..126; other bytes draw as '?').
 *
 * Coordinates are pixels, x to the right, y down, (0,0) the top-left
 * corner. Colours are 8-bit sRGB, alpha 255 opaque. */
#ifndef PARSEVAL_RENDER_H
#define PARSEVAL_RENDER_H

#include <stddef.h>
#include <parseval/array.h>
#include <parseval/config.h>
#include <parseval/provenance.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Images ---------------------------------------------------------- */

/* An RGBA image: width*height*4 bytes, rows top to bottom. Owned through
 * pv_image_create/destroy; the fields may be read and rgba written. */
typedef struct pv_image {
  int width, height;
  unsigned char *rgba;
} pv_image;

/* New image filled with bg (NULL: opaque white). Sides 1..32768. */
PV_API int pv_image_create(int width, int height, const unsigned char bg[4], pv_image **out);
PV_API void pv_image_destroy(pv_image **img); /* NULL-safe */
/* Pixel (x, y) or NULL outside the image. */
PV_API unsigned char *pv_image_pixel(const pv_image *img, int x, int y);
/* Fill the rectangle [x, x+w) x [y, y+h) (clipped) with rgba (replaces). */
PV_API void pv_image_fill_rect(pv_image *img, int x, int y, int w, int h,
                               const unsigned char rgba[4]);
/* Straight line from (x0,y0) to (x1,y1), `width` pixels thick (square pen). */
PV_API void pv_image_draw_line(pv_image *img, double x0, double y0, double x1, double y1,
                               int width, const unsigned char rgba[4]);
/* Text with the built-in font: each glyph 5x7 in a 6x9 cell, magnified by
 * scale (1..8); (x, y) is the top-left corner of the first cell; vertical
 * nonzero draws bottom-to-top (rotated 90 degrees counter-clockwise, (x, y)
 * then the bottom-left corner). */
PV_API void pv_image_draw_text(pv_image *img, int x, int y, const char *text, int scale,
                               int vertical, const unsigned char rgba[4]);
/* Width in pixels of text drawn at scale (6 * scale per character, less the
 * trailing gap). */
PV_API int pv_text_width(const char *text, int scale);
/* The 7 rows of a glyph as 5-bit masks (bit 4 = leftmost column). */
PV_API void pv_font_glyph(char c, unsigned char rows[7]);

/* Write img as an 8-bit RGBA PNG, atomically. With prov, every provenance
 * pair becomes a text chunk (tEXt, or iTXt for non-ASCII values), plus
 * "parseval.provenance" (the JSON record) and "Software". */
PV_API int pv_image_write_png(const pv_image *img, const char *path, const pv_provenance *prov,
                              int overwrite);

/* ---- Colour maps and stretches ---------------------------------------- */

typedef enum {
  PV_CMAP_VIRIDIS = 0, /* perceptually uniform, colour-blind safe */
  PV_CMAP_GRAY,
  PV_CMAP_COOLWARM,    /* diverging blue - white - red (Moreland 2009, matplotlib's
                          "coolwarm"): signed data such as vorticity, 0 at t = 0.5 */
  PV_CMAP_COUNT
} pv_cmap;

/* Colour of t in [0, 1] (clamped; NaN gives t = 0). */
PV_API void pv_cmap_color(pv_cmap map, double t, unsigned char rgb[3]);
/* Parse "viridis" / "gray" / "coolwarm" (PV_EINVAL naming the word otherwise). */
PV_API int pv_cmap_from_name(const char *name, pv_cmap *map);

/* Percentiles pct[0..n) (each in [0, 100]) of the finite values of v (any
 * real dtype, any strides), with NumPy's default linear interpolation
 * between order statistics. Values equal to *nodata (when not NULL) are
 * skipped. *n_valid (may be NULL) gets the count used; PV_EINVAL when it is
 * 0. Works on a pv_malloc'd copy of the valid values. */
PV_API int pv_percentiles(const pv_view *v, const double pct[], int n, const double *nodata,
                          double out[], size_t *n_valid);

/* ---- Block-mean reduction (pictures of scenes larger than memory) ------ */

/* Accumulates blocks of a [bands][rows][cols] raster, in any order, into the
 * means of its factor x factor cells: out[b][i][j] is the mean of the finite
 * values of rows i*f..i*f+f-1, columns j*f..j*f+f-1 (NaN when none). Memory
 * is 2 doubles per output value, whatever the raster's size. */
typedef struct pv_downsampler pv_downsampler;

/* Reduction of rows x cols x bands by factor (>= 1); *out owned by caller. */
PV_API int pv_downsampler_create(size_t rows, size_t cols, size_t bands, size_t factor,
                                 pv_downsampler **out);
PV_API void pv_downsampler_destroy(pv_downsampler **d); /* NULL-safe */
/* Output size: ceil(rows / factor) x ceil(cols / factor). */
PV_API void pv_downsampler_shape(const pv_downsampler *d, size_t *rows, size_t *cols);
/* Add a 2-D block (any real dtype, any strides) of band b whose top-left
 * pixel is (row0, col0) in the full raster. PV_EINVAL if it sticks out. */
PV_API int pv_downsampler_add(pv_downsampler *d, size_t band, size_t row0, size_t col0,
                              const pv_view *block);
/* The means as a new f64 array [bands][out_rows][out_cols]. */
PV_API int pv_downsampler_finish(const pv_downsampler *d, pv_array **out);

/* ---- Quicklooks -------------------------------------------------------- */

typedef struct pv_quicklook_opts {
  size_t struct_size;          /* sizeof(pv_quicklook_opts) */
  double lo_pct, hi_pct;       /* stretch percentiles (default 2, 98) */
  unsigned char nan_rgba[4];   /* NaN / no-data pixels (default transparent) */
  pv_cmap cmap;                /* single band (default viridis) */
  const char *title;           /* drawn above the picture, or NULL */
  const char *units;           /* colour bar label, or NULL */
  int colorbar;                /* single band: draw the bar and limits */
  int has_nodata;              /* treat `nodata` values as invalid */
  double nodata;
  int zoom;                    /* integer magnification; 0 = automatic */
} pv_quicklook_opts;
#define PV_QUICKLOOK_OPTS_INIT \
  {sizeof(pv_quicklook_opts), 2.0, 98.0, {0, 0, 0, 0}, PV_CMAP_VIRIDIS, NULL, NULL, 1, 0, 0.0, 0}

/* Where things landed and what the stretch was (for logs and tests). */
typedef struct pv_quicklook_info {
  int x0, y0, zoom;            /* data pixel (r, c) covers x0 + c*zoom, y0 + r*zoom */
  double lo[3], hi[3];         /* stretch limits per channel (band: [0] only) */
  size_t n_invalid;            /* NaN / no-data pixels */
  int bar_x, bar_y, bar_w, bar_h; /* colour bar (band with colorbar) */
} pv_quicklook_info;

/* Single band [rows x cols] (any real dtype, any strides) through the
 * colour map, stretched between the lo/hi percentiles, with a colour bar
 * whose ends are labelled with the limits. info may be NULL. */
PV_API int pv_quicklook_band(const pv_view *band, const pv_quicklook_opts *o, pv_image **out,
                             pv_quicklook_info *info);
/* RGB composite of three bands of equal shape, each stretched on its own.
 * A pixel is invalid when any channel is. */
PV_API int pv_quicklook_rgb(const pv_view *r, const pv_view *g, const pv_view *b,
                            const pv_quicklook_opts *o, pv_image **out,
                            pv_quicklook_info *info);

/* ---- Line plots -------------------------------------------------------- */

typedef struct pv_plot pv_plot;

/* New empty plot of width x height pixels (>= 160 x 120). */
PV_API int pv_plot_create(int width, int height, pv_plot **out);
PV_API void pv_plot_destroy(pv_plot **p); /* NULL-safe */
/* Labels (copied; NULL clears). */
PV_API int pv_plot_set_title(pv_plot *p, const char *title);
PV_API int pv_plot_set_xlabel(pv_plot *p, const char *label);
PV_API int pv_plot_set_ylabel(pv_plot *p, const char *label);
/* Logarithmic y axis (non-positive values then break the line). */
PV_API void pv_plot_set_log_y(pv_plot *p, int on);
/* Fixed axis limits; NaN leaves a side automatic. */
PV_API void pv_plot_set_xlim(pv_plot *p, double lo, double hi);
PV_API void pv_plot_set_ylim(pv_plot *p, double lo, double hi);
/* Add a series of n points (copied). x NULL means 0, 1, ..., n-1. A
 * non-finite point breaks the line. rgb NULL takes the next palette colour.
 * label NULL keeps the series out of the legend. */
PV_API int pv_plot_add_series(pv_plot *p, const char *label, const double *x, const double *y,
                              size_t n, const unsigned char rgb[3]);
/* Pixel position of data point (x, y) in the rendered picture. */
PV_API int pv_plot_data_to_pixel(const pv_plot *p, double x, double y, double *px, double *py);

/* Draw into a new image. */
PV_API int pv_plot_render(const pv_plot *p, pv_image **out);
/* Render and write as PNG / SVG atomically, with provenance when given (PNG
 * text chunks; SVG <metadata>). */
PV_API int pv_plot_write_png(const pv_plot *p, const char *path, const pv_provenance *prov,
                             int overwrite);
PV_API int pv_plot_write_svg(const pv_plot *p, const char *path, const pv_provenance *prov,
                             int overwrite);

#ifdef __cplusplus
}
#endif
#endif
