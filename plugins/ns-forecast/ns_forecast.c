/* ns-forecast: 2D Navier-Stokes data for neural-operator forecasting.
 * `simulate` solves batches of FNO-benchmark samples into an HDF5 dataset
 * (layout: parseval/ns.h and README.md), with PNG snapshots and a JSON
 * summary; `export` writes a dataset as float32 .npy [N, X, Y, T]. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <parseval/parseval.h>
#include <parseval/json.h>
#include <parseval/ns.h>
#include <parseval/provenance.h>

#include "ns_diagnose.h"
#include "ns_nn.h"
#include "ns_png.h"
#include "ns_summary.h"

#define NS_VERSION "1.0"
#define OPT(name, type, def, lo, hi, help)                                                    \
  { name, type, PV_ROLE_OPTION, PV_PARAM_HAS_MIN | PV_PARAM_HAS_MAX, def, lo, hi, NULL, help, NULL }

static const pv_param sim_params[] = {
    {"output", PV_PARAM_PATH, PV_ROLE_OUTPUT, 0, NULL, 0, 0, NULL, "HDF5 dataset to write (resumes OUTPUT.partial)", NULL},
    OPT("n", PV_PARAM_INT, "256", 4, 65536, "grid points per axis of the solve (even)"),
    OPT("stride", PV_PARAM_INT, "4", 1, 65536, "record every stride-th point (256 / 4 = the published 64 x 64)"),
    OPT("samples", PV_PARAM_INT, "1", 1, 1e9, "number of samples (initial GRF fields)"),
    OPT("nt", PV_PARAM_INT, "50", 1, 1e9, "recorded intervals: snapshots at t = 0, dt-record, ..., nt dt-record"),
    {"dt-record", PV_PARAM_REAL, PV_ROLE_OPTION, PV_PARAM_HAS_MIN, "1", 1e-12, 0, NULL, "time between snapshots", "time"},
    {"warmup", PV_PARAM_REAL, PV_ROLE_OPTION, PV_PARAM_HAS_MIN, "0", 0, 0, NULL, "time simulated and discarded before t = 0", "time"},
    {"nu", PV_PARAM_REAL, PV_ROLE_OPTION, PV_PARAM_HAS_MIN, "1e-3", 0, 0, NULL, "viscosity", NULL},
    {"dt", PV_PARAM_REAL, PV_ROLE_OPTION, PV_PARAM_HAS_MIN, "1e-4", 0, 0, NULL, "fixed time step; 0 = CFL-chosen", "time"},
    OPT("cfl", PV_PARAM_REAL, "0.5", 1e-6, 10, "Courant number when dt = 0"),
    {"dt-max", PV_PARAM_REAL, PV_ROLE_OPTION, PV_PARAM_HAS_MIN, "0.01", 1e-12, 0, NULL, "largest CFL-chosen step", "time"},
    {"scheme", PV_PARAM_CHOICE, PV_ROLE_OPTION, 0, "fno", 0, 0, "fno|cnab2|ifrk4", "time scheme: FNO reference (CN + Euler), CN-AB2, integrating-factor RK4", NULL},
    {"precision", PV_PARAM_CHOICE, PV_ROLE_OPTION, 0, "f64", 0, 0, "f64|f32", "arithmetic and stored precision", NULL},
    {"forcing", PV_PARAM_CHOICE, PV_ROLE_OPTION, 0, "fno", 0, 0, "fno|none", "fno: 0.1 (sin 2pi(x+y) + cos 2pi(x+y))", NULL},
    OPT("batch", PV_PARAM_INT, "1", 1, 4096, "samples solved together (threads work on fields of a batch)"),
    {"reproducible", PV_PARAM_FLAG, PV_ROLE_OPTION, 0, "false", 0, 0, NULL, "plan FFTs with ESTIMATE so reruns give identical bits", NULL},
    {"png", PV_PARAM_PATH, PV_ROLE_OPTION, PV_PARAM_DIR, NULL, 0, 0, NULL, "folder for PNG vorticity snapshots of sample 0", NULL},
    {"summary", PV_PARAM_PATH, PV_ROLE_OPTION, 0, NULL, 0, 0, NULL, "JSON summary: energy and enstrophy over time", NULL},
    {"estimate-error", PV_PARAM_FLAG, PV_ROLE_OPTION, 0, "false", 0, 0, NULL, "re-solve sample 0 with the step halved and report the difference", NULL},
    {"mpi", PV_PARAM_FLAG, PV_ROLE_OPTION, 0, "false", 0, 0, NULL, "under mpirun: split every field over the ranks (fftw3-mpi slabs) and solve the samples in turn, instead of dealing samples to ranks", NULL},
};
#define N_SIM (sizeof sim_params / sizeof sim_params[0])

static const pv_param exp_params[] = {
    {"input", PV_PARAM_PATH, PV_ROLE_INPUT, 0, NULL, 0, 0, NULL, "HDF5 dataset written by simulate", NULL},
    {"output", PV_PARAM_PATH, PV_ROLE_OUTPUT, 0, NULL, 0, 0, NULL, "float32 .npy [N, X, Y, T]", NULL},
    OPT("t-begin", PV_PARAM_INT, "0", 0, 1e9, "first time slice exported (1 skips the initial field, as FNO's .mat)"),
    OPT("t-end", PV_PARAM_INT, "0", 0, 1e9, "one past the last time slice (0 = all)"),
};
#define N_EXP (sizeof exp_params / sizeof exp_params[0])

static int fill_options(pv_ctx *ctx, const pv_args *a, pv_ns_dataset_options *o) {
  pv_ns_options *s = &o->solver;
  s->n = (int)pv_args_int(a, "n");
  s->nu = pv_args_real(a, "nu");
  s->dt = pv_args_real(a, "dt");
  s->cfl = pv_args_real(a, "cfl");
  s->dt_max = pv_args_real(a, "dt-max");
  int rc = pv_ns_scheme_parse(pv_args_string(a, "scheme"), &s->scheme);
  s->precision = strcmp(pv_args_string(a, "precision"), "f32") == 0 ? PV_F32 : PV_F64;
  s->forcing = strcmp(pv_args_string(a, "forcing"), "none") == 0 ? PV_NS_FORCING_NONE : PV_NS_FORCING_FNO;
  s->rigor = pv_args_flag(a, "reproducible") ? PV_FFT_ESTIMATE : PV_FFT_MEASURE;
  o->stride = (int)pv_args_int(a, "stride");
  o->samples = (int)pv_args_int(a, "samples");
  o->nt = (int)pv_args_int(a, "nt");
  o->dt_record = pv_args_real(a, "dt-record");
  o->warmup = pv_args_real(a, "warmup");
  o->batch = (int)pv_args_int(a, "batch");
  o->seed = pv_ctx_seed(ctx);
  o->distributed = pv_args_flag(a, "mpi");
  return rc;
}

static int check_side_outputs(const pv_args *a) {
  int ow = pv_args_overwrite(a), rc = PV_OK;
  if (pv_args_has(a, "summary")) rc = pv_output_check(pv_args_string(a, "summary"), ow);
  if (!rc && pv_args_has(a, "png")) {
    const char *d = pv_args_string(a, "png");
    struct stat st;
    if (stat(d, &st) != 0 && mkdir(d, 0777) != 0)
      rc = PV_ERROR(PV_EIO, "cannot create the PNG folder %s", d);
    else if (stat(d, &st) == 0 && !S_ISDIR(st.st_mode))
      rc = PV_ERROR(PV_EINVAL, "--png=%s is not a folder", d);
  }
  return rc;
}

/* PNG snapshots of sample 0: at most 11 evenly spaced recorded times. */
static int write_pngs(const char *file, const char *dir, int overwrite, double dt_rec,
                      const pv_provenance *prov) {
  pv_ns_dataset_info info = {sizeof info, 0, 0, 0, 0, PV_U8};
  int rc = pv_ns_dataset_info_read(file, &info);
  if (rc) return rc;
  size_t rr = (size_t)info.res * (size_t)info.res;
  double *w = malloc(sizeof(double) * rr * (size_t)info.times), vmax = 0;
  if (!w) return PV_ERROR(PV_ENOMEM, "PNG snapshots");
  rc = pv_ns_dataset_read_sample(file, 0, w);
  for (size_t i = 0; !rc && i < rr * (size_t)info.times; i++) vmax = fmax(vmax, fabs(w[i]));
  int nimg = info.times < 11 ? info.times : 11;
  for (int k = 0; k < nimg && !rc; k++) {
    int t = nimg == 1 ? 0 : (int)lround((double)k * (info.times - 1) / (nimg - 1));
    char path[4096], title[64];
    snprintf(path, sizeof path, "%s/vorticity_t%04d.png", dir, t);
    snprintf(title, sizeof title, "vorticity, t = %g", t * dt_rec);
    rc = ns_png_write(path, overwrite, w + (size_t)t * rr, info.res, vmax, title, prov);
  }
  free(w);
  return rc;
}

/* Re-solve sample 0 with the step halved; relative L2 difference over t >= 1. */
static int estimate_error(pv_ctx *ctx, const char *file, const pv_ns_dataset_options *o,
                          ns_error_estimate *e) {
  pv_ns_dataset_options h = *o;
  h.samples = 1;
  h.batch = 1;
  h.sample_begin = h.sample_end = 0;
  h.provenance_json = NULL;
  if (h.solver.dt > 0) h.solver.dt *= 0.5;
  else h.solver.cfl *= 0.5, h.solver.dt_max *= 0.5;
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.halfstep.h5", file);
  remove(tmp);
  pv_ns_dataset_options one = *o;
  one.samples = 1;
  one.batch = 1;
  one.provenance_json = NULL;
  char tmp1[4096];
  snprintf(tmp1, sizeof tmp1, "%s.fullstep.h5", file);
  remove(tmp1);
  int rc = pv_ns_dataset_generate(ctx, tmp, 1, &h);
  if (!rc) rc = pv_ns_dataset_generate(ctx, tmp1, 1, &one);
  if (!rc) rc = ns_summary_compare(tmp1, tmp, e);
  remove(tmp);
  remove(tmp1);
  int p = o->solver.scheme == PV_NS_SCHEME_FNO ? 1 : o->solver.scheme == PV_NS_SCHEME_CNAB2 ? 2 : 4;
  e->order = p;
  e->richardson = e->diff * pow(2.0, p) / (pow(2.0, p) - 1.0);
  return rc;
}

static int run_simulate(pv_ctx *ctx, const pv_args *a) {
  pv_ns_dataset_options o = PV_NS_DATASET_OPTIONS_INIT;
  int rc = fill_options(ctx, a, &o);
  if (!rc) rc = check_side_outputs(a);
  if (rc) return rc;
  pv_provenance *prov = NULL;
  char *pj = NULL;
  rc = pv_provenance_from_args(ctx, "ns-forecast", "simulate", sim_params, N_SIM, a, &prov);
  if (!rc) rc = pv_provenance_json_text(prov, &pj);
  o.provenance_json = pj;
  const char *out = pv_args_string(a, "output");
  if (!rc) rc = pv_ns_dataset_generate(ctx, out, pv_args_overwrite(a), &o);
  int root = pv_ctx_rank(ctx) == 0;
  if (!rc && root && pv_args_has(a, "png"))
    rc = write_pngs(out, pv_args_string(a, "png"), pv_args_overwrite(a), o.dt_record, prov);
  ns_error_estimate est = {0, 0, 0};
  int want_est = pv_args_flag(a, "estimate-error");
  if (!rc && root && want_est) rc = estimate_error(ctx, out, &o, &est);
  if (!rc && root && pv_args_has(a, "summary"))
    rc = ns_summary_write(out, pv_args_string(a, "summary"), pv_args_overwrite(a), &o,
                          want_est ? &est : NULL, pj);
  pv_free(pj);
  pv_provenance_destroy(&prov);
  return rc;
}

static int run_export(pv_ctx *ctx, const pv_args *a) {
  if (pv_ctx_rank(ctx) != 0) return PV_OK;
  pv_provenance *prov = NULL;
  int rc = pv_provenance_from_args(ctx, "ns-forecast", "export", exp_params, N_EXP, a, &prov);
  if (!rc)
    rc = pv_ns_dataset_export_npy(ctx, pv_args_string(a, "input"), pv_args_string(a, "output"),
                                  pv_args_overwrite(a), (int)pv_args_int(a, "t-begin"),
                                  (int)pv_args_int(a, "t-end"), prov);
  pv_provenance_destroy(&prov);
  return rc;
}

static const pv_verb verbs[] = {
    {"simulate", "solve FNO-benchmark Navier-Stokes samples into an HDF5 dataset", sim_params,
     N_SIM, sizeof(pv_param), run_simulate,
     "2D vorticity on the periodic unit square, pseudo-spectral with the 2/3 rule; initial fields "
     "from the FNO Gaussian random field (alpha 2.5, tau 7), sample i drawn with seed --seed + i. "
     "An interrupted run resumes from OUTPUT.partial without recomputing finished samples. Under "
     "mpirun the samples are split over ranks."},
    {"export", "write a dataset as float32 .npy [N, X, Y, T] for Python tools", exp_params, N_EXP,
     sizeof(pv_param), run_export, NULL},
    NS_NN_VERBS,
    NS_DIAGNOSE_VERB,
};

static const char *const demos[] = {
    "simulate --n=64 --stride=1 --samples=2 --nt=10 --dt=1e-3 --batch=2 --reproducible "
    "--png={out}/png --summary={out}/summary.json --estimate-error {out}/ns_demo.h5",
    "export {out}/ns_demo.h5 {out}/ns_demo.npy",
    NULL};

static const pv_plugin_descriptor desc = {
    PV_PLUGIN_ABI_VERSION, sizeof(pv_plugin_descriptor), "ns-forecast", NS_VERSION,
    "2D Navier-Stokes data for neural-operator forecasting (FNO benchmark)", verbs,
    (uint32_t)(sizeof verbs / sizeof *verbs),
    sizeof(pv_verb), demos, {0}};

PV_PLUGIN_DEFINE(desc)
