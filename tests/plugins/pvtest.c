/* Test plugin "pvtest": one verb per parameter type and failure mode. */
#include <parseval/parseval.h>

#include <stdio.h>

static const pv_param echo_params[] = {
    {"input", PV_PARAM_PATH, PV_ROLE_INPUT, 0, NULL, 0, 0, NULL, "any existing file", NULL},
    {"output", PV_PARAM_PATH, PV_ROLE_OUTPUT, 0, NULL, 0, 0, NULL, "text file of parsed values", NULL},
    {"n", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_HAS_MIN | PV_PARAM_HAS_MAX, "3", 1, 100, NULL, "a count", NULL},
    {"ratio", PV_PARAM_REAL, PV_ROLE_OPTION, PV_PARAM_HAS_MIN, "0.5", 0, 0, NULL, "a non-negative real", "m"},
    {"flag", PV_PARAM_FLAG, PV_ROLE_OPTION, 0, "false", 0, 0, NULL, "a switch", NULL},
    {"mode", PV_PARAM_CHOICE, PV_ROLE_OPTION, 0, "a", 0, 0, "a|b|long-name", "a choice", NULL},
    {"name", PV_PARAM_STRING, PV_ROLE_OPTION, 0, NULL, 0, 0, NULL, "an optional string", NULL},
    {"bands", PV_PARAM_INT_LIST, PV_ROLE_OPTION, PV_PARAM_HAS_MIN, "1,2,3", 0, 0, NULL, "band indices", NULL},
    {"weights", PV_PARAM_REAL_LIST, PV_ROLE_OPTION, PV_PARAM_REQUIRED, NULL, 0, 0, NULL, "required weights", NULL},
};

static int run_echo(pv_ctx *ctx, const pv_args *a) {
  pv_fileout *f;
  int rc = pv_fileout_open(pv_args_string(a, "output"), pv_args_overwrite(a), &f);
  if (rc) return rc;
  FILE *o = pv_fileout_stream(f);
  const int64_t *bands;
  const double *w;
  size_t nb = pv_args_int_list(a, "bands", &bands), nw = pv_args_real_list(a, "weights", &w);
  fprintf(o, "input=%s\nn=%lld\nratio=%.17g\nflag=%d\nmode=%s\nname=%s\n", pv_args_string(a, "input"),
          (long long)pv_args_int(a, "n"), pv_args_real(a, "ratio"), pv_args_flag(a, "flag"),
          pv_args_string(a, "mode"), pv_args_has(a, "name") ? pv_args_string(a, "name") : "(unset)");
  fprintf(o, "bands=");
  for (size_t i = 0; i < nb; i++) fprintf(o, "%s%lld", i ? "," : "", (long long)bands[i]);
  fprintf(o, "\nweights=");
  for (size_t i = 0; i < nw; i++) fprintf(o, "%s%.17g", i ? "," : "", w[i]);
  fprintf(o, "\nthreads=%d\nseed=%llu\nranks=%d\nmemory=%zu\n", pv_ctx_threads(ctx),
          (unsigned long long)pv_ctx_seed(ctx), pv_ctx_nranks(ctx), pv_ctx_ram_budget(ctx));
  return pv_fileout_commit(&f);
}

static const pv_param fail_params[] = {
    {"output", PV_PARAM_PATH, PV_ROLE_OUTPUT, PV_PARAM_OPTIONAL, NULL, 0, 0, NULL, "never written", NULL},
};

static int run_fail(pv_ctx *ctx, const pv_args *a) {
  (void)ctx;
  (void)a;
  PV_ERROR(PV_ENUMERIC, "matrix 2 of 3 is not positive definite");
  return PV_ERROR(PV_ENUMERIC, "factorising the pencil");
}

static const pv_param cancel_params[] = {
    {"steps", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_HAS_MIN, "10", 1, 0, NULL, "progress steps", NULL},
};

static int run_progress(pv_ctx *ctx, const pv_args *a) {
  int64_t n = pv_args_int(a, "steps");
  for (int64_t i = 1; i <= n; i++) {
    int rc = pv_ctx_progress(ctx, (double)i / (double)n, "stepping");
    if (rc) return rc;
  }
  pv_log(ctx, PV_LOG_INFO, "test", "made %lld steps", (long long)n);
  return PV_OK;
}

static const pv_verb verbs[] = {
    {"echo", "write back every parsed parameter", echo_params, 9, sizeof(pv_param), run_echo, NULL},
    {"fail", "fail with a numerical error", fail_params, 1, sizeof(pv_param), run_fail, NULL},
    {"progress", "report progress in steps", cancel_params, 1, sizeof(pv_param), run_progress, NULL},
};

static const pv_plugin_descriptor desc = {PV_PLUGIN_ABI_VERSION, sizeof(pv_plugin_descriptor), "pvtest", "0.0",
                                          "host test plugin", verbs, 3, sizeof(pv_verb), NULL, {0}};
PV_PLUGIN_DEFINE(desc)
