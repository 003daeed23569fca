/* ns_dataset_read.c - reading NS dataset files and exporting them to .npy. */
#include "ns_h5.h"
#include "ns_internal.h"

#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/npy.h>

typedef struct ds_file {
  hid_t f, vort;
  hsize_t dims[4];
  pv_ns_dataset_info info;
} ds_file;

static void ds_close(ds_file *d) {
  if (d->vort >= 0) H5Dclose(d->vort);
  if (d->f >= 0) H5Fclose(d->f);
  d->vort = d->f = -1;
}

/* Open and describe path (checks format, shape, done flags). */
static int ds_open(const char *path, ds_file *d) {
  d->f = d->vort = -1;
  if (!path) return PV_ERROR(PV_EINVAL, "NS dataset: path is NULL");
  if (H5Fis_hdf5(path) <= 0) return PV_ERROR(PV_EFORMAT, "%s: not an HDF5 file", path);
  d->f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (d->f < 0) return PV_ERROR(PV_EIO, "%s: cannot open", path);
  char fmt[64];
  if (pv_ns_h5_attr_get_string(d->f, "format", fmt, sizeof fmt) ||
      strcmp(fmt, "parseval-ns-dataset") != 0) {
    ds_close(d);
    return PV_ERROR(PV_EFORMAT, "%s: not a parseval NS dataset (attribute format)", path);
  }
  d->vort = H5Dopen2(d->f, "vorticity", H5P_DEFAULT);
  hid_t sp = d->vort < 0 ? -1 : H5Dget_space(d->vort);
  int ok = sp >= 0 && H5Sget_simple_extent_ndims(sp) == 4 &&
           H5Sget_simple_extent_dims(sp, d->dims, NULL) == 4 && d->dims[2] == d->dims[3];
  if (sp >= 0) H5Sclose(sp);
  hid_t t = ok ? H5Dget_type(d->vort) : -1;
  d->info.dtype = t >= 0 && H5Tget_size(t) == 4 ? PV_F32 : PV_F64;
  if (t >= 0) H5Tclose(t);
  if (!ok) {
    ds_close(d);
    return PV_ERROR(PV_EFORMAT, "%s: dataset vorticity missing or not [samples, t, r, r]", path);
  }
  d->info.struct_size = sizeof d->info;
  d->info.samples = (int)d->dims[0];
  d->info.times = (int)d->dims[1];
  d->info.res = (int)d->dims[2];
  unsigned char *fl = pv_calloc(d->dims[0], 1);
  hid_t dd = H5Dopen2(d->f, "done", H5P_DEFAULT);
  hsize_t z[1] = {0}, c[1] = {d->dims[0]};
  int rc = !fl ? PV_ERROR(PV_ENOMEM, "NS dataset flags")
           : dd < 0 ? PV_ERROR(PV_EFORMAT, "%s: dataset done missing", path)
                    : pv_ns_h5_read_block(dd, 1, z, c, H5T_NATIVE_UINT8, fl);
  d->info.complete = !rc;
  for (hsize_t i = 0; i < d->dims[0] && !rc; i++) d->info.complete &= fl[i] != 0;
  if (dd >= 0) H5Dclose(dd);
  pv_free(fl);
  if (rc) ds_close(d);
  return rc;
}

int pv_ns_dataset_info_read(const char *path, pv_ns_dataset_info *info) {
  if (!info || info->struct_size < sizeof *info)
    return PV_ERROR(PV_EINVAL, "pv_ns_dataset_info: bad struct_size");
  ds_file d;
  int rc = ds_open(path, &d);
  if (rc) return rc;
  *info = d.info;
  ds_close(&d);
  return PV_OK;
}

int pv_ns_dataset_read_sample(const char *path, int s, double *w) {
  ds_file d;
  int rc = ds_open(path, &d);
  if (rc) return rc;
  if (!w || s < 0 || s >= d.info.samples) {
    ds_close(&d);
    return PV_ERROR(PV_EINVAL, "%s: sample %d outside [0, %d)", path, s, d.info.samples);
  }
  hsize_t off[4] = {(hsize_t)s, 0, 0, 0}, cnt[4] = {1, d.dims[1], d.dims[2], d.dims[3]};
  rc = pv_ns_h5_read_block(d.vort, 4, off, cnt, H5T_NATIVE_DOUBLE, w);
  ds_close(&d);
  return rc;
}

int pv_ns_dataset_export_npy(pv_ctx *ctx, const char *path, const char *out, int overwrite,
                             int t_begin, int t_end, const pv_provenance *prov) {
  ds_file d;
  int rc = ds_open(path, &d);
  if (rc) return rc;
  if (t_begin == 0 && t_end == 0) t_end = d.info.times;
  if (!d.info.complete) rc = PV_ERROR(PV_EINVAL, "%s: dataset is not complete", path);
  else if (t_begin < 0 || t_end > d.info.times || t_begin >= t_end)
    rc = PV_ERROR(PV_EINVAL, "%s: time range [%d, %d) outside [0, %d)", path, t_begin, t_end,
                  d.info.times);
  size_t shape[4] = {d.dims[0], (size_t)(t_end - t_begin), d.dims[2], d.dims[3]};
  size_t bytes = shape[0] * shape[1] * shape[2] * shape[3] * sizeof(float);
  if (!rc && ctx && bytes > pv_ctx_ram_budget(ctx))
    rc = PV_ERROR(PV_ENOMEM, "%s: export needs %zu bytes, over the RAM budget", path, bytes);
  pv_array *a = NULL;
  if (!rc) rc = pv_array_create(PV_F32, 4, shape, &a);
  if (!rc) {
    hsize_t off[4] = {0, (hsize_t)t_begin, 0, 0}, cnt[4] = {shape[0], shape[1], shape[2], shape[3]};
    rc = pv_ns_h5_read_block(d.vort, 4, off, cnt, H5T_NATIVE_FLOAT, pv_array_data(a));
  }
  ds_close(&d);
  pv_view v;
  static const int perm[4] = {0, 2, 3, 1}; /* [N, T, X, Y] -> [N, X, Y, T] */
  if (!rc) rc = pv_view_permute(pv_array_view(a), perm, &v);
  if (!rc) rc = pv_npy_write(out, &v, prov, overwrite);
  pv_array_destroy(&a);
  return rc;
}
