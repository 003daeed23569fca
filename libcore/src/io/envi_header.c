/* envi_header.c - our own reader of ENVI .hdr files: the fields we check
 * (sizes, type, offset) and carry (wavelength, fwhm, bbl, ignore value). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/raster.h>

#define ENVI_MAX_DIM 100000000ULL /* per axis; anything larger is hostile */

size_t pv_raster_envi_type_size(int t) {
  switch (t) {
  case 1: return 1;
  case 2: case 12: return 2;
  case 3: case 4: case 13: return 4;
  case 5: case 6: case 14: case 15: return 8;
  case 9: return 16;
  default: return 0;
  }
}

void pv_raster_envi_header_clear(pv_raster_envi_header *h) {
  if (!h) return;
  pv_free(h->wavelength);
  pv_free(h->fwhm);
  pv_free(h->bbl);
  pv_free(h->wavelength_units);
  if (h->band_names)
    for (size_t i = 0; i < h->bands; i++) pv_free(h->band_names[i]);
  pv_free(h->band_names);
  for (size_t i = 0; i < h->n_items; i++) {
    pv_free(h->keys[i]);
    pv_free(h->values[i]);
  }
  pv_free(h->keys);
  pv_free(h->values);
  memset(h, 0, sizeof *h);
}

static char *trim(char *s) {
  while (*s && isspace((unsigned char)*s)) s++;
  char *e = s + strlen(s);
  while (e > s && isspace((unsigned char)e[-1])) *--e = 0;
  return s;
}

static int parse_size(const char *v, const char *name, const char *key, size_t *out,
                      int allow_zero) {
  char *end;
  errno = 0;
  while (isspace((unsigned char)*v)) v++;
  if (*v == '-' || !isdigit((unsigned char)*v))
    return PV_ERROR(PV_EFORMAT, "%s: field '%s': '%.40s' is not a non-negative integer",
                    name, key, v);
  unsigned long long x = strtoull(v, &end, 10);
  if (errno || *trim(end) || x > ENVI_MAX_DIM || (!allow_zero && x == 0))
    return PV_ERROR(PV_EFORMAT, "%s: field '%s': invalid value '%.40s'", name, key, v);
  *out = (size_t)x;
  return 0;
}

/* Split a "{a, b, c}" list in place; calls item() on each trimmed entry. */
typedef int (*item_fn)(const char *item, size_t i, void *user);
static int split_list(char *v, const char *name, const char *key, size_t bands,
                      item_fn fn, void *user) {
  if (*v != '{' || v[strlen(v) - 1] != '}')
    return PV_ERROR(PV_EFORMAT, "%s: field '%s': expected a {list}", name, key);
  v[strlen(v) - 1] = 0;
  v++;
  size_t i = 0;
  char *p = v;
  for (;;) {
    char *comma = strchr(p, ',');
    if (comma) *comma = 0;
    char *it = trim(p);
    if (!(comma == NULL && i == 0 && *it == 0)) {
      if (i >= bands)
        return PV_ERROR(PV_EFORMAT, "%s: field '%s': more than bands = %zu entries",
                        name, key, bands);
      int st = fn(it, i, user);
      if (st) return st;
      i++;
    }
    if (!comma) break;
    p = comma + 1;
  }
  if (i != bands)
    return PV_ERROR(PV_EFORMAT, "%s: field '%s': %zu entries for bands = %zu",
                    name, key, i, bands);
  return 0;
}

typedef struct { double *v; const char *name, *key; } num_ctx;
static int num_item(const char *it, size_t i, void *user) {
  num_ctx *c = user;
  char *end;
  c->v[i] = strtod(it, &end);
  if (end == it || *end || !isfinite(c->v[i]))
    return PV_ERROR(PV_EFORMAT, "%s: field '%s': entry %zu '%.40s' is not a number",
                    c->name, c->key, i + 1, it);
  return 0;
}

static void percent_decode(char *s);
static int str_item(const char *it, size_t i, void *user) {
  char **names = user;
  names[i] = pv_strdup(it);
  if (names[i]) percent_decode(names[i]);
  return names[i] ? 0 : PV_ERROR(PV_ENOMEM, "ENVI band names");
}

static int parse_numbers(char *v, const char *name, const char *key, size_t bands,
                         double **out) {
  double *x = pv_malloc(bands * sizeof(double));
  if (!x) return PV_ERROR(PV_ENOMEM, "%s: field '%s'", name, key);
  num_ctx c = {x, name, key};
  int st = split_list(v, name, key, bands, num_item, &c);
  if (st) { pv_free(x); return st; }
  *out = x;
  return 0;
}

/* One "key = value" pair; the size fields must already be known for lists. */
static int apply_field(pv_raster_envi_header *h, const char *key, char *v,
                       const char *name) {
  if (!strcmp(key, "samples")) return parse_size(v, name, key, &h->samples, 0);
  if (!strcmp(key, "lines")) return parse_size(v, name, key, &h->lines, 0);
  if (!strcmp(key, "bands")) return parse_size(v, name, key, &h->bands, 0);
  if (!strcmp(key, "header offset")) return parse_size(v, name, key, &h->header_offset, 1);
  if (!strcmp(key, "data type") || !strcmp(key, "byte order")) {
    size_t x;
    int st = parse_size(v, name, key, &x, 1);
    if (st) return st;
    if (key[0] == 'd') {
      if (!pv_raster_envi_type_size((int)x))
        return PV_ERROR(PV_EFORMAT, "%s: field 'data type': unknown code %zu", name, x);
      h->data_type = (int)x;
    } else {
      if (x > 1) return PV_ERROR(PV_EFORMAT, "%s: field 'byte order': %zu is not 0 or 1", name, x);
      h->byte_order = (int)x;
    }
    return 0;
  }
  if (!strcmp(key, "interleave")) {
    char low[8] = {0};
    for (size_t i = 0; i < 4 && v[i]; i++) low[i] = (char)tolower((unsigned char)v[i]);
    if (strcmp(low, "bsq") && strcmp(low, "bil") && strcmp(low, "bip"))
      return PV_ERROR(PV_EFORMAT, "%s: field 'interleave': '%.20s' is not bsq, bil or bip",
                      name, v);
    memcpy(h->interleave, low, 4);
    return 0;
  }
  if (!strcmp(key, "data ignore value")) {
    char *end;
    h->ignore_value = strtod(v, &end);
    if (end == v || *trim(end))
      return PV_ERROR(PV_EFORMAT, "%s: field 'data ignore value': '%.40s' is not a number",
                      name, v);
    h->has_ignore = 1;
    return 0;
  }
  if (!strcmp(key, "wavelength units")) {
    pv_free(h->wavelength_units);
    h->wavelength_units = pv_strdup(v);
    return h->wavelength_units ? 0 : PV_ERROR(PV_ENOMEM, "%s", name);
  }
  return 1; /* not a scalar field */
}

/* Decode %XX escapes in place (the ENVI writer escapes % { } and newlines). */
static void percent_decode(char *s) {
  char *o = s;
  for (char *p = s; *p; p++) {
    if (p[0] == '%' && isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2])) {
      char hex[3] = {p[1], p[2], 0};
      *o++ = (char)strtol(hex, NULL, 16);
      p += 2;
    } else {
      *o++ = *p;
    }
  }
  *o = 0;
}

/* "item:KEY = {value}": a free-form metadata item written by our ENVI writer. */
static int add_item(pv_raster_envi_header *h, const char *key, char *v, const char *name) {
  size_t l = strlen(v);
  if (l >= 2 && v[0] == '{' && v[l - 1] == '}') {
    v[l - 1] = 0;
    v++;
  }
  percent_decode(v);
  size_t n = h->n_items;
  if (pv_realloc((void **)&h->keys, n * sizeof(char *), (n + 1) * sizeof(char *)) ||
      pv_realloc((void **)&h->values, n * sizeof(char *), (n + 1) * sizeof(char *)))
    return PV_ERROR(PV_ENOMEM, "%s: items", name);
  h->keys[n] = pv_strdup(key);
  h->values[n] = pv_strdup(trim(v));
  h->n_items = n + 1;
  if (!h->keys[n] || !h->values[n]) return PV_ERROR(PV_ENOMEM, "%s: items", name);
  return 0;
}

static int apply_list(pv_raster_envi_header *h, const char *key, char *v,
                      const char *name, const char *orig_key) {
  if (!strncmp(key, "item:", 5) && key[5]) return add_item(h, orig_key + 5, v, name);
  if (!strcmp(key, "wavelength") && !h->wavelength)
    return parse_numbers(v, name, key, h->bands, &h->wavelength);
  if (!strcmp(key, "fwhm") && !h->fwhm) return parse_numbers(v, name, key, h->bands, &h->fwhm);
  if (!strcmp(key, "bbl") && !h->bbl) {
    double *x;
    int st = parse_numbers(v, name, key, h->bands, &x);
    if (st) return st;
    h->bbl = pv_malloc(h->bands);
    if (!h->bbl) { pv_free(x); return PV_ERROR(PV_ENOMEM, "%s", name); }
    for (size_t i = 0; i < h->bands; i++) h->bbl[i] = x[i] != 0.0;
    pv_free(x);
    return 0;
  }
  if (!strcmp(key, "band names") && !h->band_names) {
    h->band_names = pv_calloc(h->bands, sizeof(char *));
    if (!h->band_names) return PV_ERROR(PV_ENOMEM, "%s", name);
    return split_list(v, name, key, h->bands, str_item, h->band_names);
  }
  return 0; /* other fields are GDAL's business */
}

/* Walk the "key = value" pairs of text (NUL-terminated copy), calling the
 * scalar pass (lists == 0) or the list pass (lists == 1). */
static int walk(pv_raster_envi_header *h, char *text, const char *name, int lists) {
  char *p = text;
  while (*p) {
    char *eol = strchr(p, '\n');
    char *eq = strchr(p, '=');
    if (!eq || (eol && eq > eol)) { /* a line without '=': skip it */
      if (!eol) break;
      p = eol + 1;
      continue;
    }
    char *val = eq + 1;
    while (*val == ' ' || *val == '\t') val++;
    char *end = (*val == '{') ? strchr(val, '}') : eol;
    if (*val == '{' && !end)
      return PV_ERROR(PV_EFORMAT, "%s: unterminated '{' list", name);
    if (end && *val == '{') end++;
    char save = end ? *end : 0;
    if (end) *end = 0;
    char keybuf[64];
    size_t kl = (size_t)(eq - p);
    if (kl >= sizeof keybuf) kl = sizeof keybuf - 1;
    memcpy(keybuf, p, kl);
    keybuf[kl] = 0;
    char *okey = trim(keybuf), key[64];
    memcpy(key, okey, strlen(okey) + 1);
    for (char *k = key; *k; k++) *k = (char)tolower((unsigned char)*k);
    char *v = pv_strdup(val);
    if (!v) return PV_ERROR(PV_ENOMEM, "%s", name);
    for (char *c = v; *c; c++) if (*c == '\n' || *c == '\r') *c = ' ';
    char *tv = trim(v);
    int st = lists ? apply_list(h, key, tv, name, okey) : apply_field(h, key, tv, name);
    pv_free(v);
    if (end) *end = save;
    if (st < 0) return st;
    if (!end) break;
    p = end;
    if (*p == '\n') p++;
  }
  return 0;
}

int pv_raster_envi_header_parse(const char *text, size_t n, const char *name,
                                pv_raster_envi_header *h) {
  memset(h, 0, sizeof *h);
  if (!name) name = "ENVI header";
  size_t skip = 0;
  while (skip < n && isspace((unsigned char)text[skip])) skip++;
  if (n - skip < 4 || memcmp(text + skip, "ENVI", 4) != 0)
    return PV_ERROR(PV_EFORMAT, "%s: not an ENVI header (no 'ENVI' on the first line)", name);
  char *copy = pv_malloc(n + 1);
  if (!copy) return PV_ERROR(PV_ENOMEM, "%s", name);
  memcpy(copy, text, n);
  copy[n] = 0;
  if (strlen(copy) != n) { /* an embedded NUL: binary, not a header */
    pv_free(copy);
    return PV_ERROR(PV_EFORMAT, "%s: contains a NUL byte; not a text header", name);
  }
  memcpy(h->interleave, "bsq", 4);
  int st = walk(h, copy + skip + 4, name, 0);
  const char *missing = !h->samples ? "samples" : !h->lines ? "lines"
                      : !h->bands ? "bands" : !h->data_type ? "data type" : NULL;
  if (st == 0 && missing)
    st = PV_ERROR(PV_EFORMAT, "%s: field '%s' is missing", name, missing);
  if (st == 0) st = walk(h, copy + skip + 4, name, 1);
  pv_free(copy);
  if (st) pv_raster_envi_header_clear(h);
  return st;
}
