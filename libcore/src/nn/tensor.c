/* tensor.c - dense float/double tensors with shapes and strides. */
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/nn.h>

static int header(pv_dtype dt, int ndim, const size_t shape[], pv_nn_tensor *t, size_t *count) {
  if (dt != PV_F32 && dt != PV_F64)
    return PV_ERROR(PV_EINVAL, "pv_nn_tensor: dtype %s must be f32 or f64", pv_dtype_name(dt));
  if (ndim < 0 || ndim > 6 || (ndim > 0 && !shape))
    return PV_ERROR(PV_EINVAL, "pv_nn_tensor: ndim %d must be 0..6", ndim);
  memset(t, 0, sizeof *t);
  t->dtype = dt;
  t->ndim = ndim;
  size_t n = 1;
  for (int i = ndim - 1; i >= 0; i--) {
    if (shape[i] && n > ((size_t)1 << 40) / shape[i])
      return PV_ERROR(PV_EINVAL, "pv_nn_tensor: shape too large at axis %d", i);
    t->shape[i] = shape[i];
    t->strides[i] = (ptrdiff_t)n;
    n *= shape[i];
  }
  *count = n;
  return PV_OK;
}

int pv_nn_tensor_create(pv_dtype dt, int ndim, const size_t shape[], pv_nn_tensor **out) {
  if (!out) return PV_ERROR(PV_EINVAL, "pv_nn_tensor_create: out is NULL");
  *out = NULL;
  pv_nn_tensor h;
  size_t n = 0;
  int st = header(dt, ndim, shape, &h, &n);
  if (st) return st;
  pv_nn_tensor *t = pv_malloc(sizeof *t);
  if (!t) return PV_ERROR(PV_ENOMEM, "pv_nn_tensor_create: header");
  *t = h;
  t->data = pv_calloc(n ? n : 1, pv_dtype_size(dt));
  if (!t->data) {
    pv_free(t);
    return PV_ERROR(PV_ENOMEM, "pv_nn_tensor_create: %zu elements", n);
  }
  t->owns = 1;
  *out = t;
  return PV_OK;
}

int pv_nn_tensor_wrap(pv_dtype dt, int ndim, const size_t shape[], void *data, pv_nn_tensor *t) {
  if (!t || !data) return PV_ERROR(PV_EINVAL, "pv_nn_tensor_wrap: NULL argument");
  size_t n = 0;
  int st = header(dt, ndim, shape, t, &n);
  if (st) return st;
  t->data = data;
  t->owns = 0;
  return PV_OK;
}

void pv_nn_tensor_destroy(pv_nn_tensor **pt) {
  if (!pt || !*pt) return;
  if ((*pt)->owns) pv_free((*pt)->data);
  pv_free(*pt);
  *pt = NULL;
}

size_t pv_nn_tensor_numel(const pv_nn_tensor *t) {
  if (!t) return 0;
  size_t n = 1;
  for (int i = 0; i < t->ndim; i++) n *= t->shape[i];
  return n;
}
