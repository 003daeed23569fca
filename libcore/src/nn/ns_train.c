/* ns_train.c - Navier-Stokes forecasting with FNO-2D: dataset loading,
 * the reference training protocol (shuffled batches, rollout loss, Adam,
 * step decay), checkpoints with exact resume, metrics and evaluation. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/fileout.h>
#include <parseval/nn.h>
#include <parseval/nn_optim.h>
#include <parseval/ns.h>
#include "nn/ns_epoch_log.h"

void pv_nn_ns_data_destroy(pv_nn_ns_data **pd) {
  if (!pd || !*pd) return;
  pv_free((*pd)->w);
  pv_free(*pd);
  *pd = NULL;
}

int pv_nn_ns_data_load(pv_ctx *ctx, const char *path, int first, int count, pv_nn_ns_data **out) {
  if (!path || !out) return PV_ERROR(PV_EINVAL, "pv_nn_ns_data_load: NULL argument");
  *out = NULL;
  pv_ns_dataset_info info = {sizeof info, 0, 0, 0, 0, PV_F64};
  int st = pv_ns_dataset_info_read(path, &info);
  if (st) return st;
  if (!info.complete) return PV_ERROR(PV_EFORMAT, "%s: dataset is incomplete", path);
  if (first < 0 || count < 1 || first > info.samples - count)
    return PV_ERROR(PV_EINVAL, "%s: samples [%d, %d) requested, the file has %d", path, first,
                    first + count, info.samples);
  const size_t S = (size_t)info.res * info.res, per = (size_t)info.times * S;
  const size_t bytes = (size_t)count * per * sizeof(float);
  if (ctx && bytes > pv_ctx_ram_budget(ctx))
    return PV_ERROR(PV_ENOMEM, "%s: %zu bytes of samples exceed the RAM budget", path, bytes);
  pv_nn_ns_data *d = pv_calloc(1, sizeof *d);
  double *buf = pv_malloc(per * sizeof *buf);
  if (d) d->w = pv_malloc(bytes);
  if (!d || !buf || !d->w) {
    pv_free(buf);
    pv_nn_ns_data_destroy(&d);
    return PV_ERROR(PV_ENOMEM, "%s: %zu bytes of samples", path, bytes);
  }
  d->samples = count;
  d->times = info.times;
  d->res = info.res;
  for (int s = 0; s < count && !st; s++) {
    st = pv_ns_dataset_read_sample(path, first + s, buf);
    for (size_t k = 0; !st && k < per; k++) {
      if (!isfinite(buf[k]))
        st = PV_ERROR(PV_EFORMAT, "%s: sample %d holds a non-finite value at time %zu", path,
                      first + s, k / S);
      d->w[(size_t)s * per + k] = (float)buf[k];
    }
  }
  pv_free(buf);
  if (st) {
    pv_nn_ns_data_destroy(&d);
    return st;
  }
  *out = d;
  return PV_OK;
}

/* Copy the inputs and targets of samples idx[0..b) into x0 / y. */
static void gather(const pv_nn_ns_data *d, const size_t *idx, int b, int t0, int t_in, int t_out,
                   float *x0, float *y) {
  const size_t S = (size_t)d->res * d->res;
  for (int i = 0; i < b; i++) {
    const float *s = d->w + idx[i] * (size_t)d->times * S;
    memcpy(x0 + (size_t)i * t_in * S, s + (size_t)t0 * S, (size_t)t_in * S * sizeof *x0);
    if (y)
      memcpy(y + (size_t)i * t_out * S, s + (size_t)(t0 + t_in) * S, (size_t)t_out * S * sizeof *y);
  }
}

int pv_nn_ns_predict(pv_nn_fno2d *m, const pv_nn_ns_data *d, int first, int count, int t0,
                     int t_out, float *pred, double *step_err, double *err) {
  return pv_nn_ns_predict_norm(m, NULL, d, first, count, t0, t_out, pred, step_err, err);
}

int pv_nn_ns_predict_norm(pv_nn_fno2d *m, const pv_nn_ns_norm *norm, const pv_nn_ns_data *d,
                          int first, int count, int t0, int t_out, float *pred, double *step_err,
                          double *err) {
  if (!m || !d || !pred) return PV_ERROR(PV_EINVAL, "pv_nn_ns_predict: NULL argument");
  if (norm) {
    int sn = pv_nn_ns_norm_check(norm, "pv_nn_ns_predict");
    if (sn) return sn;
  }
  pv_nn_fno2d_config c;
  pv_nn_fno2d_get_config(m, &c);
  if (d->res != c.n)
    return PV_ERROR(PV_EINVAL, "data resolution %d x %d differs from the model's %d x %d", d->res,
                    d->res, c.n, c.n);
  if (first < 0 || count < 1 || first > d->samples - count || t0 < 0 || t_out < 1 ||
      t0 + c.t_in + t_out > d->times)
    return PV_ERROR(PV_EINVAL, "pv_nn_ns_predict: samples [%d, %d) of %d, times %d + %d + %d of %d",
                    first, first + count, d->samples, t0, c.t_in, t_out, d->times);
  const size_t S = (size_t)c.n * c.n;
  float *x0 = pv_malloc((size_t)c.max_batch * c.t_in * S * sizeof *x0);
  if (!x0) return PV_ERROR(PV_ENOMEM, "pv_nn_ns_predict: input buffer");
  if (step_err) memset(step_err, 0, (size_t)t_out * sizeof *step_err);
  double tot = 0;
  int st = PV_OK;
  for (int s0 = 0; s0 < count && !st; s0 += c.max_batch) {
    int b = count - s0 < c.max_batch ? count - s0 : c.max_batch;
    size_t idx[4096];
    if (b > 4096) b = 4096;
    for (int i = 0; i < b; i++) idx[i] = (size_t)(first + s0 + i);
    gather(d, idx, b, t0, c.t_in, t_out, x0, NULL);
    float *pb = pred + (size_t)s0 * t_out * S;
    st = pv_nn_fno2d_rollout_norm(m, norm, b, t_out, x0, NULL, PV_NN_REDUCE_SUM, 0, NULL, pb);
    for (int i = 0; !st && i < b; i++) {
      const float *truth = d->w + (idx[i] * (size_t)d->times + (size_t)(t0 + c.t_in)) * S;
      double e2 = 0, y2 = 0;
      for (int t = 0; t < t_out; t++) {
        double se = 0, sy = 0;
        const float *p = pb + ((size_t)i * t_out + t) * S, *y = truth + (size_t)t * S;
        for (size_t k = 0; k < S; k++) {
          double e = (double)p[k] - y[k];
          se += e * e;
          sy += (double)y[k] * y[k];
        }
        if (step_err) step_err[t] += sy > 0 ? sqrt(se / sy) / count : 0;
        e2 += se;
        y2 += sy;
      }
      tot += y2 > 0 ? sqrt(e2 / y2) : 0;
    }
  }
  pv_free(x0);
  if (!st && err) *err = tot / count;
  return st;
}

static int file_exists(const char *p) {
  struct stat sb;
  return p && stat(p, &sb) == 0;
}

/* Training state shared by the helpers below. */
typedef struct ns_job {
  pv_ctx *ctx;
  const pv_nn_ns_train_options *o;
  pv_nn_fno2d *m;
  pv_nn_adam *adam;
  pv_nn_optim *opt;   /* Muon / Conda / AuON instead of adam (NULL: adam) */
  double lr_now;
  pv_nn_fno2d_config c;
  pv_nn_ns_data *train, *test;
  pv_nn_ns_norm norm;  /* data normaliser (kind NONE: none) */
  char config[512];   /* JSON of the protocol, stored in checkpoints */
} ns_job;

static int save_ckpt(ns_job *j, int64_t epoch, int64_t step, const pv_rng *rng) {
  pv_nn_checkpoint_meta meta = {sizeof meta, epoch, step, *rng, j->config, j->norm};
  pv_nn_train_state ts = PV_NN_TRAIN_STATE_INIT;
  if (j->opt) ts.optim = j->opt;
  else ts.adam = j->adam;
  return pv_nn_fno2d_save_state(j->o->checkpoint, 1, j->m, &ts, &meta);
}

static int check_job(const ns_job *j, const pv_ns_dataset_info *info, const char *path) {
  const pv_nn_ns_train_options *o = j->o;
  if (info->res != j->c.n)
    return PV_ERROR(PV_EINVAL, "%s: data resolution %d x %d differs from the model's %d x %d", path,
                    info->res, info->res, j->c.n, j->c.n);
  if (o->ntrain < 1 || o->ntest < 0 || o->ntrain + o->ntest > info->samples)
    return PV_ERROR(PV_EINVAL, "%s: ntrain %d + ntest %d exceed the %d samples", path, o->ntrain,
                    o->ntest, info->samples);
  if (o->t0 < 0 || o->t_out < 1 || o->t0 + j->c.t_in + o->t_out > info->times)
    return PV_ERROR(PV_EINVAL, "%s: t0 %d + t_in %d + t_out %d exceed the %d time slices", path,
                    o->t0, j->c.t_in, o->t_out, info->times);
  if (o->batch < 1 || o->batch > j->c.max_batch || o->epochs < 0 || o->step_size < 1 ||
      !(o->gamma > 0) || !(o->lr > 0) || o->checkpoint_every < 0)
    return PV_ERROR(PV_EINVAL, "training options: batch %d (model max %d), epochs %d, step_size "
                    "%d, gamma %g, lr %g, checkpoint_every %d", o->batch, j->c.max_batch, o->epochs,
                    o->step_size, o->gamma, o->lr, o->checkpoint_every);
  if (o->resume && !o->checkpoint)
    return PV_ERROR(PV_EINVAL, "training options: resume needs a checkpoint path");
  if (o->normalize != PV_NN_NORM_NONE && o->normalize != PV_NN_NORM_GAUSSIAN)
    return PV_ERROR(PV_EINVAL, "training options: normalize %d unknown (0 none, 1 gaussian)",
                    o->normalize);
  return PV_OK;
}

/* One epoch from batch b0; *loss_sum accumulates; saves checkpoints. */
static int run_epoch(ns_job *j, int e, int b0, pv_rng *rng, float *x0, float *y, double *loss_sum) {
  const pv_nn_ns_train_options *o = j->o;
  pv_rng epoch_start = *rng;
  size_t *perm = pv_malloc((size_t)o->ntrain * sizeof *perm);
  if (!perm) return PV_ERROR(PV_ENOMEM, "permutation");
  for (int i = 0; i < o->ntrain; i++) perm[i] = (size_t)i;
  pv_rng_shuffle(rng, perm, (size_t)o->ntrain);
  const int nb = (o->ntrain + o->batch - 1) / o->batch;
  int st = PV_OK;
  for (int bi = b0; bi < nb && !st; bi++) {
    int b = o->ntrain - bi * o->batch < o->batch ? o->ntrain - bi * o->batch : o->batch;
    gather(j->train, perm + (size_t)bi * o->batch, b, o->t0, j->c.t_in, o->t_out, x0, y);
    double loss = 0;
    pv_nn_fno2d_zero_grad(j->m);
    st = pv_nn_fno2d_rollout_norm(j->m, &j->norm, b, o->t_out, x0, y, PV_NN_REDUCE_SUM, 1, &loss,
                                  NULL);
    if (!st && !isfinite(loss))
      st = PV_ERROR(PV_ENUMERIC, "training diverged: loss %g at epoch %d batch %d", loss, e, bi);
    if (!st) st = j->opt ? pv_nn_optim_step(j->opt, j->lr_now) : pv_nn_adam_step(j->adam);
    *loss_sum += loss;
    if (!st && o->checkpoint && o->checkpoint_every && (bi + 1) % o->checkpoint_every == 0)
      st = bi + 1 < nb ? save_ckpt(j, e, bi + 1, &epoch_start) : save_ckpt(j, e + 1, 0, rng);
    if (!st) {
      char msg[96];
      snprintf(msg, sizeof msg, "epoch %d/%d loss %.4g", e + 1, o->epochs, loss / b / o->t_out);
      st = pv_ctx_progress(j->ctx, ((double)e + (bi + 1.0) / nb) / o->epochs, msg);
    }
  }
  pv_free(perm);
  return st;
}

static int train_loop(ns_job *j, pv_nn_ns_train_result *res) {
  const pv_nn_ns_train_options *o = j->o;
  const size_t S = (size_t)j->c.n * j->c.n;
  pv_rng rng;
  pv_rng_init(&rng, o->seed, 0x6e73);
  int e0 = 0, b0 = 0, st = PV_OK;
  if (o->resume && file_exists(o->checkpoint)) {
    pv_nn_fno2d_config cc;
    st = pv_nn_fno2d_checkpoint_config(o->checkpoint, &cc);
    if (!st && cc.n != j->c.n) /* zero-shot runs are for eval / predict, not for resuming */
      st = PV_ERROR(PV_EFORMAT, "%s: attribute 'n' = %d: the run was trained on %d x %d data, "
                    "this dataset is %d x %d", o->checkpoint, cc.n, cc.n, cc.n, j->c.n, j->c.n);
    if (st) return st;
    pv_nn_checkpoint_meta meta;
    memset(&meta, 0, sizeof meta);
    meta.struct_size = sizeof meta;
    pv_nn_train_state ts = PV_NN_TRAIN_STATE_INIT;
    if (j->opt) ts.optim = j->opt;
    else ts.adam = j->adam;
    st = pv_nn_fno2d_load_state(o->checkpoint, j->m, &ts, &meta);
    if (st) return st;
    pv_free(meta.config_json);
    if (meta.norm.kind != j->norm.kind)
      return PV_ERROR(PV_EFORMAT, "%s: attribute 'norm_kind': the run was trained with normaliser "
                      "%s, this one asks for %s", o->checkpoint,
                      meta.norm.kind ? "gaussian" : "none", j->norm.kind ? "gaussian" : "none");
    j->norm = meta.norm; /* the stored statistics (the same training split: the same values) */
    e0 = (int)meta.epoch;
    b0 = (int)meta.step;
    rng = meta.rng;
    pv_log(j->ctx, PV_LOG_INFO, "nn", "resuming %s at epoch %d batch %d", o->checkpoint, e0, b0);
  }
  float *x0 = pv_malloc((size_t)o->batch * j->c.t_in * S * sizeof *x0);
  float *y = pv_malloc((size_t)o->batch * o->t_out * S * sizeof *y);
  float *pred = o->ntest ? pv_malloc((size_t)o->ntest * o->t_out * S * sizeof *pred) : NULL;
  pv__nn_epoch_log log;
  if (!x0 || !y || (o->ntest && !pred)) st = PV_ERROR(PV_ENOMEM, "training buffers");
  int lst = pv__nn_epoch_log_init(&log, j->ctx, o->metrics_csv, o->epochs);
  if (!st) st = lst;
  double last_loss = 0, test_err = NAN;
  for (int e = e0; e < o->epochs && !st; e++) {
    j->lr_now = o->lr * pow(o->gamma, (double)(e / o->step_size));
    pv_nn_adam_set_lr(j->adam, j->lr_now);
    double t = pv__nn_now_s(), loss_sum = 0;
    st = run_epoch(j, e, e == e0 ? b0 : 0, &rng, x0, y, &loss_sum);
    if (st) break;
    const double secs = pv__nn_now_s() - t;
    last_loss = loss_sum / o->ntrain / o->t_out;
    if (o->ntest) st = pv_nn_ns_predict_norm(j->m, &j->norm, j->test, 0, o->ntest, o->t0, o->t_out, pred, NULL, &test_err);
    if (!st) st = pv__nn_epoch_log_add(&log, e, j->lr_now, last_loss, test_err, secs);
  }
  if (!st && o->checkpoint) st = save_ckpt(j, o->epochs, 0, &rng);
  if (!st && log.ran == 0 && o->ntest)
    st = pv_nn_ns_predict_norm(j->m, &j->norm, j->test, 0, o->ntest, o->t0, o->t_out, pred, NULL, &test_err);
  if (!st && res) pv__nn_epoch_log_result(&log, last_loss, test_err, res);
  pv_free(x0); pv_free(y); pv_free(pred);
  pv__nn_epoch_log_free(&log);
  return st;
}

int pv_nn_ns_train(pv_ctx *ctx, const char *path, pv_nn_fno2d *m, const pv_nn_ns_train_options *o,
                   pv_nn_ns_train_result *res) {
  if (!path || !m || !o || o->struct_size < sizeof *o)
    return PV_ERROR(PV_EINVAL, "pv_nn_ns_train: NULL argument or options struct_size too small");
  if (pv_nn_fno2d_dtype(m) != PV_F32) return PV_ERROR(PV_EINVAL, "pv_nn_ns_train: model must be f32");
  ns_job j;
  memset(&j, 0, sizeof j);
  j.ctx = ctx; j.o = o; j.m = m;
  pv_nn_fno2d_get_config(m, &j.c);
  pv_ns_dataset_info info = {sizeof info, 0, 0, 0, 0, PV_F64};
  int st = pv_ns_dataset_info_read(path, &info);
  if (!st) st = check_job(&j, &info, path);
  if (st) return st;
  pv__nn_train_config_json(j.config, sizeof j.config, path, o);
  pv_nn_param *ps;
  int np;
  st = pv_nn_fno2d_params(m, &ps, &np);
  pv_nn_adam_options ao = PV_NN_ADAM_OPTIONS_INIT;
  ao.lr = o->lr;
  ao.weight_decay = o->weight_decay;
  ao.decoupled = o->decoupled;
  if (!st) st = pv_nn_adam_create(&ao, ps, np, &j.adam);
  if (!st && o->optimizer) {
    pv_nn_optim_options oo = PV_NN_OPTIM_OPTIONS_INIT;
    oo.weight_decay = o->weight_decay;
    oo.aux_weight_decay = o->weight_decay;
    oo.aux_groups = 1u << 1;
    st = pv_nn_optim_create(ctx, (pv_nn_optim_kind)o->optimizer, &oo, ps, (size_t)np, &j.opt);
  }
  if (!st) st = pv_nn_ns_data_load(ctx, path, 0, o->ntrain, &j.train);
  if (!st && o->ntest) st = pv_nn_ns_data_load(ctx, path, info.samples - o->ntest, o->ntest, &j.test);
  if (!st && o->normalize == PV_NN_NORM_GAUSSIAN) { /* the training split only */
    st = pv_nn_ns_norm_fit(j.train, &j.norm);
    if (!st)
      pv_log(ctx, PV_LOG_INFO, "nn", "normaliser: mean %.6g, std %.6g over %d training samples",
             j.norm.mean, j.norm.std, o->ntrain);
  }
  if (!st) st = train_loop(&j, res);
  pv_nn_adam_destroy(&j.adam);
  pv_nn_optim_destroy(&j.opt);
  pv_nn_ns_data_destroy(&j.train);
  pv_nn_ns_data_destroy(&j.test);
  return st;
}
