/* parseval/raster.h - georeferenced raster cubes through GDAL.
 *
 * Any raster GDAL opens (GeoTIFF, ENVI, HDF5/NetCDF subdatasets, VRT...) is
 * read into band-sequential float or double cubes, [bands][rows][cols] with
 * the column index fastest. Scenes larger than the context's RAM budget are
 * streamed window by window through a per-block callback (GDAL's block cache
 * is kept inside the same budget). Writers produce tiled deflate GeoTIFF or
 * ENVI (BSQ + .hdr), atomically. Georeferencing, projection, metadata,
 * no-data and the ENVI spectral fields (wavelength, fwhm, bad-band list,
 * data ignore value) travel with the data in a pv_raster_meta.
 *
 * Invalid values (NaN, or equal to the no-data value) are masked: they read
 * as NaN, are counted per band and reported with a warning through pv_log
 * (category "io"); a band without a single valid value is named in a
 * warning. Writers turn NaN back into the no-data value when one is set.
 * GDAL never prints: its messages become PV_E* errors naming file and field. */
#ifndef PARSEVAL_RASTER_H
#define PARSEVAL_RASTER_H

#include <stddef.h>
#include <parseval/config.h>
#include <parseval/array.h>
#include <parseval/ctx.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Metadata -------------------------------------------------------- */

/* What travels with a cube from input to output. All pointers are owned by
 * the struct (pv_malloc'd) and released by pv_raster_meta_clear; NULL means
 * "absent". Per-band arrays have `bands` entries. */
typedef struct pv_raster_meta {
  size_t bands;
  int has_geotransform;
  /* GDAL convention: X = gt[0] + col*gt[1] + row*gt[2],
   *                  Y = gt[3] + col*gt[4] + row*gt[5] (pixel corners). */
  double geotransform[6];
  char *srs_wkt;          /* spatial reference as WKT, or NULL */
  int has_nodata;
  double nodata;          /* no-data / ENVI "data ignore value", all bands */
  double *wavelength;     /* band centres in wavelength_units, or NULL */
  double *fwhm;           /* band widths in wavelength_units, or NULL */
  unsigned char *bbl;     /* bad-band list: 1 good, 0 bad; or NULL */
  char *wavelength_units; /* "Nanometers", "Micrometers"..., or NULL */
  char **band_names;      /* band descriptions (entries may be NULL), or NULL */
  size_t n_items;         /* free-form dataset metadata (key = value) */
  char **keys, **values;
} pv_raster_meta;

/* Empty metadata for `bands` bands (no georeferencing, no no-data). */
PV_API void pv_raster_meta_init(pv_raster_meta *m, size_t bands);
/* Release everything m owns and re-initialise it to 0 bands; NULL-safe. */
PV_API void pv_raster_meta_clear(pv_raster_meta *m);
/* Deep copy of src into dst (dst is overwritten, not cleared first). */
PV_API int pv_raster_meta_copy(pv_raster_meta *dst, const pv_raster_meta *src);
/* Deep copy keeping bands idx[0..n) of src in that order (indices 0-based,
 * each < src->bands: PV_EINVAL otherwise). */
PV_API int pv_raster_meta_select(pv_raster_meta *dst, const pv_raster_meta *src,
                                 const size_t *idx, size_t n);
/* Move the georeferenced origin to pixel (x0 = col, y0 = row): what a window
 * of the raster starting there needs. No-op without a geotransform. */
PV_API void pv_raster_meta_shift(pv_raster_meta *m, double x0, double y0);
/* Set (or replace) free-form item key = value (copied). */
PV_API int pv_raster_meta_set_item(pv_raster_meta *m, const char *key,
                                   const char *value);
/* Value of item key, or NULL (borrowed). */
PV_API const char *pv_raster_meta_item(const pv_raster_meta *m, const char *key);
/* Set the spatial reference from anything GDAL understands ("EPSG:32633",
 * WKT, PROJ string); stored as WKT. PV_EINVAL naming the text if refused. */
PV_API int pv_raster_meta_set_srs(pv_raster_meta *m, const char *user_srs);
/* Set the name of band b (copied). */
PV_API int pv_raster_meta_set_band_name(pv_raster_meta *m, size_t b,
                                        const char *name);
/* Set wavelengths (and optional fwhm, NULL to keep absent) of all bands,
 * copied; units e.g. "Nanometers" (may be NULL). */
PV_API int pv_raster_meta_set_wavelengths(pv_raster_meta *m, const double *wl,
                                          const double *fwhm, const char *units);
/* A printable label of band b ("name", "band 7 (550 nm)"...) into buf. */
PV_API void pv_raster_meta_band_label(const pv_raster_meta *m, size_t b,
                                      char *buf, size_t size);

/* ---- In-memory cubes --------------------------------------------------- */

/* A band-sequential cube: value (b, row, col) at data[(b*height + row)*width
 * + col]. Owns data, invalid and meta. */
typedef struct pv_raster_cube {
  size_t width, height, bands; /* columns, rows, bands */
  pv_dtype dtype;              /* PV_F32 or PV_F64 */
  void *data;                  /* bands*height*width values, pv_malloc'd */
  size_t *invalid;             /* [bands] masked values per band (NaN/no-data) */
  pv_raster_meta meta;
} pv_raster_cube;

/* Allocate a zeroed cube (meta initialised for `bands` bands). Checks the
 * size for overflow; dtype PV_F32 or PV_F64. */
PV_API int pv_raster_cube_alloc(pv_raster_cube *c, size_t width, size_t height,
                                size_t bands, pv_dtype dtype);
/* Release what c owns and zero it; NULL-safe. */
PV_API void pv_raster_cube_free(pv_raster_cube *c);
/* Recount masked values per band (NaN, or == meta.nodata when set) into
 * c->invalid; returns the total. */
PV_API size_t pv_raster_cube_count_invalid(pv_raster_cube *c);

/* ---- Reading ------------------------------------------------------------ */

/* A pixel window: columns x0..x0+width, rows y0..y0+height. */
typedef struct pv_raster_window {
  size_t x0, y0, width, height;
} pv_raster_window;

typedef struct pv_raster pv_raster; /* an open input raster (one per thread) */

/* Open path read-only with GDAL (anything GDAL reads; an ENVI header is
 * checked against the data file's length). Caps GDAL's block cache at a
 * quarter of ctx's RAM budget. Errors name the file (PV_ENOTFOUND,
 * PV_EFORMAT...). ctx is borrowed for the raster's life. */
PV_API int pv_raster_open(pv_ctx *ctx, const char *path, pv_raster **out);
/* Close; NULL-safe; sets *r to NULL. */
PV_API void pv_raster_close(pv_raster **r);
PV_API size_t pv_raster_width(const pv_raster *r);  /* columns */
PV_API size_t pv_raster_height(const pv_raster *r); /* rows */
PV_API size_t pv_raster_bands(const pv_raster *r);
/* The storage type GDAL reports for band 1, mapped to pv_dtype (complex and
 * unknown types map to PV_F64). */
PV_API pv_dtype pv_raster_dtype(const pv_raster *r);
/* The raster's metadata (borrowed, lives as long as r). */
PV_API const pv_raster_meta *pv_raster_get_meta(const pv_raster *r);
/* Path as opened (borrowed). */
PV_API const char *pv_raster_path(const pv_raster *r);

/* Read window win (NULL: whole raster) of bands idx[0..n) (idx NULL: all
 * bands, n ignored) as dtype (PV_F32/PV_F64) into buf, band-sequential
 * [n][win.height][win.width]. Invalid values become NaN; their counts are
 * added to invalid[0..n) when invalid is non-NULL. Errors name the file,
 * band and window. */
PV_API int pv_raster_read_window(pv_raster *r, const pv_raster_window *win,
                                 const size_t *idx, size_t n, pv_dtype dtype,
                                 void *buf, size_t *invalid);

/* Options of pv_raster_read (start from PV_RASTER_READ_OPTIONS_INIT). */
typedef struct pv_raster_read_options {
  size_t struct_size;
  pv_dtype dtype;          /* PV_F32 or PV_F64 (default) */
  const size_t *bands;     /* 0-based bands to keep, NULL: all */
  size_t n_bands;
  const pv_raster_window *window; /* NULL: whole raster */
} pv_raster_read_options;
#define PV_RASTER_READ_OPTIONS_INIT {sizeof(pv_raster_read_options), PV_F64, NULL, 0, NULL}

/* Read a whole raster (or a window / band subset of it) into *cube, with
 * its metadata (geotransform shifted to the window, per-band fields
 * selected). Refuses (PV_ENOMEM) a cube larger than ctx's RAM budget: use
 * pv_raster_process for those. Masked values are counted and warned about.
 * opt may be NULL. On error *cube is left zeroed. */
PV_API int pv_raster_read(pv_ctx *ctx, const char *path,
                          const pv_raster_read_options *opt, pv_raster_cube *cube);

/* ---- Writing ------------------------------------------------------------ */

typedef enum {
  PV_RASTER_GTIFF = 0, /* tiled, deflate-compressed GeoTIFF (BigTIFF if needed) */
  PV_RASTER_ENVI = 1   /* ENVI BSQ raw file + .hdr text header */
} pv_raster_format;

/* Format from the file name: .tif/.tiff -> GeoTIFF; .img/.dat/.bsq/.raw/.envi
 * or no extension -> ENVI; anything else PV_EINVAL naming the path. */
PV_API int pv_raster_format_from_path(const char *path, pv_raster_format *fmt);
/* The ENVI header path of an ENVI data file: "x.img" -> "x.hdr" (GDAL's
 * first choice); written into buf of size bytes. */
PV_API int pv_raster_envi_header_path(const char *data_path, char *buf, size_t size);

typedef struct pv_raster_writer pv_raster_writer;

/* Create an output of width x height x bands stored as dtype (any real
 * pv_dtype; values are rounded and clamped into integer types) carrying a
 * copy of meta (NULL: none; its band count must equal bands). Nothing is
 * visible at path until commit: data go to temporary files beside it. A
 * missing geotransform is logged as a warning. Tile height adapts to ctx's
 * RAM budget. *out owned by the caller: commit or abort. */
PV_API int pv_raster_writer_create(pv_ctx *ctx, const char *path,
                                   pv_raster_format fmt, size_t width,
                                   size_t height, size_t bands, pv_dtype dtype,
                                   const pv_raster_meta *meta, int overwrite,
                                   pv_raster_writer **out);
/* Write window win of all bands from buf ([bands][win.height][win.width],
 * dtype PV_F32 or PV_F64). NaN becomes the no-data value when one is set. */
PV_API int pv_raster_writer_write(pv_raster_writer *w, const pv_raster_window *win,
                                  pv_dtype dtype, const void *buf);
/* Rows per tile the writer prefers blocks to be aligned to (1 for ENVI). */
PV_API size_t pv_raster_writer_tile_height(const pv_raster_writer *w);
/* Finish and atomically move the output (and its .hdr) into place. Frees
 * *w and sets it to NULL, also on failure (then nothing is left behind). */
PV_API int pv_raster_writer_commit(pv_raster_writer **w);
/* Drop the output, removing temporary files; NULL-safe. */
PV_API void pv_raster_writer_abort(pv_raster_writer **w);

/* Write a whole cube (with its meta) to path as dtype, atomically. */
PV_API int pv_raster_write(pv_ctx *ctx, const char *path, pv_raster_format fmt,
                           const pv_raster_cube *cube, pv_dtype dtype,
                           int overwrite);

/* ---- Streaming ---------------------------------------------------------- */

/* One block handed to a pv_raster_block_fn. */
typedef struct pv_raster_block {
  pv_raster_window win;   /* the block's window in input pixel coordinates */
  size_t index, count;    /* block number and number of blocks */
  size_t bands_in;
  const double *in;       /* [bands_in][win.height][win.width], invalid = NaN */
  size_t bands_out;
  double *out;            /* [bands_out][win.height][win.width] to fill, or
                             NULL without a writer */
} pv_raster_block;

/* Per-block work; return 0 to go on, a negative PV_E* status to stop. */
typedef int (*pv_raster_block_fn)(pv_ctx *ctx, pv_raster_block *blk, void *user);

/* Options of pv_raster_process (start from PV_RASTER_PROCESS_OPTIONS_INIT). */
typedef struct pv_raster_process_options {
  size_t struct_size;
  const size_t *bands;    /* input bands handed to fn, NULL: all */
  size_t n_bands;
  const pv_raster_window *roi; /* region of the input, NULL: whole raster */
  size_t block_bytes;     /* working-set cap of one block, 0: half of ctx's
                             RAM budget */
} pv_raster_process_options;
#define PV_RASTER_PROCESS_OPTIONS_INIT {sizeof(pv_raster_process_options), NULL, 0, NULL, 0}

/* Stream the input through fn block by block, in row-major block order:
 * whole-row strips when they fit in the working-set cap (aligned to the
 * writer's tile rows); tile-aligned blocks when thin strips would decompress
 * each input tile many times and GDAL's cache holds one tile of every band;
 * else column strips. Memory stays bounded by the cap plus GDAL's cache
 * (a quarter of the budget) whatever the raster's size. With a
 * writer (width/height equal to the region's; may be NULL) each block's
 * `out` is written at the block's position relative to the region. Progress
 * goes to ctx; masked values are counted and warned about at the end.
 * opt may be NULL. The writer is neither committed nor aborted here. */
PV_API int pv_raster_process(pv_ctx *ctx, pv_raster *in, pv_raster_writer *out,
                             const pv_raster_process_options *opt,
                             pv_raster_block_fn fn, void *user);

/* ---- ENVI headers ------------------------------------------------------- */

/* The fields of an ENVI header this library uses (parsed by our own reader,
 * which also backs the data-length check). Owned arrays; free with
 * pv_raster_envi_header_clear. */
typedef struct pv_raster_envi_header {
  size_t samples, lines, bands; /* columns, rows, bands */
  size_t header_offset;         /* bytes before the data */
  int data_type;                /* ENVI code: 1,2,3,4,5,6,9,12,13,14,15 */
  int byte_order;               /* 0 little endian, 1 big endian */
  char interleave[4];           /* "bsq", "bil" or "bip" */
  int has_ignore;
  double ignore_value;          /* "data ignore value" */
  double *wavelength, *fwhm;    /* [bands] or NULL */
  unsigned char *bbl;           /* [bands] or NULL */
  char *wavelength_units;       /* or NULL */
  char **band_names;            /* [bands] or NULL */
  size_t n_items;               /* "item:KEY = {value}" fields we write for */
  char **keys, **values;        /* free-form metadata, %-decoded */
} pv_raster_envi_header;

/* Parse header text (n bytes; need not be NUL-terminated). name labels
 * errors ("scene.hdr: field 'samples': ..."). Fails with PV_EFORMAT on a
 * missing "ENVI" magic, a missing or invalid samples/lines/bands/data type,
 * an unknown interleave, or a per-band list whose length differs from bands.
 * On error *h is left zeroed. */
PV_API int pv_raster_envi_header_parse(const char *text, size_t n,
                                       const char *name,
                                       pv_raster_envi_header *h);
/* Release what h owns and zero it; NULL-safe. */
PV_API void pv_raster_envi_header_clear(pv_raster_envi_header *h);
/* Bytes per value of an ENVI data type code (0 if unknown). */
PV_API size_t pv_raster_envi_type_size(int data_type);

#ifdef __cplusplus
}
#endif
#endif
