/* bench_ns_accuracy: time to accuracy on the FNO nu = 1e-3, T = 50 task.
 * Reference: 256 x 256, float64, IF-RK4 at dt_ref, checked against dt_ref/2
 * (the step is halved until the two agree to 1e-7 on sample 0). Candidates:
 * 64 x 64 solves from the spectrally truncated initial field, each timed; error
 * = relative L2 over the whole trajectory t = 1..T on the 64 x 64 grid
 * (reference strided by 4), averaged over samples.
 * usage: bench_ns_accuracy SAMPLES T [dt_ref] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <parseval/parseval.h>
#include <parseval/ns.h>
#include <parseval/spectral.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Trajectory of one field: w0 (n x n), snapshots at t = 1..T, stride s -> out[T][64][64]. */
static double solve(int n, pv_ns_scheme sch, double dt, pv_dtype prec, const double *w0, int T,
                    int stride, double *out) {
  pv_ns_options o = PV_NS_OPTIONS_INIT;
  o.n = n;
  o.scheme = sch;
  o.dt = dt;
  o.precision = prec;
  pv_ns_solver *s;
  if (pv_ns_solver_create(NULL, &o, &s)) {
    fprintf(stderr, "%s\n", pv_error_message());
    exit(1);
  }
  double *w = malloc(sizeof(double) * (size_t)n * n);
  int r = n / stride;
  double t0 = now();
  pv_ns_set_vorticity(s, 0, w0);
  for (int k = 0; k < T; k++) {
    if (pv_ns_advance(s, 1.0, NULL)) {
      fprintf(stderr, "%s\n", pv_error_message());
      exit(1);
    }
    pv_ns_get_vorticity(s, 0, w);
    for (int i = 0; i < r; i++)
      for (int j = 0; j < r; j++)
        out[(size_t)k * r * r + (size_t)i * r + j] = w[(size_t)i * stride * n + (size_t)j * stride];
  }
  double el = now() - t0;
  free(w);
  pv_ns_solver_destroy(&s);
  return el;
}

static double rel(const double *a, const double *b, size_t n) {
  double e = 0, r = 0;
  for (size_t i = 0; i < n; i++) {
    e += (a[i] - b[i]) * (a[i] - b[i]);
    r += b[i] * b[i];
  }
  return sqrt(e / r);
}

int main(int argc, char **argv) {
  int S = argc > 1 ? atoi(argv[1]) : 1, T = argc > 2 ? atoi(argv[2]) : 50;
  double dtr = argc > 3 ? atof(argv[3]) : 5e-3;
  const int N = 256, R = 64;
  size_t traj = (size_t)T * R * R;
  double *ref = malloc(sizeof(double) * traj * S), *alt = malloc(sizeof(double) * traj);
  double *w0 = malloc(sizeof(double) * N * N), *c0 = malloc(sizeof(double) * (size_t)S * R * R);
  pv_spectral_box *box;
  pv_spectral_box_create(NULL, 2, (int[]){N, N}, (double[]){1, 1}, NULL, &box);
  pv_grf_options g = PV_GRF_OPTIONS_INIT;
  double tref = 0;
  for (int s = 0; s < S; s++) {
    pv_spectral_grf_sample(box, &g, 1000 + s, s, w0);
    pv_spectral_resample(NULL, 2, (int[]){N, N}, w0, (int[]){R, R}, c0 + (size_t)s * R * R);
    tref += solve(N, PV_NS_SCHEME_IFRK4, dtr, PV_F64, w0, T, 4, ref + traj * s);
    if (s == 0) {
      double d;
      for (;;) {
        solve(N, PV_NS_SCHEME_IFRK4, dtr / 2, PV_F64, w0, T, 4, alt);
        d = rel(ref, alt, traj);
        printf("reference: dt %g vs dt/2: relative L2 difference %.3e\n", dtr, d);
        fflush(stdout);
        memcpy(ref, alt, sizeof(double) * traj);
        if (d < 1e-7) break;
        dtr /= 2;
      }
    }
  }
  printf("reference 256x256 f64 ifrk4 dt=%g: %.1f s per sample (T=%d)\n", dtr, tref / S, T);
  struct { pv_ns_scheme sch; double dt; pv_dtype p; } cand[] = {
      {PV_NS_SCHEME_IFRK4, 2e-2, PV_F64}, {PV_NS_SCHEME_IFRK4, 1e-2, PV_F64},
      {PV_NS_SCHEME_IFRK4, 1e-2, PV_F32}, {PV_NS_SCHEME_CNAB2, 5e-3, PV_F64},
      {PV_NS_SCHEME_FNO, 1e-3, PV_F64}, {PV_NS_SCHEME_FNO, 1e-4, PV_F32}};
  for (size_t c = 0; c < sizeof cand / sizeof cand[0]; c++) {
    double err = 0, tt = 0;
    for (int s = 0; s < S; s++) {
      tt += solve(R, cand[c].sch, cand[c].dt, cand[c].p, c0 + (size_t)s * R * R, T, 1, alt);
      err += rel(alt, ref + traj * s, traj) / S;
    }
    printf("64x64 %-5s dt=%-6g %s: error %.2e, %.3f s per sample (T=%d)\n",
           pv_ns_scheme_name(cand[c].sch), cand[c].dt, pv_dtype_name(cand[c].p), err, tt / S, T);
    fflush(stdout);
  }
  pv_spectral_box_destroy(&box);
  return 0;
}
