/* hsi-segment: unsupervised segmentation of a hyperspectral scene into k
 * classes. Pixel features (principal components, FCLS abundances of VCA
 * endmembers, or the spectra) are clustered by spectral clustering
 * (normalised-cut embedding of a kNN graph over a pixel sample, extended to
 * every pixel by its nearest sampled neighbour) or by k-means; the label map
 * keeps the input's georeferencing. Rasters larger than half the RAM budget
 * are streamed (a sampling pass, then a labelling pass). */
#include <string.h>

#include "segment.h"

#define APP "hsi-segment"

static const pv_param run_params[] = {
    {"scene", PV_PARAM_PATH, PV_ROLE_INPUT, 0, NULL, 0, 0, NULL, "raster GDAL reads, MATLAB .mat or .npy cube", NULL},
    {"labels", PV_PARAM_PATH, PV_ROLE_OUTPUT, 0, NULL, 0, 0, NULL,
     "label map, one byte band: 1..k, 0 = no data (.tif: GeoTIFF, else ENVI)", NULL},
    {"report", PV_PARAM_PATH, PV_ROLE_OUTPUT, PV_PARAM_OPTIONAL | PV_PARAM_DIR, NULL, 0, 0, NULL,
     "folder for labels.png and summary.json", NULL},
    {"classes", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_HAS_MIN | PV_PARAM_HAS_MAX, "4", 2, 64, NULL,
     "number of classes k", NULL},
    {"method", PV_PARAM_CHOICE, PV_ROLE_OPTION, 0, "spectral", 0, 0, "spectral|kmeans",
     "spectral: normalised-cut embedding + k-means on a pixel sample; kmeans: k-means++ on every pixel", NULL},
    {"features", PV_PARAM_CHOICE, PV_ROLE_OPTION, 0, "pca", 0, 0, "pca|abundances|spectra",
     "pixel features: principal components, FCLS abundances of VCA endmembers, or the spectra", NULL},
    {"components", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_HAS_MIN | PV_PARAM_HAS_MAX, "0", 0, 64, NULL,
     "feature dimension: principal components (0: 10) or endmembers (0: the class count)", NULL},
    {"sample", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_HAS_MIN | PV_PARAM_HAS_MAX, "3000", 100, 50000, NULL,
     "spectral: at most this many pixels (evenly strided) form the graph", NULL},
    {"neighbors", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_HAS_MIN | PV_PARAM_HAS_MAX, "10", 2, 100, NULL,
     "spectral: neighbours per pixel in the affinity graph (self-tuning scales)", NULL},
    {"scale", PV_PARAM_REAL, PV_ROLE_OPTION, PV_PARAM_HAS_MIN, "1", 1e-300, 0, NULL,
     "the data are divided by this", NULL},
    {"truth", PV_PARAM_PATH, PV_ROLE_OPTION, 0, NULL, 0, 0, NULL,
     "ground-truth class map (one band, integers, 0 = unlabelled) for accuracy and adjusted Rand index", NULL},
    {"mat-var", PV_PARAM_STRING, PV_ROLE_OPTION, 0, NULL, 0, 0, NULL, ".mat input: data variable (default Y)", NULL},
    {"rows", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_HAS_MIN, "0", 0, 0, NULL, ".mat matrix input: image rows", NULL},
    {"cols", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_HAS_MIN, "0", 0, 0, NULL, ".mat matrix input: image columns", NULL},
};
#define N_RUN (sizeof run_params / sizeof run_params[0])

static int run(pv_ctx *ctx, const pv_args *args) {
  segment_job j;
  memset(&j, 0, sizeof j);
  j.ctx = ctx;
  j.args = args;
  j.scene = pv_args_string(args, "scene");
  j.classes = (int)pv_args_int(args, "classes");
  pv_provenance *prov = NULL;
  int rc = pv_provenance_from_args(ctx, APP, "run", run_params, N_RUN, args, &prov);
  if (!rc) rc = segment_features(&j);
  if (!rc) rc = segment_cluster(&j);
  if (!rc) rc = segment_truth(&j);
  if (!rc) rc = segment_write(&j, pv_args_string(args, "labels"), pv_args_string(args, "report"), prov);
  if (!rc)
    pv_log(ctx, PV_LOG_INFO, "hsi", "%d classes over %zu valid pixels (%zu clustered), %.2f s + %.2f s", j.classes,
           j.n_valid, j.n_sample, j.seconds_features, j.seconds_cluster);
  pv_provenance_destroy(&prov);
  segment_job_free(&j);
  return rc;
}

static const pv_verb verbs[] = {
    {"run", "segment a scene into k classes, with a report", run_params, N_RUN, sizeof(pv_param), run,
     "Loads the scene, computes features of every valid pixel (pixels with a NaN or no-data band are left "
     "unlabelled), clusters them and writes the label map with the input's georeferencing. A raster larger than "
     "half the RAM budget is streamed: a first pass keeps an evenly strided sample of at most --sample pixels, the "
     "features (principal components, endmembers) are fitted and the clustering run on it, and a second pass "
     "labels every block as it is written. --method=spectral "
     "builds a self-tuning kNN affinity graph over at most --sample evenly strided pixels, embeds it with the "
     "normalised Laplacian's k smallest eigenvectors and runs k-means++ on the unit-normalised rows (Ng, Jordan "
     "& Weiss); every other pixel takes the label of its nearest sampled pixel in feature space. With --truth "
     "the report gives the overall accuracy after matching clusters to classes (Hungarian method) and the "
     "adjusted Rand index."},
};

static const char *const demos[] = {
    "run --classes=4 --scale=10000 {data}/scene/scene.tif {out}/labels.tif {out}/report", NULL};

static const pv_plugin_descriptor descriptor = {
    PV_PLUGIN_ABI_VERSION, sizeof(pv_plugin_descriptor), APP, "1.0",
    "hyperspectral segmentation: spectral clustering / k-means of pixel features, label map and report",
    verbs, 1, sizeof(pv_verb), demos, {0}};

PV_PLUGIN_DEFINE(descriptor)
