/* ENVI spectral libraries (.sli + .hdr): one spectrum per line of a
 * samples x lines x 1 image of floats or doubles. The scalar header fields
 * go through the raster module's ENVI header parser; the per-spectrum lists
 * (whose lengths follow samples and lines, not bands) are read here. */
#include <parseval/alloc.h>
#include <parseval/core.h>
#include <parseval/error.h>
#include <parseval/fileout.h>
#include <parseval/hsi.h>
#include <parseval/raster.h>

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "speclib_util.h"

#define SLI_MAX_HEADER ((size_t)16 << 20)

/* Locate "key = {...}" at the start of a line of the NUL-terminated text:
 * *beg at the key, *open at '{', *close at the matching '}'. 0 when found. */
static int find_list(const char *text, const char *key, const char **beg, const char **open,
                     const char **close) {
  size_t kl = strlen(key);
  for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
    const char *k = p;
    while (*k == ' ' || *k == '\t') k++;
    if (strncasecmp(k, key, kl)) continue;
    const char *q = k + kl;
    while (*q == ' ' || *q == '\t') q++;
    if (*q != '=') continue;
    q++;
    while (*q == ' ' || *q == '\t') q++;
    if (*q != '{') continue;
    const char *c = strchr(q, '}');
    if (!c) return -1;
    *beg = k;
    *open = q;
    *close = c;
    return 0;
  }
  return 1;
}

/* Blank "key = {...}" (newlines kept) so that the raster parser, which sizes
 * these lists by bands, skips them. */
static void blank_list(char *text, const char *key) {
  const char *b, *o, *c;
  while (find_list(text, key, &b, &o, &c) == 0)
    for (char *p = (char *)b; p <= c; p++)
      if (*p != '\n') *p = ' ';
}

/* The entries of the list `key`, split at commas, trimmed. NULL, 0 when absent. */
static int list_items(const char *text, const char *key, const char *name, size_t expect, char ***out,
                      size_t *count) {
  *out = NULL;
  *count = 0;
  const char *b, *o, *c;
  int f = find_list(text, key, &b, &o, &c);
  if (f < 0) return PV_ERROR(PV_EFORMAT, "%s: field '%s': unterminated '{' list", name, key);
  if (f > 0) return PV_OK;
  size_t n = 1;
  for (const char *p = o + 1; p < c; p++) n += *p == ',';
  if (n != expect)
    return PV_ERROR(PV_EFORMAT, "%s: field '%s': %zu entries, expected %zu", name, key, n, expect);
  char **items = pv_calloc(n, sizeof *items);
  if (!items) return PV_ERROR(PV_ENOMEM, "%s: field '%s'", name, key);
  const char *s = o + 1;
  for (size_t i = 0; i < n; i++) {
    const char *e = s;
    while (e < c && *e != ',') e++;
    items[i] = pv_hsi_speclib_trimdup(s, (size_t)(e - s));
    if (!items[i]) {
      pv_hsi_speclib_free_strings(items, n);
      return PV_ERROR(PV_ENOMEM, "%s: field '%s'", name, key);
    }
    s = e + 1;
  }
  *out = items;
  *count = n;
  return PV_OK;
}

static int read_wavelengths(const char *text, const char *name, pv_hsi_speclib *lib) {
  char **it;
  size_t n;
  int rc = list_items(text, "wavelength", name, (size_t)lib->bands, &it, &n);
  if (rc || !it) return rc;
  lib->wavelength = pv_malloc(n * sizeof(double));
  if (!lib->wavelength) rc = PV_ERROR(PV_ENOMEM, "%s: field 'wavelength'", name);
  for (size_t i = 0; !rc && i < n; i++) {
    char *end;
    lib->wavelength[i] = pv_strtod_c(it[i], &end);
    if (end == it[i] || *end || !isfinite(lib->wavelength[i]))
      rc = PV_ERROR(PV_EFORMAT, "%s: field 'wavelength': entry %zu '%.40s' is not a number", name, i + 1, it[i]);
  }
  pv_hsi_speclib_free_strings(it, n);
  return rc;
}

static int read_names(const char *text, const char *name, pv_hsi_speclib *lib) {
  char **it;
  size_t n;
  int rc = list_items(text, "spectra names", name, (size_t)lib->n, &it, &n);
  if (rc || !it) return rc;
  for (int i = 0; i < lib->n; i++) {
    if (!it[i][0]) continue; /* keep "spectrum-<k>" for an empty name */
    pv_free(lib->names[i]);
    lib->names[i] = it[i];
    it[i] = NULL;
  }
  pv_hsi_speclib_free_strings(it, n);
  return PV_OK;
}

/* Value k of the data (type 4 or 5, byte order swap when `swap`). */
static double value_at(const unsigned char *d, int type, int swap, size_t k) {
  unsigned char b[8];
  size_t ts = type == 4 ? 4 : 8;
  for (size_t i = 0; i < ts; i++) b[i] = d[k * ts + (swap ? ts - 1 - i : i)];
  if (type == 4) {
    float f;
    memcpy(&f, b, 4);
    return f;
  }
  double x;
  memcpy(&x, b, 8);
  return x;
}

static int host_big_endian(void) {
  const uint16_t one = 1;
  unsigned char c;
  memcpy(&c, &one, 1);
  return c == 0;
}

/* Header fields the library needs, checked against the data size. */
static int check_header(const pv_raster_envi_header *h, size_t data_n, const char *name) {
  if (h->bands != 1)
    return PV_ERROR(PV_EFORMAT, "%s: field 'bands': %zu; a spectral library has 1 band (spectra are lines)", name,
                    h->bands);
  if (h->data_type != 4 && h->data_type != 5)
    return PV_ERROR(PV_EFORMAT, "%s: field 'data type': %d; spectral libraries take 4 (float) or 5 (double)", name,
                    h->data_type);
  if (h->samples > PV_HSI_SPECLIB_MAX || h->lines > PV_HSI_SPECLIB_MAX)
    return PV_ERROR(PV_EFORMAT, "%s: fields 'samples' x 'lines': %zu x %zu exceeds %d x %d", name, h->samples,
                    h->lines, PV_HSI_SPECLIB_MAX, PV_HSI_SPECLIB_MAX);
  size_t need = h->samples * h->lines * pv_raster_envi_type_size(h->data_type);
  if (h->header_offset > data_n || data_n - h->header_offset < need)
    return PV_ERROR(PV_EFORMAT,
                    "%s: field 'header offset' %zu + %zu x %zu values need %zu bytes, the data file has %zu: truncated",
                    name, h->header_offset, h->lines, h->samples, h->header_offset + need, data_n);
  return PV_OK;
}

/* The scalar fields through the raster parser, list fields blanked. */
static int parse_scalars(const char *hdr, size_t hdr_n, const char *name, pv_raster_envi_header *h, char **copy) {
  *copy = pv_malloc(hdr_n + 1);
  if (!*copy) return PV_ERROR(PV_ENOMEM, "%s", name);
  memcpy(*copy, hdr, hdr_n);
  (*copy)[hdr_n] = 0;
  if (strlen(*copy) != hdr_n) return PV_ERROR(PV_EFORMAT, "%s: contains a NUL byte; not a text header", name);
  char *blanked = pv_strdup(*copy);
  if (!blanked) return PV_ERROR(PV_ENOMEM, "%s", name);
  static const char *lists[] = {"wavelength", "fwhm", "bbl", "band names", "spectra names"};
  for (size_t i = 0; i < sizeof lists / sizeof *lists; i++) blank_list(blanked, lists[i]);
  int rc = pv_raster_envi_header_parse(blanked, strlen(blanked), name, h);
  pv_free(blanked);
  return rc;
}

int pv_hsi_speclib_parse_envi(const char *hdr, size_t hdr_n, const void *data, size_t data_n, const char *name,
                              pv_hsi_speclib *lib) {
  if (!lib) return PV_ERROR(PV_EINVAL, "parse_envi: NULL library");
  memset(lib, 0, sizeof *lib);
  if (!hdr || (!data && data_n)) return PV_ERROR(PV_EINVAL, "parse_envi: NULL input");
  if (!name) name = "spectral library";
  pv_raster_envi_header h;
  memset(&h, 0, sizeof h);
  char *text = NULL;
  int rc = parse_scalars(hdr, hdr_n, name, &h, &text);
  if (!rc) rc = check_header(&h, data_n, name);
  if (!rc) rc = pv_hsi_speclib_alloc(lib, (int)h.lines, (int)h.samples);
  if (!rc) rc = read_wavelengths(text, name, lib);
  if (!rc) rc = read_names(text, name, lib);
  if (!rc && h.wavelength_units && !(lib->wavelength_units = pv_strdup(h.wavelength_units)))
    rc = PV_ERROR(PV_ENOMEM, "%s", name);
  if (!rc) {
    const unsigned char *d = (const unsigned char *)data + h.header_offset;
    int swap = h.byte_order != host_big_endian();
    size_t total = (size_t)lib->n * lib->bands;
    for (size_t k = 0; k < total; k++) {
      double v = value_at(d, h.data_type, swap, k);
      lib->data[k] = (h.has_ignore && v == h.ignore_value) ? NAN : v;
    }
  }
  pv_free(text);
  pv_raster_envi_header_clear(&h);
  if (rc) pv_hsi_speclib_free(lib);
  return rc;
}

/* Header and data paths of a library named by either file: x.sli -> x.hdr
 * (or x.sli.hdr); x.hdr -> x.sli (or x when x.hdr ends a full name). */
static int envi_paths(const char *path, char *hdr, char *dat, size_t cap) {
  size_t l = strlen(path);
  struct stat st;
  if (l >= 4 && !strcasecmp(path + l - 4, ".hdr")) {
    if ((size_t)snprintf(hdr, cap, "%s", path) >= cap) return PV_ERROR(PV_EINVAL, "path too long: %s", path);
    snprintf(dat, cap, "%.*s", (int)(l - 4), path);
    if (stat(dat, &st) == 0 && S_ISREG(st.st_mode)) return PV_OK;
    snprintf(dat, cap, "%.*s.sli", (int)(l - 4), path);
    return PV_OK;
  }
  if ((size_t)snprintf(dat, cap, "%s", path) >= cap) return PV_ERROR(PV_EINVAL, "path too long: %s", path);
  int rc = pv_raster_envi_header_path(path, hdr, cap);
  if (rc) return rc;
  if (stat(hdr, &st) == 0) return PV_OK;
  snprintf(hdr, cap, "%s.hdr", path);
  return PV_OK;
}

/* Read the first `need` bytes of path after checking its size (need == 0:
 * the size only). */
static int read_prefix(const char *path, size_t max, void **out, size_t *n) {
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
    return PV_ERROR(PV_ENOTFOUND, "%s: cannot open the spectral library data file", path);
  *n = (size_t)st.st_size;
  if (*n > max) *n = max;
  *out = pv_malloc(*n ? *n : 1);
  if (!*out) return PV_ERROR(PV_ENOMEM, "%s: %zu bytes", path, *n);
  FILE *f = fopen(path, "rb");
  size_t got = f ? fread(*out, 1, *n, f) : 0;
  if (f) fclose(f);
  if (got != *n) {
    pv_free(*out);
    *out = NULL;
    return PV_ERROR(PV_EIO, "%s: read %zu of %zu bytes", path, got, *n);
  }
  return PV_OK;
}

int pv_hsi_speclib_read_envi(const char *path, pv_hsi_speclib *lib) {
  if (!lib) return PV_ERROR(PV_EINVAL, "read_envi: NULL library");
  memset(lib, 0, sizeof *lib);
  if (!path) return PV_ERROR(PV_EINVAL, "read_envi: NULL path");
  char hdr[4096], dat[4096];
  int rc = envi_paths(path, hdr, dat, sizeof hdr);
  char *text = NULL;
  size_t tn = 0;
  if (!rc) rc = pv_file_read_all(hdr, SLI_MAX_HEADER, &text, &tn);
  /* The header is checked first: its sizes bound what is read from data. */
  pv_raster_envi_header h;
  memset(&h, 0, sizeof h);
  char *copy = NULL;
  if (!rc) rc = parse_scalars(text, tn, hdr, &h, &copy);
  pv_free(copy);
  size_t bound = 0;
  if (!rc && h.samples <= PV_HSI_SPECLIB_MAX && h.lines <= PV_HSI_SPECLIB_MAX)
    bound = h.header_offset + h.samples * h.lines * 8;
  pv_raster_envi_header_clear(&h);
  void *data = NULL;
  size_t dn = 0;
  if (!rc) rc = read_prefix(dat, bound, &data, &dn);
  if (!rc) rc = pv_hsi_speclib_parse_envi(text, tn, data, dn, dat, lib);
  pv_free(text);
  pv_free(data);
  return rc;
}

/* A name safe inside an ENVI {list}: ',', '{', '}' and line breaks -> '_'. */
static void put_name(FILE *o, const char *s) {
  for (; *s; s++) fputc(strchr(",{}\r\n", *s) ? '_' : *s, o);
}

static int write_header(FILE *o, const pv_hsi_speclib *lib, int data_type) {
  fprintf(o, "ENVI\ndescription = {Parseval spectral library}\nsamples = %d\nlines = %d\nbands = 1\n", lib->bands,
          lib->n);
  fprintf(o, "header offset = 0\nfile type = ENVI Spectral Library\ndata type = %d\ninterleave = bsq\n", data_type);
  fprintf(o, "byte order = %d\n", host_big_endian());
  if (lib->wavelength_units) {
    fputs("wavelength units = ", o);
    put_name(o, lib->wavelength_units);
    fputc('\n', o);
  }
  fputs("spectra names = {", o);
  for (int i = 0; i < lib->n; i++) {
    if (i) fputs(", ", o);
    put_name(o, lib->names[i]);
  }
  fputs("}\n", o);
  if (lib->wavelength) {
    fputs("wavelength = {", o);
    for (int b = 0; b < lib->bands; b++) {
      char num[40];
      pv_snprintf_c(num, sizeof num, "%.17g", lib->wavelength[b]);
      fprintf(o, "%s%s", b ? ", " : "", num);
    }
    fputs("}\n", o);
  }
  return ferror(o) ? PV_ERROR(PV_EIO, "writing the ENVI header") : PV_OK;
}

static int write_data(FILE *o, const pv_hsi_speclib *lib, int data_type) {
  size_t total = (size_t)lib->n * lib->bands;
  for (size_t k = 0; k < total; k++) {
    if (data_type == 4) {
      float f = (float)lib->data[k];
      fwrite(&f, 4, 1, o);
    } else {
      fwrite(&lib->data[k], 8, 1, o);
    }
  }
  return ferror(o) ? PV_ERROR(PV_EIO, "writing the spectra") : PV_OK;
}

int pv_hsi_speclib_write_envi(const char *path, const pv_hsi_speclib *lib, int data_type, int overwrite) {
  if (!path || !lib || !lib->data || !lib->names || lib->n < 1 || lib->bands < 1)
    return PV_ERROR(PV_EINVAL, "write_envi: NULL or empty input");
  if (data_type != 4 && data_type != 5)
    return PV_ERROR(PV_EINVAL, "%s: data type %d; ENVI spectral libraries are written as 4 (float) or 5 (double)",
                    path, data_type);
  char hdr[4096];
  int rc = pv_raster_envi_header_path(path, hdr, sizeof hdr);
  if (!rc) rc = pv_output_check(path, overwrite);
  if (!rc) rc = pv_output_check(hdr, overwrite);
  pv_fileout *fd = NULL, *fh = NULL;
  if (!rc) rc = pv_fileout_open(path, overwrite, &fd);
  if (!rc) rc = pv_fileout_open(hdr, overwrite, &fh);
  if (!rc) rc = write_data(pv_fileout_stream(fd), lib, data_type);
  if (!rc) rc = write_header(pv_fileout_stream(fh), lib, data_type);
  if (!rc) rc = pv_fileout_commit(&fd);
  if (!rc) rc = pv_fileout_commit(&fh);
  if (rc) rc = PV_ERROR(rc, "spectral library %s", path);
  pv_fileout_abort(&fd);
  pv_fileout_abort(&fh);
  return rc;
}
