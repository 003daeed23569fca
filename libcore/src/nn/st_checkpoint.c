/* st_checkpoint.c - checkpoints of the space-time models (FNO-3D, SFNO) in
 * the HDF5 layout of checkpoint.c (parseval/nn.h) with their own model name
 * and architecture attributes. */
#include <stdio.h>
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/h5.h>
#include <parseval/nn.h>
#include "nn/ckpt_io.h"
#include "nn/st_internal.h"

#define NINT 14

static const char *const int_keys[NINT] = {"t_in", "t_out", "width", "modes_x", "modes_y",
                                           "modes_t", "layers", "proj", "pad_t", "latent",
                                           "expansion", "out_modes_x", "out_modes_y",
                                           "out_modes_t"};

static void int_vals(const pv_nn_st_config *c, int64_t v[NINT]) {
  const int a[NINT] = {c->t_in, c->t_out, c->width, c->modes[0], c->modes[1], c->modes[2],
                       c->layers, c->proj, c->pad_t, c->latent, c->expansion, c->out_modes[0],
                       c->out_modes[1], c->out_modes[2]};
  for (int i = 0; i < NINT; i++) v[i] = a[i];
}

static const char *model_name(pv_nn_st_kind k) { return k == PV_NN_ST_SFNO ? "sfno" : "fno3d"; }

int pv_nn_st_save(const char *path, int overwrite, pv_nn_st *m, pv_nn_adam *a,
                  const pv_nn_checkpoint_meta *meta) {
  if (!path || !m) return PV_ERROR(PV_EINVAL, "pv_nn_st_save: NULL argument");
  if (m->dtype != PV_F32)
    return PV_ERROR(PV_EINVAL, "pv_nn_st_save: float models only (model is %s)",
                    pv_dtype_name(m->dtype));
  const pv_nn_st_config *c = &m->cfg;
  pv_h5 *f = NULL;
  int st = pv_h5_create(path, overwrite, &f);
  if (st) return st;
  int64_t v[NINT];
  int_vals(c, v);
  st = pv__nn_ckpt_write_header(f, model_name(c->kind));
  for (int i = 0; !st && i < NINT; i++) st = pv_h5_set_attr_int(f, "/", int_keys[i], v[i]);
  if (!st) st = pv_h5_set_attr_int(f, "/", "act", (int64_t)c->act);
  if (!st) st = pv_h5_set_attr_int(f, "/", "n", c->n);
  if (!st) st = pv_h5_set_attr_double(f, "/", "beta", c->beta);
  if (!st) st = pv_h5_set_attr_double(f, "/", "delta", c->delta);
  if (!st) st = pv_h5_set_attr_int(f, "/", "nparams", m->nparams);
  if (!st) st = pv_h5_set_attr_int(f, "/", "nreal", (int64_t)m->nreal);
  if (!st) st = pv__nn_ckpt_write_meta(f, meta);
  for (int i = 0; !st && i < m->nparams; i++)
    st = pv__nn_ckpt_write_param(f, "params", &m->params[i], m->params[i].w);
  if (!st && a) st = pv__nn_ckpt_write_adam(f, a, m->params, m->nparams);
  if (st) {
    pv_h5_close(&f);
    return st;
  }
  return pv_h5_commit(&f);
}

static int read_config(pv_h5 *f, const char *path, pv_nn_st_config *c) {
  char model[32];
  int st = pv__nn_ckpt_read_header(f, path, model, sizeof model);
  if (st) return st;
  pv_nn_st_config d = PV_NN_ST_CONFIG_INIT;
  if (!strcmp(model, "sfno")) d.kind = PV_NN_ST_SFNO;
  else if (!strcmp(model, "fno3d")) d.kind = PV_NN_ST_FNO3D;
  else
    return PV_ERROR(PV_EFORMAT, "%s: model '%s' is not a space-time model (fno3d or sfno)", path,
                    model);
  int64_t v[NINT], a = 0, n = 0;
  for (int i = 0; i < NINT; i++) {
    st = pv__nn_ckpt_get_int(f, path, int_keys[i], &v[i]);
    if (st) return st;
    if (v[i] < 0 || v[i] > (1 << 20))
      return PV_ERROR(PV_EFORMAT, "%s: attribute '%s' = %lld out of range", path, int_keys[i],
                      (long long)v[i]);
  }
  st = pv__nn_ckpt_get_int(f, path, "act", &a);
  if (!st) st = pv__nn_ckpt_get_int(f, path, "n", &n);
  if (!st) st = pv__nn_ckpt_get_double(f, path, "beta", &d.beta);
  if (!st) st = pv__nn_ckpt_get_double(f, path, "delta", &d.delta);
  if (st) return st;
  if (n < 4 || n > (1 << 14) || (a != 0 && a != 1))
    return PV_ERROR(PV_EFORMAT, "%s: attribute 'n' = %lld or 'act' = %lld out of range", path,
                    (long long)n, (long long)a);
  int *dst[NINT] = {&d.t_in, &d.t_out, &d.width, &d.modes[0], &d.modes[1], &d.modes[2], &d.layers,
                    &d.proj, &d.pad_t, &d.latent, &d.expansion, &d.out_modes[0],
                    &d.out_modes[1], &d.out_modes[2]};
  for (int i = 0; i < NINT; i++) *dst[i] = (int)v[i];
  d.act = (pv_nn_act)a;
  d.n = (int)n;
  *c = d;
  return PV_OK;
}

int pv_nn_st_checkpoint_config(const char *path, pv_nn_st_config *cfg) {
  if (!path || !cfg) return PV_ERROR(PV_EINVAL, "pv_nn_st_checkpoint_config: NULL argument");
  pv_h5 *f = NULL;
  int st = pv_h5_open(path, &f);
  if (st) return st;
  st = read_config(f, path, cfg);
  pv_h5_close(&f);
  return st;
}

/* Architecture match: everything but n and t_out. */
static int same_arch(const pv_nn_st_config *a, const pv_nn_st_config *b) {
  int ok = a->kind == b->kind && a->t_in == b->t_in && a->width == b->width &&
           a->layers == b->layers;
  for (int i = 0; i < 3; i++) ok = ok && a->modes[i] == b->modes[i];
  if (a->kind == PV_NN_ST_FNO3D) return ok && a->proj == b->proj && a->pad_t == b->pad_t;
  for (int i = 0; i < 3; i++) ok = ok && a->out_modes[i] == b->out_modes[i];
  return ok && a->latent == b->latent && a->expansion == b->expansion && a->act == b->act &&
         a->beta == b->beta && a->delta == b->delta;
}

int pv_nn_st_load(const char *path, pv_nn_st *m, pv_nn_adam *a, pv_nn_checkpoint_meta *meta) {
  if (!path || !m) return PV_ERROR(PV_EINVAL, "pv_nn_st_load: NULL argument");
  pv_h5 *f = NULL;
  int st = pv_h5_open(path, &f);
  if (st) return st;
  pv_nn_st_config c;
  float *w = NULL, *mm = NULL, *vv = NULL;
  pv_nn_checkpoint_meta tmp;
  memset(&tmp, 0, sizeof tmp);
  int64_t fnp = 0, fnreal = 0, steps = 0;
  double lr = 0;
  st = read_config(f, path, &c);
  if (st) goto done;
  if (!same_arch(&c, &m->cfg)) {
    st = PV_ERROR(PV_EFORMAT, "%s: checkpoint of another architecture (%s t_in %d width %d "
                  "layers %d modes %d %d %d), the model is %s t_in %d width %d layers %d modes "
                  "%d %d %d", path, model_name(c.kind), c.t_in, c.width, c.layers, c.modes[0],
                  c.modes[1], c.modes[2], model_name(m->cfg.kind), m->cfg.t_in, m->cfg.width,
                  m->cfg.layers, m->cfg.modes[0], m->cfg.modes[1], m->cfg.modes[2]);
    goto done;
  }
  st = pv__nn_ckpt_get_int(f, path, "nparams", &fnp);
  if (!st) st = pv__nn_ckpt_get_int(f, path, "nreal", &fnreal);
  if (st) goto done;
  if (fnp != m->nparams || fnreal != (int64_t)m->nreal) {
    st = PV_ERROR(PV_EFORMAT, "%s: %lld parameter tensors / %lld reals, the model has %d / %zu",
                  path, (long long)fnp, (long long)fnreal, m->nparams, m->nreal);
    goto done;
  }
  w = pv_malloc(m->nreal * sizeof *w);
  if (a) {
    mm = pv_malloc(m->nreal * sizeof *mm);
    vv = pv_malloc(m->nreal * sizeof *vv);
  }
  if (!w || (a && (!mm || !vv))) {
    st = PV_ERROR(PV_ENOMEM, "pv_nn_st_load: %zu reals", m->nreal);
    goto done;
  }
  st = pv__nn_ckpt_read_params(f, path, "params", m->params, m->nparams, w);
  if (!st && a) st = pv__nn_ckpt_read_adam(f, path, m->params, m->nparams, mm, vv, &steps, &lr);
  if (!st) st = pv__nn_ckpt_read_meta(f, path, &tmp);
  if (st) goto done;
  /* everything read and checked: commit */
  for (size_t k = 0; k < m->nreal; k++) {
    if (m->dtype == PV_F32) ((float *)m->w)[k] = w[k];
    else ((double *)m->w)[k] = w[k];
  }
  if (a) pv__nn_ckpt_commit_adam(a, m->params, m->nparams, mm, vv, steps, lr);
  if (meta) {
    tmp.struct_size = meta->struct_size;
    *meta = tmp;
    tmp.config_json = NULL;
  }
done:
  pv_free(tmp.config_json);
  pv_free(w);
  pv_free(mm);
  pv_free(vv);
  pv_h5_close(&f);
  return st;
}
