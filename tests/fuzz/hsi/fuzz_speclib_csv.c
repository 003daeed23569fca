/* Fuzz the CSV spectral-library parser; a parsed library must be consistent. */
#include <parseval/hsi.h>
#include <parseval/parseval.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pv_hsi_speclib lib;
  if (pv_hsi_speclib_parse_csv((const char *)data, size, "fuzz.csv", &lib) == PV_OK) {
    if (lib.n < 1 || lib.bands < 1 || !lib.data || !lib.names) abort();
    for (int i = 0; i < lib.n; i++)
      if (!lib.names[i]) abort();
    pv_hsi_speclib_free(&lib);
  }
  pv_error_clear();
  return 0;
}
