/* ns_h5.c - raw HDF5 helpers of the NS dataset writer (errors via pv_error;
 * HDF5's own printing is off since pv_init). */
#include "ns_h5.h"

#include <string.h>

#include <parseval/error.h>

int pv_ns_h5_attr_put_double(hid_t obj, const char *name, double v) {
  hid_t sp = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(obj, name, H5T_NATIVE_DOUBLE, sp, H5P_DEFAULT, H5P_DEFAULT);
  herr_t e = a < 0 ? -1 : H5Awrite(a, H5T_NATIVE_DOUBLE, &v);
  if (a >= 0) H5Aclose(a);
  H5Sclose(sp);
  return e < 0 ? PV_ERROR(PV_EIO, "HDF5: cannot write attribute %s", name) : PV_OK;
}

int pv_ns_h5_attr_put_string(hid_t obj, const char *name, const char *v) {
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, strlen(v) + 1);
  hid_t sp = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
  herr_t e = a < 0 ? -1 : H5Awrite(a, t, v);
  if (a >= 0) H5Aclose(a);
  H5Sclose(sp);
  H5Tclose(t);
  return e < 0 ? PV_ERROR(PV_EIO, "HDF5: cannot write attribute %s", name) : PV_OK;
}

int pv_ns_h5_attr_get_double(hid_t obj, const char *name, double *v) {
  if (H5Aexists(obj, name) <= 0) return PV_ENOTFOUND;
  hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  hid_t t = a < 0 ? -1 : H5Aget_type(a);
  herr_t e = -1;
  if (t >= 0 && H5Tget_class(t) != H5T_STRING) e = H5Aread(a, H5T_NATIVE_DOUBLE, v);
  if (t >= 0) H5Tclose(t);
  if (a >= 0) H5Aclose(a);
  return e < 0 ? PV_EFORMAT : PV_OK;
}

int pv_ns_h5_attr_get_string(hid_t obj, const char *name, char *buf, size_t cap) {
  if (H5Aexists(obj, name) <= 0) return PV_ENOTFOUND;
  hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  hid_t t = a < 0 ? -1 : H5Aget_type(a);
  int rc = PV_EFORMAT;
  if (t >= 0 && H5Tget_class(t) == H5T_STRING && !H5Tis_variable_str(t)) {
    size_t sz = H5Tget_size(t);
    char tmp[4096];
    if (sz < sizeof tmp && H5Aread(a, t, tmp) >= 0) {
      tmp[sz] = 0;
      strncpy(buf, tmp, cap - 1);
      buf[cap - 1] = 0;
      rc = PV_OK;
    }
  }
  if (t >= 0) H5Tclose(t);
  if (a >= 0) H5Aclose(a);
  return rc;
}

static int block_io(hid_t dset, int rank, const hsize_t off[], const hsize_t cnt[], hid_t mt,
                    void *buf, int write) {
  hid_t fs = H5Dget_space(dset);
  hid_t ms = H5Screate_simple(rank, cnt, NULL);
  herr_t e = fs < 0 || ms < 0 ? -1 : H5Sselect_hyperslab(fs, H5S_SELECT_SET, off, NULL, cnt, NULL);
  if (e >= 0) e = write ? H5Dwrite(dset, mt, ms, fs, H5P_DEFAULT, buf)
                        : H5Dread(dset, mt, ms, fs, H5P_DEFAULT, buf);
  if (ms >= 0) H5Sclose(ms);
  if (fs >= 0) H5Sclose(fs);
  return e < 0 ? PV_ERROR(PV_EIO, "HDF5: cannot %s a block of the dataset", write ? "write" : "read")
               : PV_OK;
}

int pv_ns_h5_write_block(hid_t dset, int rank, const hsize_t off[], const hsize_t cnt[],
                         hid_t mt, const void *buf) {
  return block_io(dset, rank, off, cnt, mt, (void *)buf, 1);
}

int pv_ns_h5_read_block(hid_t dset, int rank, const hsize_t off[], const hsize_t cnt[],
                        hid_t mt, void *buf) {
  return block_io(dset, rank, off, cnt, mt, buf, 0);
}
