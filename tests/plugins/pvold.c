/* Test plugin "pvold": built against ABI 1.0, whose three structs ended
 * earlier (no param units, no verb description, no demos). The host must
 * still load and run it. The layouts below are ABI 1.0's, frozen here. */
#include <parseval/parseval.h>

#include <stdio.h>

typedef struct {
  const char *name;
  pv_param_type type;
  pv_param_role role;
  unsigned flags;
  const char *def;
  double min, max;
  const char *choices;
  const char *help;
} param_1_0;

typedef struct {
  const char *name, *summary;
  const param_1_0 *params;
  uint32_t n_params, param_size;
  pv_verb_run_fn run;
} verb_1_0;

typedef struct {
  uint32_t abi_version, struct_size;
  const char *name, *version, *summary;
  const verb_1_0 *verbs;
  uint32_t n_verbs, verb_size;
} desc_1_0;

static const param_1_0 params[] = {
    {"level", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_HAS_MIN, "2", 0, 0, NULL, "a level"},
    {"output", PV_PARAM_PATH, PV_ROLE_OUTPUT, 0, NULL, 0, 0, NULL, "text output"},
};

static int run(pv_ctx *ctx, const pv_args *a) {
  (void)ctx;
  char buf[64];
  int n = snprintf(buf, sizeof buf, "level=%lld\n", (long long)pv_args_int(a, "level"));
  return pv_file_write_atomic(pv_args_string(a, "output"), buf, (size_t)n, pv_args_overwrite(a));
}

static const verb_1_0 verbs[] = {{"run", "write the level", params, 2, sizeof(param_1_0), run}};
static const desc_1_0 desc = {(1u << 16) | 0u, sizeof(desc_1_0), "pvold", "1.0", "ABI 1.0 test plugin",
                              verbs, 1, sizeof(verb_1_0)};

__attribute__((visibility("default"))) const pv_plugin_descriptor *parseval_plugin(void);
const pv_plugin_descriptor *parseval_plugin(void) { return (const pv_plugin_descriptor *)(const void *)&desc; }
