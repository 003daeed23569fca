/* nn_param.h - one trainable parameter tensor as optimisers see it. */
#ifndef PARSEVAL_NN_PARAM_H
#define PARSEVAL_NN_PARAM_H
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif
/* A parameter: logical shape (row-major), float storage. Complex parameters
 * (spectral weights) store 2*numel floats, interleaved re/im. w and g are
 * borrowed from the layer that owns them; frozen parameters get no update. */
typedef struct pv_nn_param {
  char name[64];   /* e.g. "fourier.0.weight1" */
  int ndim;        /* 1..6 */
  size_t shape[6]; /* logical extents */
  int is_complex;  /* 1: 2 floats per element */
  float *w;        /* values (borrowed) */
  float *g;        /* gradient, same layout (borrowed) */
  int frozen;      /* 1: skipped by optimisers */
  int group;       /* parameter group index (learning-rate groups) */
} pv_nn_param;
/* Logical element count (product of shape). */
static inline size_t pv_nn_param_numel(const pv_nn_param *p) {
  size_t n = 1;
  for (int i = 0; i < p->ndim; i++) n *= p->shape[i];
  return n;
}
#ifdef __cplusplus
}
#endif
#endif
