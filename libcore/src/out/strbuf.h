/* out/strbuf.h - internal growable byte buffer and C-locale formatting
 * shared by the JSON, provenance, NPY and SVG writers. */
#ifndef PV_OUT_STRBUF_H
#define PV_OUT_STRBUF_H

#include <stdarg.h>
#include <parseval/core.h> /* pv_snprintf_c, pv_strtod_c */
#include <stddef.h>

typedef struct pv_strbuf {
  char *data; /* pv_malloc'd, always NUL-terminated once anything was added */
  size_t len;
  size_t cap;
  int status; /* first error met (sticky) */
} pv_strbuf;

/* Append n bytes / a string / printf-formatted text in the C locale. */
int pv_strbuf_add(pv_strbuf *b, const void *s, size_t n);
int pv_strbuf_puts(pv_strbuf *b, const char *s);
int pv_strbuf_printf(pv_strbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Release the buffer (keeps the struct usable as empty). */
void pv_strbuf_free(pv_strbuf *b);


int pv_snprintf_c(char *buf, size_t cap, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Length of the valid UTF-8 sequence at s (n bytes left) with its code
 * point in *cp, or 0 when the bytes are not valid UTF-8 (overlong forms,
 * surrogates and values above U+10FFFF are invalid). */
size_t pv_utf8_len(const unsigned char *s, size_t n, unsigned *cp);



#endif
