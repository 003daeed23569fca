/* shape-match plugin: one pair matched end to end (shared by run/batch). */
#ifndef PV_SHAPE_MATCH_PLUGIN_H
#define PV_SHAPE_MATCH_PLUGIN_H
#include <parseval/parseval.h>
#include <parseval/json.h>
#include <parseval/provenance.h>
#include <parseval/mesh.h>
#include <parseval/shape.h>

/* A mesh as read, repaired for the operators, with index maps both ways.
 * A point cloud (a file without faces, or any file with drop_faces) keeps
 * nf == 0 in m; only bitwise-duplicate points are merged. */
typedef struct {
  pv_mesh *orig, *m;
  int64_t *o2n; /* orig -> repaired (-1 removed) */
  int64_t *n2o; /* repaired -> orig */
} sm_mesh;

int sm_mesh_load(pv_ctx *ctx, const char *path, int drop_faces, sm_mesh *s);
void sm_mesh_free(sm_mesh *s);
/* Map on original vertices of Y from the map on repaired ones. */
int sm_map_original(const sm_mesh *x, const sm_mesh *y, const int64_t *T, int64_t *To);
/* Write one index per line (1-based unless zero_based). */
int sm_write_map(const char *path, const int64_t *T, int64_t n, int zero_based, int overwrite);
/* Write the functional map as text, kc rows of kc numbers. */
int sm_write_fmap(const char *path, const double *C, int kc, int overwrite);
/* Coloured PLY pair <prefix>_target.ply / <prefix>_source.ply and an
 * optional PNG of both (png may be NULL). */
int sm_write_pictures(const sm_mesh *x, const sm_mesh *y, const int64_t *To, const char *prefix, const char *png,
                      int overwrite);
/* Errors (x100) of To against ground truth; NAN where not given. */
int sm_errors(pv_ctx *ctx, const sm_mesh *x, const sm_mesh *y, const int64_t *To, const char *gt_y, const char *gt_x,
              const char *gt_x_sym, double *err, double *err_sym);
/* Neighbours per point of the graph on which point-cloud geodesics are
 * measured (symmetrised k-NN graph, Euclidean edge lengths). */
#define SM_KNN_GRAPH 10
/* Mean over ground-truth pairs of the shortest-path distance on the
 * symmetrised SM_KNN_GRAPH-NN graph of the cloud x (Dijkstra, stopped at
 * the mapped point) between gt_x[i] and T[gt_y[i]], / sqrt(area), where
 * area is the total mass of the point-cloud Laplacian (pv_shape_pointcloud_
 * laplacian, 30 neighbours). Pairs in different graph components count
 * their Euclidean distance; *unreached says how many. Entries < 0 skipped. */
int sm_knn_geodesic_error(pv_ctx *ctx, const pv_mesh *x, const int64_t *T, int64_t ny, const int64_t *gt_x,
                          const int64_t *gt_y, int64_t ngt, double *mean, int64_t *unreached);
#endif
