/* libFuzzer target: the .npy reader on arbitrary bytes. Every input must be
 * either decoded (then the array's byte count matches the header) or refused
 * with a PV_EFORMAT error; never a crash, leak or overread. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <parseval/parseval.h>
#include <parseval/npy.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pv_npy_info info;
  int st_info = pv_npy_parse(data, size, "fuzz.npy", &info);
  pv_array *a = NULL;
  int st = pv_npy_read_mem(data, size, "fuzz.npy", &a);
  if ((st == 0) != (st_info == 0)) abort(); /* parse and decode must agree */
  if (st == 0) {
    const pv_view *v = pv_array_view(a);
    if (pv_view_count(v) * pv_dtype_size(v->dtype) != info.data_bytes) abort();
  } else if (st != PV_EFORMAT && st != PV_ENOMEM) {
    abort();
  }
  pv_array_destroy(&a);
  pv_error_clear();
  return 0;
}
