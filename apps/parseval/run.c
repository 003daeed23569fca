/* Running one verb: arguments from the parameter file and the command line,
 * input and output checks before any work, a context from host options, and
 * the status turned into an exit code and one line on stderr. */
#include "host.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

static int exit_for_parse_error(int rc) {
  return rc == PV_EABI ? PV_EXIT_PLUGIN : rc == PV_ENOMEM || rc == PV_EIO ? PV_EXIT_FAIL : PV_EXIT_USAGE;
}

void pv_host_report_hint(const char *what, const char *hint) {
  const char *m = pv_error_message();
  fprintf(stderr, "parseval: %s%s%s%s%s%s\n", what ? what : "", what ? ": " : "",
          *m ? m : pv_strerror(pv_error_last_code()), hint ? " (" : "", hint ? hint : "", hint ? ")" : "");
  pv_error_clear();
}

void pv_host_report(const char *what) { pv_host_report_hint(what, NULL); }

static int set_from_file(const char *name, const char *value, void *user) {
  return pv_args_set(user, name, value);
}

static int load_params_file(const char *path, pv_args *args) {
  char *text;
  size_t n;
  int rc = pv_file_read_all(path, (size_t)1 << 20, &text, &n);
  if (rc) return rc == PV_EFORMAT ? PV_EINVAL : rc;
  rc = pv_host_params_parse(text, n, path, set_from_file, args);
  pv_free(text);
  return rc == PV_EFORMAT || rc == PV_ENOTFOUND ? PV_EINVAL : rc;
}

/* GDAL dataset names that are not plain files: /vsizip/..., /vsicurl/...,
 * and driver-prefixed names such as HDF5:"f.h5"://ds or NETCDF:"f.nc":var. */
static int is_gdal_dataset_name(const char *path) {
  if (!strncmp(path, "/vsi", 4)) return 1;
  size_t k = strspn(path, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
  return k >= 2 && path[k] == ':';
}

/* Inputs must exist; outputs must be writable and new (or --overwrite). */
static int check_paths(const pv_verb *v, const pv_args *args, int overwrite) {
  for (uint32_t i = 0; i < v->n_params; i++) {
    const pv_param *q = &v->params[i];
    const char *path = pv_args_string(args, q->name);
    if (!path || q->role == PV_ROLE_OPTION) continue;
    struct stat st;
    int is_dir = (q->flags & PV_PARAM_DIR) != 0;
    if (q->role == PV_ROLE_INPUT) {
      if (!is_dir && is_gdal_dataset_name(path)) continue; /* GDAL checks these when it opens them */
      if (stat(path, &st) != 0)
        return PV_ERROR(PV_ENOTFOUND, "input %s: %s: %s", q->name, path, strerror(errno));
      if (is_dir != S_ISDIR(st.st_mode))
        return PV_ERROR(PV_EINVAL, "input %s: %s is %sa folder", q->name, path, is_dir ? "not " : "");
    } else if (is_dir) {
      if (stat(path, &st) != 0 && mkdir(path, 0755) != 0)
        return PV_ERROR(PV_EIO, "output folder %s: %s: %s", q->name, path, strerror(errno));
      if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return PV_ERROR(PV_EIO, "output %s: %s is not a folder", q->name, path);
    } else {
      int rc = pv_output_check(path, overwrite);
      if (rc) return PV_ERROR(rc, "output %s", q->name);
    }
  }
  return PV_OK;
}

static int make_ctx(const pv_host_opts *o, pv_ctx **ctx) {
  int rc = pv_ctx_create(ctx);
  if (rc) return rc;
  if (o->threads) pv_ctx_set_threads(*ctx, o->threads);
  if (o->memory) pv_ctx_set_ram_budget(*ctx, o->memory);
  if (o->seed_given) pv_ctx_set_seed(*ctx, o->seed);
  pv_log_level lvl = o->quiet ? PV_LOG_ERROR : o->verbose ? PV_LOG_INFO : PV_LOG_WARN;
  pv_ctx_set_log(*ctx, lvl, pv_log_stderr, NULL);
  if (o->progress && pv_ctx_rank(*ctx) == 0) pv_ctx_set_progress(*ctx, pv_host_progress, NULL);
  return PV_OK;
}

int pv_host_run_verb(const pv_host_plugin *p, const pv_host_verb *hv, const pv_host_cmdline *cl,
                     const char **words, int n_words, int first_positional_only) {
  const pv_verb *v = &hv->verb;
  char what[160];
  snprintf(what, sizeof what, "%s %s", p->desc.name, v->name);
  pv_args *args = NULL;
  pv_ctx *ctx = NULL;
  int rc = pv_args_create(v->params, v->n_params, &args), code = PV_EXIT_OK;
  if (!rc && cl->opts.params) rc = load_params_file(cl->opts.params, args);
  if (!rc) rc = pv_host_args_from_words(v, words, n_words, first_positional_only, args);
  if (!rc) rc = pv_args_finish(args);
  if (rc) {
    code = exit_for_parse_error(rc);
    char hint[200];
    snprintf(hint, sizeof hint, "see 'parseval %s %s --help'", p->desc.name, v->name);
    pv_host_report_hint(what, code == PV_EXIT_USAGE ? hint : NULL);

    pv_args_destroy(&args);
    return code;
  }
  pv_args_set_overwrite(args, cl->opts.overwrite);
  rc = check_paths(v, args, cl->opts.overwrite);
  if (!rc) rc = make_ctx(&cl->opts, &ctx);
  if (!rc) rc = v->run(ctx, args);
  if (rc < 0) {
    code = PV_EXIT_FAIL;
    pv_host_report(what);
  }
  pv_ctx_destroy(&ctx);
  pv_args_destroy(&args);
  return code;
}
