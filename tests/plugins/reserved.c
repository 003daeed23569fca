/* A verb declaring --threads, which belongs to the host: refused (exit 3). */
#include <parseval/parseval.h>

static const pv_param params[] = {
    {"threads", PV_PARAM_INT, PV_ROLE_OPTION, 0, "1", 0, 0, NULL, "clashes with the host", NULL},
};
static int run(pv_ctx *ctx, const pv_args *a) { (void)ctx; (void)a; return 0; }
static const pv_verb verbs[] = {{"run", "never called", params, 1, sizeof(pv_param), run, NULL}};
static const pv_plugin_descriptor desc = {PV_PLUGIN_ABI_VERSION, sizeof(pv_plugin_descriptor), "pvreserved",
                                          "0.0", "reserved name", verbs, 1, sizeof(pv_verb), NULL, {0}};
PV_PLUGIN_DEFINE(desc)
