/* parseval/shape.h - non-rigid shape correspondence on triangle meshes:
 * Laplace-Beltrami operators and eigenbases, spectral descriptors (HKS,
 * WKS), functional maps, point-map conversion, ZoomOut, entropic-OT
 * refinement, geodesic distances (heat method, Dijkstra) and the benchmark
 * geodesic error.
 *
 * Conventions used everywhere below:
 *  - Dense blocks are column-major: an n x k basis Phi has Phi[i + n*j] the
 *    value of eigenfunction j at vertex i.
 *  - The Laplacian L is positive semidefinite (L = -Delta, the "stiffness"
 *    matrix: L_ij = -(cot a_ij + cot b_ij)/2 for an edge ij, rows sum to 0);
 *    eigenpairs solve L phi = lambda M phi with lambda >= 0 ascending and
 *    Phi^T M Phi = I (mass-orthonormal). Each eigenvector is signed so that
 *    int phi^3 dA > 0 (its skewness; does not depend on vertex order), or,
 *    when that integral is negligible (1e-8 of int |phi|^3), so that its
 *    entry of largest magnitude is positive.
 *  - Correspondence direction: a point map T goes from a SOURCE shape Y to
 *    a TARGET shape X: T[y] is the vertex of X matched to vertex y of Y
 *    (0-based). The functional map C (k_y x k_x, column-major) transfers
 *    functions the other way, from X to Y: coefficients a on X become C a on
 *    Y, so that f o T ~ Phi_y C Phi_x^+ f. */
#ifndef PARSEVAL_SHAPE_H
#define PARSEVAL_SHAPE_H

#include <stddef.h>
#include <stdint.h>

#include <parseval/config.h>
#include <parseval/ctx.h>
#include <parseval/mesh.h>
#include <parseval/sparse.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- operators ---------------------------------------------------------- */

/* Cotangent Laplacian (positive semidefinite, see above) of a triangle mesh,
 * assembled face by face, so non-manifold edges simply sum their faces.
 * Faces of zero area contribute nothing. *L owned by the caller. */
PV_API int pv_shape_cotan_laplacian(pv_ctx *ctx, const pv_mesh *m, pv_sparse **L);

/* Mass matrix: lumped (full == 0: diagonal, a third of the incident face
 * areas, sums to the surface area) or the full piecewise-linear Galerkin
 * mass (A/6 on the diagonal, A/12 off it, per face). Vertices in no face
 * get mass 0 in both: remove them first (pv_mesh_repair). */
PV_API int pv_shape_mass(pv_ctx *ctx, const pv_mesh *m, int full, pv_sparse **M);

/* The robust ("tufted intrinsic Delaunay") Laplacian of Sharp and Crane
 * (2020) for a triangle mesh, manifold or not: the tufted cover of the mesh
 * is flipped to an intrinsic Delaunay triangulation (edge lengths only), on
 * which cotangent weights are non-negative; mollify_factor (default 1e-5)
 * lengthens every edge by the smallest delta that gives every triangle a
 * triangle-inequality margin of mollify_factor * mean edge length (default
 * 1e-5 when negative), so near-degenerate triangles stay well conditioned.
 * Returns L (PSD, off-diagonals <= 0) and the lumped mass M of the intrinsic
 * triangulation (both halved, since the tufted cover doubles the surface).
 * Faces that repeat a vertex are refused (drop them with pv_mesh_repair).
 * A point cloud (nf == 0) gets pv_shape_pointcloud_laplacian with 30
 * neighbours. */
PV_API int pv_shape_robust_laplacian(pv_ctx *ctx, const pv_mesh *m,
                                     double mollify_factor, pv_sparse **L,
                                     pv_sparse **M);

/* The k nearest neighbours of every point of p (n x 3 row-major), the
 * point itself excluded: nb (n x k, row i for point i, caller-allocated)
 * in ascending distance. Exact (k-d tree, O(n log n) expected). Needs
 * 1 <= k < n. */
PV_API int pv_shape_knn3(const double *p, int64_t n, int k, int64_t *nb);
/* The same for m outside queries q (m x 3): nb (m x k) indexes p; k <= n. */
PV_API int pv_shape_knn3_query(const double *p, int64_t n, const double *q, int64_t m,
                               int k, int64_t *nb);

/* The robust Laplacian of a point cloud (Sharp and Crane 2020, section 5.7):
 * for every point, its k nearest neighbours (k <= 0: 30) are projected to
 * the tangent plane of their least-variance (PCA) normal, and the Delaunay
 * triangles of that planar set incident on the point are kept; the union
 * of these local triangles over all points (each surface triangle appears
 * up to three times) goes through the tufted-cover intrinsic Delaunay
 * construction above (same mollify_factor), and L and M are divided by 3.
 * xyz: n x 3 row-major coordinates. Needs n > k >= 3 and finite
 * coordinates (PV_EINVAL otherwise). L (PSD, off-diagonals <= 0) and the
 * diagonal M, whose sum approximates the sampled surface's area. */
PV_API int pv_shape_pointcloud_laplacian(pv_ctx *ctx, const double *xyz, int64_t n,
                                         int k, double mollify_factor,
                                         pv_sparse **L, pv_sparse **M);

/* ---- eigenbasis --------------------------------------------------------- */

/* The first k Laplace-Beltrami eigenpairs of one shape. */
typedef struct pv_shape_basis {
  int64_t n;      /* vertices */
  int k;          /* eigenpairs */
  double *evals;  /* k eigenvalues, ascending, >= 0 (tiny negatives clipped) */
  double *evecs;  /* n x k, column-major, mass-orthonormal */
  double *mass;   /* n lumped vertex areas (diagonal of M) */
  double area;    /* sum of mass */
} pv_shape_basis;

/* Solve L phi = lambda M phi for the k smallest pairs (1 <= k <= 300,
 * k < n) with the shift-invert Krylov solver of parseval/eigen.h (one CHOLMOD
 * factorisation). M must be diagonal (lumped) or full; basis->mass is its
 * row sums. *out owned by the caller. */
PV_API int pv_shape_basis_compute(pv_ctx *ctx, const pv_sparse *L,
                                  const pv_sparse *M, int k,
                                  pv_shape_basis **out);
/* Convenience: repair-free mesh -> cotan L + lumped M -> k pairs. */
PV_API int pv_shape_basis_from_mesh(pv_ctx *ctx, const pv_mesh *m, int k,
                                    pv_shape_basis **out);
PV_API void pv_shape_basis_destroy(pv_shape_basis **b); /* NULL-safe */

/* ---- descriptors -------------------------------------------------------- */

/* Heat kernel signature HKS(x, t) = sum_j exp(-lambda_j t) phi_j(x)^2 over
 * the first k pairs (k <= b->k; 0 = all) at nt times log-spaced in
 * [4 ln10 / lambda_k, 4 ln10 / lambda_1] (pyFM's choice; lambda_1 the first
 * nonzero eigenvalue). out is n x nt, column-major. */
PV_API int pv_shape_hks(const pv_shape_basis *b, int k, int nt, double *out);

/* Wave kernel signature with ne energies (pyFM / the CVPR 2024 code):
 * e = log(lambda), sigma = 7 (e_max - e_min) / ne, energies evenly spaced in
 * [e_min + 2 sigma, e_max - 2 sigma]; WKS(x, E) = sum_j phi_j(x)^2
 * exp(-(E - e_j)^2 / (2 sigma^2)) / sum_j exp(-(E - e_j)^2 / (2 sigma^2)),
 * zero eigenvalues skipped. out is n x ne, column-major. */
PV_API int pv_shape_wks(const pv_shape_basis *b, int k, int ne, double *out);

/* Landmark descriptors: for each of nl landmark vertices, the heat kernel
 * k_t(x, landmark) at nt log-spaced times (as HKS). out is n x (nl * nt). */
PV_API int pv_shape_landmark_hks(const pv_shape_basis *b, int k, int nt,
                                 const int64_t *landmarks, int nl, double *out);

/* Scale each column of D (n x nd) to unit L2(M) norm (pyFM's normalisation). */
PV_API int pv_shape_descr_normalize(const pv_shape_basis *b, int nd, double *D);

/* ---- functional maps ---------------------------------------------------- */

typedef struct pv_shape_fmap_options {
  size_t struct_size;  /* sizeof(pv_shape_fmap_options) */
  int k_x, k_y;        /* basis sizes used on X (target) and Y (source) */
  double w_descr;      /* descriptor preservation ||C A_x - A_y||^2 */
  double w_lap;        /* Laplacian commutativity sum C_ij^2 (mu_y_i - mu_x_j)^2 / (mu_y_i^2 + mu_x_j^2) */
  double w_dcomm;      /* descriptor-operator commutativity ||C G_x - G_y C||^2 */
  double w_orient;     /* orientation-preserving term, same form with the
                          operators g -> n . (grad f x grad g) (needs meshes) */
  int n_dcomm;         /* descriptors used in the two commutativity terms
                          (evenly subsampled; 0: all) */
  int max_iter;        /* conjugate-gradient iterations cap (default 500) */
  double tol;          /* relative residual target (default 1e-8) */
} pv_shape_fmap_options;

#define PV_SHAPE_FMAP_OPTIONS_INIT \
  { sizeof(pv_shape_fmap_options), 50, 50, 1.0, 1e-2, 1e-1, 0.0, 20, 500, 1e-8 }

/* Fit the functional map C (k_y x k_x) minimising the quadratic energy
 * above: exactly (dense Hessian from Kronecker products, Cholesky) when
 * k_x k_y <= 2600, else by Jacobi-preconditioned conjugate gradients. D_x (n_x x nd) and D_y (n_y x nd) are corresponding
 * descriptor columns; mx, my may be NULL unless w_orient > 0 (their
 * vertices must match the bases). */
PV_API int pv_shape_fmap_fit(pv_ctx *ctx, const pv_shape_basis *bx,
                             const pv_shape_basis *by, const pv_mesh *mx,
                             const pv_mesh *my, const double *D_x,
                             const double *D_y, int nd,
                             const pv_shape_fmap_options *opt, double *C);

/* Bijective variant (coupled maps, after Eynard et al. 2016): C_xy (k_y x
 * k_x, as pv_shape_fmap_fit) and the reverse map C_yx (k_x x k_y, the same
 * energy with X and Y exchanged) coupled by w_bij ||C_xy - C_yx^T||^2, the
 * quadratic form of C_yx = C_xy^{-1} for the orthogonal maps of isometries
 * (the product form ||C_xy C_yx - I||^2 lets one map shrink and the other
 * blow up when descriptors are noisy). Both maps are first fitted
 * independently; each of `rounds` rounds then re-solves C_xy exactly with
 * C_yx fixed and C_yx with C_xy fixed (block coordinate descent on a
 * convex quadratic: the coupled energy never increases). */
PV_API int pv_shape_fmap_fit_bijective(pv_ctx *ctx, const pv_shape_basis *bx,
                                       const pv_shape_basis *by, const pv_mesh *mx,
                                       const pv_mesh *my, const double *D_x,
                                       const double *D_y, int nd,
                                       const pv_shape_fmap_options *opt, double w_bij,
                                       int rounds, double *C_xy, double *C_yx);

/* Orthogonal variant: C (k x k, in place) becomes the nearest orthogonal
 * matrix U V^T (C = U S V^T; Procrustes). */
PV_API int pv_shape_fmap_orthogonalize(int k, double *C);

/* Spectral ICP (Ovsjanikov et al. 2012): starting from C (k x k, in/out,
 * orthogonalised first), `iters` times T = p2p(C), C = nearest orthogonal
 * map to the functional map of T; finally T (n_y) = p2p(C). */
PV_API int pv_shape_fmap_icp(pv_ctx *ctx, const pv_shape_basis *bx,
                             const pv_shape_basis *by, int k, int iters, double *C,
                             int64_t *T);

/* Point map from a functional map: T[y] = argmin_x || Phi_x[x,:kx] C^T -
 * Phi_y[y,:ky] || (the adjoint embedding that ZoomOut uses), by blocked
 * matrix products. C is ky x kx (leading dimension ldc >= ky). */
PV_API int pv_shape_fmap_to_p2p(pv_ctx *ctx, const pv_shape_basis *bx,
                                const pv_shape_basis *by, int kx, int ky,
                                const double *C, int64_t ldc, int64_t *T);

/* The point map of pv_shape_fmap_to_p2p (square k x k map, leading
 * dimension ldc) for large meshes, in 2 n_y ncand k flops instead of
 * 2 n_x n_y k: the vertices of Y are grouped by their nearest (in R^3) of
 * ns farthest-point samples; each sample's image is its nearest neighbour
 * in the embedding among ns samples of X, re-centred among the ncand
 * vertices of X nearest to that image; every vertex of the group then
 * takes its nearest neighbour in the embedding among the ncand vertices of
 * X nearest to its sample's image. Exact when the true image lies among
 * those candidates: take ncand several times the cell size n_y / ns (the
 * tests use 10x). */
PV_API int pv_shape_fmap_to_p2p_local(pv_ctx *ctx, const pv_shape_basis *bx,
                                      const pv_shape_basis *by, const pv_mesh *mx,
                                      const pv_mesh *my, int k, const double *C,
                                      int64_t ldc, int64_t ns, int64_t ncand,
                                      int64_t *T);

/* Functional map of a point map: C = Phi_y^+ Phi_x[T] = Phi_y^T M_y
 * Phi_x[T] (ky x kx, column-major). */
PV_API int pv_shape_p2p_to_fmap(const pv_shape_basis *bx,
                                const pv_shape_basis *by, int kx, int ky,
                                const int64_t *T, double *C);

/* Nearest neighbours: for each of the m rows of Q (m x d, leading dim ldq)
 * the index of the nearest of the n rows of P (n x d, ldp), Euclidean, by
 * blocked GEMM (||p||^2 - 2 q.p). idx[m]; dist2 (may be NULL) squared
 * distances. */
PV_API int pv_shape_knn1(pv_ctx *ctx, int64_t m, int64_t n, int d,
                         const double *Q, int64_t ldq, const double *P,
                         int64_t ldp, int64_t *idx, double *dist2);

/* ---- refinement ---------------------------------------------------------- */

typedef struct pv_shape_zoomout_options {
  size_t struct_size; /* sizeof(pv_shape_zoomout_options) */
  int k_init;         /* starting size (the map's), >= 2 */
  int k_final;        /* final size, <= both bases' k */
  int step;           /* size increment per iteration (default 5) */
  int64_t samples;    /* farthest-point samples of Y used while iterating
                         (0: all vertices); the full map is made at the end */
  int64_t target_samples; /* farthest-point samples of X the samples of Y
                         may map to while iterating (0: all vertices of X) */
  double exact_max;   /* final map: exact (pv_shape_fmap_to_p2p) while
                         n_x n_y <= exact_max (default 1e8), else
                         pv_shape_fmap_to_p2p_local with `samples` samples */
  int64_t local_candidates; /* candidates of the local point maps (0, the
                         default: max(512, 10 n_y / samples), ten cells' worth) */
} pv_shape_zoomout_options;

#define PV_SHAPE_ZOOMOUT_OPTIONS_INIT \
  { sizeof(pv_shape_zoomout_options), 20, 100, 5, 1000, 0, 1e8, 0 }

/* ZoomOut (Melzi et al. 2019) from the point map T (n_y entries, updated
 * in place): for k = k_init..k_final step: C = Phi_y[S,:k]^+ Phi_x[T[S],:k]
 * (least squares on the samples S), T[S] = p2p(C); finally T for every
 * vertex of Y from the last C. C_out (k_final x k_final) may be NULL. */
PV_API int pv_shape_zoomout(pv_ctx *ctx, const pv_shape_basis *bx,
                            const pv_shape_basis *by, const pv_mesh *mx,
                            const pv_mesh *my,
                            const pv_shape_zoomout_options *opt, int64_t *T,
                            double *C_out);

typedef struct pv_shape_ot_options {
  size_t struct_size; /* sizeof(pv_shape_ot_options) */
  int k;              /* spectral size used (<= both bases) */
  int64_t samples;    /* farthest-point samples on each shape (default 800) */
  double sigma;       /* kernel width on cost/mean(cost): logits -c/(2 sigma^2) (default 0.1) */
  int sinkhorn_iter;  /* log-domain Sinkhorn iterations (default 10, as the CVPR 2024 code) */
  int outer_iter;     /* alternations soft map -> C -> embedding (default 5) */
} pv_shape_ot_options;

#define PV_SHAPE_OT_OPTIONS_INIT \
  { sizeof(pv_shape_ot_options), 100, 800, 0.1, 10, 5 }

/* Entropic-OT refinement: on farthest-point samples of both shapes, the
 * log-domain Sinkhorn plan Pi between the embeddings Phi_y[S_y] C and
 * Phi_x[S_x] (cost = squared distance normalised by its mean) gives
 * C = Phi_y[S_y]^+ Pi Phi_x[S_x] (least squares), repeated outer_iter times;
 * then T for every vertex of Y by nearest neighbours. T (n_y) in/out. */
PV_API int pv_shape_ot_refine(pv_ctx *ctx, const pv_shape_basis *bx,
                              const pv_shape_basis *by, const pv_mesh *mx,
                              const pv_mesh *my, const pv_shape_ot_options *opt,
                              int64_t *T);

/* Squared sliced Wasserstein distance between the point sets of the rows
 * of E and Q (both n x k, column-major, uniform weights) over nd unit
 * directions Theta (k x nd, columns):
 *   SW2 = 1/nd sum_d 1/n sum_i (sort(E theta_d)_i - sort(Q theta_d)_i)^2.
 * gE (n x k, may be NULL) receives dSW2/dE (ties: the sort is stable in
 * row order). */
PV_API int pv_shape_sw2(const double *E, const double *Q, int64_t n, int k,
                        const double *Theta, int nd, double *sw2, double *gE);

typedef struct pv_shape_sw_options {
  size_t struct_size; /* sizeof(pv_shape_sw_options) */
  int64_t samples;    /* farthest-point samples per shape (default 800; all
                         vertices, in order, when >= both vertex counts) */
  int directions;     /* random unit directions per step (default 64) */
  int iterations;     /* Adam steps (default 40) */
  double lr;          /* Adam step size on the entries of C (default 2e-3) */
  double proximity;   /* weight of ||C - C_start||_F^2 (default 0) */
} pv_shape_sw_options;

#define PV_SHAPE_SW_OPTIONS_INIT \
  { sizeof(pv_shape_sw_options), 800, 64, 40, 2e-3, 0.0 }

/* Sliced-Wasserstein refinement (the SW loss of Le et al., CVPR 2024, used
 * at test time): C (k x k, column-major, X -> Y as pv_shape_fmap_fit's) is
 * moved by Adam steps on SW2(Phi_x[S_x] C^T, Phi_y[S_y]) + proximity
 * ||C - C_start||^2, with fresh random directions each step (seed from
 * ctx); then T (n_y) = pv_shape_fmap_to_p2p of the result. Memory O(n k).
 * sw2 (may be NULL) receives the last step's SW2. */
PV_API int pv_shape_sw_refine(pv_ctx *ctx, const pv_shape_basis *bx,
                              const pv_shape_basis *by, const pv_mesh *mx,
                              const pv_mesh *my, const pv_shape_sw_options *opt,
                              int k, double *C, int64_t *T, double *sw2);

/* Farthest-point sampling by Euclidean distance from vertex `first`:
 * idx[ns] receives ns distinct vertices (ns <= nv). */
PV_API int pv_shape_fps(const pv_mesh *m, int64_t first, int64_t ns, int64_t *idx);

/* ---- the whole pipeline ------------------------------------------------ */

typedef struct pv_shape_match_options {
  size_t struct_size;  /* sizeof(pv_shape_match_options) */
  int k_basis;         /* eigenpairs per shape (default 200, <= 300) */
  int descr;           /* 0: WKS, 1: HKS */
  int n_descr;         /* energies / times (default 100) */
  int k_descr;         /* eigenpairs used by the descriptors (default 200) */
  pv_shape_fmap_options fmap;       /* initial map (k_x = k_y = 35 by default) */
  int zoomout;                      /* 1: refine by ZoomOut */
  pv_shape_zoomout_options zo;      /* default 35 -> 195 step 5, 1000 samples */
  int ot;                           /* 1: entropic-OT refinement after ZoomOut */
  pv_shape_ot_options ot_opt;
  int robust;                       /* 1: robust Laplacian (pv_shape_robust_laplacian) */
  int sw;                           /* sliced-Wasserstein refinement: 0 off, 1 of the
                                       final map (after ZoomOut and OT), 2 of the
                                       initial map (k_x = k_y) before ZoomOut */
  pv_shape_sw_options sw_opt;
} pv_shape_match_options;

/* Defaults of pv_shape_match (values set by pv_shape_match_options_init). */
PV_API void pv_shape_match_options_init(pv_shape_match_options *o);

/* What a match produced and how long each stage took. */
typedef struct pv_shape_match_result {
  int64_t ny;          /* vertices of the source Y */
  int64_t *T;          /* ny entries: T[y] = vertex of X (0-based), owned */
  int kc;              /* size of C */
  double *C;           /* kc x kc functional map X -> Y (column-major), owned */
  double seconds_basis, seconds_descr, seconds_fmap, seconds_zoomout, seconds_ot;
  double seconds_sw;   /* sliced-Wasserstein refinement */
} pv_shape_match_result;

/* Match source Y to target X: both bases (cotan or robust Laplacian + lumped mass), descriptors,
 * functional map, p2p, ZoomOut and optional OT refinement. Meshes must be
 * free of unreferenced vertices (pv_mesh_repair). *out owned by the caller. */
PV_API int pv_shape_match(pv_ctx *ctx, const pv_mesh *mx, const pv_mesh *my,
                          const pv_shape_match_options *opt,
                          pv_shape_match_result **out);
PV_API void pv_shape_match_result_destroy(pv_shape_match_result **r); /* NULL-safe */

/* ---- geodesics and evaluation ------------------------------------------- */

/* Shortest paths along mesh edges from `src` (an upper bound of the
 * geodesic distance): dist[nv], unreachable = INFINITY. If stop >= 0 the
 * search ends once that vertex is settled (other entries partial). */
PV_API int pv_shape_dijkstra(const pv_mesh *m, int64_t src, int64_t stop, double *dist);

/* Heat-method geodesic distances (Crane, Weischedel, Wardetzky 2013),
 * prepared once per mesh (two CHOLMOD factorisations) and solved for many
 * sources. t = h^2 with h the mean edge length times t_factor (default 1). */
typedef struct pv_shape_heat pv_shape_heat;
PV_API int pv_shape_heat_create(pv_ctx *ctx, const pv_mesh *m, double t_factor,
                                pv_shape_heat **out);
/* Distances from each of ns sources: dist is nv x ns, column-major. */
PV_API int pv_shape_heat_distance(pv_shape_heat *h, int ns, const int64_t *src,
                                  double *dist);
PV_API void pv_shape_heat_destroy(pv_shape_heat **h); /* NULL-safe */

/* The benchmark geodesic error of a map T (Y -> X) against ground truth
 * pairs (gt_x[i], gt_y[i]), i < ngt (0-based vertex indices; entries < 0 are
 * skipped): err[i] = d_X(gt_x[i], T[gt_y[i]]) / sqrt(area_X), and *mean
 * their mean (multiply by 100 for the published scale). method 0: heat,
 * 1: edge Dijkstra (upper bound). err may be NULL. */
PV_API int pv_shape_geodesic_error(pv_ctx *ctx, const pv_mesh *mx, int method,
                                   const int64_t *T, int64_t ny,
                                   const int64_t *gt_x, const int64_t *gt_y,
                                   int64_t ngt, double *err, double *mean);

/* Colour per vertex from its position in the bounding box (x, y, z -> R,
 * G, B); rgb[nv * 3]. Transfer with T: rgb_y[y] = rgb_x[T[y]]. */
PV_API int pv_shape_position_colors(const pv_mesh *m, unsigned char *rgb);

/* Software rasteriser: draw mesh m (per-vertex colours rgb, NULL = grey)
 * into the viewport [x0, x0+w) x [y0, y0+h) of img, orthographic view along
 * -z after a rotation of yaw radians about the y axis, fitted to the
 * viewport, z-buffered, Lambert-shaded. img is a parseval/render.h image. */
struct pv_image;
PV_API int pv_shape_render(const pv_mesh *m, const unsigned char *rgb, double yaw,
                           struct pv_image *img, int x0, int y0, int w, int h);

/* Read a .vts ground-truth file: one 1-based index per line (what that
 * format stores); returns 0-based values in a pv_malloc'd *idx of *n. */
PV_API int pv_shape_read_vts(const char *path, int64_t **idx, int64_t *n);

#ifdef __cplusplus
}
#endif
#endif /* PARSEVAL_SHAPE_H */
