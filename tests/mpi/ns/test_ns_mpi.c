/* Under mpirun -np 2: NS results equal the single-process ones to 1e-12
 * (datasets with samples split over ranks; the slab-decomposed solver). */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <parseval/parseval.h>
#include <parseval/ns.h>

static int fails;
#define EXPECT(c, ...)                                   \
  do {                                                   \
    if (!(c)) {                                          \
      fails++;                                           \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);                      \
      fprintf(stderr, " [%s]\n", pv_error_message());    \
    }                                                    \
  } while (0)

static pv_ns_dataset_options opts(void) {
  pv_ns_dataset_options o = PV_NS_DATASET_OPTIONS_INIT;
  o.solver.n = 32;
  o.solver.dt = 0.01;
  o.solver.rigor = PV_FFT_ESTIMATE;
  o.samples = 5;
  o.nt = 2;
  o.dt_record = 0.1;
  o.stride = 2;
  o.seed = 9;
  o.batch = 2;
  return o;
}

static void test_dataset(const char *dir, int rank) {
  char par[512], ser[512];
  snprintf(par, sizeof par, "%s/par.h5", dir);
  snprintf(ser, sizeof ser, "%s/ser.h5", dir);
  pv_ctx *world, *self;
  pv_ctx_create(&world);
  pv_ctx_create(&self);
  pv_ctx_set_comm(self, MPI_COMM_SELF);
  pv_ns_dataset_options o = opts();
  EXPECT(pv_ns_dataset_generate(world, par, 0, &o) == 0, "parallel generate");
  if (rank == 0) {
    EXPECT(pv_ns_dataset_generate(self, ser, 0, &o) == 0, "serial generate");
    size_t per = 3 * 16 * 16;
    double *a = malloc(per * sizeof *a), *b = malloc(per * sizeof *b), md = 0;
    for (int s = 0; s < 5; s++) {
      EXPECT(pv_ns_dataset_read_sample(par, s, a) == 0, "read par %d", s);
      EXPECT(pv_ns_dataset_read_sample(ser, s, b) == 0, "read ser %d", s);
      for (size_t i = 0; i < per; i++) md = fmax(md, fabs(a[i] - b[i]));
    }
    printf("dataset over 2 ranks: max |par - ser| = %.3g\n", md);
    EXPECT(md <= 1e-12, "dataset max difference %g", md);
    char leftover[600];
    snprintf(leftover, sizeof leftover, "%s.partial.rank1", par);
    EXPECT(access(leftover, F_OK) != 0, "rank part removed");
    free(a);
    free(b);
  }
  pv_ctx_destroy(&world);
  pv_ctx_destroy(&self);
}

/* The slab solver over the world communicator vs the serial solver. */
static void test_slab_solver(pv_ns_scheme sch, int rank) {
  const int n = 64;
  pv_ctx *world, *self;
  pv_ctx_create(&world);
  pv_ctx_create(&self);
  pv_ctx_set_comm(self, MPI_COMM_SELF);
  pv_ns_options o = PV_NS_OPTIONS_INIT;
  o.n = n;
  o.dt = 2e-3;
  o.scheme = sch;
  o.rigor = PV_FFT_ESTIMATE;
  double *w = malloc(sizeof(double) * n * n), *ref = malloc(sizeof(double) * n * n);
  pv_ns_solver *s = NULL;
  EXPECT(pv_ns_solver_create(self, &o, &s) == 0, "serial create");
  EXPECT(pv_ns_set_grf(s, 0, 21, 0) == 0, "grf");
  EXPECT(pv_ns_get_vorticity(s, 0, w) == 0, "get");
  for (int p = 0; p < n * n; p++) w[p] *= 4;
  EXPECT(pv_ns_set_vorticity(s, 0, w) == 0, "set");
  EXPECT(pv_ns_step(s, 40) == 0, "serial step");
  EXPECT(pv_ns_get_vorticity(s, 0, ref) == 0, "serial get");
  pv_ns_mpi_solver *m = NULL;
  EXPECT(pv_ns_mpi_solver_create(world, &o, &m) == 0, "mpi create");
  int rows = 0, start = 0;
  EXPECT(pv_ns_mpi_local_rows(m, &rows, &start) == 0, "rows");
  EXPECT(rows > 0 && rows < n, "slab of %d rows is a real split", rows);
  EXPECT(pv_ns_mpi_set_local(m, w + (size_t)start * n) == 0, "mpi set");
  EXPECT(pv_ns_mpi_step(m, 40) == 0, "mpi step");
  double *loc = malloc(sizeof(double) * (size_t)(rows ? rows : 1) * n), md = 0, mx = 0;
  EXPECT(pv_ns_mpi_get_local(m, loc) == 0, "mpi get");
  for (int p = 0; p < rows * n; p++) {
    md = fmax(md, fabs(loc[p] - ref[(size_t)start * n + p]));
    mx = fmax(mx, fabs(ref[(size_t)start * n + p]));
  }
  printf("rank %d slab solver %s: max |mpi - serial| = %.3g (max |w| %.3g)\n", rank,
         pv_ns_scheme_name(sch), md, mx);
  EXPECT(md <= 1e-12 * fmax(1, mx), "rank %d scheme %s: max difference %g", rank,
         pv_ns_scheme_name(sch), md);
  free(w);
  free(ref);
  free(loc);
  pv_ns_solver_destroy(&s);
  pv_ns_mpi_solver_destroy(&m);
  pv_ctx_destroy(&world);
  pv_ctx_destroy(&self);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  pv_init();
  char dir[256] = "/tmp/pv-ns-mpi-XXXXXX";
  if (rank == 0 && !mkdtemp(dir)) dir[0] = 0;
  MPI_Bcast(dir, sizeof dir, MPI_CHAR, 0, MPI_COMM_WORLD);
  test_dataset(dir, rank);
  for (int sch = 0; sch < 3; sch++) test_slab_solver((pv_ns_scheme)sch, rank);
  int all;
  MPI_Allreduce(&fails, &all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (rank == 0) printf(all ? "%d failures\n" : "ok\n", all);
  MPI_Finalize();
  return all ? 1 : 0;
}
