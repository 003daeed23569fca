/* Fuzz the ENVI spectral-library parser. Input: header text, a NUL byte,
 * then the data file's bytes (no NUL: all of it is header, no data). A
 * parsed library must be consistent and fit the data it came from. */
#include <math.h>
#include <parseval/hsi.h>
#include <parseval/parseval.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *nul = memchr(data, 0, size);
  size_t hn = nul ? (size_t)(nul - data) : size;
  const uint8_t *d = nul ? nul + 1 : NULL;
  size_t dn = nul ? size - hn - 1 : 0;
  pv_hsi_speclib lib;
  if (pv_hsi_speclib_parse_envi((const char *)data, hn, d, dn, "fuzz.hdr", &lib) == PV_OK) {
    if (lib.n < 1 || lib.bands < 1 || !lib.data || !lib.names) abort();
    if ((size_t)lib.n * (size_t)lib.bands * 4 > dn) abort(); /* at least 4 bytes per value came from data */
    for (int i = 0; i < lib.n; i++)
      if (!lib.names[i]) abort();
    for (int b = 0; lib.wavelength && b < lib.bands; b++)
      if (!isfinite(lib.wavelength[b])) abort();
    pv_hsi_speclib_free(&lib);
  }
  pv_error_clear();
  return 0;
}
