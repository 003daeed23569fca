/* parseval/matfile.h - hyperspectral cubes from MATLAB .mat files (v5, v7
 * and v7.3/HDF5) through matio.
 *
 * MATLAB stores arrays column-major. Two layouts are understood:
 *  - a matrix [bands x pixels] (or [pixels x bands]) with pixel n at image
 *    position row = n % rows, col = n / rows (n = row + col*rows), the image
 *    size given or read from scalar variables in the same file;
 *  - a cube [rows x cols x bands].
 * The result is a band-sequential pv_raster_cube (see raster.h) without
 * georeferencing (.mat files carry none; callers may add it). */
#ifndef PARSEVAL_MATFILE_H
#define PARSEVAL_MATFILE_H

#include <stddef.h>
#include <parseval/config.h>
#include <parseval/ctx.h>
#include <parseval/raster.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Options of pv_matfile_read (start from PV_MATFILE_OPTIONS_INIT). */
typedef struct pv_matfile_options {
  size_t struct_size;
  const char *var;      /* data variable; NULL: "Y" if present, else the only
                           numeric 3-D variable */
  size_t rows, cols;    /* image size for a matrix; 0: from rows_var/cols_var */
  const char *rows_var; /* NULL: first of "lines", "rows", "nRow", "nrow", "H" */
  const char *cols_var; /* NULL: first of "cols", "nCol", "ncol", "W" */
  pv_dtype dtype;       /* cube type: PV_F64 (default) or PV_F32 */
} pv_matfile_options;
#define PV_MATFILE_OPTIONS_INIT {sizeof(pv_matfile_options), NULL, 0, 0, NULL, NULL, PV_F64}

/* Read the data variable of path into *cube (opt may be NULL). A matrix
 * needs its image size: rows*cols must equal its pixel count (a square
 * count with no size anywhere is taken as sqrt x sqrt, with a warning).
 * Errors (PV_ENOTFOUND for a missing variable, PV_EFORMAT for a wrong
 * shape, class or size, PV_ENOMEM beyond ctx's RAM budget) name the file
 * and the variable. NaN values are counted as invalid. On error *cube is
 * left zeroed. */
PV_API int pv_matfile_read(pv_ctx *ctx, const char *path, const pv_matfile_options *opt,
                           pv_raster_cube *cube);

/* 1 when path looks like a MAT file (".mat" extension, any case). */
PV_API int pv_matfile_is_mat(const char *path);

#ifdef __cplusplus
}
#endif
#endif
