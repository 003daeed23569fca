/* Streaming JSON builder: structure checks, escaping, C-locale numbers. */
#include <parseval/json.h>

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/fileout.h>

#include "out/strbuf.h"

typedef struct {
  char kind;  /* 'o' object, 'a' array */
  int count;  /* members written */
  int keyed;  /* object: a key waits for its value */
} json_level;

struct pv_json {
  pv_strbuf buf;
  int indent;
  int depth;
  int top_done; /* a complete top-level value exists */
  json_level stack[PV_JSON_MAX_DEPTH];
};

int pv_json_create(int indent, pv_json **out) {
  if (!out) return PV_ERROR(PV_EINVAL, "pv_json_create: NULL out");
  *out = NULL;
  if (indent < 0 || indent > 8)
    return PV_ERROR(PV_EINVAL, "JSON indent %d outside 0..8", indent);
  pv_json *j = pv_calloc(1, sizeof *j);
  if (!j) return PV_ENOMEM;
  j->indent = indent;
  *out = j;
  return 0;
}

void pv_json_destroy(pv_json **j) {
  if (!j || !*j) return;
  pv_strbuf_free(&(*j)->buf);
  pv_free(*j);
  *j = NULL;
}

static int fail(pv_json *j, int code, const char *what) {
  if (!j->buf.status) j->buf.status = PV_ERROR(code, "JSON builder: %s", what);
  return j->buf.status;
}

static void newline(pv_json *j) {
  if (!j->indent) return;
  pv_strbuf_add(&j->buf, "\n", 1);
  for (int i = 0; i < j->depth * j->indent; i++) pv_strbuf_add(&j->buf, " ", 1);
}

/* Called before any value: separators, and the structural checks. */
static int before_value(pv_json *j) {
  if (j->buf.status) return j->buf.status;
  if (j->depth == 0) {
    if (j->top_done) return fail(j, PV_EINVAL, "second top-level value");
    return 0;
  }
  json_level *l = &j->stack[j->depth - 1];
  if (l->kind == 'o') {
    if (!l->keyed) return fail(j, PV_EINVAL, "object member without a key");
    l->keyed = 0;
    return 0;
  }
  if (l->count++) pv_strbuf_add(&j->buf, ",", 1);
  newline(j);
  return j->buf.status;
}

static void after_value(pv_json *j) {
  if (j->depth == 0) j->top_done = 1;
}

static void put_escaped(pv_strbuf *b, const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  pv_strbuf_add(b, "\"", 1);
  size_t i = 0;
  while (i < n) {
    unsigned cp;
    size_t len = pv_utf8_len(p + i, n - i, &cp);
    if (len == 0) { pv_strbuf_add(b, "\\ufffd", 6); i++; continue; }
    if (cp == '"') pv_strbuf_add(b, "\\\"", 2);
    else if (cp == '\\') pv_strbuf_add(b, "\\\\", 2);
    else if (cp == '\n') pv_strbuf_add(b, "\\n", 2);
    else if (cp == '\r') pv_strbuf_add(b, "\\r", 2);
    else if (cp == '\t') pv_strbuf_add(b, "\\t", 2);
    else if (cp < 0x20 || cp == 0x7F || cp == 0x2028 || cp == 0x2029)
      pv_strbuf_printf(b, "\\u%04x", (unsigned)cp);
    else pv_strbuf_add(b, p + i, len);
    i += len;
  }
  pv_strbuf_add(b, "\"", 1);
}

static int begin(pv_json *j, char kind) {
  int st = before_value(j);
  if (st) return st;
  if (j->depth >= PV_JSON_MAX_DEPTH) return fail(j, PV_EINVAL, "nesting deeper than 64");
  j->stack[j->depth++] = (json_level){kind, 0, 0};
  return pv_strbuf_add(&j->buf, kind == 'o' ? "{" : "[", 1);
}

static int end(pv_json *j, char kind) {
  if (j->buf.status) return j->buf.status;
  if (j->depth == 0 || j->stack[j->depth - 1].kind != kind)
    return fail(j, PV_EINVAL, kind == 'o' ? "object_end without an open object"
                                          : "array_end without an open array");
  json_level *l = &j->stack[j->depth - 1];
  if (l->keyed) return fail(j, PV_EINVAL, "object closed after a key without value");
  j->depth--;
  if (l->count) newline(j);
  pv_strbuf_add(&j->buf, kind == 'o' ? "}" : "]", 1);
  after_value(j);
  return j->buf.status;
}

int pv_json_object_begin(pv_json *j) { return begin(j, 'o'); }
int pv_json_object_end(pv_json *j) { return end(j, 'o'); }
int pv_json_array_begin(pv_json *j) { return begin(j, 'a'); }
int pv_json_array_end(pv_json *j) { return end(j, 'a'); }

int pv_json_key(pv_json *j, const char *key) {
  if (j->buf.status) return j->buf.status;
  if (!key) return fail(j, PV_EINVAL, "NULL key");
  if (j->depth == 0 || j->stack[j->depth - 1].kind != 'o')
    return fail(j, PV_EINVAL, "key outside an object");
  json_level *l = &j->stack[j->depth - 1];
  if (l->keyed) return fail(j, PV_EINVAL, "two keys in a row");
  if (l->count++) pv_strbuf_add(&j->buf, ",", 1);
  newline(j);
  put_escaped(&j->buf, key, strlen(key));
  pv_strbuf_add(&j->buf, j->indent ? ": " : ":", j->indent ? 2 : 1);
  l->keyed = 1;
  return j->buf.status;
}

static int scalar(pv_json *j, const char *text, size_t n) {
  int st = before_value(j);
  if (st) return st;
  pv_strbuf_add(&j->buf, text, n);
  after_value(j);
  return j->buf.status;
}

int pv_json_string_n(pv_json *j, const char *s, size_t n) {
  if (!s) return pv_json_null(j);
  int st = before_value(j);
  if (st) return st;
  put_escaped(&j->buf, s, n);
  after_value(j);
  return j->buf.status;
}

int pv_json_string(pv_json *j, const char *s) {
  return pv_json_string_n(j, s, s ? strlen(s) : 0);
}

size_t pv_json_format_double(double v, char *buf, size_t cap) {
  if (cap < 32) return 0;
  if (!isfinite(v)) { memcpy(buf, "null", 5); return 4; }
  /* integers below 2^53 print as integers, not in %g's exponent form */
  if (v == floor(v) && fabs(v) < 9007199254740992.0)
    return (size_t)pv_snprintf_c(buf, cap, "%.0f", v);
  int n = 0;
  for (int prec = 1; prec <= 17; prec++) {
    n = pv_snprintf_c(buf, cap, "%.*g", prec, v);
    if (pv_strtod_c(buf, NULL) == v) break;
  }
  return (size_t)n;
}

int pv_json_number(pv_json *j, double v) {
  char t[32];
  size_t n = pv_json_format_double(v, t, sizeof t);
  return scalar(j, t, n);
}

int pv_json_int(pv_json *j, int64_t v) {
  char t[32];
  int n = pv_snprintf_c(t, sizeof t, "%" PRId64, v);
  return scalar(j, t, (size_t)n);
}

int pv_json_uint(pv_json *j, uint64_t v) {
  char t[32];
  int n = pv_snprintf_c(t, sizeof t, "%" PRIu64, v);
  return scalar(j, t, (size_t)n);
}

int pv_json_bool(pv_json *j, int v) { return v ? scalar(j, "true", 4) : scalar(j, "false", 5); }
int pv_json_null(pv_json *j) { return scalar(j, "null", 4); }

int pv_json_raw(pv_json *j, const char *json) {
  if (!json || !*json) return fail(j, PV_EINVAL, "empty raw value");
  return scalar(j, json, strlen(json));
}

int pv_json_numbers(pv_json *j, const double *v, size_t n) {
  if (n && !v) return fail(j, PV_EINVAL, "NULL number array");
  int st = pv_json_array_begin(j);
  for (size_t i = 0; i < n && !st; i++) st = pv_json_number(j, v[i]);
  return st ? st : pv_json_array_end(j);
}

int pv_json_kv_string(pv_json *j, const char *key, const char *s) {
  int st = pv_json_key(j, key);
  return st ? st : pv_json_string(j, s);
}

int pv_json_kv_number(pv_json *j, const char *key, double v) {
  int st = pv_json_key(j, key);
  return st ? st : pv_json_number(j, v);
}

int pv_json_kv_int(pv_json *j, const char *key, int64_t v) {
  int st = pv_json_key(j, key);
  return st ? st : pv_json_int(j, v);
}

const char *pv_json_text(const pv_json *j, size_t *len) {
  if (len) *len = j->buf.len;
  return j->buf.data ? j->buf.data : "";
}

int pv_json_status(const pv_json *j) { return j->buf.status; }

int pv_json_finish(pv_json *j) {
  if (j->buf.status) return j->buf.status;
  if (!j->top_done || j->depth) return fail(j, PV_EINVAL, "document is incomplete");
  if (j->buf.len && j->buf.data[j->buf.len - 1] != '\n') pv_strbuf_add(&j->buf, "\n", 1);
  return j->buf.status;
}

int pv_json_write_file(pv_json *j, const char *path, int overwrite) {
  int st = pv_json_finish(j);
  if (st) return st;
  st = pv_file_write_atomic(path, j->buf.data, j->buf.len, overwrite);
  if (st) return PV_ERROR(st, "writing JSON %s", path);
  return 0;
}
