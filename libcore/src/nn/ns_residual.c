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
} res_ws;

static void ws_free(res_ws *q) {
  pv_spectral_box_destroy(&q->box);
  double *p[] = {q->D, q->r, q->u, q->v, q->g2, q->gm, q->a, q->h, q->tmp, q->uh};
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

int pv_nn_loss_ns_residual(pv_ctx *ctx, int n, int nt, const double *w,
                           const pv_nn_ns_residual_options *o, double *loss, double *dw) {
  if (!w || !o || !loss || o->struct_size < sizeof *o)
    return PV_ERROR(PV_EINVAL, "pv_nn_loss_ns_residual: NULL argument or struct_size too small");
  if (n < 4 || n % 2 || n > 16384 || nt < 1 || nt > 100000 || !(o->dt > 0) || !(o->nu >= 0) ||
      !(o->alpha > 0) || !isfinite(o->dt) || !isfinite(o->nu) || !isfinite(o->alpha))
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
  if (!q.D || !q.r || !q.u || !q.v || !q.g2 || !q.gm || !q.a || !q.h || !q.tmp || !q.uh) {
    ws_free(&q);
    return PV_ERROR(PV_ENOMEM, "pv_nn_loss_ns_residual: %zu x %d workspaces", N, nt);
  }
  time_diff_matrix(nt, o->dt, q.D);
  /* r_t = sum_s D[t][s] w_s + N(w_t) - nu Lap w_t - f */
  double q2 = 0;
  for (size_t t = 0; t < T && !st; t++) {
    double *rt = q.r + t * N;
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
