/* Learning-rate schedules in closed form, matching torch.optim.lr_scheduler
 * (1.13): StepLR, LinearLR warm-up followed by CosineAnnealingLR (as
 * SequentialLR chains them), and OneCycleLR (two phases, cosine annealing,
 * momentum cycled inversely). */
#include <math.h>

#include <parseval/error.h>
#include <parseval/nn_optim.h>

/* torch's _annealing_cos: end + (start - end)/2 (1 + cos(pi pct)). */
static double anneal_cos(double start, double end, double pct) {
  return end + (start - end) / 2.0 * (cos(M_PI * pct) + 1.0);
}

static int one_cycle(const pv_nn_sched *s, int64_t t, double *lr, double *mom) {
  if (s->total < 2 || !(s->pct_start > 0 && s->pct_start < 1) || !(s->div_factor > 0) ||
      !(s->final_div > 0))
    return PV_ERROR(PV_EINVAL, "nn_sched(one-cycle): total %lld, pct_start %g, div %g, final %g",
                    (long long)s->total, s->pct_start, s->div_factor, s->final_div);
  if (t > s->total)
    return PV_ERROR(PV_EINVAL, "nn_sched(one-cycle): step %lld beyond total %lld", (long long)t,
                    (long long)s->total);
  double init = s->base_lr / s->div_factor, lo = init / s->final_div;
  double e1 = s->pct_start * (double)s->total - 1.0, e2 = (double)s->total - 1.0;
  double x = (double)t, pct;
  if (x <= e1) {
    pct = x / e1;
    *lr = anneal_cos(init, s->base_lr, pct);
    *mom = anneal_cos(s->max_momentum, s->base_momentum, pct);
  } else {
    pct = (x - e1) / (e2 - e1);
    *lr = anneal_cos(s->base_lr, lo, pct);
    *mom = anneal_cos(s->base_momentum, s->max_momentum, pct);
  }
  return PV_OK;
}

static int warmup_cosine(const pv_nn_sched *s, int64_t t, double *lr) {
  if (s->warmup < 0 || s->total <= s->warmup || !(s->start_factor > 0 && s->start_factor <= 1))
    return PV_ERROR(PV_EINVAL, "nn_sched(warmup-cosine): warmup %lld, total %lld, start %g",
                    (long long)s->warmup, (long long)s->total, s->start_factor);
  if (t < s->warmup) {
    double f = s->start_factor + (1.0 - s->start_factor) * (double)t / (double)s->warmup;
    *lr = s->base_lr * f;
    return PV_OK;
  }
  double tc = (double)(t - s->warmup), T = (double)(s->total - s->warmup);
  *lr = s->eta_min + (s->base_lr - s->eta_min) * (1.0 + cos(M_PI * tc / T)) / 2.0;
  return PV_OK;
}

int pv_nn_sched_lr(const pv_nn_sched *s, int64_t t, double *lr, double *momentum) {
  if (!s || !lr || s->struct_size != sizeof *s || t < 0 || !(s->base_lr >= 0))
    return PV_ERROR(PV_EINVAL, "nn_sched_lr: bad schedule or step %lld", (long long)t);
  double mom = NAN;
  int st = PV_OK;
  switch (s->kind) {
  case PV_NN_SCHED_CONSTANT: *lr = s->base_lr; break;
  case PV_NN_SCHED_STEP:
    if (s->step_size < 1 || !(s->gamma > 0))
      return PV_ERROR(PV_EINVAL, "nn_sched(step): step_size %lld, gamma %g",
                      (long long)s->step_size, s->gamma);
    *lr = s->base_lr * pow(s->gamma, (double)(t / s->step_size));
    break;
  case PV_NN_SCHED_WARMUP_COSINE: st = warmup_cosine(s, t, lr); break;
  case PV_NN_SCHED_ONE_CYCLE: st = one_cycle(s, t, lr, &mom); break;
  default: return PV_ERROR(PV_EINVAL, "nn_sched_lr: unknown kind %d", s->kind);
  }
  if (momentum) *momentum = mom;
  return st;
}
