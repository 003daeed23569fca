/* selfcheck: does this installation compute what it should? `info` reports
 * the libraries it runs on; `rng` draws seeded normal streams split into
 * blocks over MPI ranks and checks their moments against the exact ones (the
 * result is bit-identical for any number of ranks). */
#include <parseval/parseval.h>

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#if PV_HAVE_MPI
#include <mpi.h>
#endif

#define SELFCHECK_VERSION "1.0"

/* Open the verb's "report" output; *date gets the UTC time for the record. */
static int open_report(const pv_args *args, pv_fileout **fo, char date[32]) {
  time_t t = time(NULL);
  strftime(date, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
  return pv_fileout_open(pv_args_string(args, "report"), pv_args_overwrite(args), fo);
}

static int run_info(pv_ctx *ctx, const pv_args *args) {
  if (pv_ctx_rank(ctx) != 0) return PV_OK;
  pv_fileout *fo;
  char date[32];
  int rc = open_report(args, &fo, date);
  if (rc) return rc;
  fprintf(pv_fileout_stream(fo),
          "{\n  \"tool\": \"parseval selfcheck info\",\n  \"version\": \"%s\",\n  \"date\": \"%s\",\n"
          "  \"libraries\": %s,\n  \"threads\": %d,\n  \"ranks\": %d,\n  \"ram_budget_bytes\": %zu\n}\n",
          pv_version(), date, pv_build_info_json(), pv_ctx_threads(ctx), pv_ctx_nranks(ctx),
          pv_ctx_ram_budget(ctx));
  return pv_fileout_commit(&fo);
}

enum { NSUMS = 5 }; /* count, sum z, z^2, z^3, z^4 */

static void draw_block(uint64_t seed, int64_t block, int64_t n, double *s) {
  pv_rng r;
  pv_rng_init(&r, seed, (uint64_t)block);
  double a1 = 0, a2 = 0, a3 = 0, a4 = 0;
  for (int64_t i = 0; i < n; i++) {
    double z = pv_rng_normal(&r), z2 = z * z;
    a1 += z;
    a2 += z2;
    a3 += z2 * z;
    a4 += z2 * z2;
  }
  s[0] = (double)n;
  s[1] = a1;
  s[2] = a2;
  s[3] = a3;
  s[4] = a4;
}

/* Per-block sums: this rank's blocks filled, the others zero, then summed
 * over ranks (adding zeros is exact, so any rank count gives equal bits). */
static int block_sums(pv_ctx *ctx, int64_t samples, int64_t blocks, double *sums) {
  int rank = pv_ctx_rank(ctx), nranks = pv_ctx_nranks(ctx);
  for (int64_t b = rank; b < blocks; b += nranks) {
    int64_t n = samples / blocks + (b < samples % blocks);
    draw_block(pv_ctx_seed(ctx), b, n, sums + NSUMS * b);
    int rc = pv_ctx_progress(ctx, (double)(b + 1) / (double)blocks, "drawing normals");
    if (rc) return rc;
  }
#if PV_HAVE_MPI
  if (nranks > 1 &&
      MPI_Allreduce(MPI_IN_PLACE, sums, (int)(NSUMS * blocks), MPI_DOUBLE, MPI_SUM, pv_ctx_comm(ctx)) != MPI_SUCCESS)
    return PV_ERROR(PV_EMPI, "combining block sums over %d ranks failed", nranks);
#endif
  return PV_OK;
}

static int write_rng_report(const pv_args *args, pv_ctx *ctx, const double *tot, int64_t blocks) {
  double n = tot[0], m1 = tot[1] / n, m2 = tot[2] / n, m3 = tot[3] / n, m4 = tot[4] / n;
  /* z-scores of the raw moments against N(0,1): variances 1, 2, 15, 96 per draw. */
  double z1 = m1 / sqrt(1 / n), z2 = (m2 - 1) / sqrt(2 / n), z3 = m3 / sqrt(15 / n), z4 = (m4 - 3) / sqrt(96 / n);
  int pass = fabs(z1) < 5 && fabs(z2) < 5 && fabs(z3) < 5 && fabs(z4) < 5;
  pv_rng r;
  pv_rng_init(&r, pv_ctx_seed(ctx), 0);
  pv_fileout *fo;
  char date[32];
  int rc = open_report(args, &fo, date);
  if (rc) return rc;
  fprintf(pv_fileout_stream(fo),
          "{\n  \"tool\": \"parseval selfcheck rng\",\n  \"version\": \"%s\",\n  \"date\": \"%s\",\n"
          "  \"parameters\": {\"samples\": %.0f, \"blocks\": %lld, \"seed\": %llu},\n"
          "  \"ranks\": %d,\n  \"first_u64_stream0\": \"%016llx\",\n"
          "  \"moments\": {\"mean\": %.17g, \"m2\": %.17g, \"m3\": %.17g, \"m4\": %.17g},\n"
          "  \"z_scores\": {\"mean\": %.6f, \"m2\": %.6f, \"m3\": %.6f, \"m4\": %.6f},\n"
          "  \"pass\": %s\n}\n",
          pv_version(), date, n, (long long)blocks, (unsigned long long)pv_ctx_seed(ctx), pv_ctx_nranks(ctx),
          (unsigned long long)pv_rng_u64(&r), m1, m2, m3, m4, z1, z2, z3, z4, pass ? "true" : "false");
  rc = pv_fileout_commit(&fo);
  if (!rc && !pass) rc = PV_ERROR(PV_ENUMERIC, "normal moments are off by more than 5 standard errors");
  return rc;
}

static int run_rng(pv_ctx *ctx, const pv_args *args) {
  int64_t samples = pv_args_int(args, "samples"), blocks = pv_args_int(args, "blocks");
  if (blocks > samples) return PV_ERROR(PV_EINVAL, "--blocks=%lld exceeds --samples=%lld", (long long)blocks, (long long)samples);
  double *sums = pv_calloc((size_t)(NSUMS * blocks), sizeof *sums);
  if (!sums) return PV_ENOMEM;
  int rc = block_sums(ctx, samples, blocks, sums);
  double tot[NSUMS] = {0};
  for (int64_t b = 0; !rc && b < blocks; b++) /* fixed order: rank-independent rounding */
    for (int k = 0; k < NSUMS; k++) tot[k] += sums[NSUMS * b + k];
  if (!rc && pv_ctx_rank(ctx) == 0) rc = write_rng_report(args, ctx, tot, blocks);
  pv_free(sums);
  return rc;
}

static const pv_param info_params[] = {
    {"report", PV_PARAM_PATH, PV_ROLE_OUTPUT, 0, NULL, 0, 0, NULL, "JSON report to write", NULL},
};

static const pv_param rng_params[] = {
    {"samples", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_HAS_MIN | PV_PARAM_HAS_MAX, "1000000", 1, 1e10, NULL,
     "number of normal deviates to draw", NULL},
    {"blocks", PV_PARAM_INT, PV_ROLE_OPTION, PV_PARAM_HAS_MIN | PV_PARAM_HAS_MAX, "16", 1, 4096, NULL,
     "independent streams the draws are split into (the unit of MPI distribution)", NULL},
    {"report", PV_PARAM_PATH, PV_ROLE_OUTPUT, 0, NULL, 0, 0, NULL, "JSON report to write", NULL},
};

static const pv_verb verbs[] = {
    {"info", "report the libraries, threads and ranks this installation runs on", info_params, 1,
     sizeof(pv_param), run_info, NULL},
    {"rng", "draw seeded normal streams and test their moments", rng_params, 3, sizeof(pv_param), run_rng,
     "Draws --samples standard normal deviates from --blocks streams of the master seed (--seed), "
     "block b from stream b, blocks shared round-robin over MPI ranks, and compares the first four "
     "moments with those of N(0,1). The numbers are bit-identical for any rank count and platform."},
};

static const char *const demos[] = {"info {out}/info.json", "rng --samples=2000000 {out}/rng.json", NULL};

static const pv_plugin_descriptor descriptor = {
    PV_PLUGIN_ABI_VERSION, sizeof(pv_plugin_descriptor), "selfcheck", SELFCHECK_VERSION,
    "check that this installation's libraries and random streams behave", verbs, 2, sizeof(pv_verb), demos, {0}};

PV_PLUGIN_DEFINE(descriptor)
