/* model.c - a PDE problem bound to per-axis kernels: validation, parameter
 * layout and the reference initialisation. The loss lives in loss.c. */
#include <math.h>
#include <time.h>
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/gp.h>
#include "gp_model.h"

static int check_field(const double *v, size_t M, const char *what) {
  if (!v) return PV_ERROR(PV_EINVAL, "gp problem: %s is missing", what);
  for (size_t i = 0; i < M; i++)
    if (!isfinite(v[i]))
      return PV_ERROR(PV_EINVAL, "gp problem: %s[%zu] = %g is not finite", what, i, v[i]);
  return 0;
}

static int check_problem(const pv_gp_problem *pb, const pv_gp_model_options *o) {
  if (!pb || pb->struct_size < sizeof(pv_gp_problem))
    return PV_ERROR(PV_EINVAL, "gp problem: NULL or struct_size too small");
  if (!o || o->struct_size < sizeof(pv_gp_model_options))
    return PV_ERROR(PV_EINVAL, "gp model options: NULL or struct_size too small");
  if (pb->dim != 1 && pb->dim != 2)
    return PV_ERROR(PV_EINVAL, "gp problem: dim = %d (1 or 2)", pb->dim);
  int has_deriv = 0;
  for (int a = 0; a < pb->dim; a++) {
    if (pb->n[a] < 3 || pb->n[a] > 20000)
      return PV_ERROR(PV_EINVAL, "gp problem: grid n[%d] = %d (3..20000 points)", a, pb->n[a]);
    if (!isfinite(pb->lo[a]) || !isfinite(pb->hi[a]) || !(pb->hi[a] > pb->lo[a]))
      return PV_ERROR(PV_EINVAL, "gp problem: domain [%g, %g] of axis %d", pb->lo[a], pb->hi[a], a);
    if (!isfinite(pb->c1[a]) || !isfinite(pb->c2[a]))
      return PV_ERROR(PV_EINVAL, "gp problem: coefficient of axis %d not finite", a);
    if (pb->c1[a] != 0.0 || pb->c2[a] != 0.0) has_deriv = 1;
  }
  if (!has_deriv) return PV_ERROR(PV_EINVAL, "gp problem: operator has no derivative term");
  if (!isfinite(pb->c0) || !isfinite(pb->c3))
    return PV_ERROR(PV_EINVAL, "gp problem: c0 = %g, c3 = %g", pb->c0, pb->c3);
  if ((unsigned)o->kind > 3) return PV_ERROR(PV_EINVAL, "gp model: kernel kind %d", (int)o->kind);
  if (o->q < 1 || o->q > 1000) return PV_ERROR(PV_EINVAL, "gp model: q = %d (1..1000)", o->q);
  if (!(o->jitter >= 0.0) || !isfinite(o->jitter) || !(o->lambda_b > 0.0) || !isfinite(o->lambda_b))
    return PV_ERROR(PV_EINVAL, "gp model: jitter = %g, lambda_b = %g", o->jitter, o->lambda_b);
  if (o->u_solver < PV_GP_USOLVE_AUTO || o->u_solver > PV_GP_USOLVE_PCG || !(o->u_tol > 0.0) ||
      !(o->u_tol < 1.0) || o->u_maxit < 1)
    return PV_ERROR(PV_EINVAL, "gp model: u_solver = %d, u_tol = %g (0..1), u_maxit = %d",
                    o->u_solver, o->u_tol, o->u_maxit);
  for (int a = 0; a < pb->dim; a++)
    if (!isfinite(o->freq_scale[a]))
      return PV_ERROR(PV_EINVAL, "gp model: freq_scale[%d] not finite", a);
  size_t M = (size_t)pb->n[0] * (pb->dim == 2 ? (size_t)pb->n[1] : 1);
  int st = check_field(pb->f, M, "source f");
  if (!st) st = check_field(pb->ub, M, "boundary data ub");
  return st;
}

/* Boundary index list: 1-D the end points; 2-D rows 0, n0-1, columns 0, n1-1. */
static void boundary_indices(gp_model *m) {
  size_t k = 0;
  if (m->d == 1) {
    m->bidx[k++] = 0;
    m->bidx[k++] = (size_t)m->n[0] - 1;
  } else {
    size_t n0 = (size_t)m->n[0], n1 = (size_t)m->n[1];
    for (size_t j = 0; j < n1; j++) m->bidx[k++] = j;
    for (size_t j = 0; j < n1; j++) m->bidx[k++] = (n0 - 1) * n1 + j;
    for (size_t i = 0; i < n0; i++) m->bidx[k++] = i * n1;
    for (size_t i = 0; i < n0; i++) m->bidx[k++] = i * n1 + n1 - 1;
  }
  m->nb = k;
}

static double *grab(int *st, size_t count) {
  if (*st) return NULL;
  double *p = pv_calloc(count ? count : 1, sizeof(double));
  if (!p) *st = PV_ERROR(PV_ENOMEM, "gp model: %zu doubles", count);
  return p;
}

int pv_gp_model_create(const pv_gp_problem *prob, const pv_gp_model_options *opt,
                       pv_gp_model **out) {
  if (!out) return PV_ERROR(PV_EINVAL, "gp model create: NULL out");
  *out = NULL;
  int st = check_problem(prob, opt);
  if (st) return st;
  gp_model *m = pv_calloc(1, sizeof *m);
  if (!m) return PV_ERROR(PV_ENOMEM, "gp model create");
  m->prob = *prob;
  m->opt = *opt;
  m->d = prob->dim;
  m->q = opt->q;
  m->M = 1;
  for (int a = 0; a < m->d; a++) {
    m->n[a] = prob->n[a];
    m->h[a] = (prob->hi[a] - prob->lo[a]) / (prob->n[a] - 1);
    m->M *= (size_t)prob->n[a];
  }
  size_t M = m->M, nbmax = m->d == 1 ? 2 : 2 * ((size_t)m->n[0] + m->n[1]);
  m->f = grab(&st, M);
  m->g = grab(&st, nbmax);
  m->bidx = st ? NULL : pv_calloc(nbmax, sizeof(size_t));
  if (!st && !m->bidx) st = PV_ERROR(PV_ENOMEM, "gp model create");
  for (int a = 0; a < m->d; a++) {
    size_t nn = (size_t)m->n[a] * m->n[a];
    m->K[a] = grab(&st, nn);
    m->Kinv[a] = grab(&st, nn);
    m->K1[a] = grab(&st, nn);
    m->K2[a] = grab(&st, nn);
    m->Dk[a] = grab(&st, nn);
    m->GK[a] = grab(&st, nn);
    m->GD[a] = grab(&st, nn);
    m->A[a] = grab(&st, M);
    m->Dm[a] = grab(&st, nn);
    m->Qe[a] = grab(&st, nn);
    m->Xs[a] = grab(&st, nn);
    m->lam[a] = grab(&st, (size_t)m->n[a]);
    m->pre[a] = grab(&st, 2 * nn + 2 * (size_t)m->n[a]);
  }
  for (int k = 0; k < 10; k++) m->cg[k] = grab(&st, M);
  m->pcgw = grab(&st, 4 * M);
  m->pcgi = st ? NULL : pv_calloc(2 * ((size_t)m->n[0] + (m->d == 2 ? m->n[1] : 1)), sizeof(int));
  if (!st && !m->pcgi) st = PV_ERROR(PV_ENOMEM, "gp model create");
  m->B = grab(&st, M);
  m->R = grab(&st, M);
  m->P = grab(&st, M);
  m->Qa = grab(&st, M);
  m->W = grab(&st, M);
  int nmax = m->n[0] > m->n[m->d - 1] ? m->n[0] : m->n[m->d - 1];
  m->lag = grab(&st, 3 * (size_t)nmax);
  m->dk = grab(&st, 9 * (size_t)m->q);
  m->th_cache = grab(&st, 3 * (size_t)m->q * m->d);
  if (m->d == 1) {
    m->chol = grab(&st, (size_t)m->n[0] * m->n[0]);
    m->gam = grab(&st, M);
    m->ls_X = grab(&st, M * M);
    m->ls_gn = grab(&st, 3 * M);
  }
  if (st) { pv_gp_model_destroy(&m); return st; }
  memcpy(m->f, prob->f, M * sizeof(double));
  boundary_indices(m);
  for (size_t k = 0; k < m->nb; k++) m->g[k] = prob->ub[m->bidx[k]];
  m->prob.f = m->f;
  m->prob.ub = NULL;
  *out = m;
  return 0;
}

void pv_gp_model_destroy(pv_gp_model **model) {
  if (!model || !*model) return;
  gp_model *m = *model;
  pv_free(m->f);
  pv_free(m->g);
  pv_free(m->bidx);
  for (int a = 0; a < 2; a++) {
    pv_free(m->K[a]); pv_free(m->Kinv[a]); pv_free(m->K1[a]); pv_free(m->K2[a]);
    pv_free(m->Dk[a]); pv_free(m->GK[a]); pv_free(m->GD[a]); pv_free(m->A[a]);
    pv_free(m->Dm[a]); pv_free(m->Qe[a]); pv_free(m->Xs[a]); pv_free(m->lam[a]); pv_free(m->pre[a]);
  }
  for (int k = 0; k < 10; k++) pv_free(m->cg[k]);
  pv_free(m->pcgw);
  pv_free(m->pcgi);
  pv_free(m->B); pv_free(m->R); pv_free(m->P); pv_free(m->Qa); pv_free(m->W);
  pv_free(m->lag); pv_free(m->dk);
  pv_free(m->th_cache); pv_free(m->chol); pv_free(m->gam); pv_free(m->ls_X); pv_free(m->ls_gn);
  pv_free(m->ls_A); pv_free(m->ls_Q); pv_free(m->ls_tau); pv_free(m->ls_b); pv_free(m->ls_r);
  pv_free(m);
  *model = NULL;
}

size_t pv_gp_model_nparams(const pv_gp_model *model) {
  const gp_model *m = model;
  return m ? m->M + 3 * (size_t)m->q * m->d + 2 : 0;
}

size_t pv_gp_model_npoints(const pv_gp_model *model) {
  const gp_model *m = model;
  return m ? m->M : 0;
}

size_t pv_gp_model_theta_offset(const pv_gp_model *model, int axis) {
  const gp_model *m = model;
  return m ? m->M + 3 * (size_t)m->q * axis : 0;
}

int pv_gp_model_init_params(const pv_gp_model *model, double *p) {
  const gp_model *m = model;
  if (!m || !p) return PV_ERROR(PV_EINVAL, "gp model init: NULL argument");
  memset(p, 0, pv_gp_model_nparams(model) * sizeof(double));
  for (int a = 0; a < m->d; a++) {
    int st = pv_gp_kernel_init(m->q, m->opt.freq_scale[a], p + m->M + 3 * (size_t)m->q * a);
    if (st) return st;
  }
  return 0;
}

double gp_now_s(void) {
  struct timespec ts;
  timespec_get(&ts, TIME_UTC);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
