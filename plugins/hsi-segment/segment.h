/* segment.h - the hsi-segment application's pieces: one job carried from
 * the input scene to the label map and its report. */
#ifndef PV_PLUGIN_SEGMENT_H
#define PV_PLUGIN_SEGMENT_H

#include <parseval/hsi.h>
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

/* Features of a pixel from its spectrum: principal components, FCLS
 * abundances of VCA endmembers, or the spectrum itself. */
typedef struct {
  int kind;                  /* 0 pca, 1 abundances, 2 spectra */
  int d, bands;
  double *mu, *comp;         /* PCA: mean [bands], components d x bands */
  pv_hsi_lsu *lsu;           /* abundances: FCLS on the VCA endmembers */
} segment_model;

typedef struct {
  pv_ctx *ctx;
  const pv_args *args;
  const char *scene;
  int classes;               /* k */
  int streamed;              /* raster over half the RAM budget: two passes */
  size_t width, height, bands;
  pv_raster_meta meta;       /* georeferencing of the input */
  double scale;
  pv_raster_cube cube;       /* in memory: the scene, divided by --scale */
  size_t n;                  /* pixels (width x height) */
  size_t n_valid;            /* in memory: pixels without NaN / no-data */
  size_t *valid;             /* [n_valid] pixel indices (in memory) */
  segment_model model;
  int d;                     /* feature dimension */
  double *feat;              /* rows: every valid pixel (in memory) or the sample (streamed) */
  size_t n_feat;             /* rows of feat */
  const char *features;      /* "pca", "abundances", "spectra" */
  double explained;          /* PCA: fraction of the variance kept (NaN otherwise) */
  size_t n_sample;           /* pixels the clustering saw */
  double *sfeat;             /* n_sample x d: the clustered pixels' features */
  int *slab;                 /* [n_sample] their labels 0..k-1 */
  double *centers;           /* k-means: k x d centres (NULL: nearest sampled pixel) */
  int *labels;               /* in memory: [n] 1..k, 0 for masked pixels */
  size_t *sizes;             /* [k] pixels per class */
  size_t valid_total;        /* labelled pixels */
  unsigned char *preview;    /* pw x ph labels every pstep pixels, for the PNG */
  size_t pw, ph, pstep;
  double seconds_features, seconds_cluster;
  segment_contingency truth;    /* count NULL without --truth */
} segment_job;

/* Fit the feature model on n pixels y (bands x n, column stride ld); sets
 * j->d. Apply it to n pixels into feat (n x d). */
int segment_model_fit(segment_job *j, const double *y, size_t ld, size_t n);
int segment_model_apply(const segment_job *j, const double *y, size_t ld, size_t n, double *feat);
void segment_model_free(segment_model *m);
/* The label (1..k) of a pixel with features x: the nearest k-means centre,
 * or the label of the nearest clustered pixel. */
int segment_assign(const segment_job *j, const double *x);
/* Streamed output: the second pass labels every block and writes it. */
int segment_write_streamed(segment_job *j, const char *path, const pv_provenance *prov);
/* Output metadata: the input's georeferencing, no-data 0, provenance. */
int segment_out_meta(const segment_job *j, const pv_provenance *prov, pv_raster_meta *m);
/* Record label l (0..k) of pixel (row, col) in the preview. */
void segment_preview_put(segment_job *j, size_t row, size_t col, int l);

/* Load the scene (or, streamed, a pixel sample), fit the feature model and
 * compute the features of every valid pixel (or of the sample). */
int segment_features(segment_job *j);
/* Cluster the feature rows: k-means, or spectral clustering of a strided
 * sample; in memory every valid pixel is labelled here, streamed ones in
 * segment_write_streamed. */
int segment_cluster(segment_job *j);
/* Read --truth (when given) and tabulate it against the labels; checked
 * before any output is written. */
int segment_truth(segment_job *j);
/* Label raster (GeoTIFF/ENVI, 0 = no-data), and with a report folder the
 * coloured PNG and summary.json (scores with --truth). */
int segment_write(segment_job *j, const char *labels_path, const char *report, const pv_provenance *prov);
void segment_job_free(segment_job *j);
#endif
