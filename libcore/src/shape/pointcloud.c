/* shape/pointcloud.c - the robust Laplacian of a point cloud (Sharp and
 * Crane 2020, section 5.7): around every point, its k nearest neighbours
 * are projected to the tangent plane (PCA normal) and the Delaunay
 * triangles incident on the point are taken; the union of these triangles
 * over all points (each surface triangle appears up to three times) is a
 * non-manifold triangle soup, whose tufted-cover intrinsic Delaunay
 * Laplacian and lumped mass (robust.c) are divided by 3. */
#include <math.h>
#include <string.h>

#include <lapacke.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/shape.h>

#include "shape_internal.h"

/* Unit normal at c: the least-variance direction of its neighbours. */
static void pca_normal(const double *p, const double *c, const int64_t *nb, int k, double *nrm) {
  double C[9] = {0}, w[3];
  for (int j = 0; j < k; j++) {
    const double *q = p + 3 * nb[j];
    double d[3] = {q[0] - c[0], q[1] - c[1], q[2] - c[2]};
    for (int r = 0; r < 3; r++)
      for (int s = 0; s < 3; s++) C[r + 3 * s] += d[r] * d[s];
  }
  if (LAPACKE_dsyev(LAPACK_COL_MAJOR, 'V', 'U', 3, C, 3, w) != 0) {
    nrm[0] = 0, nrm[1] = 0, nrm[2] = 1;
    return;
  }
  memcpy(nrm, C, 3 * sizeof *nrm); /* eigenvalues ascending: column 0 */
}

/* Orthonormal e1, e2 spanning the plane normal to n. */
static void tangent_basis(const double *n, double *e1, double *e2) {
  double a[3] = {0, 0, 0};
  int m = fabs(n[0]) <= fabs(n[1]) ? (fabs(n[0]) <= fabs(n[2]) ? 0 : 2) : (fabs(n[1]) <= fabs(n[2]) ? 1 : 2);
  a[m] = 1;
  e1[0] = n[1] * a[2] - n[2] * a[1];
  e1[1] = n[2] * a[0] - n[0] * a[2];
  e1[2] = n[0] * a[1] - n[1] * a[0];
  double l = sqrt(e1[0] * e1[0] + e1[1] * e1[1] + e1[2] * e1[2]);
  for (int d = 0; d < 3; d++) e1[d] /= l;
  e2[0] = n[1] * e1[2] - n[2] * e1[1];
  e2[1] = n[2] * e1[0] - n[0] * e1[2];
  e2[2] = n[0] * e1[1] - n[1] * e1[0];
}

/* Clip the convex polygon (x, y, lab: lab[i] labels edge i -> i+1) by
 * a . v <= b; the new edge along the line gets label j. Returns the count. */
static int clip(int np, const double *x, const double *y, const int *lab, double ax, double ay, double b, int j,
                double *ox, double *oy, int *olab) {
  int no = 0;
  for (int i = 0; i < np; i++) {
    int i1 = i + 1 < np ? i + 1 : 0;
    double s0 = ax * x[i] + ay * y[i] - b, s1 = ax * x[i1] + ay * y[i1] - b;
    if (s0 <= 0) {
      ox[no] = x[i], oy[no] = y[i], olab[no++] = lab[i];
      if (s1 > 0) { /* leaving: the rest of the way follows the clip line */
        double t = s0 / (s0 - s1);
        ox[no] = x[i] + t * (x[i1] - x[i]), oy[no] = y[i] + t * (y[i1] - y[i]), olab[no++] = j;
      }
    } else if (s1 <= 0) { /* entering */
      double t = s0 / (s0 - s1);
      ox[no] = x[i] + t * (x[i1] - x[i]), oy[no] = y[i] + t * (y[i1] - y[i]), olab[no++] = lab[i];
    }
  }
  return no;
}

/* Delaunay triangles incident on the origin among the planar points
 * (u[j], v[j]), j < k: consecutive edges A, B of the origin's Voronoi cell
 * (clipped to a box 10x the neighbourhood) meet at the circumcentre of the
 * Delaunay triangle (0, A, B). tri receives pairs (A, B), counter-clockwise;
 * returns their number. Buffers hold k + 4 entries each. */
static int one_ring(int k, const double *u, const double *v, double *bx, double *by, int *bl, double *cx,
                    double *cy, int *cl, int *tri) {
  double R = 0;
  for (int j = 0; j < k; j++) R = fmax(R, fabs(u[j]) + fabs(v[j]));
  R = R > 0 ? 10 * R : 1;
  double sx[4] = {-R, R, R, -R}, sy[4] = {-R, -R, R, R};
  int np = 4;
  for (int i = 0; i < 4; i++) bx[i] = sx[i], by[i] = sy[i], bl[i] = -1;
  for (int j = 0; j < k && np > 0; j++) {
    double b = 0.5 * (u[j] * u[j] + v[j] * v[j]);
    if (!(b > 0)) continue;
    np = clip(np, bx, by, bl, u[j], v[j], b, j, cx, cy, cl);
    memcpy(bx, cx, (size_t)np * sizeof *bx);
    memcpy(by, cy, (size_t)np * sizeof *by);
    memcpy(bl, cl, (size_t)np * sizeof *bl);
  }
  int nt = 0;
  for (int i = 0; i < np; i++) {
    int a = bl[i], b = bl[i + 1 < np ? i + 1 : 0];
    if (a >= 0 && b >= 0 && a != b) tri[2 * nt] = a, tri[2 * nt + 1] = b, nt++;
  }
  return nt;
}

typedef struct { double *u, *v, *bx, *by, *cx, *cy; int *bl, *cl, *tri; } ring_buf;

/* The triangle soup: up to k triangles per point. */
static int soup(const double *p, int64_t n, int k, const int64_t *nb, int64_t *F, int64_t *nf) {
  ring_buf w = {pv_malloc((size_t)k * sizeof(double)), pv_malloc((size_t)k * sizeof(double)),
                pv_malloc((size_t)(k + 4) * sizeof(double)), pv_malloc((size_t)(k + 4) * sizeof(double)),
                pv_malloc((size_t)(k + 4) * sizeof(double)), pv_malloc((size_t)(k + 4) * sizeof(double)),
                pv_malloc((size_t)(k + 4) * sizeof(int)), pv_malloc((size_t)(k + 4) * sizeof(int)),
                pv_malloc((size_t)(2 * (k + 4)) * sizeof(int))};
  int rc = w.u && w.v && w.bx && w.by && w.cx && w.cy && w.bl && w.cl && w.tri ? 0 : PV_ENOMEM;
  *nf = 0;
  for (int64_t i = 0; !rc && i < n; i++) {
    const double *c = p + 3 * i;
    const int64_t *ni = nb + (int64_t)k * i;
    double nrm[3], e1[3], e2[3], scale = 0;
    pca_normal(p, c, ni, k, nrm);
    tangent_basis(nrm, e1, e2);
    for (int j = 0; j < k; j++) {
      const double *q = p + 3 * ni[j];
      double d[3] = {q[0] - c[0], q[1] - c[1], q[2] - c[2]};
      w.u[j] = d[0] * e1[0] + d[1] * e1[1] + d[2] * e1[2];
      w.v[j] = d[0] * e2[0] + d[1] * e2[1] + d[2] * e2[2];
      scale = fmax(scale, hypot(w.u[j], w.v[j]));
    }
    /* A neighbour projecting onto the point itself would have no cell
     * boundary with it: nudge it (as the reference implementation does). */
    for (int j = 0; j < k; j++)
      if (hypot(w.u[j], w.v[j]) < 1e-6 * scale) w.u[j] += 1e-6 * scale;
    int nt = one_ring(k, w.u, w.v, w.bx, w.by, w.bl, w.cx, w.cy, w.cl, w.tri);
    for (int t = 0; t < nt; t++, (*nf)++) {
      F[3 * *nf] = i;
      F[3 * *nf + 1] = ni[w.tri[2 * t]];
      F[3 * *nf + 2] = ni[w.tri[2 * t + 1]];
    }
  }
  pv_free(w.u); pv_free(w.v); pv_free(w.bx); pv_free(w.by); pv_free(w.cx); pv_free(w.cy);
  pv_free(w.bl); pv_free(w.cl); pv_free(w.tri);
  return rc;
}

int pv_shape_pointcloud_laplacian(pv_ctx *ctx, const double *xyz, int64_t n, int k, double mollify_factor,
                                  pv_sparse **L, pv_sparse **M) {
  if (!xyz || !L || !M) return PV_ERROR(PV_EINVAL, "point-cloud Laplacian: NULL argument");
  *L = *M = NULL;
  if (k <= 0) k = 30;
  if (k < 3 || n < k + 1)
    return PV_ERROR(PV_EINVAL, "point-cloud Laplacian: %lld points cannot have %d neighbours each (need n > k >= 3)",
                    (long long)n, k);
  for (int64_t i = 0; i < 3 * n; i++)
    if (!isfinite(xyz[i]))
      return PV_ERROR(PV_EINVAL, "point-cloud Laplacian: point %lld has a non-finite coordinate", (long long)(i / 3));
  int64_t *nb = pv_malloc((size_t)n * k * sizeof *nb), nf = 0;
  pv_mesh *soupm = NULL;
  int rc = nb ? pv_shape_knn3(xyz, n, k, nb) : PV_ENOMEM;
  if (!rc) rc = pv_mesh_create(n, n * (k + 4), 0, &soupm);
  if (!rc) rc = soup(xyz, n, k, nb, soupm->f, &nf);
  pv_free(nb);
  if (!rc && nf == 0) rc = PV_ERROR(PV_EINVAL, "point-cloud Laplacian: no local triangles (collinear points?)");
  pv_sparse *L3 = NULL, *M3 = NULL;
  if (!rc) {
    memcpy(soupm->v, xyz, (size_t)(3 * n) * sizeof *xyz);
    soupm->nf = nf;
    rc = pv_shape_robust_laplacian(ctx, soupm, mollify_factor, &L3, &M3);
  }
  pv_mesh_destroy(&soupm);
  /* Every surface triangle is found from each of its three corners. */
  if (!rc) rc = pv_sparse_add(ctx, 1.0 / 3.0, L3, 0.0, L3, L);
  if (!rc) rc = pv_sparse_add(ctx, 1.0 / 3.0, M3, 0.0, M3, M);
  pv_sparse_destroy(&L3);
  pv_sparse_destroy(&M3);
  if (rc) { pv_sparse_destroy(L); pv_sparse_destroy(M); }
  return rc;
}
