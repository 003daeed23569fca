/* parseval/fft_mpi.h - distributed 2D real FFTs (fftw3-mpi slab decomposition).
 *
 * A real n0 x n1 field (howmany of them, interleaved: element (i, j, h) at
 * (i * 2(n1/2+1) + j) * howmany + h, rows padded as FFTW requires) is split
 * into slabs of rows over the ranks of the context's communicator: this
 * rank holds rows [row_start, row_start + rows). Its spectrum is kept
 * TRANSPOSED (FFTW_MPI_TRANSPOSED_OUT / _IN, so no transpose back is paid):
 * half-spectrum columns [col_start, col_start + cols) of the n1/2+1, each a
 * full column of n0 wavenumbers, layout [cols][n0][howmany] complex.
 * Transforms are unnormalised as in parseval/fft.h. Double (PV_F64) or
 * single (PV_F32) precision: buffers hold reals of the plan's precision.
 * Planning runs under the FFT layer's planner lock (FFTW's planner is
 * process-wide state). Only this module (and parseval/fft.h's) calls FFTW. */
#ifndef PARSEVAL_FFT_MPI_H
#define PARSEVAL_FFT_MPI_H

#include <stddef.h>
#include <parseval/config.h>
#include <parseval/ctx.h>
#include <parseval/fft.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pv_fft_mpi_plan pv_fft_mpi_plan;

/* Local sizes of a plan (elements, not bytes). */
typedef struct pv_fft_mpi_info {
  size_t struct_size;   /* sizeof(pv_fft_mpi_info) */
  ptrdiff_t rows, row_start; /* real slab */
  ptrdiff_t cols, col_start; /* transposed spectral slab */
  ptrdiff_t alloc_complex;   /* complex numbers to allocate per buffer (both sides; the
                                real side holds 2 * alloc_complex reals) */
  pv_dtype precision;        /* PV_F64 or PV_F32 */
} pv_fft_mpi_info;

/* Plan r2c (forward) and c2r (backward) of howmany interleaved n0 x n1 real
 * fields (n0, n1 >= 2, howmany >= 1) in precision PV_F64 or PV_F32 over
 * ctx's communicator, with FFTW's threads = pv_ctx_threads. rigor as in
 * fft.h (ESTIMATE is reproducible). Collective. PV_EUNSUPPORTED without MPI,
 * PV_EINVAL for another precision. *out owned by the caller. */
PV_API int pv_fft_mpi_plan_create(pv_ctx *ctx, pv_dtype precision, int n0, int n1, int howmany,
                                  pv_fft_rigor rigor, pv_fft_mpi_plan **out);
/* NULL-safe; sets *p to NULL. Not collective. */
PV_API void pv_fft_mpi_plan_destroy(pv_fft_mpi_plan **p);
PV_API int pv_fft_mpi_plan_info(const pv_fft_mpi_plan *p, pv_fft_mpi_info *info);
/* Collective transforms on buffers of the planned layout and precision
 * (pv_malloc'd, alloc_complex complex numbers each). r2c keeps its input
 * unless in == out; c2r overwrites its input. */
PV_API int pv_fft_mpi_forward(const pv_fft_mpi_plan *p, void *real_in, void *spec_out);
PV_API int pv_fft_mpi_backward(const pv_fft_mpi_plan *p, void *spec_in, void *real_out);

#ifdef __cplusplus
}
#endif
#endif
