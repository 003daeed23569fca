/* checkpoint.c - FNO-2D checkpoints in HDF5 (layout in parseval/nn.h). */
#include <stdio.h>
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/h5.h>
#include <parseval/nn.h>
#include "nn/ckpt_io.h"
#include "nn/ckpt_state.h"

static int set_arch(pv_h5 *f, const pv_nn_fno2d_config *c) {
  const char *k[] = {"t_in", "width", "modes", "layers", "proj", "n"};
  const int v[] = {c->t_in, c->width, c->modes, c->layers, c->proj, c->n};
  int st = pv__nn_ckpt_write_header(f, "fno2d");
  for (int i = 0; !st && i < 6; i++) st = pv_h5_set_attr_int(f, "/", k[i], v[i]);
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
  if (!st) st = pv__nn_ckpt_write_meta(f, meta);
  for (int i = 0; !st && i < np; i++) st = pv__nn_ckpt_write_param(f, "params", &ps[i], ps[i].w);
  if (!st) st = pv__nn_ckpt_write_state(f, ts);
  if (!st && a) st = pv__nn_ckpt_write_adam(f, a, ps, np);
  if (st) {
    pv_h5_close(&f);
    return st;
  }
  return pv_h5_commit(&f);
}

static int read_config(pv_h5 *f, const char *path, pv_nn_fno2d_config *c) {
  char model[32];
  int st = pv__nn_ckpt_read_header(f, path, model, sizeof model);
  if (st) return st;
  if (strcmp(model, "fno2d") != 0) return PV_ERROR(PV_EFORMAT, "%s: model '%s' is not fno2d", path, model);
  pv_nn_fno2d_config d = PV_NN_FNO2D_CONFIG_INIT;
  const char *k[] = {"t_in", "width", "modes", "layers", "proj", "n"};
  int *dst[] = {&d.t_in, &d.width, &d.modes, &d.layers, &d.proj, &d.n};
  for (int i = 0; i < 6; i++) {
    int64_t v;
    st = pv__nn_ckpt_get_int(f, path, k[i], &v);
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
  st = pv__nn_ckpt_get_int(f, path, "nparams", &fnp);
  if (!st) st = pv__nn_ckpt_get_int(f, path, "nreal", &fnreal);
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
  st = pv__nn_ckpt_read_params(f, path, "params", ps, np, w);
  if (!st && a) st = pv__nn_ckpt_read_adam(f, path, ps, np, mm, vv, &steps, &lr);
  if (!st) st = pv__nn_ckpt_read_meta(f, path, &tmp);
  if (st) goto done;
  /* everything read and checked: commit */
  for (size_t i = 0, off = 0; i < (size_t)np; off += pv__nn_ckpt_reals(&ps[i]), i++)
    memcpy(ps[i].w, w + off, pv__nn_ckpt_reals(&ps[i]) * sizeof *w);
  if (a) pv__nn_ckpt_commit_adam(a, ps, np, mm, vv, steps, lr);
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
