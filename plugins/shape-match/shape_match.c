/* shape-match: dense correspondence between two triangle meshes or point clouds (source Y
 * -> target X) by functional maps: LB eigenbases, WKS/HKS descriptors, a
 * least-squares functional map, ZoomOut and optional entropic-OT
 * refinement. Outputs the point map (one index per line, .vts style), and
 * on request the functional map, errors against ground truth (JSON), a
 * colour-transfer PLY pair and a PNG rendering. `batch` runs a list. */
#include "match.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define SHAPE_MATCH_VERSION "1.0"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void options_from_args(const pv_args *a, pv_shape_match_options *o) {
  pv_shape_match_options_init(o);
  o->k_basis = (int)pv_args_int(a, "k");
  o->descr = !strcmp(pv_args_string(a, "descr"), "hks");
  o->n_descr = (int)pv_args_int(a, "n-descr");
  o->k_descr = o->k_basis;
  o->fmap.k_x = o->fmap.k_y = (int)pv_args_int(a, "k-fmap");
  o->fmap.w_orient = pv_args_real(a, "orient");
  int kf = (int)pv_args_int(a, "zoomout");
  o->zoomout = kf > 0;
  o->zo.k_init = o->fmap.k_x;
  o->zo.k_final = kf > 0 ? kf : o->fmap.k_x;
  o->zo.step = (int)pv_args_int(a, "zoomout-step");
  o->zo.samples = pv_args_int(a, "samples");
  o->zo.target_samples = pv_args_int(a, "target-samples");
  o->ot = pv_args_flag(a, "ot");
  o->ot_opt.k = o->zo.k_final < 100 ? o->zo.k_final : 100;
  o->robust = !strcmp(pv_args_string(a, "laplacian"), "robust");
  o->sw = (int)pv_args_int(a, "sw");
}

static int check_options(const pv_shape_match_options *o) {
  if (o->fmap.k_x > o->k_basis || o->zo.k_final > o->k_basis)
    return PV_ERROR(PV_EINVAL, "--k-fmap (%d) and --zoomout (%d) must not exceed --k (%d)", o->fmap.k_x, o->zo.k_final,
                    o->k_basis);
  if (o->sw && !o->zoomout) return PV_ERROR(PV_EINVAL, "--sw=%d needs ZoomOut (--zoomout > 0)", o->sw);
  return 0;
}

typedef struct {
  const char *src, *tgt, *gt_src, *gt_tgt, *gt_tgt_sym;
  const char *map, *fmap, *colored, *png;
  int zero_based, overwrite, pointcloud;
} sm_job;

/* Point clouds: both shapes are matched as clouds when either is one (one
 * kind of Laplacian for both bases), with the point-cloud robust Laplacian
 * and without the orientation term, which needs faces. */
static int load_pair(pv_ctx *ctx, const sm_job *job, pv_shape_match_options *o, sm_mesh *x, sm_mesh *y) {
  int rc = sm_mesh_load(ctx, job->tgt, job->pointcloud, x);
  if (!rc) rc = sm_mesh_load(ctx, job->src, job->pointcloud || x->m->nf == 0, y);
  if (!rc && x->m->nf && !y->m->nf) {
    sm_mesh_free(x);
    rc = sm_mesh_load(ctx, job->tgt, 1, x);
  }
  if (rc || x->m->nf) return rc;
  if (job->png && (!x->orig->nf || !y->orig->nf))
    rc = PV_ERROR(PV_EINVAL, "--png renders faces: %s has none", x->orig->nf ? job->src : job->tgt);
  if (!rc && !o->robust)
    rc = PV_ERROR(PV_EINVAL, "--laplacian=cotan needs faces; point clouds take the robust point-cloud Laplacian "
                             "(--laplacian=robust)");
  if (!rc && o->fmap.w_orient > 0) {
    pv_log(ctx, PV_LOG_WARN, "shape", "point clouds: the orientation term (--orient=%g) needs faces and is switched "
           "off; symmetric flips become more likely (pass --gt-target-sym to detect them)", o->fmap.w_orient);
    o->fmap.w_orient = 0;
  }
  if (!rc) pv_log(ctx, PV_LOG_INFO, "shape", "matching as point clouds (%lld and %lld points)", (long long)y->m->nv,
                  (long long)x->m->nv);
  return rc;
}

/* Match one pair; metrics go into j (an open object) when given. */
static int match_pair(pv_ctx *ctx, const pv_shape_match_options *opt, const sm_job *job, pv_json *j,
                      double *err_out) {
  sm_mesh x = {0}, y = {0};
  pv_shape_match_options oc = *opt, *o = &oc;
  pv_shape_match_result *r = NULL;
  int64_t *To = NULL;
  double t0 = now(), err = NAN, err_sym = NAN;
  int rc = load_pair(ctx, job, o, &x, &y);
  if (!rc && !(rc = pv_shape_match(ctx, x.m, y.m, o, &r))) {
    To = pv_malloc((size_t)y.orig->nv * sizeof *To);
    rc = To ? sm_map_original(&x, &y, r->T, To) : PV_ENOMEM;
  }
  double seconds = now() - t0;
  if (!rc) rc = sm_write_map(job->map, To, y.orig->nv, job->zero_based, job->overwrite);
  if (!rc && job->fmap) rc = sm_write_fmap(job->fmap, r->C, r->kc, job->overwrite);
  if (!rc && (job->colored || job->png)) rc = sm_write_pictures(&x, &y, To, job->colored, job->png, job->overwrite);
  if (!rc) rc = sm_errors(ctx, &x, &y, To, job->gt_src, job->gt_tgt, job->gt_tgt_sym, &err, &err_sym);
  if (!rc && j) {
    pv_json_kv_string(j, "source", job->src);
    pv_json_kv_string(j, "target", job->tgt);
    pv_json_kv_int(j, "source_vertices", y.orig->nv);
    pv_json_kv_int(j, "target_vertices", x.orig->nv);
    pv_json_kv_number(j, "seconds_total", seconds);
    pv_json_kv_number(j, "seconds_basis", r->seconds_basis);
    pv_json_kv_number(j, "seconds_descriptors", r->seconds_descr);
    pv_json_kv_number(j, "seconds_fmap", r->seconds_fmap);
    pv_json_kv_number(j, "seconds_zoomout", r->seconds_zoomout);
    pv_json_kv_number(j, "seconds_ot", r->seconds_ot);
    pv_json_kv_number(j, "seconds_sw", r->seconds_sw);
    pv_json_key(j, "point_clouds");
    pv_json_bool(j, x.m->nf == 0);
    pv_json_kv_number(j, "orientation_weight", o->fmap.w_orient);
    pv_json_kv_number(j, "geodesic_error_x100", err);
    pv_json_kv_number(j, "geodesic_error_sym_x100", err_sym);
    pv_json_key(j, "flipped");
    if (isnan(err_sym)) pv_json_null(j); else pv_json_bool(j, err_sym < err);
    pv_json_kv_string(j, "error_definition",
                      x.orig->nf ? "mean over ground-truth pairs of heat-method geodesic distance on the target (its "
                                   "faces) between true and mapped vertex, / sqrt(target area), x100"
                                 : "mean over ground-truth pairs of the shortest-path distance on the target's "
                                   "symmetrised 10-NN graph (Dijkstra) between true and mapped point, / sqrt(target "
                                   "area from the point-cloud Laplacian's mass), x100");
  }
  if (err_out) *err_out = err;
  if (!rc && !isnan(err))
    pv_log(ctx, PV_LOG_INFO, "shape", "%s -> %s: geodesic error x100 %.3f%s", job->src, job->tgt, err,
           !isnan(err_sym) && err_sym < err ? " (symmetric flip: closer to the mirrored truth)" : "");
  pv_free(To);
  pv_shape_match_result_destroy(&r);
  sm_mesh_free(&x);
  sm_mesh_free(&y);
  return rc;
}

static int write_metrics(pv_ctx *ctx, const pv_args *a, const char *verb, const pv_param *params, size_t np,
                         pv_json *j, const char *path) {
  pv_provenance *prov = NULL;
  int rc = pv_provenance_from_args(ctx, "shape-match", verb, params, np, a, &prov);
  if (!rc) {
    pv_json_key(j, "provenance");
    rc = pv_provenance_to_json(prov, j);
  }
  if (!rc) rc = pv_json_object_end(j);
  if (!rc) rc = pv_json_write_file(j, path, pv_args_overwrite(a));
  pv_provenance_destroy(&prov);
  return rc;
}

#define COMMON_OPTIONS                                                                                             \
  {"k", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_HAS_MIN | PV_PARAM_HAS_MAX, "200", 10, 300, NULL,                   \
   "Laplace-Beltrami eigenpairs per shape", NULL},                                                                 \
  {"laplacian", PV_PARAM_CHOICE, PV_ROLE_OPTION, 0, "robust", 0, 0, "cotan|robust",                                \
   "operator: cotangent, or the robust (tufted intrinsic Delaunay) Laplacian for non-manifold or poor meshes", NULL}, \
  {"descr", PV_PARAM_CHOICE, PV_ROLE_OPTION, 0, "wks", 0, 0, "wks|hks", "descriptor: wave or heat kernel signature", NULL}, \
  {"n-descr", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_HAS_MIN | PV_PARAM_HAS_MAX, "100", 2, 512, NULL,              \
   "descriptor energies / times", NULL},                                                                           \
  {"k-fmap", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_HAS_MIN | PV_PARAM_HAS_MAX, "35", 2, 300, NULL,                \
   "size of the initial functional map (ZoomOut starts here; ~20+ avoids symmetric flips)", NULL},                 \
  {"orient", PV_PARAM_REAL, PV_ROLE_OPTION, PV_PARAM_HAS_MIN, "0.1", 0, 0, NULL,                                     \
   "weight of the orientation-preserving term (0: off)", NULL},                                                    \
  {"zoomout", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_HAS_MIN | PV_PARAM_HAS_MAX, "195", 0, 300, NULL,              \
   "final ZoomOut size (0: no ZoomOut)", NULL},                                                                    \
  {"zoomout-step", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_HAS_MIN | PV_PARAM_HAS_MAX, "5", 1, 100, NULL,          \
   "ZoomOut size increment", NULL},                                                                                \
  {"samples", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_HAS_MIN, "1000", 0, 0, NULL,                                  \
   "farthest-point samples of the source while ZoomOut iterates (0: all)", "vertices"},                            \
  {"target-samples", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_HAS_MIN, "1000", 0, 0, NULL,                           \
   "farthest-point samples of the target they may map to while iterating (0: all)", "vertices"},                   \
  {"ot", PV_PARAM_FLAG, PV_ROLE_OPTION, 0, "false", 0, 0, NULL,                                                    \
   "refine by entropic optimal transport (log-domain Sinkhorn) after ZoomOut", NULL},                              \
  {"sw", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_HAS_MIN | PV_PARAM_HAS_MAX, "0", 0, 2, NULL,                         \
   "sliced-Wasserstein refinement of the functional map: 0 off, 1 of the final map (after ZoomOut and --ot), "      \
   "2 of the initial map (before ZoomOut)", NULL},                                                                  \
  {"pointcloud", PV_PARAM_FLAG, PV_ROLE_OPTION, 0, "false", 0, 0, NULL,                                            \
   "drop the faces and match the vertices as point clouds (files without faces always are)", NULL},               \
  {"zero-based", PV_PARAM_FLAG, PV_ROLE_OPTION, 0, "false", 0, 0, NULL,                                            \
   "write 0-based indices (default 1-based, as .vts files)", NULL}

static const pv_param run_params[] = {
    {"source", PV_PARAM_PATH, PV_ROLE_INPUT, 0, NULL, 0, 0, NULL, "source mesh or point cloud Y (OFF, OBJ or PLY)", NULL},
    {"target", PV_PARAM_PATH, PV_ROLE_INPUT, 0, NULL, 0, 0, NULL, "target mesh or point cloud X", NULL},
    {"map", PV_PARAM_PATH, PV_ROLE_OUTPUT, 0, NULL, 0, 0, NULL,
     "point map: for each source vertex, its matched target vertex, one per line", NULL},
    COMMON_OPTIONS,
    {"gt-source", PV_PARAM_PATH, PV_ROLE_OPTION, PV_PARAM_OPTIONAL, NULL, 0, 0, NULL,
     "ground truth .vts of the source (1-based; line k matches line k of --gt-target)", NULL},
    {"gt-target", PV_PARAM_PATH, PV_ROLE_OPTION, PV_PARAM_OPTIONAL, NULL, 0, 0, NULL, "ground truth .vts of the target", NULL},
    {"gt-target-sym", PV_PARAM_PATH, PV_ROLE_OPTION, PV_PARAM_OPTIONAL, NULL, 0, 0, NULL,
     "mirrored ground truth of the target (.sym.vts): flags symmetric flips", NULL},
    {"metrics", PV_PARAM_PATH, PV_ROLE_OPTION, PV_PARAM_OPTIONAL, NULL, 0, 0, NULL, "JSON with timings and errors", NULL},
    {"fmap", PV_PARAM_PATH, PV_ROLE_OPTION, PV_PARAM_OPTIONAL, NULL, 0, 0, NULL,
     "functional map (text, k x k, maps target functions to the source)", NULL},
    {"colored", PV_PARAM_STRING, PV_ROLE_OPTION, PV_PARAM_OPTIONAL, NULL, 0, 0, NULL,
     "prefix of a colour-transfer PLY pair (<prefix>_target.ply, <prefix>_source.ply)", NULL},
    {"png", PV_PARAM_PATH, PV_ROLE_OPTION, PV_PARAM_OPTIONAL, NULL, 0, 0, NULL, "PNG rendering of both shapes", NULL},
};
#define N_RUN (sizeof run_params / sizeof run_params[0])

static const char *opt_path(const pv_args *a, const char *name) { return pv_args_has(a, name) ? pv_args_string(a, name) : NULL; }

static int run(pv_ctx *ctx, const pv_args *a) {
  pv_shape_match_options o;
  options_from_args(a, &o);
  int rc = check_options(&o);
  if (rc) return rc;
  if (!!opt_path(a, "gt-source") != !!opt_path(a, "gt-target"))
    return PV_ERROR(PV_EINVAL, "--gt-source and --gt-target go together");
  sm_job job = {pv_args_string(a, "source"), pv_args_string(a, "target"), opt_path(a, "gt-source"),
                opt_path(a, "gt-target"), opt_path(a, "gt-target-sym"), pv_args_string(a, "map"), opt_path(a, "fmap"),
                opt_path(a, "colored"), opt_path(a, "png"), pv_args_flag(a, "zero-based"), pv_args_overwrite(a),
                pv_args_flag(a, "pointcloud")};
  const char *metrics = opt_path(a, "metrics");
  if (metrics && (rc = pv_output_check(metrics, job.overwrite))) return rc;
  pv_json *j = NULL;
  if (metrics && ((rc = pv_json_create(2, &j)) || (rc = pv_json_object_begin(j)))) { pv_json_destroy(&j); return rc; }
  rc = match_pair(ctx, &o, &job, j, NULL);
  if (!rc && j) rc = write_metrics(ctx, a, "run", run_params, N_RUN, j, metrics);
  pv_json_destroy(&j);
  return rc;
}

/* ---- batch --------------------------------------------------------------- */

static const pv_param batch_params[] = {
    {"list", PV_PARAM_PATH, PV_ROLE_INPUT, 0, NULL, 0, 0, NULL,
     "text file, one pair per line: SOURCE TARGET [GT_SOURCE GT_TARGET [GT_TARGET_SYM]] (relative to the list's folder)", NULL},
    {"outdir", PV_PARAM_PATH, PV_ROLE_OUTPUT, PV_PARAM_DIR, NULL, 0, 0, NULL,
     "existing folder for pairNNN.vts maps and summary.json", NULL},
    COMMON_OPTIONS,
};
#define N_BATCH (sizeof batch_params / sizeof batch_params[0])

/* name relative to the list's folder; PV_EINVAL when the path is too long. */
static int resolve(const char *list, const char *name, char *out, size_t cap) {
  const char *slash = strrchr(list, '/');
  size_t dir = name[0] == '/' || !slash ? 0 : (size_t)(slash - list) + 1, nl = strlen(name);
  if (dir + nl + 1 > cap) return PV_ERROR(PV_EINVAL, "%s: path '%s' too long", list, name);
  memcpy(out, list, dir);
  memcpy(out + dir, name, nl + 1);
  return 0;
}

static int batch_line(pv_ctx *ctx, const pv_shape_match_options *o, const pv_args *a, const char *line, int idx,
                      pv_json *j, double *err) {
  char f[5][1024], p[5][2048], map[2048];
  int n = sscanf(line, "%1023s %1023s %1023s %1023s %1023s", f[0], f[1], f[2], f[3], f[4]);
  if (n < 2 || n == 3) return PV_ERROR(PV_EFORMAT, "%s: pair %d: expected SOURCE TARGET [GT_SOURCE GT_TARGET [GT_TARGET_SYM]]", pv_args_string(a, "list"), idx + 1);
  for (int i = 0; i < n; i++) {
    int rc = resolve(pv_args_string(a, "list"), f[i], p[i], sizeof p[i]);
    if (rc) return rc;
  }
  int len = snprintf(map, sizeof map, "%s/pair%03d.vts", pv_args_string(a, "outdir"), idx + 1);
  if (len < 0 || (size_t)len >= sizeof map) return PV_ERROR(PV_EINVAL, "output folder name too long");
  sm_job job = {p[0], p[1], n >= 4 ? p[2] : NULL, n >= 4 ? p[3] : NULL, n >= 5 ? p[4] : NULL, map, NULL, NULL, NULL,
                pv_args_flag(a, "zero-based"), pv_args_overwrite(a), pv_args_flag(a, "pointcloud")};
  pv_json_object_begin(j);
  pv_json_kv_string(j, "map", map);
  int rc = match_pair(ctx, o, &job, j, err);
  if (rc) {
    pv_json_kv_string(j, "error", pv_error_message());
    pv_log(ctx, PV_LOG_WARN, "shape", "pair %d failed: %s", idx + 1, pv_error_message());
    pv_error_clear();
  }
  pv_json_object_end(j);
  return rc;
}

static int batch(pv_ctx *ctx, const pv_args *a) {
  pv_shape_match_options o;
  options_from_args(a, &o);
  int rc = check_options(&o);
  char *text = NULL, summary[2048];
  size_t len = 0;
  if (!rc) rc = pv_file_read_all(pv_args_string(a, "list"), (size_t)1 << 24, &text, &len);
  if (rc) return rc;
  snprintf(summary, sizeof summary, "%s/summary.json", pv_args_string(a, "outdir"));
  pv_json *j = NULL;
  if ((rc = pv_output_check(summary, pv_args_overwrite(a))) || (rc = pv_json_create(2, &j))) { pv_free(text); return rc; }
  pv_json_object_begin(j);
  pv_json_key(j, "pairs");
  pv_json_array_begin(j);
  int npair = 0, nfail = 0, nerr = 0;
  double sum = 0;
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    while (*line == ' ' || *line == '\t') line++;
    if (!*line || *line == '#' || *line == '\r') continue;
    double e = NAN;
    if (batch_line(ctx, &o, a, line, npair++, j, &e)) nfail++;
    if (!isnan(e)) { sum += e; nerr++; }
    if ((rc = pv_ctx_progress(ctx, 0.0, "batch"))) break;
  }
  pv_json_array_end(j);
  pv_json_kv_int(j, "pairs_total", npair);
  pv_json_kv_int(j, "pairs_failed", nfail);
  pv_json_kv_number(j, "mean_geodesic_error_x100", nerr ? sum / nerr : NAN);
  if (!rc) rc = write_metrics(ctx, a, "batch", batch_params, N_BATCH, j, summary);
  if (!rc && npair == 0) rc = PV_ERROR(PV_EFORMAT, "%s: no pairs", pv_args_string(a, "list"));
  if (!rc && nfail == npair) rc = PV_ERROR(PV_EINVAL, "all %d pairs failed", npair);
  pv_log(ctx, PV_LOG_INFO, "shape", "batch: %d pairs, %d failed, mean error x100 %.3f over %d with ground truth", npair,
         nfail, nerr ? sum / nerr : NAN, nerr);
  pv_json_destroy(&j);
  pv_free(text);
  return rc;
}

static const pv_verb verbs[] = {
    {"run", "match a source mesh to a target mesh (point map, optional errors, pictures)", run_params, N_RUN,
     sizeof(pv_param), run,
     "Computes the first --k Laplace-Beltrami eigenpairs of both meshes (cotangent Laplacian, lumped mass), WKS or "
     "HKS descriptors, a --k-fmap functional map (descriptor preservation + Laplacian and descriptor commutativity, "
     "optional orientation term), converts it to a point map and refines it by ZoomOut up to --zoomout and, with "
     "--ot, by entropic optimal transport. Meshes are repaired first (duplicate vertices merged, degenerate faces and "
     "isolated vertices dropped) with a warning; the map is written for the original vertices. With ground truth "
     "(.vts) the mean geodesic error x100 (normalised by sqrt(area), heat-method distances) is reported, and with the "
     "mirrored ground truth a symmetric flip is flagged. --sw=1|2 adds the sliced-Wasserstein refinement of the "
     "functional map after (1) or before (2) ZoomOut. Point clouds: files without faces (OFF, PLY, OBJ), or any "
     "file with --pointcloud, are matched as point clouds (both shapes, when either is one): duplicate points "
     "merged, the point-cloud robust Laplacian (30 neighbours, local Delaunay), no orientation term (it needs faces; "
     "a warning says so), no --png. Their error is measured with the heat method on the target's faces when its "
     "file has faces, else by Dijkstra on the symmetrised 10-nearest-neighbour graph of the target's points "
     "(normalised by the point-cloud Laplacian's total mass); the JSON says which."},
    {"batch", "match every pair of a list; per-pair maps and a summary JSON", batch_params, N_BATCH, sizeof(pv_param),
     batch, "Runs `run` on each line of the list (SOURCE TARGET [GT_SOURCE GT_TARGET [GT_TARGET_SYM]]), writing "
            "pairNNN.vts and summary.json (per-pair timings and errors, mean error). A failing pair is recorded and "
            "the batch continues."},
};

static const char *const demos[] = {
    "run --gt-source={data}/shape/blob_b.vts --gt-target={data}/shape/blob_a.vts --metrics={out}/blob_metrics.json "
    "--png={out}/blob_match.png --colored={out}/blob {data}/shape/blob_b.off {data}/shape/blob_a.off {out}/blob_map.vts",
    NULL};

static const pv_plugin_descriptor descriptor = {
    PV_PLUGIN_ABI_VERSION, sizeof(pv_plugin_descriptor), "shape-match", SHAPE_MATCH_VERSION,
    "non-rigid 3D shape correspondence: LB eigenbases, functional maps, ZoomOut, OT refinement",
    verbs, 2, sizeof(pv_verb), demos, {0}};

PV_PLUGIN_DEFINE(descriptor)
