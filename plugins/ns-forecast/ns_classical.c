/* ns_classical.c - `eval --classical`: pseudo-spectral solves from the test
 * samples' last input snapshot, relative L2 per step as the model's. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <parseval/h5.h>

#include "ns_classical.h"

/* The dataset's solver settings (root attributes, see parseval/ns.h). */
static int read_settings(pv_ctx *ctx, const char *path, pv_ns_options *so, double *dt_record,
                         int *stride) {
  pv_h5 *f = NULL;
  int rc = pv_h5_open(path, &f);
  if (rc) return rc;
  const char *num[] = {"nu", "dt", "cfl", "dt_max", "dt_record", "stride"};
  double v[6] = {0};
  for (int i = 0; i < 6 && !rc; i++)
    if (pv_h5_get_attr_double(f, "/", num[i], &v[i]) || !isfinite(v[i]) || v[i] < 0)
      rc = PV_ERROR(PV_EFORMAT, "%s: attribute '%s' missing or not a number >= 0", path, num[i]);
  char *scheme = NULL, *prec = NULL, *forcing = NULL;
  if (!rc && (pv_h5_get_attr_string(f, "/", "scheme", &scheme) ||
              pv_ns_scheme_parse(scheme, &so->scheme)))
    rc = PV_ERROR(PV_EFORMAT, "%s: attribute 'scheme' missing or unknown", path);
  if (!rc && (pv_h5_get_attr_string(f, "/", "precision", &prec) ||
              (strcmp(prec, "f32") && strcmp(prec, "f64"))))
    rc = PV_ERROR(PV_EFORMAT, "%s: attribute 'precision' missing or not f32/f64", path);
  if (!rc && (pv_h5_get_attr_string(f, "/", "forcing", &forcing) ||
              (strcmp(forcing, "fno") && strcmp(forcing, "none"))))
    rc = PV_ERROR(PV_EFORMAT, "%s: attribute 'forcing' missing or not fno/none", path);
  if (!rc && !(v[4] > 0))
    rc = PV_ERROR(PV_EFORMAT, "%s: attribute 'dt_record' = %g is not positive", path, v[4]);
  if (!rc) {
    so->nu = v[0];
    so->dt = v[1];
    so->cfl = v[2] > 0 ? v[2] : so->cfl;
    so->dt_max = v[3] > 0 ? v[3] : so->dt_max;
    so->precision = !strcmp(prec, "f32") ? PV_F32 : PV_F64;
    so->forcing = !strcmp(forcing, "fno") ? PV_NS_FORCING_FNO : PV_NS_FORCING_NONE;
    *dt_record = v[4];
    *stride = (int)v[5];
    if (v[5] != 1)
      pv_log(ctx, PV_LOG_INFO, "ns", "%s was solved on a %g times finer grid: the classical "
             "run at the recorded resolution is a coarse solve", path, v[5]);
  }
  pv_free(scheme);
  pv_free(prec);
  pv_free(forcing);
  pv_h5_close(&f);
  return rc;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Solve one sample (all slices in w) and add its errors. */
static int one_sample(pv_ns_solver *s, const double *w, int r, int t_last, int t_out,
                      double dt_record, double *pred, ns_classical *c, double *secs) {
  const size_t S = (size_t)r * r;
  double t0 = now_s();
  int rc = pv_ns_set_vorticity(s, 0, w + (size_t)t_last * S);
  int64_t steps = 0;
  for (int t = 0; !rc && t < t_out; t++) {
    int64_t k = 0;
    rc = pv_ns_advance(s, dt_record, &k);
    steps += k;
    if (!rc) rc = pv_ns_get_vorticity(s, 0, pred + (size_t)t * S);
  }
  *secs += now_s() - t0;
  c->steps = steps;
  double e2 = 0, y2 = 0;
  for (int t = 0; !rc && t < t_out; t++) {
    const double *y = w + (size_t)(t_last + 1 + t) * S, *p = pred + (size_t)t * S;
    double se = 0, sy = 0;
    for (size_t k = 0; k < S; k++) {
      se += (p[k] - y[k]) * (p[k] - y[k]);
      sy += y[k] * y[k];
    }
    c->step_err[t] += sy > 0 ? sqrt(se / sy) : 0;
    e2 += se;
    y2 += sy;
  }
  if (!rc) c->err += y2 > 0 ? sqrt(e2 / y2) : 0;
  return rc;
}

int ns_classical_run(pv_ctx *ctx, const char *path, int first, int count, int t_last, int t_out,
                     ns_classical *c) {
  pv_ns_dataset_info info = {sizeof info, 0, 0, 0, 0, PV_F64};
  int rc = pv_ns_dataset_info_read(path, &info);
  if (rc) return rc;
  if (first < 0 || count < 1 || first + count > info.samples || t_last < 0 || t_out < 1 ||
      t_last + t_out >= info.times)
    return PV_ERROR(PV_EINVAL, "%s: samples [%d, %d) and slices %d..%d outside the file's %d x %d",
                    path, first, first + count, t_last, t_last + t_out, info.samples, info.times);
  pv_ns_options so = PV_NS_OPTIONS_INIT;
  double dt_record = 1;
  rc = read_settings(ctx, path, &so, &dt_record, &c->stride);
  if (rc) return rc;
  if (c->scheme && strcmp(c->scheme, "dataset") && (rc = pv_ns_scheme_parse(c->scheme, &so.scheme)))
    return rc;
  if (c->dt > 0) so.dt = c->dt;
  so.n = info.res;
  so.batch = 1;
  so.rigor = PV_FFT_ESTIMATE;
  c->used_scheme = so.scheme;
  c->used_dt = so.dt;
  c->precision = so.precision;
  c->err = 0;
  c->step_err = pv_calloc((size_t)t_out, sizeof *c->step_err);
  const size_t S = (size_t)info.res * info.res;
  double *w = pv_malloc((size_t)info.times * S * sizeof *w);
  double *pred = pv_malloc((size_t)t_out * S * sizeof *pred);
  pv_ns_solver *s = NULL;
  if (!c->step_err || !w || !pred) rc = PV_ERROR(PV_ENOMEM, "classical run buffers");
  if (!rc) rc = pv_ns_solver_create(ctx, &so, &s);
  double secs = 0;
  for (int i = 0; !rc && i < count; i++) {
    rc = pv_ns_dataset_read_sample(path, first + i, w);
    if (!rc) rc = one_sample(s, w, info.res, t_last, t_out, dt_record, pred, c, &secs);
    if (!rc) rc = pv_ctx_progress(ctx, (i + 1.0) / count, "classical solver");
  }
  if (!rc) {
    c->err /= count;
    for (int t = 0; t < t_out; t++) c->step_err[t] /= count;
    c->sec_per_sample = secs / count;
  }
  pv_ns_solver_destroy(&s);
  pv_free(w);
  pv_free(pred);
  return rc;
}

void ns_classical_json(pv_json *js, const ns_classical *c, int t_out) {
  pv_json_key(js, "classical");
  pv_json_object_begin(js);
  pv_json_kv_string(js, "scheme", pv_ns_scheme_name(c->used_scheme));
  pv_json_kv_number(js, "dt", c->used_dt);
  pv_json_kv_string(js, "precision", pv_dtype_name(c->precision));
  pv_json_kv_int(js, "dataset_stride", c->stride);
  pv_json_kv_int(js, "steps_per_sample", c->steps);
  pv_json_kv_number(js, "rel_l2", c->err);
  pv_json_key(js, "rel_l2_per_step");
  pv_json_numbers(js, c->step_err, (size_t)t_out);
  pv_json_kv_number(js, "seconds_per_sample", c->sec_per_sample);
  pv_json_object_end(js);
}

void ns_classical_print(const ns_classical *c, const double *fno_step, double fno_err,
                        double fno_sec, int t_out) {
  printf("%-8s %14s %14s\n", "step", "FNO rel L2", "solver rel L2");
  for (int t = 0; t < t_out; t++)
    printf("%-8d %14.4e %14.4e\n", t + 1, fno_step[t], c->step_err[t]);
  printf("%-8s %14.4e %14.4e\n", "overall", fno_err, c->err);
  char dt[32];
  if (c->used_dt > 0) snprintf(dt, sizeof dt, "dt %g", c->used_dt);
  else snprintf(dt, sizeof dt, "dt by CFL");
  printf("%-8s %14.4g %14.4g   (seconds per sample; solver: %s, %s, %s, %lld steps)\n", "cost",
         fno_sec, c->sec_per_sample, pv_ns_scheme_name(c->used_scheme), dt,
         pv_dtype_name(c->precision), (long long)c->steps);
}
