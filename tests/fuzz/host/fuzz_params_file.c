/* Fuzz the parameter-file parser feeding a verb's argument set. */
#include <stdlib.h>

#include "fuzz_verb.h"
#include "host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int set(const char *name, const char *value, void *user) { return pv_args_set(user, name, value); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pv_args *a = NULL;
  if (pv_args_create(fuzz_params, sizeof fuzz_params / sizeof *fuzz_params, &a) == PV_OK) {
    if (pv_host_params_parse((const char *)data, size, "fuzz.conf", set, a) == PV_OK) (void)pv_args_finish(a);
    pv_args_destroy(&a);
  }
  pv_error_clear();
  return 0;
}
