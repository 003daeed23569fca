/* shape/fmap.c - functional-map fit (quadratic energy, preconditioned
 * conjugate gradients) and conversions between point and functional maps. */
#include <math.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/shape.h>

#include "fmap_ops.h"

/* Unknowns up to which the Hessian is formed and factorised densely. */
#define PV_FMAP_DENSE_MAX 2600

/* The energy's data: C is ky x kx column-major. */
typedef struct {
  int kx, ky, nops;
  double wd, wl, wc, wo;
  double *AAt;  /* kx x kx: A_x A_x^T */
  double *rhs;  /* ky x kx: w_d A_y A_x^T */
  double *lap;  /* ky x kx: normalised squared eigenvalue differences */
  double *Gx, *Gy; /* nops operators, kx x kx and ky x ky */
  double *w;    /* per operator weight */
  double *R, *S; /* ky x kx scratch */
} fm_energy;

/* H(C) = w_d C AAt + w_l lap .* C + sum_o w_o (R G_x^T - G_y^T R), R = C G_x - G_y C. */
static void apply_h(fm_energy *e, const double *C, double *H) {
  int kx = e->kx, ky = e->ky;
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, ky, kx, kx, e->wd, C, ky, e->AAt, kx, 0.0, H, ky);
  for (int i = 0; i < kx * ky; i++) H[i] += e->wl * e->lap[i] * C[i];
  for (int o = 0; o < e->nops; o++) {
    const double *Gx = e->Gx + (size_t)o * kx * kx, *Gy = e->Gy + (size_t)o * ky * ky;
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, ky, kx, kx, 1.0, C, ky, Gx, kx, 0.0, e->R, ky);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, ky, kx, ky, -1.0, Gy, ky, C, ky, 1.0, e->R, ky);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, ky, kx, kx, e->w[o], e->R, ky, Gx, kx, 1.0, H, ky);
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, ky, kx, ky, -e->w[o], Gy, ky, e->R, ky, 1.0, H, ky);
  }
}

/* Jacobi preconditioner: the exact diagonal of H. */
static void diag_h(const fm_energy *e, double *dg) {
  int kx = e->kx, ky = e->ky;
  for (int j = 0; j < kx; j++)
    for (int i = 0; i < ky; i++) dg[i + ky * j] = e->wd * e->AAt[j + kx * j] + e->wl * e->lap[i + ky * j];
  for (int o = 0; o < e->nops; o++) {
    const double *Gx = e->Gx + (size_t)o * kx * kx, *Gy = e->Gy + (size_t)o * ky * ky;
    for (int j = 0; j < kx; j++) {
      double gg = 0;
      for (int l = 0; l < kx; l++) gg += Gx[j + kx * l] * Gx[j + kx * l];
      for (int i = 0; i < ky; i++) {
        double hh = 0;
        for (int l = 0; l < ky; l++) hh += Gy[l + ky * i] * Gy[l + ky * i];
        dg[i + ky * j] += e->w[o] * (gg + hh - 2 * Gy[i + ky * i] * Gx[j + kx * j]);
      }
    }
  }
  for (int i = 0; i < kx * ky; i++) if (!(dg[i] > 0)) dg[i] = 1;
}

static int pcg(fm_energy *e, double *C, int max_iter, double tol) {
  int n = e->kx * e->ky, rc = 0;
  double *r = pv_malloc((size_t)n * sizeof *r), *z = pv_malloc((size_t)n * sizeof *z),
         *p = pv_malloc((size_t)n * sizeof *p), *q = pv_malloc((size_t)n * sizeof *q), *dg = pv_malloc((size_t)n * sizeof *dg);
  if (!r || !z || !p || !q || !dg) { rc = PV_ENOMEM; goto done; }
  diag_h(e, dg);
  apply_h(e, C, q);
  double bn = 0, rz = 0;
  for (int i = 0; i < n; i++) {
    r[i] = e->rhs[i] - q[i];
    z[i] = r[i] / dg[i];
    p[i] = z[i];
    rz += r[i] * z[i];
    bn += e->rhs[i] * e->rhs[i];
  }
  bn = sqrt(bn);
  for (int it = 0; it < max_iter; it++) {
    double rn = 0;
    for (int i = 0; i < n; i++) rn += r[i] * r[i];
    if (sqrt(rn) <= tol * bn) break;
    apply_h(e, p, q);
    double pq = 0;
    for (int i = 0; i < n; i++) pq += p[i] * q[i];
    if (!(pq > 0)) break;
    double a = rz / pq, rz2 = 0;
    for (int i = 0; i < n; i++) {
      C[i] += a * p[i];
      r[i] -= a * q[i];
      z[i] = r[i] / dg[i];
      rz2 += r[i] * z[i];
    }
    for (int i = 0; i < n; i++) p[i] = z[i] + rz2 / rz * p[i];
    rz = rz2;
  }
done:
  pv_free(r); pv_free(z); pv_free(p); pv_free(q); pv_free(dg);
  return rc;
}

/* The Hessian as a dense N x N matrix (N = kx ky, vec column-major), using
 * vec(A C B) = (B^T kron A) vec(C); then Cholesky. Exact, for small maps. */
static int dense_solve(fm_energy *e, double *C) {
  int kx = e->kx, ky = e->ky, N = kx * ky;
  double *H = pv_calloc((size_t)N * N, sizeof *H), *P = pv_malloc((size_t)kx * kx * sizeof *P),
         *Q = pv_malloc((size_t)ky * ky * sizeof *Q);
  int rc = H && P && Q ? 0 : PV_ENOMEM;
  for (int c = 0; !rc && c < N; c++) { /* H[r + N c] */
    int i2 = c % ky, j2 = c / ky;
    for (int j = 0; j < kx; j++) H[i2 + ky * j + (size_t)N * c] += e->wd * e->AAt[j2 + kx * j];
    H[c + (size_t)N * c] += e->wl * e->lap[c];
  }
  for (int o = 0; !rc && o < e->nops; o++) {
    const double *Gx = e->Gx + (size_t)o * kx * kx, *Gy = e->Gy + (size_t)o * ky * ky;
    double w = e->w[o];
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, kx, kx, kx, 1.0, Gx, kx, Gx, kx, 0.0, P, kx);
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, ky, ky, ky, 1.0, Gy, ky, Gy, ky, 0.0, Q, ky);
    for (int j2 = 0; j2 < kx; j2++)
      for (int i2 = 0; i2 < ky; i2++) {
        double *col = H + (size_t)N * (i2 + ky * j2);
        for (int j = 0; j < kx; j++) {
          double gxa = Gx[j + kx * j2], gxb = Gx[j2 + kx * j], p = P[j2 + kx * j];
          double *cj = col + ky * j;
          cj[i2] += w * p;
          for (int i = 0; i < ky; i++) cj[i] -= w * (Gy[i + ky * i2] * gxa + Gy[i2 + ky * i] * gxb);
        }
        for (int i = 0; i < ky; i++) col[i + ky * j2] += w * Q[i + ky * i2];
      }
  }
  if (!rc) {
    /* A tiny ridge makes directions the energy does not see (a mode with no
     * descriptor content and equal eigenvalues) resolve to 0, not fail. */
    double dmax = 0;
    for (int i = 0; i < N; i++) dmax = fmax(dmax, H[i + (size_t)N * i]);
    for (int i = 0; i < N; i++) H[i + (size_t)N * i] += 1e-10 * dmax;
    memcpy(C, e->rhs, (size_t)N * sizeof *C);
    lapack_int info = LAPACKE_dposv(LAPACK_COL_MAJOR, 'L', N, 1, H, N, C, N);
    if (info) rc = PV_ERROR(PV_ENUMERIC, "functional map: energy Hessian not positive definite (LAPACK info %d); add descriptors or weight", (int)info);
  }
  pv_free(H); pv_free(P); pv_free(Q);
  return rc;
}

static void free_energy(fm_energy *e) {
  pv_free(e->AAt); pv_free(e->rhs); pv_free(e->lap); pv_free(e->Gx); pv_free(e->Gy); pv_free(e->w);
  pv_free(e->R); pv_free(e->S);
}

static void lap_weights(fm_energy *e, const pv_shape_basis *bx, const pv_shape_basis *by) {
  double sum = 0;
  for (int j = 0; j < e->kx; j++)
    for (int i = 0; i < e->ky; i++) {
      double d = by->evals[i] - bx->evals[j];
      e->lap[i + e->ky * j] = d * d;
      sum += d * d;
    }
  for (int i = 0; i < e->kx * e->ky && sum > 0; i++) e->lap[i] /= sum;
}

static int build_ops(fm_energy *e, const pv_shape_basis *bx, const pv_shape_basis *by, const pv_mesh *mx,
                     const pv_mesh *my, const double *Dx, const double *Dy, int nd, int nsub) {
  int kx = e->kx, ky = e->ky, rc = 0, nop = 0;
  for (int s = 0; s < nsub; s++) {
    int d = nsub == 1 ? 0 : (int)((int64_t)s * (nd - 1) / (nsub - 1));
    const double *fx = Dx + bx->n * d, *fy = Dy + by->n * d;
    if (e->wc > 0) {
      if ((rc = pv_fmap_mult_op(bx, kx, fx, e->Gx + (size_t)nop * kx * kx)) ||
          (rc = pv_fmap_mult_op(by, ky, fy, e->Gy + (size_t)nop * ky * ky)))
        return rc;
      e->w[nop++] = e->wc;
    }
    if (e->wo > 0) {
      double *Ox = e->Gx + (size_t)nop * kx * kx, *Oy = e->Gy + (size_t)nop * ky * ky;
      if ((rc = pv_fmap_orient_op(bx, mx, kx, fx, Ox)) || (rc = pv_fmap_orient_op(by, my, ky, fy, Oy))) return rc;
      /* Orientation operators scale with |grad f|: bring the pair to the
       * Frobenius norm of the multiplicative operator (or 1), one factor
       * for both shapes so that C O_x = O_y C is unchanged. */
      double no = 0, ng = 1;
      for (int i = 0; i < kx * kx; i++) no += Ox[i] * Ox[i];
      if (e->wc > 0) {
        ng = 0;
        for (int i = 0; i < kx * kx; i++) ng += e->Gx[(size_t)(nop - 1) * kx * kx + i] * e->Gx[(size_t)(nop - 1) * kx * kx + i];
      }
      double f = no > 0 ? sqrt(ng / no) : 0;
      for (int i = 0; i < kx * kx; i++) Ox[i] *= f;
      for (int i = 0; i < ky * ky; i++) Oy[i] *= f;
      e->w[nop++] = e->wo;
    }
  }
  e->nops = nop;
  return 0;
}

/* The fit; with B (k_x x k_y, the reverse map) the coupling term
 * w_b ||C - B^T||^2 joins the energy: it has the descriptor term's form
 * (w_b C on the Hessian, w_b B^T on the right-hand side). */
static int fit(pv_ctx *ctx, const pv_shape_basis *bx, const pv_shape_basis *by, const pv_mesh *mx, const pv_mesh *my,
               const double *Dx, const double *Dy, int nd, const pv_shape_fmap_options *opt, const double *B,
               double wb, double *C) {
  pv_shape_fmap_options o = PV_SHAPE_FMAP_OPTIONS_INIT;
  if (opt) o = *opt;
  if (!bx || !by || !Dx || !Dy || !C || nd < 1) return PV_ERROR(PV_EINVAL, "functional map: NULL argument or nd = %d", nd);
  if (o.k_x < 1 || o.k_x > bx->k || o.k_y < 1 || o.k_y > by->k)
    return PV_ERROR(PV_EINVAL, "functional map: sizes k_x = %d, k_y = %d exceed the bases (%d, %d)", o.k_x, o.k_y, bx->k, by->k);
  if (!(o.w_descr > 0) || o.w_lap < 0 || o.w_dcomm < 0 || o.w_orient < 0)
    return PV_ERROR(PV_EINVAL, "functional map: weights must be >= 0 with w_descr > 0");
  if (o.w_orient > 0 && (!mx || !my)) return PV_ERROR(PV_EINVAL, "functional map: the orientation term needs both meshes");
  int kx = o.k_x, ky = o.k_y, nsub = o.n_dcomm <= 0 || o.n_dcomm > nd ? nd : o.n_dcomm;
  int per = (o.w_dcomm > 0) + (o.w_orient > 0);
  fm_energy e = {kx, ky, 0, o.w_descr, o.w_lap, o.w_dcomm, o.w_orient, 0, 0, 0, 0, 0, 0, 0, 0};
  double *Ax = pv_malloc((size_t)kx * nd * sizeof *Ax), *Ay = pv_malloc((size_t)ky * nd * sizeof *Ay);
  e.AAt = pv_malloc((size_t)kx * kx * sizeof(double));
  e.rhs = pv_malloc((size_t)ky * kx * sizeof(double));
  e.lap = pv_malloc((size_t)ky * kx * sizeof(double));
  e.Gx = pv_malloc((size_t)(per * nsub + 1) * kx * kx * sizeof(double));
  e.Gy = pv_malloc((size_t)(per * nsub + 1) * ky * ky * sizeof(double));
  e.w = pv_malloc((size_t)(per * nsub + 1) * sizeof(double));
  e.R = pv_malloc((size_t)ky * kx * sizeof(double));
  e.S = pv_malloc((size_t)ky * kx * sizeof(double));
  int rc = Ax && Ay && e.AAt && e.rhs && e.lap && e.Gx && e.Gy && e.w && e.R && e.S ? 0 : PV_ENOMEM;
  if (!rc) rc = pv_fmap_project(bx, kx, Dx, nd, Ax);
  if (!rc) rc = pv_fmap_project(by, ky, Dy, nd, Ay);
  if (!rc) {
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, kx, kx, nd, 1.0, Ax, kx, Ax, kx, 0.0, e.AAt, kx);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, ky, kx, nd, o.w_descr, Ay, ky, Ax, kx, 0.0, e.rhs, ky);
    if (B) {
      for (int j = 0; j < kx; j++) e.AAt[j + kx * j] += wb / o.w_descr;
      for (int j = 0; j < kx; j++)
        for (int i = 0; i < ky; i++) e.rhs[i + ky * j] += wb * B[j + kx * i];
    }
    lap_weights(&e, bx, by);
    rc = build_ops(&e, bx, by, mx, my, Dx, Dy, nd, nsub);
  }
  if (!rc) {
    memset(C, 0, (size_t)kx * ky * sizeof *C);
    if (kx * ky <= PV_FMAP_DENSE_MAX)
      rc = dense_solve(&e, C);
    else
      rc = pcg(&e, C, o.max_iter > 0 ? o.max_iter : 500, o.tol > 0 ? o.tol : 1e-8);
  }
  pv_log(ctx, PV_LOG_DEBUG, "shape", "functional map %dx%d fitted with %d operators", ky, kx, e.nops);
  pv_free(Ax);
  pv_free(Ay);
  free_energy(&e);
  return rc;
}

int pv_shape_fmap_fit(pv_ctx *ctx, const pv_shape_basis *bx, const pv_shape_basis *by, const pv_mesh *mx,
                      const pv_mesh *my, const double *Dx, const double *Dy, int nd,
                      const pv_shape_fmap_options *opt, double *C) {
  return fit(ctx, bx, by, mx, my, Dx, Dy, nd, opt, NULL, 0.0, C);
}

/* ||C_xy - C_yx^T||_F. */
static double bij_residual(int kx, int ky, const double *Cxy, const double *Cyx) {
  double s = 0;
  for (int j = 0; j < kx; j++)
    for (int i = 0; i < ky; i++) s += (Cxy[i + ky * j] - Cyx[j + kx * i]) * (Cxy[i + ky * j] - Cyx[j + kx * i]);
  return sqrt(s);
}

int pv_shape_fmap_fit_bijective(pv_ctx *ctx, const pv_shape_basis *bx, const pv_shape_basis *by, const pv_mesh *mx,
                                const pv_mesh *my, const double *Dx, const double *Dy, int nd,
                                const pv_shape_fmap_options *opt, double w_bij, int rounds, double *Cxy, double *Cyx) {
  pv_shape_fmap_options o = PV_SHAPE_FMAP_OPTIONS_INIT, r;
  if (opt) o = *opt;
  if (!(w_bij >= 0) || rounds < 0 || !Cxy || !Cyx)
    return PV_ERROR(PV_EINVAL, "bijective functional map: w_bij = %g, rounds = %d", w_bij, rounds);
  r = o;
  r.k_x = o.k_y;
  r.k_y = o.k_x;
  int rc = fit(ctx, bx, by, mx, my, Dx, Dy, nd, &o, NULL, 0.0, Cxy);
  if (!rc) rc = fit(ctx, by, bx, my, mx, Dy, Dx, nd, &r, NULL, 0.0, Cyx);
  for (int it = 0; !rc && it < rounds; it++) {
    rc = fit(ctx, bx, by, mx, my, Dx, Dy, nd, &o, Cyx, w_bij, Cxy);
    if (!rc) rc = fit(ctx, by, bx, my, mx, Dy, Dx, nd, &r, Cxy, w_bij, Cyx);
  }
  if (!rc)
    pv_log(ctx, PV_LOG_DEBUG, "shape", "bijective functional maps: ||C_xy - C_yx^T|| = %.3e after %d rounds",
           bij_residual(o.k_x, o.k_y, Cxy, Cyx), rounds);
  return rc;
}

int pv_shape_fmap_to_p2p(pv_ctx *ctx, const pv_shape_basis *bx, const pv_shape_basis *by, int kx, int ky,
                         const double *C, int64_t ldc, int64_t *T) {
  if (!bx || !by || !C || !T || kx < 1 || ky < 1 || kx > bx->k || ky > by->k || ldc < ky)
    return PV_ERROR(PV_EINVAL, "functional map to point map: bad sizes kx = %d, ky = %d", kx, ky);
  double *E = pv_malloc((size_t)bx->n * ky * sizeof *E);
  if (!E) return PV_ENOMEM;
  /* E = Phi_x[:, :kx] C^T: n_x x ky. */
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)bx->n, ky, kx, 1.0, bx->evecs, (int)bx->n, C, (int)ldc,
              0.0, E, (int)bx->n);
  int rc = pv_shape_knn1(ctx, by->n, bx->n, ky, by->evecs, by->n, E, bx->n, T, NULL);
  pv_free(E);
  return rc;
}

int pv_shape_p2p_to_fmap(const pv_shape_basis *bx, const pv_shape_basis *by, int kx, int ky, const int64_t *T,
                         double *C) {
  if (!bx || !by || !T || !C || kx < 1 || ky < 1 || kx > bx->k || ky > by->k)
    return PV_ERROR(PV_EINVAL, "point map to functional map: bad sizes kx = %d, ky = %d", kx, ky);
  double *P = pv_malloc((size_t)by->n * kx * sizeof *P);
  if (!P) return PV_ENOMEM;
  for (int j = 0; j < kx; j++)
    for (int64_t y = 0; y < by->n; y++) {
      if (T[y] < 0 || T[y] >= bx->n) {
        pv_free(P);
        return PV_ERROR(PV_EINVAL, "point map: entry %lld = %lld outside [0, %lld)", (long long)y, (long long)T[y], (long long)bx->n);
      }
      P[y + by->n * j] = by->mass[y] * bx->evecs[T[y] + bx->n * j];
    }
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, ky, kx, (int)by->n, 1.0, by->evecs, (int)by->n, P,
              (int)by->n, 0.0, C, ky);
  pv_free(P);
  return 0;
}
