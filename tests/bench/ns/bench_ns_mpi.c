/* bench_ns_mpi: time per step of the slab-decomposed NS solver (one field
 * over the MPI ranks) at N x N. Run as
 *   mpirun -np R bench_ns_mpi N STEPS [fno|ifrk4] [THREADS] [f64|f32]
 * Prints one line on rank 0 (median of 3 timed runs of STEPS steps). */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <parseval/parseval.h>
#include <parseval/ns.h>

static int cmpd(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, nranks;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &nranks);
  int n = argc > 1 ? atoi(argv[1]) : 1024, steps = argc > 2 ? atoi(argv[2]) : 5;
  pv_ns_options o = PV_NS_OPTIONS_INIT;
  if (argc > 3) pv_ns_scheme_parse(argv[3], &o.scheme);
  int threads = argc > 4 ? atoi(argv[4]) : 1;
  if (argc > 5 && strcmp(argv[5], "f32") == 0) o.precision = PV_F32;
  o.n = n;
  o.dt = 1e-4;
  pv_ctx *ctx;
  pv_ctx_create(&ctx);
  pv_ctx_set_threads(ctx, threads);
  pv_ns_mpi_solver *s;
  if (pv_ns_mpi_solver_create(ctx, &o, &s)) {
    fprintf(stderr, "bench_ns_mpi: %s\n", pv_error_message());
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  int rows, start;
  pv_ns_mpi_local_rows(s, &rows, &start);
  double *w = malloc(sizeof(double) * (size_t)(rows ? rows : 1) * (size_t)n);
  for (int i = 0; i < rows; i++)
    for (int j = 0; j < n; j++) {
      double x = 2 * M_PI * (start + i) / n, y = 2 * M_PI * j / n;
      w[(size_t)i * n + j] = sin(3 * x) * cos(2 * y) + 0.5 * cos(5 * x + 7 * y) + 0.2 * sin(11 * y);
    }
  pv_ns_mpi_set_local(s, w);
  pv_ns_mpi_step(s, 1);
  double t[3];
  for (int r = 0; r < 3; r++) {
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    pv_ns_mpi_step(s, steps);
    MPI_Barrier(MPI_COMM_WORLD);
    t[r] = (MPI_Wtime() - t0) / steps;
  }
  qsort(t, 3, sizeof *t, cmpd);
  if (rank == 0)
    printf("parseval_ns_mpi n=%d ranks=%d threads=%d scheme=%s dtype=%s step_ms=%.2f\n", n, nranks,
           threads, pv_ns_scheme_name(o.scheme), pv_dtype_name(o.precision), t[1] * 1e3);
  free(w);
  pv_ns_mpi_solver_destroy(&s);
  pv_ctx_destroy(&ctx);
  MPI_Finalize();
  return 0;
}
