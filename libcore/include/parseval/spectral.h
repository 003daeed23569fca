/* parseval/spectral.h - periodic spectral calculus on uniform boxes.
 *
 * Fields are real, double, C order: u[i0][i1][i2] = u(x0_i0, x1_i1, x2_i2)
 * with x_a = i * L[a] / n[a] (axis 0 is x, axis 1 is y: 'ij' indexing). Their
 * spectra ("hat" arrays) are the UNNORMALISED DFT on the half spectrum:
 * n[0] x ... x (n[dim-1]/2 + 1) complex numbers, re then im, as pv_fft's r2c
 * produces: uh_k = sum_j u_j e^{-2 pi i j.k/n}.
 *
 * Wavenumbers. Index j of an axis of n points stands for the integer
 * frequency m = j for j <= n/2 and m = j - n above (numpy's fftfreq except at
 * the Nyquist index of an even n, see below); the angular wavenumber is
 * kappa = 2 pi m / L. Nyquist convention (even n, j = n/2): the mode
 * cos(pi x n/L) has no well-defined derivative sign, so ODD derivatives
 * (gradient, divergence, curl, velocity) set it to zero, while EVEN ones
 * (Laplacian, its inverse, Helmholtz, Sobolev weights, GRF spectrum) use
 * |kappa| = pi n / L. Results are exact for trigonometric polynomials that
 * the grid resolves.
 *
 * A box holds its plans, wavenumbers and workspaces: make it once, reuse it,
 * one box per thread (the functions write its workspace). Outputs may alias
 * inputs: every input is transformed before any output is written. */
#ifndef PARSEVAL_SPECTRAL_H
#define PARSEVAL_SPECTRAL_H

#include <stddef.h>
#include <stdint.h>
#include <parseval/config.h>
#include <parseval/ctx.h>
#include <parseval/fft.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pv_spectral_box pv_spectral_box;

/* Box options; start from PV_SPECTRAL_OPTIONS_INIT. */
typedef struct pv_spectral_options {
  size_t struct_size;  /* sizeof(pv_spectral_options) */
  pv_fft_rigor rigor;  /* planner effort (default PV_FFT_MEASURE; ESTIMATE = reproducible) */
  int wisdom_only;     /* plan only from loaded wisdom */
} pv_spectral_options;
#define PV_SPECTRAL_OPTIONS_INIT { sizeof(pv_spectral_options), PV_FFT_MEASURE, 0 }

/* Box of dim (1-3) axes with n[a] >= 2 points over lengths L[a] > 0
 * (finite). ctx gives FFT threads and logs (may be NULL); opts may be NULL.
 * *out is owned by the caller. */
PV_API int pv_spectral_box_create(pv_ctx *ctx, int dim, const int n[], const double L[],
                                  const pv_spectral_options *opts, pv_spectral_box **out);
/* NULL-safe; sets *box to NULL. */
PV_API void pv_spectral_box_destroy(pv_spectral_box **box);
/* Number of real points N = prod n[a] and of half-spectrum complex numbers. */
PV_API size_t pv_spectral_box_npoints(const pv_spectral_box *box);
PV_API size_t pv_spectral_box_nmodes(const pv_spectral_box *box);

/* Angular wavenumbers 2 pi m / L[axis] of an axis (n[axis] values; for the
 * last axis n/2 + 1 values), Nyquist as +pi n/L. k: caller's array. */
PV_API int pv_spectral_wavenumbers(const pv_spectral_box *box, int axis, double *k);

/* uh = DFT(u) (unnormalised, half spectrum). */
PV_API int pv_spectral_forward(pv_spectral_box *box, const double *u, double *uh);
/* u = inverse DFT(uh) including 1/N, so backward(forward(u)) = u; uh is kept. */
PV_API int pv_spectral_backward(pv_spectral_box *box, const double *uh, double *u);

/* g[a*N + i] = d u / d x_a at point i, a = 0..dim-1. */
PV_API int pv_spectral_gradient(pv_spectral_box *box, const double *u, double *g);
/* d = sum_a d v_a / d x_a; v holds dim fields one after another. */
PV_API int pv_spectral_divergence(pv_spectral_box *box, const double *v, double *d);
/* lap = Laplacian of u. */
PV_API int pv_spectral_laplacian(pv_spectral_box *box, const double *u, double *lap);
/* Zero-mean u with Laplacian(u) = f - mean(f) (the mean of f is removed,
 * the solvability condition of the periodic Poisson problem). */
PV_API int pv_spectral_inverse_laplacian(pv_spectral_box *box, const double *f, double *u);
/* u with a u - b Laplacian(u) = f; a, b finite; PV_EINVAL if a + b |kappa|^2
 * vanishes for some resolved mode (singular problem). */
PV_API int pv_spectral_helmholtz_solve(pv_spectral_box *box, double a, double b,
                                       const double *f, double *u);
/* 2D only: w = d v/dx - d u/dy. */
PV_API int pv_spectral_curl2d(pv_spectral_box *box, const double *u, const double *v,
                              double *w);
/* 2D only: stream function psi (zero mean) of vorticity w, -Laplacian(psi) =
 * w - mean(w), and velocity u = d psi/dy, v = -d psi/dx. Any of psi, u, v
 * may be NULL. */
PV_API int pv_spectral_stream2d(pv_spectral_box *box, const double *w, double *psi,
                                double *u, double *v);

/* 2/3 rule on a half spectrum, in place: keep modes with 3|m_a| <= 2 floor(n_a/2)
 * on every axis (the FNO / pseudo-spectral box mask), zero the rest. */
PV_API int pv_spectral_dealias(const pv_spectral_box *box, double *uh);
/* Exponential filter on a half spectrum, in place: multiply by
 * exp(-strength * sum_a (|m_a| / floor(n_a/2))^order); strength >= 0, order > 0
 * (Hou & Li use strength 36, order 36). */
PV_API int pv_spectral_filter_exp(const pv_spectral_box *box, double *uh, double strength,
                                  double order);

/* Spectral interpolation of u (dim axes, sizes n_in) to sizes n_out: the
 * trigonometric interpolant zero-padded (n_out > n_in) or truncated (n_out <
 * n_in), axis by axis. Nyquist: an even input's Nyquist coefficient is split
 * equally between +-n/2; on truncation to an even size the coefficients at
 * +-n_out/2 are summed (which equals sampling a field band-limited below
 * n_out/2). Plans come from the FFT cache (ESTIMATE); buffers are allocated
 * per call; ctx may be NULL. */
PV_API int pv_spectral_resample(pv_ctx *ctx, int dim, const int n_in[], const double *u,
                                const int n_out[], double *out);
/* Strided down-sampling: out[i] = u[i * stride] on every axis (sizes
 * ceil(n[a] / stride[a])); no filtering. */
PV_API int pv_spectral_downsample(int dim, const int n[], const double *u, const int stride[],
                                  double *out);

/* Sobolev norms, any real s and shift alpha >= 0 (alpha > 0 when s < 0):
 *   ||u||^2_{H^s_alpha} = V / N^2 * sum_k (alpha + |kappa_k|^2)^s |uh_k|^2
 * over the full spectrum, uh the unnormalised DFT, V = prod L[a], N = prod n[a].
 * s = 0 gives the integral of u^2 (midpoint rule); alpha = 1 the classical
 * H^s norm; on the unit box this is sum_k (alpha + |2 pi k|^2)^s |c_k|^2 with
 * c_k = uh_k / N the Fourier coefficients. Spectral-Refiner's loss sum_k w_k
 * |uh_k|^2 on the unnormalised DFT equals (N^2 / V) * norm2. */
PV_API int pv_spectral_sobolev_norm2(pv_spectral_box *box, const double *u, double s,
                                     double alpha, double *norm2);
/* The same from a half spectrum uh (unnormalised DFT). */
PV_API int pv_spectral_sobolev_norm2_hat(const pv_spectral_box *box, const double *uh,
                                         double s, double alpha, double *norm2);
/* Inner product V / N^2 * Re sum_k (alpha + |kappa|^2)^s conj(uh_k) vh_k. */
PV_API int pv_spectral_sobolev_inner(pv_spectral_box *box, const double *u, const double *v,
                                     double s, double alpha, double *inner);
/* Gradient of norm2 with respect to u: g = 2 V / N^2 * IDFT_unnormalised(w uh). */
PV_API int pv_spectral_sobolev_norm2_grad(pv_spectral_box *box, const double *u, double s,
                                          double alpha, double *g);
/* Space-time versions: u, v hold nt >= 1 fields one after another; the
 * result is the time average (1/nt) sum_t of the spatial quantity, i.e. the
 * squared L^2(0,T; H^s_alpha) norm / T for uniform steps. */
PV_API int pv_spectral_sobolev_norm2_st(pv_spectral_box *box, int nt, const double *u,
                                        double s, double alpha, double *norm2);
PV_API int pv_spectral_sobolev_inner_st(pv_spectral_box *box, int nt, const double *u,
                                        const double *v, double s, double alpha, double *inner);

/* Gaussian random field options (start from PV_GRF_OPTIONS_INIT). */
typedef struct pv_grf_options {
  size_t struct_size; /* sizeof(pv_grf_options) */
  double alpha;       /* spectral decay, > 0 (FNO: 2.5) */
  double tau;         /* inverse length scale, > 0 (FNO: 7) */
  double sigma;       /* amplitude; 0 = FNO default tau^(alpha - dim/2) */
} pv_grf_options;
#define PV_GRF_OPTIONS_INIT { sizeof(pv_grf_options), 2.5, 7.0, 0.0 }

/* One zero-mean sample with spectrum sigma^2 (|kappa|^2 + tau^2)^(-alpha):
 * u = Re sum_{k != 0} sqrt(2) sigma (|kappa_k|^2 + tau^2)^(-alpha/2) z_k e^{i kappa_k.x},
 * z_k complex normal with independent parts of variance 1/2 (E|z|^2 = 1),
 * drawn by pv_rng(seed, stream) over the full grid in C order, re then im:
 * the FNO generator (GaussianRF: sqrt-eigenvalues n^d sqrt(2) sigma (...)
 * times torch.randn complex coefficients, ifftn(...).real) on a unit box.
 * E u^2 = sigma^2 sum_{k != 0} (|kappa|^2 + tau^2)^(-alpha); about 0.185^2 for
 * alpha 2.5, tau 7 in 2D. The same (seed, stream) gives the same bytes.
 * Allocates (and frees) 2N doubles of coefficients per call. */
PV_API int pv_spectral_grf_sample(pv_spectral_box *box, const pv_grf_options *opts,
                                  uint64_t seed, uint64_t stream, double *u);

/* Spectral convolution (FNO's SpectralConv2d/3d) on batched half spectra.
 * X: [batch][cin][n0][n1/2+1] (2D) or [batch][cin][n0][n1][n2/2+1] (3D)
 * complex; Y: the same with cout channels. The retained modes are the corner
 * blocks: 2D rows [0, m0) and [n0-m0, n0) x columns [0, m1); 3D rows and
 * columns low/high x [0, m2) in the last axis. Block b (2D: b = high0;
 * 3D: b = high0 + 2 high1, FNO's weights1..4) has weights
 * W[b][cin][cout][m0][m1]([m2]) complex, and
 *   Y[b,o,k] = sum_i X[b,i,k] W[blk(k),i,o,k]   on retained k, 0 elsewhere.
 * Inputs and outputs of these three functions must not overlap. */
typedef struct pv_spectral_conv {
  size_t struct_size;  /* sizeof(pv_spectral_conv) */
  pv_dtype precision;  /* PV_F64 or PV_F32 (complex of that real type) */
  int dim;             /* 2 or 3 */
  int n[3];            /* real-space sizes */
  int modes[3];        /* m_a: 2 m_a <= n_a (non-last axes), m_last <= n_last/2 + 1 */
  int batch, cin, cout;
  int threads;         /* OpenMP threads for the mode products (0 or 1: serial;
                        * e.g. pv_ctx_threads(ctx); results do not depend on it) */
} pv_spectral_conv;

/* Number of complex weights: nblocks * cin * cout * prod m_a. */
PV_API int pv_spectral_conv_weight_count(const pv_spectral_conv *c, size_t *count);
/* Y = A(W) X (Y fully overwritten, zero outside the retained modes). */
PV_API int pv_spectral_conv_forward(const pv_spectral_conv *c, const void *X, const void *W,
                                    void *Y);
/* Adjoint in X: Xbar[b,i,k] = sum_o Ybar[b,o,k] conj(W[i,o,k]) (0 elsewhere);
 * <A x, y> = <x, A* y> for <a, b> = Re sum conj(a) b. */
PV_API int pv_spectral_conv_adjoint(const pv_spectral_conv *c, const void *Ybar,
                                    const void *W, void *Xbar);
/* Adjoint in W (weight gradient): Wbar[i,o,k] = sum_b conj(X[b,i,k]) Ybar[b,o,k]
 * (overwritten). */
PV_API int pv_spectral_conv_weight_adjoint(const pv_spectral_conv *c, const void *X,
                                           const void *Ybar, void *Wbar);

#ifdef __cplusplus
}
#endif
#endif
