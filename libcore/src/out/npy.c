/* .npy reading (file and memory) and atomic writing with a provenance sidecar. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/fileout.h>
#include <parseval/json.h>

#include "out/npy_internal.h"

static void swap_bytes(unsigned char *p, size_t bytes, size_t unit) {
  for (size_t off = 0; off + unit <= bytes; off += unit)
    for (size_t a = 0, b = unit - 1; a < b; a++, b--) {
      unsigned char t = p[off + a];
      p[off + a] = p[off + b];
      p[off + b] = t;
    }
}

static int host_big(void) {
  const unsigned short one = 1;
  return *(const unsigned char *)&one == 0;
}

int pv_npy_decode(unsigned char *data, const pv_npy_info *info, pv_array *out) {
  pv_dtype t = info->dtype;
  size_t unit = (t == PV_C64 || t == PV_C128) ? pv_dtype_size(t) / 2 : pv_dtype_size(t);
  if (info->big_endian != host_big() && unit > 1) swap_bytes(data, info->data_bytes, unit);
  if (!info->fortran_order || info->ndim < 2) {
    memcpy(pv_array_data(out), data, info->data_bytes);
    return 0;
  }
  pv_view src = *pv_array_view(out);
  src.data = data;
  ptrdiff_t stride = 1; /* column-major: first axis fastest */
  for (int i = 0; i < src.ndim; i++) {
    src.strides[i] = stride;
    stride *= (ptrdiff_t)(src.shape[i] ? src.shape[i] : 1);
  }
  return pv_view_copy(pv_array_view(out), &src);
}

int pv_npy_read_mem(const void *buf, size_t n, const char *name, pv_array **out) {
  if (!out) return PV_ERROR(PV_EINVAL, "pv_npy_read_mem: NULL out");
  *out = NULL;
  pv_npy_info info;
  int st = pv_npy_parse(buf, n, name, &info);
  if (st) return st;
  unsigned char *copy = pv_malloc(info.data_bytes);
  if (!copy) return PV_ENOMEM;
  memcpy(copy, (const unsigned char *)buf + info.data_offset, info.data_bytes);
  st = pv_array_create(info.dtype, info.ndim, info.shape, out);
  if (!st) st = pv_npy_decode(copy, &info, *out);
  if (st) pv_array_destroy(out);
  pv_free(copy);
  return st;
}

/* Open path and parse its header; *fp positioned at the data. */
static int open_info(const char *path, FILE **fp, pv_npy_info *info) {
  if (!path) return PV_ERROR(PV_EINVAL, "npy reader: NULL path");
  FILE *f = fopen(path, "rb");
  if (!f)
    return PV_ERROR(errno == ENOENT ? PV_ENOTFOUND : PV_EIO, "%s: cannot open: %s", path,
                    strerror(errno));
  struct stat sb;
  if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
    fclose(f);
    return PV_ERROR(PV_EIO, "%s: not a regular file", path);
  }
  size_t size = (size_t)sb.st_size, want = 12 + PV_NPY_MAX_HEADER;
  unsigned char *head = pv_malloc(want);
  if (!head) { fclose(f); return PV_ENOMEM; }
  size_t got = fread(head, 1, size < want ? size : want, f);
  int st = pv_npy_parse_prefix(head, got, size, path, info);
  pv_free(head);
  if (!st && fseek(f, (long)info->data_offset, SEEK_SET) != 0)
    st = PV_ERROR(PV_EIO, "%s: cannot seek to the data", path);
  if (st) fclose(f);
  else *fp = f;
  return st;
}

int pv_npy_read_info(const char *path, pv_npy_info *info) {
  FILE *f = NULL;
  int st = open_info(path, &f, info);
  if (f) fclose(f);
  return st;
}

int pv_npy_read(const char *path, pv_array **out) {
  if (!out) return PV_ERROR(PV_EINVAL, "pv_npy_read: NULL out");
  *out = NULL;
  FILE *f = NULL;
  pv_npy_info info;
  int st = open_info(path, &f, &info);
  if (st) return st;
  unsigned char *data = pv_malloc(info.data_bytes);
  st = data ? pv_array_create(info.dtype, info.ndim, info.shape, out) : PV_ENOMEM;
  if (!st && fread(data, 1, info.data_bytes, f) != info.data_bytes)
    st = PV_ERROR(PV_EIO, "%s: read error in the data", path);
  if (!st) st = pv_npy_decode(data, &info, *out);
  if (st) pv_array_destroy(out);
  pv_free(data);
  fclose(f);
  return st;
}
