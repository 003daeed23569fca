/* ns_dataset_read.c - reading NS dataset files and exporting them to .npy
 * (through parseval/h5.h). */
#include "ns_internal.h"

#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/h5.h>
#include <parseval/npy.h>

typedef struct ds_file {
  pv_h5 *f;
  size_t dims[PV_MAX_DIMS];
  pv_ns_dataset_info info;
} ds_file;

/* Open and describe path (checks format, shape, done flags). */
static int ds_open(const char *path, ds_file *d) {
  memset(d, 0, sizeof *d);
  if (!path) return PV_ERROR(PV_EINVAL, "NS dataset: path is NULL");
  int rc = pv_h5_open(path, &d->f);
  if (rc) return rc;
  char *fmt = NULL;
  if (pv_h5_get_attr_string(d->f, "/", "format", &fmt) || strcmp(fmt, "parseval-ns-dataset") != 0)
    rc = PV_ERROR(PV_EFORMAT, "%s: not a parseval NS dataset (attribute format)", path);
  pv_free(fmt);
  int nd = 0;
  pv_dtype t = PV_F64;
  if (!rc && (pv_h5_dataset_info(d->f, "vorticity", &t, &nd, d->dims) || nd != 4 ||
              d->dims[2] != d->dims[3] || (t != PV_F32 && t != PV_F64) || d->dims[0] > (1u << 24) ||
              d->dims[1] > (1u << 30) || d->dims[2] > (1u << 16)))
    rc = PV_ERROR(PV_EFORMAT, "%s: dataset vorticity missing or not [samples, t, r, r] real", path);
  unsigned char *fl = rc ? NULL : pv_calloc(d->dims[0] ? d->dims[0] : 1, 1);
  if (!rc && !fl) rc = PV_ERROR(PV_ENOMEM, "NS dataset flags");
  pv_view fv;
  size_t z[1] = {0};
  if (!rc) rc = pv_view_init(&fv, fl, PV_U8, 1, d->dims);
  if (!rc && pv_h5_read_slab(d->f, "done", z, &fv))
    rc = PV_ERROR(PV_EFORMAT, "%s: dataset done missing or shorter than %zu samples", path, d->dims[0]);
  d->info.struct_size = sizeof d->info;
  d->info.samples = (int)d->dims[0];
  d->info.times = (int)d->dims[1];
  d->info.res = (int)d->dims[2];
  d->info.dtype = t;
  d->info.complete = !rc;
  for (size_t i = 0; i < d->dims[0] && !rc; i++) d->info.complete &= fl[i] != 0;
  pv_free(fl);
  if (rc) pv_h5_close(&d->f);
  return rc;
}

int pv_ns_dataset_info_read(const char *path, pv_ns_dataset_info *info) {
  if (!info || info->struct_size < sizeof *info)
    return PV_ERROR(PV_EINVAL, "pv_ns_dataset_info: bad struct_size");
  ds_file d;
  int rc = ds_open(path, &d);
  if (rc) return rc;
  *info = d.info;
  pv_h5_close(&d.f);
  return PV_OK;
}

int pv_ns_dataset_read_sample(const char *path, int s, double *w) {
  ds_file d;
  int rc = ds_open(path, &d);
  if (rc) return rc;
  if (!w || s < 0 || s >= d.info.samples) {
    pv_h5_close(&d.f);
    return PV_ERROR(PV_EINVAL, "%s: sample %d outside [0, %d)", path, s, d.info.samples);
  }
  size_t off[4] = {(size_t)s, 0, 0, 0}, cnt[4] = {1, d.dims[1], d.dims[2], d.dims[3]};
  pv_view v;
  rc = pv_view_init(&v, w, PV_F64, 4, cnt);
  if (!rc) rc = pv_h5_read_slab(d.f, "vorticity", off, &v);
  pv_h5_close(&d.f);
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
  size_t off[4] = {0, (size_t)t_begin, 0, 0};
  if (!rc) rc = pv_h5_read_slab(d.f, "vorticity", off, pv_array_view(a));
  pv_h5_close(&d.f);
  pv_view v;
  static const int perm[4] = {0, 2, 3, 1}; /* [N, T, X, Y] -> [N, X, Y, T] */
  if (!rc) rc = pv_view_permute(pv_array_view(a), perm, &v);
  if (!rc) rc = pv_npy_write(out, &v, prov, overwrite);
  pv_array_destroy(&a);
  return rc;
}
