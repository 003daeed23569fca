/* bench_nn_optim: one optimiser step on the FNO-2D parameter set (modes 12,
 * width 20; 926,357 real numbers, shapes of ../shared/peers/ns/fno2d_bench.py)
 * for Muon, Conda, AuON and Hybrid-AuON, beside the torch peer
 * (optim_bench_peer.py: torch.optim.Adam and torch versions of the reference
 * optimisers) run in the same process tree. Medians of --reps steps.
 * Usage: bench_nn_optim [--reps 20] [--threads 1] [--no-peer] */
#include <parseval/nn_optim.h>
#include <parseval/parseval.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NP 24
static pv_nn_param ps[NP];
static size_t np;

static void add(const char *name, int ndim, const size_t *sh, int cplx, int group) {
  pv_nn_param *p = &ps[np++];
  memset(p, 0, sizeof *p);
  snprintf(p->name, sizeof p->name, "%s", name);
  p->ndim = ndim;
  memcpy(p->shape, sh, (size_t)ndim * sizeof *sh);
  p->is_complex = cplx;
  p->group = group;
  size_t nf = pv_nn_param_numel(p) * (cplx ? 2 : 1);
  p->w = pv_malloc(nf * sizeof(float));
  p->g = pv_malloc(nf * sizeof(float));
}

static void build(void) {
  size_t l1[2] = {20, 12}, b20[1] = {20}, sp[4] = {20, 20, 12, 12}, pw[4] = {20, 20, 1, 1};
  size_t p1[2] = {128, 20}, b128[1] = {128}, p2[2] = {1, 128}, b1[1] = {1};
  add("lift.weight", 2, l1, 0, 0);
  add("lift.bias", 1, b20, 0, 0);
  for (int l = 0; l < 4; l++) {
    char n[64];
    snprintf(n, sizeof n, "spec.%d.w_pos", l);
    add(n, 4, sp, 1, 0);
    snprintf(n, sizeof n, "spec.%d.w_neg", l);
    add(n, 4, sp, 1, 0);
    snprintf(n, sizeof n, "pw.%d.weight", l);
    add(n, 4, pw, 0, 0);
    snprintf(n, sizeof n, "pw.%d.bias", l);
    add(n, 1, b20, 0, 0);
  }
  add("proj1.weight", 2, p1, 0, 0);
  add("proj1.bias", 1, b128, 0, 0);
  add("proj2.weight", 2, p2, 0, 0);
  add("proj2.bias", 1, b1, 0, 0);
}

static void fill(uint64_t seed) {
  pv_rng r;
  pv_rng_init(&r, seed, 0);
  for (size_t k = 0; k < np; k++) {
    size_t nf = pv_nn_param_numel(&ps[k]) * (ps[k].is_complex ? 2 : 1);
    for (size_t i = 0; i < nf; i++) {
      ps[k].w[i] = (float)(0.1 * pv_rng_normal(&r));
      ps[k].g[i] = (float)(0.01 * pv_rng_normal(&r));
    }
  }
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmpd(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double bench(pv_ctx *ctx, pv_nn_optim_kind kind, int reps) {
  fill(1);
  pv_nn_optim *o = NULL;
  if (pv_nn_optim_create(ctx, kind, NULL, ps, np, &o)) return -1;
  double lr = kind == PV_NN_OPTIM_CONDA ? 1e-3 : (kind == PV_NN_OPTIM_MUON ? 0.02 : 0.08);
  pv_nn_optim_step(o, lr); /* first step: Conda's SVD, page faults */
  double *t = malloc((size_t)reps * sizeof *t);
  for (int i = 0; i < reps; i++) {
    double t0 = now();
    if (pv_nn_optim_step(o, lr)) return -1;
    t[i] = now() - t0;
  }
  qsort(t, (size_t)reps, sizeof *t, cmpd);
  double med = 1e3 * t[reps / 2];
  free(t);
  pv_nn_optim_destroy(&o);
  return med;
}

int main(int argc, char **argv) {
  int reps = 20, threads = 1, peer = 1;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--no-peer")) peer = 0;
    else {
      fprintf(stderr, "usage: bench_nn_optim [--reps n] [--threads t] [--no-peer]\n");
      return 2;
    }
  }
  if (reps < 1) reps = 1;
  pv_ctx *ctx = NULL;
  if (pv_init() || pv_ctx_create(&ctx) || pv_ctx_set_threads(ctx, threads)) return 1;
  build();
  size_t total = 0;
  for (size_t k = 0; k < np; k++) total += pv_nn_param_numel(&ps[k]) * (ps[k].is_complex ? 2 : 1);
  const char *names[4] = {"muon", "conda", "auon", "hybrid"};
  double ours[4];
  for (int k = 0; k < 4; k++) ours[k] = bench(ctx, (pv_nn_optim_kind)(k + 1), reps);
  double theirs[5] = {-1, -1, -1, -1, -1};
  if (peer) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "OMP_NUM_THREADS=%d /usr/bin/python3 %s --reps %d --threads %d",
             threads, PV_NN_OPTIM_PEER, reps, threads);
    FILE *pp = popen(cmd, "r");
    char line[256], nm[64];
    double ms;
    while (pp && fgets(line, sizeof line, pp)) {
      if (sscanf(line, "peer %63s %lf", nm, &ms) != 2) continue;
      if (!strcmp(nm, "adam")) theirs[4] = ms;
      for (int k = 0; k < 4; k++)
        if (!strcmp(nm, names[k])) theirs[k] = ms;
    }
    if (pp) pclose(pp);
  }
  printf("FNO-2D parameter set: %zu floats in %zu tensors, threads %d, median of %d steps\n",
         total, np, threads, reps);
  printf("%-8s %12s %12s %10s\n", "optim", "ours ms", "torch ms", "torch/ours");
  for (int k = 0; k < 4; k++)
    printf("%-8s %12.3f %12.3f %10.2f\n", names[k], ours[k], theirs[k],
           theirs[k] > 0 && ours[k] > 0 ? theirs[k] / ours[k] : 0.0);
  printf("%-8s %12s %12.3f %10s   (torch.optim.Adam, lr 1e-3, wd 1e-4: reference)\n", "adam",
         "-", theirs[4], "-");
  for (size_t k = 0; k < np; k++) {
    pv_free(ps[k].w);
    pv_free(ps[k].g);
  }
  pv_ctx_destroy(&ctx);
  return 0;
}
