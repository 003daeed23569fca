/* Numbers in the C locale whatever the process locale is: parameters,
 * headers, tables and JSON always use '.' decimals. uselocale switches only
 * the calling thread, so concurrent callers are safe. */
#include <parseval/core.h>

#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* glibc returns a static object for "C" (no allocation, nothing to free). */
static locale_t c_locale(void) { return newlocale(LC_ALL_MASK, "C", (locale_t)0); }

int pv_vsnprintf_c(char *buf, size_t cap, const char *fmt, va_list ap) {
  locale_t c = c_locale();
  locale_t old = c ? uselocale(c) : (locale_t)0;
  int n = vsnprintf(buf, cap, fmt, ap);
  if (c) uselocale(old);
  return n;
}

int pv_snprintf_c(char *buf, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = pv_vsnprintf_c(buf, cap, fmt, ap);
  va_end(ap);
  return n;
}

double pv_strtod_c(const char *s, char **end) {
  locale_t c = c_locale();
  locale_t old = c ? uselocale(c) : (locale_t)0;
  double v = strtod(s, end);
  if (c) uselocale(old);
  return v;
}
