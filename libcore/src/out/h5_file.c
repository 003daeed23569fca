/* HDF5 file handles: written through a temporary file, read read-only. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>

#include "out/h5_internal.h"

/* Quiet HDF5's default printing; errors are read from the stack instead. */
static void h5_quiet(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

static herr_t first_desc(unsigned n, const H5E_error2_t *e, void *user) {
  char *msg = user;
  if (n == 0 && e && e->desc) snprintf(msg, 256, "%s", e->desc);
  return 0;
}

int pv_h5_fail(const pv_h5 *f, int code, const char *fmt, ...) {
  char what[512], detail[256] = "";
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, first_desc, detail);
  H5Eclear2(H5E_DEFAULT);
  return pv_error(code, __FILE__, __LINE__, "%s: %s%s%s%s", f && f->path ? f->path : "(hdf5)",
                  what, detail[0] ? " (HDF5: " : "", detail, detail[0] ? ")" : "");
}

static int handle_new(const char *path, pv_h5 **out) {
  *out = pv_calloc(1, sizeof **out);
  if (!*out) return PV_ENOMEM;
  (*out)->file = H5I_INVALID_HID;
  (*out)->path = pv_strdup(path);
  if (!(*out)->path) {
    pv_free(*out);
    *out = NULL;
    return PV_ENOMEM;
  }
  return 0;
}

int pv_h5_create(const char *path, int overwrite, pv_h5 **out) {
  if (!path || !out) return PV_ERROR(PV_EINVAL, "pv_h5_create: NULL argument");
  *out = NULL;
  h5_quiet();
  pv_h5 *f = NULL;
  int st = handle_new(path, &f);
  if (!st) st = pv_fileout_open(path, overwrite, &f->out);
  if (!st) {
    f->file = H5Fcreate(pv_fileout_tmp_path(f->out), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f->file < 0) st = pv_h5_fail(f, PV_EIO, "cannot create HDF5 file");
    f->writable = 1;
  }
  if (st) pv_h5_close(&f);
  *out = f;
  return st;
}

int pv_h5_commit(pv_h5 **pf) {
  if (!pf || !*pf || !(*pf)->out) return PV_ERROR(PV_EINVAL, "pv_h5_commit: not a file being written");
  pv_h5 *f = *pf;
  int st = 0;
  if (H5Fclose(f->file) < 0) st = pv_h5_fail(f, PV_EIO, "closing the file failed");
  f->file = H5I_INVALID_HID;
  if (!st) st = pv_fileout_commit(&f->out);
  pv_h5_close(pf);
  return st;
}

/* Open an existing file read-only or read-write (in place). */
static int open_existing(const char *path, int rw, pv_h5 **out) {
  if (!path || !out) return PV_ERROR(PV_EINVAL, "pv_h5_open: NULL argument");
  *out = NULL;
  h5_quiet();
  pv_h5 *f = NULL;
  int st = handle_new(path, &f);
  if (st) return st;
  FILE *probe = fopen(path, "rb");
  if (!probe) {
    pv_h5_close(&f);
    return PV_ERROR(PV_ENOTFOUND, "%s: cannot open", path);
  }
  fclose(probe);
  if (H5Fis_hdf5(path) <= 0) { /* refuse before HDF5 opens (or touches) it */
    st = pv_h5_fail(f, PV_EFORMAT, "not an HDF5 file (no HDF5 signature)");
    pv_h5_close(&f);
    return st;
  }
  f->file = H5Fopen(path, rw ? H5F_ACC_RDWR : H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f->file < 0) {
    st = pv_h5_fail(f, PV_EFORMAT, rw ? "cannot open the HDF5 file for writing (damaged or "
                                        "read-only)" : "not a readable HDF5 file");
    pv_h5_close(&f);
    return st;
  }
  f->writable = rw;
  *out = f;
  return 0;
}

int pv_h5_open(const char *path, pv_h5 **out) { return open_existing(path, 0, out); }
int pv_h5_open_rw(const char *path, pv_h5 **out) { return open_existing(path, 1, out); }

int pv_h5_flush(pv_h5 *f) {
  if (!f || !f->writable) return PV_ERROR(PV_EINVAL, "pv_h5_flush: not a file being written");
  if (H5Fflush(f->file, H5F_SCOPE_GLOBAL) < 0) return pv_h5_fail(f, PV_EIO, "flush failed");
  return 0;
}

void pv_h5_close(pv_h5 **pf) {
  if (!pf || !*pf) return;
  pv_h5 *f = *pf;
  if (f->file >= 0) H5Fclose(f->file);
  H5Eclear2(H5E_DEFAULT);
  pv_fileout_abort(&f->out);
  pv_free(f->path);
  pv_free(f);
  *pf = NULL;
}

hid_t pv_h5_file_type(pv_dtype t) {
  switch (t) {
  case PV_U8: return H5T_STD_U8LE;
  case PV_I16: return H5T_STD_I16LE;
  case PV_U16: return H5T_STD_U16LE;
  case PV_I32: return H5T_STD_I32LE;
  case PV_U32: return H5T_STD_U32LE;
  case PV_I64: return H5T_STD_I64LE;
  case PV_F32: return H5T_IEEE_F32LE;
  case PV_F64: return H5T_IEEE_F64LE;
  default: return H5I_INVALID_HID;
  }
}

hid_t pv_h5_mem_type(pv_dtype t) {
  switch (t) {
  case PV_U8: return H5T_NATIVE_UINT8;
  case PV_I16: return H5T_NATIVE_INT16;
  case PV_U16: return H5T_NATIVE_UINT16;
  case PV_I32: return H5T_NATIVE_INT32;
  case PV_U32: return H5T_NATIVE_UINT32;
  case PV_I64: return H5T_NATIVE_INT64;
  case PV_F32: return H5T_NATIVE_FLOAT;
  case PV_F64: return H5T_NATIVE_DOUBLE;
  default: return H5I_INVALID_HID;
  }
}

int pv_h5_exists(const pv_h5 *f, const char *name) {
  if (strcmp(name, "/") == 0) return 1;
  char buf[1024];
  if (!name[0] || strlen(name) >= sizeof buf) return 0;
  strcpy(buf, name);
  /* check every prefix: H5Lexists fails on a missing intermediate group */
  for (char *p = buf + 1; ; p++) {
    if (*p == '/' || *p == '\0') {
      char c = *p;
      *p = '\0';
      if (H5Lexists(f->file, buf, H5P_DEFAULT) <= 0) return 0;
      *p = c;
      if (c == '\0') return 1;
    }
  }
}
