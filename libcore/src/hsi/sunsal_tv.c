/* SUnSAL-TV (Iordache, Bioucas-Dias & Plaza 2012), following the structure
 * of the authors' sunsal_tv: ADMM on the splitting
 *   V1 = L^T X (data), V2 = X (positivity), V3 = X (sum to one),
 *   V4 = X (l1), V5 = X and V6 = H V5 (TV, H = [Dh; Dv] periodic forward
 *   differences of each abundance map; anisotropic: soft threshold of each
 *   difference, isotropic: of each pixel's gradient vector, as the authors'
 *   'niso' / 'iso'),
 * every augmented term with the same weight mu, so that the X-step is
 *   X = (L L^T + k I)^-1 (L (V1 + D1) + sum_j (Vj + Dj)),  k = #regularisers,
 * and the V5-step (I + H^T H) V5 = (X - D5) + H^T (V6 + D6) is solved with
 * 2D FFTs (its symbol 1 + 4 sin^2(pi kx / W) + 4 sin^2(pi ky / H)).
 * Stopping: the authors' test (summed primal residual norms below
 * tol sqrt(n)) alone stops early at large mu with the dual far from
 * converged, so the step ||X_k - X_{k-1}||_F must also be below it. */
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/fft.h>
#include <parseval/hsi.h>

#include <cblas.h>
#include <complex.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

typedef struct {
  int bands, m, w, h, nreg;
  size_t n, nf; /* pixels; complex coefficients per map */
  pv_hsi_sunsal_tv_options o;
  double *inv;            /* (L L^T + nreg I)^-1, m x m */
  double *y;              /* bands x n, masked pixels 0 */
  unsigned char *mask;    /* n: 1 masked */
  double *x, *xprev, *xi, *v1, *d1, *v2, *d2, *v3, *d3, *v4, *d4, *v5, *d5, *v6, *d6, *tmp;
  double complex *spec;   /* m x nf */
  double *sym;            /* nf: 1 / (1 + H^T H symbol) */
  pv_fft_plan *fwd, *bwd;
} tv_work;

static double soft(double z, double t) { return fabs(z) > t ? z - copysign(t, z) : 0; }

/* Dh x (next column minus this one) and Dv x (next row), periodic. */
static void grad(const tv_work *w, const double *x, double *gh, double *gv) {
  for (int r = 0; r < w->h; r++)
    for (int c = 0; c < w->w; c++) {
      size_t k = (size_t)r * w->w + c;
      gh[k] = x[(size_t)r * w->w + (c + 1) % w->w] - x[k];
      gv[k] = x[(size_t)((r + 1) % w->h) * w->w + c] - x[k];
    }
}

/* out += Dh^T gh + Dv^T gv. */
static void grad_adjoint_add(const tv_work *w, const double *gh, const double *gv, double *out) {
  for (int r = 0; r < w->h; r++)
    for (int c = 0; c < w->w; c++) {
      size_t k = (size_t)r * w->w + c;
      out[k] += gh[(size_t)r * w->w + (c + w->w - 1) % w->w] - gh[k];
      out[k] += gv[(size_t)((r + w->h - 1) % w->h) * w->w + c] - gv[k];
    }
}

static int setup_inverse(tv_work *w, const double *lib) {
  int m = w->m;
  cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, m, w->bands, 1.0, lib, w->bands, 0.0, w->inv, m);
  for (int i = 0; i < m; i++) w->inv[(size_t)i * m + i] += w->nreg;
  if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', m, w->inv, m) || LAPACKE_dpotri(LAPACK_ROW_MAJOR, 'L', m, w->inv, m))
    return PV_ERROR(PV_ENUMERIC, "SUnSAL-TV: L L^T + %d I not positive definite", w->nreg);
  for (int i = 0; i < m; i++)
    for (int j = i + 1; j < m; j++) w->inv[(size_t)i * m + j] = w->inv[(size_t)j * m + i];
  return PV_OK;
}

static int setup_fft(pv_ctx *ctx, tv_work *w) {
  int dims[2] = {w->h, w->w};
  pv_fft_options fo = PV_FFT_OPTIONS_INIT;
  fo.rigor = PV_FFT_ESTIMATE;
  int rc = pv_fft_plan_create(ctx, PV_F64, PV_FFT_R2C, 2, dims, w->m, &fo, &w->fwd);
  if (!rc) rc = pv_fft_plan_create(ctx, PV_F64, PV_FFT_C2R, 2, dims, w->m, &fo, &w->bwd);
  if (rc) return rc;
  int wc = w->w / 2 + 1;
  for (int r = 0; r < w->h; r++)
    for (int c = 0; c < wc; c++) {
      double sh = sin(M_PI * c / w->w), sv = sin(M_PI * r / w->h);
      w->sym[(size_t)r * wc + c] = 1.0 / (1.0 + 4 * sh * sh + 4 * sv * sv) / (double)w->n;
    }
  return PV_OK;
}

static void work_free(tv_work *w) {
  double **bufs[] = {&w->inv, &w->y, &w->x, &w->xprev, &w->xi, &w->v1, &w->d1, &w->v2, &w->d2, &w->v3, &w->d3,
                     &w->v4, &w->d4, &w->v5, &w->d5, &w->v6, &w->d6, &w->tmp, &w->sym};
  for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) pv_free(*bufs[i]), *bufs[i] = NULL;
  pv_free(w->spec);
  pv_free(w->mask);
  pv_fft_plan_destroy(&w->fwd);
  pv_fft_plan_destroy(&w->bwd);
}

static int work_alloc(tv_work *w) {
  size_t mn = (size_t)w->m * w->n, bn = (size_t)w->bands * w->n;
  w->inv = pv_malloc((size_t)w->m * w->m * sizeof(double));
  w->y = pv_malloc(bn * sizeof(double));
  w->v1 = pv_calloc(bn, sizeof(double));
  w->d1 = pv_calloc(bn, sizeof(double));
  w->mask = pv_calloc(w->n, 1);
  double **mbufs[] = {&w->x, &w->xprev, &w->xi, &w->v2, &w->d2, &w->v3, &w->d3, &w->v4, &w->d4, &w->v5, &w->d5, &w->tmp};
  int ok = w->inv && w->y && w->v1 && w->d1 && w->mask;
  for (size_t i = 0; i < sizeof mbufs / sizeof *mbufs; i++) ok &= (*mbufs[i] = pv_calloc(mn, sizeof(double))) != NULL;
  if (w->o.lambda_tv > 0) {
    w->v6 = pv_calloc(2 * mn, sizeof(double));
    w->d6 = pv_calloc(2 * mn, sizeof(double));
    w->spec = pv_malloc((size_t)w->m * w->nf * sizeof(double complex));
    w->sym = pv_malloc(w->nf * sizeof(double));
    ok &= w->v6 && w->d6 && w->spec && w->sym;
  }
  return ok ? PV_OK : PV_ERROR(PV_ENOMEM, "SUnSAL-TV: workspace for %d x %zu abundances", w->m, w->n);
}

/* X-step: x = inv (L (V1 + D1) + sum_j (Vj + Dj)). */
static void x_step(tv_work *w, const double *lib) {
  size_t mn = (size_t)w->m * w->n, bn = (size_t)w->bands * w->n;
  for (size_t k = 0; k < bn; k++) w->v1[k] += w->d1[k]; /* restored below */
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, w->m, (int)w->n, w->bands, 1.0, lib, w->bands, w->v1,
              (int)w->n, 0.0, w->xi, (int)w->n);
  for (size_t k = 0; k < bn; k++) w->v1[k] -= w->d1[k];
  for (size_t k = 0; k < mn; k++) {
    double s = 0;
    if (w->o.positivity) s += w->v2[k] + w->d2[k];
    if (w->o.sum_to_one) s += w->v3[k] + w->d3[k];
    if (w->o.lambda > 0) s += w->v4[k] + w->d4[k];
    if (w->o.lambda_tv > 0) s += w->v5[k] + w->d5[k];
    w->xi[k] += s;
  }
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, w->m, (int)w->n, w->m, 1.0, w->inv, w->m, w->xi, (int)w->n,
              0.0, w->x, (int)w->n);
}

/* V1 = (Y + mu (L^T X - D1)) / (1 + mu); masked pixels have no data term. */
static double data_step(tv_work *w, const double *lib, double mu) {
  size_t bn = (size_t)w->bands * w->n;
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, w->bands, (int)w->n, w->m, 1.0, lib, w->bands, w->x,
              (int)w->n, 0.0, w->v1, (int)w->n);
  /* v1 now holds L^T X; keep it in d1's update: D1 -= L^T X - V1. */
  double r = 0;
  for (size_t k = 0; k < bn; k++) {
    double lx = w->v1[k], z = lx - w->d1[k];
    double v = w->mask[k % w->n] ? z : (w->y[k] + mu * z) / (1 + mu);
    w->v1[k] = v;
    w->d1[k] -= lx - v;
    r += (lx - v) * (lx - v);
  }
  return sqrt(r);
}

/* V5, V6 and D6 for every map (the authors' inner TV step). */
static int tv_step(tv_work *w, double mu) {
  size_t n = w->n, mn = (size_t)w->m * n;
  double *gh = w->v6, *gv = w->v6 + mn, *dh = w->d6, *dv = w->d6 + mn;
  for (size_t k = 0; k < mn; k++) w->tmp[k] = w->x[k] - w->d5[k];
  for (int i = 0; i < w->m; i++) {
    size_t o = (size_t)i * n;
    for (size_t k = 0; k < n; k++) gh[o + k] += dh[o + k], gv[o + k] += dv[o + k];
    grad_adjoint_add(w, gh + o, gv + o, w->tmp + o);
  }
  int rc = pv_fft_execute(w->fwd, w->tmp, w->spec);
  for (size_t i = 0; !rc && i < (size_t)w->m; i++)
    for (size_t k = 0; k < w->nf; k++) w->spec[i * w->nf + k] *= w->sym[k];
  if (!rc) rc = pv_fft_execute(w->bwd, w->spec, w->v5);
  if (rc) return rc;
  double t = w->o.lambda_tv / mu;
  for (int i = 0; i < w->m; i++) {
    size_t o = (size_t)i * n;
    grad(w, w->v5 + o, w->tmp + o, w->xi + o); /* scratch: H V5 */
    for (size_t k = 0; k < n; k++) {
      double zh = w->tmp[o + k] - dh[o + k], zv = w->xi[o + k] - dv[o + k];
      if (w->o.isotropic) { /* vectorial soft threshold of (zh, zv) */
        double r = hypot(zh, zv), f = r > t ? (r - t) / r : 0;
        gh[o + k] = f * zh, gv[o + k] = f * zv;
      } else {
        gh[o + k] = soft(zh, t), gv[o + k] = soft(zv, t);
      }
      dh[o + k] -= w->tmp[o + k] - gh[o + k];
      dv[o + k] -= w->xi[o + k] - gv[o + k];
    }
  }
  return PV_OK;
}

/* The per-pixel proximal steps and the multipliers of V2..V5; returns the
 * sum of primal residual norms ||X - Vj||. */
static double prox_steps(tv_work *w, double mu) {
  size_t n = w->n, mn = (size_t)w->m * n;
  double r2 = 0, r3 = 0, r4 = 0, r5 = 0;
  if (w->o.sum_to_one)
    for (size_t j = 0; j < n; j++) {
      double s = 1;
      for (int i = 0; i < w->m; i++) s -= w->x[(size_t)i * n + j] - w->d3[(size_t)i * n + j];
      for (int i = 0; i < w->m; i++) {
        size_t k = (size_t)i * n + j;
        w->v3[k] = w->x[k] - w->d3[k] + s / w->m;
      }
    }
  for (size_t k = 0; k < mn; k++) {
    double x = w->x[k];
    if (w->o.positivity) {
      w->v2[k] = fmax(x - w->d2[k], 0);
      w->d2[k] -= x - w->v2[k];
      r2 += (x - w->v2[k]) * (x - w->v2[k]);
    }
    if (w->o.sum_to_one) {
      w->d3[k] -= x - w->v3[k];
      r3 += (x - w->v3[k]) * (x - w->v3[k]);
    }
    if (w->o.lambda > 0) {
      w->v4[k] = soft(x - w->d4[k], w->o.lambda / mu);
      w->d4[k] -= x - w->v4[k];
      r4 += (x - w->v4[k]) * (x - w->v4[k]);
    }
    if (w->o.lambda_tv > 0) {
      w->d5[k] -= x - w->v5[k];
      r5 += (x - w->v5[k]) * (x - w->v5[k]);
    }
  }
  return sqrt(r2) + sqrt(r3) + sqrt(r4) + sqrt(r5);
}

static int check_args(int bands, int m, const double *lib, size_t width, size_t height, const double *y, size_t ldy,
                      const pv_hsi_sunsal_tv_options *o, const double *x, size_t ldx) {
  if (!lib || !y || !x) return PV_ERROR(PV_EINVAL, "SUnSAL-TV: NULL input");
  if (bands < 1 || m < 1 || m > 4096) return PV_ERROR(PV_EINVAL, "SUnSAL-TV: %d bands, %d library spectra", bands, m);
  if (width < 2 || height < 2 || width > 65536 || height > 65536)
    return PV_ERROR(PV_EINVAL, "SUnSAL-TV: a %zu x %zu image (each side 2..65536)", width, height);
  if (ldy < width * height || ldx < width * height)
    return PV_ERROR(PV_EINVAL, "SUnSAL-TV: ldy %zu / ldx %zu below %zu pixels", ldy, ldx, width * height);
  if (!(o->lambda >= 0) || !(o->lambda_tv >= 0) || !(o->mu >= 0) || o->max_iter < 1 || !(o->tol > 0))
    return PV_ERROR(PV_EINVAL, "SUnSAL-TV: lambda %g, lambda_tv %g, mu %g, max_iter %d, tol %g", o->lambda,
                    o->lambda_tv, o->mu, o->max_iter, o->tol);
  return PV_OK;
}

/* Copy y (masked pixels to 0) and count regularisers. */
static size_t load_data(tv_work *w, const double *y, size_t ldy) {
  size_t masked = 0;
  for (size_t j = 0; j < w->n; j++) {
    for (int b = 0; b < w->bands && !w->mask[j]; b++) w->mask[j] = !isfinite(y[(size_t)b * ldy + j]);
    masked += w->mask[j];
  }
  for (int b = 0; b < w->bands; b++)
    for (size_t j = 0; j < w->n; j++) w->y[(size_t)b * w->n + j] = w->mask[j] ? 0 : y[(size_t)b * ldy + j];
  return masked;
}

/* Start from the regularised least-squares X = inv L Y with every Vj = X,
 * V1 = L^T X and V6 = H X (the authors' initialisation). */
static void init_vars(tv_work *w, const double *lib) {
  size_t mn = (size_t)w->m * w->n, bn = (size_t)w->bands * w->n;
  memcpy(w->v1, w->y, bn * sizeof(double));
  x_step(w, lib);
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, w->bands, (int)w->n, w->m, 1.0, lib, w->bands, w->x,
              (int)w->n, 0.0, w->v1, (int)w->n);
  memcpy(w->v2, w->x, mn * sizeof(double));
  memcpy(w->v3, w->x, mn * sizeof(double));
  memcpy(w->v4, w->x, mn * sizeof(double));
  memcpy(w->v5, w->x, mn * sizeof(double));
  for (int i = 0; w->v6 && i < w->m; i++)
    grad(w, w->x + (size_t)i * w->n, w->v6 + (size_t)i * w->n, w->v6 + mn + (size_t)i * w->n);
}

int pv_hsi_sunsal_tv(pv_ctx *ctx, int bands, int m, const double *lib, size_t width, size_t height, const double *y,
                     size_t ldy, const pv_hsi_sunsal_tv_options *opt, double *x, size_t ldx, int *iters) {
  pv_hsi_sunsal_tv_options o = PV_HSI_SUNSAL_TV_OPTIONS_INIT;
  if (opt) o = *opt;
  int rc = check_args(bands, m, lib, width, height, y, ldy, &o, x, ldx);
  if (rc) return rc;
  double mu = o.mu > 0 ? o.mu : 0.05;
  tv_work w;
  memset(&w, 0, sizeof w);
  w.bands = bands, w.m = m, w.w = (int)width, w.h = (int)height, w.o = o;
  w.n = width * height;
  w.nf = height * (width / 2 + 1);
  w.nreg = (o.positivity != 0) + (o.sum_to_one != 0) + (o.lambda > 0) + (o.lambda_tv > 0);
  if (w.nreg == 0) return PV_ERROR(PV_EINVAL, "SUnSAL-TV: no regulariser or constraint (use least squares)");
  rc = work_alloc(&w);
  if (!rc) rc = setup_inverse(&w, lib);
  if (!rc && o.lambda_tv > 0) rc = setup_fft(ctx, &w);
  size_t masked = rc ? 0 : load_data(&w, y, ldy);
  if (!rc && masked == w.n) rc = PV_ERROR(PV_EINVAL, "SUnSAL-TV: no valid pixel in %zu x %zu", width, height);
  if (!rc) init_vars(&w, lib);
  double tol = sqrt((double)w.n) * o.tol, res = INFINITY;
  int it = 0;
  size_t mn = (size_t)m * w.n;
  while (!rc && it < o.max_iter && res > tol) {
    memcpy(w.xprev, w.x, mn * sizeof(double));
    x_step(&w, lib);
    double dx = 0;
    for (size_t k = 0; k < mn; k++) dx += (w.x[k] - w.xprev[k]) * (w.x[k] - w.xprev[k]);
    double r1 = data_step(&w, lib, mu);
    if (o.lambda_tv > 0) rc = tv_step(&w, mu);
    if (!rc) res = fmax(r1 + prox_steps(&w, mu), sqrt(dx)); /* primal residuals and the step of X */
    it++;
    if (!rc && (it & 63) == 0) rc = pv_ctx_progress(ctx, (double)it / o.max_iter, "SUnSAL-TV");
  }
  for (int i = 0; !rc && i < m; i++)
    for (size_t j = 0; j < w.n; j++) {
      double v = o.positivity ? w.v2[(size_t)i * w.n + j] : w.x[(size_t)i * w.n + j];
      x[(size_t)i * ldx + j] = w.mask[j] ? NAN : v;
    }
  if (iters) *iters = it;
  if (!rc && res > tol)
    rc = PV_ERROR(PV_ENOTCONV, "SUnSAL-TV: residual %g above %g after %d iterations", res / sqrt((double)w.n), o.tol,
                  it);
  work_free(&w);
  return rc;
}

double pv_hsi_sunsal_tv_objective(int bands, int m, const double *lib, size_t width, size_t height, const double *y,
                                  size_t ldy, const double *x, size_t ldx, double lambda, double lambda_tv,
                                  int isotropic) {
  size_t n = width * height;
  double f = 0;
  for (size_t j = 0; j < n; j++) {
    int bad = 0;
    for (int i = 0; i < m; i++) bad |= isnan(x[(size_t)i * ldx + j]);
    if (bad) continue;
    for (int b = 0; b < bands; b++) {
      double r = -y[(size_t)b * ldy + j];
      for (int i = 0; i < m; i++) r += lib[(size_t)i * bands + b] * x[(size_t)i * ldx + j];
      f += 0.5 * r * r;
    }
    for (int i = 0; i < m; i++) f += lambda * fabs(x[(size_t)i * ldx + j]);
  }
  for (int i = 0; i < m; i++)
    for (size_t r = 0; r < height; r++)
      for (size_t c = 0; c < width; c++) {
        const double *a = x + (size_t)i * ldx;
        double v = a[r * width + c];
        double h = a[r * width + (c + 1) % width] - v, d = a[((r + 1) % height) * width + c] - v;
        if (isotropic && !isnan(h) && !isnan(d)) f += lambda_tv * hypot(h, d);
        else if (!isotropic && !isnan(h)) f += lambda_tv * fabs(h);
        if (!isotropic && !isnan(d)) f += lambda_tv * fabs(d);
      }
  return f;
}
