/* shape/knn.c - exact nearest neighbours in spectral embeddings by blocked
 * GEMM: argmin_j ||p_j||^2 - 2 q . p_j. */
#include <math.h>
#include <string.h>

#include <cblas.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/shape.h>

enum { QB = 256, PB = 2048 };

int pv_shape_knn1(pv_ctx *ctx, int64_t m, int64_t n, int d, const double *Q, int64_t ldq, const double *P,
                  int64_t ldp, int64_t *idx, double *dist2) {
  (void)ctx;
  if (m < 0 || n < 1 || d < 1 || !Q || !P || !idx || ldq < m || ldp < n)
    return PV_ERROR(PV_EINVAL, "knn: bad sizes m = %lld, n = %lld, d = %d", (long long)m, (long long)n, d);
  double *pn = pv_malloc((size_t)n * sizeof *pn), *G = pv_malloc((size_t)QB * PB * sizeof *G);
  double *best = pv_malloc((size_t)QB * sizeof *best);
  if (!pn || !G || !best) {
    pv_free(pn);
    pv_free(G);
    pv_free(best);
    return PV_ENOMEM;
  }
  memset(pn, 0, (size_t)n * sizeof *pn);
  for (int c = 0; c < d; c++)
    for (int64_t j = 0; j < n; j++) pn[j] += P[j + ldp * c] * P[j + ldp * c];
  for (int64_t i0 = 0; i0 < m; i0 += QB) {
    int64_t mb = m - i0 < QB ? m - i0 : QB;
    for (int64_t i = 0; i < mb; i++) best[i] = INFINITY;
    for (int64_t j0 = 0; j0 < n; j0 += PB) {
      int64_t nb = n - j0 < PB ? n - j0 : PB;
      cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)mb, (int)nb, d, -2.0, Q + i0, (int)ldq, P + j0,
                  (int)ldp, 0.0, G, QB);
      for (int64_t j = 0; j < nb; j++) {
        const double *g = G + (size_t)QB * j;
        double pj = pn[j0 + j];
        for (int64_t i = 0; i < mb; i++) {
          double v = pj + g[i];
          if (v < best[i]) {
            best[i] = v;
            idx[i0 + i] = j0 + j;
          }
        }
      }
    }
    if (dist2)
      for (int64_t i = 0; i < mb; i++) {
        double qn = 0;
        for (int c = 0; c < d; c++) qn += Q[i0 + i + ldq * c] * Q[i0 + i + ldq * c];
        dist2[i0 + i] = fmax(0.0, best[i] + qn);
      }
  }
  pv_free(pn);
  pv_free(G);
  pv_free(best);
  return 0;
}

int pv_shape_fps(const pv_mesh *m, int64_t first, int64_t ns, int64_t *idx) {
  if (!m || !idx || ns < 1 || ns > m->nv || first < 0 || first >= m->nv)
    return PV_ERROR(PV_EINVAL, "farthest-point sampling: %lld samples of %lld vertices from %lld", (long long)ns,
                    (long long)(m ? m->nv : 0), (long long)first);
  double *d = pv_malloc((size_t)m->nv * sizeof *d);
  if (!d) return PV_ENOMEM;
  for (int64_t i = 0; i < m->nv; i++) d[i] = INFINITY;
  int64_t cur = first;
  for (int64_t s = 0; s < ns; s++) {
    idx[s] = cur;
    const double *c = m->v + 3 * cur;
    int64_t arg = 0;
    double far = -1;
    for (int64_t i = 0; i < m->nv; i++) {
      const double *p = m->v + 3 * i;
      double e = (p[0] - c[0]) * (p[0] - c[0]) + (p[1] - c[1]) * (p[1] - c[1]) + (p[2] - c[2]) * (p[2] - c[2]);
      if (e < d[i]) d[i] = e;
      if (d[i] > far) {
        far = d[i];
        arg = i;
      }
    }
    cur = arg;
  }
  pv_free(d);
  return 0;
}
