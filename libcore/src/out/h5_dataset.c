/* HDF5 datasets: write from any strided view (optionally chunked and
 * deflated), inspect, and read back converted to a requested type. */
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>

#include "out/h5_internal.h"

/* Chunks of at most 1 MiB: keep trailing axes whole, shrink leading ones. */
void pv_h5_auto_chunk(const pv_view *v, hsize_t *chunk) {
  size_t es = pv_dtype_size(v->dtype), bytes = es;
  for (int i = 0; i < v->ndim; i++) {
    chunk[i] = v->shape[i] ? v->shape[i] : 1;
    bytes *= (size_t)chunk[i];
  }
  for (int i = 0; i < v->ndim && bytes > (1u << 20); i++) {
    while (chunk[i] > 1 && bytes > (1u << 20)) {
      bytes = bytes / (size_t)chunk[i] * (size_t)((chunk[i] + 1) / 2);
      chunk[i] = (chunk[i] + 1) / 2;
    }
  }
}

static hid_t make_dcpl(pv_h5 *f, const pv_view *v, const pv_h5_dataset_opts *o, int *st) {
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  int compress = o && o->deflate > 0 && v->ndim > 0 && pv_view_count(v) > 0;
  if (!compress) return dcpl;
  if (o->deflate > 9) {
    *st = PV_ERROR(PV_EINVAL, "%s: deflate level %d outside 1..9", f->path, o->deflate);
    return dcpl;
  }
  hsize_t chunk[PV_MAX_DIMS];
  int given = 0;
  for (int i = 0; i < v->ndim; i++) given |= o->chunk[i] != 0;
  if (given) {
    for (int i = 0; i < v->ndim; i++) {
      if (o->chunk[i] == 0 || o->chunk[i] > v->shape[i]) {
        *st = PV_ERROR(PV_EINVAL, "%s: chunk axis %d = %zu must be in 1..%zu", f->path, i,
                       o->chunk[i], v->shape[i]);
        return dcpl;
      }
      chunk[i] = o->chunk[i];
    }
  } else {
    pv_h5_auto_chunk(v, chunk);
  }
  if (H5Pset_chunk(dcpl, v->ndim, chunk) < 0 || (o->shuffle && H5Pset_shuffle(dcpl) < 0) ||
      H5Pset_deflate(dcpl, (unsigned)o->deflate) < 0)
    *st = pv_h5_fail(f, PV_EIO, "cannot set chunking/deflate");
  return dcpl;
}

/* v itself when contiguous, else a packed copy in *tmp. */
int pv_h5_packed(const pv_view *v, pv_array **tmp, const void **data) {
  if (pv_view_is_contiguous(v)) {
    *data = v->data;
    return 0;
  }
  int st = pv_array_create(v->dtype, v->ndim, v->shape, tmp);
  if (!st) st = pv_view_copy(pv_array_view(*tmp), v);
  *data = *tmp ? pv_array_data(*tmp) : NULL;
  return st;
}

int pv_h5_write_dataset(pv_h5 *f, const char *name, const pv_view *v,
                        const pv_h5_dataset_opts *o) {
  if (!f || !f->writable || !name || !*name || !v)
    return PV_ERROR(PV_EINVAL, "pv_h5_write_dataset: NULL argument or file not being written");
  hid_t ftype = pv_h5_file_type(v->dtype);
  if (ftype < 0)
    return PV_ERROR(PV_EINVAL, "%s: dataset %s: type %s not supported", f->path, name,
                    pv_dtype_name(v->dtype));
  if (pv_h5_exists(f, name)) return PV_ERROR(PV_EEXIST, "%s: dataset %s already exists", f->path, name);
  hsize_t dims[PV_MAX_DIMS];
  for (int i = 0; i < v->ndim; i++) dims[i] = v->shape[i];
  int st = 0;
  pv_array *tmp = NULL;
  const void *data = NULL;
  hid_t space = v->ndim ? H5Screate_simple(v->ndim, dims, NULL) : H5Screate(H5S_SCALAR);
  hid_t lcpl = H5Pcreate(H5P_LINK_CREATE), dset = H5I_INVALID_HID;
  H5Pset_create_intermediate_group(lcpl, 1);
  hid_t dcpl = make_dcpl(f, v, o, &st);
  if (!st) st = pv_h5_packed(v, &tmp, &data);
  if (!st) {
    dset = H5Dcreate2(f->file, name, ftype, space, lcpl, dcpl, H5P_DEFAULT);
    if (dset < 0) st = pv_h5_fail(f, PV_EIO, "cannot create dataset %s", name);
  }
  if (!st && pv_view_count(v) &&
      H5Dwrite(dset, pv_h5_mem_type(v->dtype), H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
    st = pv_h5_fail(f, PV_EIO, "cannot write dataset %s", name);
  if (dset >= 0) H5Dclose(dset);
  H5Pclose(dcpl);
  H5Pclose(lcpl);
  H5Sclose(space);
  pv_array_destroy(&tmp);
  return st;
}

int pv_h5_open_dataset(pv_h5 *f, const char *name, hid_t *dset) {
  if (!f || !name) return PV_ERROR(PV_EINVAL, "HDF5 dataset: NULL argument");
  if (!pv_h5_exists(f, name)) return PV_ERROR(PV_ENOTFOUND, "%s: no dataset %s", f->path, name);
  *dset = H5Dopen2(f->file, name, H5P_DEFAULT);
  if (*dset < 0) return pv_h5_fail(f, PV_EFORMAT, "%s is not a dataset", name);
  return 0;
}

static pv_dtype dtype_of(hid_t type) {
  H5T_class_t c = H5Tget_class(type);
  size_t sz = H5Tget_size(type);
  if (c == H5T_FLOAT) return sz == 4 ? PV_F32 : PV_F64;
  if (c != H5T_INTEGER) return PV_DTYPE_COUNT;
  int sgn = H5Tget_sign(type) == H5T_SGN_2;
  if (sz == 1) return sgn ? PV_I16 : PV_U8;
  if (sz == 2) return sgn ? PV_I16 : PV_U16;
  if (sz == 4) return sgn ? PV_I32 : PV_U32;
  return PV_I64;
}

static int shape_of(pv_h5 *f, const char *name, hid_t dset, int *ndim, size_t shape[]) {
  hid_t space = H5Dget_space(dset);
  int nd = H5Sget_simple_extent_ndims(space);
  hsize_t dims[H5S_MAX_RANK];
  int st = 0;
  if (nd < 0 || nd > PV_MAX_DIMS)
    st = PV_ERROR(PV_EFORMAT, "%s: dataset %s has %d dimensions (max %d)", f->path, name, nd,
                  PV_MAX_DIMS);
  else {
    H5Sget_simple_extent_dims(space, dims, NULL);
    *ndim = nd;
    for (int i = 0; i < nd; i++) shape[i] = (size_t)dims[i];
  }
  H5Sclose(space);
  return st;
}

int pv_h5_dataset_info(pv_h5 *f, const char *name, pv_dtype *dtype, int *ndim, size_t shape[]) {
  hid_t dset;
  int st = pv_h5_open_dataset(f, name, &dset);
  if (st) return st;
  hid_t type = H5Dget_type(dset);
  if (dtype) *dtype = dtype_of(type);
  H5Tclose(type);
  int nd = 0;
  size_t sh[PV_MAX_DIMS];
  st = shape_of(f, name, dset, &nd, sh);
  if (!st && ndim) *ndim = nd;
  if (!st && shape) memcpy(shape, sh, (size_t)nd * sizeof *sh);
  H5Dclose(dset);
  return st;
}

int pv_h5_read_dataset(pv_h5 *f, const char *name, pv_dtype dtype, pv_array **out) {
  if (!out) return PV_ERROR(PV_EINVAL, "pv_h5_read_dataset: NULL out");
  *out = NULL;
  if (pv_h5_mem_type(dtype) < 0)
    return PV_ERROR(PV_EINVAL, "reading HDF5 as %s is not supported", pv_dtype_name(dtype));
  hid_t dset;
  int st = pv_h5_open_dataset(f, name, &dset);
  if (st) return st;
  int nd = 0;
  size_t shape[PV_MAX_DIMS];
  st = shape_of(f, name, dset, &nd, shape);
  if (!st) st = pv_array_create(dtype, nd, shape, out);
  if (!st && pv_view_count(pv_array_view(*out)) &&
      H5Dread(dset, pv_h5_mem_type(dtype), H5S_ALL, H5S_ALL, H5P_DEFAULT, pv_array_data(*out)) < 0)
    st = pv_h5_fail(f, PV_EFORMAT, "cannot read dataset %s as %s", name, pv_dtype_name(dtype));
  if (st) pv_array_destroy(out);
  H5Dclose(dset);
  return st;
}
