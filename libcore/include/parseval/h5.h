/* parseval/h5.h - HDF5 files: datasets with attributes and provenance.
 *
 * A file is written to a temporary name beside its destination and renamed
 * only by pv_h5_commit, so a failed run never leaves a partial file. Reading
 * opens the file read-only; pv_h5_open_rw opens a provisional file in place
 * to add to it (resumable runs), with block-wise (hyperslab) reads, writes
 * and appends. Dataset names are paths ("cube", "maps/abund");
 * missing groups are created. Attributes live on an object named by path
 * ("/" for the file's root group, or a dataset/group name). Strings are
 * stored as fixed-length, NUL-terminated UTF-8; the readers also accept the
 * variable-length strings h5py writes. HDF5 messages are never printed:
 * failures come back as PV_E* errors naming the file and object. Debian's
 * serial libhdf5 is built thread-safe (one global lock): handles may be used
 * from several threads, but calls do not run in parallel. */
#ifndef PARSEVAL_H5_H
#define PARSEVAL_H5_H

#include <stddef.h>
#include <stdint.h>
#include <parseval/array.h>
#include <parseval/config.h>
#include <parseval/provenance.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pv_h5 pv_h5;

/* Start writing path (checked with pv_output_check first; PV_EEXIST when it
 * exists and overwrite is 0). *out owned by the caller: finish with
 * pv_h5_commit, or pv_h5_close to abandon it. */
PV_API int pv_h5_create(const char *path, int overwrite, pv_h5 **out);
/* Close the file and rename it over the destination. Frees *f, sets NULL;
 * on failure nothing is left at the destination. */
PV_API int pv_h5_commit(pv_h5 **f);
/* Open an existing file read-only. */
PV_API int pv_h5_open(const char *path, pv_h5 **out);
/* Close a file opened for reading, or abandon one being written (its
 * temporary file is removed). NULL-safe; sets *f to NULL. */
PV_API void pv_h5_close(pv_h5 **f);

/* Dataset storage options. chunk all zero with deflate > 0 picks chunks of
 * at most 1 MiB (whole trailing axes first). */
typedef struct pv_h5_dataset_opts {
  size_t struct_size;          /* sizeof(pv_h5_dataset_opts) */
  int deflate;                 /* 0 none, 1..9 zlib level */
  int shuffle;                 /* byte shuffle before deflate (nonzero: on) */
  size_t chunk[PV_MAX_DIMS];   /* chunk shape; all 0: automatic */
  int extendible;              /* pv_h5_create_dataset: the first axis may grow
                                  (pv_h5_append); storage is then chunked */
} pv_h5_dataset_opts;
#define PV_H5_DATASET_OPTS_INIT {sizeof(pv_h5_dataset_opts), 0, 0, {0}, 0}

/* Write view v (any strides) as dataset `name` with v's shape and element
 * type (f32, f64, i32 and the other real types; little-endian). o may be
 * NULL (contiguous, uncompressed). An existing dataset is an error. */
PV_API int pv_h5_write_dataset(pv_h5 *f, const char *name, const pv_view *v,
                               const pv_h5_dataset_opts *o);

/* Set (or replace) attribute `name` on `object`. */
PV_API int pv_h5_set_attr_string(pv_h5 *f, const char *object, const char *name,
                                 const char *value);
PV_API int pv_h5_set_attr_double(pv_h5 *f, const char *object, const char *name, double value);
PV_API int pv_h5_set_attr_int(pv_h5 *f, const char *object, const char *name, int64_t value);
/* Every provenance pair as a string attribute (keys "parseval.*") plus the
 * whole record as JSON in "parseval.provenance". Attributes over 64 KiB are
 * refused (PV_EINVAL) rather than written to a format few tools read. */
PV_API int pv_h5_set_provenance(pv_h5 *f, const char *object, const pv_provenance *p);

/* Shape and stored element type of dataset `name` (shape needs
 * PV_MAX_DIMS entries). PV_ENOTFOUND when absent. */
PV_API int pv_h5_dataset_info(pv_h5 *f, const char *name, pv_dtype *dtype, int *ndim,
                              size_t shape[]);
/* Read dataset `name` converted to dtype (a real type) into a new array. */
PV_API int pv_h5_read_dataset(pv_h5 *f, const char *name, pv_dtype dtype, pv_array **out);
/* Read attributes. Strings: *value pv_malloc'd, caller frees. A numeric
 * attribute of another numeric type is converted. PV_ENOTFOUND when absent. */
PV_API int pv_h5_get_attr_string(pv_h5 *f, const char *object, const char *name, char **value);
PV_API int pv_h5_get_attr_double(pv_h5 *f, const char *object, const char *name, double *value);
PV_API int pv_h5_get_attr_int(pv_h5 *f, const char *object, const char *name, int64_t *value);

/* ---- Read-write files and partial (hyperslab) I/O ------------------------ */

/* Open an existing file to read and write it in place: no temporary copy, so
 * this is for files that are themselves provisional (a NAME.partial the
 * caller renames when complete, a resumable run). Changes reach the disk on
 * pv_h5_flush or pv_h5_close. PV_ENOTFOUND when absent; PV_EFORMAT when the
 * file is not HDF5 or damaged (checked before HDF5 opens it: the file is
 * left untouched). Attributes and datasets can be added as on a created
 * file; close with pv_h5_close. */
PV_API int pv_h5_open_rw(const char *path, pv_h5 **out);
/* Flush a file being written (created or read-write) to disk. */
PV_API int pv_h5_flush(pv_h5 *f);

/* Create dataset `name` of element type dtype (a real type) and shape
 * shape[0..ndim) (1 <= ndim <= PV_MAX_DIMS), without data: unwritten
 * elements read as 0. o may be NULL (contiguous). Storage is chunked when
 * o gives chunk (chunk[i] in 1..shape[i]), deflate or extendible; chunks
 * default to whole trailing axes, at most 1 MiB. With o->extendible the
 * first axis is unlimited (pv_h5_append).
 * PV_EEXIST when the dataset exists. */
PV_API int pv_h5_create_dataset(pv_h5 *f, const char *name, pv_dtype dtype, int ndim,
                                const size_t shape[], const pv_h5_dataset_opts *o);
/* Write view v (any strides; v->ndim equal to the dataset's rank) as the
 * block of the dataset starting at off[0..ndim), converted to the stored
 * type. PV_EINVAL naming the dataset and axis when the block does not fit
 * (off + shape > extent, with overflow checked) or the rank differs. */
PV_API int pv_h5_write_slab(pv_h5 *f, const char *name, const size_t off[], const pv_view *v);
/* Read the block of v's shape at off[0..ndim) into v (any strides),
 * converted to v's dtype; the same checks as pv_h5_write_slab (plus
 * PV_EFORMAT naming the dataset when the stored data cannot be read, e.g.
 * a truncated file). */
PV_API int pv_h5_read_slab(pv_h5 *f, const char *name, const size_t off[], const pv_view *v);
/* Append v along the first axis of an extendible dataset (v's other axes
 * must equal the dataset's): the extent grows by v->shape[0]; *first (may be
 * NULL) gets the index of the first appended row. PV_EINVAL when the dataset
 * is not extendible or the shapes differ. */
PV_API int pv_h5_append(pv_h5 *f, const char *name, const pv_view *v, size_t *first);

/* A 1-D dataset of n unsigned 64-bit integers (little-endian u64; e.g.
 * random seeds, which pv_dtype cannot carry), written whole / read whole
 * into v[0..n) (PV_EFORMAT naming the dataset when its length is not n or
 * it is not integer). */
PV_API int pv_h5_write_u64(pv_h5 *f, const char *name, const uint64_t *v, size_t n);
PV_API int pv_h5_read_u64(pv_h5 *f, const char *name, uint64_t *v, size_t n);

#ifdef __cplusplus
}
#endif
#endif
