/* ns_summary.c - see ns_summary.h. Diagnostics are computed on the recorded
 * grid with a solver of that size (pv_ns_diagnostics). */
#include "ns_summary.h"

#include <math.h>
#include <stdlib.h>

#include <parseval/parseval.h>
#include <parseval/json.h>

int ns_summary_compare(const char *a, const char *b, ns_error_estimate *e) {
  pv_ns_dataset_info ia = {sizeof ia, 0, 0, 0, 0, PV_U8}, ib = ia;
  int rc = pv_ns_dataset_info_read(a, &ia);
  if (!rc) rc = pv_ns_dataset_info_read(b, &ib);
  if (rc) return rc;
  if (ia.times != ib.times || ia.res != ib.res)
    return PV_ERROR(PV_EINVAL, "%s and %s differ in shape", a, b);
  size_t n = (size_t)ia.times * (size_t)ia.res * (size_t)ia.res, rr = (size_t)ia.res * ia.res;
  double *wa = malloc(n * sizeof *wa), *wb = malloc(n * sizeof *wb);
  rc = (!wa || !wb) ? PV_ERROR(PV_ENOMEM, "error estimate") : PV_OK;
  if (!rc) rc = pv_ns_dataset_read_sample(a, 0, wa);
  if (!rc) rc = pv_ns_dataset_read_sample(b, 0, wb);
  double d = 0, r = 0;
  for (size_t i = rr; !rc && i < n; i++) {
    d += (wa[i] - wb[i]) * (wa[i] - wb[i]);
    r += wb[i] * wb[i];
  }
  if (!rc) e->diff = r > 0 ? sqrt(d / r) : 0;
  free(wa);
  free(wb);
  return rc;
}

/* Mean energy and enstrophy over samples at every recorded time. */
static int diagnostics(const char *file, const pv_ns_dataset_info *info, double *en, double *z) {
  pv_ns_options so = PV_NS_OPTIONS_INIT;
  so.n = info->res;
  so.forcing = PV_NS_FORCING_NONE;
  so.rigor = PV_FFT_ESTIMATE;
  pv_ns_solver *s = NULL;
  int rc = pv_ns_solver_create(NULL, &so, &s);
  size_t rr = (size_t)info->res * (size_t)info->res;
  double *w = malloc(rr * (size_t)info->times * sizeof *w);
  if (!rc && !w) rc = PV_ERROR(PV_ENOMEM, "summary");
  for (int t = 0; t < info->times; t++) en[t] = z[t] = 0;
  for (int smp = 0; smp < info->samples && !rc; smp++) {
    rc = pv_ns_dataset_read_sample(file, smp, w);
    for (int t = 0; t < info->times && !rc; t++) {
      pv_ns_diag d = {sizeof d, 0, 0, 0, 0, 0, 0, 0, 0};
      rc = pv_ns_set_vorticity(s, 0, w + (size_t)t * rr);
      if (!rc) rc = pv_ns_diagnostics(s, 0, &d);
      en[t] += d.energy / info->samples;
      z[t] += d.enstrophy / info->samples;
    }
  }
  free(w);
  pv_ns_solver_destroy(&s);
  return rc;
}

static void numbers(pv_json *j, const char *key, const double *v, int n) {
  pv_json_key(j, key);
  pv_json_array_begin(j);
  for (int i = 0; i < n; i++) pv_json_number(j, v[i]);
  pv_json_array_end(j);
}

int ns_summary_write(const char *file, const char *path, int overwrite,
                     const pv_ns_dataset_options *o, const ns_error_estimate *est,
                     const char *provenance_json) {
  pv_ns_dataset_info info = {sizeof info, 0, 0, 0, 0, PV_U8};
  int rc = pv_ns_dataset_info_read(file, &info);
  if (rc) return rc;
  if (info.res < 4 || info.res % 2)
    return PV_ERROR(PV_EINVAL, "summary: recorded grid %d must be even and >= 4", info.res);
  double *en = malloc(sizeof(double) * info.times), *z = malloc(sizeof(double) * info.times);
  double *t = malloc(sizeof(double) * info.times);
  pv_json *j = NULL;
  rc = (!en || !z || !t) ? PV_ERROR(PV_ENOMEM, "summary") : PV_OK;
  if (!rc) rc = diagnostics(file, &info, en, z);
  if (!rc) rc = pv_json_create(2, &j);
  if (!rc) {
    for (int k = 0; k < info.times; k++) t[k] = k * o->dt_record;
    pv_json_object_begin(j);
    pv_json_kv_string(j, "dataset", file);
    pv_json_kv_int(j, "samples", info.samples);
    pv_json_kv_int(j, "n", o->solver.n);
    pv_json_kv_int(j, "recorded_n", info.res);
    pv_json_kv_string(j, "scheme", pv_ns_scheme_name(o->solver.scheme));
    pv_json_kv_number(j, "nu", o->solver.nu);
    pv_json_kv_number(j, "dt", o->solver.dt);
    pv_json_kv_string(j, "diagnostics_grid", "recorded");
    numbers(j, "time", t, info.times);
    numbers(j, "energy_mean", en, info.times);
    numbers(j, "enstrophy_mean", z, info.times);
    if (est) {
      pv_json_key(j, "error_estimate");
      pv_json_object_begin(j);
      pv_json_kv_string(j, "method", "sample 0 re-solved with the step halved; relative L2 over t >= dt_record");
      pv_json_kv_number(j, "difference", est->diff);
      pv_json_kv_int(j, "order", est->order);
      pv_json_kv_number(j, "error", est->richardson);
      pv_json_object_end(j);
    }
    if (provenance_json) {
      pv_json_key(j, "provenance");
      pv_json_raw(j, provenance_json);
    }
    pv_json_object_end(j);
    rc = pv_json_status(j);
  }
  if (!rc) {
    size_t len;
    const char *txt = pv_json_text(j, &len);
    rc = pv_file_write_atomic(path, txt, len, overwrite);
  }
  pv_json_destroy(&j);
  free(en);
  free(z);
  free(t);
  return rc;
}
