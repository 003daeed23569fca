/* ns_internal.h - the solver object shared by ns_solver.c and the
 * per-precision kernels (ns_kernel_tmpl.h, instantiated in ns_kernel.c). */
#ifndef PV_NS_INTERNAL_H
#define PV_NS_INTERNAL_H

#include <parseval/ns.h>
#include <parseval/spectral.h>

/* One thread's scratch: everything a field's step touches besides its state. */
typedef struct pv_ns_ws {
  void *spec4;  /* 4 half spectra (u, v, w_x, w_y), complex */
  void *real4;  /* 4 real fields (diagnostics, set/get) */
  void *rows;   /* step: 4 real row blocks [4][rb][n] + the product block [rb][n] */
  void *F;      /* F(w) = f_hat - mask N_hat (complex, M) */
  void *y;      /* stage state (IFRK4) */
  void *acc;    /* stage accumulator (IFRK4) */
} pv_ns_ws;

struct pv_ns_solver {
  pv_ctx *ctx;
  pv_ns_options o;
  int n, nh;          /* points per axis, n/2 + 1 */
  size_t M, N;        /* half-spectrum modes, real points */
  size_t rsz;         /* bytes of one real value */
  double t;           /* simulated time */
  int nthreads;       /* workers for the field loop */
  int par_fields;     /* 1: OpenMP over fields, 1-thread FFTs */
  pv_fft_plan *c2r4;  /* 4 fields c2r */
  pv_fft_plan *r2c1;  /* 1 field r2c */
  pv_fft_plan *c2r1;  /* 1 field c2r */
  /* The step's nonlinear term runs the 2D transforms as 1D passes so that the
   * product is formed in cache between the row transforms and the forward
   * column pass is pruned to the 2/3 band (see eval_NL in ns_kernel_tmpl.h). */
  int rb;             /* rows per block of the row pass (divides n) */
  int jc;             /* columns 0..jc-1 survive the 2/3 mask (jc = n/3 + 1) */
  pv_fft_plan *colinv;/* backward c2c down the columns of one [n][nh] spectrum, in place */
  pv_fft_plan *rowc2r;/* c2r of rb rows of one spectrum into a [rb][n] block */
  pv_fft_plan *rowr2c;/* r2c of a [rb][n] block into rb rows of a spectrum */
  pv_fft_plan *colfwd;/* forward c2c down columns 0..jc-1 of one spectrum, in place */
  void *w;            /* state [batch][M] complex */
  void *fprev;        /* CNAB2: F at the previous step [batch][M] */
  int *have_prev;     /* CNAB2: fprev valid per field */
  double dt_prev;     /* CNAB2: step of fprev */
  double *umax;       /* per field: CFL rate at the last evaluation */
  /* per-mode tables in the solver precision */
  void *kxd, *kyd;    /* odd-derivative wavenumbers 2 pi m (Nyquist 0): rows n, cols nh */
  void *mrow, *mcol;  /* 2/3 mask factors 0/1 */
  void *invL;         /* 1 / (4 pi^2 |m|^2), 0 at m = 0 (M) */
  void *c1, *c2;      /* step coefficients for coef_dt (M) */
  double *Ld;         /* 4 pi^2 |m|^2 in double (M) */
  double coef_dt;     /* dt the coefficients hold (0: none) */
  void *fhat;         /* forcing spectrum (M complex) */
  pv_ns_ws *ws;       /* nws workspaces */
  int nws;
  pv_spectral_box *grf_box; /* made on first pv_ns_set_grf */
};

/* PV_EINVAL naming the first bad solver option. */
int pv_ns_options_check(const pv_ns_options *o);

/* Steps for advancing by T: round(T/dt) steps of the fixed dt (PV_EINVAL
 * when T is not a multiple), or with o->dt == 0 equal steps no larger
 * than cfl / rate and dt_max (rate = max(|u|/dx + |v|/dy), 1/time). */
int pv_ns_step_count(const pv_ns_options *o, double T, double rate, int64_t *ns, double *dt);

/* pv_ns_dataset_generate over the ranks of ctx (ns_dataset.c). */
int pv_ns_dataset_generate_ranks(pv_ctx *ctx, const char *path, const pv_ns_dataset_options *o);

/* Per-precision kernels (suffix _f64 / _f32). */
#define PV_NS_DECLARE(SUF)                                                          \
  void pv_ns_coef_##SUF(pv_ns_solver *s, double dt);                                \
  void pv_ns_fields_step_##SUF(pv_ns_solver *s, int64_t nsteps, double dt, int want_umax); \
  void pv_ns_set_real_##SUF(pv_ns_solver *s, int b, const double *w);              \
  void pv_ns_set_forcing_##SUF(pv_ns_solver *s, const double *f);                  \
  void pv_ns_get_real_##SUF(pv_ns_solver *s, int b, double *w);                    \
  void pv_ns_diag_##SUF(pv_ns_solver *s, int b, pv_ns_diag *d);                    \
  int pv_ns_finite_##SUF(const pv_ns_solver *s);
PV_NS_DECLARE(f64)
PV_NS_DECLARE(f32)

#endif
