/* shape/zoomout.c - ZoomOut spectral upsampling on farthest-point samples. */
#include <math.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/shape.h>

#include "shape_internal.h"

/* C (k x k) = argmin || Phi_y[S, :k] C - B ||, B = ns x k targets (overwritten). */
int pv_shape_lstsq_fmap(const pv_shape_basis *by, const int64_t *S, int64_t ns, int k, double *B, double *C) {
  double *A = pv_malloc((size_t)ns * k * sizeof *A);
  if (!A) return PV_ENOMEM;
  for (int j = 0; j < k; j++)
    for (int64_t s = 0; s < ns; s++) A[s + ns * j] = by->evecs[S[s] + by->n * j];
  lapack_int info = LAPACKE_dgels(LAPACK_COL_MAJOR, 'N', (lapack_int)ns, k, k, A, (lapack_int)ns, B, (lapack_int)ns);
  pv_free(A);
  if (info != 0) return PV_ERROR(PV_ENUMERIC, "least-squares functional map (k = %d, %lld samples): LAPACK info %d", k, (long long)ns, (int)info);
  for (int j = 0; j < k; j++)
    for (int i = 0; i < k; i++) C[i + k * j] = B[i + ns * j];
  return 0;
}

/* T[S[s]] for the samples from C (k x k): nearest rows of Phi_x[R] C^T
 * (R the nr candidate vertices of X, or all when R is NULL). */
int pv_shape_p2p_samples(pv_ctx *ctx, const pv_shape_basis *bx, const pv_shape_basis *by, const int64_t *S,
                         int64_t ns, const int64_t *R, int64_t nr, int k, const double *C, double *E, double *Q,
                         double *PR, int64_t *T) {
  const double *Px = bx->evecs;
  int64_t ldp = bx->n;
  if (R) {
    for (int j = 0; j < k; j++)
      for (int64_t r = 0; r < nr; r++) PR[r + nr * j] = bx->evecs[R[r] + bx->n * j];
    Px = PR;
    ldp = nr;
  } else {
    nr = bx->n;
  }
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)nr, k, k, 1.0, Px, (int)ldp, C, k, 0.0, E, (int)nr);
  for (int j = 0; j < k; j++)
    for (int64_t s = 0; s < ns; s++) Q[s + ns * j] = by->evecs[S[s] + by->n * j];
  int64_t *idx = pv_malloc((size_t)ns * sizeof *idx);
  if (!idx) return PV_ENOMEM;
  int rc = pv_shape_knn1(ctx, ns, nr, k, Q, ns, E, nr, idx, NULL);
  for (int64_t s = 0; !rc && s < ns; s++) T[S[s]] = R ? R[idx[s]] : idx[s];
  pv_free(idx);
  return rc;
}

/* ns samples of mesh m (all vertices, in order, when ns >= nv or m NULL). */
static int samples(const pv_mesh *m, int64_t nv, int64_t ns, int64_t *S) {
  if (ns >= nv || !m) {
    for (int64_t s = 0; s < ns; s++) S[s] = s * nv / ns;
    return 0;
  }
  return pv_shape_fps(m, 0, ns, S);
}

int64_t pv_shape_local_candidates(const pv_shape_zoomout_options *o, int64_t ny, int64_t ns) {
  if (o->local_candidates > 0) return o->local_candidates;
  int64_t c = 10 * ((ny + ns - 1) / (ns > 0 ? ns : 1));
  return c > 512 ? c : 512;
}

typedef struct { int64_t *S, *R; double *B, *C, *E, *Q, *PR, *QF, *RF; } zo_work;

static void zo_free(zo_work *w) {
  pv_free(w->S); pv_free(w->R); pv_free(w->B); pv_free(w->C); pv_free(w->E); pv_free(w->Q); pv_free(w->PR);
  pv_free(w->QF); pv_free(w->RF);
}

/* One thin QR of A = Phi_y[S, :kf] = QF RF serves every k of the schedule:
 * the columns are nested, so A[:, :k] = QF[:, :k] RF[:k, :k]. */
static int zo_qr(const pv_shape_basis *by, zo_work *w, int64_t ns, int kf) {
  double *tau = pv_malloc((size_t)kf * sizeof *tau);
  if (!tau) return PV_ENOMEM;
  for (int j = 0; j < kf; j++)
    for (int64_t s = 0; s < ns; s++) w->QF[s + ns * j] = by->evecs[w->S[s] + by->n * j];
  lapack_int info = LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (lapack_int)ns, kf, w->QF, (lapack_int)ns, tau);
  for (int j = 0; !info && j < kf; j++)
    for (int i = 0; i < kf; i++) w->RF[i + kf * j] = i <= j ? w->QF[i + ns * j] : 0;
  for (int j = 0; !info && j < kf; j++)
    if (!(fabs(w->RF[j + kf * j]) > 1e-12 * fabs(w->RF[0]))) info = -1000 - j;
  if (!info) info = LAPACKE_dorgqr(LAPACK_COL_MAJOR, (lapack_int)ns, kf, kf, w->QF, (lapack_int)ns, tau);
  pv_free(tau);
  if (info) return PV_ERROR(PV_ENUMERIC, "ZoomOut: the %lld samples do not determine %d basis functions (QR info %d)",
                            (long long)ns, kf, (int)info);
  return 0;
}

/* C (k x k) = RF[:k, :k]^{-1} QF[:, :k]^T B: least squares on the samples. */
static void zo_lstsq(const zo_work *w, int64_t ns, int kf, int k) {
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, k, k, (int)ns, 1.0, w->QF, (int)ns, w->B, (int)ns, 0.0, w->C,
              k);
  cblas_dtrsm(CblasColMajor, CblasLeft, CblasUpper, CblasNoTrans, CblasNonUnit, k, k, 1.0, w->RF, kf, w->C, k);
}

static int zo_loop(pv_ctx *ctx, const pv_shape_basis *bx, const pv_shape_basis *by, const pv_shape_zoomout_options *o,
                   zo_work *w, int64_t ns, int64_t nr, int64_t *T) {
  int kf = o->k_final, rc;
  for (int k = o->k_init;; k += o->step) {
    if (k > kf) k = kf;
    for (int j = 0; j < k; j++)
      for (int64_t s = 0; s < ns; s++) w->B[s + ns * j] = bx->evecs[T[w->S[s]] + bx->n * j];
    zo_lstsq(w, ns, kf, k);
    if (k == kf) return 0;
    if ((rc = pv_shape_p2p_samples(ctx, bx, by, w->S, ns, w->R, nr, k, w->C, w->E, w->Q, w->PR, T))) return rc;
    if ((rc = pv_ctx_progress(ctx, (double)(k - o->k_init) / (kf - o->k_init + 1), "ZoomOut"))) return rc;
  }
}

int pv_shape_zoomout(pv_ctx *ctx, const pv_shape_basis *bx, const pv_shape_basis *by, const pv_mesh *mx,
                     const pv_mesh *my, const pv_shape_zoomout_options *opt, int64_t *T, double *C_out) {
  pv_shape_zoomout_options o = PV_SHAPE_ZOOMOUT_OPTIONS_INIT;
  if (opt) o = *opt;
  if (!bx || !by || !T) return PV_ERROR(PV_EINVAL, "ZoomOut: NULL argument");
  if (o.struct_size < sizeof o) o.exact_max = 1e8, o.local_candidates = 0; /* older callers */
  if (o.k_init < 1 || o.k_final < o.k_init || o.k_final > bx->k || o.k_final > by->k || o.step < 1 ||
      o.local_candidates < 0)
    return PV_ERROR(PV_EINVAL, "ZoomOut: schedule %d..%d step %d does not fit the bases (%d, %d)", o.k_init, o.k_final,
                    o.step, bx->k, by->k);
  for (int64_t y = 0; y < by->n; y++)
    if (T[y] < 0 || T[y] >= bx->n) return PV_ERROR(PV_EINVAL, "ZoomOut: initial map entry %lld = %lld outside [0, %lld)", (long long)y, (long long)T[y], (long long)bx->n);
  int kf = o.k_final, rc = 0;
  int64_t ns = o.samples <= 0 || o.samples >= by->n ? by->n : o.samples;
  if (ns < 2 * kf) ns = 2 * kf < by->n ? 2 * kf : by->n;
  int64_t nr = o.target_samples <= 0 || o.target_samples >= bx->n || !mx ? 0 : o.target_samples;
  if (nr && nr < kf) nr = kf;
  int64_t ne = nr ? nr : bx->n;
  zo_work w = {pv_malloc((size_t)ns * sizeof(int64_t)), nr ? pv_malloc((size_t)nr * sizeof(int64_t)) : NULL,
               pv_malloc((size_t)ns * kf * sizeof(double)), pv_malloc((size_t)kf * kf * sizeof(double)),
               pv_malloc((size_t)ne * kf * sizeof(double)), pv_malloc((size_t)ns * kf * sizeof(double)),
               nr ? pv_malloc((size_t)nr * kf * sizeof(double)) : NULL,
               pv_malloc((size_t)ns * kf * sizeof(double)), pv_malloc((size_t)kf * kf * sizeof(double))};
  if (!w.S || !w.B || !w.C || !w.E || !w.Q || !w.QF || !w.RF || (nr && (!w.R || !w.PR))) rc = PV_ENOMEM;
  if (!rc) rc = samples(my, by->n, ns, w.S);
  if (!rc) rc = zo_qr(by, &w, ns, kf);
  if (!rc && nr) rc = samples(mx, bx->n, nr, w.R);
  if (!rc) rc = zo_loop(ctx, bx, by, &o, &w, ns, nr, T);
  if (!rc && (double)bx->n * (double)by->n > o.exact_max && mx && my)
    rc = pv_shape_fmap_to_p2p_local(ctx, bx, by, mx, my, kf, w.C, kf, ns, pv_shape_local_candidates(&o, by->n, ns), T);
  else if (!rc)
    rc = pv_shape_fmap_to_p2p(ctx, bx, by, kf, kf, w.C, kf, T);
  if (!rc && C_out) memcpy(C_out, w.C, (size_t)kf * kf * sizeof(double));
  zo_free(&w);
  return rc;
}
