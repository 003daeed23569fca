/* .npy writer: C-order native data gathered from any strided view, hashed
 * while written, committed atomically together with its JSON sidecar. */
#include <stdio.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/fileout.h>
#include <parseval/json.h>
#include <parseval/npy.h>

#include "out/npy_internal.h"

static int put(FILE *f, pv_sha256_state *h, const void *p, size_t n, const char *path) {
  pv_sha256_update(h, p, n);
  if (n && fwrite(p, 1, n, f) != n) return PV_ERROR(PV_EIO, "%s: write failed", path);
  return 0;
}

/* Elements of v in C order, through a 64 KiB staging buffer. */
static int put_elements(FILE *f, pv_sha256_state *h, const pv_view *v, const char *path) {
  size_t es = pv_dtype_size(v->dtype), n = pv_view_count(v);
  if (pv_view_is_contiguous(v)) return put(f, h, v->data, n * es, path);
  unsigned char *buf = pv_malloc(1 << 16);
  if (!buf) return PV_ENOMEM;
  size_t idx[PV_MAX_DIMS] = {0}, fill = 0;
  int st = 0;
  for (size_t k = 0; k < n && !st; k++) {
    memcpy(buf + fill, pv_view_at(v, idx), es);
    fill += es;
    if (fill + es > (1 << 16) || k + 1 == n) {
      st = put(f, h, buf, fill, path);
      fill = 0;
    }
    for (int a = v->ndim - 1; a >= 0; a--) {
      if (++idx[a] < v->shape[a]) break;
      idx[a] = 0;
    }
  }
  pv_free(buf);
  return st;
}

static const char *base_name(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

static int write_sidecar(const char *side, const char *path, const pv_view *v,
                         const char *hex, const pv_provenance *prov, int overwrite) {
  pv_json *j = NULL;
  int st = pv_json_create(2, &j);
  if (st) return st;
  pv_json_object_begin(j);
  pv_json_kv_string(j, "file", base_name(path));
  pv_json_kv_string(j, "descr", pv_npy_descr(v->dtype));
  pv_json_key(j, "shape");
  pv_json_array_begin(j);
  for (int i = 0; i < v->ndim; i++) pv_json_uint(j, v->shape[i]);
  pv_json_array_end(j);
  pv_json_kv_string(j, "sha256", hex);
  pv_json_key(j, "provenance");
  pv_provenance_to_json(prov, j);
  pv_json_object_end(j);
  st = pv_json_write_file(j, side, overwrite);
  pv_json_destroy(&j);
  return st;
}

static int check_view(const char *path, const pv_view *v) {
  if (!path || !v) return PV_ERROR(PV_EINVAL, "pv_npy_write: NULL argument");
  if (!pv_npy_descr(v->dtype) || v->ndim < 0 || v->ndim > PV_MAX_DIMS)
    return PV_ERROR(PV_EINVAL, "%s: cannot write dtype %d with %d axes as .npy", path,
                    (int)v->dtype, v->ndim);
  if (!v->data && pv_view_count(v))
    return PV_ERROR(PV_EINVAL, "%s: view has no data", path);
  return 0;
}

int pv_npy_write(const char *path, const pv_view *v, const pv_provenance *prov, int overwrite) {
  int st = check_view(path, v);
  char *side = NULL, *header = NULL;
  pv_fileout *fo = NULL;
  if (!st && prov && !(st = pv_provenance_sidecar_path(path, &side)))
    st = pv_output_check(side, overwrite);
  if (!st) st = pv_npy_header_text(v->dtype, v->ndim, v->shape, 10, &header);
  if (!st) st = pv_fileout_open(path, overwrite, &fo);
  if (!st) {
    size_t hlen = strlen(header);
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                             (unsigned char)(hlen & 0xff), (unsigned char)(hlen >> 8)};
    pv_sha256_state h;
    pv_sha256_init(&h);
    FILE *f = pv_fileout_stream(fo);
    st = put(f, &h, pre, sizeof pre, path);
    if (!st) st = put(f, &h, header, hlen, path);
    if (!st) st = put_elements(f, &h, v, path);
    unsigned char d[32];
    char hex[65];
    pv_sha256_final(&h, d);
    pv_sha256_hex(d, hex);
    if (!st && side) st = write_sidecar(side, path, v, hex, prov, overwrite);
    if (!st) {
      st = pv_fileout_commit(&fo);
      if (st && side) remove(side); /* never leave a sidecar without its data */
    }
  }
  pv_fileout_abort(&fo);
  pv_free(header);
  pv_free(side);
  return st;
}
