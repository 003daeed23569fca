/* hsi-pansharpen: fuse a low-resolution multispectral cube with a
 * panchromatic band. `run` writes the fused, georeferenced cube with
 * quicklooks and full-resolution indexes; `assess` scores methods by
 * Wald's reduced-resolution protocol and the full-resolution indexes. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "psh.h"

#define APP "hsi-pansharpen"

#define COMMON_PARAMS                                                                                               \
  {"ms", PV_PARAM_PATH, PV_ROLE_INPUT, 0, NULL, 0, 0, NULL,                                                         \
   "low-resolution multispectral cube (raster, .mat or .npy), or a .txt list of one-band files", NULL},                                    \
      {"pan", PV_PARAM_PATH, PV_ROLE_INPUT, 0, NULL, 0, 0, NULL, "panchromatic band (raster or .mat)", NULL},       \
      {"ratio", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_HAS_MIN | PV_PARAM_HAS_MAX, "0", 0, PV_PSH_MAX_RATIO, NULL,  \
       "PAN/MS resolution ratio; 0: from the georeferencing or the sizes (a .mat PAN needs it)", NULL},             \
      {"sensor", PV_PARAM_CHOICE, PV_ROLE_OPTION, 0, "none", 0, 0, "QB|IKONOS|GeoEye1|WV2|WV3|WV4|PRISMA|none",     \
       "sensor whose MTF gains at Nyquist shape the filters (none: 0.29 MS, 0.15 PAN)", NULL},                \
      {"gains", PV_PARAM_REAL_LIST, PV_ROLE_OPTION, PV_PARAM_HAS_MIN | PV_PARAM_HAS_MAX, NULL, 1e-6, 0.999999,      \
       NULL, "MS MTF gains at Nyquist, one per band (override --sensor)", NULL},                                    \
      {"pan-gain", PV_PARAM_REAL, PV_ROLE_OPTION, PV_PARAM_HAS_MIN | PV_PARAM_HAS_MAX, NULL, 1e-6, 0.999999, NULL,  \
       "PAN MTF gain at Nyquist (overrides --sensor)", NULL},                                                       \
      {"weights", PV_PARAM_REAL_LIST, PV_ROLE_OPTION, 0, NULL, 0, 0, NULL,                                          \
       "Brovey pseudo-PAN weights, one per band (default 1/bands)", NULL},                                          \
      {"block", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_HAS_MIN, "32", 8, 0, NULL,                                   \
       "Q2n / UIQI tile size in pixels (the toolbox's 32)", NULL},                                                  \
      {"ms-var", PV_PARAM_STRING, PV_ROLE_OPTION, 0, "I_MS_LR", 0, 0, NULL, ".mat MS: variable name", NULL},        \
      {"pan-var", PV_PARAM_STRING, PV_ROLE_OPTION, 0, "I_PAN", 0, 0, NULL, ".mat PAN: variable name", NULL}

static const pv_param run_params[] = {
    COMMON_PARAMS,
    {"fused", PV_PARAM_PATH, PV_ROLE_OUTPUT, 0, NULL, 0, 0, NULL,
     "fused cube, float32 (.tif: GeoTIFF, else ENVI), georeferenced like the PAN", NULL},
    {"report", PV_PARAM_PATH, PV_ROLE_OUTPUT, PV_PARAM_OPTIONAL | PV_PARAM_DIR, NULL, 0, 0, NULL,
     "folder for pan.png, ms.png, fused.png and indexes.json", NULL},
    {"method", PV_PARAM_CHOICE, PV_ROLE_OPTION, 0, "glp", 0, 0, "exp|brovey|gihs|pca|gs|gsa|hpf|atwt|glp|glp-hpm|bdsd|awlp|glp-fs",
     "fusion method (glp: MTF-GLP; gsa: adaptive Gram-Schmidt; brovey: GDAL's weighted Brovey)", NULL},
    {"assess", PV_PARAM_FLAG, PV_ROLE_OPTION, 0, "true", 0, 0, NULL,
     "compute the full-resolution indexes (D_lambda, D_S, QNR) into the report", NULL},
    {"rgb", PV_PARAM_INT_LIST, PV_ROLE_OPTION, PV_PARAM_HAS_MIN, NULL, 1, 0, NULL,
     "three 1-based bands for the colour quicklooks", NULL},
};
#define N_RUN (sizeof run_params / sizeof run_params[0])

static int run(pv_ctx *ctx, const pv_args *args) {
  psh_job j;
  memset(&j, 0, sizeof j);
  j.ctx = ctx, j.args = args;
  j.ms_path = pv_args_string(args, "ms"), j.pan_path = pv_args_string(args, "pan");
  const char *out = pv_args_string(args, "fused"), *report = pv_args_string(args, "report");
  pv_provenance *prov = NULL;
  double *fused = NULL;
  int rc = pv_provenance_from_args(ctx, APP, "run", run_params, N_RUN, args, &prov);
  if (!rc) rc = psh_load(&j, 1);
  if (!rc) rc = psh_run(&j, out, prov, &fused);
  if (!rc && report) rc = psh_report(&j, report, fused, prov);
  if (!rc)
    pv_log(ctx, PV_LOG_INFO, "psh", "%s: %zu bands, %zu x %zu, ratio %d, %.2f s (%s)", pv_psh_method_name(j.opt.method),
           j.bands, j.w, j.h, j.ratio, j.seconds, j.streamed ? "streamed" : "in memory");
  pv_free(fused);
  pv_provenance_destroy(&prov);
  psh_job_free(&j);
  return rc;
}

static const pv_param assess_params[] = {
    COMMON_PARAMS,
    {"indexes", PV_PARAM_PATH, PV_ROLE_OUTPUT, 0, NULL, 0, 0, NULL, "JSON with the scores of every method", NULL},
    {"methods", PV_PARAM_STRING, PV_ROLE_OPTION, 0, "all", 0, 0, NULL,
     "comma-separated methods to score, or all", NULL},
    {"cut", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_HAS_MIN, "0", 0, 0, NULL,
     "border pixels cut before the reduced-resolution scores (the toolbox's dim_cut)", NULL},
};
#define N_ASSESS (sizeof assess_params / sizeof assess_params[0])

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Wald's protocol needs the MS to be a multiple of the ratio: crop the
 * bottom/right remainder (copies). */
static int wald_inputs(psh_job *j, double **ms, double **pan, size_t *wc, size_t *hc) {
  size_t r = (size_t)j->ratio;
  *wc = j->wl / r * r, *hc = j->hl / r * r;
  if (*wc < 2 * r || *hc < 2 * r) return PV_ERROR(PV_EINVAL, "%s: %zu x %zu MS too small for Wald's protocol", j->ms_path, j->wl, j->hl);
  *ms = pv_malloc(j->bands * *wc * *hc * sizeof **ms);
  *pan = pv_malloc(*wc * *hc * r * r * sizeof **pan);
  if (!*ms || !*pan) return PV_ERROR(PV_ENOMEM, "Wald protocol inputs");
  const double *m = j->ms.data, *p = j->pan.data;
  for (size_t b = 0; b < j->bands; b++)
    for (size_t y = 0; y < *hc; y++) memcpy(*ms + (b * *hc + y) * *wc, m + (b * j->hl + y) * j->wl, *wc * sizeof **ms);
  for (size_t y = 0; y < *hc * r; y++) memcpy(*pan + y * *wc * r, p + y * j->w, *wc * r * sizeof **pan);
  if (*wc != j->wl || *hc != j->hl)
    pv_log(j->ctx, PV_LOG_WARN, "psh", "Wald protocol on the top-left %zu x %zu MS pixels (multiple of %zu)", *wc, *hc, r);
  return PV_OK;
}

static int assess_method(psh_job *j, pv_psh_method m, const double *msw, const double *panw, size_t wc, size_t hc,
                         double *fused, pv_json *js) {
  pv_psh_options o = j->opt;
  o.method = m;
  pv_psh_rr_scores rr;
  pv_psh_fr_scores fr;
  double t0 = now();
  int rc = pv_psh_wald(j->ctx, &o, j->bands, wc, hc, msw, panw, (size_t)pv_args_int(j->args, "cut"),
                       (size_t)pv_args_int(j->args, "block"), &rr, NULL);
  double t1 = now();
  if (!rc) rc = pv_psh_fuse(j->ctx, &o, j->bands, j->wl, j->hl, j->ms.data, j->pan.data, fused);
  double t2 = now();
  if (!rc)
    rc = pv_psh_fr_assess(j->ratio, j->bands, j->wl, j->hl, j->ms.data, j->pan.data, fused, j->gnyq_ms, j->gnyq_pan,
                          (size_t)pv_args_int(j->args, "block"), 1.0, &fr);
  if (rc == PV_EINVAL) { /* this method cannot run on these inputs: say so, score the others */
    pv_log(j->ctx, PV_LOG_WARN, "psh", "%s: %s", pv_psh_method_name(m), pv_error_message());
    pv_json_key(js, pv_psh_method_name(m));
    pv_json_object_begin(js);
    pv_json_kv_string(js, "error", pv_error_message());
    pv_json_object_end(js);
    pv_error_clear();
    return PV_OK;
  }
  if (rc) return rc;
  pv_json_key(js, pv_psh_method_name(m));
  pv_json_object_begin(js);
  pv_json_key(js, "reduced_resolution");
  pv_json_object_begin(js);
  pv_json_kv_number(js, "ergas", rr.ergas);
  pv_json_kv_number(js, "sam_deg", rr.sam_deg);
  pv_json_kv_number(js, "q2n", rr.q2n);
  pv_json_kv_number(js, "q", rr.q);
  pv_json_kv_number(js, "scc", rr.scc);
  pv_json_kv_number(js, "seconds", t1 - t0);
  pv_json_object_end(js);
  pv_json_key(js, "full_resolution");
  psh_json_fr(js, &fr);
  pv_json_kv_number(js, "seconds_full_resolution_fusion", t2 - t1);
  pv_json_object_end(js);
  pv_log(j->ctx, PV_LOG_INFO, "psh", "%-8s ERGAS %.4f SAM %.4f Q2n %.4f SCC %.4f | D_lambda %.4f D_S %.4f QNR %.4f",
         pv_psh_method_name(m), rr.ergas, rr.sam_deg, rr.q2n, rr.scc, fr.d_lambda, fr.d_s, fr.qnr);
  return PV_OK;
}

static int assess(pv_ctx *ctx, const pv_args *args) {
  psh_job j;
  memset(&j, 0, sizeof j);
  j.ctx = ctx, j.args = args;
  j.ms_path = pv_args_string(args, "ms"), j.pan_path = pv_args_string(args, "pan");
  pv_provenance *prov = NULL;
  pv_psh_method m[PV_PSH_METHOD_COUNT];
  int nm = 0;
  double *msw = NULL, *panw = NULL, *fused = NULL;
  size_t wc = 0, hc = 0;
  pv_json *js = NULL;
  int rc = psh_methods(pv_args_string(args, "methods"), m, PV_PSH_METHOD_COUNT, &nm);
  if (!rc) rc = pv_provenance_from_args(ctx, APP, "assess", assess_params, N_ASSESS, args, &prov);
  if (!rc) rc = psh_load(&j, 0);
  if (!rc) rc = wald_inputs(&j, &msw, &panw, &wc, &hc);
  if (!rc && !(fused = pv_malloc(j.bands * j.w * j.h * sizeof *fused))) rc = PV_ERROR(PV_ENOMEM, "fused cube");
  if (!rc) rc = pv_json_create(2, &js);
  if (!rc) {
    pv_json_object_begin(js);
    pv_json_kv_string(js, "ms", j.ms_path);
    pv_json_kv_string(js, "pan", j.pan_path);
    pv_json_kv_int(js, "ratio", j.ratio);
    pv_json_kv_int(js, "bands", (int64_t)j.bands);
    pv_json_kv_string(js, "sensor", pv_args_string(args, "sensor"));
    pv_json_key(js, "mtf_gains_ms");
    pv_json_numbers(js, j.gnyq_ms, j.bands);
    pv_json_kv_number(js, "mtf_gain_pan", j.gnyq_pan);
    pv_json_key(js, "methods");
    pv_json_object_begin(js);
    for (int i = 0; !rc && i < nm; i++) rc = assess_method(&j, m[i], msw, panw, wc, hc, fused, js);
    pv_json_object_end(js);
    pv_json_key(js, "provenance");
    if (!rc) rc = pv_provenance_to_json(prov, js);
    pv_json_object_end(js);
  }
  if (!rc) rc = pv_json_write_file(js, pv_args_string(args, "indexes"), pv_args_overwrite(args));
  pv_json_destroy(&js);
  pv_free(msw), pv_free(panw), pv_free(fused);
  pv_provenance_destroy(&prov);
  psh_job_free(&j);
  return rc;
}

static const pv_verb verbs[] = {
    {"run", "fuse MS and PAN into a high-resolution cube, with quicklooks and indexes", run_params, N_RUN,
     sizeof(pv_param), run,
     "Aligns PAN and MS from their georeferencing (or sizes), interpolates the MS with the toolbox's 23-tap "
     "interpolator and injects PAN detail by the chosen method: component substitution (brovey, gihs, pca, gs, "
     "gsa, bdsd) or multiresolution analysis (hpf, atwt, awlp, glp, glp-hpm, glp-fs with MTF-matched Gaussian filters from --sensor or "
     "--gains). NaN and no-data pixels of either input become no-data in the output. Brovey, glp and glp-hpm on a "
     "PAN larger than half the RAM budget are streamed strip by strip (then the report has no full-resolution "
     "indexes); the other methods work in memory."},
    {"assess", "score methods by Wald's protocol and the full-resolution indexes", assess_params, N_ASSESS,
     sizeof(pv_param), assess,
     "Reduced resolution: MS and PAN are blurred with MTF-matched filters and decimated by the ratio, fused, and "
     "compared with the original MS (ERGAS, SAM in degrees, Q2n, Q, SCC). Full resolution: D_lambda (Khan), D_S, "
     "QNR and the regression D_S of each method's fused cube. One JSON object per method."},
};

static const char *const demos[] = {
    "run --method=glp {data}/pansharpen/ms.tif {data}/pansharpen/pan.tif {out}/fused-glp.tif {out}/report",
    "assess --methods=exp,brovey,gihs,gsa,glp {data}/pansharpen/ms.tif {data}/pansharpen/pan.tif {out}/indexes.json",
    NULL};

static const pv_plugin_descriptor descriptor = {
    PV_PLUGIN_ABI_VERSION, sizeof(pv_plugin_descriptor), APP, "1.0",
    "pansharpening: CS and MRA methods, Wald's protocol, ERGAS / SAM / Q2n / SCC / QNR",
    verbs, 2, sizeof(pv_verb), demos, {0}};

PV_PLUGIN_DEFINE(descriptor)
