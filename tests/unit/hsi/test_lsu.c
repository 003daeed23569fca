/* Least-squares abundances against independent truths: brute-force support
 * enumeration (every face of the simplex / orthant solved by LAPACK),
 * the normal equations, and the published exact FCLS figures for the
 * moffett and Jasper Ridge scenes (../shared/notes/hyperspectral.md). */
#include "pv_test.h"

#include <lapacke.h>
#include <matio.h>
#include <parseval/hsi.h>
#include <parseval/matfile.h>
#include <stdlib.h>
#include <string.h>

/* min 1/2 x'Gx - b'x over x >= 0 (and 1'x = 1) by trying every support. */
static void brute_force(int p, const double *G, const double *b, int sum1, double *best) {
  double fbest = INFINITY;
  for (unsigned mask = 1; mask < (1u << p); mask++) {
    int idx[16], m = 0;
    for (int i = 0; i < p; i++)
      if (mask >> i & 1) idx[m++] = i;
    int k = m + (sum1 != 0);
    double K[17 * 17] = {0}, r[17] = {0};
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < m; j++) K[i * k + j] = G[idx[i] * p + idx[j]];
      r[i] = b[idx[i]];
      if (sum1) K[i * k + m] = K[m * k + i] = 1;
    }
    if (sum1) r[m] = 1;
    lapack_int piv[17];
    if (LAPACKE_dgesv(LAPACK_ROW_MAJOR, k, 1, K, k, piv, r, 1) != 0) continue;
    double x[16] = {0};
    int ok = 1;
    for (int i = 0; i < m; i++) {
      x[idx[i]] = r[i];
      ok &= r[i] >= -1e-12;
    }
    if (!ok) continue;
    double f = 0;
    for (int i = 0; i < p; i++) {
      f -= b[i] * x[i];
      for (int j = 0; j < p; j++) f += 0.5 * x[i] * G[i * p + j] * x[j];
    }
    if (f < fbest) {
      fbest = f;
      memcpy(best, x, (size_t)p * sizeof *x);
    }
  }
  if (!sum1 && fbest > 0) memset(best, 0, (size_t)p * sizeof *best); /* x = 0 beats any positive f */
}

static void random_problem(pv_rng *r, int bands, int p, int n, double *em, double *y) {
  for (int i = 0; i < p * bands; i++) em[i] = fabs(pv_rng_normal(r)) + 0.05;
  for (int j = 0; j < n; j++)
    for (int b = 0; b < bands; b++) y[b * n + j] = 1.5 * pv_rng_normal(r) + 0.5; /* far off the simplex too */
}

static void check_against_brute_force(pv_hsi_lsu_method method, int sum1) {
  pv_rng r;
  pv_rng_init(&r, 77, (uint64_t)method);
  pv_ctx *ctx;
  CHECK_OK(pv_ctx_create(&ctx));
  for (int p = 1; p <= 7; p++) {
    enum { BANDS = 12, N = 40 };
    double em[7 * BANDS], y[BANDS * N], a[7 * N], G[49], b[7], x[7];
    random_problem(&r, BANDS, p, N, em, y);
    pv_hsi_lsu *s = NULL;
    CHECK_OK(pv_hsi_lsu_create(ctx, method, BANDS, p, em, &s));
    CHECK_OK(pv_hsi_lsu_solve(s, N, y, N, a, N, NULL));
    for (int i = 0; i < p; i++)
      for (int k = 0; k < p; k++) {
        G[i * p + k] = 0;
        for (int t = 0; t < BANDS; t++) G[i * p + k] += em[i * BANDS + t] * em[k * BANDS + t];
      }
    double worst = 0;
    for (int j = 0; j < N; j++) {
      for (int i = 0; i < p; i++) {
        b[i] = 0;
        for (int t = 0; t < BANDS; t++) b[i] += em[i * BANDS + t] * y[t * N + j];
      }
      brute_force(p, G, b, sum1, x);
      for (int i = 0; i < p; i++) worst = fmax(worst, fabs(a[i * N + j] - x[i]));
    }
    CHECK(worst < 1e-9);
    if (worst >= 1e-9) printf("  p = %d: max difference %.3g\n", p, worst);
    pv_hsi_lsu_destroy(&s);
  }
  pv_ctx_destroy(&ctx);
}

static void test_fcls_equals_brute_force(void) { check_against_brute_force(PV_HSI_FCLS, 1); }
static void test_ncls_equals_brute_force(void) { check_against_brute_force(PV_HSI_NCLS, 0); }

static void test_ucls_scls_normal_equations(void) {
  enum { BANDS = 30, P = 5, N = 50 };
  double em[P * BANDS], y[BANDS * N], a[P * N];
  pv_rng r;
  pv_rng_init(&r, 5, 5);
  random_problem(&r, BANDS, P, N, em, y);
  pv_ctx *ctx;
  CHECK_OK(pv_ctx_create(&ctx));
  for (int method = PV_HSI_UCLS; method <= PV_HSI_SCLS; method++) {
    pv_hsi_lsu *s;
    CHECK_OK(pv_hsi_lsu_create(ctx, (pv_hsi_lsu_method)method, BANDS, P, em, &s));
    CHECK_OK(pv_hsi_lsu_solve(s, N, y, N, a, N, NULL));
    for (int j = 0; j < N; j++) {
      /* Residual r = y - M'a must be orthogonal to every endmember (UCLS),
       * or to every difference of endmembers (SCLS, with sum a = 1). */
      double res[BANDS], dots[P], sum = 0;
      for (int t = 0; t < BANDS; t++) {
        res[t] = y[t * N + j];
        for (int i = 0; i < P; i++) res[t] -= em[i * BANDS + t] * a[i * N + j];
      }
      for (int i = 0; i < P; i++) {
        dots[i] = 0;
        for (int t = 0; t < BANDS; t++) dots[i] += em[i * BANDS + t] * res[t];
        sum += a[i * N + j];
      }
      for (int i = 0; i < P; i++) CHECK_NEAR(method == PV_HSI_UCLS ? dots[i] : dots[i] - dots[0], 0, 1e-9);
      if (method == PV_HSI_SCLS) CHECK_NEAR(sum, 1, 1e-12);
    }
    pv_hsi_lsu_destroy(&s);
  }
  pv_ctx_destroy(&ctx);
}

static void test_masking_and_bad_input(void) {
  enum { BANDS = 6, P = 3, N = 4 };
  double em[P * BANDS], y[BANDS * N], a[P * N];
  pv_rng r;
  pv_rng_init(&r, 1, 1);
  random_problem(&r, BANDS, P, N, em, y);
  y[3 * N + 2] = NAN; /* band 3 of pixel 2 */
  pv_ctx *ctx;
  CHECK_OK(pv_ctx_create(&ctx));
  pv_hsi_lsu *s;
  CHECK_OK(pv_hsi_lsu_create(ctx, PV_HSI_FCLS, BANDS, P, em, &s));
  size_t masked = 0;
  CHECK_OK(pv_hsi_lsu_solve(s, N, y, N, a, N, &masked));
  CHECK_EQ_INT(masked, 1);
  for (int i = 0; i < P; i++) {
    CHECK(isnan(a[i * N + 2]));
    CHECK(!isnan(a[i * N + 1]));
  }
  pv_hsi_lsu_destroy(&s);
  double dep[2 * BANDS];
  for (int t = 0; t < BANDS; t++) dep[t] = dep[BANDS + t] = t + 1.0; /* identical endmembers */
  CHECK_STATUS(pv_hsi_lsu_create(ctx, PV_HSI_FCLS, BANDS, 2, dep, &s), PV_ENUMERIC);
  CHECK_STATUS(pv_hsi_lsu_create(ctx, PV_HSI_FCLS, BANDS, 7, em, &s), PV_EINVAL);
  em[4] = NAN;
  CHECK_STATUS(pv_hsi_lsu_create(ctx, PV_HSI_FCLS, BANDS, P, em, &s), PV_EINVAL);
  CHECK(s == NULL);
  pv_ctx_destroy(&ctx);
}

/* A MATLAB matrix variable as doubles (column-major), or NULL. */
static double *mat_var(const char *path, const char *name, size_t *rows, size_t *cols, size_t *depth) {
  mat_t *m = Mat_Open(path, MAT_ACC_RDONLY);
  if (!m) return NULL;
  matvar_t *v = Mat_VarRead(m, name);
  double *out = NULL;
  if (v && v->rank >= 2 && v->isComplex == 0) {
    size_t n = 1;
    for (int i = 0; i < v->rank; i++) n *= v->dims[i];
    *rows = v->dims[0];
    *cols = v->dims[1];
    *depth = v->rank > 2 ? v->dims[2] : 1;
    out = malloc(n * sizeof *out);
    for (size_t i = 0; out && i < n; i++)
      out[i] = v->class_type == MAT_C_SINGLE ? ((float *)v->data)[i] : v->class_type == MAT_C_DOUBLE ? ((double *)v->data)[i] : NAN;
  }
  Mat_VarFree(v);
  Mat_Close(m);
  return out;
}

/* FCLS and UCLS with the ground-truth endmembers against the notes' exact
 * figures. abund: "S_GT" (rows x cols x p) or "A" (p x pixels). */
static void real_scene(const char *file, const char *abund, double scale, double want_fcls, double want_ucls) {
  const char *dir = pv_test_shared_datasets();
  if (!dir) {
    printf("  SKIP: ../shared/datasets not present\n");
    return;
  }
  char path[1024];
  snprintf(path, sizeof path, "%s/hsi/%s", dir, file);
  pv_ctx *ctx;
  CHECK_OK(pv_ctx_create(&ctx));
  CHECK_OK(pv_ctx_set_threads(ctx, 2));
  pv_raster_cube cube;
  CHECK_OK(pv_matfile_read(ctx, path, NULL, &cube));
  size_t L = cube.bands, H = cube.height, W = cube.width, N = H * W, gr, gc, gd, ar, ac, ad;
  double *gt = mat_var(path, "GT", &gr, &gc, &gd), *ab = mat_var(path, abund, &ar, &ac, &ad);
  CHECK(gt && ab && gc == L);
  int p = (int)gr;
  double *em = malloc((size_t)p * L * sizeof *em), *a = malloc((size_t)p * N * sizeof *a);
  double *y = cube.data;
  for (size_t i = 0; i < L * N; i++) y[i] /= scale;
  for (int i = 0; i < p; i++)
    for (size_t b = 0; b < L; b++) em[i * L + b] = gt[i + b * (size_t)p]; /* GT is p x L column-major */
  double want[2] = {want_fcls, want_ucls};
  pv_hsi_lsu_method methods[2] = {PV_HSI_FCLS, PV_HSI_UCLS};
  for (int k = 0; k < 2; k++) {
    pv_hsi_lsu *s;
    CHECK_OK(pv_hsi_lsu_create(ctx, methods[k], (int)L, p, em, &s));
    CHECK_OK(pv_hsi_lsu_solve(s, N, y, N, a, N, NULL));
    double se = 0;
    for (size_t row = 0; row < H; row++)
      for (size_t col = 0; col < W; col++)
        for (int i = 0; i < p; i++) {
          size_t n = row + col * H; /* MATLAB pixel index */
          double ref = ad > 1 ? ab[n + (size_t)i * N] : ab[i + n * (size_t)p];
          double d = a[(size_t)i * N + row * W + col] - ref;
          se += d * d;
        }
    double rmse = sqrt(se / ((double)p * N));
    printf("  %s %s abundance RMSE %.5f (notes: %.5f)\n", file, k ? "UCLS" : "FCLS", rmse, want[k]);
    CHECK_NEAR(rmse, want[k], 0.01 * want[k] + 2e-5);
    pv_hsi_lsu_destroy(&s);
  }
  free(em);
  free(a);
  free(gt);
  free(ab);
  pv_raster_cube_free(&cube);
  pv_ctx_destroy(&ctx);
}

static void test_moffett_exact_fcls(void) { real_scene("moffett.mat", "S_GT", 1.0, 0.00073, 0.2005); }
static void test_jasper_fcls(void) { real_scene("Jasper.mat", "A", 5437.0, 0.07803, 0.1464); }

PV_TEST_MAIN(PV_CASE(test_fcls_equals_brute_force), PV_CASE(test_ncls_equals_brute_force),
             PV_CASE(test_ucls_scls_normal_equations), PV_CASE(test_masking_and_bad_input),
             PV_CASE(test_moffett_exact_fcls), PV_CASE(test_jasper_fcls))
