/* ns_mpi.c - the NS schemes on one field distributed in slabs over MPI ranks
 * (double or float): set-up, stepping (fixed or CFL step), diagnostics.
 * Kernels: ns_mpi_tmpl.h. */
#include "ns_internal.h"
#include "ns_mpi_internal.h"

#include <math.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/fft_mpi.h>

#if PV_HAVE_MPI

#define DISPATCH(s, fn, ...) \
  ((s)->o.precision == PV_F64 ? fn##_f64(__VA_ARGS__) : fn##_f32(__VA_ARGS__))

void pv_ns_mpi_solver_destroy(pv_ns_mpi_solver **sp) {
  if (!sp || !*sp) return;
  pv_ns_mpi_solver *s = *sp;
  pv_fft_mpi_plan_destroy(&s->p4);
  pv_fft_mpi_plan_destroy(&s->p1);
  void *a[] = {s->w, s->F, s->y, s->acc, s->fprev, s->fhat, s->spec4, s->real4, s->real1,
               s->kx, s->ky, s->invL, s->mask, s->c1, s->c2, s->Ld};
  for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) pv_free(a[i]);
  pv_free(s);
  *sp = NULL;
}

static int alloc_all(pv_ns_mpi_solver *s) {
  const size_t M = s->M ? s->M : 1, r = s->rsz;
  const size_t c1 = (size_t)s->i1.alloc_complex, c4 = (size_t)s->i4.alloc_complex;
  void **cm[] = {&s->w, &s->F, &s->y, &s->acc, &s->fprev, &s->fhat};
  for (size_t i = 0; i < 6; i++)
    if (!(*cm[i] = pv_calloc(2 * c1, r))) return PV_ERROR(PV_ENOMEM, "distributed NS state");
  void **tm[] = {&s->kx, &s->ky, &s->invL, &s->mask, &s->c1, &s->c2};
  for (size_t i = 0; i < 6; i++)
    if (!(*tm[i] = pv_calloc(M, r))) return PV_ERROR(PV_ENOMEM, "distributed NS tables");
  s->Ld = pv_calloc(M, sizeof(double));
  s->spec4 = pv_calloc(2 * c4, r);
  s->real4 = pv_calloc(2 * c4, r);
  s->real1 = pv_calloc(2 * c1, r);
  return (!s->Ld || !s->spec4 || !s->real4 || !s->real1)
             ? PV_ERROR(PV_ENOMEM, "distributed NS workspace") : PV_OK;
}

int pv_ns_mpi_solver_create(pv_ctx *ctx, const pv_ns_options *opts, pv_ns_mpi_solver **out) {
  if (!out) return PV_ERROR(PV_EINVAL, "pv_ns_mpi_solver_create: out is NULL");
  *out = NULL;
  int rc = pv_ns_options_check(opts);
  if (rc) return rc;
  if (opts->batch != 1)
    return PV_ERROR(PV_EINVAL, "distributed NS: one field per solver (batch %d given)", opts->batch);
  pv_ns_mpi_solver *s = pv_calloc(1, sizeof *s);
  if (!s) return PV_ERROR(PV_ENOMEM, "distributed NS solver");
  s->ctx = ctx;
  s->o = *opts;
  s->o.struct_size = sizeof(pv_ns_options);
  s->n = opts->n;
  s->n1p = 2 * (opts->n / 2 + 1);
  s->rsz = opts->precision == PV_F64 ? sizeof(double) : sizeof(float);
  rc = pv_fft_mpi_plan_create(ctx, opts->precision, s->n, s->n, 4, opts->rigor, &s->p4);
  if (!rc) rc = pv_fft_mpi_plan_create(ctx, opts->precision, s->n, s->n, 1, opts->rigor, &s->p1);
  if (!rc) {
    s->i4.struct_size = s->i1.struct_size = sizeof(pv_fft_mpi_info);
    pv_fft_mpi_plan_info(s->p4, &s->i4);
    pv_fft_mpi_plan_info(s->p1, &s->i1);
    s->M = (size_t)s->i1.cols * (size_t)s->n;
    rc = alloc_all(s);
  }
  if (!rc) {
    DISPATCH(s, pv_ns_mpi_tables, s);
    if (s->o.forcing == PV_NS_FORCING_FNO) DISPATCH(s, pv_ns_mpi_forcing, s);
  }
  if (rc) pv_ns_mpi_solver_destroy(&s);
  *out = s;
  return rc;
}

int pv_ns_mpi_local_rows(const pv_ns_mpi_solver *s, int *rows, int *row_start) {
  if (!s || !rows || !row_start) return PV_ERROR(PV_EINVAL, "pv_ns_mpi_local_rows: NULL argument");
  *rows = (int)s->i1.rows;
  *row_start = (int)s->i1.row_start;
  return PV_OK;
}

double pv_ns_mpi_time(const pv_ns_mpi_solver *s) { return s ? s->t : 0.0; }

/* PV_OK on every rank when every rank passes `ok`, else err on every rank. */
static int all_ok(const pv_ns_mpi_solver *s, int ok) {
  int bad = !ok, any = bad;
  MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, pv_ctx_comm(s->ctx));
  return !any;
}

int pv_ns_mpi_set_local(pv_ns_mpi_solver *s, const double *w) {
  if (!s) return PV_ERROR(PV_EINVAL, "pv_ns_mpi_set_local: NULL solver");
  int bad = (!w && s->i1.rows) ? 1 : (s->i1.rows ? DISPATCH(s, pv_ns_mpi_put, s, w) : 0);
  if (!all_ok(s, !bad))
    return PV_ERROR(PV_EINVAL, "distributed NS vorticity: NULL rows or non-finite values on some rank");
  s->have_prev = 0;
  return pv_fft_mpi_forward(s->p1, s->real1, s->w);
}

int pv_ns_mpi_set_grf(pv_ns_mpi_solver *s, uint64_t seed, uint64_t stream) {
  if (!s) return PV_ERROR(PV_EINVAL, "pv_ns_mpi_set_grf: NULL solver");
  const int n = s->n;
  int nn[2] = {n, n};
  double L[2] = {1.0, 1.0};
  pv_spectral_options so = PV_SPECTRAL_OPTIONS_INIT;
  so.rigor = PV_FFT_ESTIMATE;
  pv_spectral_box *box = NULL;
  double *w = pv_malloc((size_t)n * (size_t)n * sizeof(double));
  int rc = w ? PV_OK : PV_ERROR(PV_ENOMEM, "distributed NS GRF: %d x %d field", n, n);
  if (!rc) rc = pv_spectral_box_create(NULL, 2, nn, L, &so, &box);
  pv_grf_options go = PV_GRF_OPTIONS_INIT;
  if (!rc) rc = pv_spectral_grf_sample(box, &go, seed, stream, w);
  pv_spectral_box_destroy(&box);
  if (!all_ok(s, rc == PV_OK)) {
    pv_free(w);
    return rc ? rc : PV_ERROR(PV_EMPI, "distributed NS GRF: failed on another rank");
  }
  rc = pv_ns_mpi_set_local(s, w + (size_t)s->i1.row_start * (size_t)n);
  pv_free(w);
  return rc;
}

int pv_ns_mpi_get_local(pv_ns_mpi_solver *s, double *w) {
  if (!s || (!w && s->i1.rows)) return PV_ERROR(PV_EINVAL, "pv_ns_mpi_get_local: NULL argument");
  if (s->o.precision == PV_F64) pv_ns_mpi_take_f64(s, w ? w : (double[1]){0});
  else pv_ns_mpi_take_f32(s, w ? w : (double[1]){0});
  return PV_OK;
}

static int run_steps(pv_ns_mpi_solver *s, int64_t nsteps, double dt) {
  if (nsteps <= 0) return PV_OK;
  if (s->coef_dt != dt) DISPATCH(s, pv_ns_mpi_coef, s, dt);
  DISPATCH(s, pv_ns_mpi_steps, s, nsteps, dt);
  s->dt_prev = dt;
  s->t += (double)nsteps * dt;
  if (!all_ok(s, DISPATCH(s, pv_ns_mpi_finite, s)))
    return PV_ERROR(PV_ENUMERIC, "distributed NS: the field became non-finite by t = %g (dt = %g, "
                    "n = %d, nu = %g): choose a smaller dt or the CFL step", s->t, dt, s->n, s->o.nu);
  return PV_OK;
}

int pv_ns_mpi_step(pv_ns_mpi_solver *s, int64_t nsteps) {
  if (!s) return PV_ERROR(PV_EINVAL, "pv_ns_mpi_step: NULL solver");
  if (!(s->o.dt > 0)) return PV_ERROR(PV_EINVAL, "pv_ns_mpi_step: the solver has no fixed dt (CFL mode)");
  if (nsteps < 0) return PV_ERROR(PV_EINVAL, "pv_ns_mpi_step: nsteps = %lld < 0", (long long)nsteps);
  return run_steps(s, nsteps, s->o.dt);
}

int pv_ns_mpi_diagnostics(pv_ns_mpi_solver *s, pv_ns_diag *d) {
  if (!s || !d) return PV_ERROR(PV_EINVAL, "pv_ns_mpi_diagnostics: NULL argument");
  if (d->struct_size < sizeof(pv_ns_diag))
    return PV_ERROR(PV_EINVAL, "pv_ns_diag: struct_size %zu, expected %zu", d->struct_size,
                    sizeof(pv_ns_diag));
  double sums[8], maxes[2], gs[8], gm[2];
  DISPATCH(s, pv_ns_mpi_diag_local, s, sums, maxes);
  MPI_Comm comm = pv_ctx_comm(s->ctx);
  if (MPI_Allreduce(sums, gs, 8, MPI_DOUBLE, MPI_SUM, comm) != MPI_SUCCESS ||
      MPI_Allreduce(maxes, gm, 2, MPI_DOUBLE, MPI_MAX, comm) != MPI_SUCCESS)
    return PV_ERROR(PV_EMPI, "distributed NS diagnostics: MPI_Allreduce failed");
  const double N = (double)s->n * (double)s->n, N2 = N * N;
  d->enstrophy = 0.5 * gs[0] / N2;
  d->palinstrophy = 0.5 * gs[1] / N2;
  d->energy = 0.5 * gs[2] / N2;
  d->forcing_work = gs[3] / N2;
  d->mean = gs[4] / N;
  d->divergence = gs[6] > 0 ? sqrt(gs[5] / gs[6]) : 0.0;
  d->umax = gm[0];
  d->wmax = gm[1];
  return PV_OK;
}

int pv_ns_mpi_advance(pv_ns_mpi_solver *s, double T, int64_t *steps_taken) {
  if (!s) return PV_ERROR(PV_EINVAL, "pv_ns_mpi_advance: NULL solver");
  if (!(T > 0) || !isfinite(T)) return PV_ERROR(PV_EINVAL, "pv_ns_mpi_advance: T = %g must be > 0", T);
  int64_t ns;
  double dt, rate = 0;
  int rc = PV_OK;
  if (!(s->o.dt > 0)) { /* CFL: the rate of the current state over all ranks */
    pv_ns_diag d = {sizeof d, 0, 0, 0, 0, 0, 0, 0, 0};
    rc = pv_ns_mpi_diagnostics(s, &d);
    rate = d.umax;
  }
  if (!rc) rc = pv_ns_step_count(&s->o, T, rate, &ns, &dt);
  if (rc) return rc;
  if (steps_taken) *steps_taken = ns;
  return run_steps(s, ns, dt);
}

#else /* !PV_HAVE_MPI */

#define NO_MPI PV_ERROR(PV_EUNSUPPORTED, "distributed NS: this build has no MPI")
int pv_ns_mpi_solver_create(pv_ctx *ctx, const pv_ns_options *opts, pv_ns_mpi_solver **out) {
  if (out) *out = NULL;
  return NO_MPI;
}
void pv_ns_mpi_solver_destroy(pv_ns_mpi_solver **s) {
  if (s) *s = NULL;
}
int pv_ns_mpi_local_rows(const pv_ns_mpi_solver *s, int *rows, int *row_start) { return NO_MPI; }
int pv_ns_mpi_set_local(pv_ns_mpi_solver *s, const double *w) { return NO_MPI; }
int pv_ns_mpi_set_grf(pv_ns_mpi_solver *s, uint64_t seed, uint64_t stream) { return NO_MPI; }
int pv_ns_mpi_get_local(pv_ns_mpi_solver *s, double *w) { return NO_MPI; }
int pv_ns_mpi_step(pv_ns_mpi_solver *s, int64_t nsteps) { return NO_MPI; }
int pv_ns_mpi_advance(pv_ns_mpi_solver *s, double T, int64_t *steps_taken) { return NO_MPI; }
int pv_ns_mpi_diagnostics(pv_ns_mpi_solver *s, pv_ns_diag *d) { return NO_MPI; }
double pv_ns_mpi_time(const pv_ns_mpi_solver *s) { return 0.0; }
#endif
