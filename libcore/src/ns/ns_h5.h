/* ns_h5.h - the few raw HDF5 steps the resumable dataset needs (open for
 * read-write, per-slice writes, attribute checks), which parseval/h5.h
 * (whole-dataset, write-once files) does not offer yet. */
#ifndef PV_NS_H5_H
#define PV_NS_H5_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

int pv_ns_h5_attr_put_double(hid_t obj, const char *name, double v);
int pv_ns_h5_attr_put_string(hid_t obj, const char *name, const char *v);
/* PV_ENOTFOUND when absent. */
int pv_ns_h5_attr_get_double(hid_t obj, const char *name, double *v);
/* Copies at most cap-1 bytes. */
int pv_ns_h5_attr_get_string(hid_t obj, const char *name, char *buf, size_t cap);
/* Write rows [off, off+cnt) of a 1-D..4-D dataset: block of the given
 * offset/count from buf (memory type mt). */
int pv_ns_h5_write_block(hid_t dset, int rank, const hsize_t off[], const hsize_t cnt[],
                         hid_t mt, const void *buf);
int pv_ns_h5_read_block(hid_t dset, int rank, const hsize_t off[], const hsize_t cnt[],
                        hid_t mt, void *buf);

#endif
