/* parseval/ns.h - 2D incompressible Navier-Stokes on the periodic unit square,
 * vorticity / stream-function form, pseudo-spectral (the "pde" area).
 *
 *   dw/dt + u.grad w = nu Lap w + f,   -Lap psi = w,   u = dpsi/dy, v = -dpsi/dx
 *
 * on [0,1)^2 with n x n points x_i = i/n, y_j = j/n, fields in C order
 * w[i*n + j] = w(x_i, y_j) (axis 0 is x, 'ij' indexing, as FNO's generator).
 * The state is the unnormalised half spectrum of each field (pv_fft's r2c
 * layout). The nonlinear term u.grad w is evaluated pseudo-spectrally (4 c2r
 * + 1 r2c per evaluation) and masked with the 2/3 box rule |m_x|, |m_y| <=
 * (2/3)(n/2) (the FNO mask, on the nonlinear term only). Odd derivatives set
 * the Nyquist modes to zero; the Laplacian uses |k| = pi n there.
 *
 * Schemes (L = 4 pi^2 |m|^2, F(w) = f_hat - mask * N_hat(w)):
 *  - PV_NS_SCHEME_FNO: the FNO reference (Li et al. 2021, ns_2d.py):
 *      w <- ((1 - a) w + dt F(w)) / (1 + a),  a = dt nu L / 2
 *    Crank-Nicolson viscous, forward-Euler advection and forcing, order 1.
 *    One difference from the script: the mean mode uses L = 0 (the script
 *    sets lap[0,0] = 1, which damps a nonzero mean by (1-a0)/(1+a0) per step;
 *    for the zero-mean GRF data both agree).
 *  - PV_NS_SCHEME_CNAB2: Crank-Nicolson + variable-step Adams-Bashforth 2,
 *    order 2 (the first step, or the first after a step-size change from a
 *    restart, is an FNO step).
 *  - PV_NS_SCHEME_IFRK4: integrating-factor classical RK4 with E = exp(-nu L dt/2),
 *    order 4; exact for the linear (Taylor-Green) part.
 * Precision: PV_F64 (default) or PV_F32 (all arithmetic and FFTs in float).
 * Threads: fields of a batch are stepped in parallel (pv_ctx threads, one
 * FFTW thread each); a batch smaller than the thread count uses threaded FFTs.
 * The result does not depend on the thread count when batch >= threads.
 * Nothing is allocated per step. */
#ifndef PARSEVAL_NS_H
#define PARSEVAL_NS_H

#include <stddef.h>
#include <stdint.h>
#include <parseval/array.h>
#include <parseval/config.h>
#include <parseval/ctx.h>
#include <parseval/fft.h>
#include <parseval/provenance.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  PV_NS_SCHEME_FNO = 0,   /* CN viscous + Euler advection/forcing (order 1) */
  PV_NS_SCHEME_CNAB2 = 1, /* CN + Adams-Bashforth 2 (order 2) */
  PV_NS_SCHEME_IFRK4 = 2  /* integrating factor RK4 (order 4) */
} pv_ns_scheme;

typedef enum {
  PV_NS_FORCING_NONE = 0, /* f = 0 */
  PV_NS_FORCING_FNO = 1   /* f = 0.1 (sin 2pi(x+y) + cos 2pi(x+y)) */
} pv_ns_forcing;

/* Solver options; start from PV_NS_OPTIONS_INIT. */
typedef struct pv_ns_options {
  size_t struct_size;   /* sizeof(pv_ns_options) */
  int n;                /* grid points per axis, even, >= 4 */
  int batch;            /* fields solved together, >= 1 */
  pv_dtype precision;   /* PV_F64 (default) or PV_F32 */
  pv_ns_scheme scheme;  /* default PV_NS_SCHEME_FNO */
  double nu;            /* viscosity >= 0 (default 1e-3) */
  double dt;            /* fixed time step > 0 (default 1e-4); 0 = choose by CFL */
  double cfl;           /* Courant number for dt = 0: dt = cfl / max(|u|/dx + |v|/dy) */
  double dt_max;        /* upper bound of a CFL-chosen dt (default 1e-2) */
  pv_ns_forcing forcing;/* default PV_NS_FORCING_FNO */
  pv_fft_rigor rigor;   /* FFT planner effort; PV_FFT_ESTIMATE is reproducible */
} pv_ns_options;

#define PV_NS_OPTIONS_INIT                                                        \
  { sizeof(pv_ns_options), 64, 1, PV_F64, PV_NS_SCHEME_FNO, 1e-3, 1e-4, 0.5, 1e-2, \
    PV_NS_FORCING_FNO, PV_FFT_MEASURE }

typedef struct pv_ns_solver pv_ns_solver;

/* Create a solver (plans, wavenumbers, per-thread workspaces: all memory it
 * will use). Fields start at w = 0, time 0. ctx: threads and logs (may be
 * NULL: 1 thread); borrowed, must outlive the solver. Errors: PV_EINVAL
 * naming the bad option, PV_ENOMEM. *out owned by the caller. */
PV_API int pv_ns_solver_create(pv_ctx *ctx, const pv_ns_options *opts, pv_ns_solver **out);
/* NULL-safe; sets *s to NULL. */
PV_API void pv_ns_solver_destroy(pv_ns_solver **s);
/* The options the solver was made with (copy). */
PV_API int pv_ns_solver_options(const pv_ns_solver *s, pv_ns_options *opts);

/* Set field b (0 <= b < batch) from w (n*n values, borrowed). PV_EINVAL for
 * non-finite values. Resets the multistep history (CNAB2). */
PV_API int pv_ns_set_vorticity(pv_ns_solver *s, int b, const double *w);
/* Set field b from the FNO Gaussian random field (alpha 2.5, tau 7, sigma
 * 7^1.5), drawn with pv_spectral_grf_sample(seed, stream). */
PV_API int pv_ns_set_grf(pv_ns_solver *s, int b, uint64_t seed, uint64_t stream);
/* Replace the forcing by f (n*n values; borrowed). */
PV_API int pv_ns_set_forcing(pv_ns_solver *s, const double *f);
/* Copy field b to w (n*n doubles). */
PV_API int pv_ns_get_vorticity(pv_ns_solver *s, int b, double *w);

/* Take nsteps >= 0 steps of the fixed dt (PV_EINVAL when dt was 0). */
PV_API int pv_ns_step(pv_ns_solver *s, int64_t nsteps);
/* Advance every field by time T > 0: with a fixed dt, T must be a multiple of
 * dt (within 1e-9 relative) and round(T/dt) steps are taken; with CFL the
 * interval is cut into equal steps no larger than the CFL bound (computed
 * from the current velocities, once per call) and dt_max. *steps_taken may
 * be NULL. PV_ENUMERIC if a field becomes non-finite. */
PV_API int pv_ns_advance(pv_ns_solver *s, double T, int64_t *steps_taken);
/* Simulated time since creation (sum of the steps taken). */
PV_API double pv_ns_time(const pv_ns_solver *s);

/* Diagnostics of field b (integrals over the unit square):
 * energy = 1/2 int |u|^2, enstrophy = 1/2 int w^2, palinstrophy = 1/2 int
 * |grad w|^2, mean = int w, forcing_work = int f w (so that, exactly,
 * d enstrophy/dt = -2 nu palinstrophy + forcing_work for a field within the
 * 2/3 band), umax = max(|u|/dx + |v|/dy) the CFL rate (1/time), wmax =
 * max |w| on the grid, divergence = ||div u|| / ||grad u|| (L2, spectral)
 * of the grid velocities the step uses: a divergence-free check that is
 * the FFTs' round-off (~1e-16 in f64, ~1e-7 in f32) for a sound solver. */
typedef struct pv_ns_diag {
  size_t struct_size;  /* sizeof(pv_ns_diag) */
  double energy, enstrophy, palinstrophy, mean, forcing_work, umax, wmax, divergence;
} pv_ns_diag;
PV_API int pv_ns_diagnostics(pv_ns_solver *s, int b, pv_ns_diag *d);

/* Name of a scheme ("fno", "cnab2", "ifrk4") and its inverse
 * (PV_EINVAL for an unknown name). */
PV_API const char *pv_ns_scheme_name(pv_ns_scheme s);
PV_API int pv_ns_scheme_parse(const char *name, pv_ns_scheme *s);

/* ---- One field over MPI ranks (fftw3-mpi slabs, parseval/fft_mpi.h) ---- */

/* The same schemes on one field split into slabs of rows over ctx's ranks,
 * spectrum kept transposed (no transpose back): memory per rank ~ n^2 / ranks,
 * so a field may exceed one machine. Double or float precision, batch 1,
 * fixed or CFL-chosen dt, forcing as the options say. Results equal the
 * serial solver's to round-off (the arithmetic is the same mode by mode;
 * only the FFT algorithms differ). All calls but destroy, local_rows and
 * time are collective. */
typedef struct pv_ns_mpi_solver pv_ns_mpi_solver;
PV_API int pv_ns_mpi_solver_create(pv_ctx *ctx, const pv_ns_options *opts,
                                   pv_ns_mpi_solver **out);
PV_API void pv_ns_mpi_solver_destroy(pv_ns_mpi_solver **s); /* NULL-safe, not collective */
/* This rank's rows [*row_start, *row_start + *rows) of the n x n field. */
PV_API int pv_ns_mpi_local_rows(const pv_ns_mpi_solver *s, int *rows, int *row_start);
/* Set / get this rank's rows (rows x n doubles, C order). set refuses
 * non-finite values on any rank (PV_EINVAL everywhere). */
PV_API int pv_ns_mpi_set_local(pv_ns_mpi_solver *s, const double *w);
PV_API int pv_ns_mpi_get_local(pv_ns_mpi_solver *s, double *w);
/* The FNO Gaussian random field of pv_ns_set_grf (same seed and stream give
 * the serial solver's field). Every rank draws the whole n x n field
 * (n^2 doubles, freed on return) and keeps its rows. */
PV_API int pv_ns_mpi_set_grf(pv_ns_mpi_solver *s, uint64_t seed, uint64_t stream);
/* nsteps steps of the fixed dt (PV_EINVAL in CFL mode); PV_ENUMERIC on
 * every rank if any rank's field became non-finite. */
PV_API int pv_ns_mpi_step(pv_ns_mpi_solver *s, int64_t nsteps);
/* Advance by T as pv_ns_advance (fixed dt: T a multiple of it; CFL: equal
 * steps from the current global CFL rate, once per call). */
PV_API int pv_ns_mpi_advance(pv_ns_mpi_solver *s, double T, int64_t *steps_taken);
/* Diagnostics of the whole field, as pv_ns_diagnostics (same on every rank). */
PV_API int pv_ns_mpi_diagnostics(pv_ns_mpi_solver *s, pv_ns_diag *d);
/* Simulated time since creation. Not collective. */
PV_API double pv_ns_mpi_time(const pv_ns_mpi_solver *s);

/* ---- Datasets ---------------------------------------------------------- */

/* Dataset generation options; start from PV_NS_DATASET_OPTIONS_INIT.
 * HDF5 layout (one file):
 *   /vorticity  [samples, nt+1, r, r] float32 or float64 (= precision of the
 *               solve), chunk [1, 1, r, r]: w at t = 0, dt_rec, ..., nt dt_rec
 *               after the warm-up, r = n / stride (every stride-th point)
 *   /seed       [samples] uint64: the GRF seed of each sample (stream = sample index)
 *   /done       [samples] uint8: 1 once the sample is complete and flushed
 *   /forcing    [r, r] float64, /time [nt+1] float64 (time after warm-up)
 *   root attributes: format "parseval-ns-dataset", version 1, n, stride,
 *   samples, nt, dt_record, warmup, nu, dt, cfl, scheme, precision,
 *   forcing, seed, grf_alpha, grf_tau, provenance (JSON text).
 * The file is built as PATH.partial and renamed to PATH when complete. An
 * existing PATH.partial with the same layout is resumed: samples marked done
 * are kept as they are and never recomputed; another layout is refused
 * (PV_EFORMAT naming the attribute) and the file is left untouched. */
typedef struct pv_ns_dataset_options {
  size_t struct_size;    /* sizeof(pv_ns_dataset_options) */
  pv_ns_options solver;  /* n, precision, scheme, nu, dt/cfl, forcing, rigor (batch ignored) */
  int samples;           /* >= 1 */
  int nt;                /* recorded intervals (T = nt * dt_record), >= 1 */
  double dt_record;      /* time between snapshots > 0 (default 1) */
  double warmup;         /* time simulated and discarded before t = 0 (>= 0) */
  int stride;            /* record every stride-th point, divides n (default 1) */
  uint64_t seed;         /* sample i: GRF (seed + i, stream i) */
  int batch;             /* samples solved together (default 1) */
  int sample_begin, sample_end; /* this call computes samples [begin, end); 0,0 = all */
  const char *provenance_json; /* stored as the provenance attribute (may be NULL) */
  int distributed;       /* 1: over several ranks, split each field into slabs
                            (pv_ns_mpi_solver) and solve the samples one after
                            another, rank 0 writing the file; batch and the
                            sample range are then ignored (all samples). 0:
                            deal blocks of samples to the ranks (below). */
} pv_ns_dataset_options;

#define PV_NS_DATASET_OPTIONS_INIT \
  { sizeof(pv_ns_dataset_options), PV_NS_OPTIONS_INIT, 1, 1, 1.0, 0.0, 1, 0, 1, 0, 0, NULL, 0 }

/* Generate (or resume) the dataset at path. overwrite: replace a complete
 * file at path (never needed to resume a .partial). Progress and
 * cancellation through ctx (a cancelled run keeps its finished samples). When
 * sample_begin/end select a sub-range, the file stays PATH.partial unless the
 * range completes it. Over several MPI ranks (ctx's communicator; collective)
 * blocks of `batch` samples are dealt round-robin, rank k writes its own
 * PATH.partial.rank<k> (same layout), then rank 0 merges every rank's
 * finished samples into PATH.partial (removing the parts) and renames it when
 * complete; the data equal the single-process run's. */
PV_API int pv_ns_dataset_generate(pv_ctx *ctx, const char *path, int overwrite,
                                  const pv_ns_dataset_options *opts);

/* Shape of a dataset file: samples, nt + 1 time slices, r x r. */
typedef struct pv_ns_dataset_info {
  size_t struct_size;  /* sizeof(pv_ns_dataset_info) */
  int samples, times, res, complete; /* complete: every sample done */
  pv_dtype dtype;      /* stored precision */
} pv_ns_dataset_info;
PV_API int pv_ns_dataset_info_read(const char *path, pv_ns_dataset_info *info);
/* Read sample s as [times][r][r] doubles into w (caller's array). */
PV_API int pv_ns_dataset_read_sample(const char *path, int s, double *w);
/* Write a complete dataset as little-endian float32 .npy [N, X, Y, T]
 * (FNO's .mat layout: T = time slices t_begin..t_end-1 of the file; 0,0 =
 * all), with the provenance sidecar out.json when prov is given. Holds the
 * exported array in memory (checked against ctx's RAM budget). Atomic;
 * PV_EEXIST unless overwrite when out exists. */
PV_API int pv_ns_dataset_export_npy(pv_ctx *ctx, const char *path, const char *out,
                                    int overwrite, int t_begin, int t_end,
                                    const pv_provenance *prov);

#ifdef __cplusplus
}
#endif
#endif
