/* bench_rsvd - rank-k randomized SVD of a tall float64 .npy matrix: Parseval
 * (in memory and streamed from the file) against sklearn's randomized_svd
 * (../shared/peers/linalg/rsvd_bench.py) with the same oversampling and power
 * iterations, in the same run. Prints times, the ratio, relative Frobenius
 * errors and the memory-bandwidth floor (bytes x passes / read bandwidth).
 * Usage: bench_linalg_rsvd [--file X.npy] [--rank 20] [--oversample 10]
 *        [--iters 4] [--threads 2] [--seed 0] [--repeat 1] [--method auto|gram|pass]
 *        [--no-peer]
 * With --repeat R peer and ours alternate R times and the medians are compared.
 * A missing --file is written first by the peer (--save). */
#define _POSIX_C_SOURCE 200809L
#include <parseval/parseval.h>
#include <parseval/linalg.h>

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct { int fd; long offset; size_t n; } npy_file;

/* Open a C-order little-endian float64 2-D .npy; returns the data offset. */
static int npy_open(const char *path, npy_file *f, size_t *m, size_t *n) {
  f->fd = open(path, O_RDONLY);
  if (f->fd < 0) return PV_ERROR(PV_EIO, "%s: cannot open", path);
  unsigned char pre[12];
  if (pread(f->fd, pre, sizeof pre, 0) != (ssize_t)sizeof pre || memcmp(pre, "\x93NUMPY", 6))
    return PV_ERROR(PV_EFORMAT, "%s: not a .npy file", path);
  size_t hlen = pre[6] == 1 ? (size_t)pre[8] | (size_t)pre[9] << 8
                            : (size_t)pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 |
                                  (size_t)pre[11] << 24;
  size_t start = pre[6] == 1 ? 10 : 12;
  if (hlen > 65536) return PV_ERROR(PV_EFORMAT, "%s: header length %zu", path, hlen);
  char *h = calloc(hlen + 1, 1);
  if (!h || pread(f->fd, h, hlen, (off_t)start) != (ssize_t)hlen) {
    free(h);
    return PV_ERROR(PV_EFORMAT, "%s: truncated header", path);
  }
  const char *shape = strstr(h, "'shape': (");
  int ok = strstr(h, "'descr': '<f8'") && strstr(h, "'fortran_order': False") && shape &&
           sscanf(shape + 10, "%zu, %zu)", m, n) == 2;
  free(h);
  if (!ok) return PV_ERROR(PV_EFORMAT, "%s: need a C-order <f8 2-D array", path);
  f->offset = (long)(start + hlen);
  f->n = *n;
  return PV_OK;
}

static int npy_read_rows(size_t row0, size_t nrows, double *buf, void *user) {
  npy_file *f = user;
  size_t bytes = nrows * f->n * sizeof *buf, done = 0;
  off_t off = (off_t)f->offset + (off_t)(row0 * f->n * sizeof *buf);
  while (done < bytes) {
    ssize_t got = pread(f->fd, (char *)buf + done, bytes - done, off + (off_t)done);
    if (got <= 0) return PV_ERROR(PV_EIO, "npy: short read at row %zu", row0);
    done += (size_t)got;
  }
  return 0;
}

/* ||X - U S VT||_F / ||X||_F, block by block. */
static double rel_err(size_t m, size_t n, const double *x, int k, const double *u,
                      const double *s, const double *vt) {
  double e = 0.0, t = 0.0, *row = malloc(n * sizeof *row);
  for (size_t i = 0; i < m; i++) {
    const double *xi = x + i * n;
    for (size_t j = 0; j < n; j++) row[j] = xi[j];
    for (int p = 0; p < k; p++) {
      double c = u[i * (size_t)k + (size_t)p] * s[p];
      const double *v = vt + (size_t)p * n;
      for (size_t j = 0; j < n; j++) row[j] -= c * v[j];
    }
    for (size_t j = 0; j < n; j++) {
      e += row[j] * row[j];
      t += xi[j] * xi[j];
    }
  }
  free(row);
  return sqrt(e / t);
}

/* Read bandwidth (bytes/s) of one sweep over x (a plain summing loop). */
static double read_bandwidth(const double *x, size_t count, double *sink) {
  double t0 = now(), acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;
  for (size_t i = 0; i + 3 < count; i += 4) {
    acc0 += x[i];
    acc1 += x[i + 1];
    acc2 += x[i + 2];
    acc3 += x[i + 3];
  }
  *sink = acc0 + acc1 + acc2 + acc3;
  return (double)count * sizeof *x / (now() - t0);
}

static double median(double *v, int n) {
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
      double t = v[j];
      v[j] = v[j - 1];
      v[j - 1] = t;
    }
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

typedef struct { double time, err, best; int ok; } peer_result;

/* The peer runs with the same BLAS thread count as ours. */
static peer_result run_peer(const char *file, int save, int k, int p, int q, int seed,
                            int threads) {
  peer_result r = {0, 0, 0, 0};
  char cmd[2048], line[1024];
  snprintf(cmd, sizeof cmd,
           "OPENBLAS_NUM_THREADS=%d OMP_NUM_THREADS=%d /usr/bin/python3 %s %s %s --rank %d "
           "--oversample %d --iters %d --seed %d",
           threads, threads, PV_RSVD_PEER, save ? "--save" : "--load", file, k, p, q, seed);
  FILE *pp = popen(cmd, "r");
  if (!pp) return r;
  while (fgets(line, sizeof line, pp)) {
    const char *t = strstr(line, "time_s="), *e = strstr(line, "rel_err_fro="),
               *b = strstr(line, "best_rel_err_fro=");
    if (t && e && b) {
      r.time = atof(t + 7);
      r.err = atof(e + 12);
      r.best = atof(b + 17);
      r.ok = 1;
    }
    fputs(line, stdout);
  }
  r.ok = pclose(pp) == 0 && r.ok;
  return r;
}

static int ours(pv_ctx *ctx, size_t m, size_t n, int k, int p, int q, const double *x,
                npy_file *f, double *s, double *u, double *vt, double *secs, int *method) {
  pv_rsvd_options o = PV_RSVD_OPTIONS_INIT;
  o.oversample = p;
  o.power_iters = q;
  o.method = *method;
  pv_rsvd *r = NULL;
  double t0 = now();
  int st = pv_linalg_rsvd_create(ctx, m, (int)n, k, &o, &r);
  if (!st) st = x ? pv_linalg_rsvd_compute(r, x, n, s, u, (size_t)k, vt, n)
                  : pv_linalg_rsvd_compute_stream(r, npy_read_rows, f, s, u, (size_t)k, vt, n);
  *secs = now() - t0;
  *method = o.method == PV_RSVD_AUTO ? ((int)n <= 2 * (q + 1) * (k + p) ? PV_RSVD_GRAM : PV_RSVD_PASS)
                                     : o.method;
  pv_linalg_rsvd_destroy(&r);
  return st;
}

int main(int argc, char **argv) {
  const char *file = "/tmp/parseval-rsvd-bench/X.npy";
  int k = 20, p = 10, q = 4, threads = 2, seed = 0, peer = 1, repeat = 1, method = PV_RSVD_AUTO;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--no-peer")) peer = 0;
    else if (v && !strcmp(a, "--file")) file = argv[++i];
    else if (v && !strcmp(a, "--rank")) k = atoi(argv[++i]);
    else if (v && !strcmp(a, "--oversample")) p = atoi(argv[++i]);
    else if (v && !strcmp(a, "--iters")) q = atoi(argv[++i]);
    else if (v && !strcmp(a, "--threads")) threads = atoi(argv[++i]);
    else if (v && !strcmp(a, "--seed")) seed = atoi(argv[++i]);
    else if (v && !strcmp(a, "--repeat")) repeat = atoi(argv[++i]);
    else if (v && !strcmp(a, "--method"))
      method = !strcmp(argv[++i], "gram") ? PV_RSVD_GRAM : !strcmp(argv[i], "pass") ? PV_RSVD_PASS
                                                                                    : PV_RSVD_AUTO;
    else {
      fprintf(stderr, "usage: %s [--file X.npy] [--rank k] [--oversample p] [--iters q] "
                      "[--threads t] [--seed s] [--repeat r] [--method auto|gram|pass] "
                      "[--no-peer]\n", argv[0]);
      return 2;
    }
  }
  pv_init();
  peer_result pr = {0, 0, 0, 0};
  if (repeat < 1 || repeat > 15 || k < 1 || p < 0 || q < 0 || threads < 1) {
    fprintf(stderr, "bad option value\n");
    return 2;
  }
  double pt[16];
  int np = 0;
  if (access(file, R_OK) != 0) {
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", file);
    char *slash = strrchr(dir, '/');
    if (slash) {
      *slash = 0;
      char mk[1100];
      snprintf(mk, sizeof mk, "mkdir -p '%s'", dir);
      if (system(mk) != 0) return 1;
    }
    printf("writing %s with the peer (--save)\n", file);
    pr = run_peer(file, 1, k, p, q, seed, threads);
    if (pr.ok) pt[np++] = pr.time;
  }
  npy_file f;
  size_t m, n;
  if (npy_open(file, &f, &m, &n)) {
    fprintf(stderr, "%s\n", pv_error_message());
    return 1;
  }
  double *x = pv_malloc(m * n * sizeof *x), *u = pv_malloc(m * (size_t)k * sizeof *u);
  double *s = pv_malloc((size_t)k * sizeof *s), *vt = pv_malloc((size_t)k * n * sizeof *vt);
  if (!x || !u || !s || !vt || npy_read_rows(0, m, x, &f)) {
    fprintf(stderr, "cannot load %s: %s\n", file, pv_error_message());
    return 1;
  }
  pv_ctx *ctx = NULL;
  pv_ctx_create(&ctx);
  pv_ctx_set_threads(ctx, threads);
  pv_ctx_set_seed(ctx, (uint64_t)seed);
  double t_mem, t_stream, sink;
  int chosen = method;
  double ot[16];
  /* Peer and ours alternate, so that both see the same machine load. */
  for (int i = 0; i < repeat; i++) {
    if (peer && np <= i) {
      pr = run_peer(file, 0, k, p, q, seed, threads);
      if (pr.ok) pt[np++] = pr.time;
    }
    chosen = method;
    if (ours(ctx, m, n, k, p, q, x, &f, s, u, vt, &ot[i], &chosen)) {
      fprintf(stderr, "rsvd failed: %s\n", pv_error_message());
      return 1;
    }
    printf("ours run %d: time_s=%.3f\n", i + 1, ot[i]);
  }
  if (pr.ok) pr.time = median(pt, np);
  t_mem = median(ot, repeat);
  double e_mem = rel_err(m, n, x, k, u, s, vt);
  if ((chosen = method, ours(ctx, m, n, k, p, q, NULL, &f, s, u, vt, &t_stream, &chosen))) {
    fprintf(stderr, "streamed rsvd failed: %s\n", pv_error_message());
    return 1;
  }
  double e_stream = rel_err(m, n, x, k, u, s, vt);
  method = chosen;
  double bw = read_bandwidth(x, m * n, &sink), bytes = (double)m * (double)n * 8.0;
  int passes = method == PV_RSVD_GRAM ? 2 : q + 2;
  double flops = method == PV_RSVD_GRAM ? (double)m * n * (n + 1) + 2.0 * m * n * k
                                        : (q + 1) * 4.0 * m * n * (k + p) + 2.0 * m * n * k;
  printf("ours=parseval_rsvd m=%zu n=%zu rank=%d oversample=%d iters=%d threads=%d method=%s "
         "runs=%d time_s=%.3f rel_err_fro=%.6e gflops=%.1f\n", m, n, k, p, q, threads,
         method == PV_RSVD_GRAM ? "gram" : "pass", repeat, t_mem, e_mem, flops / t_mem * 1e-9);
  printf("ours_streamed=parseval_rsvd_stream (pread row blocks from the file) time_s=%.3f "
         "rel_err_fro=%.6e\n", t_stream, e_stream);
  printf("floor: %.2f GB x %d passes / %.1f GB/s (1-thread read sweep) = %.3f s; "
         "flops %.1f G (%s)\n", bytes * 1e-9, passes, bw * 1e-9, passes * bytes / bw,
         flops * 1e-9, sink == sink ? "ok" : "nan");
  if (pr.ok) {
    printf("peer=sklearn_rsvd runs=%d time_s=%.3f rel_err_fro=%.6e best_rel_err_fro=%.6e\n", np,
           pr.time, pr.err, pr.best);
    printf("ratio peer/ours time=%.2fx  err (ours - peer)/peer=%+.3f%%  goal: >= 2x at |err "
           "diff| <= 1%%: %s\n", pr.time / t_mem, 100.0 * (e_mem - pr.err) / pr.err,
           pr.time / t_mem >= 2.0 && fabs(e_mem - pr.err) <= 0.01 * pr.err ? "met" : "NOT met");
  }
  pv_ctx_destroy(&ctx);
  pv_free(x);
  pv_free(u);
  pv_free(s);
  pv_free(vt);
  close(f.fd);
  return 0;
}
