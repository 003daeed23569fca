/* shape/sw.c - sliced-Wasserstein refinement of a functional map (the
 * test-time use of the SW loss of Le et al., CVPR 2024): C is moved by Adam
 * so that the pushed-forward spectral embedding Phi_x[S_x] C^T of farthest-
 * point samples of X matches Phi_y[S_y] in sliced Wasserstein distance
 * (random unit directions, sorted 1-D projections), optionally held near
 * its start; the point map follows by nearest neighbours. Memory O(n k):
 * no n x n matrix. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/rng.h>
#include <parseval/shape.h>

typedef struct { double v; int64_t i; } keyed;

static int by_value(const void *a, const void *b) {
  const keyed *x = a, *y = b;
  return x->v < y->v ? -1 : x->v > y->v ? 1 : (x->i > y->i) - (x->i < y->i);
}

/* Sort column d of A (n x nd) into s (value, row). */
static void sorted_column(const double *A, int64_t n, int d, keyed *s) {
  for (int64_t i = 0; i < n; i++) s[i] = (keyed){A[i + n * d], i};
  qsort(s, (size_t)n, sizeof *s, by_value);
}

int pv_shape_sw2(const double *E, const double *Q, int64_t n, int k, const double *Theta, int nd, double *sw2,
                 double *gE) {
  if (!E || !Q || !Theta || !sw2 || n < 1 || k < 1 || nd < 1)
    return PV_ERROR(PV_EINVAL, "sliced Wasserstein: n = %lld, k = %d, %d directions", (long long)n, k, nd);
  double *PE = pv_malloc((size_t)(n * nd) * sizeof *PE), *PQ = pv_malloc((size_t)(n * nd) * sizeof *PQ);
  keyed *se = pv_malloc((size_t)n * sizeof *se), *sq = pv_malloc((size_t)n * sizeof *sq);
  int rc = PE && PQ && se && sq ? 0 : PV_ENOMEM;
  if (!rc) {
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)n, nd, k, 1.0, E, (int)n, Theta, k, 0.0, PE, (int)n);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)n, nd, k, 1.0, Q, (int)n, Theta, k, 0.0, PQ, (int)n);
    double acc = 0;
    for (int d = 0; d < nd; d++) {
      sorted_column(PE, n, d, se);
      sorted_column(PQ, n, d, sq);
      for (int64_t i = 0; i < n; i++) {
        double r = se[i].v - sq[i].v;
        acc += r * r;
        PE[se[i].i + n * d] = r; /* residual at the row of E it belongs to */
      }
    }
    *sw2 = acc / ((double)n * nd);
    /* dSW2/dE = 2 / (n nd) R Theta^T. */
    if (gE)
      cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)n, k, nd, 2.0 / ((double)n * nd), PE, (int)n, Theta, k,
                  0.0, gE, (int)n);
  }
  pv_free(PE); pv_free(PQ); pv_free(se); pv_free(sq);
  return rc;
}

/* ns samples: all vertices in order when ns == nv, else farthest points. */
static int pick(const pv_mesh *m, int64_t nv, int64_t ns, int64_t *S) {
  if (ns == nv) {
    for (int64_t i = 0; i < nv; i++) S[i] = i;
    return 0;
  }
  return pv_shape_fps(m, 0, ns, S);
}

static void random_directions(pv_rng *r, int k, int nd, double *Theta) {
  for (int d = 0; d < nd; d++) {
    double *t = Theta + (int64_t)k * d, nn = 0;
    for (int a = 0; a < k; a++) {
      t[a] = pv_rng_normal(r);
      nn += t[a] * t[a];
    }
    nn = nn > 0 ? 1 / sqrt(nn) : 0;
    for (int a = 0; a < k; a++) t[a] *= nn;
  }
}

typedef struct { int64_t *Sx, *Sy; double *P, *Q, *E, *gE, *Th, *g, *m, *v, *C0; } sw_work;

static void sw_free(sw_work *w) {
  pv_free(w->Sx); pv_free(w->Sy); pv_free(w->P); pv_free(w->Q); pv_free(w->E); pv_free(w->gE); pv_free(w->Th);
  pv_free(w->g); pv_free(w->m); pv_free(w->v); pv_free(w->C0);
}

/* Adam on C (k x k) for o->iterations steps. */
static int descend(pv_ctx *ctx, const pv_shape_sw_options *o, sw_work *w, int64_t ns, int k, double *C,
                   double *loss) {
  pv_rng r;
  pv_rng_init(&r, ctx ? pv_ctx_seed(ctx) : 0, 0x5357u);
  const double b1 = 0.9, b2 = 0.999;
  int64_t kk = (int64_t)k * k;
  memset(w->m, 0, (size_t)kk * sizeof *w->m);
  memset(w->v, 0, (size_t)kk * sizeof *w->v);
  int rc = 0;
  for (int it = 1; !rc && it <= o->iterations; it++) {
    random_directions(&r, k, o->directions, w->Th);
    /* E = P C^T: the X samples pushed into Y's spectral coordinates. */
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)ns, k, k, 1.0, w->P, (int)ns, C, k, 0.0, w->E, (int)ns);
    if ((rc = pv_shape_sw2(w->E, w->Q, ns, k, w->Th, o->directions, loss, w->gE))) break;
    /* dC = gE^T P + 2 proximity (C - C0). */
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, k, k, (int)ns, 1.0, w->gE, (int)ns, w->P, (int)ns, 0.0, w->g, k);
    for (int64_t i = 0; i < kk; i++) {
      double g = w->g[i] + 2 * o->proximity * (C[i] - w->C0[i]);
      w->m[i] = b1 * w->m[i] + (1 - b1) * g;
      w->v[i] = b2 * w->v[i] + (1 - b2) * g * g;
      double mh = w->m[i] / (1 - pow(b1, it)), vh = w->v[i] / (1 - pow(b2, it));
      C[i] -= o->lr * mh / (sqrt(vh) + 1e-12);
    }
    rc = pv_ctx_progress(ctx, (double)it / o->iterations, "sliced-Wasserstein refinement");
  }
  return rc;
}

int pv_shape_sw_refine(pv_ctx *ctx, const pv_shape_basis *bx, const pv_shape_basis *by, const pv_mesh *mx,
                       const pv_mesh *my, const pv_shape_sw_options *opt, int k, double *C, int64_t *T,
                       double *sw2_out) {
  pv_shape_sw_options o = PV_SHAPE_SW_OPTIONS_INIT;
  if (opt) o = *opt;
  if (!bx || !by || !mx || !my || !C || !T) return PV_ERROR(PV_EINVAL, "SW refinement: NULL argument");
  if (k < 1 || k > bx->k || k > by->k || o.directions < 1 || o.iterations < 0 || !(o.lr > 0) || !(o.proximity >= 0) ||
      mx->nv != bx->n || my->nv != by->n)
    return PV_ERROR(PV_EINVAL, "SW refinement: k = %d (bases %d, %d), %d directions, %d iterations, lr %g, proximity %g",
                    k, bx->k, by->k, o.directions, o.iterations, o.lr, o.proximity);
  int64_t ns = o.samples <= 0 ? bx->n : o.samples;
  if (ns > bx->n) ns = bx->n;
  if (ns > by->n) ns = by->n;
  int64_t kk = (int64_t)k * k, nk = ns * k;
  sw_work w = {pv_malloc((size_t)ns * sizeof(int64_t)), pv_malloc((size_t)ns * sizeof(int64_t)),
               pv_malloc((size_t)nk * sizeof(double)), pv_malloc((size_t)nk * sizeof(double)),
               pv_malloc((size_t)nk * sizeof(double)), pv_malloc((size_t)nk * sizeof(double)),
               pv_malloc((size_t)k * o.directions * sizeof(double)), pv_malloc((size_t)kk * sizeof(double)),
               pv_malloc((size_t)kk * sizeof(double)), pv_malloc((size_t)kk * sizeof(double)),
               pv_malloc((size_t)kk * sizeof(double))};
  int rc = w.Sx && w.Sy && w.P && w.Q && w.E && w.gE && w.Th && w.g && w.m && w.v && w.C0 ? 0 : PV_ENOMEM;
  if (!rc) rc = pick(mx, bx->n, ns, w.Sx);
  if (!rc) rc = pick(my, by->n, ns, w.Sy);
  double loss = NAN;
  if (!rc) {
    for (int j = 0; j < k; j++)
      for (int64_t s = 0; s < ns; s++) {
        w.P[s + ns * j] = bx->evecs[w.Sx[s] + bx->n * j];
        w.Q[s + ns * j] = by->evecs[w.Sy[s] + by->n * j];
      }
    memcpy(w.C0, C, (size_t)kk * sizeof *C);
    rc = descend(ctx, &o, &w, ns, k, C, &loss);
  }
  if (!rc) rc = pv_shape_fmap_to_p2p(ctx, bx, by, k, k, C, k, T);
  if (!rc && sw2_out) *sw2_out = loss;
  sw_free(&w);
  return rc;
}
