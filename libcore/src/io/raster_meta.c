/* raster_meta.c - the metadata that travels with a raster cube. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <ogr_srs_api.h>
#include <cpl_conv.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/raster.h>

#include "raster_internal.h"

void pv_raster_meta_init(pv_raster_meta *m, size_t bands) {
  memset(m, 0, sizeof *m);
  m->bands = bands;
}

static void free_strings(char **s, size_t n) {
  if (!s) return;
  for (size_t i = 0; i < n; i++) pv_free(s[i]);
  pv_free(s);
}

void pv_raster_meta_clear(pv_raster_meta *m) {
  if (!m) return;
  pv_free(m->srs_wkt);
  pv_free(m->wavelength);
  pv_free(m->fwhm);
  pv_free(m->bbl);
  pv_free(m->wavelength_units);
  free_strings(m->band_names, m->bands);
  free_strings(m->keys, m->n_items);
  free_strings(m->values, m->n_items);
  pv_raster_meta_init(m, 0);
}

/* Copy of s (NULL in, NULL out); *ok cleared on allocation failure. */
static char *dup_or_null(const char *s, int *ok) {
  if (!s) return NULL;
  char *d = pv_strdup(s);
  if (!d) *ok = 0;
  return d;
}

int pv_raster_meta_select(pv_raster_meta *dst, const pv_raster_meta *src,
                          const size_t *idx, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (idx[i] >= src->bands)
      return PV_ERROR(PV_EINVAL, "band index %zu out of range (%zu bands)",
                      idx[i] + 1, src->bands);
  pv_raster_meta m;
  pv_raster_meta_init(&m, n);
  int ok = 1;
  m.has_geotransform = src->has_geotransform;
  memcpy(m.geotransform, src->geotransform, sizeof m.geotransform);
  m.has_nodata = src->has_nodata;
  m.nodata = src->nodata;
  m.srs_wkt = dup_or_null(src->srs_wkt, &ok);
  m.wavelength_units = dup_or_null(src->wavelength_units, &ok);
  size_t nn = n ? n : 1;
  if (src->wavelength && ok && (m.wavelength = pv_malloc(nn * sizeof(double))))
    for (size_t i = 0; i < n; i++) m.wavelength[i] = src->wavelength[idx[i]];
  if (src->fwhm && ok && (m.fwhm = pv_malloc(nn * sizeof(double))))
    for (size_t i = 0; i < n; i++) m.fwhm[i] = src->fwhm[idx[i]];
  if (src->bbl && ok && (m.bbl = pv_malloc(nn)))
    for (size_t i = 0; i < n; i++) m.bbl[i] = src->bbl[idx[i]];
  if ((src->wavelength && !m.wavelength) || (src->fwhm && !m.fwhm) ||
      (src->bbl && !m.bbl))
    ok = 0;
  if (src->band_names && ok) {
    m.band_names = pv_calloc(nn, sizeof(char *));
    if (!m.band_names) ok = 0;
    for (size_t i = 0; ok && i < n; i++)
      m.band_names[i] = dup_or_null(src->band_names[idx[i]], &ok);
  }
  for (size_t i = 0; ok && i < src->n_items; i++)
    if (pv_raster_meta_set_item(&m, src->keys[i], src->values[i]) != 0) ok = 0;
  if (!ok) {
    pv_raster_meta_clear(&m);
    return PV_ERROR(PV_ENOMEM, "copying raster metadata");
  }
  *dst = m;
  return 0;
}

int pv_raster_meta_copy(pv_raster_meta *dst, const pv_raster_meta *src) {
  size_t n = src->bands, *idx = pv_malloc((n ? n : 1) * sizeof(size_t));
  if (!idx) return PV_ERROR(PV_ENOMEM, "copying raster metadata");
  for (size_t i = 0; i < n; i++) idx[i] = i;
  int st = pv_raster_meta_select(dst, src, idx, n);
  pv_free(idx);
  return st;
}

void pv_raster_meta_shift(pv_raster_meta *m, double x0, double y0) {
  if (!m->has_geotransform) return;
  double *g = m->geotransform;
  g[0] += x0 * g[1] + y0 * g[2];
  g[3] += x0 * g[4] + y0 * g[5];
}

int pv_raster_meta_set_item(pv_raster_meta *m, const char *key, const char *value) {
  for (size_t i = 0; i < m->n_items; i++) {
    if (strcmp(m->keys[i], key) == 0) {
      char *v = pv_strdup(value);
      if (!v) return PV_ERROR(PV_ENOMEM, "metadata item '%s'", key);
      pv_free(m->values[i]);
      m->values[i] = v;
      return 0;
    }
  }
  size_t n = m->n_items;
  if (pv_realloc((void **)&m->keys, n * sizeof(char *), (n + 1) * sizeof(char *)) != 0 ||
      pv_realloc((void **)&m->values, n * sizeof(char *), (n + 1) * sizeof(char *)) != 0)
    return PV_ERROR(PV_ENOMEM, "metadata item '%s'", key);
  /* keys may have grown while values did not: both are at least n long. */
  char *k = pv_strdup(key), *v = pv_strdup(value);
  if (!k || !v) {
    pv_free(k);
    pv_free(v);
    return PV_ERROR(PV_ENOMEM, "metadata item '%s'", key);
  }
  m->keys[n] = k;
  m->values[n] = v;
  m->n_items = n + 1;
  return 0;
}

const char *pv_raster_meta_item(const pv_raster_meta *m, const char *key) {
  for (size_t i = 0; i < m->n_items; i++)
    if (strcmp(m->keys[i], key) == 0) return m->values[i];
  return NULL;
}

int pv_raster_meta_set_srs(pv_raster_meta *m, const char *user_srs) {
  pv_gdal_register();
  OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
  if (!srs) return PV_ERROR(PV_ENOMEM, "spatial reference");
  pv_gdal_trap trap;
  pv_gdal_trap_push(&trap);
  char *wkt = NULL;
  OGRErr e = OSRSetFromUserInput(srs, user_srs);
  if (e == OGRERR_NONE) e = OSRExportToWkt(srs, &wkt);
  pv_gdal_trap_pop(&trap);
  OSRDestroySpatialReference(srs);
  if (e != OGRERR_NONE || !wkt) {
    CPLFree(wkt);
    return PV_ERROR(PV_EINVAL, "spatial reference '%s' not understood%s%s", user_srs,
                    trap.msg[0] ? ": " : "", trap.msg);
  }
  char *copy = pv_strdup(wkt);
  CPLFree(wkt);
  if (!copy) return PV_ERROR(PV_ENOMEM, "spatial reference");
  pv_free(m->srs_wkt);
  m->srs_wkt = copy;
  return 0;
}

int pv_raster_meta_set_band_name(pv_raster_meta *m, size_t b, const char *name) {
  if (b >= m->bands)
    return PV_ERROR(PV_EINVAL, "band %zu out of range (%zu bands)", b + 1, m->bands);
  if (!m->band_names && !(m->band_names = pv_calloc(m->bands, sizeof(char *))))
    return PV_ERROR(PV_ENOMEM, "band names");
  char *d = pv_strdup(name);
  if (!d) return PV_ERROR(PV_ENOMEM, "band names");
  pv_free(m->band_names[b]);
  m->band_names[b] = d;
  return 0;
}

int pv_raster_meta_set_wavelengths(pv_raster_meta *m, const double *wl,
                                   const double *fwhm, const char *units) {
  size_t n = m->bands ? m->bands : 1;
  double *w = pv_malloc(n * sizeof(double));
  double *f = fwhm ? pv_malloc(n * sizeof(double)) : NULL;
  char *u = units ? pv_strdup(units) : NULL;
  if (!w || (fwhm && !f) || (units && !u)) {
    pv_free(w);
    pv_free(f);
    pv_free(u);
    return PV_ERROR(PV_ENOMEM, "wavelengths");
  }
  memcpy(w, wl, m->bands * sizeof(double));
  if (f) memcpy(f, fwhm, m->bands * sizeof(double));
  pv_free(m->wavelength);
  pv_free(m->fwhm);
  pv_free(m->wavelength_units);
  m->wavelength = w;
  m->fwhm = f;
  m->wavelength_units = u;
  return 0;
}

void pv_raster_meta_band_label(const pv_raster_meta *m, size_t b, char *buf,
                               size_t size) {
  const char *name = (m->band_names && b < m->bands) ? m->band_names[b] : NULL;
  if (name && name[0])
    snprintf(buf, size, "band %zu '%s'", b + 1, name);
  else if (m->wavelength && b < m->bands)
    snprintf(buf, size, "band %zu (%g %s)", b + 1, m->wavelength[b],
             m->wavelength_units ? m->wavelength_units : "");
  else
    snprintf(buf, size, "band %zu", b + 1);
}

int pv_raster_meta_from_envi(pv_raster_meta *m, const pv_raster_envi_header *h) {
  if (h->bands != m->bands)
    return PV_ERROR(PV_EFORMAT, "ENVI header has %zu bands, the data %zu", h->bands, m->bands);
  int st = 0;
  if (h->wavelength)
    st = pv_raster_meta_set_wavelengths(m, h->wavelength, h->fwhm,
                                        h->wavelength_units ? h->wavelength_units
                                                            : m->wavelength_units);
  if (st == 0 && h->bbl) {
    unsigned char *b = pv_malloc(h->bands);
    if (!b) return PV_ERROR(PV_ENOMEM, "bad-band list");
    memcpy(b, h->bbl, h->bands);
    pv_free(m->bbl);
    m->bbl = b;
  }
  for (size_t i = 0; st == 0 && h->band_names && i < h->bands; i++)
    st = pv_raster_meta_set_band_name(m, i, h->band_names[i]);
  for (size_t i = 0; st == 0 && i < h->n_items; i++)
    st = pv_raster_meta_set_item(m, h->keys[i], h->values[i]);
  if (st == 0 && h->has_ignore) {
    m->has_nodata = 1;
    m->nodata = h->ignore_value;
  }
  return st;
}
