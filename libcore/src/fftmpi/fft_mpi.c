/* fft_mpi.c - fftw3-mpi slab plans (see parseval/fft_mpi.h). */
#include <parseval/fft_mpi.h>

#include <parseval/alloc.h>
#include <parseval/core.h>
#include <parseval/error.h>

#if PV_HAVE_MPI
#include <fftw3-mpi.h>

#include "../fft/fft_internal.h"

struct pv_fft_mpi_plan {
  void *fwd, *bwd; /* fftw_plan or fftwf_plan */
  pv_fft_mpi_info info;
};

/* FFTW's planner and its global settings (fftw_plan_with_nthreads,
 * fftw_mpi_init) are shared with the serial FFT layer: every plan and
 * destroy here runs under that layer's planner lock (pv_fft_lock), so a
 * serial plan made by another thread never sees our thread count, nor
 * plans concurrently with us. */

static unsigned flags_of(pv_fft_rigor r) {
  switch (r) {
  case PV_FFT_ESTIMATE: return FFTW_ESTIMATE;
  case PV_FFT_PATIENT: return FFTW_PATIENT;
  case PV_FFT_EXHAUSTIVE: return FFTW_EXHAUSTIVE;
  default: return FFTW_MEASURE;
  }
}

/* Plan both directions in one precision; called with the planner lock held. */
#define PV_MPI_PLAN(X, R)                                                                     \
  static void plan_##X(pv_fft_mpi_plan *p, MPI_Comm comm, int n0, int n1, int howmany,         \
                       unsigned fl, int threads) {                                             \
    ptrdiff_t n[2] = {n0, n1 / 2 + 1}, nr[2] = {n0, n1};                                        \
    X##_mpi_init();                                                                            \
    X##_plan_with_nthreads(threads);                                                           \
    p->info.alloc_complex = X##_mpi_local_size_many_transposed(                                \
        2, n, howmany, FFTW_MPI_DEFAULT_BLOCK, FFTW_MPI_DEFAULT_BLOCK, comm, &p->info.rows,     \
        &p->info.row_start, &p->info.cols, &p->info.col_start);                                \
    R *r = X##_alloc_real(2 * (size_t)p->info.alloc_complex);                                  \
    X##_complex *c = X##_alloc_complex((size_t)p->info.alloc_complex);                         \
    if (r && c) {                                                                              \
      p->fwd = X##_mpi_plan_many_dft_r2c(2, nr, howmany, FFTW_MPI_DEFAULT_BLOCK,               \
                                         FFTW_MPI_DEFAULT_BLOCK, r, c, comm,                   \
                                         fl | FFTW_MPI_TRANSPOSED_OUT);                        \
      p->bwd = X##_mpi_plan_many_dft_c2r(2, nr, howmany, FFTW_MPI_DEFAULT_BLOCK,               \
                                         FFTW_MPI_DEFAULT_BLOCK, c, r, comm,                   \
                                         fl | FFTW_MPI_TRANSPOSED_IN);                         \
    }                                                                                          \
    X##_plan_with_nthreads(1);                                                                 \
    X##_free(r);                                                                               \
    X##_free(c);                                                                               \
  }
PV_MPI_PLAN(fftw, double)
PV_MPI_PLAN(fftwf, float)

int pv_fft_mpi_plan_create(pv_ctx *ctx, pv_dtype precision, int n0, int n1, int howmany,
                           pv_fft_rigor rigor, pv_fft_mpi_plan **out) {
  if (!out) return PV_ERROR(PV_EINVAL, "pv_fft_mpi_plan_create: out is NULL");
  *out = NULL;
  if (n0 < 2 || n1 < 2 || howmany < 1)
    return PV_ERROR(PV_EINVAL, "distributed FFT %d x %d (howmany %d): sizes must be >= 2", n0, n1,
                    howmany);
  if (precision != PV_F64 && precision != PV_F32)
    return PV_ERROR(PV_EINVAL, "distributed FFT: precision %s must be f64 or f32",
                    pv_dtype_name(precision));
  int rc = pv_init();
  if (rc) return rc;
  int inited = 0;
  MPI_Initialized(&inited);
  if (!inited) return PV_ERROR(PV_EMPI, "distributed FFT: MPI is not initialised");
  MPI_Comm comm = ctx ? pv_ctx_comm(ctx) : MPI_COMM_WORLD;
  pv_fft_mpi_plan *p = pv_calloc(1, sizeof *p);
  if (!p) return PV_ERROR(PV_ENOMEM, "distributed FFT plan");
  p->info.struct_size = sizeof p->info;
  p->info.precision = precision;
  int threads = ctx ? pv_ctx_threads(ctx) : 1;
  pv_fft_lock();
  if (precision == PV_F64) plan_fftw(p, comm, n0, n1, howmany, flags_of(rigor), threads);
  else plan_fftwf(p, comm, n0, n1, howmany, flags_of(rigor), threads);
  pv_fft_unlock();
  if (!p->fwd || !p->bwd) {
    pv_fft_mpi_plan_destroy(&p);
    return PV_ERROR(PV_EUNSUPPORTED, "fftw3-mpi could not plan %d x %d (howmany %d, %s)", n0, n1,
                    howmany, pv_dtype_name(precision));
  }
  *out = p;
  return PV_OK;
}

void pv_fft_mpi_plan_destroy(pv_fft_mpi_plan **pp) {
  if (!pp || !*pp) return;
  pv_fft_mpi_plan *p = *pp;
  pv_fft_lock();
  if (p->info.precision == PV_F32) {
    if (p->fwd) fftwf_destroy_plan((fftwf_plan)p->fwd);
    if (p->bwd) fftwf_destroy_plan((fftwf_plan)p->bwd);
  } else {
    if (p->fwd) fftw_destroy_plan((fftw_plan)p->fwd);
    if (p->bwd) fftw_destroy_plan((fftw_plan)p->bwd);
  }
  pv_fft_unlock();
  pv_free(p);
  *pp = NULL;
}

int pv_fft_mpi_plan_info(const pv_fft_mpi_plan *p, pv_fft_mpi_info *info) {
  if (!p || !info) return PV_ERROR(PV_EINVAL, "pv_fft_mpi_plan_info: NULL argument");
  *info = p->info;
  return PV_OK;
}

int pv_fft_mpi_forward(const pv_fft_mpi_plan *p, void *real_in, void *spec_out) {
  if (!p || !real_in || !spec_out) return PV_ERROR(PV_EINVAL, "pv_fft_mpi_forward: NULL argument");
  if (p->info.precision == PV_F32)
    fftwf_mpi_execute_dft_r2c((fftwf_plan)p->fwd, real_in, (fftwf_complex *)spec_out);
  else
    fftw_mpi_execute_dft_r2c((fftw_plan)p->fwd, real_in, (fftw_complex *)spec_out);
  return PV_OK;
}

int pv_fft_mpi_backward(const pv_fft_mpi_plan *p, void *spec_in, void *real_out) {
  if (!p || !spec_in || !real_out) return PV_ERROR(PV_EINVAL, "pv_fft_mpi_backward: NULL argument");
  if (p->info.precision == PV_F32)
    fftwf_mpi_execute_dft_c2r((fftwf_plan)p->bwd, (fftwf_complex *)spec_in, real_out);
  else
    fftw_mpi_execute_dft_c2r((fftw_plan)p->bwd, (fftw_complex *)spec_in, real_out);
  return PV_OK;
}

#else /* !PV_HAVE_MPI */

int pv_fft_mpi_plan_create(pv_ctx *ctx, pv_dtype precision, int n0, int n1, int howmany,
                           pv_fft_rigor rigor, pv_fft_mpi_plan **out) {
  if (out) *out = NULL;
  return PV_ERROR(PV_EUNSUPPORTED, "distributed FFT: this build has no MPI");
}
void pv_fft_mpi_plan_destroy(pv_fft_mpi_plan **p) {
  if (p) *p = NULL;
}
int pv_fft_mpi_plan_info(const pv_fft_mpi_plan *p, pv_fft_mpi_info *info) {
  return PV_ERROR(PV_EUNSUPPORTED, "distributed FFT: this build has no MPI");
}
int pv_fft_mpi_forward(const pv_fft_mpi_plan *p, void *real_in, void *spec_out) {
  return PV_ERROR(PV_EUNSUPPORTED, "distributed FFT: this build has no MPI");
}
int pv_fft_mpi_backward(const pv_fft_mpi_plan *p, void *spec_in, void *real_out) {
  return PV_ERROR(PV_EUNSUPPORTED, "distributed FFT: this build has no MPI");
}
#endif
