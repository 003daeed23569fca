/* Allocator: alignment, overflow, and an allocation-failure countdown over
 * the base's create functions (every failure returns PV_ENOMEM and leaks
 * nothing). */
#include "pv_test.h"

#include <stdint.h>
#include <string.h>

static void test_alignment_and_overflow(void) {
  for (size_t n = 0; n < 200; n += 7) {
    void *p = pv_malloc(n);
    CHECK(p != NULL);
    CHECK(((uintptr_t)p % PV_ALIGN) == 0);
    pv_free(p);
  }
  CHECK(pv_calloc(SIZE_MAX / 2, 4) == NULL);
  CHECK_EQ_INT(pv_error_code(), PV_ENOMEM);
  pv_error_clear();
  double *z = pv_calloc(100, sizeof *z);
  for (int i = 0; i < 100; i++) CHECK(z[i] == 0.0);
  CHECK_OK(pv_realloc((void **)&z, 100 * sizeof *z, 1000 * sizeof *z));
  z[999] = 1;
  pv_free(z);
  char *s = pv_strdup("parseval");
  CHECK(strcmp(s, "parseval") == 0);
  pv_free(s);
  pv_free(NULL);
}

static int mk_ctx(void **o) { return pv_ctx_create((pv_ctx **)o); }
static void rm_ctx(void **o) { pv_ctx_destroy((pv_ctx **)o); }
static int mk_array(void **o) {
  size_t shape[3] = {4, 5, 6};
  return pv_array_create(PV_F64, 3, shape, (pv_array **)o);
}
static void rm_array(void **o) { pv_array_destroy((pv_array **)o); }
static const pv_param params[] = {
    {"n", PV_PARAM_INT, PV_ROLE_OPTION, 0, "3", 0, 0, NULL, "count", NULL},
    {"w", PV_PARAM_REAL_LIST, PV_ROLE_OPTION, 0, "1,2,3", 0, 0, NULL, "weights", NULL},
};
static int mk_args(void **o) {
  int rc = pv_args_create(params, 2, (pv_args **)o);
  if (!rc) rc = pv_args_finish(*(pv_args **)o);
  if (rc) pv_args_destroy((pv_args **)o);
  return rc;
}
static void rm_args(void **o) { pv_args_destroy((pv_args **)o); }
static char out_path[600];
static int mk_fileout(void **o) { return pv_fileout_open(out_path, 1, (pv_fileout **)o); }
static void rm_fileout(void **o) { pv_fileout_abort((pv_fileout **)o); }

static void test_countdown_over_create_functions(void) {
  snprintf(out_path, sizeof out_path, "%s/out.bin", pv_test_tmpdir());
  pv_test_alloc_countdown("pv_ctx_create", mk_ctx, rm_ctx);
  pv_test_alloc_countdown("pv_array_create", mk_array, rm_array);
  pv_test_alloc_countdown("pv_args_create+finish", mk_args, rm_args);
  pv_test_alloc_countdown("pv_fileout_open", mk_fileout, rm_fileout);
}

PV_TEST_MAIN(PV_CASE(test_alignment_and_overflow), PV_CASE(test_countdown_over_create_functions))
