/* Growable byte buffer and C-locale printf/strtod (thread-local uselocale). */
#define _GNU_SOURCE
#include "out/strbuf.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>

static int strbuf_reserve(pv_strbuf *b, size_t extra) {
  if (b->status) return b->status;
  if (extra > ((size_t)-1) / 2 - b->len)
    return b->status = PV_ERROR(PV_ENOMEM, "text buffer would exceed %zu bytes", b->len);
  size_t need = b->len + extra + 1;
  if (need <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < need) cap *= 2;
  void *p = b->data;
  int st = pv_realloc(&p, b->cap, cap);
  if (st) return b->status = st;
  b->data = p;
  b->cap = cap;
  return 0;
}

int pv_strbuf_add(pv_strbuf *b, const void *s, size_t n) {
  int st = strbuf_reserve(b, n);
  if (st) return st;
  if (n) memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

int pv_strbuf_puts(pv_strbuf *b, const char *s) { return pv_strbuf_add(b, s, strlen(s)); }

int pv_strbuf_printf(pv_strbuf *b, const char *fmt, ...) {
  char small[256];
  va_list ap;
  va_start(ap, fmt);
  int n = pv_vsnprintf_c(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) return b->status = PV_ERROR(PV_EINTERNAL, "format error in \"%s\"", fmt);
  if ((size_t)n < sizeof small) return pv_strbuf_add(b, small, (size_t)n);
  int st = strbuf_reserve(b, (size_t)n);
  if (st) return st;
  va_start(ap, fmt);
  pv_vsnprintf_c(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
  return 0;
}

void pv_strbuf_free(pv_strbuf *b) {
  pv_free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
  b->status = 0;
}

size_t pv_utf8_len(const unsigned char *s, size_t n, unsigned *cp) {
  unsigned c = s[0], v, min;
  size_t len;
  if (c < 0x80) { *cp = c; return 1; }
  if (c >= 0xC2 && c <= 0xDF) { len = 2; v = c & 0x1F; min = 0x80; }
  else if (c >= 0xE0 && c <= 0xEF) { len = 3; v = c & 0x0F; min = 0x800; }
  else if (c >= 0xF0 && c <= 0xF4) { len = 4; v = c & 0x07; min = 0x10000; }
  else return 0;
  if (len > n) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    v = (v << 6) | (s[i] & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return len;
}
