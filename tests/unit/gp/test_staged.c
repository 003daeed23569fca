/* test_staged.c - the 1-D staged L-BFGS route (pruning stages by work
 * counts, energy-share pruning): the same inputs give bit-identical results
 * with different (non-binding) wall-clock limits, the stage budgets are the
 * documented fractions of the work budget and are honoured; on
 * u = sin(6x) cos(100x) (two frequencies, 94 and 106 / 2 pi) a small work
 * budget reaches an error far below the reference's logged one. */
#include <math.h>
#include <string.h>
#include "pv_test.h"
#include <parseval/gp.h>

/* One default 1-D benchmark run (noise cap, pruning, grid bounds) with the
 * given kernel, work budget and wall-clock limit; p receives nothing, the
 * GP mean at the nodes goes to u (n values). */
static void run(const char *name, pv_gp_kernel_kind kind, long work, double max_time, double *u,
                pv_gp_run_result *r) {
  const pv_gp_benchmark *b = pv_gp_benchmark_find(name);
  CHECK(b != NULL);
  pv_gp_run_options o = PV_GP_RUN_OPTIONS_INIT;
  o.kind = kind;
  o.optim.max_iter = 2000;
  o.optim.max_work = work;
  o.optim.max_time = max_time;
  CHECK_OK(pv_gp_benchmark_run(NULL, b, &o, u, NULL, NULL, r));
}

/* Allen-Cahn sin(6x)cos(100x) (Gauss-Newton inside every evaluation), 120
 * work units: no time limit vs a 10^4 s one. Stage 1 must end by its work
 * budget (40 %), stage 2 start with pruned components; the two runs must
 * agree bit for bit. */
static void test_staged_deterministic(void) {
  pv_gp_run_result r1, r2;
  double *u1 = pv_malloc(400 * sizeof(double)), *u2 = pv_malloc(400 * sizeof(double));
  run("allencahn_1d-sin_cos", PV_GP_KERNEL_GM, 120, 0.0, u1, &r1);
  run("allencahn_1d-sin_cos", PV_GP_KERNEL_GM, 120, 1e4, u2, &r2);
  printf("rel L2 %.6e / %.6e, loss %.12e / %.12e, work %ld, %d stages\n", r1.optim.rel_l2,
         r2.optim.rel_l2, r1.optim.loss, r2.optim.loss, r1.optim.work, r1.optim.stages);
  CHECK(memcmp(&r1.optim.loss, &r2.optim.loss, sizeof(double)) == 0);
  CHECK(memcmp(&r1.optim.rel_l2, &r2.optim.rel_l2, sizeof(double)) == 0);
  CHECK(memcmp(u1, u2, 400 * sizeof(double)) == 0);
  CHECK_EQ_INT(r1.optim.iterations, r2.optim.iterations);
  CHECK_EQ_INT(r1.optim.evaluations, r2.optim.evaluations);
  CHECK_EQ_INT(r1.optim.stages, 3);
  CHECK(r1.optim.stage[0].work_limit == 48 && r1.optim.stage[1].work_limit == 84 &&
        r1.optim.stage[2].work_limit == 120);
  CHECK_EQ_INT(r1.optim.stage[0].stop_reason, 5);   /* the work budget, not the clock */
  CHECK(r1.optim.stage[1].pruned > 0);
  long sum = 0;
  for (int k = 0; k < 3; k++) sum += r1.optim.stage[k].work;
  CHECK(sum == r1.optim.work);
  /* a stage stops before an evaluation that would start past its budget:
   * the overshoot is at most one evaluation (<= 11 solves) per stage */
  CHECK(r1.optim.work >= 120 && r1.optim.work <= 120 + 3 * 11);
  CHECK(r1.optim.rel_l2 < 1e-4);
  pv_free(u1); pv_free(u2);
}

/* Poisson sin(6x)cos(100x), StM, 200 work units: the energy-share pruning
 * removes the components that do not carry the solution, and the final
 * iterate is below 1e-6 (reference 5.5e-6 after 1e5 Adam steps; with the
 * weight-gap pruning alone this budget gives ~3e-6). */
static void test_prune_share_sin_cos(void) {
  pv_gp_run_result r;
  run("poisson_1d-sin_cos", PV_GP_KERNEL_STM, 200, 0.0, NULL, &r);
  int pruned = 0;
  for (int k = 0; k < r.optim.stages; k++) pruned += r.optim.stage[k].pruned;
  printf("rel L2 %.3e, %d pruned, %d iterations, work %ld\n", r.optim.rel_l2, pruned,
         r.optim.iterations, r.optim.work);
  CHECK(pruned >= 20);
  CHECK(r.optim.rel_l2 < 1e-6);
}

PV_TEST_MAIN(PV_CASE(test_staged_deterministic), PV_CASE(test_prune_share_sin_cos))
