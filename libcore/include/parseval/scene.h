/* parseval/scene.h - any scene file into a band-sequential cube: a raster
 * GDAL reads, a MATLAB .mat cube or matrix, or a NumPy .npy array. The one
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
  PV_SCENE_NPY         /* NumPy .npy: [rows, cols] or [bands, rows, cols] */
} pv_scene_kind;

/* The kind of file path names, from its extension. */
PV_API pv_scene_kind pv_scene_kind_of(const char *path);

/* Options of pv_scene_read (start from PV_SCENE_READ_OPTIONS_INIT). */
typedef struct pv_scene_read_options {
  size_t struct_size;
  pv_dtype dtype;          /* PV_F64 (default) or PV_F32 */
  const char *mat_var;     /* .mat: data variable (NULL: "Y" or the only cube) */
  size_t rows, cols;       /* .mat matrices: image size (0: from the file) */
  const size_t *bands;     /* rasters: 0-based bands to keep (NULL: all) */
  size_t n_bands;
} pv_scene_read_options;
#define PV_SCENE_READ_OPTIONS_INIT {sizeof(pv_scene_read_options), PV_F64, NULL, 0, 0, NULL, 0}

/* Read the whole scene at path into *cube (opt may be NULL). Rasters keep
 * their metadata; .mat and .npy inputs have none. NaN and no-data values are
 * masked and counted (see raster.h). A raster larger than ctx's RAM budget
 * is refused with PV_ENOMEM (stream it with pv_raster_process instead).
 * Errors name the file and the field. On error *cube is left zeroed. */
PV_API int pv_scene_read(pv_ctx *ctx, const char *path, const pv_scene_read_options *opt,
                         pv_raster_cube *cube);

#ifdef __cplusplus
}
#endif
#endif
