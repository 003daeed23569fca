/* ns_nn.c - ns-forecast train / predict / eval: FNO-2D forecasting of the
 * datasets written by `simulate`, through the nn module. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <parseval/parseval.h>
#include <parseval/h5.h>
#include <parseval/json.h>
#include <parseval/nn.h>
#include <parseval/ns.h>
#include <parseval/render.h>

#include "ns_classical.h"
#include "ns_nn.h"
#include "ns_png.h"

#define IOPT(name, def, lo, hi, help) \
  { name, PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_HAS_MIN | PV_PARAM_HAS_MAX, def, lo, hi, NULL, help, NULL }
#define ROPT(name, def, lo, hi, help) \
  { name, PV_PARAM_REAL, PV_ROLE_OPTION, PV_PARAM_HAS_MIN | PV_PARAM_HAS_MAX, def, lo, hi, NULL, help, NULL }

const pv_param ns_train_params[NS_N_TRAIN] = {
    {"input", PV_PARAM_PATH, PV_ROLE_INPUT, 0, NULL, 0, 0, NULL, "HDF5 dataset written by simulate", NULL},
    {"output", PV_PARAM_PATH, PV_ROLE_OUTPUT, 0, NULL, 0, 0, NULL, "model checkpoint (HDF5)", NULL},
    IOPT("ntrain", "100", 1, 1e7, "training samples (the first ones)"),
    IOPT("ntest", "50", 0, 1e7, "test samples (the last ones)"),
    IOPT("t0", "0", 0, 1e6, "first input time slice"),
    IOPT("t-in", "10", 1, 1000, "input snapshots"),
    IOPT("t-out", "10", 1, 1e5, "forecast steps of the training rollout"),
    IOPT("epochs", "30", 0, 1e6, "training epochs"),
    IOPT("batch", "20", 1, 4096, "samples per batch"),
    ROPT("lr", NULL, 1e-12, 10, "initial learning rate (default 1e-3 for adam and conda, 0.02 for muon and auon: their references' scale)"),
    ROPT("weight-decay", "1e-4", 0, 10, "L2 weight decay (decoupled with --adamw)"),
    {"adamw", PV_PARAM_FLAG, PV_ROLE_OPTION, 0, "false", 0, 0, NULL, "use AdamW instead of Adam with L2 decay", NULL},
    {"optimizer", PV_PARAM_CHOICE, PV_ROLE_OPTION, 0, "adam", 0, 0, "adam|muon|conda|auon|auon-hybrid", "optimiser (Muon/Conda/AuON: parseval/nn_optim.h defaults; their state is checkpointed too)", NULL},
    IOPT("step-size", "10", 1, 1e6, "epochs between learning-rate decays"),
    ROPT("gamma", "0.5", 1e-6, 1, "learning-rate decay factor"),
    IOPT("modes", "12", 1, 4096, "Fourier modes per axis (8: the paper's parameter count)"),
    IOPT("width", "20", 1, 1024, "channels of the Fourier layers"),
    IOPT("layers", "4", 1, 8, "Fourier layers"),
    IOPT("checkpoint-every", "0", 0, 1e9, "save OUTPUT every this many batches (0: at the end)"),
    {"resume", PV_PARAM_FLAG, PV_ROLE_OPTION, 0, "false", 0, 0, NULL, "continue from OUTPUT (needs --overwrite)", NULL},
    {"metrics", PV_PARAM_PATH, PV_ROLE_OPTION, 0, NULL, 0, 0, NULL, "CSV of per-epoch loss, test error and time", NULL},
    {"loss-png", PV_PARAM_PATH, PV_ROLE_OPTION, 0, NULL, 0, 0, NULL, "PNG plot of train loss and test error per epoch", NULL},
    {"reproducible", PV_PARAM_FLAG, PV_ROLE_OPTION, 0, "true", 0, 0, NULL, "plan FFTs with ESTIMATE (bit-identical reruns)", NULL},
    {"model", PV_PARAM_CHOICE, PV_ROLE_OPTION, 0, "fno2d", 0, 0, "fno2d|fno3d|sfno", "architecture: recurrent FNO-2D, FNO-3D or Spectral-Refiner's SFNO (t_in -> t_out frames in one call)", NULL},
    IOPT("modes-t", "5", 1, 4096, "time modes (fno3d, sfno)"),
    IOPT("pad-t", "6", 0, 4096, "zero frames appended in time (fno3d)"),
    IOPT("latent", "10", 1, 1024, "latent time steps (sfno, <= t-in)"),
    IOPT("expansion", "4", 1, 64, "FFN channel expansion (sfno)"),
    {"act", PV_PARAM_CHOICE, PV_ROLE_OPTION, 0, "relu", 0, 0, "relu|gelu", "activation (sfno; the reference's is ReLU)", NULL},
    ROPT("beta", "1e-2", -10, 10, "positional-encoding time scale (sfno)"),
    ROPT("delta", "0.1", 0, 100, "output spectral-bias scale (sfno)"),
    {"finetune", PV_PARAM_PATH, PV_ROLE_OPTION, 0, NULL, 0, 0, NULL, "SFNO checkpoint: run the Spectral-Refiner fine-tuning on the last --ntest trajectories of INPUT; OUTPUT gets base and refined predictions", NULL},
    {"residual-dt", PV_PARAM_CHOICE, PV_ROLE_OPTION, 0, "spectral", 0, 0, "spectral|fd", "fine-tuning residual's dw/dt: spectral in time of the prediction, or fd = the reference's +-delta solver steps (small by construction)", NULL},
    IOPT("ft-iters", "50", 0, 1e6, "fine-tuning Adam iterations per trajectory"),
    IOPT("ft-modes-xy", "0", 0, 4096, "widened output modes in x and y (0: n / 4, i.e. 64 at 256 x 256)"),
    IOPT("ft-modes-t", "6", 1, 4096, "widened output modes in time"),
    ROPT("ft-lr-weight", "1e-4", 0, 10, "fine-tuning learning rate of the output weights"),
    ROPT("ft-lr-bias", "0.2", 0, 10, "fine-tuning learning rate of the output spectral bias"),
    ROPT("ft-solver-dt", "1e-6", 1e-12, 0.1, "step of --residual-dt=fd"),
    {"normalize", PV_PARAM_CHOICE, PV_ROLE_OPTION, 0, "none", 0, 0, "none|gaussian", "data normaliser: none = the peer's protocol; gaussian = the network sees (w - mean) / std, mean and std of the training samples, stored in OUTPUT and applied by eval / predict", NULL},
};

const pv_param ns_predict_params[NS_N_PREDICT] = {
    {"checkpoint", PV_PARAM_PATH, PV_ROLE_INPUT, 0, NULL, 0, 0, NULL, "checkpoint written by train", NULL},
    {"input", PV_PARAM_PATH, PV_ROLE_INPUT, 0, NULL, 0, 0, NULL, "HDF5 dataset written by simulate", NULL},
    {"output", PV_PARAM_PATH, PV_ROLE_OUTPUT, 0, NULL, 0, 0, NULL, "HDF5 with prediction, truth, error [s][t][x][y]", NULL},
    IOPT("samples", "1", 1, 1e6, "number of samples from the end of the dataset"),
    IOPT("t0", "0", 0, 1e6, "first input time slice"),
    {"png", PV_PARAM_PATH, PV_ROLE_OPTION, PV_PARAM_DIR, NULL, 0, 0, NULL, "folder for truth / prediction / error PNGs of the first sample", NULL},
    {"model", PV_PARAM_CHOICE, PV_ROLE_OPTION, 0, "auto", 0, 0, "auto|fno2d|fno3d|sfno", "expected architecture (auto: the checkpoint's)", NULL},
};

const pv_param ns_eval_params[NS_N_EVAL] = {
    {"checkpoint", PV_PARAM_PATH, PV_ROLE_INPUT, 0, NULL, 0, 0, NULL, "checkpoint written by train", NULL},
    {"input", PV_PARAM_PATH, PV_ROLE_INPUT, 0, NULL, 0, 0, NULL, "HDF5 dataset written by simulate", NULL},
    {"output", PV_PARAM_PATH, PV_ROLE_OUTPUT, 0, NULL, 0, 0, NULL, "JSON report", NULL},
    IOPT("samples", "50", 1, 1e6, "test samples (the last ones)"),
    IOPT("t-out", "10", 1, 1e5, "forecast steps"),
    {"classical", PV_PARAM_FLAG, PV_ROLE_OPTION, 0, "false", 0, 0, NULL, "also run the pseudo-spectral solver from each sample's last input snapshot and print both side by side", NULL},
    {"classical-scheme", PV_PARAM_CHOICE, PV_ROLE_OPTION, 0, "dataset", 0, 0, "dataset|fno|cnab2|ifrk4", "scheme of the classical run (dataset: the dataset's)", NULL},
    ROPT("classical-dt", "0", 0, 1, "time step of the classical run (0: the dataset's dt, or its CFL rule)"),
    {"model", PV_PARAM_CHOICE, PV_ROLE_OPTION, 0, "auto", 0, 0, "auto|fno2d|fno3d|sfno", "expected architecture (auto: the checkpoint's)", NULL},
};

/* Train loss and test error per epoch, log scale. */
int ns_loss_plot(const char *path, int overwrite, const pv_nn_ns_train_result *r) {
  pv_plot *p = NULL;
  int rc = pv_plot_create(640, 420, &p);
  if (rc) return rc;
  pv_plot_set_title(p, "FNO-2D training");
  pv_plot_set_xlabel(p, "epoch (this run)");
  pv_plot_set_ylabel(p, "relative L2");
  pv_plot_set_log_y(p, 1);
  if (r->epochs_run > 0) {
    rc = pv_plot_add_series(p, "train loss per step", NULL, r->train_curve, (size_t)r->epochs_run, NULL);
    if (!rc) rc = pv_plot_add_series(p, "test error", NULL, r->test_curve, (size_t)r->epochs_run, NULL);
  }
  if (!rc) rc = pv_plot_write_png(p, path, NULL, overwrite);
  pv_plot_destroy(&p);
  return rc;
}

/* Muon and AuON give non-matrix parameters an AdamW at 0.015 lr: at Adam's
 * 1e-3 those barely move (measured: test error 0.998 after 30 epochs). */
double ns_train_lr(const pv_args *a) {
  if (pv_args_has(a, "lr")) return pv_args_real(a, "lr");
  const char *on = pv_args_string(a, "optimizer");
  return !strcmp(on, "muon") || !strncmp(on, "auon", 4) ? 0.02 : 1e-3;
}

int ns_run_train(pv_ctx *ctx, const pv_args *a) {
  if (pv_args_has(a, "finetune")) return ns_run_finetune(ctx, a);
  if (strcmp(pv_args_string(a, "model"), "fno2d") != 0) return ns_run_train_st(ctx, a);
  pv_ns_dataset_info info = {sizeof info, 0, 0, 0, 0, PV_F64};
  const char *in = pv_args_string(a, "input"), *out = pv_args_string(a, "output");
  int rc = pv_ns_dataset_info_read(in, &info);
  if (rc) return rc;
  pv_nn_fno2d_config c = PV_NN_FNO2D_CONFIG_INIT;
  c.t_in = (int)pv_args_int(a, "t-in");
  c.width = (int)pv_args_int(a, "width");
  c.modes = (int)pv_args_int(a, "modes");
  c.layers = (int)pv_args_int(a, "layers");
  c.n = info.res;
  c.max_batch = (int)pv_args_int(a, "batch");
  c.rigor = pv_args_flag(a, "reproducible") ? PV_FFT_ESTIMATE : PV_FFT_MEASURE;
  pv_nn_ns_train_options o = PV_NN_NS_TRAIN_OPTIONS_INIT;
  o.ntrain = (int)pv_args_int(a, "ntrain");
  o.ntest = (int)pv_args_int(a, "ntest");
  o.t0 = (int)pv_args_int(a, "t0");
  o.t_out = (int)pv_args_int(a, "t-out");
  o.epochs = (int)pv_args_int(a, "epochs");
  o.batch = c.max_batch;
  o.weight_decay = pv_args_real(a, "weight-decay");
  o.decoupled = pv_args_flag(a, "adamw");
  const char *on = pv_args_string(a, "optimizer");
  o.optimizer = !strcmp(on, "muon") ? 1 : !strcmp(on, "conda") ? 2 : !strcmp(on, "auon") ? 3
              : !strcmp(on, "auon-hybrid") ? 4 : 0;
  o.lr = ns_train_lr(a);
  o.step_size = (int)pv_args_int(a, "step-size");
  o.gamma = pv_args_real(a, "gamma");
  o.seed = pv_ctx_seed(ctx);
  o.checkpoint = out;
  o.checkpoint_every = (int)pv_args_int(a, "checkpoint-every");
  o.resume = pv_args_flag(a, "resume");
  o.normalize = strcmp(pv_args_string(a, "normalize"), "gaussian") == 0 ? PV_NN_NORM_GAUSSIAN
                                                                         : PV_NN_NORM_NONE;
  o.metrics_csv = pv_args_has(a, "metrics") ? pv_args_string(a, "metrics") : NULL;
  if (o.metrics_csv && (rc = pv_output_check(o.metrics_csv, pv_args_overwrite(a)))) return rc;
  const char *png = pv_args_has(a, "loss-png") ? pv_args_string(a, "loss-png") : NULL;
  if (png && (rc = pv_output_check(png, pv_args_overwrite(a)))) return rc;
  pv_nn_fno2d *m = NULL;
  rc = pv_nn_fno2d_create(ctx, PV_F32, &c, &m);
  pv_nn_ns_train_result r = {sizeof r, 0, 0, 0, 0, NULL, NULL};
  if (!rc) rc = pv_nn_ns_train(ctx, in, m, &o, &r);
  if (!rc && png) rc = ns_loss_plot(png, pv_args_overwrite(a), &r);
  pv_free(r.train_curve);
  pv_free(r.test_curve);
  if (!rc)
    printf("{\"train_loss\": %.6g, \"test_rel_l2\": %.6g, \"median_epoch_s\": %.3f, "
           "\"epochs_run\": %d}\n", r.train_loss, r.test_rel_l2, r.median_epoch_s, r.epochs_run);
  pv_nn_fno2d_destroy(&m);
  return rc;
}

/* Model from a checkpoint on an n x n grid (zero-shot when n differs from
 * the training grid), sized for `batch` samples per call. */
static int load_model(pv_ctx *ctx, const char *path, int n, int batch, pv_nn_fno2d **m,
                      pv_nn_ns_norm *norm) {
  pv_nn_fno2d_config c;
  int rc = pv_nn_fno2d_checkpoint_config(path, &c);
  if (rc) return rc;
  if (n != c.n)
    pv_log(ctx, PV_LOG_INFO, "nn", "model trained at %d x %d runs zero-shot at %d x %d", c.n, c.n,
           n, n);
  c.n = n;
  c.max_batch = batch;
  rc = pv_nn_fno2d_create(ctx, PV_F32, &c, m);
  pv_nn_checkpoint_meta meta;
  memset(&meta, 0, sizeof meta);
  meta.struct_size = sizeof meta;
  if (!rc) rc = pv_nn_fno2d_load(path, *m, NULL, &meta);
  pv_free(meta.config_json);
  if (!rc) *norm = meta.norm; /* the data normaliser trained with (kind NONE: none) */
  return rc;
}

/* Last `count` samples of the dataset and a model; t_out forecast steps. */
typedef struct ns_eval_job {
  pv_nn_st *st;                    /* space-time model (fno3d, sfno), or NULL */
  pv_nn_fno2d *m;
  pv_nn_ns_norm norm;              /* the model's data normaliser, from the checkpoint */
  pv_nn_ns_data *d;
  pv_nn_fno2d_config c;
  float *pred;
  double *step_err, err;
  double seconds;       /* wall time of the model's rollouts */
} ns_eval_job;

static int eval_run(pv_ctx *ctx, const pv_args *a, int count, int t0, int *t_out, ns_eval_job *j) {
  const char *in = pv_args_string(a, "input");
  pv_ns_dataset_info info = {sizeof info, 0, 0, 0, 0, PV_F64};
  int rc = pv_ns_dataset_info_read(in, &info);
  if (!rc && count > info.samples)
    rc = PV_ERROR(PV_EINVAL, "%s: %d samples requested, the file has %d", in, count, info.samples);
  const char *path = pv_args_string(a, "checkpoint");
  char kind[32] = "";
  if (!rc) rc = ns_model_kind(path, pv_args_has(a, "model") ? pv_args_string(a, "model") : "auto", kind,
                              sizeof kind);
  if (!rc && strcmp(kind, "fno2d") != 0) { /* FNO-3D, SFNO: one call per sample */
    rc = ns_load_st(ctx, path, info.res, count < 4 ? count : 4, t0, info.times, t_out, &j->st,
                    &j->norm);
    pv_nn_st_config sc;
    if (!rc) rc = pv_nn_st_get_config(j->st, &sc);
    if (!rc) j->c.t_in = sc.t_in;
  } else if (!rc) {
    rc = load_model(ctx, path, info.res, count < 20 ? count : 20, &j->m, &j->norm);
    if (!rc) rc = pv_nn_fno2d_get_config(j->m, &j->c);
  }
  if (!rc && *t_out <= 0) *t_out = info.times - t0 - j->c.t_in;
  if (!rc && t0 + j->c.t_in + (*t_out > 0 ? *t_out : 1) > info.times)
    rc = PV_ERROR(PV_EINVAL, "%s: dataset 'vorticity' has %d time slices, the model needs t0 %d + "
                  "t_in %d input + %d forecast slices", in, info.times, t0, j->c.t_in,
                  *t_out > 0 ? *t_out : 1);
  if (!rc) rc = pv_nn_ns_data_load(ctx, in, info.samples - count, count, &j->d);
  if (rc) return rc;
  const size_t S = (size_t)info.res * info.res;
  j->pred = pv_malloc((size_t)count * (*t_out > 0 ? *t_out : 1) * S * sizeof *j->pred);
  j->step_err = pv_malloc((size_t)(*t_out > 0 ? *t_out : 1) * sizeof *j->step_err);
  if (!j->pred || !j->step_err) return PV_ERROR(PV_ENOMEM, "prediction buffers");
  struct timespec a0, a1;
  clock_gettime(CLOCK_MONOTONIC, &a0);
  if (j->st)
    rc = pv_nn_ns_predict_st_norm(j->st, &j->norm, j->d, 0, count, t0, j->pred, j->step_err,
                                  &j->err);
  else
    rc = pv_nn_ns_predict_norm(j->m, &j->norm, j->d, 0, count, t0, *t_out, j->pred, j->step_err,
                               &j->err);
  clock_gettime(CLOCK_MONOTONIC, &a1);
  j->seconds = (double)(a1.tv_sec - a0.tv_sec) + 1e-9 * (double)(a1.tv_nsec - a0.tv_nsec);
  return rc;
}

static void eval_free(ns_eval_job *j) {
  pv_nn_st_destroy(&j->st);
  pv_nn_fno2d_destroy(&j->m);
  pv_nn_ns_data_destroy(&j->d);
  pv_free(j->pred);
  pv_free(j->step_err);
}

int ns_run_eval(pv_ctx *ctx, const pv_args *a) {
  ns_eval_job j;
  memset(&j, 0, sizeof j);
  int count = (int)pv_args_int(a, "samples"), t_out = (int)pv_args_int(a, "t-out");
  int rc = pv_output_check(pv_args_string(a, "output"), pv_args_overwrite(a));
  if (!rc) rc = eval_run(ctx, a, count, 0, &t_out, &j);
  ns_classical cl;
  memset(&cl, 0, sizeof cl);
  const int classical = pv_args_flag(a, "classical");
  if (!rc && classical) {
    const char *in = pv_args_string(a, "input");
    pv_ns_dataset_info info = {sizeof info, 0, 0, 0, 0, PV_F64};
    cl.scheme = pv_args_string(a, "classical-scheme");
    cl.dt = pv_args_real(a, "classical-dt");
    rc = pv_ns_dataset_info_read(in, &info);
    if (!rc) rc = ns_classical_run(ctx, in, info.samples - count, count, j.c.t_in - 1, t_out, &cl);
  }
  pv_json *js = NULL;
  if (!rc) rc = pv_json_create(2, &js);
  if (!rc) {
    pv_json_object_begin(js);
    pv_json_kv_int(js, "samples", count);
    pv_json_kv_int(js, "resolution", j.d->res);
    pv_json_kv_int(js, "t_out", t_out);
    pv_json_kv_number(js, "rel_l2", j.err);
    pv_json_key(js, "rel_l2_per_step");
    pv_json_numbers(js, j.step_err, (size_t)t_out);
    pv_json_kv_number(js, "seconds_per_sample", j.seconds / count);
    if (classical) ns_classical_json(js, &cl, t_out);
    pv_json_object_end(js);
    rc = pv_json_finish(js);
  }
  if (!rc) {
    size_t len = 0;
    const char *text = pv_json_text(js, &len);
    rc = pv_file_write_atomic(pv_args_string(a, "output"), text, len, pv_args_overwrite(a));
    if (!rc && !classical) fwrite(text, 1, len, stdout);
    if (!rc && classical) ns_classical_print(&cl, j.step_err, j.err, j.seconds / count, t_out);
  }
  pv_json_destroy(&js);
  pv_free(cl.step_err);
  eval_free(&j);
  return rc;
}

static int write_view(pv_h5 *f, const char *name, float *data, int count, int t_out, int r) {
  size_t shape[4] = {(size_t)count, (size_t)t_out, (size_t)r, (size_t)r};
  pv_view v;
  int rc = pv_view_init(&v, data, PV_F32, 4, shape);
  return rc ? rc : pv_h5_write_dataset(f, name, &v, NULL);
}

/* PNGs of the first sample's last forecast step on one colour scale. */
static int predict_pngs(const char *dir, int overwrite, const ns_eval_job *j, const float *truth,
                        int t_out) {
  const int r = j->d->res;
  const size_t S = (size_t)r * r, off = (size_t)(t_out - 1) * S;
  double *f = pv_malloc(3 * S * sizeof *f), vmax = 0;
  if (!f) return PV_ERROR(PV_ENOMEM, "PNG fields");
  for (size_t k = 0; k < S; k++) {
    f[k] = truth[off + k];
    f[S + k] = j->pred[off + k];
    f[2 * S + k] = f[S + k] - f[k];
    vmax = fmax(vmax, fmax(fabs(f[k]), fabs(f[S + k])));
  }
  const char *names[3] = {"truth", "prediction", "error"};
  int rc = PV_OK;
  mkdir(dir, 0777); /* an existing folder is fine; other failures show on write */
  for (int i = 0; i < 3 && !rc; i++) {
    char path[4096], title[96];
    snprintf(path, sizeof path, "%s/%s.png", dir, names[i]);
    snprintf(title, sizeof title, "%s, forecast step %d", names[i], t_out);
    rc = ns_png_write(path, overwrite, f + (size_t)i * S, r, vmax, title, NULL);
  }
  pv_free(f);
  return rc;
}

int ns_run_predict(pv_ctx *ctx, const pv_args *a) {
  ns_eval_job j;
  memset(&j, 0, sizeof j);
  int count = (int)pv_args_int(a, "samples"), t0 = (int)pv_args_int(a, "t0"), t_out = 0;
  int rc = eval_run(ctx, a, count, t0, &t_out, &j);
  float *truth = NULL, *err = NULL;
  pv_h5 *f = NULL;
  if (!rc && t_out < 1) rc = PV_ERROR(PV_EINVAL, "no time slices left to forecast after t0 %d", t0);
  const size_t S = j.d ? (size_t)j.d->res * j.d->res : 0, n = (size_t)count * (t_out > 0 ? t_out : 0) * S;
  if (!rc) {
    truth = pv_malloc(n * sizeof *truth);
    err = pv_malloc(n * sizeof *err);
    if (!truth || !err) rc = PV_ERROR(PV_ENOMEM, "prediction output");
  }
  for (int s = 0; !rc && s < count; s++)
    for (int t = 0; t < t_out; t++) {
      const float *src = j.d->w + ((size_t)s * j.d->times + (size_t)(t0 + j.c.t_in + t)) * S;
      float *dt = truth + ((size_t)s * t_out + t) * S, *de = err + ((size_t)s * t_out + t) * S;
      const float *p = j.pred + ((size_t)s * t_out + t) * S;
      for (size_t k = 0; k < S; k++) { dt[k] = src[k]; de[k] = p[k] - src[k]; }
    }
  if (!rc) rc = pv_h5_create(pv_args_string(a, "output"), pv_args_overwrite(a), &f);
  if (!rc) rc = write_view(f, "prediction", j.pred, count, t_out, j.d->res);
  if (!rc) rc = write_view(f, "truth", truth, count, t_out, j.d->res);
  if (!rc) rc = write_view(f, "error", err, count, t_out, j.d->res);
  if (!rc) rc = pv_h5_set_attr_double(f, "/", "rel_l2", j.err);
  if (!rc) rc = pv_h5_set_attr_int(f, "/", "t0", t0);
  if (!rc) rc = pv_h5_set_attr_int(f, "/", "t_in", j.c.t_in);
  if (!rc) rc = pv_h5_commit(&f);
  pv_h5_close(&f);
  if (!rc && pv_args_has(a, "png"))
    rc = predict_pngs(pv_args_string(a, "png"), pv_args_overwrite(a), &j, truth, t_out);
  pv_free(truth);
  pv_free(err);
  eval_free(&j);
  return rc;
}
