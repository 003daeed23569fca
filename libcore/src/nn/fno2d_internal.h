/* fno2d_internal.h - the FNO-2D model object shared by fno2d.c and its
 * precision template (not installed). */
#ifndef PV_NN_FNO2D_INTERNAL_H
#define PV_NN_FNO2D_INTERNAL_H
#include <parseval/nn.h>

#define PV_FNO2D_MAX_LAYERS 8
/* Columns per block of the fused inference projection head (fits in L2). */
#define PV_FNO2D_HEAD_COLS 256

/* Activations of one model call kept for the backward pass (batch max_batch). */
typedef struct pv_fno2d_tape {
  void *in;                        /* [b][t_in+2][S] */
  void *v[PV_FNO2D_MAX_LAYERS];    /* input of layer l: [b][width][S] */
  void *pre[PV_FNO2D_MAX_LAYERS];  /* spectral + pointwise sum of layer l */
  void *xh[PV_FNO2D_MAX_LAYERS];   /* DFT of v[l]: [b][width][spec] complex */
  void *h1;                        /* proj1 pre-activation: [b][proj][S] */
  void *g1;                        /* GELU(h1), the input of proj2 */
} pv_fno2d_tape;

struct pv_nn_fno2d {
  pv_ctx *ctx;
  pv_dtype dtype;
  pv_nn_fno2d_config cfg;
  int threads;
  size_t S, spec, rs;              /* points, half-spectrum size, bytes per real */
  size_t nreal;                    /* parameter reals */
  void *w, *g;                     /* flat parameters and gradients */
  /* offsets (reals) into w / g */
  size_t o_lift_w, o_lift_b, o_spec[PV_FNO2D_MAX_LAYERS], o_pw_w[PV_FNO2D_MAX_LAYERS],
      o_pw_b[PV_FNO2D_MAX_LAYERS], o_p1_w, o_p1_b, o_p2_w, o_p2_b;
  pv_nn_param *params;             /* float models: the list optimisers see */
  int nparams;
  pv_nn_spectral *spec_layer;      /* width -> width, modes x modes */
  void *grid;                      /* [2][S]: x then y coordinates */
  pv_fno2d_tape *tape;             /* tape[t], t < tape_cap */
  int tape_cap;
  void *seq, *dseq;                /* [b][t_in+T][S] rollout sequence and its gradient */
  int seq_cap;                     /* T the sequence buffers hold */
  void *wa, *wb, *wc, *wd, *lin;   /* workspaces: 2 x [b][proj][S], 2 x [b][width][S]... */
  void *head;                      /* per thread: proj x PV_FNO2D_HEAD_COLS (inference head) */
};

/* keep = 1: record h1 and GELU(h1) on the tape for the backward pass;
 * keep = 0 (inference): the projection head runs fused by column blocks. */
int pv__fno2d_step_fwd_f32(pv_nn_fno2d *m, int batch, const float *frames, size_t fs,
                           pv_fno2d_tape *tp, float *out, size_t os, int keep);
int pv__fno2d_step_fwd_f64(pv_nn_fno2d *m, int batch, const double *frames, size_t fs,
                           pv_fno2d_tape *tp, double *out, size_t os, int keep);
int pv__fno2d_step_bwd_f32(pv_nn_fno2d *m, int batch, pv_fno2d_tape *tp, const float *dout,
                           size_t ds, float *dframes, size_t dfs);
int pv__fno2d_step_bwd_f64(pv_nn_fno2d *m, int batch, pv_fno2d_tape *tp, const double *dout,
                           size_t ds, double *dframes, size_t dfs);
#endif
