/* Clustering of the pixel features: k-means on every pixel, or spectral
 * clustering (normalised-cut embedding + k-means, parseval/cluster.h) of an
 * evenly strided sample, extended to the other pixels by the label of their
 * nearest sampled pixel in feature space (out-of-sample extension). */
#include <float.h>
#include <string.h>
#include <time.h>

#include <parseval/cluster.h>

#include "segment.h"

static int kmeans_all(segment_job *j, int *lab) {
  pv_cluster_kmeans_options o = PV_CLUSTER_KMEANS_OPTIONS_INIT;
  j->n_sample = j->n_valid;
  return pv_cluster_kmeans(j->ctx, j->feat, (int64_t)j->n_valid, j->d, j->classes, &o, lab, NULL, NULL);
}

/* Label of the sampled pixel nearest to feature row x. */
static int nearest(const segment_job *j, const double *x, const double *sample, const int *slab) {
  double best = DBL_MAX;
  int l = 0;
  for (size_t s = 0; s < j->n_sample; s++) {
    const double *q = sample + s * j->d;
    double d2 = 0;
    for (int k = 0; k < j->d && d2 < best; k++) d2 += (x[k] - q[k]) * (x[k] - q[k]);
    if (d2 < best) best = d2, l = slab[s];
  }
  return l;
}

static int spectral(segment_job *j, int *lab) {
  size_t nv = j->n_valid, max = (size_t)pv_args_int(j->args, "sample");
  size_t stride = (nv + max - 1) / max;
  j->n_sample = (nv + stride - 1) / stride;
  double *sample = pv_malloc(j->n_sample * (size_t)j->d * sizeof *sample);
  int *slab = pv_malloc(j->n_sample * sizeof *slab);
  pv_sparse *w = NULL;
  int rc = sample && slab ? PV_OK : PV_ENOMEM;
  for (size_t s = 0; !rc && s < j->n_sample; s++)
    memcpy(sample + s * j->d, j->feat + s * stride * j->d, (size_t)j->d * sizeof *sample);
  pv_cluster_knn_options ko = PV_CLUSTER_KNN_OPTIONS_INIT;
  ko.k = (int)pv_args_int(j->args, "neighbors");
  if (ko.local_k > ko.k) ko.local_k = ko.k;
  if (!rc && (size_t)ko.k >= j->n_sample)
    rc = PV_ERROR(PV_EINVAL, "%s: %zu sampled pixels for %d neighbours", j->scene, j->n_sample, ko.k);
  if (!rc) rc = pv_cluster_knn_graph(j->ctx, sample, (int64_t)j->n_sample, j->d, &ko, &w);
  pv_cluster_kmeans_options o = PV_CLUSTER_KMEANS_OPTIONS_INIT;
  if (!rc) rc = pv_cluster_spectral(j->ctx, w, j->classes, &o, slab);
  for (size_t i = 0; !rc && i < nv; i++) {
    lab[i] = i % stride ? nearest(j, j->feat + i * j->d, sample, slab) : slab[i / stride];
    if ((i & 0xffff) == 0xffff) rc = pv_ctx_progress(j->ctx, (double)i / nv, "out-of-sample labels");
  }
  pv_sparse_destroy(&w);
  pv_free(sample);
  pv_free(slab);
  return rc;
}

int segment_cluster(segment_job *j) {
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int *lab = pv_malloc(j->n_valid * sizeof *lab);
  j->labels = pv_calloc(j->n, sizeof *j->labels);
  j->sizes = pv_calloc((size_t)j->classes, sizeof *j->sizes);
  int rc = lab && j->labels && j->sizes ? PV_OK : PV_ENOMEM;
  if (!rc) rc = strcmp(pv_args_string(j->args, "method"), "kmeans") ? spectral(j, lab) : kmeans_all(j, lab);
  for (size_t i = 0; !rc && i < j->n_valid; i++) {
    j->labels[j->valid[i]] = lab[i] + 1;
    j->sizes[lab[i]]++;
  }
  pv_free(lab);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  j->seconds_cluster = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  return rc;
}
