/* ns_mpi.c - the NS schemes on one field distributed in slabs over MPI ranks
 * (double). The spectrum is transposed: local modes m = jj * n + i with
 * i the x wavenumber index and j = col_start + jj the y index. */
#include "ns_internal.h"

#include <math.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/fft_mpi.h>

#if PV_HAVE_MPI

struct pv_ns_mpi_solver {
  pv_ctx *ctx;
  pv_ns_options o;
  int n, n1p;             /* points per axis, padded real row length 2(n/2+1) */
  pv_fft_mpi_plan *p4, *p1;
  pv_fft_mpi_info i4, i1;
  size_t M;               /* local modes cols * n */
  double *w, *F, *y, *acc, *fprev, *fhat, *spec4, *real4, *real1;
  double *kx, *ky, *invL, *mask, *c1, *c2;
  int have_prev;
};

void pv_ns_mpi_solver_destroy(pv_ns_mpi_solver **sp) {
  if (!sp || !*sp) return;
  pv_ns_mpi_solver *s = *sp;
  pv_fft_mpi_plan_destroy(&s->p4);
  pv_fft_mpi_plan_destroy(&s->p1);
  double *a[] = {s->w, s->F, s->y, s->acc, s->fprev, s->fhat, s->spec4, s->real4, s->real1,
                 s->kx, s->ky, s->invL, s->mask, s->c1, s->c2};
  for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) pv_free(a[i]);
  pv_free(s);
  *sp = NULL;
}

static void tables(pv_ns_mpi_solver *s) {
  const int n = s->n;
  const double tp = 2 * M_PI, nu = s->o.nu, dt = s->o.dt;
  for (ptrdiff_t jj = 0; jj < s->i1.cols; jj++) {
    int j = (int)(s->i1.col_start + jj);
    for (int i = 0; i < n; i++) {
      size_t m = (size_t)jj * (size_t)n + (size_t)i;
      int mx = i <= n / 2 ? i : i - n;
      double L = tp * tp * ((double)mx * mx + (double)j * j);
      s->kx[m] = i == n / 2 ? 0 : tp * mx;
      s->ky[m] = j == n / 2 ? 0 : tp * j;
      s->invL[m] = L > 0 ? 1 / L : 0;
      s->mask[m] = (3 * (mx < 0 ? -mx : mx) <= 2 * (n / 2) && 3 * j <= 2 * (n / 2)) ? 1 : 0;
      if (s->o.scheme == PV_NS_SCHEME_IFRK4) {
        double e = exp(-0.5 * nu * L * dt);
        s->c1[m] = e;
        s->c2[m] = e * e;
      } else {
        double a = 0.5 * dt * nu * L;
        s->c1[m] = (1 - a) / (1 + a);
        s->c2[m] = dt / (1 + a);
      }
    }
  }
}

static int alloc_all(pv_ns_mpi_solver *s) {
  size_t M = s->M, c1 = (size_t)s->i1.alloc_complex, c4 = (size_t)s->i4.alloc_complex;
  double **cm[] = {&s->w, &s->F, &s->y, &s->acc, &s->fprev, &s->fhat};
  for (size_t i = 0; i < 6; i++)
    if (!(*cm[i] = pv_calloc(2 * c1, sizeof(double)))) return PV_ERROR(PV_ENOMEM, "NS MPI state");
  double **tm[] = {&s->kx, &s->ky, &s->invL, &s->mask, &s->c1, &s->c2};
  for (size_t i = 0; i < 6; i++)
    if (!(*tm[i] = pv_calloc(M ? M : 1, sizeof(double)))) return PV_ERROR(PV_ENOMEM, "NS MPI tables");
  s->spec4 = pv_calloc(2 * c4, sizeof(double));
  s->real4 = pv_calloc(2 * c4, sizeof(double));
  s->real1 = pv_calloc(2 * c1, sizeof(double));
  return (!s->spec4 || !s->real4 || !s->real1) ? PV_ERROR(PV_ENOMEM, "NS MPI workspace") : PV_OK;
}

static int set_forcing(pv_ns_mpi_solver *s) {
  if (s->o.forcing == PV_NS_FORCING_NONE) return PV_OK;
  for (ptrdiff_t i = 0; i < s->i1.rows; i++)
    for (int j = 0; j < s->n; j++) {
      double a = 2 * M_PI * ((double)(s->i1.row_start + i) / s->n + (double)j / s->n);
      s->real1[(size_t)i * (size_t)s->n1p + (size_t)j] = 0.1 * (sin(a) + cos(a));
    }
  return pv_fft_mpi_forward(s->p1, s->real1, s->fhat);
}

int pv_ns_mpi_solver_create(pv_ctx *ctx, const pv_ns_options *opts, pv_ns_mpi_solver **out) {
  if (!out) return PV_ERROR(PV_EINVAL, "pv_ns_mpi_solver_create: out is NULL");
  *out = NULL;
  int rc = pv_ns_options_check(opts);
  if (rc) return rc;
  if (opts->batch != 1 || opts->precision != PV_F64 || !(opts->dt > 0))
    return PV_ERROR(PV_EINVAL, "distributed NS: needs batch 1 (got %d), f64 and a fixed dt (got %g)",
                    opts->batch, opts->dt);
  pv_ns_mpi_solver *s = pv_calloc(1, sizeof *s);
  if (!s) return PV_ERROR(PV_ENOMEM, "distributed NS solver");
  s->ctx = ctx;
  s->o = *opts;
  s->n = opts->n;
  s->n1p = 2 * (opts->n / 2 + 1);
  rc = pv_fft_mpi_plan_create(ctx, s->n, s->n, 4, opts->rigor, &s->p4);
  if (!rc) rc = pv_fft_mpi_plan_create(ctx, s->n, s->n, 1, opts->rigor, &s->p1);
  if (!rc) {
    s->i4.struct_size = s->i1.struct_size = sizeof(pv_fft_mpi_info);
    pv_fft_mpi_plan_info(s->p4, &s->i4);
    pv_fft_mpi_plan_info(s->p1, &s->i1);
    s->M = (size_t)s->i1.cols * (size_t)s->n;
    rc = alloc_all(s);
  }
  if (!rc) {
    tables(s);
    rc = set_forcing(s);
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

int pv_ns_mpi_set_local(pv_ns_mpi_solver *s, const double *w) {
  if (!s || (!w && s->i1.rows)) return PV_ERROR(PV_EINVAL, "pv_ns_mpi_set_local: NULL argument");
  int bad = 0;
  for (ptrdiff_t i = 0; i < s->i1.rows; i++)
    for (int j = 0; j < s->n; j++) {
      double v = w[(size_t)i * (size_t)s->n + (size_t)j];
      bad |= !isfinite(v);
      s->real1[(size_t)i * (size_t)s->n1p + (size_t)j] = v;
    }
  int any = bad;
  MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, pv_ctx_comm(s->ctx));
  if (any) return PV_ERROR(PV_EINVAL, "distributed NS vorticity: non-finite values on some rank");
  s->have_prev = 0;
  return pv_fft_mpi_forward(s->p1, s->real1, s->w);
}

int pv_ns_mpi_get_local(pv_ns_mpi_solver *s, double *w) {
  if (!s || (!w && s->i1.rows)) return PV_ERROR(PV_EINVAL, "pv_ns_mpi_get_local: NULL argument");
  const double sc = 1.0 / ((double)s->n * (double)s->n);
  for (size_t q = 0; q < 2 * s->M; q++) s->F[q] = s->w[q] * sc;
  int rc = pv_fft_mpi_backward(s->p1, s->F, s->real1);
  for (ptrdiff_t i = 0; i < s->i1.rows && !rc; i++)
    memcpy(w + (size_t)i * (size_t)s->n, s->real1 + (size_t)i * (size_t)s->n1p,
           sizeof(double) * (size_t)s->n);
  return rc;
}

/* F = f_hat - mask * DFT(u w_x + v w_y) of state W. */
static void eval_F(pv_ns_mpi_solver *s, const double *W, double *F) {
  const double sc = 1.0 / ((double)s->n * (double)s->n);
  for (size_t m = 0; m < s->M; m++) {
    double wr = W[2 * m], wi = W[2 * m + 1], il = s->invL[m] * sc, kx = s->kx[m], ky = s->ky[m];
    double pr = wr * il, pi = wi * il, *c = s->spec4 + 8 * m;
    c[0] = -ky * pi; c[1] = ky * pr;             /* u = d psi / dy */
    c[2] = kx * pi;  c[3] = -kx * pr;            /* v = -d psi / dx */
    c[4] = -kx * wi * sc; c[5] = kx * wr * sc;   /* w_x */
    c[6] = -ky * wi * sc; c[7] = ky * wr * sc;   /* w_y */
  }
  pv_fft_mpi_backward(s->p4, s->spec4, s->real4);
  for (ptrdiff_t i = 0; i < s->i1.rows; i++)
    for (int j = 0; j < s->n; j++) {
      size_t p = (size_t)i * (size_t)s->n1p + (size_t)j;
      const double *r = s->real4 + 4 * p;
      s->real1[p] = r[0] * r[2] + r[1] * r[3];
    }
  pv_fft_mpi_forward(s->p1, s->real1, F);
  for (size_t m = 0; m < s->M; m++) {
    F[2 * m] = s->fhat[2 * m] - s->mask[m] * F[2 * m];
    F[2 * m + 1] = s->fhat[2 * m + 1] - s->mask[m] * F[2 * m + 1];
  }
}

static void step_ifrk4(pv_ns_mpi_solver *s) {
  double *w = s->w, *F = s->F, *y = s->y, *acc = s->acc, h = s->o.dt;
  const double *E = s->c1, *E2 = s->c2;
  eval_F(s, w, F);
  for (size_t q = 0; q < 2 * s->M; q++) {
    acc[q] = E2[q / 2] * F[q];
    y[q] = E[q / 2] * (w[q] + h / 2 * F[q]);
  }
  eval_F(s, y, F);
  for (size_t q = 0; q < 2 * s->M; q++) {
    acc[q] += 2 * E[q / 2] * F[q];
    y[q] = E[q / 2] * w[q] + h / 2 * F[q];
  }
  eval_F(s, y, F);
  for (size_t q = 0; q < 2 * s->M; q++) {
    acc[q] += 2 * E[q / 2] * F[q];
    y[q] = E2[q / 2] * w[q] + h * E[q / 2] * F[q];
  }
  eval_F(s, y, F);
  for (size_t q = 0; q < 2 * s->M; q++) w[q] = E2[q / 2] * w[q] + h / 6 * (acc[q] + F[q]);
}

static void step_one(pv_ns_mpi_solver *s) {
  if (s->o.scheme == PV_NS_SCHEME_IFRK4) {
    step_ifrk4(s);
    return;
  }
  eval_F(s, s->w, s->F);
  int ab = s->o.scheme == PV_NS_SCHEME_CNAB2 && s->have_prev;
  for (size_t q = 0; q < 2 * s->M; q++) {
    double g = ab ? 1.5 * s->F[q] - 0.5 * s->fprev[q] : s->F[q];
    s->w[q] = s->c1[q / 2] * s->w[q] + s->c2[q / 2] * g;
    s->fprev[q] = s->F[q];
  }
  s->have_prev = 1;
}

int pv_ns_mpi_step(pv_ns_mpi_solver *s, int64_t nsteps) {
  if (!s || nsteps < 0) return PV_ERROR(PV_EINVAL, "pv_ns_mpi_step: bad argument");
  for (int64_t k = 0; k < nsteps; k++) step_one(s);
  double acc = 0;
  for (size_t q = 0; q < 2 * s->M; q++) acc += s->w[q] * 0.0;
  int bad = !(acc == 0), any = bad;
  MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, pv_ctx_comm(s->ctx));
  return any ? PV_ERROR(PV_ENUMERIC, "distributed NS: the field became non-finite") : PV_OK;
}

#else /* !PV_HAVE_MPI */

int pv_ns_mpi_solver_create(pv_ctx *ctx, const pv_ns_options *opts, pv_ns_mpi_solver **out) {
  if (out) *out = NULL;
  return PV_ERROR(PV_EUNSUPPORTED, "distributed NS: this build has no MPI");
}
void pv_ns_mpi_solver_destroy(pv_ns_mpi_solver **s) {
  if (s) *s = NULL;
}
int pv_ns_mpi_local_rows(const pv_ns_mpi_solver *s, int *rows, int *row_start) {
  return PV_ERROR(PV_EUNSUPPORTED, "distributed NS: this build has no MPI");
}
int pv_ns_mpi_set_local(pv_ns_mpi_solver *s, const double *w) {
  return PV_ERROR(PV_EUNSUPPORTED, "distributed NS: this build has no MPI");
}
int pv_ns_mpi_get_local(pv_ns_mpi_solver *s, double *w) {
  return PV_ERROR(PV_EUNSUPPORTED, "distributed NS: this build has no MPI");
}
int pv_ns_mpi_step(pv_ns_mpi_solver *s, int64_t nsteps) {
  return PV_ERROR(PV_EUNSUPPORTED, "distributed NS: this build has no MPI");
}
#endif
