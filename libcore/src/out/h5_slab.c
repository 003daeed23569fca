/* HDF5 partial I/O: empty (optionally extendible) datasets, blocks written
 * and read at an offset (hyperslabs), appends along the first axis. Every
 * block is checked against the dataset's extent before HDF5 sees it. */
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>

#include "out/h5_internal.h"

static hid_t create_dcpl(pv_h5 *f, const char *name, pv_dtype dtype, int ndim,
                         const size_t shape[], const pv_h5_dataset_opts *o, int *st) {
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  int ext = o && o->extendible, deflate = o ? o->deflate : 0, given = 0;
  if (deflate < 0 || deflate > 9) {
    *st = PV_ERROR(PV_EINVAL, "%s: dataset %s: deflate level %d outside 0..9", f->path, name, deflate);
    return dcpl;
  }
  for (int i = 0; o && i < ndim; i++) given |= o->chunk[i] != 0;
  if (!ext && !deflate && !given) return dcpl; /* contiguous */
  hsize_t chunk[PV_MAX_DIMS];
  if (given) {
    for (int i = 0; i < ndim; i++) {
      size_t hi = (ext && i == 0) ? (size_t)-1 : shape[i];
      if (o->chunk[i] == 0 || o->chunk[i] > hi) {
        *st = PV_ERROR(PV_EINVAL, "%s: dataset %s: chunk axis %d = %zu must be in 1..%zu", f->path,
                       name, i, o->chunk[i], hi);
        return dcpl;
      }
      chunk[i] = o->chunk[i];
    }
  } else {
    pv_view v;
    memset(&v, 0, sizeof v);
    v.dtype = dtype;
    v.ndim = ndim;
    for (int i = 0; i < ndim; i++) v.shape[i] = shape[i] ? shape[i] : 1;
    pv_h5_auto_chunk(&v, chunk);
  }
  if (H5Pset_chunk(dcpl, ndim, chunk) < 0 || (deflate && o->shuffle && H5Pset_shuffle(dcpl) < 0) ||
      (deflate && H5Pset_deflate(dcpl, (unsigned)deflate) < 0))
    *st = pv_h5_fail(f, PV_EIO, "cannot set chunking/deflate of %s", name);
  return dcpl;
}

int pv_h5_create_dataset(pv_h5 *f, const char *name, pv_dtype dtype, int ndim,
                         const size_t shape[], const pv_h5_dataset_opts *o) {
  if (!f || !f->writable || !name || !*name || !shape)
    return PV_ERROR(PV_EINVAL, "pv_h5_create_dataset: NULL argument or file not being written");
  hid_t ftype = pv_h5_file_type(dtype);
  if (ftype < 0)
    return PV_ERROR(PV_EINVAL, "%s: dataset %s: type %s not supported", f->path, name,
                    pv_dtype_name(dtype));
  if (ndim < 1 || ndim > PV_MAX_DIMS)
    return PV_ERROR(PV_EINVAL, "%s: dataset %s: %d dimensions (1..%d)", f->path, name, ndim,
                    PV_MAX_DIMS);
  if (o && o->struct_size < sizeof *o)
    return PV_ERROR(PV_EINVAL, "pv_h5_dataset_opts.struct_size %zu: use PV_H5_DATASET_OPTS_INIT",
                    o->struct_size);
  if (pv_h5_exists(f, name)) return PV_ERROR(PV_EEXIST, "%s: dataset %s already exists", f->path, name);
  hsize_t dims[PV_MAX_DIMS], maxd[PV_MAX_DIMS];
  for (int i = 0; i < ndim; i++) dims[i] = maxd[i] = shape[i];
  if (o && o->extendible) maxd[0] = H5S_UNLIMITED;
  int st = 0;
  hid_t space = H5Screate_simple(ndim, dims, maxd), lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  hid_t dcpl = create_dcpl(f, name, dtype, ndim, shape, o, &st), dset = H5I_INVALID_HID;
  if (!st && space < 0) st = pv_h5_fail(f, PV_EINVAL, "dataset %s: bad shape", name);
  if (!st) {
    dset = H5Dcreate2(f->file, name, ftype, space, lcpl, dcpl, H5P_DEFAULT);
    if (dset < 0) st = pv_h5_fail(f, PV_EIO, "cannot create dataset %s", name);
  }
  if (dset >= 0) H5Dclose(dset);
  H5Pclose(dcpl);
  H5Pclose(lcpl);
  if (space >= 0) H5Sclose(space);
  return st;
}

/* The dataset's extent (and maximum) after checking v's rank and dtype. */
static int extent(pv_h5 *f, const char *name, hid_t dset, const pv_view *v, hsize_t dims[],
                  hsize_t maxd[]) {
  if (pv_h5_mem_type(v->dtype) < 0)
    return PV_ERROR(PV_EINVAL, "%s: dataset %s: memory type %s not supported", f->path, name,
                    pv_dtype_name(v->dtype));
  hid_t space = H5Dget_space(dset);
  int nd = space < 0 ? -1 : H5Sget_simple_extent_ndims(space);
  int st = 0;
  if (nd < 0 || nd > PV_MAX_DIMS) st = pv_h5_fail(f, PV_EFORMAT, "dataset %s: unreadable extent", name);
  else if (nd != v->ndim)
    st = PV_ERROR(PV_EINVAL, "%s: dataset %s has %d dimensions, the block %d", f->path, name, nd,
                  v->ndim);
  else H5Sget_simple_extent_dims(space, dims, maxd);
  if (space >= 0) H5Sclose(space);
  return st;
}

/* PV_EINVAL unless off + v's shape lies inside dims on every axis. */
static int fits(pv_h5 *f, const char *name, const hsize_t dims[], const size_t off[],
                const pv_view *v) {
  for (int i = 0; i < v->ndim; i++)
    if (off[i] > dims[i] || v->shape[i] > dims[i] - off[i])
      return PV_ERROR(PV_EINVAL, "%s: dataset %s axis %d: block [%zu, %zu + %zu) outside the "
                      "extent %llu", f->path, name, i, off[i], off[i], v->shape[i],
                      (unsigned long long)dims[i]);
  return 0;
}

/* Write (dir 1) or read (dir 0) the block at off through a contiguous buffer. */
static int block_io(pv_h5 *f, const char *name, hid_t dset, const size_t off[], const pv_view *v,
                    int dir) {
  if (pv_view_count(v) == 0) return 0;
  hsize_t o[PV_MAX_DIMS], c[PV_MAX_DIMS];
  for (int i = 0; i < v->ndim; i++) o[i] = off[i], c[i] = v->shape[i];
  pv_array *tmp = NULL;
  const void *data = NULL;
  int st = 0;
  if (dir) st = pv_h5_packed(v, &tmp, &data);
  else if (pv_view_is_contiguous(v)) data = v->data;
  else if (!(st = pv_array_create(v->dtype, v->ndim, v->shape, &tmp))) data = pv_array_data(tmp);
  hid_t fs = H5Dget_space(dset), ms = H5Screate_simple(v->ndim, c, NULL);
  if (!st && (fs < 0 || ms < 0 || H5Sselect_hyperslab(fs, H5S_SELECT_SET, o, NULL, c, NULL) < 0))
    st = pv_h5_fail(f, PV_EIO, "dataset %s: cannot select the block", name);
  hid_t mt = pv_h5_mem_type(v->dtype);
  if (!st && dir && H5Dwrite(dset, mt, ms, fs, H5P_DEFAULT, data) < 0)
    st = pv_h5_fail(f, PV_EIO, "cannot write a block of dataset %s", name);
  if (!st && !dir && H5Dread(dset, mt, ms, fs, H5P_DEFAULT, (void *)data) < 0)
    st = pv_h5_fail(f, PV_EFORMAT, "cannot read a block of dataset %s (damaged or truncated file?)",
                    name);
  if (!st && !dir && tmp) st = pv_view_copy(v, pv_array_view(tmp));
  if (ms >= 0) H5Sclose(ms);
  if (fs >= 0) H5Sclose(fs);
  pv_array_destroy(&tmp);
  return st;
}

static int slab(pv_h5 *f, const char *name, const size_t off[], const pv_view *v, int dir) {
  if (!f || !name || !off || !v) return PV_ERROR(PV_EINVAL, "HDF5 block: NULL argument");
  if (dir && !f->writable) return PV_ERROR(PV_EINVAL, "%s: file opened read-only", f->path);
  hid_t dset;
  int st = pv_h5_open_dataset(f, name, &dset);
  if (st) return st;
  hsize_t dims[PV_MAX_DIMS], maxd[PV_MAX_DIMS];
  st = extent(f, name, dset, v, dims, maxd);
  if (!st) st = fits(f, name, dims, off, v);
  if (!st) st = block_io(f, name, dset, off, v, dir);
  H5Dclose(dset);
  return st;
}

int pv_h5_write_slab(pv_h5 *f, const char *name, const size_t off[], const pv_view *v) {
  return slab(f, name, off, v, 1);
}

int pv_h5_read_slab(pv_h5 *f, const char *name, const size_t off[], const pv_view *v) {
  return slab(f, name, off, v, 0);
}

int pv_h5_append(pv_h5 *f, const char *name, const pv_view *v, size_t *first) {
  if (!f || !f->writable || !name || !v)
    return PV_ERROR(PV_EINVAL, "pv_h5_append: NULL argument or file not being written");
  hid_t dset;
  int st = pv_h5_open_dataset(f, name, &dset);
  if (st) return st;
  hsize_t dims[PV_MAX_DIMS], maxd[PV_MAX_DIMS];
  st = extent(f, name, dset, v, dims, maxd);
  if (!st && maxd[0] != H5S_UNLIMITED)
    st = PV_ERROR(PV_EINVAL, "%s: dataset %s is not extendible (create it with extendible = 1)",
                  f->path, name);
  for (int i = 1; !st && i < v->ndim; i++)
    if (v->shape[i] != dims[i])
      st = PV_ERROR(PV_EINVAL, "%s: dataset %s axis %d is %llu, the appended block %zu", f->path,
                    name, i, (unsigned long long)dims[i], v->shape[i]);
  size_t off[PV_MAX_DIMS] = {0};
  off[0] = (size_t)dims[0];
  if (!st) {
    dims[0] += v->shape[0];
    if (H5Dset_extent(dset, dims) < 0) st = pv_h5_fail(f, PV_EIO, "cannot extend dataset %s", name);
  }
  if (!st) st = block_io(f, name, dset, off, v, 1);
  if (!st && first) *first = off[0];
  H5Dclose(dset);
  return st;
}
