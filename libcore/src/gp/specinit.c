/* specinit.c - a data-driven initialisation of the mixture frequencies (ours,
 * not the reference's): per axis, the windowed power spectrum of the source
 * f along that axis (summed over the other axis) and of the boundary data on
 * the two edges parallel to it, each normalised to a unit peak; the mixture
 * components are placed on its local maxima (largest first, round robin,
 * spread by half a bin) plus one at frequency 0, in [0, min(freq_scale,
 * Nyquist)]. Everything else is the
 * reference initialisation (weights 1/q, log l = 0, U = 0, tau = v = 1).
 * Linear constant-coefficient operators keep the frequencies of u in f and
 * in the boundary data, so the first solves already see kernels near the
 * answer; the optimiser then refines them as from any start. */
#include <math.h>
#include <string.h>
#include <cblas.h>
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/gp.h>
#include "gp_internal.h"
#include "gp_model.h"

#define SPEC_OVERSAMPLE 8     /* frequency bins per 1 / (domain length) */
#define SPEC_MAX_BINS 4096
#define SPEC_FLOOR 1e-3       /* peaks below this fraction of the largest are ignored */
#define SPEC_BND_REL 1e-8     /* boundary data below this times max |f|: not used */

/* pw[k] += sum over lines of |sum_i win_i sig[i, line] e^{-2 pi i mu_k x_i}|^2,
 * sig an n x lines matrix with row stride ld; C, S scratch (nb x n), R (nb x lines). */
static void line_power(int n, int lines, const double *sig, int ld, int nb, double dmu, double h,
                       double *C, double *S, double *R, double *pw) {
  for (int k = 0; k < nb; k++)
    for (int i = 0; i < n; i++) {
      double win = 0.5 - 0.5 * cos(GP_TWO_PI * i / (n - 1));   /* Hann */
      double ph = GP_TWO_PI * k * dmu * i * h;
      C[(size_t)k * n + i] = win * cos(ph);
      S[(size_t)k * n + i] = win * sin(ph);
    }
  double *tmp = pw + nb;   /* nb scratch after pw */
  memset(tmp, 0, (size_t)nb * sizeof(double));
  for (int pass = 0; pass < 2; pass++) {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, nb, lines, n, 1.0, pass ? S : C, n, sig, ld,
                0.0, R, lines);
    for (int k = 0; k < nb; k++)
      for (int l = 0; l < lines; l++) tmp[k] += R[(size_t)k * lines + l] * R[(size_t)k * lines + l];
  }
  double mx = 0.0;
  for (int k = 0; k < nb; k++) mx = fmax(mx, tmp[k]);
  if (mx > 0.0)
    for (int k = 0; k < nb; k++) pw[k] += tmp[k] / mx;
}

/* Place the q components of axis a on the spectrum's peaks (theta: 3q). */
static void place(const double *pw, int nb, double dmu, int q, int *pk, double *theta) {
  int npk = 0;
  double top = 0.0;
  for (int k = 0; k < nb; k++) top = fmax(top, pw[k]);
  for (int k = 0; k < nb; k++) {
    double l = k > 0 ? pw[k - 1] : -1.0, r = k + 1 < nb ? pw[k + 1] : -1.0;
    if (pw[k] >= l && pw[k] > r && pw[k] >= SPEC_FLOOR * top) pk[npk++] = k;
  }
  for (int i = 1; i < npk; i++)   /* largest first */
    for (int j = i; j > 0 && pw[pk[j]] > pw[pk[j - 1]]; j--) { int s = pk[j]; pk[j] = pk[j - 1]; pk[j - 1] = s; }
  theta[2 * q] = 0.0;
  for (int c = 1; c < q; c++) {
    if (npk == 0) { theta[2 * q + c] = 0.0; continue; }
    int j = (c - 1) % npk, r = (c - 1) / npk;
    double off = (r % 2 ? 1.0 : -1.0) * 0.5 * ((r + 1) / 2);   /* 0, +1/2, -1/2, +1, ... bins */
    theta[2 * q + c] = fabs((pk[j] + off) * dmu);
  }
}

int pv_gp_model_init_spectral(const pv_gp_model *model, double *p) {
  const gp_model *m = model;
  int st = pv_gp_model_init_params(model, p);
  if (st) return st;
  for (int a = 0; a < m->d; a++) {
    int n = m->n[a], o = m->d == 2 ? m->n[1 - a] : 1;
    double len = m->h[a] * (n - 1), dmu = 1.0 / (SPEC_OVERSAMPLE * len);
    double F = fmin(fabs(m->opt.freq_scale[a]), 0.5 / m->h[a]);   /* at most the grid's Nyquist */
    if (!(F > 0.0) || !isfinite(F)) continue;   /* no range: keep the reference's */
    int nb = F / dmu + 2 > SPEC_MAX_BINS ? SPEC_MAX_BINS : (int)(F / dmu) + 2;
    if (nb == SPEC_MAX_BINS) dmu = F / (nb - 2);
    int lines = o > 2 ? o : 2;
    double *C = pv_malloc((size_t)nb * n * sizeof(double)), *S = pv_malloc((size_t)nb * n * sizeof(double));
    double *R = pv_malloc((size_t)nb * lines * sizeof(double)), *sig = pv_malloc((size_t)n * lines * sizeof(double));
    double *pw = pv_calloc(2 * (size_t)nb, sizeof(double));   /* power, scratch */
    int *pk = pv_malloc((size_t)nb * sizeof(int));
    if (!C || !S || !R || !sig || !pw || !pk) st = PV_ERROR(PV_ENOMEM, "gp spectral init: %d bins", nb);
    if (!st) {
      /* source along axis a: an n x o matrix (transposed for axis 1) */
      for (int i = 0; i < n; i++)
        for (int l = 0; l < o; l++)
          sig[(size_t)i * o + l] = a == 0 ? m->f[(size_t)i * o + l] : m->f[(size_t)l * n + i];
      line_power(n, o, sig, o, nb, dmu, m->h[a], C, S, R, pw);
      double fmax_ = 0.0, gmax = 0.0;
      for (size_t i = 0; i < m->M; i++) fmax_ = fmax(fmax_, fabs(m->f[i]));
      for (size_t i = 0; i < m->nb; i++) gmax = fmax(gmax, fabs(m->g[i]));
      /* boundary edges parallel to axis a (model order: rows, then columns),
       * unless the boundary data is rounding noise next to the source */
      if (m->d == 2 && gmax > SPEC_BND_REL * fmax_) {
        const double *e0 = a == 1 ? m->g : m->g + 2 * (size_t)m->n[1];
        for (int i = 0; i < n; i++) { sig[(size_t)i * 2] = e0[i]; sig[(size_t)i * 2 + 1] = e0[n + i]; }
        line_power(n, 2, sig, 2, nb, dmu, m->h[a], C, S, R, pw);
      }
      place(pw, nb, dmu, m->q, pk, p + m->M + 3 * (size_t)m->q * a);
    }
    pv_free(C); pv_free(S); pv_free(R); pv_free(sig); pv_free(pw); pv_free(pk);
    if (st) return st;
  }
  return 0;
}
