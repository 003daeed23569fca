/* HDF5 1-D unsigned 64-bit datasets (seeds, counters): pv_dtype has no u64,
 * so these two calls carry them whole. */
#include <parseval/error.h>

#include "out/h5_internal.h"

int pv_h5_write_u64(pv_h5 *f, const char *name, const uint64_t *v, size_t n) {
  if (!f || !f->writable || !name || !*name || (!v && n))
    return PV_ERROR(PV_EINVAL, "pv_h5_write_u64: NULL argument or file not being written");
  if (pv_h5_exists(f, name)) return PV_ERROR(PV_EEXIST, "%s: dataset %s already exists", f->path, name);
  hsize_t d[1] = {n};
  hid_t space = H5Screate_simple(1, d, NULL), lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  hid_t dset = H5Dcreate2(f->file, name, H5T_STD_U64LE, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  int st = dset < 0 ? pv_h5_fail(f, PV_EIO, "cannot create dataset %s", name) : 0;
  if (!st && n && H5Dwrite(dset, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
    st = pv_h5_fail(f, PV_EIO, "cannot write dataset %s", name);
  if (dset >= 0) H5Dclose(dset);
  H5Pclose(lcpl);
  H5Sclose(space);
  return st;
}

int pv_h5_read_u64(pv_h5 *f, const char *name, uint64_t *v, size_t n) {
  if (!f || !name || (!v && n)) return PV_ERROR(PV_EINVAL, "pv_h5_read_u64: NULL argument");
  hid_t dset;
  int st = pv_h5_open_dataset(f, name, &dset);
  if (st) return st;
  hid_t space = H5Dget_space(dset), type = H5Dget_type(dset);
  hsize_t d[1] = {0};
  if (space < 0 || H5Sget_simple_extent_ndims(space) != 1 || H5Sget_simple_extent_dims(space, d, NULL) != 1 ||
      d[0] != n)
    st = PV_ERROR(PV_EFORMAT, "%s: dataset %s is not a vector of %zu values", f->path, name, n);
  else if (type < 0 || H5Tget_class(type) != H5T_INTEGER)
    st = PV_ERROR(PV_EFORMAT, "%s: dataset %s is not integer", f->path, name);
  else if (n && H5Dread(dset, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
    st = pv_h5_fail(f, PV_EFORMAT, "cannot read dataset %s", name);
  if (type >= 0) H5Tclose(type);
  if (space >= 0) H5Sclose(space);
  H5Dclose(dset);
  return st;
}
