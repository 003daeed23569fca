/* parseval/npy.h - NumPy .npy files (format versions 1.0, 2.0 and 3.0).
 *
 * Layout: the magic "\x93NUMPY", major and minor version bytes, the header
 * length as little-endian uint16 (1.0) or uint32 (2.0, 3.0), then a Python
 * dict literal {'descr': '<f8', 'fortran_order': False, 'shape': (r, c), }
 * padded with spaces and ended by '\n' so that the data starts at a multiple
 * of 64 bytes. The writer produces C-order little-endian data, version 1.0
 * unless the header needs 2.0, and a provenance sidecar "<file>.json" (NumPy
 * rejects extra header keys, so provenance cannot go into the header).
 * The reader accepts every real and complex pv_dtype in either byte order
 * and Fortran order (returned in C order), and refuses truncated, oversized
 * or malformed headers with an error naming the file and the field. */
#ifndef PARSEVAL_NPY_H
#define PARSEVAL_NPY_H

#include <stddef.h>
#include <parseval/array.h>
#include <parseval/config.h>
#include <parseval/provenance.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Largest header length the reader accepts, bytes (NumPy's own limit is
 * 10000 by default; this is more lenient but still bounded). */
#define PV_NPY_MAX_HEADER 65536

/* What a header says. */
typedef struct pv_npy_info {
  int version_major, version_minor;  /* 1.0, 2.0 or 3.0 */
  pv_dtype dtype;                    /* element type */
  int big_endian;                    /* data stored big-endian */
  int fortran_order;                 /* data stored column-major */
  int ndim;                          /* 0..PV_MAX_DIMS */
  size_t shape[PV_MAX_DIMS];
  size_t data_offset;                /* bytes before the first element */
  size_t data_bytes;                 /* element bytes = count * itemsize */
} pv_npy_info;

/* Parse and check the header of a .npy image of n bytes held in buf (the
 * whole file: the data length is checked against the shape). name labels
 * errors (a file name). */
PV_API int pv_npy_parse(const void *buf, size_t n, const char *name, pv_npy_info *info);

/* Decode a whole .npy image into a new C-order, native-endian array
 * (*out owned by the caller). */
PV_API int pv_npy_read_mem(const void *buf, size_t n, const char *name, pv_array **out);

/* Read the header of a .npy file (checking the file size against it). */
PV_API int pv_npy_read_info(const char *path, pv_npy_info *info);
/* Read a .npy file into a new C-order, native-endian array. */
PV_API int pv_npy_read(const char *path, pv_array **out);

/* The header dict text for a C-order native array of dtype/shape, padded
 * for a preamble of `preamble` bytes (10 or 12); *text pv_malloc'd. */
PV_API int pv_npy_header_text(pv_dtype dtype, int ndim, const size_t shape[],
                              size_t preamble, char **text);

/* Write view v (any strides, any real or complex dtype) to path as a C-order
 * .npy, atomically. When prov is not NULL also write the sidecar
 * "<path>.json" {"file", "descr", "shape", "sha256" of the .npy bytes,
 * "provenance"}. Both outputs are checked before anything is written; on
 * failure neither is left behind. */
PV_API int pv_npy_write(const char *path, const pv_view *v, const pv_provenance *prov,
                        int overwrite);

#ifdef __cplusplus
}
#endif
#endif
