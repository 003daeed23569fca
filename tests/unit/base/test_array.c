/* N-d arrays and strided views: indexing, slicing, permuting, copying. */
#include "pv_test.h"

#include <stdint.h>

static void test_create_and_index(void) {
  size_t shape[3] = {2, 3, 4};
  pv_array *a = NULL;
  CHECK_OK(pv_array_create(PV_F64, 3, shape, &a));
  const pv_view *v = pv_array_view(a);
  CHECK_EQ_INT(pv_view_count(v), 24);
  CHECK(pv_view_is_contiguous(v));
  CHECK_EQ_INT(v->strides[0], 12);
  double *d = pv_array_data(a);
  for (int i = 0; i < 24; i++) d[i] = i;
  size_t idx[3] = {1, 2, 3};
  CHECK(*(double *)pv_view_at(v, idx) == 23);
  pv_array_destroy(&a);
  CHECK(a == NULL);
  pv_array_destroy(&a);
}

static void test_slice_permute_copy(void) {
  double src[3 * 4];
  for (int i = 0; i < 12; i++) src[i] = i;
  pv_view v, s, t;
  size_t shape[2] = {3, 4};
  CHECK_OK(pv_view_init(&v, src, PV_F64, 2, shape));
  CHECK_OK(pv_view_slice(&v, 1, 1, 99, 2, &s)); /* columns 1, 3 */
  CHECK_EQ_INT(s.shape[1], 2);
  CHECK(!pv_view_is_contiguous(&s));
  size_t i21[2] = {2, 1};
  CHECK(*(double *)pv_view_at(&s, i21) == 11);
  int perm[2] = {1, 0};
  CHECK_OK(pv_view_permute(&v, perm, &t)); /* transpose */
  size_t i30[2] = {3, 0};
  CHECK(*(double *)pv_view_at(&t, i30) == 3);
  float dst[12];
  pv_view dv;
  size_t tshape[2] = {4, 3};
  CHECK_OK(pv_view_init(&dv, dst, PV_F32, 2, tshape));
  CHECK_OK(pv_view_copy(&dv, &t));
  for (int r = 0; r < 4; r++)
    for (int c = 0; c < 3; c++) CHECK(dst[r * 3 + c] == (float)src[c * 4 + r]);
  int bad[2] = {0, 0};
  CHECK_STATUS(pv_view_permute(&v, bad, &t), PV_EINVAL);
  CHECK_STATUS(pv_view_copy(&dv, &v), PV_EINVAL);
  CHECK_STATUS(pv_view_slice(&v, 2, 0, 1, 1, &s), PV_EINVAL);
}

static void test_bad_shapes(void) {
  size_t huge[2] = {SIZE_MAX / 2, 4};
  pv_array *a = NULL;
  CHECK_STATUS(pv_array_create(PV_F64, 2, huge, &a), PV_EINVAL);
  CHECK(a == NULL);
  CHECK_STATUS(pv_array_create(PV_F64, PV_MAX_DIMS + 1, huge, &a), PV_EINVAL);
  CHECK_STATUS(pv_array_create((pv_dtype)99, 1, huge, &a), PV_EINVAL);
  CHECK_EQ_INT(pv_dtype_size(PV_C128), 16);
  /* A zero axis makes the count 0, but the strides of the others still overflow. */
  size_t zero_huge[3] = {0, SIZE_MAX / 2, SIZE_MAX / 2};
  pv_view v;
  CHECK_STATUS(pv_view_init(&v, NULL, PV_F64, 3, zero_huge), PV_EINVAL);
}

PV_TEST_MAIN(PV_CASE(test_create_and_index), PV_CASE(test_slice_permute_copy), PV_CASE(test_bad_shapes))
