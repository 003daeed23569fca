/* raster_internal.h - shared pieces of the GDAL raster layer (not public). */
#ifndef PV_IO_RASTER_INTERNAL_H
#define PV_IO_RASTER_INTERNAL_H

#include <stddef.h>
#include <gdal.h>
#include <parseval/raster.h>

/* Captures GDAL's messages while pushed (thread-local in GDAL), so a failure
 * can be reported as one PV_ERROR naming file and field with GDAL's words. */
typedef struct pv_gdal_trap {
  int failures;   /* CE_Failure / CE_Fatal messages seen */
  int warnings;   /* CE_Warning messages seen */
  char msg[256];  /* the first failure (else first warning) message */
} pv_gdal_trap;

/* Register GDAL's drivers once (thread-safe). */
void pv_gdal_register(void);

void pv_gdal_trap_push(pv_gdal_trap *t);
void pv_gdal_trap_pop(pv_gdal_trap *t);

/* GDAL type <-> pv_dtype for the real types (others: GDT_Unknown / PV_F64). */
GDALDataType pv_gdal_type(pv_dtype t);
pv_dtype pv_gdal_to_dtype(GDALDataType t);

/* Keep GDAL's block cache within a quarter of the budget (never raises it). */
void pv_gdal_cache_limit(size_t ram_budget);

/* Turn NaN into nodata (has_nodata) in n values of buf (F32/F64). */
void pv_raster_unmask(void *buf, pv_dtype t, size_t n, int has_nodata, double nodata);
/* Mask n values: NaN, or == nodata when has_nodata, become NaN; returns the
 * number masked. */
size_t pv_raster_mask(void *buf, pv_dtype t, size_t n, int has_nodata, double nodata);

/* Warn (through ctx) about masked counts of a cube/stream; name is the file. */
void pv_raster_report_invalid(pv_ctx *ctx, const char *name, const pv_raster_meta *m,
                              const size_t *invalid, size_t pixels);

/* Fill meta->wavelength/fwhm/bbl/units/names/nodata from a parsed ENVI
 * header h (bands must match). */
int pv_raster_meta_from_envi(pv_raster_meta *m, const pv_raster_envi_header *h);

/* ENVI output: raw BSQ + header written by our own code. */
typedef struct pv_envi_out pv_envi_out;
int pv_envi_out_create(const char *path, size_t width, size_t height, size_t bands,
                       pv_dtype dtype, const pv_raster_meta *meta, int overwrite,
                       pv_envi_out **out);
int pv_envi_out_write(pv_envi_out *e, const pv_raster_window *win, pv_dtype t,
                      const void *buf);
int pv_envi_out_commit(pv_envi_out **e);
void pv_envi_out_abort(pv_envi_out **e);

/* The input's natural block (tile) size and the bytes of one such block
 * in all bands at the stored type. */
void pv_raster_natural_block(const pv_raster *r, size_t *bw, size_t *bh, size_t *all_bands_bytes);

/* Number of bands a writer holds. */
size_t pv_raster_writer_bands_internal(const pv_raster_writer *w);

/* ENVI data type code of a pv_dtype (0 if none). */
int pv_envi_type_of(pv_dtype t);

#endif
