/* ckpt_state.h - optimiser and sigmaReparam state in checkpoints (layout in
 * parseval/nn.h), shared by the model checkpoints (checkpoint.c). Reading is
 * split in two: read + check everything into a staging object, then commit,
 * so a bad file changes nothing. Not installed. */
#ifndef PV_NN_CKPT_STATE_H
#define PV_NN_CKPT_STATE_H
#include <parseval/h5.h>
#include <parseval/nn.h>
#include <parseval/nn_optim.h>

/* Name of the optimiser kind as stored in the 'optimizer' attribute. */
const char *pv__nn_optim_kind_name(const pv_nn_optim *o);

/* Write the 'optimizer' attribute ("none" when ts holds neither optimiser;
 * "adam" is written by the caller with its own datasets), and, for a matrix
 * optimiser, optim_steps, optim_options and /optim/<entry> datasets; then
 * the sigmaReparam vectors. ts may be NULL. */
int pv__nn_ckpt_write_state(pv_h5 *f, const pv_nn_train_state *ts);

/* Everything read from a file for ts, not yet applied. */
typedef struct pv__nn_ckpt_staged {
  float *optim;      /* the optimiser's entries, concatenated in entry order */
  uint64_t steps;    /* its global step counter */
  double *sigma;     /* u then v of each sigma object, concatenated */
} pv__nn_ckpt_staged;

/* The stored optimiser name ("adam" for files without the attribute that
 * hold /adam datasets, "none" otherwise); *name pv_malloc'd. */
int pv__nn_ckpt_stored_optimizer(pv_h5 *f, const char *path, char **name);
/* Check the stored optimiser kind against ts (adam, optim or none) and read
 * the matrix optimiser's and the sigma objects' state into st. Errors are
 * PV_EFORMAT naming path and the attribute or dataset. */
int pv__nn_ckpt_read_state(pv_h5 *f, const char *path, const pv_nn_train_state *ts,
                           pv__nn_ckpt_staged *st);
/* Apply st to ts's objects (cannot fail). */
void pv__nn_ckpt_commit_state(const pv_nn_train_state *ts, const pv__nn_ckpt_staged *st);
void pv__nn_ckpt_staged_free(pv__nn_ckpt_staged *st);
/* PV_EINVAL unless ts is NULL or a valid state description. */
int pv__nn_ckpt_check_state(const pv_nn_train_state *ts);
#endif
