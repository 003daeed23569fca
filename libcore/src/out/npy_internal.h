/* out/npy_internal.h - header parsing shared by the .npy file and memory
 * readers. */
#ifndef PV_OUT_NPY_INTERNAL_H
#define PV_OUT_NPY_INTERNAL_H

#include <parseval/npy.h>

/* Parse the preamble and header held in b[0..avail) of a file of file_size
 * bytes; the data length is checked against file_size. */
int pv_npy_parse_prefix(const unsigned char *b, size_t avail, size_t file_size,
                        const char *name, pv_npy_info *info);

/* Descriptor text ("<f8") of dtype in the host byte order. */
const char *pv_npy_descr(pv_dtype dtype);

/* Turn raw file data (data_bytes, layout per info) into out's C-order,
 * native elements; data may be modified (byte swapping). */
int pv_npy_decode(unsigned char *data, const pv_npy_info *info, pv_array *out);

#endif
