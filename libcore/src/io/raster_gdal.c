/* raster_gdal.c - GDAL plumbing: message traps, type mapping, cache limit,
 * masking of invalid values. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <cpl_error.h>
#include <gdal.h>

#include <parseval/ctx.h>
#include <parseval/error.h>

#include "raster_internal.h"

static void CPL_STDCALL trap_handler(CPLErr cls, CPLErrorNum num, const char *msg) {
  (void)num;
  pv_gdal_trap *t = CPLGetErrorHandlerUserData();
  if (!t) return;
  if (cls == CE_Failure || cls == CE_Fatal) {
    if (t->failures++ == 0) snprintf(t->msg, sizeof t->msg, "%s", msg ? msg : "");
  } else if (cls == CE_Warning) {
    if (t->warnings++ == 0 && t->failures == 0)
      snprintf(t->msg, sizeof t->msg, "%s", msg ? msg : "");
  }
}

static pthread_once_t register_once = PTHREAD_ONCE_INIT;
static void register_all(void) { GDALAllRegister(); }

void pv_gdal_register(void) { pthread_once(&register_once, register_all); }

void pv_gdal_trap_push(pv_gdal_trap *t) {
  memset(t, 0, sizeof *t);
  CPLErrorReset();
  CPLPushErrorHandlerEx(trap_handler, t);
}

void pv_gdal_trap_pop(pv_gdal_trap *t) {
  (void)t;
  CPLPopErrorHandler();
}

GDALDataType pv_gdal_type(pv_dtype t) {
  switch (t) {
  case PV_U8: return GDT_Byte;
  case PV_I16: return GDT_Int16;
  case PV_U16: return GDT_UInt16;
  case PV_I32: return GDT_Int32;
  case PV_U32: return GDT_UInt32;
  case PV_I64: return GDT_Int64;
  case PV_F32: return GDT_Float32;
  case PV_F64: return GDT_Float64;
  default: return GDT_Unknown;
  }
}

pv_dtype pv_gdal_to_dtype(GDALDataType t) {
  switch (t) {
  case GDT_Byte: return PV_U8;
  case GDT_Int16: return PV_I16;
  case GDT_UInt16: return PV_U16;
  case GDT_Int32: return PV_I32;
  case GDT_UInt32: return PV_U32;
  case GDT_Int64: return PV_I64;
  case GDT_Float32: return PV_F32;
  default: return PV_F64;
  }
}

void pv_gdal_cache_limit(size_t ram_budget) {
  GIntBig want = (GIntBig)(ram_budget / 4);
  if (want < (1 << 20)) want = 1 << 20;
  if (GDALGetCacheMax64() > want) GDALSetCacheMax64(want);
}

size_t pv_raster_mask(void *buf, pv_dtype t, size_t n, int has_nodata, double nodata) {
  size_t k = 0;
  if (t == PV_F32) {
    float *x = buf, nd = (float)nodata;
    for (size_t i = 0; i < n; i++)
      if (isnan(x[i]) || (has_nodata && x[i] == nd)) { x[i] = NAN; k++; }
  } else {
    double *x = buf;
    for (size_t i = 0; i < n; i++)
      if (isnan(x[i]) || (has_nodata && x[i] == nodata)) { x[i] = NAN; k++; }
  }
  return k;
}

void pv_raster_unmask(void *buf, pv_dtype t, size_t n, int has_nodata, double nodata) {
  if (!has_nodata || isnan(nodata)) return;
  if (t == PV_F32) {
    float *x = buf;
    for (size_t i = 0; i < n; i++)
      if (isnan(x[i])) x[i] = (float)nodata;
  } else {
    double *x = buf;
    for (size_t i = 0; i < n; i++)
      if (isnan(x[i])) x[i] = nodata;
  }
}

void pv_raster_report_invalid(pv_ctx *ctx, const char *name, const pv_raster_meta *m,
                              const size_t *invalid, size_t pixels) {
  size_t total = 0, dead = 0;
  for (size_t b = 0; b < m->bands; b++) total += invalid[b];
  if (total == 0) return;
  pv_log(ctx, PV_LOG_WARN, "io", "%s: %zu of %zu values are NaN or no-data (masked as NaN)",
         name, total, pixels * m->bands);
  for (size_t b = 0; b < m->bands; b++) {
    if (invalid[b] != pixels) continue;
    char label[160];
    pv_raster_meta_band_label(m, b, label, sizeof label);
    if (dead++ < 16)
      pv_log(ctx, PV_LOG_WARN, "io", "%s: %s has no valid pixel", name, label);
  }
  if (dead > 16)
    pv_log(ctx, PV_LOG_WARN, "io", "%s: %zu bands in all have no valid pixel", name, dead);
}
