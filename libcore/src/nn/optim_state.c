/* optim_state.c - Muon/Conda/AuON state and sigmaReparam vectors in HDF5
 * checkpoints (layout in parseval/nn.h, "training state"): write, read and
 * check into a staging copy, commit. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/error.h>
#include "nn/ckpt_state.h"
#include "nn/optim_internal.h"

const char *pv__nn_optim_kind_name(const pv_nn_optim *o) {
  switch (o->kind) {
    case PV_NN_OPTIM_MUON: return "muon";
    case PV_NN_OPTIM_CONDA: return "conda";
    case PV_NN_OPTIM_AUON: return "auon";
    case PV_NN_OPTIM_AUON_HYBRID: return "auon-hybrid";
  }
  return "?";
}

int pv__nn_ckpt_check_state(const pv_nn_train_state *ts) {
  if (!ts) return PV_OK;
  if (ts->struct_size != sizeof *ts)
    return PV_ERROR(PV_EINVAL, "nn checkpoint: train state struct_size %zu, expected %zu",
                    ts->struct_size, sizeof *ts);
  if (ts->adam && ts->optim)
    return PV_ERROR(PV_EINVAL, "nn checkpoint: train state holds both Adam and %s",
                    pv__nn_optim_kind_name(ts->optim));
  if (ts->nsigma < 0 || ts->nsigma > 4096 || (ts->nsigma && (!ts->sigma || !ts->sigma_names)))
    return PV_ERROR(PV_EINVAL, "nn checkpoint: %d sigmaReparam objects without arrays", ts->nsigma);
  for (int i = 0; i < ts->nsigma; i++) {
    const char *n = ts->sigma_names[i];
    if (!ts->sigma[i] || !n || !*n || strlen(n) > 100 || strchr(n, '/'))
      return PV_ERROR(PV_EINVAL, "nn checkpoint: sigmaReparam %d has no object or a bad name", i);
  }
  return PV_OK;
}

/* The options that shape the state, as JSON text for the record. */
static void options_json(const pv_nn_optim *o, char *buf, size_t len) {
  const pv_nn_optim_options *p = &o->o;
  snprintf(buf, len,
           "{\"momentum\": %.17g, \"nesterov\": %d, \"ns_steps\": %d, \"weight_decay\": %.17g, "
           "\"beta1\": %.17g, \"beta2\": %.17g, \"eps\": %.17g, \"update_proj_gap\": %d, "
           "\"conda_scale\": %.17g, \"gamma\": %.17g, \"auon_normalize\": %d, "
           "\"muon_complex_flat\": %d, \"aux_beta1\": %.17g, \"aux_beta2\": %.17g, "
           "\"aux_eps\": %.17g, \"aux_weight_decay\": %.17g, \"aux_lr_scale\": %.17g, "
           "\"aux_groups\": %u, \"conda_complex_per_mode\": %d}",
           p->momentum, p->nesterov, p->ns_steps, p->weight_decay, p->beta1, p->beta2, p->eps,
           p->update_proj_gap, p->conda_scale, p->gamma, p->auon_normalize, p->muon_complex_flat,
           p->aux_beta1, p->aux_beta2, p->aux_eps, p->aux_weight_decay, p->aux_lr_scale,
           p->aux_groups, p->conda_complex_per_mode);
}

static int write_floats(pv_h5 *f, const char *name, const void *data, pv_dtype dt, size_t n) {
  size_t shape[1] = {n};
  pv_view v;
  int st = pv_view_init(&v, (void *)data, dt, 1, shape);
  return st ? st : pv_h5_write_dataset(f, name, &v, NULL);
}

static int write_optim(pv_h5 *f, const pv_nn_optim *o) {
  char opts[1024], name[200];
  options_json(o, opts, sizeof opts);
  int st = pv_h5_set_attr_string(f, "/", "optimizer", pv__nn_optim_kind_name(o));
  if (!st) st = pv_h5_set_attr_int(f, "/", "optim_steps", (int64_t)o->steps);
  if (!st) st = pv_h5_set_attr_string(f, "/", "optim_options", opts);
  if (!st) st = pv_h5_set_attr_int(f, "/", "optim_entries", (int64_t)o->nent);
  for (size_t i = 0; !st && i < o->nent; i++) {
    snprintf(name, sizeof name, "optim/%s", o->ent[i].name);
    st = write_floats(f, name, o->ent[i].data, PV_F32, o->ent[i].n);
  }
  return st;
}

static void sigma_size(pv_nn_sigma_reparam *s, size_t *rows, size_t *cols) {
  pv_nn_sigma_reparam_size(s, rows, cols);
}

static int write_sigma(pv_h5 *f, const pv_nn_train_state *ts) {
  int st = pv_h5_set_attr_int(f, "/", "nsigma", ts->nsigma);
  char name[200];
  for (int i = 0; !st && i < ts->nsigma; i++) {
    double *u, *v;
    size_t r, c;
    pv_nn_sigma_reparam_vectors(ts->sigma[i], &u, &v);
    sigma_size(ts->sigma[i], &r, &c);
    snprintf(name, sizeof name, "sigma/%s/u", ts->sigma_names[i]);
    st = write_floats(f, name, u, PV_F64, r);
    snprintf(name, sizeof name, "sigma/%s/v", ts->sigma_names[i]);
    if (!st) st = write_floats(f, name, v, PV_F64, c);
  }
  return st;
}

int pv__nn_ckpt_write_state(pv_h5 *f, const pv_nn_train_state *ts) {
  int st = PV_OK;
  if (!ts || (!ts->adam && !ts->optim)) st = pv_h5_set_attr_string(f, "/", "optimizer", "none");
  if (!st && ts && ts->optim) st = write_optim(f, ts->optim);
  if (!st && ts && ts->nsigma) st = write_sigma(f, ts);
  return st;
}

int pv__nn_ckpt_stored_optimizer(pv_h5 *f, const char *path, char **name) {
  *name = NULL;
  int depth = pv_error_depth();
  if (!pv_h5_get_attr_string(f, "/", "optimizer", name)) return PV_OK;
  pv_error_truncate(depth);
  int64_t steps; /* first-release files: Adam state when adam_steps is there */
  int adam = !pv_h5_get_attr_int(f, "/", "adam_steps", &steps);
  pv_error_truncate(depth);
  *name = pv_malloc(8);
  if (!*name) return PV_ERROR(PV_ENOMEM, "%s: attribute 'optimizer'", path);
  snprintf(*name, 8, "%s", adam ? "adam" : "none");
  return PV_OK;
}

/* Dataset `name` of exactly n values of type dt into dst. */
static int read_exact(pv_h5 *f, const char *path, const char *name, pv_dtype dt, size_t n,
                      void *dst) {
  pv_dtype got;
  int nd = 0;
  size_t shape[PV_MAX_DIMS];
  int depth = pv_error_depth();
  if (pv_h5_dataset_info(f, name, &got, &nd, shape)) {
    pv_error_truncate(depth);
    return PV_ERROR(PV_EFORMAT, "%s: dataset '%s' missing or unreadable", path, name);
  }
  if (nd != 1 || shape[0] != n)
    return PV_ERROR(PV_EFORMAT, "%s: dataset '%s' has %d axes (first %zu), expected [%zu]: "
                    "state of another model or optimiser shape", path, name, nd,
                    nd ? shape[0] : 0, n);
  pv_array *a = NULL;
  if (pv_h5_read_dataset(f, name, dt, &a)) {
    pv_error_truncate(depth);
    return PV_ERROR(PV_EFORMAT, "%s: dataset '%s' cannot be read (truncated file?)", path, name);
  }
  memcpy(dst, pv_array_data(a), n * pv_dtype_size(dt));
  pv_array_destroy(&a);
  return PV_OK;
}

static int check_entry(const char *path, const char *name, const float *x, size_t n) {
  for (size_t j = 0; j < n; j++)
    if (!isfinite(x[j]))
      return PV_ERROR(PV_EFORMAT, "%s: dataset 'optim/%s' holds a non-finite value at %zu", path,
                      name, j);
  size_t l = strlen(name);
  if (l > 6 && !strcmp(name + l - 6, "/steps") && (x[0] < 0 || x[0] != floorf(x[0])))
    return PV_ERROR(PV_EFORMAT, "%s: dataset 'optim/%s' = %g is not a step count", path, name,
                    (double)x[0]);
  return PV_OK;
}

static int read_optim(pv_h5 *f, const char *path, const pv_nn_optim *o, pv__nn_ckpt_staged *st) {
  int64_t steps = 0, nent = 0;
  int depth = pv_error_depth();
  if (pv_h5_get_attr_int(f, "/", "optim_steps", &steps) ||
      pv_h5_get_attr_int(f, "/", "optim_entries", &nent)) {
    pv_error_truncate(depth);
    return PV_ERROR(PV_EFORMAT, "%s: attribute 'optim_steps' or 'optim_entries' missing", path);
  }
  if (steps < 0 || nent != (int64_t)o->nent)
    return PV_ERROR(PV_EFORMAT, "%s: attribute 'optim_entries' = %lld (optim_steps %lld), the "
                    "%s optimiser of this model has %zu state arrays", path, (long long)nent,
                    (long long)steps, pv__nn_optim_kind_name(o), o->nent);
  size_t total = 0;
  for (size_t i = 0; i < o->nent; i++) total += o->ent[i].n;
  st->optim = pv_malloc(total * sizeof *st->optim);
  if (!st->optim) return PV_ERROR(PV_ENOMEM, "%s: %zu optimiser state floats", path, total);
  st->steps = (uint64_t)steps;
  char name[200];
  size_t off = 0;
  for (size_t i = 0; i < o->nent; i++) {
    snprintf(name, sizeof name, "optim/%s", o->ent[i].name);
    int s = read_exact(f, path, name, PV_F32, o->ent[i].n, st->optim + off);
    if (!s) s = check_entry(path, o->ent[i].name, st->optim + off, o->ent[i].n);
    if (s) return s;
    off += o->ent[i].n;
  }
  return PV_OK;
}

static int read_sigma(pv_h5 *f, const char *path, const pv_nn_train_state *ts,
                      pv__nn_ckpt_staged *st) {
  int64_t ns = 0;
  int depth = pv_error_depth();
  if (pv_h5_get_attr_int(f, "/", "nsigma", &ns)) {
    pv_error_truncate(depth);
    ns = 0;
  }
  if (ns != ts->nsigma)
    return PV_ERROR(PV_EFORMAT, "%s: attribute 'nsigma' = %lld, the model has %d sigmaReparam "
                    "weights", path, (long long)ns, ts->nsigma);
  size_t total = 0, r, c;
  for (int i = 0; i < ts->nsigma; i++) {
    sigma_size(ts->sigma[i], &r, &c);
    total += r + c;
  }
  st->sigma = pv_malloc((total ? total : 1) * sizeof *st->sigma);
  if (!st->sigma) return PV_ERROR(PV_ENOMEM, "%s: sigmaReparam vectors", path);
  char name[200];
  size_t off = 0;
  for (int i = 0; i < ts->nsigma; i++) {
    sigma_size(ts->sigma[i], &r, &c);
    snprintf(name, sizeof name, "sigma/%s/u", ts->sigma_names[i]);
    int s = read_exact(f, path, name, PV_F64, r, st->sigma + off);
    snprintf(name, sizeof name, "sigma/%s/v", ts->sigma_names[i]);
    if (!s) s = read_exact(f, path, name, PV_F64, c, st->sigma + off + r);
    for (size_t j = 0; !s && j < r + c; j++)
      if (!isfinite(st->sigma[off + j]))
        s = PV_ERROR(PV_EFORMAT, "%s: sigmaReparam '%s' holds a non-finite value", path,
                     ts->sigma_names[i]);
    if (s) return s;
    off += r + c;
  }
  return PV_OK;
}

int pv__nn_ckpt_read_state(pv_h5 *f, const char *path, const pv_nn_train_state *ts,
                           pv__nn_ckpt_staged *st) {
  memset(st, 0, sizeof *st);
  if (!ts) return PV_OK;
  char *stored = NULL;
  int s = pv__nn_ckpt_stored_optimizer(f, path, &stored);
  if (s) return s;
  const char *want = ts->optim ? pv__nn_optim_kind_name(ts->optim) : ts->adam ? "adam" : NULL;
  if (want && strcmp(stored, want) != 0) {
    s = PV_ERROR(PV_EFORMAT, "%s: attribute 'optimizer' is '%s', this run uses '%s' (a "
                 "checkpoint resumes with the optimiser that wrote it)", path, stored, want);
  }
  pv_free(stored);
  if (!s && ts->optim) s = read_optim(f, path, ts->optim, st);
  if (!s && ts->nsigma) s = read_sigma(f, path, ts, st);
  if (s) pv__nn_ckpt_staged_free(st);
  return s;
}

void pv__nn_ckpt_commit_state(const pv_nn_train_state *ts, const pv__nn_ckpt_staged *st) {
  if (!ts) return;
  if (ts->optim && st->optim) {
    pv_nn_optim *o = ts->optim;
    size_t off = 0;
    for (size_t i = 0; i < o->nent; i++) {
      memcpy(o->ent[i].data, st->optim + off, o->ent[i].n * sizeof *st->optim);
      off += o->ent[i].n;
    }
    o->steps = st->steps;
  }
  size_t off = 0;
  for (int i = 0; st->sigma && i < ts->nsigma; i++) {
    double *u, *v;
    size_t r, c;
    pv_nn_sigma_reparam_vectors(ts->sigma[i], &u, &v);
    sigma_size(ts->sigma[i], &r, &c);
    memcpy(u, st->sigma + off, r * sizeof *u);
    memcpy(v, st->sigma + off + r, c * sizeof *v);
    off += r + c;
  }
}

void pv__nn_ckpt_staged_free(pv__nn_ckpt_staged *st) {
  pv_free(st->optim);
  pv_free(st->sigma);
  st->optim = NULL;
  st->sigma = NULL;
}
