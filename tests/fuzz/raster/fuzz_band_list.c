/* Fuzz target: band-list parsing (.txt of one-band files). The input is the
 * list's text; the parsed paths must be NUL-free strings of bounded length.
 * Errors are fine, crashes and leaks are not. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <parseval/scene.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pv_band_list *l = NULL;
  if (pv_band_list_parse("/fuzz/dir/list.txt", (const char *)data, size, &l) == 0) {
    if (!l || !l->n || l->n > PV_BAND_LIST_MAX) abort();
    for (size_t i = 0; i < l->n; i++)
      if (strlen(l->paths[i]) > 4095 || !l->paths[i][0]) abort();
  } else if (l) {
    abort();
  }
  pv_band_list_destroy(l);
  return 0;
}
