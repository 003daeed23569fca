/* Test plugin "pvsingle": one verb, callable without naming it. */
#include <parseval/parseval.h>

static const pv_param params[] = {
    {"input", PV_PARAM_PATH, PV_ROLE_INPUT, 0, NULL, 0, 0, NULL, "file to copy", NULL},
    {"output", PV_PARAM_PATH, PV_ROLE_OUTPUT, 0, NULL, 0, 0, NULL, "copy", NULL},
};

static int run(pv_ctx *ctx, const pv_args *a) {
  (void)ctx;
  char *data;
  size_t n;
  int rc = pv_file_read_all(pv_args_string(a, "input"), (size_t)1 << 20, &data, &n);
  if (rc) return rc;
  rc = pv_file_write_atomic(pv_args_string(a, "output"), data, n, pv_args_overwrite(a));
  pv_free(data);
  return rc;
}

static const pv_verb verbs[] = {{"copy", "copy a file atomically", params, 2, sizeof(pv_param), run, NULL}};
static const char *const demos[] = {"copy {data}/README.md {out}/copy.txt", NULL};
static const pv_plugin_descriptor desc = {PV_PLUGIN_ABI_VERSION, sizeof(pv_plugin_descriptor), "pvsingle", "0.0",
                                          "single-verb test plugin", verbs, 1, sizeof(pv_verb), demos, {0}};
PV_PLUGIN_DEFINE(desc)
