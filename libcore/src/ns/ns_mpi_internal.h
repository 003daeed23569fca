/* ns_mpi_internal.h - the slab-decomposed NS solver object shared by
 * ns_mpi.c (API, set-up) and the per-precision kernels (ns_mpi_tmpl.h,
 * instantiated in ns_mpi_kernel.c). Spectra are transposed (fftw3-mpi
 * TRANSPOSED_OUT): local mode m = jj * n + i, x index i, y index
 * j = col_start + jj. */
#ifndef PV_NS_MPI_INTERNAL_H
#define PV_NS_MPI_INTERNAL_H

#include <parseval/fft_mpi.h>
#include <parseval/ns.h>

#if PV_HAVE_MPI
struct pv_ns_mpi_solver {
  pv_ctx *ctx;
  pv_ns_options o;
  int n, n1p;             /* points per axis, padded real row length 2(n/2+1) */
  size_t rsz;             /* bytes of one real of the solver precision */
  pv_fft_mpi_plan *p4, *p1;
  pv_fft_mpi_info i4, i1;
  size_t M;               /* local modes cols * n */
  double t, dt_prev, coef_dt;
  int have_prev;          /* CNAB2: fprev valid */
  /* complex [M] arrays of the solver precision (alloc_complex each) */
  void *w, *F, *y, *acc, *fprev, *fhat;
  void *spec4, *real4, *real1; /* 4 interleaved fields (spectral / real), one real field */
  /* per-mode tables [M] in the solver precision; Ld = 4 pi^2 |m|^2 in double */
  void *kx, *ky, *invL, *mask, *c1, *c2;
  double *Ld;
};

/* Per-precision kernels (suffix _f64 / _f32). Sums and maxima are this
 * rank's part; the callers reduce them over the ranks. */
#define PV_NS_MPI_DECLARE(SUF)                                                               \
  void pv_ns_mpi_tables_##SUF(pv_ns_mpi_solver *s);                                          \
  void pv_ns_mpi_coef_##SUF(pv_ns_mpi_solver *s, double dt);                                 \
  void pv_ns_mpi_steps_##SUF(pv_ns_mpi_solver *s, int64_t nsteps, double dt);                \
  void pv_ns_mpi_forcing_##SUF(pv_ns_mpi_solver *s);                                         \
  int pv_ns_mpi_put_##SUF(pv_ns_mpi_solver *s, const double *w);                             \
  void pv_ns_mpi_take_##SUF(pv_ns_mpi_solver *s, double *w);                                 \
  void pv_ns_mpi_diag_local_##SUF(pv_ns_mpi_solver *s, double sums[8], double maxes[2]);     \
  int pv_ns_mpi_finite_##SUF(const pv_ns_mpi_solver *s);
PV_NS_MPI_DECLARE(f64)
PV_NS_MPI_DECLARE(f32)
#endif

#endif
