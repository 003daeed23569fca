/* Built twice as two files with one plugin name: the host must refuse (exit 3). */
#include <parseval/parseval.h>

static int run(pv_ctx *ctx, const pv_args *a) { (void)ctx; (void)a; return 0; }
static const pv_verb verbs[] = {{"run", "never called", NULL, 0, sizeof(pv_param), run, NULL}};
static const pv_plugin_descriptor desc = {PV_PLUGIN_ABI_VERSION, sizeof(pv_plugin_descriptor), "pvdup", "0.0",
                                          "duplicate", verbs, 1, sizeof(pv_verb), NULL, {0}};
PV_PLUGIN_DEFINE(desc)
