/* mesh/cursor.c - text cursor and C-locale number parsing for the readers. */
#include "mesh_internal.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static void c_locale_init(void) { c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0); }

void pv_mcur_init(pv_mcur *c, const char *data, size_t n, const char *name) {
  c->p = data;
  c->end = data + n;
  c->name = name ? name : "(memory)";
  c->line = 1;
}

void pv_mcur_skip(pv_mcur *c, int lines) {
  while (c->p < c->end) {
    char ch = *c->p;
    if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v') {
      c->p++;
    } else if (lines && ch == '\n') {
      c->p++;
      c->line++;
    } else if (lines && ch == '#') {
      while (c->p < c->end && *c->p != '\n') c->p++;
    } else {
      break;
    }
  }
}

int pv_mcur_eof(const pv_mcur *c) { return c->p >= c->end; }

void pv_mcur_token(pv_mcur *c, const char **tok, size_t *len) {
  pv_mcur_skip(c, 0);
  const char *s = c->p;
  while (c->p < c->end) {
    char ch = *c->p;
    if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\f' || ch == '\v') break;
    c->p++;
  }
  *tok = s;
  *len = (size_t)(c->p - s);
}

void pv_mcur_next_line(pv_mcur *c) {
  while (c->p < c->end && *c->p != '\n') c->p++;
  if (c->p < c->end) {
    c->p++;
    c->line++;
  }
}

int pv_parse_double(const char *tok, size_t len, double *out) {
  char buf[80];
  if (len == 0 || len >= sizeof buf) return -1;
  memcpy(buf, tok, len);
  buf[len] = 0;
  pthread_once(&c_locale_once, c_locale_init);
  char *end = NULL;
  locale_t old = c_locale ? uselocale(c_locale) : (locale_t)0;
  double v = strtod(buf, &end);
  if (c_locale) uselocale(old);
  if (end != buf + len) return -1;
  *out = v;
  return 0;
}

int pv_parse_int(const char *tok, size_t len, int64_t *out) {
  char buf[32];
  if (len == 0 || len >= sizeof buf) return -1;
  memcpy(buf, tok, len);
  buf[len] = 0;
  char *end = NULL;
  errno = 0;
  long long v = strtoll(buf, &end, 10);
  if (end != buf + len || errno) return -1;
  *out = (int64_t)v;
  return 0;
}

static int field_error(pv_mcur *c, const char *what, const char *tok, size_t len) {
  if (len == 0)
    return PV_ERROR(PV_EFORMAT, "%s: line %lld: %s missing (file ends or line too short)", c->name,
                    (long long)c->line, what);
  return PV_ERROR(PV_EFORMAT, "%s: line %lld: %s: '%.*s' is not a valid number", c->name,
                  (long long)c->line, what, (int)(len > 40 ? 40 : len), tok);
}

int pv_mcur_double(pv_mcur *c, int lines, const char *what, double *out) {
  pv_mcur_skip(c, lines);
  const char *tok;
  size_t len;
  pv_mcur_token(c, &tok, &len);
  if (pv_parse_double(tok, len, out)) return field_error(c, what, tok, len);
  if (!isfinite(*out))
    return PV_ERROR(PV_EFORMAT, "%s: line %lld: %s is not finite", c->name, (long long)c->line, what);
  return 0;
}

int pv_mcur_int(pv_mcur *c, int lines, const char *what, int64_t *out) {
  pv_mcur_skip(c, lines);
  const char *tok;
  size_t len;
  pv_mcur_token(c, &tok, &len);
  if (pv_parse_int(tok, len, out)) return field_error(c, what, tok, len);
  return 0;
}

static int grow(void **d, int64_t *cap, size_t elem) {
  int64_t nc = *cap ? *cap * 2 : 256;
  if (nc > PV_MESH_MAX_ELEMENTS * 3) return PV_ERROR(PV_EFORMAT, "mesh has more than %lld elements", (long long)PV_MESH_MAX_ELEMENTS);
  int rc = pv_realloc(d, (size_t)*cap * elem, (size_t)nc * elem);
  if (rc) return rc;
  *cap = nc;
  return 0;
}

int pv_dvec_push(pv_dvec *a, double x) {
  if (a->n == a->cap) {
    int rc = grow((void **)&a->d, &a->cap, sizeof(double));
    if (rc) return rc;
  }
  a->d[a->n++] = x;
  return 0;
}

int pv_ivec_push(pv_ivec *a, int64_t x) {
  if (a->n == a->cap) {
    int rc = grow((void **)&a->d, &a->cap, sizeof(int64_t));
    if (rc) return rc;
  }
  a->d[a->n++] = x;
  return 0;
}

int pv_mesh_adopt_faces(pv_mesh *m, pv_ivec *tri) {
  pv_free(m->f);
  m->f = tri->d ? tri->d : pv_calloc(1, sizeof(int64_t));
  m->nf = tri->n / 3;
  tri->d = NULL;
  tri->n = tri->cap = 0;
  return m->f ? PV_OK : PV_ENOMEM;
}
