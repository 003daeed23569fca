/* shape/ot.c - entropic optimal-transport refinement of a point map:
 * log-domain Sinkhorn between spectral embeddings of farthest-point samples,
 * the soft plan turned into a functional map by least squares. */
#include <math.h>
#include <string.h>

#include <cblas.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/shape.h>

#include "shape_internal.h"

/* Row-stochastic plan P (ny x nx, column-major) from logits K by
 * log-domain Sinkhorn with uniform marginals. */
static void sinkhorn(double *K, int64_t ny, int64_t nx, int iters, double *f, double *g) {
  double la = -log((double)ny), lb = -log((double)nx);
  memset(f, 0, (size_t)ny * sizeof *f);
  memset(g, 0, (size_t)nx * sizeof *g);
  for (int it = 0; it < iters; it++) {
    for (int64_t i = 0; i < ny; i++) {
      double mx = -INFINITY, s = 0;
      for (int64_t j = 0; j < nx; j++) mx = fmax(mx, K[i + ny * j] + g[j]);
      for (int64_t j = 0; j < nx; j++) s += exp(K[i + ny * j] + g[j] - mx);
      f[i] = la - mx - log(s);
    }
    for (int64_t j = 0; j < nx; j++) {
      double mx = -INFINITY, s = 0;
      for (int64_t i = 0; i < ny; i++) mx = fmax(mx, K[i + ny * j] + f[i]);
      for (int64_t i = 0; i < ny; i++) s += exp(K[i + ny * j] + f[i] - mx);
      g[j] = lb - mx - log(s);
    }
  }
  /* Rows normalised to 1: a soft assignment of each Y sample. */
  for (int64_t i = 0; i < ny; i++) {
    double s = 0;
    for (int64_t j = 0; j < nx; j++) s += (K[i + ny * j] = exp(K[i + ny * j] + f[i] + g[j]));
    for (int64_t j = 0; j < nx && s > 0; j++) K[i + ny * j] /= s;
  }
}

/* Cost = squared distances between rows of Qy (ny x k) and Ex (nx x k),
 * normalised by the mean, turned into logits -c / (2 sigma^2). */
static void logits(const double *Qy, int64_t ny, const double *Ex, int64_t nx, int k, double sigma, double *K) {
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)ny, (int)nx, k, -2.0, Qy, (int)ny, Ex, (int)nx, 0.0, K, (int)ny);
  double mean = 0;
  for (int64_t j = 0; j < nx; j++) {
    double en = 0;
    for (int c = 0; c < k; c++) en += Ex[j + nx * c] * Ex[j + nx * c];
    for (int64_t i = 0; i < ny; i++) {
      double qn = 0;
      for (int c = 0; c < k; c++) qn += Qy[i + ny * c] * Qy[i + ny * c];
      K[i + ny * j] = fmax(0.0, K[i + ny * j] + en + qn);
      mean += K[i + ny * j];
    }
  }
  mean /= (double)(nx * ny);
  for (int64_t i = 0; i < nx * ny; i++) K[i] = -K[i] / (mean > 0 ? mean : 1) / (2 * sigma * sigma);
}

int pv_shape_ot_refine(pv_ctx *ctx, const pv_shape_basis *bx, const pv_shape_basis *by, const pv_mesh *mx,
                       const pv_mesh *my, const pv_shape_ot_options *opt, int64_t *T) {
  pv_shape_ot_options o = PV_SHAPE_OT_OPTIONS_INIT;
  if (opt) o = *opt;
  if (!bx || !by || !mx || !my || !T) return PV_ERROR(PV_EINVAL, "OT refinement: NULL argument");
  int k = o.k;
  if (k < 1 || k > bx->k || k > by->k || !(o.sigma > 0) || o.sinkhorn_iter < 1 || o.outer_iter < 1)
    return PV_ERROR(PV_EINVAL, "OT refinement: k = %d (bases %d, %d), sigma = %g, iterations %d/%d", k, bx->k, by->k,
                    o.sigma, o.sinkhorn_iter, o.outer_iter);
  int64_t ny = o.samples < by->n ? o.samples : by->n, nx = o.samples < bx->n ? o.samples : bx->n;
  if (ny < k) ny = k < by->n ? k : by->n;
  if (nx < 2) nx = bx->n;
  int rc = 0;
  int64_t *Sy = pv_malloc((size_t)ny * sizeof *Sy), *Sx = pv_malloc((size_t)nx * sizeof *Sx);
  double *K = pv_malloc((size_t)ny * nx * sizeof *K), *Qy = pv_malloc((size_t)ny * k * sizeof *Qy);
  double *Ex = pv_malloc((size_t)nx * k * sizeof *Ex), *B = pv_malloc((size_t)ny * k * sizeof *B);
  double *C = pv_malloc((size_t)k * k * sizeof *C), *f = pv_malloc((size_t)ny * sizeof *f), *g = pv_malloc((size_t)nx * sizeof *g);
  double *Px = pv_malloc((size_t)nx * k * sizeof *Px);
  if (!Sy || !Sx || !K || !Qy || !Ex || !B || !C || !f || !g || !Px) { rc = PV_ENOMEM; goto done; }
  if ((rc = pv_shape_fps(my, 0, ny, Sy)) || (rc = pv_shape_fps(mx, 0, nx, Sx))) goto done;
  for (int j = 0; j < k; j++) {
    for (int64_t s = 0; s < ny; s++) Qy[s + ny * j] = by->evecs[Sy[s] + by->n * j];
    for (int64_t s = 0; s < nx; s++) Px[s + nx * j] = bx->evecs[Sx[s] + bx->n * j];
  }
  /* Start from the current map's functional map. */
  for (int j = 0; j < k; j++)
    for (int64_t s = 0; s < ny; s++) B[s + ny * j] = bx->evecs[T[Sy[s]] + bx->n * j];
  if ((rc = pv_shape_lstsq_fmap(by, Sy, ny, k, B, C))) goto done;
  for (int it = 0; it < o.outer_iter; it++) {
    /* Ex = Phi_x[Sx] C^T, compared with Phi_y[Sy]. */
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)nx, k, k, 1.0, Px, (int)nx, C, k, 0.0, Ex, (int)nx);
    logits(Qy, ny, Ex, nx, k, o.sigma, K);
    sinkhorn(K, ny, nx, o.sinkhorn_iter, f, g);
    /* B = Pi Phi_x[Sx]: soft images of the Y samples. */
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)ny, k, (int)nx, 1.0, K, (int)ny, Px, (int)nx, 0.0, B, (int)ny);
    if ((rc = pv_shape_lstsq_fmap(by, Sy, ny, k, B, C))) goto done;
    if ((rc = pv_ctx_progress(ctx, (it + 1.0) / o.outer_iter, "OT refinement"))) goto done;
  }
  rc = pv_shape_fmap_to_p2p(ctx, bx, by, k, k, C, k, T);
done:
  pv_free(Sy); pv_free(Sx); pv_free(K); pv_free(Qy); pv_free(Ex); pv_free(B); pv_free(C); pv_free(f); pv_free(g); pv_free(Px);
  return rc;
}
