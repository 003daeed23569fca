/* Endmember extraction and subspace estimation on scenes with known truth. */
#include "pv_test.h"
#include "synth.h"

#include <parseval/hsi.h>
#include <stdlib.h>

typedef int (*extractor)(pv_ctx *, const synth_scene *, size_t *, double *);
static int run_vca(pv_ctx *c, const synth_scene *s, size_t *idx, double *em) {
  return pv_hsi_vca(c, s->bands, s->n, s->y, s->n, s->p, NAN, idx, em);
}
static int run_nfindr(pv_ctx *c, const synth_scene *s, size_t *idx, double *em) {
  return pv_hsi_nfindr(c, s->bands, s->n, s->y, s->n, s->p, 20, idx, em);
}
static int run_atgp(pv_ctx *c, const synth_scene *s, size_t *idx, double *em) {
  return pv_hsi_atgp(c, s->bands, s->n, s->y, s->n, s->p, idx, em);
}

/* Matched spectral angles to the truth, worst one. */
static double worst_sad(const synth_scene *s, extractor f, pv_ctx *ctx) {
  size_t idx[16];
  double em[16 * 200], sad[16];
  int perm[16];
  int rc = f(ctx, s, idx, em);
  CHECK_OK(rc);
  if (rc) return 180;
  CHECK_OK(pv_hsi_match_endmembers(s->p, s->bands, em, s->em, perm, sad));
  double w = 0;
  for (int i = 0; i < s->p; i++) w = fmax(w, sad[i]);
  return w;
}

static void test_recover_pure_pixels(void) {
  pv_ctx *ctx;
  CHECK_OK(pv_ctx_create(&ctx));
  pv_ctx_set_seed(ctx, 3);
  const char *names[3] = {"VCA", "N-FINDR", "ATGP"};
  extractor fs[3] = {run_vca, run_nfindr, run_atgp};
  for (int p = 3; p <= 6; p++) {
    synth_scene s;
    synth_make(&s, 80, p, 3000, 60.0, (uint64_t)p);
    for (int k = 0; k < 3; k++) {
      double w = worst_sad(&s, fs[k], ctx);
      if (w >= 1.0) printf("  %s p = %d: worst SAD %.3f deg\n", names[k], p, w);
      CHECK(w < 1.0);
    }
    synth_free(&s);
  }
  /* At 25 dB VCA still lands near the vertices. */
  synth_scene s;
  synth_make(&s, 80, 4, 3000, 25.0, 11);
  double w = worst_sad(&s, run_vca, ctx);
  printf("  VCA at 25 dB: worst SAD %.2f deg\n", w);
  CHECK(w < 5.0);
  synth_free(&s);
  pv_ctx_destroy(&ctx);
}

static void test_fcls_on_simplex(void) {
  synth_scene s;
  synth_make(&s, 50, 5, 2000, 30.0, 4);
  pv_ctx *ctx;
  CHECK_OK(pv_ctx_create(&ctx));
  CHECK_OK(pv_ctx_set_threads(ctx, 2));
  pv_hsi_lsu *u;
  double *a = malloc(5 * s.n * sizeof *a), rmse;
  CHECK_OK(pv_hsi_lsu_create(ctx, PV_HSI_FCLS, 50, 5, s.em, &u));
  CHECK_OK(pv_hsi_lsu_solve(u, s.n, s.y, s.n, a, s.n, NULL));
  for (size_t j = 0; j < s.n; j++) {
    double sum = 0;
    for (int i = 0; i < 5; i++) {
      CHECK(a[i * s.n + j] >= 0);
      sum += a[i * s.n + j];
    }
    CHECK_NEAR(sum, 1, 1e-12);
  }
  double e = pv_hsi_abundance_rmse(5, s.n, a, s.n, s.a, s.n, NULL);
  printf("  FCLS at 30 dB: abundance RMSE %.4f, SRE %.1f dB\n", e, pv_hsi_sre_db(5, s.n, a, s.n, s.a, s.n, NULL));
  CHECK(e < 0.05);
  CHECK_OK(pv_hsi_reconstruction_rmse(50, s.n, s.y, s.n, 5, s.em, a, s.n, &rmse));
  CHECK(rmse > 0 && rmse < 0.05);
  pv_hsi_lsu_destroy(&u);
  free(a);
  synth_free(&s);
  pv_ctx_destroy(&ctx);
}

static void test_hysime_and_hfc(void) {
  pv_ctx *ctx;
  CHECK_OK(pv_ctx_create(&ctx));
  for (int p = 3; p <= 7; p += 2) {
    synth_scene s;
    synth_make(&s, 60, p, 5000, 35.0, 20 + (uint64_t)p);
    int k = 0;
    double var[60];
    CHECK_OK(pv_hsi_hysime(ctx, 60, s.n, s.y, s.n, &k, var));
    printf("  HySime: p = %d -> k = %d\n", p, k);
    CHECK_EQ_INT(k, p);
    synth_free(&s);
  }
  /* Zero-mean white noise carries no signal: VD = 0; noise variance known. */
  enum { L = 30, N = 20000 };
  double *y = malloc((size_t)L * N * sizeof *y);
  pv_rng r;
  pv_rng_init(&r, 9, 1);
  for (size_t i = 0; i < (size_t)L * N; i++) y[i] = 0.5 * pv_rng_normal(&r);
  int vd = -1, k = -1;
  CHECK_OK(pv_hsi_hfc(ctx, L, N, y, N, 1e-3, &vd));
  CHECK_EQ_INT(vd, 0);
  double var[L];
  CHECK_OK(pv_hsi_hysime(ctx, L, N, y, N, &k, var));
  for (int b = 0; b < L; b++) CHECK_NEAR(var[b], 0.25, 0.02);
  CHECK_EQ_INT(k, 0);
  CHECK_STATUS(pv_hsi_hfc(ctx, L, N, y, N, 1.5, &vd), PV_EINVAL);
  free(y);
  pv_ctx_destroy(&ctx);
}

static void test_masked_pixels_and_bad_input(void) {
  synth_scene s;
  synth_make(&s, 40, 4, 1000, 60.0, 5);
  for (size_t j = 10; j < 1000; j += 7) s.y[3 * s.n + j] = NAN; /* holes everywhere but the pure pixels */
  pv_ctx *ctx;
  CHECK_OK(pv_ctx_create(&ctx));
  size_t idx[4];
  CHECK_OK(pv_hsi_vca(ctx, 40, s.n, s.y, s.n, 4, NAN, idx, NULL));
  for (int i = 0; i < 4; i++) CHECK(isfinite(s.y[3 * s.n + idx[i]]));
  CHECK_OK(pv_hsi_nfindr(ctx, 40, s.n, s.y, s.n, 4, 10, idx, NULL));
  CHECK_STATUS(pv_hsi_vca(ctx, 40, s.n, s.y, s.n, 41, NAN, idx, NULL), PV_EINVAL);
  CHECK_STATUS(pv_hsi_nfindr(ctx, 40, s.n, s.y, s.n, 4, 0, idx, NULL), PV_EINVAL);
  for (size_t j = 0; j < s.n; j++) s.y[j] = NAN;
  CHECK_STATUS(pv_hsi_atgp(ctx, 40, s.n, s.y, s.n, 4, idx, NULL), PV_EINVAL);
  int k;
  CHECK_STATUS(pv_hsi_hysime(ctx, 40, s.n, s.y, s.n, &k, NULL), PV_EINVAL);
  synth_free(&s);
  pv_ctx_destroy(&ctx);
}

PV_TEST_MAIN(PV_CASE(test_recover_pure_pixels), PV_CASE(test_fcls_on_simplex), PV_CASE(test_hysime_and_hfc),
             PV_CASE(test_masked_pixels_and_bad_input))
