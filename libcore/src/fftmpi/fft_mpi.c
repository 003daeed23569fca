/* fft_mpi.c - fftw3-mpi slab plans (see parseval/fft_mpi.h). */
#include <parseval/fft_mpi.h>

#include <parseval/alloc.h>
#include <parseval/core.h>
#include <parseval/error.h>

#if PV_HAVE_MPI
#include <fftw3-mpi.h>
#include <pthread.h>

struct pv_fft_mpi_plan {
  fftw_plan fwd, bwd;
  pv_fft_mpi_info info;
};

/* FFTW's planner is not re-entrant: plans are made under this lock (the
 * serial layer made the planner thread-safe; this guards fftw_mpi_init). */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static unsigned flags_of(pv_fft_rigor r) {
  switch (r) {
  case PV_FFT_ESTIMATE: return FFTW_ESTIMATE;
  case PV_FFT_PATIENT: return FFTW_PATIENT;
  case PV_FFT_EXHAUSTIVE: return FFTW_EXHAUSTIVE;
  default: return FFTW_MEASURE;
  }
}

int pv_fft_mpi_plan_create(pv_ctx *ctx, int n0, int n1, int howmany, pv_fft_rigor rigor,
                           pv_fft_mpi_plan **out) {
  if (!out) return PV_ERROR(PV_EINVAL, "pv_fft_mpi_plan_create: out is NULL");
  *out = NULL;
  if (n0 < 2 || n1 < 2 || howmany < 1)
    return PV_ERROR(PV_EINVAL, "distributed FFT %d x %d (howmany %d): sizes must be >= 2", n0, n1,
                    howmany);
  int rc = pv_init();
  if (rc) return rc;
  int inited = 0;
  MPI_Initialized(&inited);
  if (!inited) return PV_ERROR(PV_EMPI, "distributed FFT: MPI is not initialised");
  MPI_Comm comm = ctx ? pv_ctx_comm(ctx) : MPI_COMM_WORLD;
  pv_fft_mpi_plan *p = pv_calloc(1, sizeof *p);
  if (!p) return PV_ERROR(PV_ENOMEM, "distributed FFT plan");
  ptrdiff_t n[2] = {n0, n1 / 2 + 1}, nr[2] = {n0, n1};
  pthread_mutex_lock(&lock);
  fftw_mpi_init();
  fftw_plan_with_nthreads(ctx ? pv_ctx_threads(ctx) : 1);
  p->info.struct_size = sizeof p->info;
  p->info.alloc_complex = fftw_mpi_local_size_many_transposed(
      2, n, howmany, FFTW_MPI_DEFAULT_BLOCK, FFTW_MPI_DEFAULT_BLOCK, comm, &p->info.rows,
      &p->info.row_start, &p->info.cols, &p->info.col_start);
  double *r = fftw_alloc_real(2 * (size_t)p->info.alloc_complex);
  fftw_complex *c = fftw_alloc_complex((size_t)p->info.alloc_complex);
  unsigned fl = flags_of(rigor);
  if (r && c) {
    p->fwd = fftw_mpi_plan_many_dft_r2c(2, nr, howmany, FFTW_MPI_DEFAULT_BLOCK,
                                        FFTW_MPI_DEFAULT_BLOCK, r, c, comm,
                                        fl | FFTW_MPI_TRANSPOSED_OUT);
    p->bwd = fftw_mpi_plan_many_dft_c2r(2, nr, howmany, FFTW_MPI_DEFAULT_BLOCK,
                                        FFTW_MPI_DEFAULT_BLOCK, c, r, comm,
                                        fl | FFTW_MPI_TRANSPOSED_IN);
  }
  fftw_plan_with_nthreads(1);
  pthread_mutex_unlock(&lock);
  fftw_free(r);
  fftw_free(c);
  if (!p->fwd || !p->bwd) {
    pv_fft_mpi_plan_destroy(&p);
    return PV_ERROR(PV_EUNSUPPORTED, "fftw3-mpi could not plan %d x %d (howmany %d)", n0, n1,
                    howmany);
  }
  *out = p;
  return PV_OK;
}

void pv_fft_mpi_plan_destroy(pv_fft_mpi_plan **pp) {
  if (!pp || !*pp) return;
  pthread_mutex_lock(&lock);
  if ((*pp)->fwd) fftw_destroy_plan((*pp)->fwd);
  if ((*pp)->bwd) fftw_destroy_plan((*pp)->bwd);
  pthread_mutex_unlock(&lock);
  pv_free(*pp);
  *pp = NULL;
}

int pv_fft_mpi_plan_info(const pv_fft_mpi_plan *p, pv_fft_mpi_info *info) {
  if (!p || !info) return PV_ERROR(PV_EINVAL, "pv_fft_mpi_plan_info: NULL argument");
  *info = p->info;
  return PV_OK;
}

int pv_fft_mpi_forward(const pv_fft_mpi_plan *p, double *real_in, double *spec_out) {
  if (!p || !real_in || !spec_out) return PV_ERROR(PV_EINVAL, "pv_fft_mpi_forward: NULL argument");
  fftw_mpi_execute_dft_r2c(p->fwd, real_in, (fftw_complex *)spec_out);
  return PV_OK;
}

int pv_fft_mpi_backward(const pv_fft_mpi_plan *p, double *spec_in, double *real_out) {
  if (!p || !spec_in || !real_out) return PV_ERROR(PV_EINVAL, "pv_fft_mpi_backward: NULL argument");
  fftw_mpi_execute_dft_c2r(p->bwd, (fftw_complex *)spec_in, real_out);
  return PV_OK;
}

#else /* !PV_HAVE_MPI */

int pv_fft_mpi_plan_create(pv_ctx *ctx, int n0, int n1, int howmany, pv_fft_rigor rigor,
                           pv_fft_mpi_plan **out) {
  if (out) *out = NULL;
  return PV_ERROR(PV_EUNSUPPORTED, "distributed FFT: this build has no MPI");
}
void pv_fft_mpi_plan_destroy(pv_fft_mpi_plan **p) {
  if (p) *p = NULL;
}
int pv_fft_mpi_plan_info(const pv_fft_mpi_plan *p, pv_fft_mpi_info *info) {
  return PV_ERROR(PV_EUNSUPPORTED, "distributed FFT: this build has no MPI");
}
int pv_fft_mpi_forward(const pv_fft_mpi_plan *p, double *real_in, double *spec_out) {
  return PV_ERROR(PV_EUNSUPPORTED, "distributed FFT: this build has no MPI");
}
int pv_fft_mpi_backward(const pv_fft_mpi_plan *p, double *spec_in, double *real_out) {
  return PV_ERROR(PV_EUNSUPPORTED, "distributed FFT: this build has no MPI");
}
#endif
