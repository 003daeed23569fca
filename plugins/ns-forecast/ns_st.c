/* ns_st.c - ns-forecast train for the space-time models (FNO-3D, SFNO) and
 * the Spectral-Refiner fine-tuning stage (train --finetune=BASE.h5). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <parseval/parseval.h>
#include <parseval/h5.h>
#include <parseval/json.h>
#include <parseval/nn.h>
#include <parseval/ns.h>

#include "ns_nn.h"

int ns_model_kind(const char *path, const char *want, char *kind, size_t cap) {
  int rc = pv_nn_checkpoint_model(path, kind, cap);
  if (rc) return rc;
  if (strcmp(want, "auto") != 0 && strcmp(want, kind) != 0)
    return PV_ERROR(PV_EINVAL, "%s: checkpoint of a %s model, --model=%s expected", path, kind,
                    want);
  return PV_OK;
}

int ns_load_st(pv_ctx *ctx, const char *path, int n, int batch, int t0, int times, int *t_out,
               pv_nn_st **m, pv_nn_ns_norm *norm) {
  pv_nn_st_config c;
  int rc = pv_nn_st_checkpoint_config(path, &c);
  if (rc) return rc;
  if (*t_out <= 0) *t_out = times - t0 - c.t_in;
  if (*t_out < 1 || t0 + c.t_in + *t_out > times)
    return PV_ERROR(PV_EINVAL, "t0 %d + t_in %d + t_out %d exceed the %d time slices", t0, c.t_in,
                    *t_out, times);
  if (n != c.n)
    pv_log(ctx, PV_LOG_INFO, "nn", "model trained at %d x %d runs zero-shot at %d x %d", c.n, c.n,
           n, n);
  c.n = n;
  c.t_out = *t_out;
  c.max_batch = batch;
  rc = pv_nn_st_create(ctx, PV_F32, &c, m);
  pv_nn_checkpoint_meta meta;
  memset(&meta, 0, sizeof meta);
  meta.struct_size = sizeof meta;
  if (!rc) rc = pv_nn_st_load(path, *m, NULL, &meta);
  pv_free(meta.config_json);
  if (!rc) *norm = meta.norm; /* the data normaliser trained with (kind NONE: none) */
  return rc;
}

int ns_run_train_st(pv_ctx *ctx, const pv_args *a) {
  pv_ns_dataset_info info = {sizeof info, 0, 0, 0, 0, PV_F64};
  const char *in = pv_args_string(a, "input"), *out = pv_args_string(a, "output");
  int rc = pv_ns_dataset_info_read(in, &info);
  if (rc) return rc;
  pv_nn_st_config c = PV_NN_ST_CONFIG_INIT;
  c.kind = strcmp(pv_args_string(a, "model"), "sfno") == 0 ? PV_NN_ST_SFNO : PV_NN_ST_FNO3D;
  c.t_in = (int)pv_args_int(a, "t-in");
  c.t_out = (int)pv_args_int(a, "t-out");
  c.width = (int)pv_args_int(a, "width");
  c.modes[0] = c.modes[1] = (int)pv_args_int(a, "modes");
  c.modes[2] = (int)pv_args_int(a, "modes-t");
  c.layers = (int)pv_args_int(a, "layers");
  c.pad_t = (int)pv_args_int(a, "pad-t");
  c.latent = (int)pv_args_int(a, "latent");
  c.expansion = (int)pv_args_int(a, "expansion");
  c.act = strcmp(pv_args_string(a, "act"), "gelu") == 0 ? PV_NN_ACT_GELU : PV_NN_ACT_RELU;
  c.beta = pv_args_real(a, "beta");
  c.delta = pv_args_real(a, "delta");
  c.n = info.res;
  c.max_batch = (int)pv_args_int(a, "batch");
  c.rigor = pv_args_flag(a, "reproducible") ? PV_FFT_ESTIMATE : PV_FFT_MEASURE;
  pv_nn_ns_train_options o = PV_NN_NS_TRAIN_OPTIONS_INIT;
  o.ntrain = (int)pv_args_int(a, "ntrain");
  o.ntest = (int)pv_args_int(a, "ntest");
  o.t0 = (int)pv_args_int(a, "t0");
  o.t_out = c.t_out;
  o.normalize = strcmp(pv_args_string(a, "normalize"), "gaussian") == 0 ? PV_NN_NORM_GAUSSIAN
                                                                         : PV_NN_NORM_NONE;
  o.epochs = (int)pv_args_int(a, "epochs");
  o.batch = c.max_batch;
  o.lr = ns_train_lr(a);
  o.weight_decay = pv_args_real(a, "weight-decay");
  o.decoupled = pv_args_flag(a, "adamw");
  if (strcmp(pv_args_string(a, "optimizer"), "adam") != 0)
    return PV_ERROR(PV_EUNSUPPORTED, "--model=%s trains with Adam / AdamW only",
                    pv_args_string(a, "model"));
  o.step_size = (int)pv_args_int(a, "step-size");
  o.gamma = pv_args_real(a, "gamma");
  o.seed = pv_ctx_seed(ctx);
  o.checkpoint = out;
  o.checkpoint_every = (int)pv_args_int(a, "checkpoint-every");
  o.resume = pv_args_flag(a, "resume");
  o.metrics_csv = pv_args_has(a, "metrics") ? pv_args_string(a, "metrics") : NULL;
  if (o.metrics_csv && (rc = pv_output_check(o.metrics_csv, pv_args_overwrite(a)))) return rc;
  const char *png = pv_args_has(a, "loss-png") ? pv_args_string(a, "loss-png") : NULL;
  if (png && (rc = pv_output_check(png, pv_args_overwrite(a)))) return rc;
  if (o.resume) { /* the checkpoint must be of this model */
    char kind[32];
    FILE *fp = fopen(out, "rb");
    if (fp) {
      fclose(fp);
      if ((rc = ns_model_kind(out, pv_args_string(a, "model"), kind, sizeof kind))) return rc;
    }
  }
  pv_nn_st *m = NULL;
  rc = pv_nn_st_create(ctx, PV_F32, &c, &m);
  pv_nn_ns_train_result r = {sizeof r, 0, 0, 0, 0, NULL, NULL};
  if (!rc) rc = pv_nn_ns_train_st(ctx, in, m, &o, &r);
  if (!rc && png) rc = ns_loss_plot(png, pv_args_overwrite(a), &r);
  size_t np = 0;
  pv_nn_st_flat(m, NULL, NULL, &np);
  pv_free(r.train_curve);
  pv_free(r.test_curve);
  if (!rc)
    printf("{\"model\": \"%s\", \"parameters\": %zu, \"train_loss\": %.6g, \"test_rel_l2\": %.6g, "
           "\"median_epoch_s\": %.3f, \"epochs_run\": %d}\n", pv_args_string(a, "model"), np,
           r.train_loss, r.test_rel_l2, r.median_epoch_s, r.epochs_run);
  pv_nn_st_destroy(&m);
  return rc;
}

/* ------------------------------------------------------------- fine-tuning */

/* nu, dt_record and the forcing [r][r] of a dataset. */
static int data_physics(const char *path, int r, double *nu, double *dt, double **forcing) {
  pv_h5 *f = NULL;
  int rc = pv_h5_open(path, &f);
  pv_array *arr = NULL;
  if (!rc) rc = pv_h5_get_attr_double(f, "/", "nu", nu);
  if (!rc) rc = pv_h5_get_attr_double(f, "/", "dt_record", dt);
  if (!rc) rc = pv_h5_read_dataset(f, "forcing", PV_F64, &arr);
  if (!rc && pv_view_count(pv_array_view(arr)) != (size_t)r * r)
    rc = PV_ERROR(PV_EFORMAT, "%s: /forcing has %zu values, %d x %d expected", path,
                  pv_view_count(pv_array_view(arr)), r, r);
  if (!rc) {
    *forcing = pv_malloc((size_t)r * r * sizeof **forcing);
    if (!*forcing) rc = PV_ERROR(PV_ENOMEM, "forcing");
    else memcpy(*forcing, pv_array_data(arr), (size_t)r * r * sizeof **forcing);
  }
  pv_array_destroy(&arr);
  pv_h5_close(&f);
  return rc;
}

static double rel_l2(const double *p, const float *y, size_t n) {
  double e = 0, s = 0;
  for (size_t k = 0; k < n; k++) {
    e += (p[k] - y[k]) * (p[k] - y[k]);
    s += (double)y[k] * y[k];
  }
  return s > 0 ? sqrt(e / s) : 0;
}

typedef struct ft_job {
  int count, T, ti, r;
  double *rel0, *rel1, *res0, *res1, *rest;  /* per trajectory; rest: the truth's residual */
  float *base, *refined, *truth;             /* [s][T][r][r] */
} ft_job;

static void ft_free(ft_job *j) {
  double *d[] = {j->rel0, j->rel1, j->res0, j->res1, j->rest};
  for (size_t i = 0; i < 5; i++) pv_free(d[i]);
  pv_free(j->base);
  pv_free(j->refined);
  pv_free(j->truth);
}

static double mean(const double *x, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) s += x[i];
  return s / n;
}

static int ft_write(const pv_args *a, const ft_job *j, const char *form, const int *modes) {
  pv_h5 *f = NULL;
  int rc = pv_h5_create(pv_args_string(a, "output"), pv_args_overwrite(a), &f);
  const char *names[3] = {"prediction_base", "prediction_refined", "truth"};
  float *data[3] = {j->base, j->refined, j->truth};
  size_t shape[4] = {(size_t)j->count, (size_t)j->T, (size_t)j->r, (size_t)j->r};
  for (int i = 0; !rc && i < 3; i++) {
    pv_view v;
    rc = pv_view_init(&v, data[i], PV_F32, 4, shape);
    if (!rc) rc = pv_h5_write_dataset(f, names[i], &v, NULL);
  }
  if (!rc) rc = pv_h5_set_attr_double(f, "/", "rel_l2_before", mean(j->rel0, j->count));
  if (!rc) rc = pv_h5_set_attr_double(f, "/", "rel_l2_after", mean(j->rel1, j->count));
  if (!rc) rc = pv_h5_set_attr_double(f, "/", "residual_before", mean(j->res0, j->count));
  if (!rc) rc = pv_h5_set_attr_double(f, "/", "residual_after", mean(j->res1, j->count));
  if (!rc) rc = pv_h5_set_attr_string(f, "/", "residual_dt", form);
  if (!rc) rc = pv_h5_commit(&f);
  pv_h5_close(&f);
  pv_json *js = NULL;
  if (!rc) rc = pv_json_create(2, &js);
  if (!rc) {
    pv_json_object_begin(js);
    pv_json_kv_string(js, "residual_dt", form);
    pv_json_kv_int(js, "trajectories", j->count);
    pv_json_kv_int(js, "iters", pv_args_int(a, "ft-iters"));
    pv_json_key(js, "out_modes");
    const double md[3] = {modes[0], modes[1], modes[2]};
    pv_json_numbers(js, md, 3);
    pv_json_kv_number(js, "rel_l2_before", mean(j->rel0, j->count));
    pv_json_kv_number(js, "rel_l2_after", mean(j->rel1, j->count));
    pv_json_kv_number(js, "residual_before", mean(j->res0, j->count));
    pv_json_kv_number(js, "residual_after", mean(j->res1, j->count));
    pv_json_kv_number(js, "residual_truth", mean(j->rest, j->count));
    const char *k[5] = {"rel_l2_before_each", "rel_l2_after_each", "residual_before_each",
                        "residual_after_each", "residual_truth_each"};
    const double *v[5] = {j->rel0, j->rel1, j->res0, j->res1, j->rest};
    for (int i = 0; i < 5; i++) {
      pv_json_key(js, k[i]);
      pv_json_numbers(js, v[i], (size_t)j->count);
    }
    pv_json_object_end(js);
    rc = pv_json_finish(js);
  }
  if (!rc) {
    size_t len = 0;
    const char *text = pv_json_text(js, &len);
    fwrite(text, 1, len, stdout);
  }
  pv_json_destroy(&js);
  return rc;
}

/* One trajectory: base prediction, fine-tuning, errors and residuals. */
static int ft_one(pv_ctx *ctx, pv_nn_st *base, const int *modes, const float *traj, int t0,
                  const pv_nn_sfno_finetune_options *fo, ft_job *j, int s) {
  const size_t S = (size_t)j->r * j->r, NT = (size_t)j->T * S;
  double *x0 = pv_malloc((size_t)j->ti * S * sizeof *x0), *p0 = pv_malloc(NT * sizeof *p0);
  double *p1 = pv_malloc(NT * sizeof *p1), *tr = pv_malloc(NT * sizeof *tr);
  pv_nn_st *ft = NULL;
  int rc = x0 && p0 && p1 && tr ? PV_OK : PV_ERROR(PV_ENOMEM, "fine-tuning buffers");
  for (size_t k = 0; !rc && k < (size_t)j->ti * S; k++) x0[k] = traj[(size_t)t0 * S + k];
  for (size_t k = 0; !rc && k < NT; k++) tr[k] = traj[(size_t)(t0 + j->ti) * S + k];
  if (!rc) rc = pv_nn_st_forward(base, 1, x0, p0);
  if (!rc) rc = pv_nn_sfno_finetune_prepare(ctx, base, PV_F64, modes, 1, &ft);
  if (!rc) rc = pv_nn_sfno_finetune(ft, x0, fo, NULL, p1, NULL, &j->res1[s]);
  pv_nn_ns_residual_options ro = PV_NN_NS_RESIDUAL_OPTIONS_INIT;
  ro.nu = fo->nu;
  ro.dt = fo->dt;
  ro.alpha = fo->alpha;
  ro.forcing = fo->forcing;
  ro.dt_form = fo->dt_form;
  ro.solver_dt = fo->solver_dt;
  if (!rc) rc = pv_nn_loss_ns_residual(ctx, j->r, j->T, p0, &ro, &j->res0[s], NULL);
  if (!rc) rc = pv_nn_loss_ns_residual(ctx, j->r, j->T, tr, &ro, &j->rest[s], NULL);
  if (!rc) {
    j->rel0[s] = rel_l2(p0, traj + (size_t)(t0 + j->ti) * S, NT);
    j->rel1[s] = rel_l2(p1, traj + (size_t)(t0 + j->ti) * S, NT);
    for (size_t k = 0; k < NT; k++) {
      j->base[(size_t)s * NT + k] = (float)p0[k];
      j->refined[(size_t)s * NT + k] = (float)p1[k];
      j->truth[(size_t)s * NT + k] = (float)tr[k];
    }
    pv_log(ctx, PV_LOG_INFO, "nn", "trajectory %d: rel L2 %.4g -> %.4g, residual %.4g -> %.4g "
           "(truth %.4g)", s, j->rel0[s], j->rel1[s], j->res0[s], j->res1[s], j->rest[s]);
  }
  pv_nn_st_destroy(&ft);
  pv_free(x0); pv_free(p0); pv_free(p1); pv_free(tr);
  return rc;
}

int ns_run_finetune(pv_ctx *ctx, const pv_args *a) {
  const char *in = pv_args_string(a, "input"), *bpath = pv_args_string(a, "finetune");
  int rc = pv_output_check(pv_args_string(a, "output"), pv_args_overwrite(a));
  pv_ns_dataset_info info = {sizeof info, 0, 0, 0, 0, PV_F64};
  if (!rc) rc = pv_ns_dataset_info_read(in, &info);
  char kind[32];
  if (!rc) rc = ns_model_kind(bpath, "sfno", kind, sizeof kind);
  pv_nn_st_config c;
  if (!rc) rc = pv_nn_st_checkpoint_config(bpath, &c);
  if (rc) return rc;
  const int count = (int)pv_args_int(a, "ntest"), t0 = (int)pv_args_int(a, "t0");
  if (count < 1 || count > info.samples || t0 + c.t_in + c.t_out > info.times)
    return PV_ERROR(PV_EINVAL, "%s: %d trajectories (--ntest) of %d, t0 %d + t_in %d + t_out %d "
                    "of %d time slices", in, count, info.samples, t0, c.t_in, c.t_out, info.times);
  c.n = info.res;
  c.max_batch = 1;
  const int xy = pv_args_int(a, "ft-modes-xy") ? (int)pv_args_int(a, "ft-modes-xy") : info.res / 4;
  const int modes[3] = {xy, xy, (int)pv_args_int(a, "ft-modes-t")};
  const int fd = strcmp(pv_args_string(a, "residual-dt"), "fd") == 0;
  ft_job j;
  memset(&j, 0, sizeof j);
  j.count = count; j.T = c.t_out; j.ti = c.t_in; j.r = info.res;
  const size_t S = (size_t)info.res * info.res, NT = (size_t)c.t_out * S;
  pv_nn_sfno_finetune_options fo = PV_NN_SFNO_FINETUNE_OPTIONS_INIT;
  fo.iters = (int)pv_args_int(a, "ft-iters");
  fo.lr_weight = pv_args_real(a, "ft-lr-weight");
  fo.lr_bias = pv_args_real(a, "ft-lr-bias");
  fo.dt_form = fd ? PV_NN_DT_SOLVER : PV_NN_DT_SPECTRAL;
  fo.solver_dt = pv_args_real(a, "ft-solver-dt");
  double *forcing = NULL;
  pv_nn_st *base = NULL;
  pv_nn_ns_data *d = NULL;
  rc = data_physics(in, info.res, &fo.nu, &fo.dt, &forcing);
  fo.forcing = forcing;
  double **dd[5] = {&j.rel0, &j.rel1, &j.res0, &j.res1, &j.rest};
  for (int i = 0; i < 5; i++) *dd[i] = pv_calloc((size_t)count, sizeof(double));
  j.base = pv_malloc((size_t)count * NT * sizeof(float));
  j.refined = pv_malloc((size_t)count * NT * sizeof(float));
  j.truth = pv_malloc((size_t)count * NT * sizeof(float));
  if (!rc && (!j.rel0 || !j.rel1 || !j.res0 || !j.res1 || !j.rest || !j.base || !j.refined || !j.truth))
    rc = PV_ERROR(PV_ENOMEM, "fine-tuning results");
  if (!rc) rc = pv_nn_st_create(ctx, PV_F64, &c, &base);
  pv_nn_checkpoint_meta meta;
  memset(&meta, 0, sizeof meta);
  meta.struct_size = sizeof meta;
  if (!rc) rc = pv_nn_st_load(bpath, base, NULL, &meta);
  pv_free(meta.config_json);
  if (!rc && meta.norm.kind != PV_NN_NORM_NONE) /* the residual loss runs on raw fields */
    rc = PV_ERROR(PV_EINVAL, "%s: attribute 'norm_kind': fine-tuning a model trained with "
                  "--normalize is not implemented", bpath);
  if (!rc) rc = pv_nn_ns_data_load(ctx, in, info.samples - count, count, &d);
  for (int s = 0; !rc && s < count; s++)
    rc = ft_one(ctx, base, modes, d->w + (size_t)s * d->times * S, t0, &fo, &j, s);
  if (!rc) rc = ft_write(a, &j, fd ? "fd" : "spectral", modes);
  ft_free(&j);
  pv_free(forcing);
  pv_nn_st_destroy(&base);
  pv_nn_ns_data_destroy(&d);
  return rc;
}
