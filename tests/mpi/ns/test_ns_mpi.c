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

/* The slab solver over the world communicator vs the serial solver: fields
 * after 40 steps, and (CFL mode) the steps chosen, the diagnostics. */
static void test_slab_solver(pv_ns_scheme sch, pv_dtype prec, int cfl, int rank) {
  const int n = 64;
  pv_ctx *world, *self;
  pv_ctx_create(&world);
  pv_ctx_create(&self);
  pv_ctx_set_comm(self, MPI_COMM_SELF);
  pv_ns_options o = PV_NS_OPTIONS_INIT;
  o.n = n;
  o.dt = cfl ? 0 : 2e-3;
  o.dt_max = 0.05; /* CFL-limited below: cfl / rate < dt_max */
  o.cfl = 0.05;
  o.scheme = sch;
  o.precision = prec;
  o.rigor = PV_FFT_ESTIMATE;
  const double tol = prec == PV_F64 ? 1e-12 : 2e-5; /* relative to max |w| */
  double *w = malloc(sizeof(double) * n * n), *ref = malloc(sizeof(double) * n * n);
  pv_ns_solver *s = NULL;
  int64_t ks = 0, km = -1;
  EXPECT(pv_ns_solver_create(self, &o, &s) == 0, "serial create");
  EXPECT(pv_ns_set_grf(s, 0, 21, 0) == 0, "grf");
  EXPECT(pv_ns_get_vorticity(s, 0, w) == 0, "get");
  for (int p = 0; p < n * n; p++) w[p] *= 4;
  EXPECT(pv_ns_set_vorticity(s, 0, w) == 0, "set");
  if (cfl) EXPECT(pv_ns_advance(s, 0.08, &ks) == 0, "serial advance");
  else EXPECT(pv_ns_step(s, 40) == 0, "serial step");
  EXPECT(pv_ns_get_vorticity(s, 0, ref) == 0, "serial get");
  pv_ns_diag ds = {sizeof ds, 0, 0, 0, 0, 0, 0, 0, 0}, dm = ds;
  EXPECT(pv_ns_diagnostics(s, 0, &ds) == 0, "serial diag");
  pv_ns_mpi_solver *m = NULL;
  EXPECT(pv_ns_mpi_solver_create(world, &o, &m) == 0, "mpi create");
  int rows = 0, start = 0;
  EXPECT(pv_ns_mpi_local_rows(m, &rows, &start) == 0, "rows");
  EXPECT(rows > 0 && rows < n, "slab of %d rows is a real split", rows);
  EXPECT(pv_ns_mpi_set_local(m, w + (size_t)start * n) == 0, "mpi set");
  if (cfl) EXPECT(pv_ns_mpi_advance(m, 0.08, &km) == 0, "mpi advance");
  else EXPECT(pv_ns_mpi_step(m, 40) == 0, "mpi step");
  if (cfl) EXPECT(km == ks && ks > 2, "CFL steps: mpi %lld, serial %lld (more than T/dt_max)",
                  (long long)km, (long long)ks);
  double *loc = malloc(sizeof(double) * (size_t)(rows ? rows : 1) * n), md = 0, mx = 0;
  EXPECT(pv_ns_mpi_get_local(m, loc) == 0, "mpi get");
  for (int p = 0; p < rows * n; p++) {
    md = fmax(md, fabs(loc[p] - ref[(size_t)start * n + p]));
    mx = fmax(mx, fabs(ref[(size_t)start * n + p]));
  }
  EXPECT(pv_ns_mpi_diagnostics(m, &dm) == 0, "mpi diag");
  printf("rank %d slab solver %s %s%s: max |mpi - serial| = %.3g (max |w| %.3g), divergence %.2g\n",
         rank, pv_ns_scheme_name(sch), pv_dtype_name(prec), cfl ? " cfl" : "", md, mx, dm.divergence);
  EXPECT(md <= tol * fmax(1, mx), "rank %d scheme %s: max difference %g", rank,
         pv_ns_scheme_name(sch), md);
  double a[7] = {ds.energy, ds.enstrophy, ds.palinstrophy, ds.forcing_work, ds.umax, ds.wmax, ds.mean};
  double b[7] = {dm.energy, dm.enstrophy, dm.palinstrophy, dm.forcing_work, dm.umax, dm.wmax, dm.mean};
  for (int k = 0; k < 7; k++)
    EXPECT(fabs(a[k] - b[k]) <= 10 * tol * fmax(fabs(a[k]), k == 6 ? 1 : 0),
           "diagnostic %d: mpi %.17g serial %.17g", k, b[k], a[k]);
  double full = 0; /* the serial wmax is max |w| of the field get_vorticity returns */
  for (int p = 0; p < n * n; p++) full = fmax(full, fabs(ref[p]));
  EXPECT(fabs(ds.wmax - full) <= 1e-15 * full && full > 1, "wmax %g vs max |w| %g", ds.wmax, full);
  EXPECT(dm.divergence < (prec == PV_F64 ? 1e-13 : 1e-5) && ds.divergence < (prec == PV_F64 ? 1e-13 : 1e-5),
         "divergence-free check: mpi %g serial %g", dm.divergence, ds.divergence);
  free(w);
  free(ref);
  free(loc);
  pv_ns_solver_destroy(&s);
  pv_ns_mpi_solver_destroy(&m);
  pv_ctx_destroy(&world);
  pv_ctx_destroy(&self);
}

/* Progress of the slab generator (rank 0 only): labels seen; cancels on
 * the label `cancel_at` when set. */
static int n_seen;
static char seen[64][32];
static const char *cancel_at;
static int progress(double frac, const char *msg, void *user) {
  (void)frac;
  (void)user;
  if (n_seen < 64) snprintf(seen[n_seen++], 32, "%s", msg ? msg : "");
  return !(cancel_at && msg && strcmp(msg, cancel_at) == 0);
}
static int was_seen(const char *m) {
  for (int i = 0; i < n_seen; i++)
    if (strcmp(seen[i], m) == 0) return 1;
  return 0;
}

/* distributed = 1: each field over both ranks, CFL step; equals serial.
 * f64: the first run is cancelled in sample 1 (every rank returns
 * PV_ECANCEL, sample 0 kept in PATH.partial), the second resumes it without
 * recomputing sample 0. */
static void test_dataset_slabs(const char *dir, int rank, pv_dtype prec) {
  char par[512], ser[512];
  snprintf(par, sizeof par, "%s/slab_%s.h5", dir, pv_dtype_name(prec));
  snprintf(ser, sizeof ser, "%s/slabser_%s.h5", dir, pv_dtype_name(prec));
  pv_ctx *world, *self;
  pv_ctx_create(&world);
  pv_ctx_create(&self);
  pv_ctx_set_comm(self, MPI_COMM_SELF);
  pv_ns_dataset_options o = opts();
  o.solver.dt = 0; /* CFL */
  o.solver.dt_max = 0.02;
  o.solver.precision = prec;
  o.samples = 3;
  o.batch = 1;
  o.warmup = 0.1;
  o.distributed = 1;
  pv_ctx_set_progress(world, progress, NULL);
  if (prec == PV_F64) {
    cancel_at = "sample 1";
    int st = pv_ns_dataset_generate(world, par, 0, &o);
    EXPECT(st == PV_ECANCEL, "cancelled run on rank %d: status %d", rank, st);
    cancel_at = NULL;
    n_seen = 0;
  }
  EXPECT(pv_ns_dataset_generate(world, par, 0, &o) == 0, "distributed generate");
  if (rank == 0 && prec == PV_F64)
    EXPECT(!was_seen("sample 0") && was_seen("sample 1") && was_seen("sample 2"),
           "resume: sample 0 kept, 1 and 2 computed (%d labels)", n_seen);
  if (rank == 0) {
    o.distributed = 0;
    EXPECT(pv_ns_dataset_generate(self, ser, 0, &o) == 0, "serial generate");
    size_t per = 3 * 16 * 16;
    double *a = malloc(per * sizeof *a), *b = malloc(per * sizeof *b), md = 0, mx = 0;
    for (int s = 0; s < 3; s++) {
      EXPECT(pv_ns_dataset_read_sample(par, s, a) == 0, "read par %d", s);
      EXPECT(pv_ns_dataset_read_sample(ser, s, b) == 0, "read ser %d", s);
      for (size_t i = 0; i < per; i++) md = fmax(md, fabs(a[i] - b[i])), mx = fmax(mx, fabs(b[i]));
    }
    double tol = prec == PV_F64 ? 1e-12 : 1e-5;
    printf("slab dataset (%s, CFL) over 2 ranks: max |par - ser| = %.3g (max |w| %.3g)\n",
           pv_dtype_name(prec), md, mx);
    EXPECT(mx > 0.1 && md <= tol * mx, "slab dataset max difference %g", md);
    free(a);
    free(b);
  }
  /* a resumed complete file is refused without overwrite; a foreign
   * .partial layout is refused on every rank, leaving it intact */
  char part[600];
  snprintf(part, sizeof part, "%s.partial", par);
  if (rank == 0) {
    FILE *f = fopen(part, "wb");
    if (f) fputs("not hdf5", f), fclose(f);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  pv_ns_dataset_options o2 = opts();
  o2.distributed = 1;
  o2.samples = 1;
  EXPECT(pv_ns_dataset_generate(world, par, 1, &o2) != 0, "foreign .partial refused on rank %d", rank);
  if (rank == 0) {
    FILE *f = fopen(part, "rb");
    char buf[16] = {0};
    EXPECT(f && fread(buf, 1, 8, f) == 8 && memcmp(buf, "not hdf5", 8) == 0, "partial left intact");
    if (f) fclose(f);
    remove(part);
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
  for (int sch = 0; sch < 3; sch++) test_slab_solver((pv_ns_scheme)sch, PV_F64, 0, rank);
  for (int sch = 0; sch < 3; sch++) test_slab_solver((pv_ns_scheme)sch, PV_F32, 0, rank);
  test_slab_solver(PV_NS_SCHEME_FNO, PV_F64, 1, rank);
  test_slab_solver(PV_NS_SCHEME_IFRK4, PV_F32, 1, rank);
  test_dataset_slabs(dir, rank, PV_F64);
  test_dataset_slabs(dir, rank, PV_F32);
  int all;
  MPI_Allreduce(&fails, &all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (rank == 0) printf(all ? "%d failures\n" : "ok\n", all);
  MPI_Finalize();
  return all ? 1 : 0;
}
