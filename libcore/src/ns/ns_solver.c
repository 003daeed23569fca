/* ns_solver.c - NS solver object: options, tables, workspaces, stepping API. */
#include "ns_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>

static const char *const scheme_names[] = {"fno", "cnab2", "ifrk4"};

const char *pv_ns_scheme_name(pv_ns_scheme s) {
  return (s >= PV_NS_SCHEME_FNO && s <= PV_NS_SCHEME_IFRK4) ? scheme_names[s] : "?";
}

int pv_ns_scheme_parse(const char *name, pv_ns_scheme *s) {
  for (int i = 0; i < 3; i++)
    if (name && strcmp(name, scheme_names[i]) == 0) {
      *s = (pv_ns_scheme)i;
      return PV_OK;
    }
  return PV_ERROR(PV_EINVAL, "unknown NS scheme '%s' (fno, cnab2, ifrk4)", name ? name : "(null)");
}

int pv_ns_options_check(const pv_ns_options *o) {
  if (!o || o->struct_size < sizeof(pv_ns_options))
    return PV_ERROR(PV_EINVAL, "pv_ns_options: struct_size %zu, expected %zu",
                    o ? o->struct_size : 0, sizeof(pv_ns_options));
  if (o->n < 4 || o->n % 2 || o->n > (1 << 16))
    return PV_ERROR(PV_EINVAL, "NS grid size n = %d: must be even and in [4, 65536]", o->n);
  if (o->batch < 1) return PV_ERROR(PV_EINVAL, "NS batch = %d: must be >= 1", o->batch);
  if (o->precision != PV_F64 && o->precision != PV_F32)
    return PV_ERROR(PV_EINVAL, "NS precision %s: must be f64 or f32", pv_dtype_name(o->precision));
  if (o->scheme < PV_NS_SCHEME_FNO || o->scheme > PV_NS_SCHEME_IFRK4)
    return PV_ERROR(PV_EINVAL, "NS scheme %d unknown", (int)o->scheme);
  if (!(o->nu >= 0) || !isfinite(o->nu))
    return PV_ERROR(PV_EINVAL, "NS viscosity nu = %g: must be finite and >= 0", o->nu);
  if (!(o->dt >= 0) || !isfinite(o->dt))
    return PV_ERROR(PV_EINVAL, "NS time step dt = %g: must be > 0 (or 0 for CFL)", o->dt);
  if (o->dt == 0 && (!(o->cfl > 0) || !isfinite(o->cfl) || !(o->dt_max > 0) || !isfinite(o->dt_max)))
    return PV_ERROR(PV_EINVAL, "NS CFL step: cfl = %g and dt_max = %g must be finite and > 0",
                    o->cfl, o->dt_max);
  if (o->forcing != PV_NS_FORCING_NONE && o->forcing != PV_NS_FORCING_FNO)
    return PV_ERROR(PV_EINVAL, "NS forcing %d unknown", (int)o->forcing);
  return PV_OK;
}

void pv_ns_solver_destroy(pv_ns_solver **sp) {
  if (!sp || !*sp) return;
  pv_ns_solver *s = *sp;
  pv_fft_plan_destroy(&s->c2r4);
  pv_fft_plan_destroy(&s->r2c1);
  pv_fft_plan_destroy(&s->c2r1);
  pv_fft_plan_destroy(&s->colinv);
  pv_fft_plan_destroy(&s->rowc2r);
  pv_fft_plan_destroy(&s->rowr2c);
  pv_fft_plan_destroy(&s->colfwd);
  if (s->ws)
    for (int i = 0; i < s->nws; i++) {
      pv_free(s->ws[i].spec4);
      pv_free(s->ws[i].real4);
      pv_free(s->ws[i].rows);
      pv_free(s->ws[i].F);
      pv_free(s->ws[i].y);
      pv_free(s->ws[i].acc);
    }
  pv_free(s->ws);
  void *arrs[] = {s->w, s->fprev, s->have_prev, s->umax, s->kxd, s->kyd, s->mrow,
                  s->mcol, s->invL, s->c1, s->c2, s->Ld, s->fhat};
  for (size_t i = 0; i < sizeof arrs / sizeof arrs[0]; i++) pv_free(arrs[i]);
  pv_spectral_box_destroy(&s->grf_box);
  pv_free(s);
  *sp = NULL;
}

/* Real-precision value v stored at index i of table t. */
static void put(const pv_ns_solver *s, void *t, size_t i, double v) {
  if (s->o.precision == PV_F64) ((double *)t)[i] = v;
  else ((float *)t)[i] = (float)v;
}

static void fill_tables(pv_ns_solver *s) {
  const int n = s->n, nh = s->nh;
  const double tp = 2.0 * M_PI;
  for (int i = 0; i < n; i++) {
    int m = i <= n / 2 ? i : i - n;
    put(s, s->kxd, (size_t)i, i == n / 2 ? 0.0 : tp * m);
    put(s, s->mrow, (size_t)i, 3 * abs(m) <= 2 * (n / 2) ? 1.0 : 0.0);
  }
  for (int j = 0; j < nh; j++) {
    put(s, s->kyd, (size_t)j, j == n / 2 ? 0.0 : tp * j);
    put(s, s->mcol, (size_t)j, 3 * j <= 2 * (n / 2) ? 1.0 : 0.0);
  }
  for (int i = 0; i < n; i++) {
    double mx = i <= n / 2 ? i : i - n;
    for (int j = 0; j < nh; j++) {
      size_t k = (size_t)i * (size_t)nh + (size_t)j;
      double L = tp * tp * (mx * mx + (double)j * j);
      s->Ld[k] = L;
      put(s, s->invL, k, k == 0 ? 0.0 : 1.0 / L);
    }
  }
}

/* The 1D passes of the step (see ns_internal.h): columns are length-n
 * transforms of stride nh, rows length-n transforms of a block of rb rows. */
static int make_pass_plans(pv_ns_solver *s, pv_ctx *ctx, const pv_fft_options *base) {
  const int n1[1] = {s->n};
  const pv_dtype pr = s->o.precision;
  pv_fft_options fo = *base;
  fo.inplace = 1;
  fo.istride = fo.ostride = s->nh;
  fo.idist = fo.odist = 1;
  int rc = pv_fft_plan_create(ctx, pr, PV_FFT_C2C_BACKWARD, 1, n1, s->nh, &fo, &s->colinv);
  if (!rc) rc = pv_fft_plan_create(ctx, pr, PV_FFT_C2C_FORWARD, 1, n1, s->jc, &fo, &s->colfwd);
  fo = *base;
  fo.idist = s->nh;
  fo.odist = s->n;
  if (!rc) rc = pv_fft_plan_create(ctx, pr, PV_FFT_C2R, 1, n1, s->rb, &fo, &s->rowc2r);
  fo.idist = s->n;
  fo.odist = s->nh;
  if (!rc) rc = pv_fft_plan_create(ctx, pr, PV_FFT_R2C, 1, n1, s->rb, &fo, &s->rowr2c);
  return rc;
}

static int make_plans(pv_ns_solver *s, pv_ctx *ctx) {
  pv_fft_options fo = PV_FFT_OPTIONS_INIT;
  fo.rigor = s->o.rigor;
  fo.threads = s->par_fields ? 1 : s->nthreads;
  int nn[2] = {s->n, s->n};
  int rc = pv_fft_plan_create(ctx, s->o.precision, PV_FFT_C2R, 2, nn, 4, &fo, &s->c2r4);
  if (!rc) rc = pv_fft_plan_create(ctx, s->o.precision, PV_FFT_R2C, 2, nn, 1, &fo, &s->r2c1);
  if (!rc) rc = pv_fft_plan_create(ctx, s->o.precision, PV_FFT_C2R, 2, nn, 1, &fo, &s->c2r1);
  if (!rc) rc = make_pass_plans(s, ctx, &fo);
  return rc;
}

static int alloc_all(pv_ns_solver *s) {
  const size_t M = s->M, N = s->N, r = s->rsz, B = (size_t)s->o.batch;
  size_t need = (2 * M * r) * B * (s->o.scheme == PV_NS_SCHEME_CNAB2 ? 2 : 1) +
                (size_t)s->nws * (r * (8 * M + 4 * N + 6 * M + 5 * 16 * (size_t)s->n)) + M * (5 * r + 8 + 2 * r);
  if (s->ctx && need > pv_ctx_ram_budget(s->ctx))
    return PV_ERROR(PV_ENOMEM, "NS solver n = %d batch = %d needs %zu bytes, over the RAM budget %zu",
                    s->n, s->o.batch, need, pv_ctx_ram_budget(s->ctx));
  s->w = pv_calloc(B * 2 * M, r);
  if (s->o.scheme == PV_NS_SCHEME_CNAB2) s->fprev = pv_calloc(B * 2 * M, r);
  s->have_prev = pv_calloc(B, sizeof(int));
  s->umax = pv_calloc(B, sizeof(double));
  s->kxd = pv_malloc((size_t)s->n * r);
  s->mrow = pv_malloc((size_t)s->n * r);
  s->kyd = pv_malloc((size_t)s->nh * r);
  s->mcol = pv_malloc((size_t)s->nh * r);
  s->invL = pv_malloc(M * r);
  s->c1 = pv_malloc(M * r);
  s->c2 = pv_malloc(M * r);
  s->Ld = pv_malloc(M * sizeof(double));
  s->fhat = pv_calloc(2 * M, r);
  s->ws = pv_calloc((size_t)s->nws, sizeof(pv_ns_ws));
  if (!s->w || (s->o.scheme == PV_NS_SCHEME_CNAB2 && !s->fprev) || !s->have_prev || !s->umax ||
      !s->kxd || !s->mrow || !s->kyd || !s->mcol || !s->invL || !s->c1 || !s->c2 || !s->Ld ||
      !s->fhat || !s->ws)
    return PV_ERROR(PV_ENOMEM, "NS solver n = %d batch = %d: out of memory", s->n, s->o.batch);
  for (int i = 0; i < s->nws; i++) {
    pv_ns_ws *w = &s->ws[i];
    w->spec4 = pv_malloc(8 * M * r);
    w->real4 = pv_malloc(4 * N * r);
    w->rows = pv_malloc(5 * (size_t)s->rb * (size_t)s->n * r);
    w->F = pv_malloc(2 * M * r);
    if (s->o.scheme == PV_NS_SCHEME_IFRK4) {
      w->y = pv_malloc(2 * M * r);
      w->acc = pv_malloc(2 * M * r);
    }
    if (!w->spec4 || !w->real4 || !w->rows || !w->F ||
        (s->o.scheme == PV_NS_SCHEME_IFRK4 && (!w->y || !w->acc)))
      return PV_ERROR(PV_ENOMEM, "NS solver workspace n = %d: out of memory", s->n);
  }
  return PV_OK;
}

static void fno_forcing(int n, double *f) {
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      double a = 2.0 * M_PI * ((double)i / n + (double)j / n);
      f[(size_t)i * (size_t)n + (size_t)j] = 0.1 * (sin(a) + cos(a));
    }
}

int pv_ns_set_forcing(pv_ns_solver *s, const double *f) {
  if (!s || !f) return PV_ERROR(PV_EINVAL, "pv_ns_set_forcing: NULL argument");
  for (size_t p = 0; p < s->N; p++)
    if (!isfinite(f[p])) return PV_ERROR(PV_EINVAL, "NS forcing: value %zu is not finite", p);
  if (s->o.precision == PV_F64) pv_ns_set_forcing_f64(s, f);
  else pv_ns_set_forcing_f32(s, f);
  memset(s->have_prev, 0, (size_t)s->o.batch * sizeof(int));
  return PV_OK;
}

static int init_forcing(pv_ns_solver *s) {
  if (s->o.forcing == PV_NS_FORCING_NONE) return PV_OK;
  double *f = pv_malloc(s->N * sizeof(double));
  if (!f) return PV_ERROR(PV_ENOMEM, "NS forcing: out of memory");
  fno_forcing(s->n, f);
  int rc = pv_ns_set_forcing(s, f);
  pv_free(f);
  return rc;
}

int pv_ns_solver_create(pv_ctx *ctx, const pv_ns_options *opts, pv_ns_solver **out) {
  if (!out) return PV_ERROR(PV_EINVAL, "pv_ns_solver_create: out is NULL");
  *out = NULL;
  int rc = pv_ns_options_check(opts);
  if (rc) return rc;
  pv_ns_solver *s = pv_calloc(1, sizeof *s);
  if (!s) return PV_ERROR(PV_ENOMEM, "NS solver: out of memory");
  s->ctx = ctx;
  s->o = *opts;
  s->o.struct_size = sizeof(pv_ns_options);
  s->n = opts->n;
  s->nh = opts->n / 2 + 1;
  s->N = (size_t)s->n * (size_t)s->n;
  s->M = (size_t)s->n * (size_t)s->nh;
  s->jc = 2 * (s->n / 2) / 3 + 1; /* 3 j <= 2 (n/2): the mask's columns */
  s->rb = 16;
  while (s->n % s->rb) s->rb /= 2; /* n is even: rb >= 2 */
  s->rsz = opts->precision == PV_F64 ? sizeof(double) : sizeof(float);
  s->nthreads = ctx ? pv_ctx_threads(ctx) : 1;
  s->par_fields = opts->batch >= s->nthreads && s->nthreads > 1;
  s->nws = s->par_fields ? s->nthreads : 1;
  rc = alloc_all(s);
  if (!rc) rc = make_plans(s, ctx);
  if (!rc) {
    fill_tables(s);
    rc = init_forcing(s);
  }
  if (rc) {
    pv_ns_solver_destroy(&s);
    return rc;
  }
  *out = s;
  return PV_OK;
}

int pv_ns_solver_options(const pv_ns_solver *s, pv_ns_options *opts) {
  if (!s || !opts) return PV_ERROR(PV_EINVAL, "pv_ns_solver_options: NULL argument");
  *opts = s->o;
  return PV_OK;
}

static int check_field(const pv_ns_solver *s, int b, const void *w, const char *fn) {
  if (!s || !w) return PV_ERROR(PV_EINVAL, "%s: NULL argument", fn);
  if (b < 0 || b >= s->o.batch)
    return PV_ERROR(PV_EINVAL, "%s: field %d outside the batch of %d", fn, b, s->o.batch);
  return PV_OK;
}

int pv_ns_set_vorticity(pv_ns_solver *s, int b, const double *w) {
  int rc = check_field(s, b, w, "pv_ns_set_vorticity");
  if (rc) return rc;
  for (size_t p = 0; p < s->N; p++)
    if (!isfinite(w[p]))
      return PV_ERROR(PV_EINVAL, "NS vorticity of field %d: value %zu (x %zu, y %zu) is not finite",
                      b, p, p / (size_t)s->n, p % (size_t)s->n);
  if (s->o.precision == PV_F64) pv_ns_set_real_f64(s, b, w);
  else pv_ns_set_real_f32(s, b, w);
  s->have_prev[b] = 0;
  return PV_OK;
}

int pv_ns_set_grf(pv_ns_solver *s, int b, uint64_t seed, uint64_t stream) {
  int rc = check_field(s, b, s, "pv_ns_set_grf");
  if (rc) return rc;
  if (!s->grf_box) {
    int nn[2] = {s->n, s->n};
    double L[2] = {1.0, 1.0};
    pv_spectral_options so = PV_SPECTRAL_OPTIONS_INIT;
    so.rigor = PV_FFT_ESTIMATE;
    rc = pv_spectral_box_create(s->ctx, 2, nn, L, &so, &s->grf_box);
    if (rc) return rc;
  }
  double *w = pv_malloc(s->N * sizeof(double));
  if (!w) return PV_ERROR(PV_ENOMEM, "NS GRF sample: out of memory");
  pv_grf_options go = PV_GRF_OPTIONS_INIT;
  rc = pv_spectral_grf_sample(s->grf_box, &go, seed, stream, w);
  if (!rc) rc = pv_ns_set_vorticity(s, b, w);
  pv_free(w);
  return rc;
}

int pv_ns_get_vorticity(pv_ns_solver *s, int b, double *w) {
  int rc = check_field(s, b, w, "pv_ns_get_vorticity");
  if (rc) return rc;
  if (s->o.precision == PV_F64) pv_ns_get_real_f64(s, b, w);
  else pv_ns_get_real_f32(s, b, w);
  return PV_OK;
}

double pv_ns_time(const pv_ns_solver *s) { return s ? s->t : 0.0; }

/* nsteps of dt on every field; coefficients refreshed when dt changes. */
static int run_steps(pv_ns_solver *s, int64_t nsteps, double dt) {
  if (nsteps <= 0) return PV_OK;
  if (s->coef_dt != dt) {
    if (s->o.precision == PV_F64) pv_ns_coef_f64(s, dt);
    else pv_ns_coef_f32(s, dt);
  }
  int want = s->o.dt == 0;
  if (s->o.precision == PV_F64) pv_ns_fields_step_f64(s, nsteps, dt, want);
  else pv_ns_fields_step_f32(s, nsteps, dt, want);
  s->dt_prev = dt;
  s->t += (double)nsteps * dt;
  int fin = s->o.precision == PV_F64 ? pv_ns_finite_f64(s) : pv_ns_finite_f32(s);
  if (!fin)
    return PV_ERROR(PV_ENUMERIC, "NS solution became non-finite by t = %g (dt = %g, n = %d, nu = %g):"
                    " unstable step, choose a smaller dt or the CFL step", s->t, dt, s->n, s->o.nu);
  return PV_OK;
}

int pv_ns_step(pv_ns_solver *s, int64_t nsteps) {
  if (!s) return PV_ERROR(PV_EINVAL, "pv_ns_step: NULL solver");
  if (s->o.dt <= 0) return PV_ERROR(PV_EINVAL, "pv_ns_step: the solver has no fixed dt (CFL mode)");
  if (nsteps < 0) return PV_ERROR(PV_EINVAL, "pv_ns_step: nsteps = %lld < 0", (long long)nsteps);
  return run_steps(s, nsteps, s->o.dt);
}

/* Largest CFL rate over the fields, from the current state. */
static double cfl_rate(pv_ns_solver *s) {
  double m = 0;
  for (int b = 0; b < s->o.batch; b++) {
    pv_ns_diag d = {sizeof d, 0, 0, 0, 0, 0, 0, 0, 0};
    pv_ns_diagnostics(s, b, &d);
    if (d.umax > m) m = d.umax;
  }
  return m;
}

int pv_ns_step_count(const pv_ns_options *o, double T, double rate, int64_t *ns, double *dt) {
  if (o->dt > 0) {
    double q = T / o->dt;
    *ns = (int64_t)llround(q);
    if (*ns < 1 || fabs(q - (double)*ns) > 1e-9 * q)
      return PV_ERROR(PV_EINVAL, "advance: T = %g is not a multiple of dt = %g", T, o->dt);
    *dt = o->dt;
    return PV_OK;
  }
  double dmax = rate > 0 ? o->cfl / rate : o->dt_max;
  if (dmax > o->dt_max) dmax = o->dt_max;
  *ns = (int64_t)ceil(T / dmax * (1.0 - 1e-12));
  if (*ns < 1) *ns = 1;
  *dt = T / (double)*ns;
  return PV_OK;
}

int pv_ns_advance(pv_ns_solver *s, double T, int64_t *steps_taken) {
  if (!s) return PV_ERROR(PV_EINVAL, "pv_ns_advance: NULL solver");
  if (!(T > 0) || !isfinite(T)) return PV_ERROR(PV_EINVAL, "pv_ns_advance: T = %g must be > 0", T);
  int64_t ns;
  double dt;
  int rc = pv_ns_step_count(&s->o, T, s->o.dt > 0 ? 0.0 : cfl_rate(s), &ns, &dt);
  if (rc) return rc;
  if (steps_taken) *steps_taken = ns;
  return run_steps(s, ns, dt);
}

int pv_ns_diagnostics(pv_ns_solver *s, int b, pv_ns_diag *d) {
  int rc = check_field(s, b, d, "pv_ns_diagnostics");
  if (rc) return rc;
  if (d->struct_size < sizeof(pv_ns_diag))
    return PV_ERROR(PV_EINVAL, "pv_ns_diag: struct_size %zu, expected %zu", d->struct_size,
                    sizeof(pv_ns_diag));
  if (s->o.precision == PV_F64) pv_ns_diag_f64(s, b, d);
  else pv_ns_diag_f32(s, b, d);
  return PV_OK;
}
