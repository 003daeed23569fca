#define _GNU_SOURCE /* wait4 */
/* bench_eigen - k smallest eigenpairs of cotangent-Laplacian pencils
 * (W x = lambda M x, lumped mass) with pv_eigen_pencil_solve, against
 * ../shared/peers/linalg/eigsh_bench.py (scipy eigsh, shift-invert) run in
 * the same invocation on the same meshes. Each solve (ours and the peer's)
 * runs in a child process so its peak resident memory can be reported.
 *
 * The mesh module does not exist yet, so a minimal OFF reader, midpoint
 * subdivision (the peer's) and the cotangent assembly live here.
 * See README.md for the command. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <parseval/eigen.h>
#include <parseval/parseval.h>
#include <parseval/sparse.h>

typedef struct {
  int64_t nv, nf;
  double *v;  /* nv x 3 */
  int64_t *f; /* nf x 3 */
} mesh;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* CPU seconds of the calling thread: with one thread the solve runs here,
 * and this clock is far less disturbed by other jobs on a shared machine
 * than the wall clock. */
static double thread_cpu(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int read_off(const char *path, mesh *m) {
  FILE *fp = fopen(path, "r");
  char magic[8] = {0};
  long nv, nf, ne;
  if (!fp || fscanf(fp, "%3s %ld %ld %ld", magic, &nv, &nf, &ne) != 4 || strcmp(magic, "OFF") ||
      nv <= 0 || nf <= 0) {
    fprintf(stderr, "%s: not an OFF file\n", path);
    if (fp)
      fclose(fp);
    return 1;
  }
  m->nv = nv, m->nf = nf;
  m->v = malloc(sizeof(double) * 3 * nv);
  m->f = malloc(sizeof(int64_t) * 3 * nf);
  for (long i = 0; i < 3 * nv; i++)
    if (fscanf(fp, "%lf", &m->v[i]) != 1)
      return fclose(fp), fprintf(stderr, "%s: truncated vertices\n", path), 1;
  for (long i = 0; i < nf; i++) {
    long c, a, b, d;
    if (fscanf(fp, "%ld %ld %ld %ld", &c, &a, &b, &d) != 4 || c != 3 || a < 0 || b < 0 || d < 0 ||
        a >= nv || b >= nv || d >= nv)
      return fclose(fp), fprintf(stderr, "%s: face %ld is not a valid triangle\n", path, i), 1;
    m->f[3 * i] = a, m->f[3 * i + 1] = b, m->f[3 * i + 2] = d;
  }
  fclose(fp);
  return 0;
}

/* The peer's grid: n x n nodes on the unit square, two triangles a-b-c, a-c-d
 * per cell, node (x, y) at index x n + y. */
static void make_grid(int n, mesh *m) {
  m->nv = (int64_t)n * n, m->nf = 2 * (int64_t)(n - 1) * (n - 1);
  m->v = malloc(sizeof(double) * 3 * m->nv);
  m->f = malloc(sizeof(int64_t) * 3 * m->nf);
  for (int x = 0; x < n; x++)
    for (int y = 0; y < n; y++) {
      double *p = m->v + 3 * ((int64_t)x * n + y);
      p[0] = (double)x / (n - 1), p[1] = (double)y / (n - 1), p[2] = 0;
    }
  int64_t t = 0;
  for (int x = 0; x + 1 < n; x++)
    for (int y = 0; y + 1 < n; y++) {
      int64_t a = (int64_t)x * n + y, b = a + n, c = b + 1, d = a + 1;
      int64_t *f = m->f + 3 * t;
      f[0] = a, f[1] = b, f[2] = c, f[3] = a, f[4] = c, f[5] = d;
      t += 2;
    }
}

static int cmp_key(const void *a, const void *b) {
  const int64_t *x = a, *y = b;
  return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* Midpoint subdivision: one new vertex per edge, each face into four. */
static void subdivide(mesh *m) {
  int64_t ne3 = 3 * m->nf, (*key)[2] = malloc(sizeof(int64_t[2]) * ne3);
  for (int64_t t = 0; t < m->nf; t++)
    for (int c = 0; c < 3; c++) {
      int64_t a = m->f[3 * t + c], b = m->f[3 * t + (c + 1) % 3];
      key[3 * t + c][0] = (a < b ? a : b) * m->nv + (a < b ? b : a);
      key[3 * t + c][1] = 3 * t + c;
    }
  qsort(key, (size_t)ne3, sizeof *key, cmp_key);
  int64_t *mid = malloc(sizeof(int64_t) * ne3), nu = 0;
  for (int64_t q = 0; q < ne3; q++) {
    if (q > 0 && key[q][0] != key[q - 1][0])
      nu++;
    mid[key[q][1]] = m->nv + nu;
  }
  nu++;
  double *v = malloc(sizeof(double) * 3 * (m->nv + nu));
  memcpy(v, m->v, sizeof(double) * 3 * m->nv);
  int64_t *f = malloc(sizeof(int64_t) * 12 * m->nf);
  for (int64_t t = 0; t < m->nf; t++) {
    int64_t *o = m->f + 3 * t, e[3];
    for (int c = 0; c < 3; c++) {
      e[c] = mid[3 * t + c];
      for (int d = 0; d < 3; d++)
        v[3 * e[c] + d] = 0.5 * (m->v[3 * o[c] + d] + m->v[3 * o[(c + 1) % 3] + d]);
    }
    int64_t q[12] = {o[0], e[0], e[2], e[0], o[1], e[1], e[2], e[1], o[2], e[0], e[1], e[2]};
    memcpy(f + 12 * t, q, sizeof q);
  }
  free(key), free(mid), free(m->v), free(m->f);
  m->v = v, m->f = f, m->nv += nu, m->nf *= 4;
}

/* Stiffness W (cotangent weights, positive semidefinite) and lumped mass M. */
static int cotan_pencil(const mesh *m, pv_sparse **W, pv_sparse **M) {
  int64_t cap = 12 * m->nf, t = 0;
  int64_t *r = malloc(sizeof(int64_t) * cap), *c = malloc(sizeof(int64_t) * cap);
  double *x = malloc(sizeof(double) * cap), *mass = calloc((size_t)m->nv, sizeof(double));
  for (int64_t q = 0; q < m->nf; q++) {
    const int64_t *f = m->f + 3 * q;
    double area = 0;
    for (int i = 0; i < 3; i++) {
      const double *p = m->v + 3 * f[i], *pj = m->v + 3 * f[(i + 1) % 3],
                   *pk = m->v + 3 * f[(i + 2) % 3];
      double a[3], b[3], cr[3];
      for (int d = 0; d < 3; d++)
        a[d] = pj[d] - p[d], b[d] = pk[d] - p[d];
      cr[0] = a[1] * b[2] - a[2] * b[1], cr[1] = a[2] * b[0] - a[0] * b[2];
      cr[2] = a[0] * b[1] - a[1] * b[0];
      double cn = sqrt(cr[0] * cr[0] + cr[1] * cr[1] + cr[2] * cr[2]);
      double w = 0.5 * (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]) / cn;
      int64_t j = f[(i + 1) % 3], k = f[(i + 2) % 3];
      r[t] = j, c[t] = k, x[t++] = -w;
      r[t] = k, c[t] = j, x[t++] = -w;
      r[t] = j, c[t] = j, x[t++] = w;
      r[t] = k, c[t] = k, x[t++] = w;
      area = 0.5 * cn;
    }
    for (int i = 0; i < 3; i++)
      mass[f[i]] += area / 3;
  }
  int st = pv_sparse_create_coo(NULL, m->nv, m->nv, t, r, c, x, W);
  if (!st)
    st = pv_sparse_create_diag(NULL, m->nv, mass, M);
  free(r), free(c), free(x), free(mass);
  return st;
}

typedef struct {
  int k, threads, peer_threads, repeat;
  double tol, sigma;
} config;

/* Our solve in this (child) process; prints one result line to out. */
static int run_ours(const mesh *m, const config *cfg, FILE *out) {
  double t0 = now();
  pv_sparse *W = NULL, *M = NULL;
  if (cotan_pencil(m, &W, &M))
    return fprintf(stderr, "assembly: %s\n", pv_error_message()), 1;
  double tb = now() - t0;
  pv_ctx *ctx = NULL;
  pv_ctx_create(&ctx);
  pv_ctx_set_threads(ctx, cfg->threads);
  if (getenv("PV_BENCH_VERBOSE"))
    pv_ctx_set_log(ctx, PV_LOG_DEBUG, pv_log_stderr, NULL), pv_ctx_set_debug(ctx, "eigen");
  pv_eigen_options opt = PV_EIGEN_OPTIONS_INIT;
  opt.sigma = cfg->sigma;
  opt.tol = cfg->tol;
  if (getenv("PV_BENCH_BLOCK"))
    opt.block = atoi(getenv("PV_BENCH_BLOCK"));
  if (getenv("PV_BENCH_BASIS"))
    opt.basis = atoi(getenv("PV_BENCH_BASIS"));
  pv_eigen_info info = {.struct_size = sizeof info};
  double *lam = malloc(sizeof(double) * cfg->k), *X = malloc(sizeof(double) * m->nv * cfg->k);
  t0 = now();
  double c0 = thread_cpu();
  int st = pv_eigen_pencil_solve(ctx, W, M, cfg->k, &opt, lam, X, m->nv, &info);
  double ts = now() - t0, tc = thread_cpu() - c0;
  if (st)
    fprintf(stderr, "solve: %s\n", pv_error_message());
  /* The residual printed is recomputed here from the returned pairs with
   * W and M (untimed), independently of the solver's own report. */
  double resid = NAN;
  if (!st && pv_eigen_residual(W, M, cfg->k, lam, X, m->nv, &resid, NULL))
    resid = NAN;
  fprintf(out,
          "ours nv=%lld k=%d build_s=%.3f solve_s=%.3f solve_cpu_s=%.3f factor_s=%.3f iterate_s=%.3f "
          "lambda_max=%.6g max_resid=%.1e solver_resid=%.1e restarts=%d solves=%lld nnzL=%lld\n",
          (long long)m->nv, cfg->k, tb, ts, tc, info.seconds_factor, info.seconds_iterate,
          info.lambda_max, resid, info.max_residual, info.restarts, (long long)info.op_applies,
          (long long)info.factor_nnz);
  free(lam), free(X);
  pv_ctx_destroy(&ctx);
  pv_sparse_destroy(&W), pv_sparse_destroy(&M);
  return st != 0;
}

/* Run fn in a child (or exec argv when fn is NULL); capture its stdout line,
 * its peak RSS (MiB) and its exit status. */
static int in_child(const mesh *m, const config *cfg, char *const argv[], char *line, size_t len,
                    double *rss_mib, double *cpu_s) {
  int fd[2];
  if (pipe(fd))
    return 1;
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    close(fd[0]);
    if (!argv) {
      FILE *out = fdopen(fd[1], "w");
      int rc = run_ours(m, cfg, out);
      fclose(out);
      _exit(rc);
    }
    dup2(fd[1], 1);
    /* The peer's BLAS threads (numpy/scipy's OpenBLAS defaults to one per core). */
    char nt[16];
    snprintf(nt, sizeof nt, "%d", cfg->peer_threads);
    setenv("OPENBLAS_NUM_THREADS", nt, 1);
    setenv("OMP_NUM_THREADS", nt, 1);
    execv(argv[0], argv);
    _exit(127);
  }
  close(fd[1]);
  FILE *in = fdopen(fd[0], "r");
  line[0] = 0;
  if (!fgets(line, (int)len, in))
    line[0] = 0;
  fclose(in);
  int status = 0;
  struct rusage ru;
  wait4(pid, &status, 0, &ru);
  *rss_mib = ru.ru_maxrss / 1024.0;
  *cpu_s = (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
           (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
  line[strcspn(line, "\n")] = 0;
  return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static double field(const char *line, const char *key) {
  const char *p = strstr(line, key);
  return p ? atof(p + strlen(key)) : NAN;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* cfg->repeat runs of ours then the peer (alternating); the summary line
 * gives the medians and the median of the per-run ratios. */
static void bench_case(const char *label, const mesh *m, const config *cfg, char *const *peer) {
  enum { RMAX = 9 };
  char ours[512], theirs[512] = "";
  double to[RMAX], tp[RMAX], ratio[RMAX], ro = 0, rp = 0, rss_o = 0, rss_p = 0;
  int bad = 0, nr = cfg->repeat < 1 ? 1 : cfg->repeat > RMAX ? RMAX : cfg->repeat;
  for (int r = 0; r < nr; r++) {
    double rss = 0, cpu_o = 0, cpu_p = 0;
    bad |= in_child(m, cfg, NULL, ours, sizeof ours, &rss, &cpu_o);
    rss_o = fmax(rss_o, rss);
    if (peer)
      bad |= in_child(m, cfg, peer, theirs, sizeof theirs, &rss, &cpu_p), rss_p = fmax(rss_p, rss);
    to[r] = field(ours, "solve_s="), tp[r] = field(theirs, "eigsh_s="), ratio[r] = tp[r] / to[r];
    ro = fmax(ro, field(ours, "max_resid=")), rp = fmax(rp, field(theirs, "max_resid="));
    printf("    run %d: cpu s of the whole child (start-up, assembly, solve): ours %.2f, peer %.2f\n"
           "    %s\n    %s\n",
           r + 1, cpu_o, cpu_p, ours, peer ? theirs : "(peer skipped)");
  }
  double mo = median(to, nr), mp = median(tp, nr), mr = median(ratio, nr);
  printf("%-14s nv=%-7lld k=%-4d ours %7.2f s (resid %.1e, %5.0f MiB)  eigsh %7.2f s "
         "(resid %.1e, %5.0f MiB)  speed-up %.2fx%s%s\n",
         label, (long long)m->nv, cfg->k, mo, ro, rss_o, mp, rp, rss_p, mr,
         nr > 1 ? " (medians)" : "", bad ? "  [FAILED RUN]" : "");
  fflush(stdout);
}

int main(int argc, char **argv) {
  const char *shared = getenv("PV_SHARED_DIR") ? getenv("PV_SHARED_DIR") : "../shared";
  char mesh_path[1024], peer_path[1024], kbuf[16], sbuf[16], gbuf[16];
  snprintf(mesh_path, sizeof mesh_path, "%s/datasets/shape/faust_r/tr_reg_080.off", shared);
  snprintf(peer_path, sizeof peer_path, "%s/peers/linalg/eigsh_bench.py", shared);
  int ks[2] = {100, 200}, nk = 2, levels = 2, grid = 500, no_peer = 0;
  config cfg = {0, 1, -1, 1, 1e-8, -0.01};
  for (int a = 1; a < argc; a++) {
    if (!strcmp(argv[a], "--k") && a + 1 < argc)
      ks[0] = atoi(argv[++a]), nk = 1;
    else if (!strcmp(argv[a], "--levels") && a + 1 < argc)
      levels = atoi(argv[++a]);
    else if (!strcmp(argv[a], "--grid") && a + 1 < argc)
      grid = atoi(argv[++a]);
    else if (!strcmp(argv[a], "--threads") && a + 1 < argc)
      cfg.threads = atoi(argv[++a]);
    else if (!strcmp(argv[a], "--peer-threads") && a + 1 < argc)
      cfg.peer_threads = atoi(argv[++a]);
    else if (!strcmp(argv[a], "--repeat") && a + 1 < argc)
      cfg.repeat = atoi(argv[++a]);
    else if (!strcmp(argv[a], "--tol") && a + 1 < argc)
      cfg.tol = atof(argv[++a]);
    else if (!strcmp(argv[a], "--no-peer"))
      no_peer = 1;
    else
      return fprintf(stderr,
                     "usage: %s [--k K] [--levels 0..2] [--grid N (0 skips)] "
                     "[--threads T] [--peer-threads P] [--repeat R] [--tol TOL] [--no-peer]\n",
                     argv[0]),
             2;
  }
  if (cfg.peer_threads < 1)
    cfg.peer_threads = cfg.threads;
  pv_init();
  printf("pv_eigen_pencil_solve (threads %d, tol %.0e, sigma %g) vs scipy eigsh "
         "(OPENBLAS_NUM_THREADS=%d, sigma %g, tol 1e-8); residual = max ||W x - lambda M x|| / "
         "(lambda_max ||x||); %d run(s) each\n",
         cfg.threads, cfg.tol, cfg.sigma, cfg.peer_threads, cfg.sigma, cfg.repeat);
  for (int kk = 0; kk < nk; kk++) {
    cfg.k = ks[kk];
    snprintf(kbuf, sizeof kbuf, "%d", cfg.k);
    mesh m = {0};
    if (read_off(mesh_path, &m))
      return 1;
    for (int s = 0; s <= levels; s++) {
      if (s > 0)
        subdivide(&m);
      snprintf(sbuf, sizeof sbuf, "%d", s);
      char *peer[] = {"/usr/bin/python3", peer_path, mesh_path, "--k", kbuf,
                      "--subdivide",      sbuf,      NULL};
      char label[32];
      snprintf(label, sizeof label, "faust080/s%d", s);
      bench_case(label, &m, &cfg, no_peer ? NULL : peer);
    }
    free(m.v), free(m.f);
    if (grid > 1) {
      mesh g = {0};
      make_grid(grid, &g);
      snprintf(gbuf, sizeof gbuf, "%d", grid);
      char *peer[] = {"/usr/bin/python3", peer_path, "--grid", gbuf, "--k", kbuf, NULL};
      bench_case("grid", &g, &cfg, no_peer ? NULL : peer);
      free(g.v), free(g.f);
    }
  }
  return 0;
}
