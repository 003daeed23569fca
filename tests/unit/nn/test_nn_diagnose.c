/* test_nn_diagnose.c - weight spectra of an FNO-2D whose weights are set to
 * known spectra: W = U diag(s) V^H with random unitary U, V (per Fourier
 * mode for the spectral weights, scaled by c_k) and s_i = i^(-a/2), so that
 * the spectral norm, the effective rank, alpha-ReQ (= a) and the median-xmin
 * power-law alpha of the pooled eigenvalues are known in closed form. Checked
 * on the library call and on what `parseval ns-forecast diagnose` prints and
 * writes (the host is argv[1]). */
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/ctx.h>
#include <parseval/error.h>
#include <parseval/fileout.h>
#include <parseval/nn.h>
#include <parseval/nn_diag.h>
#include <parseval/rng.h>
#include "pv_test.h"

enum { W = 6, M = 3, NM = 2 * M * M / 2 }; /* width, modes per axis, modes of w_pos */
static const double A = 1.5;              /* alpha-ReQ of every matrix */
static const char *host;

static double sv(int i) { return pow(i + 1.0, -A / 2); }
static double cmode(int k) { return 1.0 + 0.1 * k; }

/* n x n unitary (real when cplx = 0) by Gram-Schmidt of a Gaussian matrix. */
static void unitary(pv_rng *r, int n, int cplx, double complex *q) {
  for (int i = 0; i < n * n; i++)
    q[i] = pv_rng_normal(r) + (cplx ? I * pv_rng_normal(r) : 0);
  for (int j = 0; j < n; j++) { /* columns */
    for (int l = 0; l < j; l++) {
      double complex d = 0;
      for (int i = 0; i < n; i++) d += conj(q[i * n + l]) * q[i * n + j];
      for (int i = 0; i < n; i++) q[i * n + j] -= d * q[i * n + l];
    }
    double nr = 0;
    for (int i = 0; i < n; i++) nr += creal(q[i * n + j] * conj(q[i * n + j]));
    for (int i = 0; i < n; i++) q[i * n + j] /= sqrt(nr);
  }
}

/* a (m x n) = c U[:, :k] diag(s) V[:, :k]^H, k = min(m, n) */
static void compose(pv_rng *r, int m, int n, int cplx, double c, double complex *a) {
  double complex u[64], v[64];
  unitary(r, m, cplx, u);
  unitary(r, n, cplx, v);
  const int k = m < n ? m : n;
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) {
      double complex s = 0;
      for (int l = 0; l < k; l++) s += u[i * m + l] * sv(l) * conj(v[j * n + l]);
      a[i * n + j] = c * s;
    }
}

static double erank_truth(int k) {
  double tot = 0, h = 0;
  for (int i = 0; i < k; i++) tot += sv(i);
  for (int i = 0; i < k; i++) h -= sv(i) / tot * log(sv(i) / tot);
  return exp(h);
}

static int cmp_asc(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Median-xmin MLE of Clauset et al. on the n values x (sorted here). */
static double powerlaw_truth(double *x, size_t n) {
  qsort(x, n, sizeof *x, cmp_asc);
  size_t i0 = n / 2;
  double s = 0;
  for (size_t j = i0; j < n; j++) s += log(x[j] / x[i0]);
  return 1 + (double)(n - i0) / s;
}

static pv_nn_param *find(pv_nn_param *ps, int np, const char *name) {
  for (int i = 0; i < np; i++)
    if (!strcmp(ps[i].name, name)) return &ps[i];
  return NULL;
}

/* The number after "key": in the JSON object that starts with "name": "layer". */
static double json_number(const char *text, const char *layer, const char *key) {
  char pat[96];
  snprintf(pat, sizeof pat, "\"name\": \"%s\"", layer);
  const char *p = strstr(text, pat);
  if (!p) return NAN;
  snprintf(pat, sizeof pat, "\"%s\": ", key);
  p = strstr(p, pat);
  return p ? strtod(p + strlen(pat), NULL) : NAN;
}

static void test_known_spectra(void) {
  pv_ctx *ctx = NULL;
  CHECK_OK(pv_ctx_create(&ctx));
  pv_nn_fno2d_config c = PV_NN_FNO2D_CONFIG_INIT;
  c.t_in = 2; c.width = W; c.modes = M; c.layers = 1; c.proj = 8; c.n = 8; c.max_batch = 1;
  pv_nn_fno2d *m = NULL;
  CHECK_OK(pv_nn_fno2d_create(ctx, PV_F32, &c, &m));
  pv_nn_param *ps;
  int np;
  CHECK_OK(pv_nn_fno2d_params(m, &ps, &np));
  pv_nn_param *spec = find(ps, np, "spec.0.w_pos"), *pw = find(ps, np, "pw.0.weight");
  CHECK(spec && pw && spec->is_complex && spec->shape[2] * spec->shape[3] == M * M);
  pv_rng r;
  pv_rng_init(&r, 31, 0);
  double complex a[64];
  const int nm = M * M;
  for (int k = 0; k < nm; k++) { /* in x out matrix of mode k: w[(i out + o) nm + k] */
    compose(&r, W, W, 1, cmode(k), a);
    for (int e = 0; e < W * W; e++) {
      spec->w[2 * ((size_t)e * nm + k)] = (float)creal(a[e]);
      spec->w[2 * ((size_t)e * nm + k) + 1] = (float)cimag(a[e]);
    }
  }
  compose(&r, W, W, 0, 1.0, a);
  for (int e = 0; e < W * W; e++) pw->w[e] = (float)creal(a[e]);
  /* truth */
  double pooled[M * M * W], lam[W];
  for (int k = 0; k < nm; k++)
    for (int i = 0; i < W; i++) pooled[k * W + i] = pow(cmode(k) * sv(i), 2);
  for (int i = 0; i < W; i++) lam[i] = sv(i) * sv(i);
  const double pl_spec = powerlaw_truth(pooled, (size_t)nm * W), pl_pw = powerlaw_truth(lam, W);
  const double er = erank_truth(W), norm_spec = cmode(nm - 1);
  /* the library */
  pv_nn_weight_spectra s;
  CHECK_OK(pv_nn_weight_spectra_compute(ctx, spec, &s));
  CHECK(s.is_complex && s.nmat == nm && s.rows == W && s.cols == W && s.nsv == W);
  for (int k = 0; k < nm; k++)
    for (int i = 0; i < W; i++) CHECK_REL(s.sv[k * W + i], cmode(k) * sv(i), 2e-6);
  CHECK_REL(s.spectral_norm, norm_spec, 2e-6);
  CHECK_REL(s.effective_rank, er, 2e-6);
  CHECK_REL(s.erank_min, er, 2e-6);
  CHECK_REL(s.erank_max, er, 2e-6);
  CHECK_REL(s.alpha_req, A, 2e-5);
  CHECK_REL(s.powerlaw_alpha, pl_spec, 2e-5);
  CHECK_EQ_INT(s.powerlaw_n, nm * W);
  printf("spectral: norm %.6f (truth %.6f), erank %.6f (%.6f), alpha-ReQ %.6f (%.2f), PL %.6f "
         "(%.6f)\n", s.spectral_norm, norm_spec, s.effective_rank, er, s.alpha_req, A,
         s.powerlaw_alpha, pl_spec);
  pv_nn_weight_spectra_free(&s);
  CHECK_OK(pv_nn_weight_spectra_compute(ctx, pw, &s));
  CHECK(!s.is_complex && s.nmat == 1 && s.rows == W && s.cols == W);
  CHECK_REL(s.spectral_norm, 1.0, 2e-6);
  CHECK_REL(s.effective_rank, er, 2e-6);
  CHECK_REL(s.alpha_req, A, 2e-5);
  CHECK_REL(s.powerlaw_alpha, pl_pw, 2e-5);
  pv_nn_weight_spectra_free(&s);
  /* every allocation failure is reported and leaks nothing */
  for (long k = 0;; k++) {
    long live = pv_test_alloc_live();
    pv_test_fail_alloc_after(k);
    int st = pv_nn_weight_spectra_compute(ctx, spec, &s);
    pv_test_fail_alloc_after(-1);
    if (st == PV_OK) {
      pv_nn_weight_spectra_free(&s);
      break;
    }
    CHECK_EQ_INT(st, PV_ENOMEM);
    CHECK(s.sv == NULL && s.norms == NULL && s.eranks == NULL);
    CHECK_EQ_INT(pv_test_alloc_live(), live);
    pv_error_clear();
  }
  /* a 1-D parameter and non-finite weights are refused */
  CHECK_STATUS(pv_nn_weight_spectra_compute(ctx, find(ps, np, "pw.0.bias"), &s), PV_EINVAL);
  /* through the host: the JSON report and the printed table */
  if (host) {
    char ck[4096], rep[4096], cmd[20480];
    snprintf(ck, sizeof ck, "%s", pv_test_path("diag_model.h5"));
    snprintf(rep, sizeof rep, "%s", pv_test_path("diag.json"));
    CHECK_OK(pv_nn_fno2d_save(ck, 1, m, NULL, NULL));
    snprintf(cmd, sizeof cmd, "'%s' --overwrite ns-forecast diagnose '%s' '%s' > '%s.txt'", host,
             ck, rep, rep);
    CHECK(system(cmd) == 0);
    char *js = NULL, *txt = NULL;
    size_t n = 0;
    CHECK_OK(pv_file_read_all(rep, 1 << 24, &js, &n));
    snprintf(cmd, sizeof cmd, "%s.txt", rep);
    CHECK_OK(pv_file_read_all(cmd, 1 << 20, &txt, &n));
    if (js && txt) {
      CHECK_REL(json_number(js, "spec.0.w_pos", "spectral_norm"), norm_spec, 2e-6);
      CHECK_REL(json_number(js, "spec.0.w_pos", "effective_rank"), er, 2e-6);
      CHECK_REL(json_number(js, "spec.0.w_pos", "alpha_req"), A, 2e-5);
      CHECK_REL(json_number(js, "spec.0.w_pos", "powerlaw_alpha"), pl_spec, 2e-5);
      CHECK_REL(json_number(js, "pw.0.weight", "powerlaw_alpha"), pl_pw, 2e-5);
      CHECK_EQ_INT((int)json_number(js, "spec.0.w_pos", "matrices"), nm);
      const char *row = strstr(txt, "spec.0.w_pos");
      CHECK(row != NULL);
      if (row) { /* name, "6x6 C x9", then the four figures */
        char name[32], shape[3][16];
        double f[4];
        CHECK(sscanf(row, "%31s %15s %15s %15s %lf %lf %lf %lf", name, shape[0], shape[1],
                     shape[2], &f[0], &f[1], &f[2], &f[3]) == 8);
        CHECK_REL(f[0], norm_spec, 1e-4);
        CHECK_REL(f[1], er, 1e-3);
        CHECK_REL(f[2], A, 1e-3);
        CHECK_REL(f[3], pl_spec, 1e-3);
        printf("printed: %.120s", row);
      }
    }
    pv_free(js);
    pv_free(txt);
    /* a truncated checkpoint: clear error naming it, the report untouched */
    char *ckb = NULL;
    CHECK_OK(pv_file_read_all(ck, 1 << 24, &ckb, &n));
    CHECK_OK(pv_file_write_atomic(ck, ckb, n / 2, 1));
    pv_free(ckb);
    CHECK_OK(pv_file_read_all(rep, 1 << 24, &js, &n));
    snprintf(cmd, sizeof cmd, "'%s' --overwrite ns-forecast diagnose '%s' '%s' 2> '%s.err'", host,
             ck, rep, rep);
    CHECK(system(cmd) != 0);
    char *js2 = NULL, *err = NULL;
    size_t n2 = 0, ne = 0;
    CHECK_OK(pv_file_read_all(rep, 1 << 24, &js2, &n2));
    CHECK(n == n2 && js && js2 && !memcmp(js, js2, n));
    snprintf(cmd, sizeof cmd, "%s.err", rep);
    CHECK_OK(pv_file_read_all(cmd, 1 << 20, &err, &ne));
    CHECK(err && strstr(err, "diag_model.h5"));
    pv_free(js); pv_free(js2); pv_free(err);
  }
  pv_nn_fno2d_destroy(&m);
  pv_ctx_destroy(&ctx);
}

int main(int argc, char **argv) {
  host = argc > 1 ? argv[1] : NULL;
  static const pv_test_case cases[] = {PV_CASE(test_known_spectra)};
  return pv_test_main(1, argv, cases, 1);
}
