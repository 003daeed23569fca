/* Minimum-volume NMF: the objective never increases (majorisation-
 * minimisation), and on a scene without pure pixels it moves VCA's
 * endmembers (which must lie inside the data) out to the true vertices. */
#include "pv_test.h"
#include "synth.h"

#include <parseval/hsi.h>
#include <stdlib.h>
#include <string.h>

/* Keep only pixels whose largest abundance is at most amax (no pure pixels). */
static size_t keep_mixed(synth_scene *s, double amax) {
  size_t k = 0;
  for (size_t j = 0; j < s->n; j++) {
    double m = 0;
    for (int i = 0; i < s->p; i++) m = fmax(m, s->a[i * s->n + j]);
    if (m > amax) continue;
    for (int b = 0; b < s->bands; b++) s->y[b * s->n + k] = s->y[b * s->n + j];
    for (int i = 0; i < s->p; i++) s->a[i * s->n + k] = s->a[i * s->n + j];
    k++;
  }
  for (int b = 1; b < s->bands; b++) memmove(s->y + b * k, s->y + b * s->n, k * sizeof *s->y);
  return k;
}

static double mean_sad(const synth_scene *s, const double *em) {
  int perm[8];
  double sad[8], m = 0;
  CHECK_OK(pv_hsi_match_endmembers(s->p, s->bands, em, s->em, perm, sad));
  for (int i = 0; i < s->p; i++) m += sad[i] / s->p;
  return m;
}

static void test_volume_minimisation(void) {
  synth_scene s;
  synth_make(&s, 50, 3, 2500, 60.0, 31);
  size_t n = keep_mixed(&s, 0.75);
  pv_ctx *ctx;
  CHECK_OK(pv_ctx_create(&ctx));
  double vca[3 * 50], em[3 * 50], *a = malloc(3 * n * sizeof *a);
  CHECK_OK(pv_hsi_vca(ctx, 50, n, s.y, n, 3, NAN, NULL, vca));
  double before = mean_sad(&s, vca);
  /* The objective sequence over 1..8 iterations from the same start. */
  double last = INFINITY;
  pv_hsi_mvnmf_options o = PV_HSI_MVNMF_OPTIONS_INIT;
  o.lambda = 1e-4 * (double)n;
  o.tol = 0;
  for (int k = 1; k <= 8; k++) {
    memcpy(em, vca, sizeof em);
    o.max_iter = k;
    double f;
    int it, rc = pv_hsi_mvnmf(ctx, 50, n, s.y, n, 3, &o, em, a, n, &f, &it);
    CHECK(rc == PV_OK || rc == PV_ENOTCONV);
    pv_error_clear();
    CHECK(f <= last * (1 + 1e-12));
    last = f;
  }
  memcpy(em, vca, sizeof em);
  o.max_iter = 2000;
  o.tol = 1e-8;
  double f;
  int it;
  CHECK_OK(pv_hsi_mvnmf(ctx, 50, n, s.y, n, 3, &o, em, a, n, &f, &it));
  double after = mean_sad(&s, em);
  printf("  %zu mixed pixels (max abundance 0.75): VCA SAD %.2f deg -> MV-NMF %.2f deg in %d iterations\n", n,
         before, after, it);
  CHECK(after < 0.5 * before);
  for (size_t j = 0; j < n; j++) {
    double sum = 0;
    for (int i = 0; i < 3; i++) sum += a[i * n + j];
    CHECK_NEAR(sum, 1, 1e-9);
  }
  pv_hsi_mvnmf_options bad = PV_HSI_MVNMF_OPTIONS_INIT;
  bad.delta = 0;
  CHECK_STATUS(pv_hsi_mvnmf(ctx, 50, n, s.y, n, 3, &bad, em, a, n, NULL, NULL), PV_EINVAL);
  free(a);
  synth_free(&s);
  pv_ctx_destroy(&ctx);
}

PV_TEST_MAIN(PV_CASE(test_volume_minimisation))
