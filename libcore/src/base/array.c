/* N-d arrays (owning, C order) and strided views (borrowed). */
#include <parseval/alloc.h>
#include <parseval/array.h>
#include <parseval/error.h>

#include <stdint.h>
#include <string.h>

static const size_t dtype_sizes[PV_DTYPE_COUNT] = {1, 2, 2, 4, 4, 8, 4, 8, 8, 16};
static const char *const dtype_names[PV_DTYPE_COUNT] = {"u8",  "i16", "u16", "i32", "u32",
                                                        "i64", "f32", "f64", "c64", "c128"};

size_t pv_dtype_size(pv_dtype t) { return (unsigned)t < PV_DTYPE_COUNT ? dtype_sizes[t] : 0; }
const char *pv_dtype_name(pv_dtype t) { return (unsigned)t < PV_DTYPE_COUNT ? dtype_names[t] : "?"; }

static int count_checked(int ndim, const size_t shape[], size_t elem, size_t *count) {
  size_t n = 1;
  for (int i = 0; i < ndim; i++) {
    if (shape[i] && n > SIZE_MAX / shape[i])
      return PV_ERROR(PV_EINVAL, "array shape overflows size_t at axis %d", i);
    n *= shape[i];
  }
  if (elem && n > SIZE_MAX / elem) return PV_ERROR(PV_EINVAL, "array of %zu elements overflows", n);
  *count = n;
  return PV_OK;
}

int pv_view_init(pv_view *v, void *data, pv_dtype dtype, int ndim, const size_t shape[]) {
  if (!v || ndim < 0 || ndim > PV_MAX_DIMS || (ndim && !shape) || !pv_dtype_size(dtype))
    return PV_ERROR(PV_EINVAL, "pv_view_init: ndim = %d (max %d) or dtype %d invalid", ndim,
                    PV_MAX_DIMS, (int)dtype);
  size_t count;
  int st = count_checked(ndim, shape, pv_dtype_size(dtype), &count);
  if (st) return st;
  memset(v, 0, sizeof *v);
  v->data = data;
  v->dtype = dtype;
  v->ndim = ndim;
  ptrdiff_t stride = 1;
  for (int i = ndim - 1; i >= 0; i--) {
    v->shape[i] = shape[i];
    v->strides[i] = stride;
    size_t s = shape[i] ? shape[i] : 1; /* a 0 axis leaves the others' strides as if it were 1 */
    if (i > 0 && s > (size_t)PTRDIFF_MAX / (size_t)stride)
      return PV_ERROR(PV_EINVAL, "pv_view_init: strides overflow at axis %d (shape %zu)", i, shape[i]);
    stride *= (ptrdiff_t)s;
  }
  return PV_OK;
}

size_t pv_view_count(const pv_view *v) {
  size_t n = 1;
  for (int i = 0; i < v->ndim; i++) n *= v->shape[i];
  return n;
}

int pv_view_is_contiguous(const pv_view *v) {
  ptrdiff_t expect = 1;
  for (int i = v->ndim - 1; i >= 0; i--) {
    if (v->shape[i] != 1 && v->strides[i] != expect) return 0;
    expect *= (ptrdiff_t)v->shape[i];
  }
  return 1;
}

void *pv_view_at(const pv_view *v, const size_t idx[]) {
  ptrdiff_t off = 0;
  for (int i = 0; i < v->ndim; i++) off += (ptrdiff_t)idx[i] * v->strides[i];
  return (char *)v->data + off * (ptrdiff_t)pv_dtype_size(v->dtype);
}

int pv_view_slice(const pv_view *v, int axis, size_t start, size_t stop, size_t step, pv_view *out) {
  if (!v || !out || axis < 0 || axis >= v->ndim || step == 0)
    return PV_ERROR(PV_EINVAL, "pv_view_slice: axis %d or step %zu invalid", axis, step);
  if (stop > v->shape[axis]) stop = v->shape[axis];
  if (start > stop)
    return PV_ERROR(PV_EINVAL, "pv_view_slice: start %zu beyond end %zu of axis %d", start, stop, axis);
  pv_view r = *v;
  size_t idx[PV_MAX_DIMS] = {0};
  idx[axis] = start;
  r.data = start < v->shape[axis] ? pv_view_at(v, idx) : v->data;
  r.shape[axis] = (stop - start + step - 1) / step;
  r.strides[axis] = v->strides[axis] * (ptrdiff_t)step;
  *out = r;
  return PV_OK;
}

int pv_view_permute(const pv_view *v, const int perm[], pv_view *out) {
  if (!v || !perm || !out) return PV_ERROR(PV_EINVAL, "pv_view_permute: NULL argument");
  int seen[PV_MAX_DIMS] = {0};
  pv_view r = *v;
  for (int i = 0; i < v->ndim; i++) {
    if (perm[i] < 0 || perm[i] >= v->ndim || seen[perm[i]]++)
      return PV_ERROR(PV_EINVAL, "pv_view_permute: perm[%d] = %d is not a permutation", i, perm[i]);
    r.shape[i] = v->shape[perm[i]];
    r.strides[i] = v->strides[perm[i]];
  }
  *out = r;
  return PV_OK;
}

static int is_complex(pv_dtype t) { return t == PV_C64 || t == PV_C128; }

static double load_real(const void *p, pv_dtype t) {
  switch (t) {
  case PV_U8: return *(const uint8_t *)p;
  case PV_I16: return *(const int16_t *)p;
  case PV_U16: return *(const uint16_t *)p;
  case PV_I32: return *(const int32_t *)p;
  case PV_U32: return *(const uint32_t *)p;
  case PV_I64: return (double)*(const int64_t *)p;
  case PV_F32: return *(const float *)p;
  default: return *(const double *)p;
  }
}

static void store_real(void *p, pv_dtype t, double x) {
  switch (t) {
  case PV_U8: *(uint8_t *)p = (uint8_t)x; break;
  case PV_I16: *(int16_t *)p = (int16_t)x; break;
  case PV_U16: *(uint16_t *)p = (uint16_t)x; break;
  case PV_I32: *(int32_t *)p = (int32_t)x; break;
  case PV_U32: *(uint32_t *)p = (uint32_t)x; break;
  case PV_I64: *(int64_t *)p = (int64_t)x; break;
  case PV_F32: *(float *)p = (float)x; break;
  default: *(double *)p = x; break;
  }
}

static int copy_checks(const pv_view *dst, const pv_view *src) {
  if (!dst || !src || dst->ndim != src->ndim)
    return PV_ERROR(PV_EINVAL, "pv_view_copy: ndim %d vs %d", dst ? dst->ndim : -1, src ? src->ndim : -1);
  for (int i = 0; i < dst->ndim; i++)
    if (dst->shape[i] != src->shape[i])
      return PV_ERROR(PV_EINVAL, "pv_view_copy: axis %d has %zu vs %zu elements", i, dst->shape[i], src->shape[i]);
  if (dst->dtype != src->dtype && (is_complex(dst->dtype) || is_complex(src->dtype)))
    return PV_ERROR(PV_EINVAL, "pv_view_copy: cannot convert %s to %s", pv_dtype_name(src->dtype),
                    pv_dtype_name(dst->dtype));
  return PV_OK;
}

int pv_view_copy(const pv_view *dst, const pv_view *src) {
  int st = copy_checks(dst, src);
  if (st) return st;
  size_t n = pv_view_count(src), es = pv_dtype_size(src->dtype);
  size_t idx[PV_MAX_DIMS] = {0};
  for (size_t k = 0; k < n; k++) {
    const void *s = pv_view_at(src, idx);
    void *d = pv_view_at(dst, idx);
    if (dst->dtype == src->dtype)
      memcpy(d, s, es);
    else
      store_real(d, dst->dtype, load_real(s, src->dtype));
    for (int a = src->ndim - 1; a >= 0; a--) { /* odometer increment */
      if (++idx[a] < src->shape[a]) break;
      idx[a] = 0;
    }
  }
  return PV_OK;
}

struct pv_array {
  pv_view view;
};

int pv_array_create(pv_dtype dtype, int ndim, const size_t shape[], pv_array **out) {
  if (!out) return PV_ERROR(PV_EINVAL, "pv_array_create: out is NULL");
  *out = NULL;
  pv_view v;
  int st = pv_view_init(&v, NULL, dtype, ndim, shape);
  if (st) return st;
  pv_array *a = pv_malloc(sizeof *a);
  if (!a) return PV_ENOMEM;
  v.data = pv_calloc(pv_view_count(&v), pv_dtype_size(dtype));
  if (!v.data) {
    pv_free(a);
    return PV_ENOMEM;
  }
  a->view = v;
  *out = a;
  return PV_OK;
}

void pv_array_destroy(pv_array **a) {
  if (!a || !*a) return;
  pv_free((*a)->view.data);
  pv_free(*a);
  *a = NULL;
}

const pv_view *pv_array_view(const pv_array *a) { return a ? &a->view : NULL; }
void *pv_array_data(const pv_array *a) { return a ? a->view.data : NULL; }
