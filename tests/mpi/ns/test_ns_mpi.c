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

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  pv_init();
  char dir[256] = "/tmp/pv-ns-mpi-XXXXXX";
  if (rank == 0 && !mkdtemp(dir)) dir[0] = 0;
  MPI_Bcast(dir, sizeof dir, MPI_CHAR, 0, MPI_COMM_WORLD);
  test_dataset(dir, rank);
  int all;
  MPI_Allreduce(&fails, &all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (rank == 0) printf(all ? "%d failures\n" : "ok\n", all);
  MPI_Finalize();
  return all ? 1 : 0;
}
