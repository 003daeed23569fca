/* USGS splib07 ASCII spectra: header line(s), then one value per line;
 * -1.23e34 marks a deleted channel. Wavelengths (micrometres) live in a
 * separate file of the same layout. */
#include <parseval/alloc.h>
#include <parseval/core.h>
#include <parseval/error.h>
#include <parseval/fileout.h>
#include <parseval/hsi.h>

#include <ctype.h>
#include <math.h>
#include <string.h>

#include "speclib_util.h"

#define USGS_MAX_HEADER_LINES 64
#define USGS_MAX_FILE ((size_t)64 << 20)
#define USGS_DELETED (-1e34) /* values at or below: the -1.23e34 marker */

/* One trimmed line [*s, *e) starting at text + *pos; advances *pos. */
static int next_line(const char *text, size_t n, size_t *pos, const char **s, size_t *len) {
  if (*pos >= n) return 0;
  const char *b = text + *pos, *end = text + n;
  const char *e = memchr(b, '\n', (size_t)(end - b));
  if (!e) e = end;
  *pos = (size_t)(e - text) + 1;
  while (b < e && isspace((unsigned char)*b)) b++;
  while (e > b && isspace((unsigned char)e[-1])) e--;
  *s = b;
  *len = (size_t)(e - b);
  return 1;
}

/* A whole line as one number (C locale). */
static int line_number(const char *s, size_t len, double *v) {
  char buf[64];
  if (len == 0 || len >= sizeof buf) return 0;
  memcpy(buf, s, len);
  buf[len] = 0;
  char *end;
  *v = pv_strtod_c(buf, &end);
  return end != buf && *end == 0 && !isnan(*v);
}

/* The description of a "splib07a Record=NNNN: <description>" title, or the
 * whole title. */
static char *title_name(const char *s, size_t len) {
  const char *r = len > 7 ? memchr(s, ':', len) : NULL;
  int record = 0;
  for (const char *q = s; r && r - s < 40 && q + 7 <= r; q++) record |= !memcmp(q, "Record=", 7);
  if (record) {
    len -= (size_t)(r + 1 - s);
    s = r + 1;
  }
  return pv_hsi_speclib_trimdup(s, len);
}

int pv_hsi_speclib_parse_usgs(const char *text, size_t n, const char *name, pv_hsi_speclib *lib) {
  if (!lib) return PV_ERROR(PV_EINVAL, "parse_usgs: NULL library");
  memset(lib, 0, sizeof *lib);
  if (!text && n) return PV_ERROR(PV_EINVAL, "parse_usgs: NULL text");
  if (!name) name = "USGS spectrum";
  if (memchr(text, 0, n)) return PV_ERROR(PV_EFORMAT, "%s: contains a NUL byte; not a text spectrum", name);
  /* Pass 1: header lines, then count and check values. */
  size_t pos = 0, len, count = 0, first = 0;
  const char *s, *title = NULL;
  size_t title_len = 0;
  int line = 0, header = 0, in_values = 0;
  double v;
  while (next_line(text, n, &pos, &s, &len)) {
    line++;
    if (len == 0) continue;
    if (!line_number(s, len, &v)) {
      if (in_values)
        return PV_ERROR(PV_EFORMAT, "%s:%d: '%.*s' is not a number (one value per line after the header)", name,
                        line, (int)(len < 40 ? len : 40), s);
      if (++header > USGS_MAX_HEADER_LINES)
        return PV_ERROR(PV_EFORMAT, "%s:%d: more than %d header lines before the first value", name, line,
                        USGS_MAX_HEADER_LINES);
      if (!title) title = s, title_len = len;
      continue;
    }
    if (!isfinite(v)) return PV_ERROR(PV_EFORMAT, "%s:%d: value '%.*s' is not finite", name, line, (int)(len < 40 ? len : 40), s);
    if (!in_values) first = (size_t)(s - text);
    in_values = 1;
    if (++count > PV_HSI_SPECLIB_MAX)
      return PV_ERROR(PV_EFORMAT, "%s:%d: more than %d channels", name, line, PV_HSI_SPECLIB_MAX);
  }
  if (!count) return PV_ERROR(PV_EFORMAT, "%s: no values after the header", name);
  int rc = pv_hsi_speclib_alloc(lib, 1, (int)count);
  if (rc) return rc;
  if (title) {
    char *t = title_name(title, title_len);
    if (!t) {
      pv_hsi_speclib_free(lib);
      return PV_ERROR(PV_ENOMEM, "%s", name);
    }
    if (*t) {
      pv_free(lib->names[0]);
      lib->names[0] = t;
    } else {
      pv_free(t);
    }
  }
  /* Pass 2: the values (already validated). */
  pos = first;
  size_t k = 0;
  while (k < count && next_line(text, n, &pos, &s, &len))
    if (len && line_number(s, len, &v)) lib->data[k++] = v <= USGS_DELETED ? NAN : v;
  return PV_OK;
}

/* One file through the parser. */
static int read_one(const char *path, pv_hsi_speclib *lib) {
  char *text = NULL;
  size_t n = 0;
  int rc = pv_file_read_all(path, USGS_MAX_FILE, &text, &n);
  if (!rc) rc = pv_hsi_speclib_parse_usgs(text, n, path, lib);
  pv_free(text);
  return rc;
}

static int add_wavelengths(const char *wl_path, pv_hsi_speclib *lib) {
  pv_hsi_speclib w;
  int rc = read_one(wl_path, &w);
  if (!rc && w.bands != lib->bands)
    rc = PV_ERROR(PV_EFORMAT, "%s: %d wavelengths for spectra of %d channels", wl_path, w.bands, lib->bands);
  for (int b = 0; !rc && b < w.bands; b++)
    if (isnan(w.data[b])) rc = PV_ERROR(PV_EFORMAT, "%s: wavelength %d is deleted (-1.23e34)", wl_path, b + 1);
  if (!rc) {
    lib->wavelength = w.data;
    w.data = NULL;
    if (!(lib->wavelength_units = pv_strdup("Micrometers"))) rc = PV_ERROR(PV_ENOMEM, "%s", wl_path);
  }
  pv_hsi_speclib_free(&w);
  return rc;
}

int pv_hsi_speclib_read_usgs(const char *const *paths, int n, const char *wl_path, pv_hsi_speclib *lib) {
  if (!lib) return PV_ERROR(PV_EINVAL, "read_usgs: NULL library");
  memset(lib, 0, sizeof *lib);
  if (!paths || n < 1 || n > PV_HSI_SPECLIB_MAX) return PV_ERROR(PV_EINVAL, "read_usgs: %d files", n);
  int rc = PV_OK;
  for (int i = 0; !rc && i < n; i++) {
    pv_hsi_speclib one;
    rc = read_one(paths[i], &one);
    if (!rc && i == 0) rc = pv_hsi_speclib_alloc(lib, n, one.bands);
    if (!rc && one.bands != lib->bands)
      rc = PV_ERROR(PV_EFORMAT, "%s: %d channels, %s has %d", paths[i], one.bands, paths[0], lib->bands);
    if (!rc) {
      memcpy(lib->data + (size_t)i * lib->bands, one.data, (size_t)lib->bands * sizeof(double));
      pv_free(lib->names[i]);
      lib->names[i] = one.names[0];
      one.names[0] = NULL;
    }
    pv_hsi_speclib_free(&one);
  }
  if (!rc && wl_path) rc = add_wavelengths(wl_path, lib);
  if (rc) pv_hsi_speclib_free(lib);
  return rc;
}
