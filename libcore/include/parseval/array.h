/* parseval/array.h - N-d arrays (owning) and strided views (borrowed).
 *
 * A pv_view describes memory it does not own: element type, up to
 * PV_MAX_DIMS axes, and strides counted in ELEMENTS (may be negative or
 * zero), as GDAL's RasterIO takes pixel/line/band spacing. A pv_array owns a
 * C-order (last axis fastest), PV_ALIGN-aligned, zero-initialised block and
 * exposes it as a view. */
#ifndef PARSEVAL_ARRAY_H
#define PARSEVAL_ARRAY_H

#include <stddef.h>
#include <stdint.h>
#include <parseval/config.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PV_MAX_DIMS 8

typedef enum {
  PV_U8 = 0, PV_I16, PV_U16, PV_I32, PV_U32, PV_I64,
  PV_F32, PV_F64,
  PV_C64,  /* complex float: two floats, re then im */
  PV_C128, /* complex double */
  PV_DTYPE_COUNT
} pv_dtype;

/* Bytes per element of t (0 for an invalid t). */
PV_API size_t pv_dtype_size(pv_dtype t);
/* Short name: "u8", "f32", "c128"... ("?" for an invalid t). */
PV_API const char *pv_dtype_name(pv_dtype t);

typedef struct pv_view {
  void *data;                        /* element (0,...,0); borrowed */
  pv_dtype dtype;
  int ndim;                          /* 0..PV_MAX_DIMS */
  size_t shape[PV_MAX_DIMS];
  ptrdiff_t strides[PV_MAX_DIMS];    /* in elements */
} pv_view;

/* View of a C-order block of shape[0..ndim). */
PV_API int pv_view_init(pv_view *v, void *data, pv_dtype dtype, int ndim,
                        const size_t shape[]);
/* Number of elements (product of the shape; 1 for ndim 0). */
PV_API size_t pv_view_count(const pv_view *v);
/* 1 when the view is C-contiguous. */
PV_API int pv_view_is_contiguous(const pv_view *v);
/* Address of element idx[0..ndim) (not bounds-checked: see pv_view_slice). */
PV_API void *pv_view_at(const pv_view *v, const size_t idx[]);
/* Restrict axis to start:stop:step (step >= 1; stop clipped to the shape). */
PV_API int pv_view_slice(const pv_view *v, int axis, size_t start, size_t stop,
                         size_t step, pv_view *out);
/* Reorder axes: out axis i is v's axis perm[i]. */
PV_API int pv_view_permute(const pv_view *v, const int perm[], pv_view *out);
/* Copy src into dst element by element (same shape; dtypes may differ among
 * the real types, converted through double). Overlap is not allowed. */
PV_API int pv_view_copy(const pv_view *dst, const pv_view *src);

typedef struct pv_array pv_array;

/* Zeroed C-order array; *out owned by the caller. */
PV_API int pv_array_create(pv_dtype dtype, int ndim, const size_t shape[],
                           pv_array **out);
/* NULL-safe; sets *a to NULL. */
PV_API void pv_array_destroy(pv_array **a);
/* The array's view (data owned by the array). */
PV_API const pv_view *pv_array_view(const pv_array *a);
/* Its data pointer (PV_ALIGN-aligned). */
PV_API void *pv_array_data(const pv_array *a);

#ifdef __cplusplus
}
#endif
#endif
