/* shape/p2p_local.c - point map from a functional map on large meshes.
 * The exact map (every vertex of Y against every vertex of X in the
 * k-dimensional spectral embedding) costs 2 n_x n_y k flops: 4e12 at 100k
 * vertices and k = 195. Here the vertices of Y are grouped into the cells
 * of ns farthest-point samples (nearest sample in R^3); each sample's image
 * is found exactly among ns samples of X, then re-centred by a local
 * search; every vertex of the cell then searches only the ncand vertices
 * of X nearest (in R^3) to that image: 2 n_y ncand k flops. */
#include <math.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/shape.h>

#include <cblas.h>

typedef struct {
  int64_t *Sx, *Sy, *cand, *cell, *start, *order, *idx, *img;
  double *E, *Q, *P, *pts;
} loc_work;

static void loc_free(loc_work *w) {
  pv_free(w->Sx); pv_free(w->Sy); pv_free(w->cand); pv_free(w->cell); pv_free(w->start); pv_free(w->order);
  pv_free(w->idx); pv_free(w->img); pv_free(w->E); pv_free(w->Q); pv_free(w->P); pv_free(w->pts);
}

/* Rows rows[0..m) of A (lda rows, k columns) into B (m x k). */
static void gather(const double *A, int64_t lda, const int64_t *rows, int64_t m, int k, double *B) {
  for (int j = 0; j < k; j++)
    for (int64_t r = 0; r < m; r++) B[r + m * j] = A[rows[r] + lda * j];
}

/* Candidates of every sample: the ncand vertices of X nearest to its image. */
static int candidates(const pv_mesh *mx, loc_work *w, int64_t ns, int64_t ncand) {
  for (int64_t s = 0; s < ns; s++) memcpy(w->pts + 3 * s, mx->v + 3 * w->img[s], 3 * sizeof(double));
  return pv_shape_knn3_query(mx->v, mx->nv, w->pts, ns, (int)ncand, w->cand);
}

/* Images of the Y samples: exact among the X samples, then re-centred by
 * the best of their candidates. */
static int sample_images(pv_ctx *ctx, const pv_shape_basis *bx, const pv_shape_basis *by, const pv_mesh *mx,
                         loc_work *w, int64_t ns, int64_t ncand, int k) {
  gather(w->E, bx->n, w->Sx, ns, k, w->P);
  gather(by->evecs, by->n, w->Sy, ns, k, w->Q);
  int rc = pv_shape_knn1(ctx, ns, ns, k, w->Q, ns, w->P, ns, w->idx, NULL);
  for (int64_t s = 0; !rc && s < ns; s++) w->img[s] = w->Sx[w->idx[s]];
  if (!rc) rc = candidates(mx, w, ns, ncand);
  for (int64_t s = 0; !rc && s < ns; s++) {
    gather(w->E, bx->n, w->cand + ncand * s, ncand, k, w->P);
    rc = pv_shape_knn1(ctx, 1, ncand, k, w->Q + s, ns, w->P, ncand, w->idx, NULL);
    w->img[s] = w->cand[ncand * s + w->idx[0]];
  }
  return rc ? rc : candidates(mx, w, ns, ncand);
}

/* Vertices of Y by cell (counting sort): order[start[s] .. start[s+1]). */
static int cells(const pv_mesh *my, loc_work *w, int64_t ns) {
  for (int64_t s = 0; s < ns; s++) memcpy(w->pts + 3 * s, my->v + 3 * w->Sy[s], 3 * sizeof(double));
  int rc = pv_shape_knn3_query(w->pts, ns, my->v, my->nv, 1, w->cell);
  if (rc) return rc;
  memset(w->start, 0, (size_t)(ns + 1) * sizeof *w->start);
  for (int64_t y = 0; y < my->nv; y++) w->start[w->cell[y] + 1]++;
  for (int64_t s = 0; s < ns; s++) w->start[s + 1] += w->start[s];
  for (int64_t s = 0; s < ns; s++) w->idx[s] = w->start[s]; /* fill positions */
  for (int64_t y = 0; y < my->nv; y++) w->order[w->idx[w->cell[y]]++] = y;
  return 0;
}

int pv_shape_fmap_to_p2p_local(pv_ctx *ctx, const pv_shape_basis *bx, const pv_shape_basis *by, const pv_mesh *mx,
                               const pv_mesh *my, int k, const double *C, int64_t ldc, int64_t ns, int64_t ncand,
                               int64_t *T) {
  if (!bx || !by || !mx || !my || !C || !T || k < 1 || k > bx->k || k > by->k || ldc < k || mx->nv != bx->n ||
      my->nv != by->n || ns < 1 || ncand < 1)
    return PV_ERROR(PV_EINVAL, "local point map: k = %d, %lld samples, %lld candidates", k, (long long)ns,
                    (long long)ncand);
  if (ns > bx->n) ns = bx->n;
  if (ns > by->n) ns = by->n;
  if (ncand > bx->n) ncand = bx->n;
  int64_t big = ns > ncand ? ns : ncand;
  loc_work w = {pv_malloc((size_t)ns * sizeof(int64_t)), pv_malloc((size_t)ns * sizeof(int64_t)),
                pv_malloc((size_t)(ns * ncand) * sizeof(int64_t)), pv_malloc((size_t)by->n * sizeof(int64_t)),
                pv_malloc((size_t)(ns + 1) * sizeof(int64_t)), pv_malloc((size_t)by->n * sizeof(int64_t)),
                pv_malloc((size_t)(big > by->n ? big : by->n) * sizeof(int64_t)), pv_malloc((size_t)ns * sizeof(int64_t)),
                pv_malloc((size_t)(bx->n * k) * sizeof(double)), pv_malloc((size_t)(ns * k) * sizeof(double)),
                pv_malloc((size_t)(big * k) * sizeof(double)), pv_malloc((size_t)(3 * ns) * sizeof(double))};
  int rc = w.Sx && w.Sy && w.cand && w.cell && w.start && w.order && w.idx && w.img && w.E && w.Q && w.P && w.pts
               ? 0 : PV_ENOMEM;
  if (!rc) rc = pv_shape_fps(mx, 0, ns, w.Sx);
  if (!rc) rc = pv_shape_fps(my, 0, ns, w.Sy);
  if (!rc) /* E = Phi_x[:, :k] C^T */
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)bx->n, k, k, 1.0, bx->evecs, (int)bx->n, C, (int)ldc,
                0.0, w.E, (int)bx->n);
  if (!rc) rc = sample_images(ctx, bx, by, mx, &w, ns, ncand, k);
  if (!rc) rc = cells(my, &w, ns);
  int64_t mmax = ns;
  for (int64_t s = 0; !rc && s < ns; s++)
    if (w.start[s + 1] - w.start[s] > mmax) mmax = w.start[s + 1] - w.start[s];
  if (!rc && mmax > ns) { /* the largest cell's embedding rows */
    pv_free(w.Q);
    if (!(w.Q = pv_malloc((size_t)(mmax * k) * sizeof(double)))) rc = PV_ENOMEM;
  }
  for (int64_t s = 0; !rc && s < ns; s++) {
    int64_t m = w.start[s + 1] - w.start[s];
    if (m == 0) continue;
    const int64_t *ys = w.order + w.start[s], *cs = w.cand + ncand * s;
    gather(by->evecs, by->n, ys, m, k, w.Q);
    gather(w.E, bx->n, cs, ncand, k, w.P);
    rc = pv_shape_knn1(ctx, m, ncand, k, w.Q, m, w.P, ncand, w.idx, NULL);
    for (int64_t r = 0; !rc && r < m; r++) T[ys[r]] = cs[w.idx[r]];
    if (!rc && (s & 63) == 63) rc = pv_ctx_progress(ctx, (double)(s + 1) / ns, "local point map");
  }
  loc_free(&w);
  return rc;
}
