/* Test plugin with a future ABI major: the host must refuse it (exit 3). */
#include <parseval/parseval.h>

static int run(pv_ctx *ctx, const pv_args *a) { (void)ctx; (void)a; return 0; }
static const pv_verb verbs[] = {{"run", "never called", NULL, 0, sizeof(pv_param), run, NULL}};
static const pv_plugin_descriptor desc = {(2u << 16) | 0u, sizeof(pv_plugin_descriptor), "pvbad", "9.9",
                                          "from the future", verbs, 1, sizeof(pv_verb), NULL, {0}};
PV_PLUGIN_DEFINE(desc)
