/* band_list.c - a text file naming one one-band raster per line, read as one
 * cube: how Landsat and Sentinel-2 products ship their multispectral bands.
 * Relative paths are relative to the list's folder; blank lines and lines
 * starting with '#' are skipped; surrounding blanks are trimmed. */
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/fileout.h>
#include <parseval/scene.h>

#include <string.h>

#define MAX_PATH_BYTES 4095

void pv_band_list_destroy(pv_band_list *l) {
  if (!l) return;
  for (size_t i = 0; i < l->n; i++) pv_free(l->paths[i]);
  pv_free(l->paths);
  pv_free(l);
}

static size_t trimmed_end(const char *s, size_t n) {
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) n--;
  return n;
}

/* The folder part of list_path including its '/', as a length. */
static size_t dir_length(const char *list_path) {
  const char *slash = strrchr(list_path, '/');
  return slash ? (size_t)(slash - list_path) + 1 : 0;
}

static int add_path(pv_band_list *l, const char *list_path, size_t line, const char *t, size_t n) {
  if (l->n == PV_BAND_LIST_MAX)
    return PV_ERROR(PV_EFORMAT, "%s: line %zu: more than %d band files", list_path, line, PV_BAND_LIST_MAX);
  size_t dn = t[0] == '/' ? 0 : dir_length(list_path);
  if (dn + n > MAX_PATH_BYTES)
    return PV_ERROR(PV_EFORMAT, "%s: line %zu: path longer than %d bytes", list_path, line, MAX_PATH_BYTES);
  if (!(l->n & (l->n - 1)) || !l->n) { /* grow at powers of two */
    size_t cap = l->n ? 2 * l->n : 8;
    char **p = pv_malloc(cap * sizeof *p);
    if (!p) return PV_ERROR(PV_ENOMEM, "%s: band list of %zu entries", list_path, cap);
    if (l->n) memcpy(p, l->paths, l->n * sizeof *p);
    pv_free(l->paths);
    l->paths = p;
  }
  char *s = pv_malloc(dn + n + 1);
  if (!s) return PV_ERROR(PV_ENOMEM, "%s: band list path", list_path);
  memcpy(s, list_path, dn);
  memcpy(s + dn, t, n);
  s[dn + n] = 0;
  l->paths[l->n++] = s;
  return 0;
}

int pv_band_list_parse(const char *list_path, const char *text, size_t len, pv_band_list **out) {
  if (!list_path || !out || (!text && len)) return PV_ERROR(PV_EINVAL, "pv_band_list_parse: NULL argument");
  *out = NULL;
  if (memchr(text, 0, len)) return PV_ERROR(PV_EFORMAT, "%s: a NUL byte: not a text band list", list_path);
  pv_band_list *l = pv_calloc(1, sizeof *l);
  if (!l) return PV_ERROR(PV_ENOMEM, "%s: band list", list_path);
  int rc = 0;
  size_t line = 0;
  for (size_t pos = 0; !rc && pos < len;) {
    const char *nl = memchr(text + pos, '\n', len - pos);
    size_t end = nl ? (size_t)(nl - text) : len, start = pos;
    line++;
    pos = end + 1;
    while (start < end && (text[start] == ' ' || text[start] == '\t')) start++;
    size_t n = trimmed_end(text + start, end - start);
    if (!n || text[start] == '#') continue;
    rc = add_path(l, list_path, line, text + start, n);
  }
  if (!rc && !l->n) rc = PV_ERROR(PV_EFORMAT, "%s: no band file listed", list_path);
  if (rc) pv_band_list_destroy(l);
  else *out = l;
  return rc;
}

int pv_band_list_read_file(const char *list_path, pv_band_list **out) {
  char *text = NULL;
  size_t len = 0;
  if (out) *out = NULL;
  int rc = pv_file_read_all(list_path, PV_BAND_LIST_MAX_BYTES, &text, &len);
  if (!rc) rc = pv_band_list_parse(list_path, text, len, out);
  pv_free(text);
  return rc;
}
