/* .npy preamble and header dict: a strict parser for the small subset of
 * Python literal syntax NumPy writes, and the writer's header text. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>

#include "out/npy_internal.h"
#include "out/strbuf.h"

typedef struct {
  const char *s;
  size_t n, i;
  const char *name; /* file, for errors */
} lex;

static const struct {
  const char *code;
  pv_dtype dtype;
} kinds[] = {{"f4", PV_F32}, {"f8", PV_F64}, {"u1", PV_U8},  {"i2", PV_I16},
             {"u2", PV_U16}, {"i4", PV_I32}, {"u4", PV_U32}, {"i8", PV_I64},
             {"c8", PV_C64}, {"c16", PV_C128}};

static int host_little(void) {
  const uint16_t one = 1;
  return *(const unsigned char *)&one == 1;
}

const char *pv_npy_descr(pv_dtype dtype) {
  static const char *le[] = {"|u1", "<i2", "<u2", "<i4", "<u4", "<i8", "<f4", "<f8", "<c8", "<c16"};
  static const char *be[] = {"|u1", ">i2", ">u2", ">i4", ">u4", ">i8", ">f4", ">f8", ">c8", ">c16"};
  if ((unsigned)dtype >= PV_DTYPE_COUNT) return NULL;
  return host_little() ? le[dtype] : be[dtype];
}

static void skip_ws(lex *L) {
  while (L->i < L->n && (L->s[L->i] == ' ' || L->s[L->i] == '\t' || L->s[L->i] == '\n' ||
                         L->s[L->i] == '\r'))
    L->i++;
}

static int peek(lex *L) { return L->i < L->n ? (unsigned char)L->s[L->i] : -1; }

static int bad(lex *L, const char *field, const char *what) {
  return PV_ERROR(PV_EFORMAT, "%s: header field '%s': %s (at header byte %zu)", L->name, field,
                  what, L->i);
}

static int expect(lex *L, char c, const char *field) {
  skip_ws(L);
  if (peek(L) != c) {
    char what[32];
    snprintf(what, sizeof what, "expected '%c'", c);
    return bad(L, field, what);
  }
  L->i++;
  return 0;
}

/* A quoted string without escapes, at most cap-1 bytes. */
static int parse_str(lex *L, char *out, size_t cap, const char *field) {
  skip_ws(L);
  int q = peek(L);
  if (q != '\'' && q != '"') return bad(L, field, "expected a quoted string");
  size_t start = ++L->i;
  while (L->i < L->n && L->s[L->i] != q) {
    if (L->s[L->i] == '\\' || L->s[L->i] == '\n' || L->s[L->i] == '\0')
      return bad(L, field, "escape, newline or NUL inside a string");
    L->i++;
  }
  if (L->i >= L->n) return bad(L, field, "unterminated string");
  size_t len = L->i - start;
  L->i++;
  if (len >= cap) return bad(L, field, "string too long");
  memcpy(out, L->s + start, len);
  out[len] = '\0';
  return 0;
}

static int parse_descr(lex *L, pv_npy_info *info) {
  char d[16];
  int st = parse_str(L, d, sizeof d, "descr");
  if (st) return st;
  const char *code = d;
  int big = !host_little();
  if (*code == '<' || *code == '>' || *code == '=' || *code == '|') {
    if (*code == '<') big = 0;
    if (*code == '>') big = 1;
    code++;
  }
  for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
    if (strcmp(code, kinds[k].code) == 0) {
      info->dtype = kinds[k].dtype;
      info->big_endian = pv_dtype_size(info->dtype) > 1 ? big : 0;
      return 0;
    }
  return PV_ERROR(PV_EFORMAT, "%s: header field 'descr': unsupported type '%s'", L->name, d);
}

static int parse_bool(lex *L, int *v) {
  skip_ws(L);
  if (L->n - L->i >= 4 && memcmp(L->s + L->i, "True", 4) == 0) { *v = 1; L->i += 4; return 0; }
  if (L->n - L->i >= 5 && memcmp(L->s + L->i, "False", 5) == 0) { *v = 0; L->i += 5; return 0; }
  return bad(L, "fortran_order", "expected True or False");
}

static int parse_dim(lex *L, size_t *v) {
  skip_ws(L);
  if (peek(L) < '0' || peek(L) > '9') return bad(L, "shape", "expected a non-negative integer");
  size_t x = 0;
  while (peek(L) >= '0' && peek(L) <= '9') {
    unsigned dgt = (unsigned)(L->s[L->i++] - '0');
    if (x > (SIZE_MAX - dgt) / 10) return bad(L, "shape", "dimension overflows");
    x = x * 10 + dgt;
  }
  if (peek(L) == 'L') L->i++; /* Python 2 long suffix in old files */
  *v = x;
  return 0;
}

static int parse_shape(lex *L, pv_npy_info *info) {
  int st = expect(L, '(', "shape");
  if (st) return st;
  int nd = 0, trailing_comma = 0;
  for (;;) {
    skip_ws(L);
    if (peek(L) == ')') { L->i++; break; }
    if (nd == PV_MAX_DIMS) return bad(L, "shape", "more than 8 dimensions");
    if ((st = parse_dim(L, &info->shape[nd++]))) return st;
    skip_ws(L);
    trailing_comma = 0;
    if (peek(L) == ',') { L->i++; trailing_comma = 1; continue; }
    if (peek(L) != ')') return bad(L, "shape", "expected ',' or ')'");
  }
  if (nd == 1 && !trailing_comma) return bad(L, "shape", "(n) is not a tuple; write (n,)");
  info->ndim = nd;
  return 0;
}

static int parse_member(lex *L, pv_npy_info *info, unsigned *seen) {
  char key[32];
  int st = parse_str(L, key, sizeof key, "key");
  if (st) return st;
  if ((st = expect(L, ':', key))) return st;
  unsigned bit = strcmp(key, "descr") == 0 ? 1u : strcmp(key, "fortran_order") == 0 ? 2u
               : strcmp(key, "shape") == 0 ? 4u : 0u;
  if (!bit) return PV_ERROR(PV_EFORMAT, "%s: header: unknown key '%s'", L->name, key);
  if (*seen & bit) return PV_ERROR(PV_EFORMAT, "%s: header: key '%s' given twice", L->name, key);
  *seen |= bit;
  if (bit == 1u) return parse_descr(L, info);
  if (bit == 2u) return parse_bool(L, &info->fortran_order);
  return parse_shape(L, info);
}

static int parse_dict(lex *L, pv_npy_info *info) {
  unsigned seen = 0;
  int st = expect(L, '{', "dict");
  while (!st) {
    skip_ws(L);
    if (peek(L) == '}') { L->i++; break; }
    if ((st = parse_member(L, info, &seen))) return st;
    skip_ws(L);
    if (peek(L) == ',') { L->i++; continue; }
    if (peek(L) == '}') { L->i++; break; }
    return bad(L, "dict", "expected ',' or '}'");
  }
  if (st) return st;
  skip_ws(L);
  if (L->i != L->n) return bad(L, "dict", "unexpected bytes after the dict");
  const char *missing = !(seen & 1u) ? "descr" : !(seen & 2u) ? "fortran_order"
                      : !(seen & 4u) ? "shape" : NULL;
  if (missing) return PV_ERROR(PV_EFORMAT, "%s: header field '%s' is missing", L->name, missing);
  return 0;
}

static int check_data(const char *name, size_t file_size, pv_npy_info *info) {
  size_t count = 1, span = 1, es = pv_dtype_size(info->dtype);
  for (int i = 0; i < info->ndim; i++) {
    /* strides are products of the non-zero dimensions: they must fit too,
     * even when a zero dimension makes the array empty */
    size_t d = info->shape[i] ? info->shape[i] : 1;
    if (span > (size_t)PTRDIFF_MAX / es / d)
      return PV_ERROR(PV_EFORMAT, "%s: header field 'shape': element count overflows", name);
    span *= d;
    count *= info->shape[i];
  }
  info->data_bytes = count * es;
  size_t avail = file_size - info->data_offset;
  if (avail < info->data_bytes)
    return PV_ERROR(PV_EFORMAT, "%s: data truncated: %zu bytes present, 'shape' needs %zu", name,
                    avail, info->data_bytes);
  if (avail > info->data_bytes)
    return PV_ERROR(PV_EFORMAT, "%s: data: %zu bytes after the %zu the 'shape' needs", name,
                    avail - info->data_bytes, info->data_bytes);
  return 0;
}

int pv_npy_parse_prefix(const unsigned char *b, size_t avail, size_t file_size,
                        const char *name, pv_npy_info *info) {
  memset(info, 0, sizeof *info);
  if (avail < 10)
    return PV_ERROR(PV_EFORMAT, "%s: truncated: %zu bytes, a .npy preamble needs 10", name, avail);
  if (memcmp(b, "\x93NUMPY", 6) != 0)
    return PV_ERROR(PV_EFORMAT, "%s: magic: not a .npy file (no \\x93NUMPY)", name);
  info->version_major = b[6];
  info->version_minor = b[7];
  if (b[6] < 1 || b[6] > 3 || b[7] != 0)
    return PV_ERROR(PV_EFORMAT, "%s: version: %d.%d is not 1.0, 2.0 or 3.0", name, b[6], b[7]);
  size_t pre = b[6] == 1 ? 10 : 12, hlen;
  if (avail < pre)
    return PV_ERROR(PV_EFORMAT, "%s: truncated: %zu bytes, a version %d preamble needs %zu", name,
                    avail, b[6], pre);
  if (pre == 10) hlen = (size_t)b[8] | (size_t)b[9] << 8;
  else hlen = (size_t)b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 | (size_t)b[11] << 24;
  if (hlen > PV_NPY_MAX_HEADER)
    return PV_ERROR(PV_EFORMAT, "%s: header_len: %zu bytes exceeds the limit of %d", name, hlen,
                    PV_NPY_MAX_HEADER);
  if (avail - pre < hlen)
    return PV_ERROR(PV_EFORMAT, "%s: header truncated: header_len %zu but %zu bytes follow",
                    name, hlen, avail - pre);
  lex L = {(const char *)b + pre, hlen, 0, name};
  int st = parse_dict(&L, info);
  if (st) return st;
  info->data_offset = pre + hlen;
  return check_data(name, file_size, info);
}

int pv_npy_parse(const void *buf, size_t n, const char *name, pv_npy_info *info) {
  if (!buf || !info) return PV_ERROR(PV_EINVAL, "pv_npy_parse: NULL argument");
  return pv_npy_parse_prefix(buf, n, n, name ? name : "(memory)", info);
}

int pv_npy_header_text(pv_dtype dtype, int ndim, const size_t shape[], size_t preamble,
                       char **text) {
  if (!text || !pv_npy_descr(dtype) || ndim < 0 || ndim > PV_MAX_DIMS || (ndim && !shape))
    return PV_ERROR(PV_EINVAL, "pv_npy_header_text: bad dtype %d or ndim %d", (int)dtype, ndim);
  *text = NULL;
  pv_strbuf b = {0};
  pv_strbuf_printf(&b, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                   pv_npy_descr(dtype));
  for (int i = 0; i < ndim; i++) pv_strbuf_printf(&b, i ? ", %zu" : "%zu", shape[i]);
  pv_strbuf_puts(&b, ndim == 1 ? ",), }" : "), }");
  /* NumPy's rule: spaces then '\n' so that preamble + header is a multiple of 64 */
  size_t pad = 64 - (preamble + b.len + 1) % 64;
  for (size_t i = 0; i < pad; i++) pv_strbuf_add(&b, " ", 1);
  pv_strbuf_add(&b, "\n", 1);
  if (b.status) {
    int st = b.status;
    pv_strbuf_free(&b);
    return st;
  }
  *text = b.data;
  return 0;
}
