/* st_internal.h - space-time models (FNO-3D, SFNO) of the nn module: the
 * space-time spectral layer with time resampling and the model object
 * shared by st_model.c, sfno_tmpl.inc, fno3d_tmpl.inc, st_checkpoint.c and
 * st_finetune.c (not installed). */
#ifndef PV_NN_ST_INTERNAL_H
#define PV_NN_ST_INTERNAL_H
#include <parseval/nn.h>

/* ------------------------------------------------ space-time spectral layer
 * Y[b][o] = IDFT_{nx,ny,nt_out}( A(W) DFT_{nx,ny,nt_in}(X[b]) + delta Bias )
 * with the inverse normalised by 1/(nx ny nt_out) (torch's irfftn with
 * s = (nx, ny, nt_out), norm "backward", as Spectral-Refiner's SpectralConvT:
 * the time axis is resampled when nt_out != nt_in). A(W) multiplies the
 * corner blocks of pv_spectral_conv (4 blocks: +-kx, +-ky, kt < mt). Bias:
 * NULL or [4][mx][my][mt] complex, the same for every batch and output
 * channel (added before the inverse). Requires mt - 1 < nt/2 on both sides
 * (no Nyquist time mode), 2 mx <= nx, 2 my <= ny. One object per model layer. */
typedef struct pv_st_spec pv_st_spec;

typedef struct pv_st_spec_options {
  pv_dtype dtype;
  int nx, ny, nt_in, nt_out;
  int modes[3];
  int cin, cout;
  int bias;            /* 1: the layer has a spectral bias */
  double delta;        /* bias scale */
  pv_fft_rigor rigor;
} pv_st_spec_options;

int pv__st_spec_create(pv_ctx *ctx, const pv_st_spec_options *o, pv_st_spec **out);
void pv__st_spec_destroy(pv_st_spec **s);
/* Complex numbers per channel of the compact retained-mode spectrum Xh. */
size_t pv__st_spec_csize(const pv_st_spec *s);
/* Complex weights (4 cin cout mx my mt) and bias numbers (4 mx my mt). */
size_t pv__st_spec_wcount(const pv_st_spec *s);
size_t pv__st_spec_bcount(const pv_st_spec *s);
/* Forward for batch <= the batch of the first call (workspaces grow);
 * Xh (batch cin csize complex) receives the compact DFT of X. */
int pv__st_spec_forward(pv_st_spec *s, int batch, const void *X, const void *W, const void *B,
                        void *Y, void *Xh);
/* dX = layer^T dY (NULL: skipped), dW += (NULL: skipped), dB += (NULL: skipped). */
int pv__st_spec_backward(pv_st_spec *s, int batch, const void *Xh, const void *W, const void *dY,
                         void *dX, void *dW, void *dB);

/* ------------------------------------------------------------ the model */
#define PV_ST_MAX_LAYERS 8
#define PV_ST_MAX_PARAMS 64

/* Activations kept for the backward pass (max_batch samples). SFNO: index 0
 * is the lifting block, 1..layers-1 the hidden blocks. FNO-3D: layer l. */
typedef struct pv_st_tape {
  void *xin;                       /* SFNO: input [b][S][t_in] (x, y, t order); FNO-3D: lifted input */
  void *hn, *nrm, *p;              /* SFNO: normalised, affine output, lift projection */
  double mu[4096], rstd[4096];     /* SFNO group-norm statistics per sample (max_batch <= 4096) */
  void *v[PV_ST_MAX_LAYERS];       /* input of block l (SFNO l >= 1; FNO-3D all) */
  void *xh[PV_ST_MAX_LAYERS];      /* compact spectra of the block's spectral input */
  void *s[PV_ST_MAX_LAYERS];       /* SFNO spectral output (FFN input) */
  void *f1[PV_ST_MAX_LAYERS];      /* SFNO FFN hidden pre-activation */
  void *u[PV_ST_MAX_LAYERS];       /* pre-activation of the block output */
  void *vL;                        /* SFNO: last block output (reduction input) */
  void *r;                         /* SFNO: reduction output [b][S][latent] */
  void *vp, *xh_out;               /* SFNO: padded output-layer input and its spectra */
  void *h1;                        /* FNO-3D: proj1 pre-activation */
} pv_st_tape;

struct pv_nn_st {
  pv_ctx *ctx;
  pv_dtype dtype;
  pv_nn_st_config cfg;
  int threads;
  size_t rs, S;                    /* bytes per real, n * n */
  size_t nreal;
  void *w, *g;
  pv_nn_param params[PV_ST_MAX_PARAMS];
  size_t off[PV_ST_MAX_PARAMS];    /* offset (reals) of each parameter */
  int nparams;
  /* parameter indices */
  int i_norm_w, i_norm_b, i_lift_w, i_lift_b, i_spec[PV_ST_MAX_LAYERS], i_f1w[PV_ST_MAX_LAYERS],
      i_f1b[PV_ST_MAX_LAYERS], i_f2w[PV_ST_MAX_LAYERS], i_f2b[PV_ST_MAX_LAYERS],
      i_pw_w[PV_ST_MAX_LAYERS], i_pw_b[PV_ST_MAX_LAYERS], i_red_w, i_red_b, i_out_w, i_out_b,
      i_p1_w, i_p1_b, i_p2_w, i_p2_b;
  size_t nt_lat;                   /* SFNO: latent steps; FNO-3D: t_out + pad_t */
  pv_st_spec *spec[PV_ST_MAX_LAYERS]; /* SFNO lifting (0) and hidden blocks */
  pv_st_spec *out_spec;            /* SFNO output layer */
  pv_nn_spectral *spec3;           /* FNO-3D: the shared 3D spectral geometry */
  void *pe;                        /* SFNO positional encoding [width][S][t_in] */
  void *grid;                      /* FNO-3D grid channels [3][S][t_out] */
  pv_st_tape tape;
  void *wa, *wb, *wc, *wd, *we, *lin; /* workspaces */
  void *out_buf;                   /* SFNO output-layer result [b][S][nt_o] */
  void *step_out, *step_dout;      /* pv_nn_st_step: prediction and its gradient */
  int frozen_trunk;                /* 1: fine-tuning, only the output layer trains */
};

int pv__sfno_fwd_f32(pv_nn_st *m, int batch, const float *x0, float *out, int from_cache);
int pv__sfno_fwd_f64(pv_nn_st *m, int batch, const double *x0, double *out, int from_cache);
int pv__sfno_bwd_f32(pv_nn_st *m, int batch, const float *dout);
int pv__sfno_bwd_f64(pv_nn_st *m, int batch, const double *dout);
int pv__fno3d_fwd_f32(pv_nn_st *m, int batch, const float *x0, float *out);
int pv__fno3d_fwd_f64(pv_nn_st *m, int batch, const double *x0, double *out);
int pv__fno3d_bwd_f32(pv_nn_st *m, int batch, const float *dout);
int pv__fno3d_bwd_f64(pv_nn_st *m, int batch, const double *dout);
/* Layout and storage of parameters for m->cfg (st_model.c). */
int pv__st_layout(pv_nn_st *m);
#endif
