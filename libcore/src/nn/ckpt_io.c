/* ckpt_io.c - checkpoint pieces shared by every model (see ckpt_io.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/error.h>
#include "nn/ckpt_io.h"

#define CKPT_FORMAT "parseval-nn-checkpoint"
#define CKPT_VERSION 1

size_t pv__nn_ckpt_reals(const pv_nn_param *p) { return pv_nn_param_numel(p) * (p->is_complex ? 2 : 1); }

/* Stored shape of parameter p: logical shape, plus 2 for complex. */
static int stored_shape(const pv_nn_param *p, size_t shape[PV_MAX_DIMS]) {
  for (int i = 0; i < p->ndim; i++) shape[i] = p->shape[i];
  if (p->is_complex) shape[p->ndim] = 2;
  return p->ndim + (p->is_complex ? 1 : 0);
}

int pv__nn_ckpt_write_header(pv_h5 *f, const char *model) {
  int st = pv_h5_set_attr_string(f, "/", "format", CKPT_FORMAT);
  if (!st) st = pv_h5_set_attr_int(f, "/", "version", CKPT_VERSION);
  return st ? st : pv_h5_set_attr_string(f, "/", "model", model);
}

int pv__nn_ckpt_get_int(pv_h5 *f, const char *path, const char *key, int64_t *v) {
  int depth = pv_error_depth();
  if (pv_h5_get_attr_int(f, "/", key, v)) {
    pv_error_truncate(depth);
    return PV_ERROR(PV_EFORMAT, "%s: attribute '%s' missing or unreadable", path, key);
  }
  return PV_OK;
}

int pv__nn_ckpt_get_double(pv_h5 *f, const char *path, const char *key, double *v) {
  int depth = pv_error_depth();
  if (pv_h5_get_attr_double(f, "/", key, v)) {
    pv_error_truncate(depth);
    return PV_ERROR(PV_EFORMAT, "%s: attribute '%s' missing or unreadable", path, key);
  }
  return PV_OK;
}

int pv__nn_ckpt_read_header(pv_h5 *f, const char *path, char *name, size_t cap) {
  char *fmt = NULL, *model = NULL;
  int depth = pv_error_depth();
  int st = pv_h5_get_attr_string(f, "/", "format", &fmt);
  if (st || strcmp(fmt, CKPT_FORMAT) != 0) {
    pv_free(fmt);
    pv_error_truncate(depth);
    return PV_ERROR(PV_EFORMAT, "%s: not a Parseval checkpoint (attribute 'format' is not '%s')", path,
                    CKPT_FORMAT);
  }
  pv_free(fmt);
  int64_t ver = 0;
  st = pv__nn_ckpt_get_int(f, path, "version", &ver);
  if (st) return st;
  if (ver != CKPT_VERSION)
    return PV_ERROR(PV_EFORMAT, "%s: checkpoint version %lld, this build reads %d", path, (long long)ver,
                    CKPT_VERSION);
  if (pv_h5_get_attr_string(f, "/", "model", &model)) {
    pv_error_truncate(depth);
    return PV_ERROR(PV_EFORMAT, "%s: attribute 'model' missing", path);
  }
  snprintf(name, cap, "%s", model);
  pv_free(model);
  return PV_OK;
}

int pv_nn_checkpoint_model(const char *path, char *name, size_t cap) {
  if (!path || !name || cap < 1) return PV_ERROR(PV_EINVAL, "pv_nn_checkpoint_model: NULL argument");
  pv_h5 *f = NULL;
  int st = pv_h5_open(path, &f);
  if (st) return st;
  st = pv__nn_ckpt_read_header(f, path, name, cap);
  pv_h5_close(&f);
  return st;
}

int pv__nn_ckpt_write_param(pv_h5 *f, const char *group, const pv_nn_param *p, const float *data) {
  char name[160];
  size_t shape[PV_MAX_DIMS];
  int nd = stored_shape(p, shape);
  snprintf(name, sizeof name, "%s/%s", group, p->name);
  pv_view v;
  int st = pv_view_init(&v, (void *)data, PV_F32, nd, shape);
  return st ? st : pv_h5_write_dataset(f, name, &v, NULL);
}

/* Dataset group/name of parameter p (shape checked) into dst. */
static int read_param(pv_h5 *f, const char *path, const char *group, const pv_nn_param *p, float *dst) {
  char name[160];
  snprintf(name, sizeof name, "%s/%s", group, p->name);
  size_t want[PV_MAX_DIMS], got[PV_MAX_DIMS];
  int nd = stored_shape(p, want), gnd = 0;
  pv_dtype dt;
  int depth = pv_error_depth();
  if (pv_h5_dataset_info(f, name, &dt, &gnd, got)) {
    pv_error_truncate(depth);
    return PV_ERROR(PV_EFORMAT, "%s: dataset '%s' missing or unreadable", path, name);
  }
  int same = gnd == nd;
  for (int i = 0; same && i < nd; i++) same = got[i] == want[i];
  if (!same)
    return PV_ERROR(PV_EFORMAT, "%s: dataset '%s' has %d axes (first %zu), the model needs %d "
                    "(first %zu): checkpoint of another architecture", path, name, gnd, gnd ? got[0] : 0, nd,
                    want[0]);
  pv_array *arr = NULL;
  if (pv_h5_read_dataset(f, name, PV_F32, &arr)) {
    pv_error_truncate(depth);
    return PV_ERROR(PV_EFORMAT, "%s: dataset '%s' cannot be read (truncated file?)", path, name);
  }
  memcpy(dst, pv_array_data(arr), pv__nn_ckpt_reals(p) * sizeof(float));
  pv_array_destroy(&arr);
  return PV_OK;
}

int pv__nn_ckpt_read_params(pv_h5 *f, const char *path, const char *group, const pv_nn_param *ps, int np,
                            float *dst) {
  int st = 0;
  for (int i = 0; !st && i < np; dst += pv__nn_ckpt_reals(&ps[i]), i++) st = read_param(f, path, group, &ps[i], dst);
  return st;
}

int pv__nn_ckpt_write_meta(pv_h5 *f, const pv_nn_checkpoint_meta *meta) {
  pv_nn_checkpoint_meta zero;
  memset(&zero, 0, sizeof zero);
  if (!meta) meta = &zero;
  int st = pv_h5_set_attr_int(f, "/", "epoch", meta->epoch);
  if (!st) st = pv_h5_set_attr_int(f, "/", "step", meta->step);
  char key[16];
  for (int i = 0; !st && i < 4; i++) {
    int64_t w;
    memcpy(&w, &meta->rng.s[i], sizeof w);
    snprintf(key, sizeof key, "rng_s%d", i);
    st = pv_h5_set_attr_int(f, "/", key, w);
  }
  if (!st) st = pv_h5_set_attr_double(f, "/", "rng_spare", meta->rng.spare);
  if (!st) st = pv_h5_set_attr_int(f, "/", "rng_has_spare", meta->rng.has_spare);
  if (!st) st = pv_h5_set_attr_string(f, "/", "config", meta->config_json ? meta->config_json : "{}");
  if (!st && meta->struct_size >= sizeof *meta && meta->norm.kind != PV_NN_NORM_NONE) {
    st = pv_nn_ns_norm_check(&meta->norm, "checkpoint normaliser");
    if (!st) st = pv_h5_set_attr_string(f, "/", "norm_kind", "gaussian");
    if (!st) st = pv_h5_set_attr_double(f, "/", "norm_mean", meta->norm.mean);
    if (!st) st = pv_h5_set_attr_double(f, "/", "norm_std", meta->norm.std);
  }
  return st;
}

/* Root attribute key present (readable as anything)? */
static int has_attr(pv_h5 *f, const char *key) {
  int depth = pv_error_depth();
  double v;
  char *s = NULL;
  int yes = pv_h5_get_attr_double(f, "/", key, &v) == 0 || pv_h5_get_attr_string(f, "/", key, &s) == 0;
  pv_free(s);
  pv_error_truncate(depth);
  return yes;
}

/* norm_kind / norm_mean / norm_std (absent: no normaliser), validated. */
static int read_norm(pv_h5 *f, const char *path, pv_nn_ns_norm *n) {
  memset(n, 0, sizeof *n);
  char *kind = NULL;
  int depth = pv_error_depth();
  if (pv_h5_get_attr_string(f, "/", "norm_kind", &kind)) {
    pv_error_truncate(depth);
    if (has_attr(f, "norm_kind"))
      return PV_ERROR(PV_EFORMAT, "%s: attribute 'norm_kind' is not a string", path);
    if (has_attr(f, "norm_mean") || has_attr(f, "norm_std"))
      return PV_ERROR(PV_EFORMAT, "%s: attribute 'norm_mean' / 'norm_std' without 'norm_kind': "
                      "normaliser of unknown kind", path);
    return PV_OK;
  }
  int known = strcmp(kind, "gaussian") == 0;
  if (!known) {
    int st = PV_ERROR(PV_EFORMAT, "%s: attribute 'norm_kind' = '%.40s' unknown (this build knows "
                      "'gaussian')", path, kind);
    pv_free(kind);
    return st;
  }
  pv_free(kind);
  n->kind = PV_NN_NORM_GAUSSIAN;
  int st = pv__nn_ckpt_get_double(f, path, "norm_mean", &n->mean);
  if (!st) st = pv__nn_ckpt_get_double(f, path, "norm_std", &n->std);
  if (st) return st;
  if (!isfinite(n->mean))
    return PV_ERROR(PV_EFORMAT, "%s: attribute 'norm_mean' = %g is not finite", path, n->mean);
  if (!isfinite(n->std) || !(n->std > 0))
    return PV_ERROR(PV_EFORMAT, "%s: attribute 'norm_std' = %g is not finite and positive", path,
                    n->std);
  return PV_OK;
}

int pv__nn_ckpt_read_meta(pv_h5 *f, const char *path, pv_nn_checkpoint_meta *meta) {
  int64_t v;
  int st = pv__nn_ckpt_get_int(f, path, "epoch", &meta->epoch);
  if (!st) st = pv__nn_ckpt_get_int(f, path, "step", &meta->step);
  char key[16];
  for (int i = 0; !st && i < 4; i++) {
    snprintf(key, sizeof key, "rng_s%d", i);
    st = pv__nn_ckpt_get_int(f, path, key, &v);
    memcpy(&meta->rng.s[i], &v, sizeof v);
  }
  if (!st) st = pv__nn_ckpt_get_int(f, path, "rng_has_spare", &v);
  if (!st) meta->rng.has_spare = v != 0;
  if (!st) st = pv__nn_ckpt_get_double(f, path, "rng_spare", &meta->rng.spare);
  if (!st) st = read_norm(f, path, &meta->norm);
  if (st) return st;
  int depth = pv_error_depth();
  meta->config_json = NULL;
  if (pv_h5_get_attr_string(f, "/", "config", &meta->config_json)) pv_error_truncate(depth);
  return PV_OK;
}

int pv__nn_ckpt_write_adam(pv_h5 *f, pv_nn_adam *a, const pv_nn_param *ps, int np) {
  int st = pv_h5_set_attr_string(f, "/", "optimizer", "adam");
  if (!st) st = pv_h5_set_attr_int(f, "/", "adam_steps", pv_nn_adam_steps(a));
  if (!st) st = pv_h5_set_attr_double(f, "/", "adam_lr", pv_nn_adam_get_lr(a));
  for (int i = 0; !st && i < np; i++) {
    float *mm, *vv;
    st = pv_nn_adam_state(a, i, &mm, &vv);
    if (!st) st = pv__nn_ckpt_write_param(f, "adam/m", &ps[i], mm);
    if (!st) st = pv__nn_ckpt_write_param(f, "adam/v", &ps[i], vv);
  }
  return st;
}

int pv__nn_ckpt_read_adam(pv_h5 *f, const char *path, const pv_nn_param *ps, int np, float *m, float *v,
                          int64_t *steps, double *lr) {
  int st = pv__nn_ckpt_read_params(f, path, "adam/m", ps, np, m);
  if (!st) st = pv__nn_ckpt_read_params(f, path, "adam/v", ps, np, v);
  if (!st) st = pv__nn_ckpt_get_int(f, path, "adam_steps", steps);
  return st ? st : pv__nn_ckpt_get_double(f, path, "adam_lr", lr);
}

void pv__nn_ckpt_commit_adam(pv_nn_adam *a, const pv_nn_param *ps, int np, const float *m, const float *v,
                             int64_t steps, double lr) {
  for (int i = 0; i < np; i++) {
    float *am, *av;
    size_t n = pv__nn_ckpt_reals(&ps[i]);
    pv_nn_adam_state(a, i, &am, &av);
    memcpy(am, m, n * sizeof *m);
    memcpy(av, v, n * sizeof *v);
    m += n, v += n;
  }
  pv_nn_adam_set_steps(a, steps);
  pv_nn_adam_set_lr(a, lr);
}
