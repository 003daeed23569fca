/* Clustering of the pixel features (rows of j->feat): k-means, or spectral
 * clustering (normalised-cut embedding + k-means, parseval/cluster.h) of an
 * evenly strided sample of the rows. Every other pixel is labelled by
 * segment_assign: the nearest k-means centre, or the label of the nearest
 * clustered pixel in feature space (out-of-sample extension). */
#include <float.h>
#include <string.h>
#include <time.h>

#include <parseval/cluster.h>

#include "segment.h"

int segment_assign(const segment_job *j, const double *x) {
  const double *ref = j->centers ? j->centers : j->sfeat;
  size_t n = j->centers ? (size_t)j->classes : j->n_sample;
  double best = DBL_MAX;
  size_t arg = 0;
  for (size_t s = 0; s < n; s++) {
    const double *q = ref + s * j->d;
    double d2 = 0;
    for (int k = 0; k < j->d && d2 < best; k++) d2 += (x[k] - q[k]) * (x[k] - q[k]);
    if (d2 < best) best = d2, arg = s;
  }
  return 1 + (j->centers ? (int)arg : j->slab[arg]);
}

/* k-means on every row; *lab receives the row labels 0..k-1. */
static int kmeans_all(segment_job *j, int *lab) {
  pv_cluster_kmeans_options o = PV_CLUSTER_KMEANS_OPTIONS_INIT;
  j->n_sample = j->n_feat;
  j->centers = pv_malloc((size_t)j->classes * j->d * sizeof *j->centers);
  if (!j->centers) return PV_ENOMEM;
  return pv_cluster_kmeans(j->ctx, j->feat, (int64_t)j->n_feat, j->d, j->classes, &o, lab, j->centers, NULL);
}

/* Spectral clustering of every stride-th row; the others through segment_assign. */
static int spectral(segment_job *j, int *lab) {
  size_t nf = j->n_feat, max = (size_t)pv_args_int(j->args, "sample");
  size_t stride = (nf + max - 1) / max;
  j->n_sample = (nf + stride - 1) / stride;
  j->sfeat = pv_malloc(j->n_sample * (size_t)j->d * sizeof *j->sfeat);
  j->slab = pv_malloc(j->n_sample * sizeof *j->slab);
  pv_sparse *w = NULL;
  int rc = j->sfeat && j->slab ? PV_OK : PV_ENOMEM;
  for (size_t s = 0; !rc && s < j->n_sample; s++)
    memcpy(j->sfeat + s * j->d, j->feat + s * stride * j->d, (size_t)j->d * sizeof *j->sfeat);
  pv_cluster_knn_options ko = PV_CLUSTER_KNN_OPTIONS_INIT;
  ko.k = (int)pv_args_int(j->args, "neighbors");
  if (ko.local_k > ko.k) ko.local_k = ko.k;
  if (!rc && (size_t)ko.k >= j->n_sample)
    rc = PV_ERROR(PV_EINVAL, "%s: %zu sampled pixels for %d neighbours", j->scene, j->n_sample, ko.k);
  if (!rc) rc = pv_cluster_knn_graph(j->ctx, j->sfeat, (int64_t)j->n_sample, j->d, &ko, &w);
  pv_cluster_kmeans_options o = PV_CLUSTER_KMEANS_OPTIONS_INIT;
  if (!rc) rc = pv_cluster_spectral(j->ctx, w, j->classes, &o, j->slab);
  for (size_t i = 0; !rc && i < nf; i++) {
    lab[i] = i % stride ? segment_assign(j, j->feat + i * j->d) - 1 : j->slab[i / stride];
    if ((i & 0xffff) == 0xffff) rc = pv_ctx_progress(j->ctx, (double)i / nf, "out-of-sample labels");
  }
  pv_sparse_destroy(&w);
  return rc;
}

int segment_cluster(segment_job *j) {
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int *lab = pv_malloc(j->n_feat * sizeof *lab);
  j->sizes = pv_calloc((size_t)j->classes, sizeof *j->sizes);
  int rc = lab && j->sizes ? PV_OK : PV_ENOMEM;
  if (!rc) rc = strcmp(pv_args_string(j->args, "method"), "kmeans") ? spectral(j, lab) : kmeans_all(j, lab);
  if (!rc && !j->streamed) { /* in memory: every valid pixel is a row */
    if (!(j->labels = pv_calloc(j->n, sizeof *j->labels))) rc = PV_ENOMEM;
    for (size_t i = 0; !rc && i < j->n_valid; i++) {
      j->labels[j->valid[i]] = lab[i] + 1;
      j->sizes[lab[i]]++;
    }
    j->valid_total = j->n_valid;
  }
  pv_free(lab);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  j->seconds_cluster = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  return rc;
}
