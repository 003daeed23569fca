/* parseval/cluster.h - spectral clustering and normalised cut.
 *
 * Points are rows of a row-major n x d array (a hyperspectral scene reshaped
 * to pixels x bands, for instance). The pipeline: a sparse k-nearest-
 * neighbour affinity graph W, the normalised Laplacian, then either the
 * Fiedler-vector bipartition (Shi & Malik's normalised cut) or k-way
 * clustering: k-means++ on the row-normalised spectral embedding (Ng, Jordan
 * & Weiss). The embedding solves (D - W) x = lambda D x with
 * pv_eigen_pencil_solve; D^{1/2} x are the eigenvectors of the normalised
 * Laplacian I - D^{-1/2} W D^{-1/2}. Random draws come from ctx's seed. */
#ifndef PARSEVAL_CLUSTER_H
#define PARSEVAL_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include <parseval/config.h>
#include <parseval/ctx.h>
#include <parseval/sparse.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pv_cluster_knn_options {
  size_t struct_size; /* sizeof(pv_cluster_knn_options) */
  int k;              /* neighbours per point (default 10) */
  int local_k;        /* self-tuning scale: sigma_i = distance to the local_k-th
                         neighbour (Zelnik-Manor & Perona; default 7, <= k) */
  double sigma;       /* > 0: one global scale instead of self-tuning */
  int mutual;         /* 0: edge if either point is among the other's k nearest
                         (union, default); 1: only if both are */
} pv_cluster_knn_options;

#define PV_CLUSTER_KNN_OPTIONS_INIT                                                                \
  { sizeof(pv_cluster_knn_options), 10, 7, 0.0, 0 }

/* Symmetric sparse affinity W (n x n, zero diagonal) of n points of dimension
 * d (row-major, borrowed): w_ij = exp(-|x_i - x_j|^2 / (sigma_i sigma_j)) on
 * kNN edges. Exact brute-force search, O(n^2 d) time, O(n k) memory, OpenMP
 * over points (ctx threads). Non-finite coordinates: PV_EINVAL naming the
 * point. *W is owned by the caller. */
PV_API int pv_cluster_knn_graph(pv_ctx *ctx, const double *points, int64_t n, int d,
                                const pv_cluster_knn_options *opt, pv_sparse **W);

/* Normalised Laplacian L = I - D^{-1/2} W D^{-1/2} (normalized = 1) or
 * L = D - W (normalized = 0) of a symmetric non-negative W; degree[n]
 * (may be NULL) receives d_i = sum_j w_ij. A vertex of degree 0 gives
 * PV_ENUMERIC for the normalised form. */
PV_API int pv_cluster_laplacian(pv_ctx *ctx, const pv_sparse *W, int normalized, pv_sparse **L,
                                double *degree);

/* Spectral embedding: the k smallest generalised eigenpairs of
 * (D - W) x = lambda D x; lambda[k] ascending, X n x k (ld n) holding
 * D^{1/2} x (orthonormal eigenvectors of the normalised Laplacian). */
PV_API int pv_cluster_embedding(pv_ctx *ctx, const pv_sparse *W, int k, double *lambda, double *X);

/* Normalised-cut bipartition: the Fiedler vector x_2 of (D - W) x = lambda D x,
 * split at the threshold with the smallest Ncut = cut/vol(S) + cut/vol(S')
 * over all sweep cuts. labels[n] receive 0/1 (the side of the largest
 * Fiedler entry is 1); fiedler[n] and ncut may be NULL. */
PV_API int pv_cluster_fiedler(pv_ctx *ctx, const pv_sparse *W, int *labels, double *fiedler,
                              double *ncut);

typedef struct pv_cluster_kmeans_options {
  size_t struct_size; /* sizeof(pv_cluster_kmeans_options) */
  int restarts;       /* k-means++ seedings, best inertia kept (default 10) */
  int max_iter;       /* Lloyd iterations per seeding (default 300) */
  double tol;         /* stop when centres move less than tol (default 1e-10) */
} pv_cluster_kmeans_options;

#define PV_CLUSTER_KMEANS_OPTIONS_INIT                                                             \
  { sizeof(pv_cluster_kmeans_options), 10, 300, 1e-10 }

/* k-means with k-means++ seeding (Arthur & Vassilvitskii) on n points of
 * dimension d (row-major). labels[n] in [0, k); centers (k x d row-major)
 * and inertia (sum of squared distances) may be NULL. opt NULL: defaults. */
PV_API int pv_cluster_kmeans(pv_ctx *ctx, const double *points, int64_t n, int d, int k,
                             const pv_cluster_kmeans_options *opt, int *labels, double *centers,
                             double *inertia);

/* k-way spectral clustering of the graph W: embedding with k eigenvectors,
 * rows normalised to unit length, k-means++ (opt may be NULL). */
PV_API int pv_cluster_spectral(pv_ctx *ctx, const pv_sparse *W, int k,
                               const pv_cluster_kmeans_options *opt, int *labels);

#ifdef __cplusplus
}
#endif
#endif /* PARSEVAL_CLUSTER_H */
