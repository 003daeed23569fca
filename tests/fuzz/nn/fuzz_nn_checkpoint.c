/* Fuzz target: neural-operator checkpoints (layout in parseval/nn.h).
 * Structure-aware: byte-level corruption of HDF5 is libhdf5's own parser's
 * business (our unit tests cover truncated and foreign files); what this
 * target explores is our reader's trust in a well-formed HDF5 file with
 * hostile content. The input picks one of three valid tiny checkpoints
 * (FNO-2D with Adam, SFNO, FNO-3D) and a target model, then rewrites root
 * attributes in place: integers (architecture, counts, steps, RNG),
 * doubles (learning rate, SFNO scales, data normaliser mean and std; NaN
 * and infinities included) and strings (format, model, optimiser,
 * configuration, normaliser kind). The file is then read
 * as the readers' callers do: model name, stored configuration (a model is
 * built from it when small), and a load into the target. Contract checked:
 * no crash, no leak, and a failed load leaves the target's weights as they
 * were. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <parseval/fileout.h>
#include <parseval/h5.h>
#include <parseval/nn.h>
#include <parseval/parseval.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], path[128];
static char *base[3];
static size_t base_len[3];
static pv_ctx *ctx;

static const char *const int_keys[] = {
    "t_in", "width", "modes", "layers", "proj", "n", "nparams", "nreal", "version", "epoch", "step",
    "adam_steps", "rng_has_spare", "rng_s0", "t_out", "modes_x", "modes_y", "modes_t", "pad_t", "latent",
    "expansion", "out_modes_x", "out_modes_y", "out_modes_t", "act", "optim_steps"};
static const char *const dbl_keys[] = {"adam_lr", "rng_spare", "beta", "delta", "norm_mean", "norm_std"};
static const char *const str_keys[] = {"format", "model", "optimizer", "config", "norm_kind"};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static pv_nn_fno2d_config tiny_fno2d(void) {
  pv_nn_fno2d_config c = PV_NN_FNO2D_CONFIG_INIT;
  c.t_in = 2, c.width = 4, c.modes = 2, c.layers = 1, c.proj = 4, c.n = 8, c.max_batch = 1;
  return c;
}

static pv_nn_st_config tiny_st(pv_nn_st_kind kind) {
  pv_nn_st_config c = PV_NN_ST_CONFIG_INIT;
  c.kind = kind, c.t_in = 2, c.t_out = 2, c.width = 4, c.layers = 1, c.proj = 4, c.pad_t = 1;
  c.latent = 2, c.expansion = 1, c.n = 8, c.max_batch = 1;
  c.modes[0] = c.modes[1] = 2, c.modes[2] = 1;
  return c;
}

static void cleanup(void) {
  unlink(path);
  rmdir(dir);
  for (int i = 0; i < 3; i++) pv_free(base[i]);
  pv_ctx_destroy(&ctx);
}

/* The three valid checkpoints, written once and kept as bytes. */
static int setup(void) {
  pv_init();
  snprintf(dir, sizeof dir, "/tmp/pv-fuzz-ckpt-XXXXXX");
  if (!mkdtemp(dir) || pv_ctx_create(&ctx)) return -1;
  snprintf(path, sizeof path, "%s/x.h5", dir);
  atexit(cleanup);
  pv_nn_fno2d_config fc = tiny_fno2d();
  pv_nn_fno2d *f = NULL;
  pv_nn_adam *a = NULL;
  pv_nn_param *ps;
  int np;
  pv_nn_adam_options ao = PV_NN_ADAM_OPTIONS_INIT;
  int st = pv_nn_fno2d_create(ctx, PV_F32, &fc, &f);
  if (!st) st = pv_nn_fno2d_params(f, &ps, &np);
  if (!st) st = pv_nn_adam_create(&ao, ps, np, &a);
  if (!st) st = pv_nn_fno2d_save(path, 1, f, a, NULL);
  if (!st) st = pv_file_read_all(path, 1 << 24, &base[0], &base_len[0]);
  pv_nn_adam_destroy(&a);
  pv_nn_fno2d_destroy(&f);
  for (int k = 0; !st && k < 2; k++) {
    pv_nn_st_config sc = tiny_st(k ? PV_NN_ST_FNO3D : PV_NN_ST_SFNO);
    pv_nn_st *m = NULL;
    st = pv_nn_st_create(ctx, PV_F32, &sc, &m);
    if (!st) st = pv_nn_st_save(path, 1, m, NULL, NULL);
    if (!st) st = pv_file_read_all(path, 1 << 24, &base[k + 1], &base_len[k + 1]);
    pv_nn_st_destroy(&m);
  }
  return st;
}

static uint64_t take(const uint8_t **p, const uint8_t *end, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n && *p < end; i++) v |= (uint64_t)*(*p)++ << (8 * i);
  return v;
}

/* Apply the input's attribute rewrites to the open file. */
static void mutate(pv_h5 *h, const uint8_t *p, const uint8_t *end) {
  while (p + 2 <= end) {
    unsigned op = *p++ % 4, key = *p++;
    if (op == 0) { /* small integer: the values that pass range checks */
      pv_h5_set_attr_int(h, "/", int_keys[key % COUNT(int_keys)], (int64_t)(int8_t)take(&p, end, 1));
    } else if (op == 1) {
      pv_h5_set_attr_int(h, "/", int_keys[key % COUNT(int_keys)], (int64_t)take(&p, end, 8));
    } else if (op == 2) {
      uint64_t bits = take(&p, end, 8);
      double d;
      memcpy(&d, &bits, sizeof d);
      pv_h5_set_attr_double(h, "/", dbl_keys[key % COUNT(dbl_keys)], d);
    } else {
      char s[17];
      size_t n = (size_t)take(&p, end, 1) % 17, i = 0;
      for (; i < n && p < end; i++) s[i] = (char)(*p++ ? p[-1] : 'x');
      s[i] = 0;
      pv_h5_set_attr_string(h, "/", str_keys[key % COUNT(str_keys)], s);
    }
    pv_error_clear();
  }
}

static int small_fno2d(const pv_nn_fno2d_config *c) {
  return c->t_in <= 4 && c->width <= 8 && c->modes <= 4 && c->layers <= 2 && c->proj <= 8 && c->n <= 16 &&
         2 * c->modes <= c->n;
}

static int load_fno2d(pv_nn_fno2d_config c, int with_adam) {
  if (!small_fno2d(&c)) return -1;
  c.max_batch = 1;
  pv_nn_fno2d *m = NULL;
  pv_nn_adam *a = NULL;
  pv_nn_param *ps;
  int np;
  size_t nw = 0;
  void *w = NULL;
  pv_nn_adam_options ao = PV_NN_ADAM_OPTIONS_INIT;
  if (pv_nn_fno2d_create(ctx, PV_F32, &c, &m) || pv_nn_fno2d_params(m, &ps, &np) ||
      (with_adam && pv_nn_adam_create(&ao, ps, np, &a)) || pv_nn_fno2d_flat(m, &w, NULL, &nw)) {
    pv_nn_adam_destroy(&a);
    pv_nn_fno2d_destroy(&m);
    return -1;
  }
  float *before = malloc(nw * sizeof(float));
  memcpy(before, w, nw * sizeof(float));
  pv_nn_checkpoint_meta meta;
  memset(&meta, 0, sizeof meta);
  meta.struct_size = sizeof meta;
  int st = pv_nn_fno2d_load(path, m, a, &meta);
  if (!st) pv_free(meta.config_json);
  else if (memcmp(before, w, nw * sizeof(float)) != 0) abort(); /* a failed load changed the model */
  free(before);
  pv_nn_adam_destroy(&a);
  pv_nn_fno2d_destroy(&m);
  return st;
}

static int load_st(pv_nn_st_config c) {
  if (c.t_in > 4 || c.t_out > 4 || c.width > 8 || c.layers > 2 || c.proj > 8 || c.n > 16 || c.latent > 4 ||
      c.expansion > 2 || c.pad_t > 2)
    return -1;
  for (int i = 0; i < 3; i++)
    if (c.modes[i] > 4 || c.out_modes[i] > 4) return -1;
  c.max_batch = 1;
  pv_nn_st *m = NULL;
  void *w = NULL;
  size_t nw = 0;
  if (pv_nn_st_create(ctx, PV_F32, &c, &m) || pv_nn_st_flat(m, &w, NULL, &nw)) {
    pv_nn_st_destroy(&m);
    return -1;
  }
  float *before = malloc(nw * sizeof(float));
  memcpy(before, w, nw * sizeof(float));
  pv_nn_checkpoint_meta meta;
  memset(&meta, 0, sizeof meta);
  meta.struct_size = sizeof meta;
  int st = pv_nn_st_load(path, m, NULL, &meta);
  if (!st) pv_free(meta.config_json);
  else if (memcmp(before, w, nw * sizeof(float)) != 0) abort();
  free(before);
  pv_nn_st_destroy(&m);
  return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int ready;
  if (!ready) {
    if (setup()) {
      fprintf(stderr, "fuzz_nn_checkpoint set-up: %s\n", pv_error_message());
      abort();
    }
    ready = 1;
  }
  if (size < 1) return 0;
  int which = data[0] % 3, target = (data[0] / 3) % 4;
  if (pv_file_write_atomic(path, base[which], base_len[which], 1)) abort();
  pv_h5 *h = NULL;
  if (pv_h5_open_rw(path, &h) == 0) {
    mutate(h, data + 1, data + size);
    pv_h5_close(&h);
  }
  char model[32];
  if (pv_nn_checkpoint_model(path, model, sizeof model) == 0) {
    pv_nn_fno2d_config fc;
    pv_nn_st_config sc;
    if (!strcmp(model, "fno2d") && pv_nn_fno2d_checkpoint_config(path, &fc) == 0) load_fno2d(fc, 1);
    if (strcmp(model, "fno2d") && pv_nn_st_checkpoint_config(path, &sc) == 0) load_st(sc);
  }
  /* the target: a model of fixed architecture, as a resumed run has */
  int st = target == 0   ? load_fno2d(tiny_fno2d(), 1)
           : target == 1 ? load_fno2d(tiny_fno2d(), 0)
                         : load_st(tiny_st(target == 2 ? PV_NN_ST_SFNO : PV_NN_ST_FNO3D));
  /* an untouched checkpoint loads into the model that wrote it (Adam-less
   * files into a model without Adam) */
  int same = (which == 0 && target <= 1) || (which == 1 && target == 2) || (which == 2 && target == 3);
  if (size == 1 && same && st != 0) {
    fprintf(stderr, "untouched checkpoint %d refused: %s\n", which, pv_error_message());
    abort();
  }
  pv_error_clear();
  return 0;
}
