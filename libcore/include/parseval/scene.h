/* parseval/scene.h - any scene file into a band-sequential cube: a raster
 * GDAL reads, a MATLAB .mat cube or matrix, a NumPy .npy array, or a .txt
 * list of one-band files (one per line, as Landsat/Sentinel-2 ship them). The one
 * entry point applications use to load their input, so that every plugin
 * accepts the same files. */
#ifndef PARSEVAL_SCENE_H
#define PARSEVAL_SCENE_H

#include <stddef.h>
#include <parseval/config.h>
#include <parseval/ctx.h>
#include <parseval/raster.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  PV_SCENE_RASTER = 0, /* anything GDAL opens (streamable) */
  PV_SCENE_MAT,        /* MATLAB .mat (v5, v7, v7.3) */
  PV_SCENE_NPY,        /* NumPy .npy: [rows, cols] or [bands, rows, cols] */
  PV_SCENE_BAND_LIST   /* .txt: one one-band scene file per line, stacked */
} pv_scene_kind;

/* A parsed band list: paths[i] is band i's file, resolved against the
 * list's folder. Owns paths and the strings. */
typedef struct pv_band_list {
  size_t n;
  char **paths;
} pv_band_list;
#define PV_BAND_LIST_MAX 4096              /* entries accepted in one list */
#define PV_BAND_LIST_MAX_BYTES (1u << 20)  /* size of a list file accepted */

/* Parse a band list's text (len bytes; need not be NUL-terminated) read
 * from list_path (used to resolve relative paths and in messages): one path
 * per line, blanks trimmed, blank and '#' lines skipped, CR/LF endings.
 * PV_EFORMAT naming the file and line for a NUL byte, a path over 4095
 * bytes, more than PV_BAND_LIST_MAX entries or an empty list. *out is new
 * (pv_band_list_destroy), NULL on error. */
PV_API int pv_band_list_parse(const char *list_path, const char *text, size_t len,
                              pv_band_list **out);
/* Read and parse the list file at list_path (at most PV_BAND_LIST_MAX_BYTES). */
PV_API int pv_band_list_read_file(const char *list_path, pv_band_list **out);
/* Free a band list; NULL-safe. */
PV_API void pv_band_list_destroy(pv_band_list *l);

/* The kind of file path names, from its extension. */
PV_API pv_scene_kind pv_scene_kind_of(const char *path);

/* Options of pv_scene_read (start from PV_SCENE_READ_OPTIONS_INIT). */
typedef struct pv_scene_read_options {
  size_t struct_size;
  pv_dtype dtype;          /* PV_F64 (default) or PV_F32 */
  const char *mat_var;     /* .mat: data variable (NULL: "Y" or the only cube) */
  size_t rows, cols;       /* .mat matrices: image size (0: from the file) */
  const size_t *bands;     /* rasters and band lists: 0-based bands to keep (NULL: all) */
  size_t n_bands;
} pv_scene_read_options;
#define PV_SCENE_READ_OPTIONS_INIT {sizeof(pv_scene_read_options), PV_F64, NULL, 0, 0, NULL, 0}

/* Read the whole scene at path into *cube (opt may be NULL). Rasters keep
 * their metadata; .mat and .npy inputs have none. A band list stacks its
 * files in order: all one band and one size (else PV_EINVAL naming both
 * files), each band masked with its own no-data value, georeferencing, SRS
 * and no-data value of the first, band names from the file names; a list
 * naming another list is refused. NaN and no-data values are
 * masked and counted (see raster.h). A raster larger than ctx's RAM budget
 * is refused with PV_ENOMEM (stream it with pv_raster_process instead).
 * Errors name the file and the field. On error *cube is left zeroed. */
PV_API int pv_scene_read(pv_ctx *ctx, const char *path, const pv_scene_read_options *opt,
                         pv_raster_cube *cube);

#ifdef __cplusplus
}
#endif
#endif
