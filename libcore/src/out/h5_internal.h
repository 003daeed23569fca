/* out/h5_internal.h - the pv_h5 handle and HDF5 error capture. */
#ifndef PV_OUT_H5_INTERNAL_H
#define PV_OUT_H5_INTERNAL_H

#include <hdf5.h>

#include <parseval/fileout.h>
#include <parseval/h5.h>

struct pv_h5 {
  hid_t file;
  char *path;         /* destination (or the file read) */
  pv_fileout *out;    /* temporary output; NULL when reading or read-write */
  int writable;       /* created (pv_h5_create) or opened with pv_h5_open_rw */
};

/* Record an error naming the file, with HDF5's innermost message appended. */
int pv_h5_fail(const pv_h5 *f, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* HDF5 type for a real pv_dtype (little-endian file types), or -1. */
hid_t pv_h5_file_type(pv_dtype t);
/* Native memory type for a real pv_dtype, or -1. */
hid_t pv_h5_mem_type(pv_dtype t);
/* Chunks of at most 1 MiB for a dataset of v's shape and type: trailing axes
 * whole, leading ones halved. */
void pv_h5_auto_chunk(const pv_view *v, hsize_t *chunk);
/* v's data when contiguous, else a packed copy in *tmp (caller destroys). */
int pv_h5_packed(const pv_view *v, pv_array **tmp, const void **data);
/* Open dataset `name`: PV_ENOTFOUND naming it when absent. */
int pv_h5_open_dataset(pv_h5 *f, const char *name, hid_t *dset);
/* Whether `name` exists in the file (each path component checked). */
int pv_h5_exists(const pv_h5 *f, const char *name);

#endif
