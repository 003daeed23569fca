/* Pansharpening methods: component substitution (Brovey, GIHS, PCA, GS,
 * GSA) and multiresolution analysis (HPF, ATWT, MTF-GLP, MTF-GLP-HPM), as
 * the toolbox of Vivone et al. defines them, on in-memory cubes. */
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>

#include "psh_internal.h"

static const char *const names[PV_PSH_METHOD_COUNT] = {"exp",  "brovey", "gihs",    "pca",  "gs",  "gsa",
                                                       "hpf",  "atwt",   "glp",     "glp-hpm", "bdsd", "awlp",
                                                       "glp-fs"};

const char *pv_psh_method_name(pv_psh_method m) {
  return (unsigned)m < PV_PSH_METHOD_COUNT ? names[m] : "unknown";
}

int pv_psh_method_from_name(const char *name, pv_psh_method *m) {
  for (int i = 0; name && m && i < PV_PSH_METHOD_COUNT; i++)
    if (!strcmp(name, names[i])) {
      *m = (pv_psh_method)i;
      return PV_OK;
    }
  return PV_ERROR(PV_EINVAL, "pansharpening method '%s' unknown (exp, brovey, gihs, pca, gs, gsa, hpf, atwt, glp, "
                             "glp-hpm, bdsd, awlp, glp-fs)", name ? name : "(null)");
}

void psh_mean_std(size_t n, const double *x, double *mean, double *sd, size_t *valid) {
  double m = 0, s = 0;
  size_t c = 0;
  for (size_t i = 0; i < n; i++)
    if (isfinite(x[i])) m += x[i], c++;
  m = c ? m / (double)c : NAN;
  for (size_t i = 0; i < n; i++)
    if (isfinite(x[i])) s += (x[i] - m) * (x[i] - m);
  *mean = m;
  *sd = c ? sqrt(s / (double)c) : NAN;
  if (valid) *valid = c;
}

size_t psh_fill_nan(size_t n, double *x) {
  double m, s;
  size_t c;
  psh_mean_std(n, x, &m, &s, &c);
  for (size_t i = 0; c && i < n; i++)
    if (!isfinite(x[i])) x[i] = m;
  return c;
}

/* Everything a method needs: the interpolated MS (in `fused`), PAN with
 * NaN filled, the mask of invalid output pixels. */
typedef struct job {
  pv_ctx *ctx;
  const pv_psh_options *o;
  size_t bands, wl, hl, w, h, n;
  int r;
  const double *ms;   /* original LR cube (may hold NaN) */
  double *ms_lr;      /* LR cube, NaN filled */
  double *pan;        /* PAN, NaN filled */
  unsigned char *bad; /* [n] invalid output pixels */
  double *fused;      /* bands x n */
  double *t1, *t2;    /* n each */
} job;

static double cov_valid(const job *j, const double *a, const double *b, double ma, double mb) {
  double s = 0;
  size_t c = 0;
  for (size_t i = 0; i < j->n; i++)
    if (!j->bad[i]) s += (a[i] - ma) * (b[i] - mb), c++;
  return c ? s / (double)c : 0;
}

static double mean_valid(const job *j, const double *a) {
  double s = 0;
  size_t c = 0;
  for (size_t i = 0; i < j->n; i++)
    if (!j->bad[i]) s += a[i], c++;
  return c ? s / (double)c : 0;
}

/* out = (PAN - mean P) * sd_t / sd_P + mean_t: PAN equalised to target t. */
static void equalise(const job *j, const double *t, double *out) {
  double mp = mean_valid(j, j->pan), mt = mean_valid(j, t);
  double sp = sqrt(cov_valid(j, j->pan, j->pan, mp, mp)), st = sqrt(cov_valid(j, t, t, mt, mt));
  double g = sp > 0 ? st / sp : 0;
  for (size_t i = 0; i < j->n; i++) out[i] = (j->pan[i] - mp) * g + mt;
}

/* Component substitution with intensity I (j->t1): out_b = MS_b + g_b (P_eq - I). */
static void cs_inject(job *j, const double *gain) {
  double *It = j->t1, *P = j->t2;
  equalise(j, It, P);
  for (size_t b = 0; b < j->bands; b++) {
    double *f = j->fused + b * j->n;
    for (size_t i = 0; i < j->n; i++) f[i] += gain[b] * (P[i] - It[i]);
  }
}

static int m_brovey(job *j) {
  double *ps = j->t1;
  const double *wt = j->o->weights;
  memset(ps, 0, j->n * sizeof *ps);
  for (size_t b = 0; b < j->bands; b++)
    for (size_t i = 0; i < j->n; i++) ps[i] += (wt ? wt[b] : 1.0 / (double)j->bands) * j->fused[b * j->n + i];
  for (size_t b = 0; b < j->bands; b++)
    for (size_t i = 0; i < j->n; i++) j->fused[b * j->n + i] *= ps[i] != 0 ? j->pan[i] / ps[i] : 0;
  return PV_OK;
}

static void band_mean(job *j, double *It) {
  memset(It, 0, j->n * sizeof *It);
  for (size_t b = 0; b < j->bands; b++)
    for (size_t i = 0; i < j->n; i++) It[i] += j->fused[b * j->n + i] / (double)j->bands;
}

static int m_gihs(job *j) {
  double g[4096];
  band_mean(j, j->t1);
  for (size_t b = 0; b < j->bands; b++) g[b] = 1;
  cs_inject(j, g);
  return PV_OK;
}

/* GS / GSA: g_b = cov(MS_b, I) / var(I). */
static void gs_gains(job *j, double *g) {
  double mi = mean_valid(j, j->t1), vi = cov_valid(j, j->t1, j->t1, mi, mi);
  for (size_t b = 0; b < j->bands; b++) {
    const double *f = j->fused + b * j->n;
    g[b] = vi > 0 ? cov_valid(j, f, j->t1, mean_valid(j, f), mi) / vi : 0;
  }
}

static int m_gs(job *j) {
  double g[4096];
  band_mean(j, j->t1);
  gs_gains(j, g);
  cs_inject(j, g);
  return PV_OK;
}

/* GSA: intensity weights from the least-squares fit of the degraded PAN on
 * the low-resolution bands plus a constant (toolbox estimation_alpha). */
static int m_gsa(job *j) {
  size_t nl = j->wl * j->hl, k = j->bands + 1;
  double *pl = pv_malloc(nl * sizeof *pl), *A = pv_malloc(nl * k * sizeof *A), g[4096];
  int rc = pl && A ? pv_psh_degrade(j->r, 1, j->w, j->h, j->pan, &j->o->gnyq_pan, pl) : PV_ERROR(PV_ENOMEM, "GSA");
  if (!rc) {
    for (size_t i = 0; i < nl; i++) {
      for (size_t b = 0; b < j->bands; b++) A[i * k + b] = j->ms_lr[b * nl + i];
      A[i * k + j->bands] = 1;
    }
    lapack_int info = LAPACKE_dgels(LAPACK_ROW_MAJOR, 'N', (lapack_int)nl, (lapack_int)k, 1, A, (lapack_int)k, pl, 1);
    if (info) rc = PV_ERROR(PV_ENUMERIC, "GSA: intensity regression failed (LAPACK info %d)", (int)info);
  }
  if (!rc) {
    memset(j->t1, 0, j->n * sizeof *j->t1);
    for (size_t b = 0; b < j->bands; b++)
      for (size_t i = 0; i < j->n; i++) j->t1[i] += pl[b] * j->fused[b * j->n + i];
    gs_gains(j, g);
    cs_inject(j, g);
  }
  pv_free(pl);
  pv_free(A);
  return rc;
}

/* The top-left (hl/r*r) x (wl/r*r) part of the filled LR cube, degraded
 * by the MTF filters and interpolated back: what the MS would look like had
 * it been made from a cube at its own resolution. */
static int bdsd_lowres(job *j, size_t wc, size_t hc, double *crop, double *deg, double *up) {
  size_t nl = j->wl * j->hl, nc = wc * hc, r = (size_t)j->r;
  for (size_t b = 0; b < j->bands; b++)
    for (size_t y = 0; y < hc; y++) memcpy(crop + b * nc + y * wc, j->ms_lr + b * nl + y * j->wl, wc * sizeof *crop);
  int rc = pv_psh_degrade(j->r, j->bands, wc, hc, crop, j->o->gnyq_ms, deg);
  for (size_t b = 0; !rc && b < j->bands; b++) rc = pv_psh_interp(j->r, wc / r, hc / r, deg + b * nc / (r * r), up + b * nc);
  return rc;
}

/* BDSD (Garzelli, Nencini & Capobianco 2008), one global block: for every
 * band the coefficients gamma of F_b = MS_b + gamma_0 P + sum_k gamma_k MS_k
 * are the least-squares fit of the same relation one scale down (original
 * MS minus its degraded-interpolated self against the degraded PAN and the
 * degraded-interpolated bands). */
static int m_bdsd(job *j) {
  size_t r = (size_t)j->r, wc = j->wl / r * r, hc = j->hl / r * r, nc = wc * hc, B = j->bands, k = B + 1;
  if ((wc / r) * (hc / r) < 4 * k) /* the fit lives on the once-degraded grid's information */
    return PV_ERROR(PV_EINVAL, "BDSD: a %zu x %zu MS degraded by %d leaves %zu pixels for %zu gains per band (need %zu)",
                    j->wl, j->hl, j->r, (wc / r) * (hc / r), k, 4 * k);
  double *crop = pv_malloc(B * nc * sizeof *crop), *deg = pv_malloc(B * nc * sizeof *deg), *up = pv_malloc(B * nc * sizeof *up);
  double *pd = pv_malloc(j->n * sizeof *pd), *A = pv_malloc(nc * k * sizeof *A), *y = pv_malloc(nc * B * sizeof *y);
  int rc = crop && deg && up && pd && A && y ? PV_OK : PV_ERROR(PV_ENOMEM, "BDSD workspace");
  if (!rc) rc = bdsd_lowres(j, wc, hc, crop, deg, up);
  if (!rc) rc = pv_psh_degrade(j->r, 1, j->w, j->h, j->pan, &j->o->gnyq_pan, pd); /* PAN at MS scale */
  for (size_t i = 0; !rc && i < nc; i++) {
    size_t yy = i / wc, xx = i % wc;
    A[i * k] = pd[yy * j->wl + xx];
    for (size_t b = 0; b < B; b++) A[i * k + 1 + b] = up[b * nc + i], y[i * B + b] = crop[b * nc + i] - up[b * nc + i];
  }
  if (!rc) {
    double sv[4097];
    lapack_int rank = 0, info = LAPACKE_dgelsd(LAPACK_ROW_MAJOR, (lapack_int)nc, (lapack_int)k, (lapack_int)B, A,
                                              (lapack_int)k, y, (lapack_int)B, sv, 1e-10, &rank);
    if (!info && rank < (lapack_int)k)
      pv_log(j->ctx, PV_LOG_WARN, "psh", "BDSD: regressors of rank %d < %zu; minimum-norm gains", (int)rank, k);
    if (info) rc = PV_ERROR(PV_ENUMERIC, "BDSD: gain regression failed (LAPACK info %d)", (int)info);
  }
  if (!rc) { /* y[0..k) x B now holds gamma; the MS bands are read before any is changed */
    memcpy(j->t1, j->pan, j->n * sizeof *j->t1);
    double *F = pv_malloc(B * j->n * sizeof *F);
    if (!F) rc = PV_ERROR(PV_ENOMEM, "BDSD output");
    for (size_t b = 0; !rc && b < B; b++)
      for (size_t i = 0; i < j->n; i++) {
        double v = j->fused[b * j->n + i] + y[b] * j->t1[i];
        for (size_t q = 0; q < B; q++) v += y[(1 + q) * B + b] * j->fused[q * j->n + i];
        F[b * j->n + i] = v;
      }
    if (!rc) memcpy(j->fused, F, B * j->n * sizeof *F);
    pv_free(F);
  }
  pv_free(crop), pv_free(deg), pv_free(up), pv_free(pd), pv_free(A), pv_free(y);
  return rc;
}

/* PCA: the first principal component (sign: positively correlated with
 * PAN) is replaced by PAN equalised to it. */
static int m_pca(job *j) {
  size_t B = j->bands;
  double *C = pv_malloc(B * B * sizeof *C), *ev = pv_malloc(B * sizeof *ev), mu[4096];
  if (!C || !ev) {
    pv_free(C), pv_free(ev);
    return PV_ERROR(PV_ENOMEM, "PCA: %zu bands", B);
  }
  for (size_t b = 0; b < B; b++) mu[b] = mean_valid(j, j->fused + b * j->n);
  for (size_t a = 0; a < B; a++)
    for (size_t b = 0; b <= a; b++)
      C[a * B + b] = C[b * B + a] = cov_valid(j, j->fused + a * j->n, j->fused + b * j->n, mu[a], mu[b]);
  lapack_int info = LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)B, C, (lapack_int)B, ev);
  if (info) {
    pv_free(C), pv_free(ev);
    return PV_ERROR(PV_ENUMERIC, "PCA: eigen-decomposition failed (LAPACK info %d)", (int)info);
  }
  double v[4096], *pc = j->t1;
  for (size_t b = 0; b < B; b++) v[b] = C[b * B + (B - 1)]; /* largest eigenvalue last */
  memset(pc, 0, j->n * sizeof *pc);
  for (size_t b = 0; b < B; b++)
    for (size_t i = 0; i < j->n; i++) pc[i] += v[b] * (j->fused[b * j->n + i] - mu[b]);
  double mp = mean_valid(j, j->pan);
  if (cov_valid(j, pc, j->pan, 0, mp) < 0) {
    for (size_t b = 0; b < B; b++) v[b] = -v[b];
    for (size_t i = 0; i < j->n; i++) pc[i] = -pc[i];
  }
  cs_inject(j, v);
  pv_free(C), pv_free(ev);
  return PV_OK;
}

/* Additive MRA: out_b = MS_b + P_eq,b - LP(P_eq,b); HPM: MS_b * P_eq,b /
 * LP(P_eq,b); AWLP: MS_b + MS_b / mean_k(MS_k) (P_eq,b - LP(P_eq,b));
 * GLP-FS: MS_b + gamma_b (P - LP(P)), gamma_b regressed at full scale. */
static int mra(job *j) {
  pv_psh_method m = j->o->method;
  pv_psh_filter *f = NULL;
  double *lr = NULL, *P = j->t1, *L = j->t2, *It = NULL;
  int rc = PV_OK, atwt = m == PV_PSH_ATWT || m == PV_PSH_AWLP;
  if (m == PV_PSH_AWLP) {
    if (!(It = pv_malloc(j->n * sizeof *It))) return PV_ERROR(PV_ENOMEM, "AWLP intensity");
    band_mean(j, It);
  }
  if (m == PV_PSH_HPF) rc = psh_filter_box(j->r, &f);
  else if (atwt) rc = psh_filter_atwt((int)ceil(log2((double)j->r)), &f);
  else if (!(lr = pv_malloc(j->wl * j->hl * sizeof *lr))) rc = PV_ERROR(PV_ENOMEM, "GLP workspace");
  double last_g = -1;
  for (size_t b = 0; !rc && b < j->bands; b++) {
    double *ms = j->fused + b * j->n;
    if (m == PV_PSH_GLP_FS) memcpy(P, j->pan, j->n * sizeof *P); /* no equalisation: the gains absorb it */
    else equalise(j, ms, P);
    if (m == PV_PSH_HPF || atwt) {
      rc = pv_psh_filter_apply(f, j->w, j->h, P, L);
    } else {
      double g = j->o->gnyq_ms ? j->o->gnyq_ms[b] : 0.29;
      if (g != last_g) {
        pv_psh_filter_destroy(&f);
        rc = pv_psh_filter_create_mtf(g, j->r, &f);
        last_g = g;
      }
      if (!rc) rc = pv_psh_filter_decimate(f, j->r, j->w, j->h, P, lr);
      if (!rc) rc = pv_psh_interp(j->r, j->wl, j->hl, lr, L);
    }
    double gfs = 1;
    if (!rc && m == PV_PSH_GLP_FS) { /* gamma = cov(MS_b, P) / cov(LP(P), P) at full scale */
      double mm = mean_valid(j, ms), mp = mean_valid(j, P), ml = mean_valid(j, L), d = cov_valid(j, L, P, ml, mp);
      gfs = d != 0 ? cov_valid(j, ms, P, mm, mp) / d : 0;
    }
    for (size_t i = 0; !rc && m == PV_PSH_GLP_FS && i < j->n; i++) ms[i] += gfs * (P[i] - L[i]);
    for (size_t i = 0; !rc && m != PV_PSH_GLP_FS && i < j->n; i++)
      ms[i] = m == PV_PSH_GLP_HPM ? ms[i] * P[i] / (L[i] + 2.220446049250313e-16)
              : m == PV_PSH_AWLP  ? ms[i] + ms[i] / (It[i] + 2.220446049250313e-16) * (P[i] - L[i])
                                  : ms[i] + P[i] - L[i];
    if (!rc) rc = pv_ctx_progress(j->ctx, (double)(b + 1) / (double)j->bands, "pansharpening");
  }
  pv_psh_filter_destroy(&f);
  pv_free(lr), pv_free(It);
  return rc;
}

static int check(const pv_psh_options *o, size_t bands, size_t wl, size_t hl, const double *ms, const double *pan,
                 const double *fused) {
  if (!o || o->struct_size < sizeof *o || !ms || !pan || !fused)
    return PV_ERROR(PV_EINVAL, "pansharpen: NULL argument or options without struct_size");
  if ((unsigned)o->method >= PV_PSH_METHOD_COUNT) return PV_ERROR(PV_EINVAL, "pansharpen: method %d", o->method);
  if (o->ratio < 2 || o->ratio > PV_PSH_MAX_RATIO)
    return PV_ERROR(PV_EINVAL, "pansharpen: ratio %d (2..%d)", o->ratio, PV_PSH_MAX_RATIO);
  if (!bands || bands > 4096 || !wl || !hl) return PV_ERROR(PV_EINVAL, "pansharpen: %zu bands of %zu x %zu", bands, wl, hl);
  if (!(o->gnyq_pan > 0 && o->gnyq_pan < 1)) return PV_ERROR(PV_EINVAL, "pansharpen: PAN MTF gain %g", o->gnyq_pan);
  for (size_t b = 0; o->gnyq_ms && b < bands; b++)
    if (!(o->gnyq_ms[b] > 0 && o->gnyq_ms[b] < 1))
      return PV_ERROR(PV_EINVAL, "pansharpen: MTF gain of band %zu is %g (0 < g < 1)", b + 1, o->gnyq_ms[b]);
  return PV_OK;
}

/* Fill NaN, build the output mask (PAN invalid, or an MS band invalid in
 * the low-resolution cell), interpolate the MS into fused. */
static int prepare(job *j) {
  size_t nl = j->wl * j->hl, r = (size_t)j->r;
  memcpy(j->ms_lr, j->ms, j->bands * nl * sizeof *j->ms_lr);
  memset(j->bad, 0, j->n);
  for (size_t b = 0; b < j->bands; b++) {
    for (size_t i = 0; i < nl; i++)
      if (!isfinite(j->ms[b * nl + i]))
        for (size_t y = (i / j->wl) * r; y < (i / j->wl + 1) * r; y++) memset(j->bad + y * j->w + (i % j->wl) * r, 1, r);
    if (!psh_fill_nan(nl, j->ms_lr + b * nl)) return PV_ERROR(PV_EINVAL, "pansharpen: MS band %zu has no valid pixel", b + 1);
  }
  for (size_t i = 0; i < j->n; i++)
    if (!isfinite(j->pan[i])) j->bad[i] = 1;
  if (!psh_fill_nan(j->n, j->pan)) return PV_ERROR(PV_EINVAL, "pansharpen: PAN has no valid pixel");
  size_t good = 0;
  for (size_t i = 0; i < j->n; i++) good += !j->bad[i];
  if (!good) return PV_ERROR(PV_EINVAL, "pansharpen: no pixel is valid in both PAN and every MS band");
  for (size_t b = 0; b < j->bands; b++) {
    int rc = pv_psh_interp(j->r, j->wl, j->hl, j->ms_lr + b * nl, j->fused + b * j->n);
    if (rc) return rc;
  }
  return PV_OK;
}

int pv_psh_fuse(pv_ctx *ctx, const pv_psh_options *opt, size_t bands, size_t wl, size_t hl, const double *ms,
                const double *pan, double *fused) {
  int rc = check(opt, bands, wl, hl, ms, pan, fused);
  if (rc) return rc;
  job j = {ctx, opt, bands, wl, hl, wl * (size_t)opt->ratio, hl * (size_t)opt->ratio, 0, opt->ratio, ms,
           NULL, NULL, NULL, fused, NULL, NULL};
  j.n = j.w * j.h;
  size_t need = (3 * j.n + bands * wl * hl) * sizeof(double) + j.n;
  if (ctx && pv_ctx_ram_budget(ctx) && need > pv_ctx_ram_budget(ctx))
    return PV_ERROR(PV_ENOMEM, "pansharpen: workspace of %zu bytes exceeds the RAM budget of %zu", need,
                    pv_ctx_ram_budget(ctx));
  j.ms_lr = pv_malloc(bands * wl * hl * sizeof *j.ms_lr);
  j.pan = pv_malloc(j.n * sizeof *j.pan);
  j.bad = pv_malloc(j.n);
  j.t1 = pv_malloc(j.n * sizeof *j.t1);
  j.t2 = pv_malloc(j.n * sizeof *j.t2);
  if (!j.ms_lr || !j.pan || !j.bad || !j.t1 || !j.t2) rc = PV_ERROR(PV_ENOMEM, "pansharpen: workspace of %zu bytes", need);
  if (!rc) {
    memcpy(j.pan, pan, j.n * sizeof *j.pan);
    rc = prepare(&j);
  }
  if (!rc) switch (opt->method) {
    case PV_PSH_EXP: break;
    case PV_PSH_BROVEY: rc = m_brovey(&j); break;
    case PV_PSH_GIHS: rc = m_gihs(&j); break;
    case PV_PSH_PCA: rc = m_pca(&j); break;
    case PV_PSH_GS: rc = m_gs(&j); break;
    case PV_PSH_GSA: rc = m_gsa(&j); break;
    case PV_PSH_BDSD: rc = m_bdsd(&j); break;
    default: rc = mra(&j); break;
    }
  for (size_t b = 0; !rc && b < bands; b++)
    for (size_t i = 0; i < j.n; i++)
      if (j.bad[i]) fused[b * j.n + i] = NAN;
  pv_free(j.ms_lr), pv_free(j.pan), pv_free(j.bad), pv_free(j.t1), pv_free(j.t2);
  return rc;
}

int pv_psh_brovey_rows(int ratio, size_t bands, size_t wl, size_t hl, const double *ms,
                       const unsigned char *lr_valid, const double *weights, size_t y0, size_t rows,
                       const double *pan_rows, double *out) {
  size_t w = wl * (size_t)ratio, m = rows * w;
  if (!ms || !pan_rows || !out || !bands) return PV_ERROR(PV_EINVAL, "Brovey: NULL argument");
  for (size_t b = 0; b < bands; b++) {
    int rc = pv_psh_interp_rows(ratio, wl, hl, ms + b * wl * hl, y0, rows, out + b * m);
    if (rc) return rc;
  }
  for (size_t i = 0; i < m; i++) {
    double ps = 0;
    for (size_t b = 0; b < bands; b++) ps += (weights ? weights[b] : 1.0 / (double)bands) * out[b * m + i];
    double f = ps != 0 ? pan_rows[i] / ps : 0;
    if (lr_valid && !lr_valid[((y0 + i / w) / (size_t)ratio) * wl + (i % w) / (size_t)ratio]) f = NAN;
    for (size_t b = 0; b < bands; b++) out[b * m + i] *= f;
  }
  return PV_OK;
}
