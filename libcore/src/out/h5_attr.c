/* HDF5 attributes (string, double, int64) and provenance attributes. */
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>

#include "out/h5_internal.h"

#define ATTR_MAX (64 * 1024 - 1024) /* compact attribute storage limit, with room for the header */

static int open_object(pv_h5 *f, const char *object, hid_t *obj) {
  if (!f || !object) return PV_ERROR(PV_EINVAL, "HDF5 attribute: NULL argument");
  if (!pv_h5_exists(f, object)) return PV_ERROR(PV_ENOTFOUND, "%s: no object %s", f->path, object);
  *obj = H5Oopen(f->file, object, H5P_DEFAULT);
  if (*obj < 0) return pv_h5_fail(f, PV_EFORMAT, "cannot open object %s", object);
  return 0;
}

/* Create (replacing) attribute name on object with a scalar of type ftype. */
static int put_attr(pv_h5 *f, const char *object, const char *name, hid_t ftype, hid_t mtype,
                    const void *value) {
  if (!f || !f->writable || !name || !*name)
    return PV_ERROR(PV_EINVAL, "HDF5 attribute: bad name or file not being written");
  hid_t obj = H5I_INVALID_HID;
  int st = open_object(f, object, &obj);
  if (st) return st;
  if (H5Aexists(obj, name) > 0 && H5Adelete(obj, name) < 0)
    st = pv_h5_fail(f, PV_EIO, "cannot replace attribute %s of %s", name, object);
  hid_t space = H5Screate(H5S_SCALAR), attr = H5I_INVALID_HID;
  if (!st) {
    attr = H5Acreate2(obj, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
    if (attr < 0) st = pv_h5_fail(f, PV_EIO, "cannot create attribute %s of %s", name, object);
  }
  if (!st && H5Awrite(attr, mtype, value) < 0)
    st = pv_h5_fail(f, PV_EIO, "cannot write attribute %s of %s", name, object);
  if (attr >= 0) H5Aclose(attr);
  H5Sclose(space);
  H5Oclose(obj);
  return st;
}

int pv_h5_set_attr_string(pv_h5 *f, const char *object, const char *name, const char *value) {
  if (!value) return PV_ERROR(PV_EINVAL, "HDF5 attribute %s: NULL value", name ? name : "?");
  size_t n = strlen(value);
  if (n > ATTR_MAX)
    return PV_ERROR(PV_EINVAL, "%s: attribute %s of %s: %zu bytes exceed %d",
                    f ? f->path : "?", name ? name : "?", object ? object : "?", n, ATTR_MAX);
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, n + 1);
  H5Tset_strpad(t, H5T_STR_NULLTERM);
  H5Tset_cset(t, H5T_CSET_UTF8);
  int st = put_attr(f, object, name, t, t, value);
  H5Tclose(t);
  return st;
}

int pv_h5_set_attr_double(pv_h5 *f, const char *object, const char *name, double value) {
  return put_attr(f, object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}

int pv_h5_set_attr_int(pv_h5 *f, const char *object, const char *name, int64_t value) {
  return put_attr(f, object, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value);
}

int pv_h5_set_provenance(pv_h5 *f, const char *object, const pv_provenance *p) {
  if (!p) return PV_ERROR(PV_EINVAL, "pv_h5_set_provenance: NULL record");
  int st = 0;
  for (size_t i = 0; i < pv_provenance_count(p) && !st; i++) {
    const char *k, *v;
    pv_provenance_pair(p, i, &k, &v);
    st = pv_h5_set_attr_string(f, object, k, v);
  }
  char *json = NULL;
  if (!st) st = pv_provenance_json_text(p, &json);
  if (!st) st = pv_h5_set_attr_string(f, object, "parseval.provenance", json);
  pv_free(json);
  return st;
}

/* Open attribute name of object for reading. */
static int get_attr(pv_h5 *f, const char *object, const char *name, hid_t *obj, hid_t *attr) {
  int st = open_object(f, object, obj);
  if (st) return st;
  if (!name || H5Aexists(*obj, name) <= 0) {
    H5Oclose(*obj);
    H5Eclear2(H5E_DEFAULT);
    return PV_ERROR(PV_ENOTFOUND, "%s: object %s has no attribute %s", f->path, object,
                    name ? name : "(null)");
  }
  *attr = H5Aopen(*obj, name, H5P_DEFAULT);
  if (*attr < 0) {
    H5Oclose(*obj);
    return pv_h5_fail(f, PV_EFORMAT, "cannot open attribute %s of %s", name, object);
  }
  return 0;
}

static int read_string(pv_h5 *f, const char *name, hid_t attr, hid_t type, char **value) {
  if (H5Tis_variable_str(type) > 0) {
    char *s = NULL;
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_size(mt, H5T_VARIABLE);
    H5Tset_cset(mt, H5Tget_cset(type));
    int st = H5Aread(attr, mt, &s) < 0 ? pv_h5_fail(f, PV_EFORMAT, "attribute %s unreadable", name) : 0;
    if (!st && !(*value = pv_strdup(s ? s : ""))) st = PV_ENOMEM;
    if (s) H5free_memory(s);
    H5Tclose(mt);
    return st;
  }
  size_t n = H5Tget_size(type);
  char *buf = pv_calloc(n + 1, 1);
  if (!buf) return PV_ENOMEM;
  if (H5Aread(attr, type, buf) < 0) {
    pv_free(buf);
    return pv_h5_fail(f, PV_EFORMAT, "attribute %s unreadable", name);
  }
  *value = buf;
  return 0;
}

int pv_h5_get_attr_string(pv_h5 *f, const char *object, const char *name, char **value) {
  if (!value) return PV_ERROR(PV_EINVAL, "pv_h5_get_attr_string: NULL out");
  *value = NULL;
  hid_t obj, attr;
  int st = get_attr(f, object, name, &obj, &attr);
  if (st) return st;
  hid_t type = H5Aget_type(attr);
  if (H5Tget_class(type) != H5T_STRING)
    st = PV_ERROR(PV_EFORMAT, "%s: attribute %s of %s is not a string", f->path, name, object);
  else
    st = read_string(f, name, attr, type, value);
  H5Tclose(type);
  H5Aclose(attr);
  H5Oclose(obj);
  return st;
}

static int get_number(pv_h5 *f, const char *object, const char *name, hid_t mtype, void *value) {
  hid_t obj, attr;
  int st = get_attr(f, object, name, &obj, &attr);
  if (st) return st;
  hid_t type = H5Aget_type(attr), space = H5Aget_space(attr);
  H5T_class_t c = H5Tget_class(type);
  if ((c != H5T_INTEGER && c != H5T_FLOAT) || H5Sget_simple_extent_npoints(space) != 1)
    st = PV_ERROR(PV_EFORMAT, "%s: attribute %s of %s is not a numeric scalar", f->path, name, object);
  else if (H5Aread(attr, mtype, value) < 0)
    st = pv_h5_fail(f, PV_EFORMAT, "attribute %s of %s unreadable", name, object);
  H5Sclose(space);
  H5Tclose(type);
  H5Aclose(attr);
  H5Oclose(obj);
  return st;
}

int pv_h5_get_attr_double(pv_h5 *f, const char *object, const char *name, double *value) {
  return get_number(f, object, name, H5T_NATIVE_DOUBLE, value);
}

int pv_h5_get_attr_int(pv_h5 *f, const char *object, const char *name, int64_t *value) {
  return get_number(f, object, name, H5T_NATIVE_INT64, value);
}
