/* segment.h - the hsi-segment application's pieces: one job carried from
 * the input scene to the label map and its report. */
#ifndef PV_PLUGIN_SEGMENT_H
#define PV_PLUGIN_SEGMENT_H

#include <parseval/parseval.h>
#include <parseval/provenance.h>
#include <parseval/raster.h>

#define SEGMENT_MAX_TRUTH 256

/* Counts of (cluster, truth class) over labelled valid pixels. */
typedef struct {
  int k, t;                     /* clusters, truth classes */
  int ids[SEGMENT_MAX_TRUTH];   /* truth class values */
  double *count;                /* k x t */
  double total;
} segment_contingency;

typedef struct {
  pv_ctx *ctx;
  const pv_args *args;
  const char *scene;
  int classes;               /* k */
  pv_raster_cube cube;       /* the scene, divided by --scale */
  size_t n;                  /* pixels (width x height) */
  size_t n_valid;            /* pixels without NaN / no-data */
  size_t *valid;             /* [n_valid] pixel indices */
  int d;                     /* feature dimension */
  double *feat;              /* n_valid x d, row-major */
  const char *features;      /* "pca", "abundances", "spectra" */
  double explained;          /* PCA: fraction of the variance kept (NaN otherwise) */
  size_t n_sample;           /* pixels the graph was built on */
  int *labels;               /* [n] 1..k, 0 for masked pixels */
  size_t *sizes;             /* [k] pixels per class */
  double seconds_features, seconds_cluster;
  segment_contingency truth;    /* count NULL without --truth */
} segment_job;

/* Load the scene and compute the features of every valid pixel. */
int segment_features(segment_job *j);
/* Cluster: k-means on every pixel, or spectral clustering of a strided
 * sample extended to all pixels by their nearest sampled neighbour. */
int segment_cluster(segment_job *j);
/* Read --truth (when given) and tabulate it against the labels; checked
 * before any output is written. */
int segment_truth(segment_job *j);
/* Label raster (GeoTIFF/ENVI, 0 = no-data), and with a report folder the
 * coloured PNG and summary.json (scores with --truth). */
int segment_write(segment_job *j, const char *labels_path, const char *report, const pv_provenance *prov);
void segment_job_free(segment_job *j);
#endif
