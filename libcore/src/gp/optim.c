/* optim.c - Adam (optax defaults, as the reference) and L-BFGS with an
 * Armijo backtracking line search over the model's parameters; optionally
 * with U eliminated by an exact solve per evaluation (variable projection:
 * at the minimiser over U the gradient in the other parameters is the
 * partial one). Progress reports loss and, given the exact solution, the
 * relative L2 error on the test grid. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/gp.h>
#include "gp_model.h"

typedef struct {
  pv_gp_model *m;
  double *p, *gfull;   /* full parameters and gradient */
  size_t off, nx;      /* optimised slice p[off .. off + nx) */
  int fix_noise;       /* 1: zero the log tau, log v gradient; 2: log v only */
  int profile, evals;
  double deadline;     /* wall-clock limit (seconds since epoch), 0: none */
  double t_solve, t_loss; /* time spent eliminating U and in the loss */
  long pcg_iters;      /* PCG iterations over all eliminations of U */
  double *uacc;        /* profile: U of the last accepted point (M) */
  double *lo, *hi;     /* box bounds per parameter (NULL: none; L-BFGS, projected) */
  unsigned char *mask; /* 1: parameter frozen (a pruned component), NULL: none */
  int force;           /* evaluate even past the deadline or budget (a stage's start) */
  int have_uacc;       /* uacc holds the U of an accepted point */
  long work, work_limit; /* work units used; the current limit (0: none) */
} objective;

#define GP_TIMEOUT 1   /* evaluate(): the deadline passed or would, nothing evaluated */
#define GP_BADSTART 2  /* run_lbfgs(): the (pruned) start has no finite loss */
#define GP_BUDGET 3    /* evaluate(): the work budget is spent, nothing evaluated */

/* f and g at x (nx). Numerical failures (non-PD kernels, overflow) return
 * +inf with status 0 so the line search backs off; other errors propagate. */
static int evaluate(objective *o, const double *x, double *f, double *g) {
  /* the wall-clock limit is kept, not just checked: stop before an
   * evaluation that would end past it (estimated by the mean so far;
   * Allen-Cahn 400^2 evaluations take ~2-20 s) */
  if (o->deadline > 0 && o->evals > 0 && !o->force &&
      gp_now_s() + (o->t_solve + o->t_loss) / o->evals > o->deadline)
    return GP_TIMEOUT;
  if (o->work_limit > 0 && o->evals > 0 && !o->force && o->work >= o->work_limit) return GP_BUDGET;
  memcpy(o->p + o->off, x, o->nx * sizeof(double));
  o->evals++;
  long solves0 = o->m->lsq_solves;
  int st = 0;
  double t0 = gp_now_s();
  o->m->t_solve = 0.0;
  /* Gauss-Newton (Allen-Cahn) starts from the U of the last accepted point,
   * not from that of the last (possibly rejected, far-off) trial */
  if (o->profile && o->uacc && o->have_uacc) memcpy(o->p, o->uacc, o->off * sizeof(double));
  if (o->profile) {
    st = gp_model_profiled(o->m, o->p, f, o->gfull);
    o->pcg_iters += o->m->pcg_iters;
  } else {
    st = pv_gp_model_loss(o->m, o->p, f, o->gfull);
  }
  double t1 = gp_now_s();
  long solves = o->profile ? o->m->lsq_solves - solves0 : 0;
  o->work += solves > 1 ? solves : 1;
  o->t_solve += o->m->t_solve;
  o->t_loss += t1 - t0 - o->m->t_solve;
  if (st == PV_ENUMERIC) { pv_error_clear(); *f = INFINITY; return 0; }
  if (st) return st;
  memcpy(g, o->gfull + o->off, o->nx * sizeof(double));
  if (o->fix_noise) g[o->nx - 1] = 0.0;                 /* log v */
  if (o->fix_noise == 1) g[o->nx - 2] = 0.0;            /* log tau */
  for (size_t i = 0; o->hi && i < o->nx; i++)   /* at a bound and pushing out: no gradient */
    if ((x[i] >= o->hi[i] && g[i] < 0.0) || (x[i] <= o->lo[i] && g[i] > 0.0)) g[i] = 0.0;
  for (size_t i = 0; o->mask && i < o->nx; i++)
    if (o->mask[i]) g[i] = 0.0;
  for (size_t i = 0; i < o->nx; i++)
    if (!isfinite(g[i])) { *f = INFINITY; return 0; }
  return 0;
}

static double dot(const double *a, const double *b, size_t n) {
  double s = 0.0;
  for (size_t i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

typedef struct {
  pv_ctx *ctx;
  const pv_gp_optim_options *opt;
  pv_gp_model *m;
  double t0, last_report;
  double hist[10];
} monitor_state;

static double test_error(pv_gp_model *m, const double *p, const pv_gp_optim_options *opt) {
  if (!opt->exact) return NAN;
  size_t nt = (size_t)opt->ntest[0] * (m->d == 2 ? (size_t)opt->ntest[1] : 1);
  double *pred = pv_malloc(nt * sizeof(double));
  if (!pred) return NAN;
  double err = NAN;
  if (pv_gp_model_predict(m, p, opt->ntest, pred) == 0) {
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < nt; i++) {
      double e = pred[i] - opt->exact[i];
      num += e * e;
      den += opt->exact[i] * opt->exact[i];
    }
    err = sqrt(num / (den > 0 ? den : 1.0));
  } else {
    pv_error_clear();
  }
  pv_free(pred);
  return err;
}

/* Called after every iteration; nonzero: stop (reason in *why). */
static int after_iter(monitor_state *s, int it, double f, const double *p, int *why, int *st) {
  const pv_gp_optim_options *o = s->opt;
  double t = gp_now_s() - s->t0;
  if (o->monitor && o->monitor_every > 0 && it % o->monitor_every == 0 &&
      o->monitor(it, f, p, o->user)) { *why = 3; return 1; }
  if (s->ctx && t - s->last_report >= 1.0) {
    char msg[160];
    double err = test_error(s->m, p, o);
    snprintf(msg, sizeof msg, "iter %d loss %.6e rel-L2 %.3e", it, f, err);
    s->last_report = t;
    if (pv_ctx_progress(s->ctx, (double)it / o->max_iter, msg) == PV_ECANCEL) {
      *st = PV_ERROR(PV_ECANCEL, "gp optimise: cancelled at iteration %d", it);
      return 1;
    }
  }
  if (o->max_time > 0 && t >= o->max_time) { *why = 2; return 1; }
  if (it >= 10 && fabs(s->hist[it % 10] - f) <= o->tol * (1.0 + fabs(f))) { *why = 1; return 1; }
  s->hist[it % 10] = f;
  return 0;
}

static int run_adam(objective *ob, monitor_state *ms, double *x, double *g, double *mv,
                    double *vv, pv_gp_optim_result *res) {
  const pv_gp_optim_options *o = ms->opt;
  double f = 0.0, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  int st = 0, why = 0, it;
  for (it = 1; it <= o->max_iter; it++) {
    st = evaluate(ob, x, &f, g);
    if (st == GP_TIMEOUT || st == GP_BUDGET) { why = st == GP_TIMEOUT ? 2 : 5; st = 0; break; }
    if (st) break;
    if (!isfinite(f)) { st = PV_ERROR(PV_ENUMERIC, "gp adam: loss not finite at step %d", it); break; }
    double c1 = 1.0 - pow(b1, it), c2 = 1.0 - pow(b2, it);
    for (size_t i = 0; i < ob->nx; i++) {
      mv[i] = b1 * mv[i] + (1 - b1) * g[i];
      vv[i] = b2 * vv[i] + (1 - b2) * g[i] * g[i];
      x[i] -= o->lr * (mv[i] / c1) / (sqrt(vv[i] / c2) + eps);
    }
    memcpy(ob->p + ob->off, x, ob->nx * sizeof(double));
    if (after_iter(ms, it, f, ob->p, &why, &st)) break;
  }
  res->iterations = it > o->max_iter ? o->max_iter : it;
  res->stop_reason = why;
  ob->deadline = 0;
  ob->force = 1;
  if (!st) st = evaluate(ob, x, &f, g);
  ob->force = 0;
  res->loss = f;
  return st;
}

/* L-BFGS two-loop direction d = -H g from the stored pairs (ring of mem). */
static void lbfgs_direction(size_t n, int mem, int count, int head, double *const *S,
                            double *const *Y, const double *g, double *d, double *alpha) {
  for (size_t i = 0; i < n; i++) d[i] = -g[i];
  for (int k = 0; k < count; k++) {
    int j = (head - 1 - k + mem) % mem;
    alpha[j] = dot(S[j], d, n) / dot(S[j], Y[j], n);
    for (size_t i = 0; i < n; i++) d[i] -= alpha[j] * Y[j][i];
  }
  if (count > 0) {
    int j = (head - 1 + mem) % mem;
    double gam = dot(S[j], Y[j], n) / dot(Y[j], Y[j], n);
    for (size_t i = 0; i < n; i++) d[i] *= gam;
  }
  for (int k = count - 1; k >= 0; k--) {
    int j = (head - 1 - k + mem) % mem;
    double beta = dot(Y[j], d, n) / dot(S[j], Y[j], n);
    for (size_t i = 0; i < n; i++) d[i] += (alpha[j] - beta) * S[j][i];
  }
}

static int run_lbfgs(objective *ob, monitor_state *ms, double *x, double *g, double *w,
                     int max_iter, pv_gp_optim_result *res) {
  const pv_gp_optim_options *o = ms->opt;
  size_t n = ob->nx;
  int mem = o->lbfgs_m, count = 0, head = 0, st = 0, why = 0, it = 0;
  double *S[64], *Y[64], *d = w, *xn = w + n, *gn = w + 2 * n, *alpha = w + 3 * n;
  for (int k = 0; k < mem; k++) { S[k] = w + 3 * n + mem + 2 * k * n; Y[k] = S[k] + n; }
  double f;
  ob->force = 1;
  st = evaluate(ob, x, &f, g);
  ob->force = 0;
  if (!st && !isfinite(f)) {
    if (ob->mask) return GP_BADSTART;   /* a pruned start: the caller undoes the pruning */
    st = PV_ERROR(PV_ENUMERIC, "gp lbfgs: initial loss not finite");
  }
  if (!st && ob->uacc) { memcpy(ob->uacc, ob->p, ob->off * sizeof(double)); ob->have_uacc = 1; }
  while (!st && it < max_iter) {
    lbfgs_direction(n, mem, count, head, S, Y, g, d, alpha);
    double gd = dot(g, d, n);
    if (!(gd < 0.0)) {  /* not a descent direction: restart from steepest descent */
      count = 0;
      for (size_t i = 0; i < n; i++) d[i] = -g[i];
      gd = -dot(g, g, n);
    }
    double step = count == 0 ? fmin(1.0, 1.0 / sqrt(-gd)) : 1.0, fn = INFINITY;
    int ok = 0;
    for (int bt = 0; bt < 20 && !st; bt++, step *= 0.3) {
      for (size_t i = 0; i < n; i++) xn[i] = x[i] + step * d[i];
      for (size_t i = 0; ob->hi && i < n; i++) xn[i] = fmax(ob->lo[i], fmin(xn[i], ob->hi[i]));
      st = evaluate(ob, xn, &fn, gn);
      if (st == GP_TIMEOUT || st == GP_BUDGET) break;
      if (!st && isfinite(fn) && fn <= f + 1e-4 * step * gd) { ok = 1; break; }
    }
    if (st == GP_TIMEOUT || st == GP_BUDGET) { why = st == GP_TIMEOUT ? 2 : 5; st = 0; break; }
    if (st) break;
    if (!ok) {
      if (count == 0) { why = 4; break; }
      count = 0;   /* forget the curvature pairs once, then retry */
      continue;
    }
    for (size_t i = 0; i < n; i++) { S[head][i] = xn[i] - x[i]; Y[head][i] = gn[i] - g[i]; }
    if (dot(S[head], Y[head], n) > 1e-12 * sqrt(dot(Y[head], Y[head], n) * dot(S[head], S[head], n))) {
      head = (head + 1) % mem;
      if (count < mem) count++;
    }
    memcpy(x, xn, n * sizeof(double));
    memcpy(g, gn, n * sizeof(double));
    f = fn;
    it++;
    if (ob->uacc) memcpy(ob->uacc, ob->p, ob->off * sizeof(double));   /* U of xn */
    memcpy(ob->p + ob->off, x, n * sizeof(double));
    if (after_iter(ms, it, f, ob->p, &why, &st)) break;
  }
  memcpy(ob->p + ob->off, x, n * sizeof(double));
  if (!st && ob->uacc) memcpy(ob->p, ob->uacc, ob->off * sizeof(double));   /* no re-solve */
  res->iterations += it;
  res->stop_reason = why;
  res->loss = f;
  return st;
}

/* Pruning (the Jeffreys prior's sparsity, made exact): components whose
 * log weight is more than `gap` below the largest of their axis, or (1-D,
 * share_min > 0) whose share of the prior energy of U is below share_min,
 * get weight exp(-600) = 0 and are frozen; the component with the largest
 * share is always kept. Returns the number pruned (negative: error). */
static int prune(objective *ob, pv_gp_model *m, double *x, double gap, double share_min) {
  int q = m->q, count = 0;
  double share[1000];
  int use_share = share_min > 0 && m->d == 1 && ob->off == m->M;
  if (use_share) {
    memcpy(ob->p + ob->off, x, ob->nx * sizeof(double));
    int st = gp_model_component_share(m, ob->p, share);
    if (st == PV_ENUMERIC) { pv_error_clear(); use_share = 0; }
    else if (st) return -st;
  }
  for (int a = 0; a < m->d; a++) {
    size_t t = m->M + 3 * (size_t)q * a - ob->off;
    double mx = -INFINITY, smax = -1.0;
    for (int i = 0; i < q; i++)
      if (!ob->mask[t + i]) {
        mx = fmax(mx, x[t + i]);
        if (use_share) smax = fmax(smax, share[i]);
      }
    for (int i = 0; i < q; i++) {
      if (ob->mask[t + i]) continue;
      int drop = x[t + i] < mx - gap;
      if (use_share && share[i] < share_min && share[i] < smax) drop = 1;
      if (!drop) continue;
      x[t + i] = -600.0;
      for (int k = 0; k < 3; k++) ob->mask[t + i + (size_t)k * q] = 1;
      count++;
    }
  }
  return count;
}

/* L-BFGS in stages: the first three end at 40 %, 70 % and 100 % of the
 * work budget and of the iteration budget (whichever comes first), or
 * earlier at convergence (tolerance, failed line search), with pruning
 * before the second and third; a stage that ends at a higher loss than the
 * one before its pruning is undone (parameters, U and mask restored) and
 * pruning stops. The last stage is followed by fresh L-BFGS runs (memory
 * cleared) while the budgets last and the loss still decreases. Every
 * boundary is a count, so the result does not depend on the machine's
 * load; the wall-clock limit (ob->deadline) only stops the whole run. */
static int run_staged(objective *ob, monitor_state *ms, double *x, double *g, double *w,
                      double *xs, double *us, unsigned char *ms_mask, pv_gp_optim_result *res) {
  const pv_gp_optim_options *o = ms->opt;
  static const double frac[3] = {0.4, 0.7, 1.0};
  double fs = INFINITY, flast = INFINITY;
  int st = 0, active = 1, pruned = 0, used = 0;
  for (int stage = 0; !st && stage < 1000; stage++) {
    int k = stage < 3 ? stage : 2;
    pv_gp_stage_record *rec = &res->stage[k];
    ob->work_limit = o->max_work > 0 ? (long)(frac[k] * (double)o->max_work) : 0;
    int lim = k < 2 ? (int)(frac[k] * o->max_iter) - used : o->max_iter - used;
    if (stage < 3) {
      rec->work_limit = ob->work_limit;
      rec->iter_limit = used + (lim > 0 ? lim : 0);
      rec->pruned = pruned;
      res->stages = k + 1;
    } else {
      rec->restarts++;
    }
    for (int j = 0; j < 10; j++) ms->hist[j] = NAN;
    int before = res->iterations, ev0 = ob->evals;
    long w0 = ob->work;
    st = run_lbfgs(ob, ms, x, g, w, lim > 0 ? lim : 0, res);
    used += res->iterations - before;
    rec->iterations += res->iterations - before;
    rec->evaluations += ob->evals - ev0;
    rec->work += ob->work - w0;
    if (st == GP_BADSTART) { st = 0; res->loss = INFINITY; }
    if (st) break;
    if (pruned && !(res->loss <= fs)) {   /* pruning did not pay: undo it */
      memcpy(x, xs, ob->nx * sizeof(double));
      memcpy(ob->p + ob->off, x, ob->nx * sizeof(double));
      if (ob->off) memcpy(ob->p, us, ob->off * sizeof(double));
      memcpy(ob->mask, ms_mask, ob->nx);
      res->loss = fs;
      rec->undone = 1;
      active = 0;
    }
    rec->loss = res->loss;
    rec->stop_reason = res->stop_reason;
    if (res->stop_reason == 3 || res->stop_reason == 2 || used >= o->max_iter ||
        (o->max_work > 0 && ob->work >= o->max_work)) break;
    if (stage >= 2 && !(res->loss < flast - 1e-12 * fabs(flast))) break;   /* restarts stalled */
    flast = res->loss;
    pruned = 0;
    if (active && stage < 2) {
      memcpy(xs, x, ob->nx * sizeof(double));
      if (ob->off) memcpy(us, ob->p, ob->off * sizeof(double));
      memcpy(ms_mask, ob->mask, ob->nx);
      fs = res->loss;
      pruned = prune(ob, ob->m, x, o->prune_gap, o->prune_share);
      if (pruned < 0) { st = -pruned; break; }
    }
  }
  ob->work_limit = o->max_work;
  return st;
}

/* Box bounds of the optimised slice (offset off, nx entries): log tau,
 * log v <= noise_cap; log w <= log_w_max; with grid_bounds, per axis of step h, the envelope
 * resolved by the grid (log l <= log(1/h^2) Gaussian, log(1/(sqrt 5 h))
 * Matern) and |mu| <= 1/(2h), Nyquist: finer components alias the
 * derivative operators on the grid (K, K_xx seen only at the nodes). */
static void set_bounds(const pv_gp_model *m, const pv_gp_optim_options *o, size_t off, size_t nx,
                       double *lo, double *hi) {
  for (size_t i = 0; i < nx; i++) { lo[i] = -INFINITY; hi[i] = INFINITY; }
  if (o->noise_cap > 0) hi[nx - 2] = hi[nx - 1] = o->noise_cap;
  for (int a = 0; a < m->d && o->log_w_max > 0; a++)
    for (int i = 0; i < m->q; i++) hi[m->M + 3 * (size_t)m->q * a - off + i] = o->log_w_max;
  if (!o->grid_bounds) return;
  int q = m->q, mat = m->opt.kind == PV_GP_KERNEL_STM || m->opt.kind == PV_GP_KERNEL_MATERN52;
  for (int a = 0; a < m->d; a++) {
    size_t t = m->M + 3 * (size_t)q * a - off;
    double h = m->h[a], lmax = mat ? log(1.0 / (sqrt(5.0) * h)) : log(1.0 / (h * h));
    for (int i = 0; i < q; i++) {
      hi[t + q + i] = lmax;
      lo[t + 2 * q + i] = -0.5 / h;
      hi[t + 2 * q + i] = 0.5 / h;
    }
  }
}

int pv_gp_model_optimize(pv_ctx *ctx, pv_gp_model *m, double *p, const pv_gp_optim_options *opt,
                         pv_gp_optim_result *res) {
  if (!m || !p || !opt || !res || opt->struct_size < sizeof(pv_gp_optim_options))
    return PV_ERROR(PV_EINVAL, "gp optimise: NULL argument or options struct_size too small");
  if (opt->max_iter < 0 || opt->lbfgs_m < 1 || opt->lbfgs_m > 64 || !(opt->lr > 0) ||
      (unsigned)opt->method > 1 || !(opt->tol >= 0) || !(opt->noise_cap >= 0) || !(opt->prune_gap >= 0) ||
      !(opt->log_w_max >= 0) || opt->max_work < 0 || !(opt->prune_share >= 0) || !(opt->prune_share < 1) ||
      opt->fix_noise < 0 || opt->fix_noise > 2)
    return PV_ERROR(PV_EINVAL, "gp optimise: max_iter %d, lbfgs_m %d (1..64), lr %g, tol %g, "
                    "max_work %ld, prune_share %g (0..1)", opt->max_iter, opt->lbfgs_m, opt->lr,
                    opt->tol, opt->max_work, opt->prune_share);
  memset(res, 0, sizeof *res);
  size_t np = pv_gp_model_nparams(m), off = opt->profile_u ? m->M : 0, nx = np - off;
  size_t mem = (size_t)opt->lbfgs_m, wn = 3 * nx + mem + 2 * mem * nx;
  objective ob = {m, p, pv_malloc(np * sizeof(double)), off, nx, opt->fix_noise,
                  opt->profile_u, 0, 0.0, 0.0, 0.0, 0, NULL, NULL, NULL, NULL, 0, 0, 0, 0};
  double *x = pv_malloc(nx * sizeof(double)), *g = pv_malloc(nx * sizeof(double));
  double *w = pv_calloc(opt->method == PV_GP_ADAM ? 2 * nx : wn, sizeof(double));
  int st = 0;
  if (off) ob.uacc = pv_malloc(off * sizeof(double));
  if (!ob.gfull || !x || !g || !w || (off && !ob.uacc))
    st = PV_ERROR(PV_ENOMEM, "gp optimise: %zu parameters", np);
  monitor_state ms = {ctx, opt, m, gp_now_s(), 0.0, {0}};
  if (opt->max_time > 0) ob.deadline = ms.t0 + opt->max_time;
  ob.work_limit = opt->max_work;
  double *box = NULL;
  if (!st && opt->method == PV_GP_LBFGS &&
      (opt->noise_cap > 0 || opt->grid_bounds || opt->log_w_max > 0)) {
    if (!(box = pv_malloc(2 * nx * sizeof(double))))
      st = PV_ERROR(PV_ENOMEM, "gp optimise: %zu parameters", np);
    else {
      ob.lo = box;
      ob.hi = box + nx;
      set_bounds(m, opt, off, nx, ob.lo, ob.hi);
      for (size_t i = 0; i < nx; i++) p[off + i] = fmax(ob.lo[i], fmin(p[off + i], ob.hi[i]));
    }
  }
  int staged = opt->method == PV_GP_LBFGS && opt->prune_gap > 0;
  double *xs = NULL, *us = NULL;
  unsigned char *mk = NULL;
  if (!st && staged) {
    ob.mask = pv_calloc(2 * nx, 1);
    xs = pv_malloc(nx * sizeof(double));
    us = pv_malloc((off ? off : 1) * sizeof(double));
    mk = ob.mask ? ob.mask + nx : NULL;
    if (!ob.mask || !xs || !us) st = PV_ERROR(PV_ENOMEM, "gp optimise: %zu parameters", np);
  }
  if (!st) {
    memcpy(x, p + off, nx * sizeof(double));
    if (opt->method == PV_GP_ADAM) st = run_adam(&ob, &ms, x, g, w, w + nx, res);
    else if (staged) st = run_staged(&ob, &ms, x, g, w, xs, us, mk, res);
    else st = run_lbfgs(&ob, &ms, x, g, w, opt->max_iter, res);
  }
  pv_free(ob.mask); pv_free(xs); pv_free(us); pv_free(box);
  res->evaluations = ob.evals;
  res->solve_seconds = ob.t_solve;
  res->loss_seconds = ob.t_loss;
  res->pcg_iterations = ob.pcg_iters;
  res->work = ob.work;
  res->seconds = gp_now_s() - ms.t0;
  res->rel_l2 = st ? NAN : test_error(m, p, opt);
  pv_free(ob.gfull); pv_free(ob.uacc); pv_free(x); pv_free(g); pv_free(w);
  return st;
}
