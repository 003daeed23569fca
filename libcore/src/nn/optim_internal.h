/* optim_internal.h - state shared by the optimiser sources (optim_*.c). */
#ifndef PV_NN_OPTIM_INTERNAL_H
#define PV_NN_OPTIM_INTERNAL_H
#include <parseval/nn_optim.h>

/* The element loops carry `omp simd` (reductions in a fixed lane order);
 * sanitizer builds cannot vectorise them and clang would warn. */
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wpass-failed"
#endif

/* One parameter as an optimiser holds it. */
typedef struct pv__nn_oparam {
  pv_nn_param p;     /* copied descriptor; w, g borrowed */
  int role;          /* 1 matrix update, 0 auxiliary / unprojected */
  size_t nf;         /* stored floats (numel, or 2 numel when complex) */
  size_t rows, cols; /* matrix view in logical elements */
  size_t nmodes;     /* per-mode complex view: modes (else 0) */
  float *m;          /* momentum / exp_avg (nf) */
  float *v;          /* exp_avg_sq (nf) or NULL */
  float *basis;      /* Conda: Vh (cols x cols) or U (rows x rows), or NULL */
  float *steps;      /* this parameter's update count (1 float of the pool) */
} pv__nn_oparam;

struct pv_nn_optim {
  pv_ctx *ctx;
  pv_nn_optim_kind kind;
  pv_nn_optim_options o;
  size_t np;
  pv__nn_oparam *ps;
  pv_nn_optim_state_entry *ent;
  size_t nent;
  float *pool;       /* all state floats */
  float *s1, *s2;    /* two scratch vectors of the largest nf */
  float *work;       /* Newton-Schulz / SVD workspace */
  size_t nwork;
  int *iwork;        /* SVD integer workspace */
  int nthreads;      /* ctx's threads: per-mode Newton-Schulz runs modes in parallel */
  uint64_t steps;
};

/* Per-kind updates of one non-frozen parameter with learning rate lr. */
void pv__nn_optim_aux_adamw(pv_nn_optim *o, pv__nn_oparam *q, double lr);
int pv__nn_optim_muon(pv_nn_optim *o, pv__nn_oparam *q, double lr);
int pv__nn_optim_conda(pv_nn_optim *o, pv__nn_oparam *q, double lr);
int pv__nn_optim_auon(pv_nn_optim *o, pv__nn_oparam *q, double lr);

/* Orthogonalise the update u of q in place with `steps` Newton-Schulz steps
 * following q's view (real matrix, per-mode complex, or flat complex). */
int pv__nn_optim_orthogonalise(pv_nn_optim *o, const pv__nn_oparam *q, float *u, int steps);
/* Workspace (floats, ints) of a Conda update of a rows x cols matrix (complex:
 * per mode, including the gathered and projected copies); <0 on failure. */
int pv__nn_conda_work(size_t rows, size_t cols, int is_complex, size_t *nwork, size_t *niwork);
/* Conda update of a per-mode complex parameter (optim_conda_modes.c); m is
 * already updated, s is the step count before this update. */
int pv__nn_conda_modes(pv_nn_optim *o, pv__nn_oparam *q, double s, double step, double lr);
#endif
