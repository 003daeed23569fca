/* ns_diagnose.c - `ns-forecast diagnose MODEL.h5 [REPORT.json]`: weight
 * spectra of every matrix parameter of a checkpoint, printed as a table,
 * written as JSON and (--png) as a plot of the singular values. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <parseval/json.h>
#include <parseval/nn.h>
#include <parseval/nn_diag.h>
#include <parseval/render.h>

#include "ns_diagnose.h"

const pv_param ns_diagnose_params[NS_N_DIAGNOSE] = {
    {"model", PV_PARAM_PATH, PV_ROLE_INPUT, 0, NULL, 0, 0, NULL, "checkpoint written by train", NULL},
    {"output", PV_PARAM_PATH, PV_ROLE_OUTPUT, PV_PARAM_OPTIONAL, NULL, 0, 0, NULL, "JSON report (optional)", NULL},
    {"png", PV_PARAM_PATH, PV_ROLE_OPTION, 0, NULL, 0, 0, NULL, "PNG plot of each layer's singular values (descending, log scale)", NULL},
};

static void layer_json(pv_json *js, const pv_nn_param *p, const pv_nn_weight_spectra *r) {
  pv_json_object_begin(js);
  pv_json_kv_string(js, "name", p->name);
  pv_json_kv_string(js, "kind", r->is_complex ? "complex per mode" : "real");
  pv_json_kv_int(js, "matrices", r->nmat);
  pv_json_kv_int(js, "rows", r->rows);
  pv_json_kv_int(js, "cols", r->cols);
  pv_json_kv_number(js, "spectral_norm", r->spectral_norm);
  pv_json_kv_number(js, "effective_rank", r->effective_rank);
  pv_json_kv_number(js, "effective_rank_min", r->erank_min);
  pv_json_kv_number(js, "effective_rank_max", r->erank_max);
  pv_json_kv_number(js, "alpha_req", r->alpha_req);
  pv_json_kv_number(js, "powerlaw_alpha", r->powerlaw_alpha);
  pv_json_kv_number(js, "powerlaw_xmin", r->powerlaw_xmin);
  pv_json_kv_number(js, "powerlaw_ks", r->powerlaw_ks);
  pv_json_kv_int(js, "powerlaw_n", (int64_t)r->powerlaw_n);
  pv_json_key(js, "spectral_norm_per_matrix");
  pv_json_numbers(js, r->norms, (size_t)r->nmat);
  pv_json_key(js, "effective_rank_per_matrix");
  pv_json_numbers(js, r->eranks, (size_t)r->nmat);
  pv_json_key(js, "singular_values");
  pv_json_numbers(js, r->sv, (size_t)r->nmat * r->nsv);
  pv_json_object_end(js);
}

static void layer_row(const pv_nn_param *p, const pv_nn_weight_spectra *r) {
  char shape[48];
  if (r->is_complex)
    snprintf(shape, sizeof shape, "%dx%d C x%d", r->rows, r->cols, r->nmat);
  else
    snprintf(shape, sizeof shape, "%dx%d", r->rows, r->cols);
  printf("%-16s %-16s %12.5g %10.4g %10.4g %10.4g\n", p->name, shape, r->spectral_norm,
         r->effective_rank, r->alpha_req, r->powerlaw_alpha);
}

static int cmp_desc(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x < y) - (x > y);
}

/* One series per layer: its singular values (all modes pooled) sorted
 * descending against rank / count. */
static int add_series(pv_plot *pl, const pv_nn_param *p, const pv_nn_weight_spectra *r) {
  size_t n = (size_t)r->nmat * r->nsv;
  double *x = pv_malloc(n * sizeof *x), *y = pv_malloc(n * sizeof *y);
  int rc = x && y ? PV_OK : PV_ERROR(PV_ENOMEM, "plot series");
  if (!rc) {
    memcpy(y, r->sv, n * sizeof *y);
    qsort(y, n, sizeof *y, cmp_desc);
    for (size_t i = 0; i < n; i++) {
      x[i] = (i + 1.0) / (double)n;
      if (!(y[i] > 0)) y[i] = NAN;
    }
    rc = pv_plot_add_series(pl, p->name, x, y, n, NULL);
  }
  pv_free(x);
  pv_free(y);
  return rc;
}

/* The checkpoint's model (FNO-2D or a space-time model) and its parameters. */
typedef struct diag_model {
  pv_nn_fno2d *fno2d;
  pv_nn_st *st;
} diag_model;

static int load(pv_ctx *ctx, const char *path, diag_model *dm, pv_nn_param **ps, int *np) {
  char kind[32];
  int rc = pv_nn_checkpoint_model(path, kind, sizeof kind);
  if (!rc && !strcmp(kind, "fno2d")) {
    pv_nn_fno2d_config c;
    rc = pv_nn_fno2d_checkpoint_config(path, &c);
    c.max_batch = 1;
    if (!rc) rc = pv_nn_fno2d_create(ctx, PV_F32, &c, &dm->fno2d);
    if (!rc) rc = pv_nn_fno2d_load(path, dm->fno2d, NULL, NULL);
    return rc ? rc : pv_nn_fno2d_params(dm->fno2d, ps, np);
  }
  pv_nn_st_config c;
  if (!rc) rc = pv_nn_st_checkpoint_config(path, &c);
  c.max_batch = 1;
  if (!rc) rc = pv_nn_st_create(ctx, PV_F32, &c, &dm->st);
  if (!rc) rc = pv_nn_st_load(path, dm->st, NULL, NULL);
  return rc ? rc : pv_nn_st_params(dm->st, ps, np);
}

int ns_run_diagnose(pv_ctx *ctx, const pv_args *a) {
  const char *model = pv_args_string(a, "model");
  const char *out = pv_args_has(a, "output") ? pv_args_string(a, "output") : NULL;
  const char *png = pv_args_has(a, "png") ? pv_args_string(a, "png") : NULL;
  int ow = pv_args_overwrite(a), rc = PV_OK;
  if (out) rc = pv_output_check(out, ow);
  if (!rc && png) rc = pv_output_check(png, ow);
  diag_model dm = {NULL, NULL};
  pv_nn_param *ps = NULL;
  int np = 0;
  if (!rc) rc = load(ctx, model, &dm, &ps, &np);
  pv_json *js = NULL;
  pv_plot *pl = NULL;
  if (!rc) rc = pv_json_create(2, &js);
  if (!rc && png) rc = pv_plot_create(800, 500, &pl);
  if (!rc) {
    pv_json_object_begin(js);
    pv_json_kv_string(js, "model", model);
    pv_json_key(js, "layers");
    pv_json_array_begin(js);
    if (pl) {
      pv_plot_set_title(pl, "singular values per layer (all modes pooled)");
      pv_plot_set_xlabel(pl, "rank / count");
      pv_plot_set_ylabel(pl, "singular value");
      pv_plot_set_log_y(pl, 1);
    }
    printf("%-16s %-16s %12s %10s %10s %10s\n", "layer", "matrix", "spec.norm", "eff.rank",
           "alpha-ReQ", "PL alpha");
  }
  for (int i = 0; !rc && i < np; i++) {
    if (ps[i].ndim < 2) continue;
    pv_nn_weight_spectra r;
    rc = pv_nn_weight_spectra_compute(ctx, &ps[i], &r);
    if (rc) break;
    layer_row(&ps[i], &r);
    layer_json(js, &ps[i], &r);
    if (pl) rc = add_series(pl, &ps[i], &r);
    pv_nn_weight_spectra_free(&r);
  }
  if (!rc) {
    pv_json_array_end(js);
    pv_json_object_end(js);
    rc = pv_json_finish(js);
  }
  if (!rc && out) rc = pv_json_write_file(js, out, ow);
  if (!rc && pl) rc = pv_plot_write_png(pl, png, NULL, ow);
  pv_plot_destroy(&pl);
  pv_json_destroy(&js);
  pv_nn_fno2d_destroy(&dm.fno2d);
  pv_nn_st_destroy(&dm.st);
  return rc;
}
