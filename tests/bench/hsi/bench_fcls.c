/* bench_fcls: exact FCLS on a synthetic scene (default 1,000,000 pixels x
 * 200 bands x 6 endmembers) against the peer ../shared/peers/hsi/
 * fcls_nnls_bench.py (scipy nnls with a sum-to-one row), run in the same
 * invocation on the first 20,000 pixels saved as .npy; abundances compared.
 * Also VCA + FCLS throughput and the memory floor (one read of Y).
 * Usage: bench_fcls [pixels] [peer script] */
#include <parseval/hsi.h>
#include <parseval/npy.h>
#include <parseval/parseval.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "synth.h"

enum { BANDS = 200, EM = 6, PEER_PIXELS = 20000 };

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double time_fcls(pv_ctx *ctx, int threads, const synth_scene *s, double *a) {
  pv_ctx_set_threads(ctx, threads);
  pv_hsi_lsu *u;
  double best = 1e30;
  for (int rep = 0; rep < 3; rep++) {
    double t0 = now();
    if (pv_hsi_lsu_create(ctx, PV_HSI_FCLS, BANDS, EM, s->em, &u) || pv_hsi_lsu_solve(u, s->n, s->y, s->n, a, s->n, NULL)) {
      fprintf(stderr, "bench_fcls: %s\n", pv_error_message());
      exit(1);
    }
    double t = now() - t0;
    pv_hsi_lsu_destroy(&u);
    if (t < best) best = t;
  }
  return best;
}

/* The peer's input files: the first PEER_PIXELS pixels and E^T. */
static int save_peer_inputs(const synth_scene *s, const char *dir, char *ypath, char *epath) {
  double *y = malloc((size_t)BANDS * PEER_PIXELS * sizeof *y), et[BANDS * EM];
  for (int b = 0; b < BANDS; b++) memcpy(y + (size_t)b * PEER_PIXELS, s->y + (size_t)b * s->n, PEER_PIXELS * sizeof *y);
  for (int b = 0; b < BANDS; b++)
    for (int i = 0; i < EM; i++) et[b * EM + i] = s->em[i * BANDS + b];
  pv_view vy, ve;
  size_t shy[2] = {BANDS, PEER_PIXELS}, she[2] = {BANDS, EM};
  pv_view_init(&vy, y, PV_F64, 2, shy);
  pv_view_init(&ve, et, PV_F64, 2, she);
  sprintf(ypath, "%s/Y.npy", dir);
  sprintf(epath, "%s/E.npy", dir);
  int rc = pv_npy_write(ypath, &vy, NULL, 1) || pv_npy_write(epath, &ve, NULL, 1);
  free(y);
  return rc;
}

int main(int argc, char **argv) {
  size_t n = argc > 1 ? (size_t)atof(argv[1]) : 1000000;
  const char *peer = argc > 2 ? argv[2] : "../shared/peers/hsi/fcls_nnls_bench.py";
  if (n < PEER_PIXELS || pv_init()) return 1;
  pv_ctx *ctx;
  pv_ctx_create(&ctx);
  synth_scene s;
  synth_make(&s, BANDS, EM, n, 40.0, 2024);
  double *a = malloc((size_t)EM * n * sizeof *a);
  /* Floor: one pass over Y (the solver reads it once). */
  double t0 = now(), acc = 0;
  for (size_t k = 0; k < (size_t)BANDS * n; k++) acc += s.y[k];
  double t_read = now() - t0;
  double t1 = time_fcls(ctx, 1, &s, a), t2 = time_fcls(ctx, 2, &s, a);
  char dir[] = "/tmp/pv-bench-fcls-XXXXXX", ypath[128], epath[128], apath[160], cmd[1024];
  if (!mkdtemp(dir) || save_peer_inputs(&s, dir, ypath, epath)) return 1;
  sprintf(apath, "%s/A_peer.npy", dir);
  snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s --y %s --e %s --save %s --sample %d", peer, ypath, epath, apath, PEER_PIXELS);
  FILE *pp = popen(cmd, "r");
  char line[512] = "";
  double peer_us = -1;
  if (pp && fgets(line, sizeof line, pp)) {
    char *q = strstr(line, "time_per_pixel_us=");
    if (q) peer_us = atof(q + 18);
  }
  if (pp) pclose(pp);
  double maxdiff = -1;
  pv_array *pa = NULL;
  if (peer_us > 0 && pv_npy_read(apath, &pa) == 0) {
    const double *pd = pv_array_data(pa);
    maxdiff = 0;
    for (int i = 0; i < EM; i++)
      for (size_t j = 0; j < PEER_PIXELS; j++) {
        double d = fabs(pd[(size_t)i * PEER_PIXELS + j] - a[(size_t)i * n + j]);
        if (d > maxdiff) maxdiff = d;
      }
    pv_array_destroy(&pa);
  }
  double us1 = t1 / n * 1e6, us2 = t2 / n * 1e6;
  printf("FCLS, %zu pixels x %d bands x %d endmembers (synthetic, 40 dB), exact active set\n", n, BANDS, EM);
  printf("%-34s %12s %12s %10s\n", "figure", "parseval", "peer", "peer/ours");
  if (peer_us > 0) {
    printf("%-34s %12.3f %12.2f %10.1f\n", "us per pixel, 1 thread", us1, peer_us, peer_us / us1);
    printf("%-34s %12.3f %12.2f %10.1f\n", "us per pixel, 2 threads", us2, peer_us, peer_us / us2);
    printf("%-34s %12.2f %12.1f\n", "seconds for all pixels (2 thr)", t2, peer_us * 1e-6 * n);
    printf("max |ours - peer| abundance on %d pixels: %.2e (peer exact to ~1e-5: delta = 1e3)\n", PEER_PIXELS, maxdiff);
  } else {
    printf("%-34s %12.3f %12s\n%-34s %12.3f\n(peer did not run: %s)\n", "us per pixel, 1 thread", us1, "n/a",
           "us per pixel, 2 threads", us2, cmd);
  }
  printf("floor: one pass over Y (%.1f GB) takes %.3f s = %.3f us/pixel; 1-thread FCLS is %.1fx that\n",
         8.0 * BANDS * n / 1e9, t_read, t_read / n * 1e6, t1 / t_read);
  /* VCA + FCLS throughput at 2 threads. */
  pv_ctx_set_threads(ctx, 2);
  double tv = now();
  double em[EM * BANDS];
  pv_hsi_lsu *u;
  if (pv_hsi_vca(ctx, BANDS, n, s.y, n, EM, NAN, NULL, em) || pv_hsi_lsu_create(ctx, PV_HSI_FCLS, BANDS, EM, em, &u) ||
      pv_hsi_lsu_solve(u, n, s.y, n, a, n, NULL)) {
    fprintf(stderr, "bench_fcls: %s\n", pv_error_message());
    return 1;
  }
  tv = now() - tv;
  pv_hsi_lsu_destroy(&u);
  printf("VCA + FCLS, 2 threads: %.2f s, %.2e pixels/s (acc %g)\n", tv, n / tv, acc > 0 ? 1.0 : 0.0);
  free(a);
  synth_free(&s);
  pv_ctx_destroy(&ctx);
  return 0;
}
