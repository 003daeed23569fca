/* checkpoint.c - FNO-2D checkpoints in HDF5 (layout in parseval/nn.h). */
#include <stdio.h>
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/h5.h>
#include <parseval/nn.h>
#include "nn/ckpt_state.h"

#define CKPT_FORMAT "parseval-nn-checkpoint"
#define CKPT_VERSION 1

/* Stored shape of parameter p: logical shape, plus 2 for complex. */
static int stored_shape(const pv_nn_param *p, size_t shape[PV_MAX_DIMS]) {
  for (int i = 0; i < p->ndim; i++) shape[i] = p->shape[i];
  if (p->is_complex) shape[p->ndim] = 2;
  return p->ndim + (p->is_complex ? 1 : 0);
}

static size_t reals(const pv_nn_param *p) { return pv_nn_param_numel(p) * (p->is_complex ? 2 : 1); }

static int write_param(pv_h5 *f, const char *group, const pv_nn_param *p, float *data) {
  char name[160];
  size_t shape[PV_MAX_DIMS];
  int nd = stored_shape(p, shape);
  snprintf(name, sizeof name, "%s/%s", group, p->name);
  pv_view v;
  int st = pv_view_init(&v, data, PV_F32, nd, shape);
  return st ? st : pv_h5_write_dataset(f, name, &v, NULL);
}

static int set_arch(pv_h5 *f, const pv_nn_fno2d_config *c) {
  const char *k[] = {"t_in", "width", "modes", "layers", "proj", "n"};
  const int v[] = {c->t_in, c->width, c->modes, c->layers, c->proj, c->n};
  int st = pv_h5_set_attr_string(f, "/", "format", CKPT_FORMAT);
  if (!st) st = pv_h5_set_attr_int(f, "/", "version", CKPT_VERSION);
  if (!st) st = pv_h5_set_attr_string(f, "/", "model", "fno2d");
  for (int i = 0; !st && i < 6; i++) st = pv_h5_set_attr_int(f, "/", k[i], v[i]);
  return st;
}

static int set_meta(pv_h5 *f, const pv_nn_checkpoint_meta *meta) {
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
  return st;
}

int pv_nn_fno2d_save(const char *path, int overwrite, pv_nn_fno2d *m, pv_nn_adam *a,
                     const pv_nn_checkpoint_meta *meta) {
  pv_nn_train_state ts = PV_NN_TRAIN_STATE_INIT;
  ts.adam = a;
  return pv_nn_fno2d_save_state(path, overwrite, m, &ts, meta);
}

int pv_nn_fno2d_save_state(const char *path, int overwrite, pv_nn_fno2d *m,
                           const pv_nn_train_state *ts, const pv_nn_checkpoint_meta *meta) {
  if (!path || !m) return PV_ERROR(PV_EINVAL, "pv_nn_fno2d_save: NULL argument");
  pv_nn_param *ps;
  int np;
  int st = pv__nn_ckpt_check_state(ts);
  if (!st) st = pv_nn_fno2d_params(m, &ps, &np);
  if (st) return st;
  pv_nn_adam *a = ts ? ts->adam : NULL;
  pv_nn_fno2d_config c;
  pv_nn_fno2d_get_config(m, &c);
  size_t nreal = 0;
  pv_nn_fno2d_flat(m, NULL, NULL, &nreal);
  pv_h5 *f = NULL;
  st = pv_h5_create(path, overwrite, &f);
  if (st) return st;
  st = set_arch(f, &c);
  if (!st) st = pv_h5_set_attr_int(f, "/", "nparams", np);
  if (!st) st = pv_h5_set_attr_int(f, "/", "nreal", (int64_t)nreal);
  if (!st) st = set_meta(f, meta);
  for (int i = 0; !st && i < np; i++) st = write_param(f, "params", &ps[i], ps[i].w);
  if (!st) st = pv__nn_ckpt_write_state(f, ts);
  if (!st && a) {
    st = pv_h5_set_attr_string(f, "/", "optimizer", "adam");
    if (!st) st = pv_h5_set_attr_int(f, "/", "adam_steps", pv_nn_adam_steps(a));
    if (!st) st = pv_h5_set_attr_double(f, "/", "adam_lr", pv_nn_adam_get_lr(a));
    for (int i = 0; !st && i < np; i++) {
      float *mm, *vv;
      st = pv_nn_adam_state(a, i, &mm, &vv);
      if (!st) st = write_param(f, "adam/m", &ps[i], mm);
      if (!st) st = write_param(f, "adam/v", &ps[i], vv);
    }
  }
  if (st) {
    pv_h5_close(&f);
    return st;
  }
  return pv_h5_commit(&f);
}

static int get_int(pv_h5 *f, const char *path, const char *key, int64_t *v) {
  int depth = pv_error_depth();
  int st = pv_h5_get_attr_int(f, "/", key, v);
  if (st) {
    pv_error_truncate(depth);
    return PV_ERROR(PV_EFORMAT, "%s: not a Parseval FNO checkpoint: attribute '%s' missing or "
                    "unreadable", path, key);
  }
  return PV_OK;
}

static int read_config(pv_h5 *f, const char *path, pv_nn_fno2d_config *c) {
  char *fmt = NULL, *model = NULL;
  int depth = pv_error_depth();
  int st = pv_h5_get_attr_string(f, "/", "format", &fmt);
  if (st || strcmp(fmt, CKPT_FORMAT) != 0) {
    pv_free(fmt);
    pv_error_truncate(depth);
    return PV_ERROR(PV_EFORMAT, "%s: not a Parseval checkpoint (attribute 'format' is not '%s')",
                    path, CKPT_FORMAT);
  }
  pv_free(fmt);
  int64_t ver = 0;
  st = get_int(f, path, "version", &ver);
  if (st) return st;
  if (ver != CKPT_VERSION)
    return PV_ERROR(PV_EFORMAT, "%s: checkpoint version %lld, this build reads %d", path,
                    (long long)ver, CKPT_VERSION);
  st = pv_h5_get_attr_string(f, "/", "model", &model);
  if (st || strcmp(model, "fno2d") != 0) {
    PV_ERROR(PV_EFORMAT, "%s: model '%s' is not fno2d", path, model ? model : "?");
    pv_free(model);
    return PV_EFORMAT;
  }
  pv_free(model);
  pv_nn_fno2d_config d = PV_NN_FNO2D_CONFIG_INIT;
  const char *k[] = {"t_in", "width", "modes", "layers", "proj", "n"};
  int *dst[] = {&d.t_in, &d.width, &d.modes, &d.layers, &d.proj, &d.n};
  for (int i = 0; i < 6; i++) {
    int64_t v;
    st = get_int(f, path, k[i], &v);
    if (st) return st;
    if (v < 1 || v > (1 << 20))
      return PV_ERROR(PV_EFORMAT, "%s: attribute '%s' = %lld out of range", path, k[i], (long long)v);
    *dst[i] = (int)v;
  }
  *c = d;
  return PV_OK;
}

int pv_nn_fno2d_checkpoint_config(const char *path, pv_nn_fno2d_config *cfg) {
  if (!path || !cfg) return PV_ERROR(PV_EINVAL, "pv_nn_fno2d_checkpoint_config: NULL argument");
  pv_h5 *f = NULL;
  int st = pv_h5_open(path, &f);
  if (st) return st;
  st = read_config(f, path, cfg);
  pv_h5_close(&f);
  return st;
}

/* Read dataset group/name of parameter p (shape checked) into dst. */
static int read_param(pv_h5 *f, const char *path, const char *group, const pv_nn_param *p,
                      float *dst) {
  char name[160];
  snprintf(name, sizeof name, "%s/%s", group, p->name);
  size_t want[PV_MAX_DIMS], got[PV_MAX_DIMS];
  int nd = stored_shape(p, want), gnd = 0;
  pv_dtype dt;
  int depth = pv_error_depth();
  int st = pv_h5_dataset_info(f, name, &dt, &gnd, got);
  if (st) {
    pv_error_truncate(depth);
    return PV_ERROR(PV_EFORMAT, "%s: dataset '%s' missing or unreadable", path, name);
  }
  int same = gnd == nd;
  for (int i = 0; same && i < nd; i++) same = got[i] == want[i];
  if (!same)
    return PV_ERROR(PV_EFORMAT, "%s: dataset '%s' has %d axes (first %zu), the model needs %d "
                    "(first %zu): checkpoint of another architecture", path, name, gnd,
                    gnd ? got[0] : 0, nd, want[0]);
  pv_array *arr = NULL;
  st = pv_h5_read_dataset(f, name, PV_F32, &arr);
  if (st) {
    pv_error_truncate(depth);
    return PV_ERROR(PV_EFORMAT, "%s: dataset '%s' cannot be read (truncated file?)", path, name);
  }
  memcpy(dst, pv_array_data(arr), reals(p) * sizeof(float));
  pv_array_destroy(&arr);
  return PV_OK;
}

static int read_meta(pv_h5 *f, const char *path, pv_nn_checkpoint_meta *meta) {
  int64_t v;
  int st = get_int(f, path, "epoch", &meta->epoch);
  if (!st) st = get_int(f, path, "step", &meta->step);
  char key[16];
  for (int i = 0; !st && i < 4; i++) {
    snprintf(key, sizeof key, "rng_s%d", i);
    st = get_int(f, path, key, &v);
    memcpy(&meta->rng.s[i], &v, sizeof v);
  }
  if (!st) st = get_int(f, path, "rng_has_spare", &v);
  if (st) return st;
  meta->rng.has_spare = v != 0;
  int depth = pv_error_depth();
  if (pv_h5_get_attr_double(f, "/", "rng_spare", &meta->rng.spare)) {
    pv_error_truncate(depth);
    return PV_ERROR(PV_EFORMAT, "%s: attribute 'rng_spare' missing", path);
  }
  meta->config_json = NULL;
  if (pv_h5_get_attr_string(f, "/", "config", &meta->config_json)) pv_error_truncate(depth);
  return PV_OK;
}

int pv_nn_fno2d_load(const char *path, pv_nn_fno2d *m, pv_nn_adam *a,
                     pv_nn_checkpoint_meta *meta) {
  pv_nn_train_state ts = PV_NN_TRAIN_STATE_INIT;
  ts.adam = a;
  return pv_nn_fno2d_load_state(path, m, a ? &ts : NULL, meta);
}

int pv_nn_fno2d_load_state(const char *path, pv_nn_fno2d *m, const pv_nn_train_state *ts,
                           pv_nn_checkpoint_meta *meta) {
  if (!path || !m) return PV_ERROR(PV_EINVAL, "pv_nn_fno2d_load: NULL argument");
  pv_nn_param *ps;
  int np;
  int st = pv__nn_ckpt_check_state(ts);
  if (!st) st = pv_nn_fno2d_params(m, &ps, &np);
  if (st) return st;
  pv_nn_adam *a = ts ? ts->adam : NULL;
  pv__nn_ckpt_staged staged;
  memset(&staged, 0, sizeof staged);
  size_t nreal = 0;
  pv_nn_fno2d_flat(m, NULL, NULL, &nreal);
  pv_h5 *f = NULL;
  st = pv_h5_open(path, &f);
  if (st) return st;
  pv_nn_fno2d_config have, c;
  pv_nn_fno2d_get_config(m, &have);
  float *w = NULL, *mm = NULL, *vv = NULL;
  pv_nn_checkpoint_meta tmp;
  memset(&tmp, 0, sizeof tmp);
  int64_t fnp = 0, fnreal = 0, steps = 0;
  double lr = 0;
  st = read_config(f, path, &c);
  if (st) goto done;
  /* the weights do not depend on the grid: n may differ (zero-shot resolution) */
  if (c.t_in != have.t_in || c.width != have.width || c.modes != have.modes ||
      c.layers != have.layers || c.proj != have.proj) {
    st = PV_ERROR(PV_EFORMAT, "%s: checkpoint of another architecture: t_in %d width %d modes %d "
                  "layers %d proj %d n %d, the model has %d %d %d %d %d %d", path, c.t_in,
                  c.width, c.modes, c.layers, c.proj, c.n, have.t_in, have.width, have.modes,
                  have.layers, have.proj, have.n);
    goto done;
  }
  st = get_int(f, path, "nparams", &fnp);
  if (!st) st = get_int(f, path, "nreal", &fnreal);
  if (st) goto done;
  if (fnp != np || fnreal != (int64_t)nreal) {
    st = PV_ERROR(PV_EFORMAT, "%s: %lld parameter tensors / %lld reals, the model has %d / %zu",
                  path, (long long)fnp, (long long)fnreal, np, nreal);
    goto done;
  }
  st = pv__nn_ckpt_read_state(f, path, ts, &staged);
  if (st) goto done;
  w = pv_malloc(nreal * sizeof *w);
  if (a) {
    mm = pv_malloc(nreal * sizeof *mm);
    vv = pv_malloc(nreal * sizeof *vv);
  }
  if (!w || (a && (!mm || !vv))) {
    st = PV_ERROR(PV_ENOMEM, "pv_nn_fno2d_load: %zu reals", nreal);
    goto done;
  }
  size_t off = 0;
  for (int i = 0; !st && i < np; i++) {
    st = read_param(f, path, "params", &ps[i], w + off);
    if (!st && a) st = read_param(f, path, "adam/m", &ps[i], mm + off);
    if (!st && a) st = read_param(f, path, "adam/v", &ps[i], vv + off);
    off += reals(&ps[i]);
  }
  if (!st && a) {
    st = get_int(f, path, "adam_steps", &steps);
    int depth = pv_error_depth();
    if (!st && pv_h5_get_attr_double(f, "/", "adam_lr", &lr)) {
      pv_error_truncate(depth);
      st = PV_ERROR(PV_EFORMAT, "%s: attribute 'adam_lr' missing", path);
    }
  }
  if (!st) st = read_meta(f, path, &tmp);
  if (st) goto done;
  /* everything read and checked: commit */
  off = 0;
  for (int i = 0; i < np; i++) {
    memcpy(ps[i].w, w + off, reals(&ps[i]) * sizeof *w);
    if (a) {
      float *am, *av;
      pv_nn_adam_state(a, i, &am, &av);
      memcpy(am, mm + off, reals(&ps[i]) * sizeof *mm);
      memcpy(av, vv + off, reals(&ps[i]) * sizeof *vv);
    }
    off += reals(&ps[i]);
  }
  if (a) {
    pv_nn_adam_set_steps(a, steps);
    pv_nn_adam_set_lr(a, lr);
  }
  pv__nn_ckpt_commit_state(ts, &staged);
  if (meta) {
    tmp.struct_size = meta->struct_size;
    *meta = tmp;
    tmp.config_json = NULL;
  }
done:
  pv__nn_ckpt_staged_free(&staged);
  pv_free(tmp.config_json);
  pv_free(w);
  pv_free(mm);
  pv_free(vv);
  pv_h5_close(&f);
  return st;
}
