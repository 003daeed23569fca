/* ckpt_io.h - the pieces every model checkpoint shares (layout in
 * parseval/nn.h): format/version/model header, integer and double root
 * attributes read with errors naming the file, parameter tensors as float
 * datasets checked against the model's shapes, the training meta (epoch,
 * step, RNG, configuration) and Adam's moments. checkpoint.c (FNO-2D) and
 * st_checkpoint.c (FNO-3D, SFNO) write their architecture around these.
 * Not installed. */
#ifndef PV_NN_CKPT_IO_H
#define PV_NN_CKPT_IO_H
#include <parseval/h5.h>
#include <parseval/nn.h>

/* Root attributes format, version and model. */
int pv__nn_ckpt_write_header(pv_h5 *f, const char *model);
/* Check format and version; the stored model name into name (cap bytes). */
int pv__nn_ckpt_read_header(pv_h5 *f, const char *path, char *name, size_t cap);
/* Root attribute key; PV_EFORMAT naming path and key when absent. */
int pv__nn_ckpt_get_int(pv_h5 *f, const char *path, const char *key, int64_t *v);
int pv__nn_ckpt_get_double(pv_h5 *f, const char *path, const char *key, double *v);
/* Reals of parameter p (complex counts twice). */
size_t pv__nn_ckpt_reals(const pv_nn_param *p);
/* Dataset group/p->name of data (p's reals, float). */
int pv__nn_ckpt_write_param(pv_h5 *f, const char *group, const pv_nn_param *p, const float *data);
/* The np tensors of group into dst, packed in order; shapes checked. */
int pv__nn_ckpt_read_params(pv_h5 *f, const char *path, const char *group, const pv_nn_param *ps,
                            int np, float *dst);
/* Epoch, step, RNG state and configuration JSON (meta may be NULL: zeros). */
int pv__nn_ckpt_write_meta(pv_h5 *f, const pv_nn_checkpoint_meta *meta);
/* The same back; meta->config_json pv_malloc'd (NULL when absent). */
int pv__nn_ckpt_read_meta(pv_h5 *f, const char *path, pv_nn_checkpoint_meta *meta);
/* Attribute optimizer = "adam", adam_steps, adam_lr and /adam/m, /adam/v. */
int pv__nn_ckpt_write_adam(pv_h5 *f, pv_nn_adam *a, const pv_nn_param *ps, int np);
/* Adam's moments (packed as the parameters), steps and learning rate. */
int pv__nn_ckpt_read_adam(pv_h5 *f, const char *path, const pv_nn_param *ps, int np, float *m,
                          float *v, int64_t *steps, double *lr);
/* Apply what pv__nn_ckpt_read_adam read (cannot fail). */
void pv__nn_ckpt_commit_adam(pv_nn_adam *a, const pv_nn_param *ps, int np, const float *m,
                             const float *v, int64_t steps, double lr);
#endif
