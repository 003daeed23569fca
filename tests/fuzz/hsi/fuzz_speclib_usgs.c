/* Fuzz the USGS splib07 ASCII parser; a parsed spectrum must be consistent
 * (finite values or NaN for deleted channels). */
#include <math.h>
#include <parseval/hsi.h>
#include <parseval/parseval.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pv_hsi_speclib lib;
  if (pv_hsi_speclib_parse_usgs((const char *)data, size, "fuzz.txt", &lib) == PV_OK) {
    if (lib.n != 1 || lib.bands < 1 || !lib.data || !lib.names || !lib.names[0]) abort();
    if ((size_t)lib.bands * 2 > size + 1) abort(); /* a digit and a line break per value (the last may lack it) */
    for (int b = 0; b < lib.bands; b++)
      if (isinf(lib.data[b])) abort();
    pv_hsi_speclib_free(&lib);
  }
  pv_error_clear();
  return 0;
}
