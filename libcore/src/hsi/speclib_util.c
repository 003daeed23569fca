/* Helpers shared by the spectral-library readers. */
#include <parseval/alloc.h>

#include <ctype.h>
#include <string.h>

#include "speclib_util.h"

char *pv_hsi_speclib_trimdup(const char *s, size_t n) {
  while (n && isspace((unsigned char)*s)) s++, n--;
  while (n && isspace((unsigned char)s[n - 1])) n--;
  char *d = pv_malloc(n + 1);
  if (!d) return NULL;
  memcpy(d, s, n);
  d[n] = 0;
  return d;
}

void pv_hsi_speclib_free_strings(char **s, size_t n) {
  if (!s) return;
  for (size_t i = 0; i < n; i++) pv_free(s[i]);
  pv_free(s);
}
