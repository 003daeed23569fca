/* ns_residual.c - Spectral-Refiner's H^{-1} Navier-Stokes residual loss and
 * its exact discrete gradient (adjoints of the spectral operators). */
#include <math.h>
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/nn.h>
#include <parseval/spectral.h>

/* Spectral time-differentiation matrix D[t][s] (nt x nt) for step dt. */
static void time_diff_matrix(int nt, double dt, double *D) {
  for (int t = 0; t < nt; t++)
    for (int s = 0; s < nt; s++) {
      double v = 0;
      for (int k = 0; k < nt; k++) {
        int m = k <= nt / 2 ? k : k - nt;
        if (nt % 2 == 0 && k == nt / 2) continue; /* Nyquist dropped */
        double kap = 2 * M_PI * m / (nt * dt), th = 2 * M_PI * (double)k * (t - s) / nt;
        v += -kap * sin(th); /* Re(i kap e^{i th}) */
      }
      D[t * nt + s] = v / nt;
    }
}

typedef struct res_ws {
  pv_spectral_box *box;
  size_t N;
  double *D, *r, *u, *v, *g2, *gm, *a, *h, *tmp, *uh;
  double *e, *ep, *em, *wb, *hh, *qq; /* solver form (PV_NN_DT_SOLVER) */
} res_ws;

static void ws_free(res_ws *q) {
  pv_spectral_box_destroy(&q->box);
  double *p[] = {q->D, q->r, q->u, q->v, q->g2, q->gm, q->a, q->h, q->tmp, q->uh,
                 q->e, q->ep, q->em, q->wb, q->hh, q->qq};
  for (size_t i = 0; i < sizeof p / sizeof *p; i++) pv_free(p[i]);
}

/* Dealiased u.grad w (2/3 rule) of snapshot w into out; keeps u, v, g2. */
static int advection(res_ws *q, const double *w, double *out) {
  const size_t N = q->N;
  int st = pv_spectral_stream2d(q->box, w, NULL, q->u, q->v);
  if (!st) st = pv_spectral_gradient(q->box, w, q->g2);
  if (st) return st;
  for (size_t i = 0; i < N; i++) out[i] = q->u[i] * q->g2[i] + q->v[i] * q->g2[N + i];
  st = pv_spectral_forward(q->box, out, q->uh);
  if (!st) st = pv_spectral_dealias(q->box, q->uh);
  if (!st) st = pv_spectral_backward(q->box, q->uh, out);
  return st;
}

/* dw += adjoint of (w -> dealiased u.grad w) at w applied to g. */
static int advection_adjoint(res_ws *q, const double *w, const double *g, double *dw) {
  const size_t N = q->N;
  int st = pv_spectral_forward(q->box, g, q->uh);
  if (!st) st = pv_spectral_dealias(q->box, q->uh);
  if (!st) st = pv_spectral_backward(q->box, q->uh, q->gm);
  if (!st) st = pv_spectral_stream2d(q->box, w, NULL, q->u, q->v);
  if (!st) st = pv_spectral_gradient(q->box, w, q->g2);
  if (st) return st;
  /* through grad w: dw -= div(gm u, gm v) */
  for (size_t i = 0; i < N; i++) {
    q->a[i] = q->gm[i] * q->u[i];
    q->a[N + i] = q->gm[i] * q->v[i];
  }
  st = pv_spectral_divergence(q->box, q->a, q->tmp);
  if (st) return st;
  for (size_t i = 0; i < N; i++) dw[i] -= q->tmp[i];
  /* through u = psi_y, v = -psi_x, psi = -Lap^-1 w: dw -= Lap^-1(d_x(gm w_y) - d_y(gm w_x)) */
  for (size_t i = 0; i < N; i++) {
    q->a[i] = q->gm[i] * q->g2[N + i];  /* x-component: gm w_y */
    q->a[N + i] = -q->gm[i] * q->g2[i]; /* y-component: -gm w_x */
  }
  st = pv_spectral_divergence(q->box, q->a, q->h);
  if (!st) st = pv_spectral_inverse_laplacian(q->box, q->h, q->tmp);
  if (st) return st;
  for (size_t i = 0; i < N; i++) dw[i] -= q->tmp[i];
  return PV_OK;
}

/* PV_NN_DT_SOLVER, the reference fine-tuning's form, for one snapshot w:
 * E = -A(w) + nu Lap w + f, Ep = E / (1 + delta nu |k|^2 / 2) (a +delta
 * IMEX-CN step), Em = E / (1 - delta nu |k|^2 / 2) (a -delta step),
 * dw/dt = (Ep + Em) / 2, wbar = w + delta (Ep - Em) / 2 (the mean of the
 * two stepped fields), r = dw/dt + A(wbar) - nu Lap wbar - f. Leaves E, Ep,
 * Em, wbar in the workspace. */
static int solver_form(res_ws *q, const pv_nn_ns_residual_options *o, const double *w, double *r) {
  const size_t N = q->N;
  const double d = o->solver_dt;
  int st = advection(q, w, q->e);
  if (!st) st = pv_spectral_laplacian(q->box, w, q->tmp);
  if (st) return st;
  for (size_t i = 0; i < N; i++)
    q->e[i] = -q->e[i] + o->nu * q->tmp[i] + (o->forcing ? o->forcing[i] : 0.0);
  st = pv_spectral_helmholtz_solve(q->box, 1.0, 0.5 * d * o->nu, q->e, q->ep);
  if (!st) st = pv_spectral_helmholtz_solve(q->box, 1.0, -0.5 * d * o->nu, q->e, q->em);
  if (st) return st;
  for (size_t i = 0; i < N; i++) q->wb[i] = w[i] + 0.5 * d * (q->ep[i] - q->em[i]);
  st = advection(q, q->wb, r);
  if (!st) st = pv_spectral_laplacian(q->box, q->wb, q->tmp);
  if (st) return st;
  for (size_t i = 0; i < N; i++)
    r[i] += 0.5 * (q->ep[i] + q->em[i]) - o->nu * q->tmp[i] - (o->forcing ? o->forcing[i] : 0.0);
  return PV_OK;
}

/* dw += (d r / d w)^T g for solver_form: h = J_A(wbar)^T g - nu Lap g,
 * s = (Cp + Cm) g / 2 + delta (Cp - Cm) h / 2, dw += h - J_A(w)^T s + nu Lap s
 * (Cp, Cm the two CN factors, self-adjoint Fourier multipliers). */
static int solver_form_adjoint(res_ws *q, const pv_nn_ns_residual_options *o, const double *w,
                               const double *g, double *dw) {
  const size_t N = q->N;
  const double d = o->solver_dt;
  int st = solver_form(q, o, w, q->qq); /* recompute wbar (qq is scratch here) */
  if (st) return st;
  memset(q->hh, 0, N * sizeof *q->hh);
  st = advection_adjoint(q, q->wb, g, q->hh);
  if (!st) st = pv_spectral_laplacian(q->box, g, q->tmp);
  if (st) return st;
  for (size_t i = 0; i < N; i++) q->hh[i] -= o->nu * q->tmp[i];
  st = pv_spectral_helmholtz_solve(q->box, 1.0, 0.5 * d * o->nu, g, q->ep);
  if (!st) st = pv_spectral_helmholtz_solve(q->box, 1.0, -0.5 * d * o->nu, g, q->em);
  if (st) return st;
  for (size_t i = 0; i < N; i++) q->qq[i] = 0.5 * (q->ep[i] + q->em[i]);
  st = pv_spectral_helmholtz_solve(q->box, 1.0, 0.5 * d * o->nu, q->hh, q->ep);
  if (!st) st = pv_spectral_helmholtz_solve(q->box, 1.0, -0.5 * d * o->nu, q->hh, q->em);
  if (st) return st;
  for (size_t i = 0; i < N; i++) {
    q->qq[i] += 0.5 * d * (q->ep[i] - q->em[i]);
    dw[i] += q->hh[i];
  }
  /* dw -= J_A(w)^T s: advection_adjoint adds, so negate s around it */
  for (size_t i = 0; i < N; i++) q->qq[i] = -q->qq[i];
  st = advection_adjoint(q, w, q->qq, dw);
  if (!st) st = pv_spectral_laplacian(q->box, q->qq, q->tmp);
  if (st) return st;
  for (size_t i = 0; i < N; i++) dw[i] -= o->nu * q->tmp[i]; /* + nu Lap s, s = -qq */
  return PV_OK;
}

int pv_nn_loss_ns_residual(pv_ctx *ctx, int n, int nt, const double *w,
                           const pv_nn_ns_residual_options *o, double *loss, double *dw) {
  if (!w || !o || !loss || o->struct_size < sizeof *o)
    return PV_ERROR(PV_EINVAL, "pv_nn_loss_ns_residual: NULL argument or struct_size too small");
  if (n < 4 || n % 2 || n > 16384 || nt < 1 || nt > 100000 || !(o->dt > 0) || !(o->nu >= 0) ||
      !(o->alpha > 0) || !isfinite(o->dt) || !isfinite(o->nu) || !isfinite(o->alpha) ||
      (o->dt_form != PV_NN_DT_SPECTRAL && o->dt_form != PV_NN_DT_SOLVER) ||
      (o->dt_form == PV_NN_DT_SOLVER && !(o->solver_dt > 0 && o->solver_dt < 1)))
    return PV_ERROR(PV_EINVAL, "pv_nn_loss_ns_residual: n %d (even >= 4), nt %d, dt %g, nu %g, "
                    "alpha %g out of range", n, nt, o->dt, o->nu, o->alpha);
  res_ws q;
  memset(&q, 0, sizeof q);
  const int dims[2] = {n, n};
  const double L[2] = {1, 1};
  pv_spectral_options so = PV_SPECTRAL_OPTIONS_INIT;
  so.rigor = PV_FFT_ESTIMATE;
  int st = pv_spectral_box_create(ctx, 2, dims, L, &so, &q.box);
  if (st) return st;
  const size_t N = (size_t)n * n, T = (size_t)nt;
  q.N = N;
  q.D = pv_malloc(T * T * sizeof *q.D);
  q.r = pv_malloc(T * N * sizeof *q.r);
  q.u = pv_malloc(N * sizeof *q.u);
  q.v = pv_malloc(N * sizeof *q.v);
  q.g2 = pv_malloc(2 * N * sizeof *q.g2);
  q.gm = pv_malloc(N * sizeof *q.gm);
  q.a = pv_malloc(2 * N * sizeof *q.a);
  q.h = pv_malloc(N * sizeof *q.h);
  q.tmp = pv_malloc(N * sizeof *q.tmp);
  q.uh = pv_malloc(2 * pv_spectral_box_nmodes(q.box) * sizeof *q.uh);
  if (o->dt_form == PV_NN_DT_SOLVER) {
    double **x[] = {&q.e, &q.ep, &q.em, &q.wb, &q.hh, &q.qq};
    for (size_t i = 0; i < sizeof x / sizeof *x; i++) *x[i] = pv_malloc(N * sizeof(double));
  }
  const int sv_bad = o->dt_form == PV_NN_DT_SOLVER &&
                     (!q.e || !q.ep || !q.em || !q.wb || !q.hh || !q.qq);
  if (!q.D || !q.r || !q.u || !q.v || !q.g2 || !q.gm || !q.a || !q.h || !q.tmp || !q.uh || sv_bad) {
    ws_free(&q);
    return PV_ERROR(PV_ENOMEM, "pv_nn_loss_ns_residual: %zu x %d workspaces", N, nt);
  }
  time_diff_matrix(nt, o->dt, q.D);
  /* r_t = sum_s D[t][s] w_s + N(w_t) - nu Lap w_t - f */
  double q2 = 0;
  for (size_t t = 0; t < T && !st; t++) {
    double *rt = q.r + t * N;
    if (o->dt_form == PV_NN_DT_SOLVER) {
      st = solver_form(&q, o, w + t * N, rt);
      double n2 = 0;
      if (!st) st = pv_spectral_sobolev_norm2(q.box, rt, -1.0, o->alpha, &n2);
      q2 += n2 / nt;
      continue;
    }
    st = advection(&q, w + t * N, rt);
    if (!st) st = pv_spectral_laplacian(q.box, w + t * N, q.tmp);
    if (st) break;
    for (size_t i = 0; i < N; i++) rt[i] += -o->nu * q.tmp[i] - (o->forcing ? o->forcing[i] : 0.0);
    for (size_t s = 0; s < T; s++) {
      const double d = q.D[t * T + s], *ws = w + s * N;
      if (d != 0)
        for (size_t i = 0; i < N; i++) rt[i] += d * ws[i];
    }
    double n2 = 0;
    st = pv_spectral_sobolev_norm2(q.box, rt, -1.0, o->alpha, &n2);
    q2 += n2 / nt;
  }
  if (!st && !isfinite(q2)) st = PV_ERROR(PV_ENUMERIC, "pv_nn_loss_ns_residual: non-finite residual");
  if (!st) *loss = sqrt(q2);
  if (!st && dw) {
    memset(dw, 0, T * N * sizeof *dw);
    const double c = q2 > 0 ? 1.0 / (2 * sqrt(q2) * nt) : 0.0;
    for (size_t t = 0; t < T && !st; t++) {
      /* g = d loss / d r_t, kept in r_t */
      double *g = q.r + t * N;
      st = pv_spectral_sobolev_norm2_grad(q.box, g, -1.0, o->alpha, q.h);
      if (st) break;
      for (size_t i = 0; i < N; i++) g[i] = c * q.h[i];
      if (o->dt_form == PV_NN_DT_SOLVER) {
        st = solver_form_adjoint(&q, o, w + t * N, g, dw + t * N);
        continue;
      }
      st = advection_adjoint(&q, w + t * N, g, dw + t * N); /* uses q.tmp */
      if (!st) st = pv_spectral_laplacian(q.box, g, q.tmp);
      if (st) break;
      for (size_t i = 0; i < N; i++) dw[t * N + i] -= o->nu * q.tmp[i];
      for (size_t s = 0; s < T; s++) { /* D^T */
        const double d = q.D[t * T + s];
        if (d != 0)
          for (size_t i = 0; i < N; i++) dw[s * N + i] += d * g[i];
      }
    }
  }
  ws_free(&q);
  return st;
}
