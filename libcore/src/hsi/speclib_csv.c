/* Spectral libraries as CSV: a tolerant reader with exact error positions
 * and a writer that round-trips every double. */
#include <parseval/alloc.h>
#include <parseval/core.h>
#include <parseval/error.h>
#include <parseval/fileout.h>
#include <parseval/hsi.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#define SPECLIB_MAX 65536

int pv_hsi_speclib_alloc(pv_hsi_speclib *lib, int n, int bands) {
  memset(lib, 0, sizeof *lib);
  if (n < 1 || bands < 1 || n > SPECLIB_MAX || bands > SPECLIB_MAX)
    return PV_ERROR(PV_EINVAL, "spectral library of %d spectra x %d bands", n, bands);
  lib->n = n;
  lib->bands = bands;
  lib->names = pv_calloc((size_t)n, sizeof *lib->names);
  lib->data = pv_calloc((size_t)n * bands, sizeof *lib->data);
  int rc = lib->names && lib->data ? PV_OK : PV_ENOMEM;
  for (int i = 0; !rc && i < n; i++) {
    char buf[32];
    snprintf(buf, sizeof buf, "spectrum-%d", i + 1);
    if (!(lib->names[i] = pv_strdup(buf))) rc = PV_ENOMEM;
  }
  if (rc) pv_hsi_speclib_free(lib);
  return rc;
}

void pv_hsi_speclib_free(pv_hsi_speclib *lib) {
  if (!lib) return;
  for (int i = 0; lib->names && i < lib->n; i++) pv_free(lib->names[i]);
  pv_free(lib->names);
  pv_free(lib->wavelength);
  pv_free(lib->data);
  pv_free(lib->wavelength_units);
  memset(lib, 0, sizeof *lib);
}

/* A growing list of values and names while parsing. */
typedef struct {
  double *vals;
  size_t nv, cap;
  char **names;
  size_t nn, ncap;
  double *wl;
  int bands;
} csv_acc;

static int push_val(csv_acc *a, double v) {
  if (a->nv == a->cap) {
    size_t cap = a->cap ? 2 * a->cap : 1024;
    if (pv_realloc((void **)&a->vals, a->cap * sizeof *a->vals, cap * sizeof *a->vals)) return PV_ENOMEM;
    a->cap = cap;
  }
  a->vals[a->nv++] = v;
  return PV_OK;
}

static int push_name(csv_acc *a, const char *s, size_t len) {
  if (a->nn == a->ncap) {
    size_t cap = a->ncap ? 2 * a->ncap : 64;
    if (pv_realloc((void **)&a->names, a->ncap * sizeof *a->names, cap * sizeof *a->names)) return PV_ENOMEM;
    a->ncap = cap;
  }
  char *d = pv_malloc(len + 1);
  if (!d) return PV_ENOMEM;
  memcpy(d, s, len);
  d[len] = '\0';
  a->names[a->nn++] = d;
  return PV_OK;
}

/* Parse one field as a finite number in the C locale. */
static int field_number(const char *s, size_t len, double *v) {
  char buf[64];
  while (len && (*s == ' ' || *s == '\t')) s++, len--;
  while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r')) len--;
  if (!len || len >= sizeof buf || strspn(s, "0123456789+-.eE") < len) return 0;
  memcpy(buf, s, len);
  buf[len] = '\0';
  char *end;
  errno = 0;
  *v = pv_strtod_c(buf, &end);
  return *end == '\0' && isfinite(*v);
}

static int parse_line(csv_acc *a, const char *s, size_t len, const char *name, int line) {
  int header = len >= 4 && strncmp(s, "name", 4) == 0 && (len == 4 || s[4] == ',');
  size_t pos = 0;
  int col = 0, count = 0;
  double *wl = NULL;
  if (header && a->wl) return PV_ERROR(PV_EFORMAT, "%s:%d: a second header line", name, line);
  if (header && a->nn) return PV_ERROR(PV_EFORMAT, "%s:%d: the header line must come first", name, line);
  size_t start_vals = a->nv;
  while (pos <= len) {
    size_t e = pos;
    while (e < len && s[e] != ',') e++;
    col++;
    double v;
    if (field_number(s + pos, e - pos, &v)) {
      if (col == 1 && !header && push_name(a, "", 0)) return PV_ENOMEM;
      if (push_val(a, v)) return PV_ENOMEM;
      count++;
    } else if (col == 1) {
      if (!header && push_name(a, s + pos, e - pos)) return PV_ENOMEM;
    } else {
      return PV_ERROR(PV_EFORMAT, "%s:%d: column %d: \"%.*s\" is not a finite number", name, line, col,
                      (int)(e - pos < 40 ? e - pos : 40), s + pos);
    }
    if (count > SPECLIB_MAX) return PV_ERROR(PV_EFORMAT, "%s:%d: more than %d values", name, line, SPECLIB_MAX);
    pos = e + 1;
  }
  if (!count) return PV_ERROR(PV_EFORMAT, "%s:%d: no values", name, line);
  if (a->bands && count != a->bands)
    return PV_ERROR(PV_EFORMAT, "%s:%d: %d values, the lines before have %d", name, line, count, a->bands);
  a->bands = count;
  if (header) { /* the values were wavelengths: move them out */
    wl = pv_malloc((size_t)count * sizeof *wl);
    if (!wl) return PV_ENOMEM;
    memcpy(wl, a->vals + start_vals, (size_t)count * sizeof *wl);
    a->nv = start_vals;
    a->wl = wl;
  } else if (a->nn > SPECLIB_MAX) {
    return PV_ERROR(PV_EFORMAT, "%s:%d: more than %d spectra", name, line, SPECLIB_MAX);
  }
  return PV_OK;
}

static void acc_free(csv_acc *a) {
  pv_free(a->vals);
  for (size_t i = 0; i < a->nn; i++) pv_free(a->names[i]);
  pv_free(a->names);
  pv_free(a->wl);
}

/* Split a line into at most max fields (pointers into a copy). */
static int split_fields(char *line, char **f, int max) {
  int k = 0;
  for (char *p = line;; p++) {
    if (k == max) return -1;
    f[k++] = p;
    p = strchr(p, ',');
    if (!p) break;
    *p = '\0';
  }
  return k;
}

/* Column layout: a header "label,name1,...,nameN" whose fields are all
 * text, then one line per band "wavelength,v1,...,vN". */
static int parse_columns(char **lines, int *lineno, int nl, const char *name, pv_hsi_speclib *lib) {
  char *f[SPECLIB_MAX + 1];
  int nf = split_fields(lines[0], f, SPECLIB_MAX + 1), rc;
  if (nf < 2) return PV_ERROR(PV_EFORMAT, "%s:%d: a column header needs at least two fields", name, lineno[0]);
  int with_wl = strcmp(f[0], "band") != 0;
  if ((rc = pv_hsi_speclib_alloc(lib, nf - 1, nl - 1 > 0 ? nl - 1 : 1)) || nl < 2) {
    pv_hsi_speclib_free(lib);
    return rc ? rc : PV_ERROR(PV_EFORMAT, "%s: a header but no bands", name);
  }
  for (int i = 1; i < nf && !rc; i++) {
    pv_free(lib->names[i - 1]);
    if (!(lib->names[i - 1] = pv_strdup(f[i]))) rc = PV_ENOMEM;
  }
  if (!rc && with_wl && !(lib->wavelength = pv_malloc((size_t)lib->bands * sizeof(double)))) rc = PV_ENOMEM;
  for (int b = 0; !rc && b < lib->bands; b++) {
    char *g[SPECLIB_MAX + 1];
    int ng = split_fields(lines[b + 1], g, SPECLIB_MAX + 1);
    if (ng != nf) {
      rc = PV_ERROR(PV_EFORMAT, "%s:%d: %d fields, the header has %d", name, lineno[b + 1], ng, nf);
      break;
    }
    for (int c = 0; c < ng && !rc; c++) {
      double v;
      if (!field_number(g[c], strlen(g[c]), &v))
        rc = PV_ERROR(PV_EFORMAT, "%s:%d: column %d: \"%.40s\" is not a finite number", name, lineno[b + 1], c + 1, g[c]);
      else if (c == 0 && with_wl) lib->wavelength[b] = v;
      else if (c > 0) lib->data[(size_t)(c - 1) * lib->bands + b] = v;
    }
  }
  if (rc) pv_hsi_speclib_free(lib);
  return rc;
}

/* The content lines (no comments or blanks) as NUL-terminated copies. */
static int content_lines(const char *text, size_t n, const char *name, char ***out, int **lineno, int *count) {
  int cap = 0, line = 0, rc = PV_OK;
  *out = NULL;
  *lineno = NULL;
  *count = 0;
  for (size_t pos = 0; !rc && pos < n;) {
    size_t e = pos;
    while (e < n && text[e] != '\n') e++;
    line++;
    size_t len = e - pos;
    while (len && (text[pos + len - 1] == '\r' || text[pos + len - 1] == ' ')) len--;
    if (memchr(text + pos, '\0', e - pos)) rc = PV_ERROR(PV_EFORMAT, "%s:%d: NUL byte (not a text file)", name, line);
    else if (len && text[pos] != '#') {
      if (*count == SPECLIB_MAX + 1) rc = PV_ERROR(PV_EFORMAT, "%s:%d: more than %d lines", name, line, SPECLIB_MAX);
      else if (*count == cap) {
        int nc = cap ? 2 * cap : 64;
        rc = pv_realloc((void **)out, (size_t)cap * sizeof **out, (size_t)nc * sizeof **out);
        if (!rc) rc = pv_realloc((void **)lineno, (size_t)cap * sizeof **lineno, (size_t)nc * sizeof **lineno);
        cap = nc;
      }
      if (!rc && !((*out)[*count] = pv_malloc(len + 1))) rc = PV_ENOMEM;
      if (!rc) {
        memcpy((*out)[*count], text + pos, len);
        (*out)[*count][len] = '\0';
        (*lineno)[(*count)++] = line;
      }
    }
    pos = e + 1;
  }
  return rc;
}

/* A header whose every field is text (and the first is not "name"). */
static int is_column_header(const char *s) {
  if (!strncmp(s, "name,", 5) || !strcmp(s, "name")) return 0;
  int fields = 0;
  for (const char *p = s;; fields++) {
    const char *e = strchr(p, ',');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    double v;
    if (field_number(p, len, &v)) return 0;
    if (!e) break;
    p = e + 1;
  }
  return fields >= 1;
}

/* Hand the accumulated rows over to lib (naming unnamed spectra). */
static int rows_to_lib(csv_acc *a, pv_hsi_speclib *lib) {
  lib->n = (int)a->nn;
  lib->bands = a->bands;
  lib->names = a->names;
  lib->data = a->vals;
  lib->wavelength = a->wl;
  int rc = PV_OK;
  for (int i = 0; i < lib->n; i++)
    if (!lib->names[i][0]) {
      pv_free(lib->names[i]);
      char buf[32];
      snprintf(buf, sizeof buf, "spectrum-%d", i + 1);
      if (!(lib->names[i] = pv_strdup(buf))) rc = PV_ENOMEM;
    }
  if (rc) pv_hsi_speclib_free(lib);
  return rc;
}

int pv_hsi_speclib_parse_csv(const char *text, size_t n, const char *name, pv_hsi_speclib *lib) {
  memset(lib, 0, sizeof *lib);
  if (!text || !name) return PV_ERROR(PV_EINVAL, "spectral library: NULL input");
  char **lines;
  int *lineno, nl, rc = content_lines(text, n, name, &lines, &lineno, &nl);
  if (!rc && !nl) rc = PV_ERROR(PV_EFORMAT, "%s: no spectra", name);
  if (!rc && is_column_header(lines[0])) {
    rc = parse_columns(lines, lineno, nl, name, lib);
  } else if (!rc) {
    csv_acc a = {0};
    for (int i = 0; !rc && i < nl; i++) rc = parse_line(&a, lines[i], strlen(lines[i]), name, lineno[i]);
    if (!rc && !a.nn) rc = PV_ERROR(PV_EFORMAT, "%s: no spectra", name);
    if (!rc) rc = rows_to_lib(&a, lib);
    else acc_free(&a);
  }
  for (int i = 0; i < nl; i++) pv_free(lines[i]);
  pv_free(lines);
  pv_free(lineno);
  return rc;
}

int pv_hsi_speclib_read_csv(const char *path, pv_hsi_speclib *lib) {
  char *text;
  size_t n;
  memset(lib, 0, sizeof *lib);
  int rc = pv_file_read_all(path, (size_t)256 << 20, &text, &n);
  if (rc) return rc;
  rc = pv_hsi_speclib_parse_csv(text, n, path, lib);
  pv_free(text);
  return rc;
}

int pv_hsi_speclib_write_csv(const char *path, const pv_hsi_speclib *lib, int overwrite) {
  if (!lib || lib->n < 1 || lib->bands < 1) return PV_ERROR(PV_EINVAL, "%s: empty spectral library", path);
  pv_fileout *f;
  int rc = pv_fileout_open(path, overwrite, &f);
  if (rc) return rc;
  FILE *o = pv_fileout_stream(f);
  char num[40];
  /* Column layout: a header of names, then one line per band. */
  fputs(lib->wavelength ? "wavelength" : "band", o);
  for (int i = 0; i < lib->n; i++) {
    const char *nm = lib->names && lib->names[i] ? lib->names[i] : "";
    double dummy;
    fputc(',', o);
    if (!*nm || field_number(nm, strlen(nm), &dummy)) fprintf(o, "spectrum-");
    for (const char *c = nm; *c; c++) fputc(*c == ',' || *c == '\n' || *c == '\r' ? '_' : *c, o);
    if (!*nm) fprintf(o, "%d", i + 1);
  }
  fputc('\n', o);
  for (int b = 0; b < lib->bands; b++) {
    if (lib->wavelength) pv_snprintf_c(num, sizeof num, "%.17g", lib->wavelength[b]);
    else pv_snprintf_c(num, sizeof num, "%d", b + 1);
    fputs(num, o);
    for (int i = 0; i < lib->n; i++) {
      pv_snprintf_c(num, sizeof num, ",%.17g", lib->data[(size_t)i * lib->bands + b]);
      fputs(num, o);
    }
    fputc('\n', o);
  }
  return pv_fileout_commit(&f);
}
