/* A verb table with every parameter type, shared by the host's fuzz targets. */
#ifndef PV_FUZZ_VERB_H
#define PV_FUZZ_VERB_H
#include <parseval/parseval.h>

static const pv_param fuzz_params[] = {
    {"input", PV_PARAM_PATH, PV_ROLE_INPUT, 0, NULL, 0, 0, NULL, "in", NULL},
    {"extra", PV_PARAM_PATH, PV_ROLE_INPUT, PV_PARAM_OPTIONAL, NULL, 0, 0, NULL, "in", NULL},
    {"output", PV_PARAM_PATH, PV_ROLE_OUTPUT, 0, NULL, 0, 0, NULL, "out", NULL},
    {"n", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_HAS_MIN | PV_PARAM_HAS_MAX, "3", -5, 100, NULL, "n", NULL},
    {"x", PV_PARAM_REAL, PV_ROLE_OPTION, PV_PARAM_HAS_MIN, "0.5", 0, 0, NULL, "x", "m"},
    {"flag", PV_PARAM_FLAG, PV_ROLE_OPTION, 0, "false", 0, 0, NULL, "flag", NULL},
    {"mode", PV_PARAM_CHOICE, PV_ROLE_OPTION, 0, "a", 0, 0, "a|b|long-name", "mode", NULL},
    {"name", PV_PARAM_STRING, PV_ROLE_OPTION, 0, NULL, 0, 0, NULL, "name", NULL},
    {"ints", PV_PARAM_INT_LIST, PV_ROLE_OPTION, PV_PARAM_HAS_MIN, "1,2", 0, 0, NULL, "ints", NULL},
    {"reals", PV_PARAM_REAL_LIST, PV_ROLE_OPTION, PV_PARAM_HAS_MAX, NULL, 0, 10, NULL, "reals", NULL},
};

static int fuzz_run(pv_ctx *ctx, const pv_args *a) { (void)ctx; (void)a; return 0; }

static const pv_verb fuzz_verbs[] = {
    {"go", "go", fuzz_params, sizeof fuzz_params / sizeof *fuzz_params, sizeof(pv_param), fuzz_run, NULL},
    {"other", "other", fuzz_params, 3, sizeof(pv_param), fuzz_run, NULL},
};

static const pv_plugin_descriptor fuzz_desc = {PV_PLUGIN_ABI_VERSION, sizeof(pv_plugin_descriptor), "fz", "0",
                                               "fuzz", fuzz_verbs, 2, sizeof(pv_verb), NULL, {0}};
#endif
