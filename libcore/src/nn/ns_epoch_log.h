/* ns_epoch_log.h - what both Navier-Stokes training loops (ns_train.c for
 * FNO-2D, ns_train_st.c for FNO-3D/SFNO) record per epoch: wall time,
 * train loss and test error curves, the metrics CSV rewritten atomically
 * after every epoch, a log line; and the run's configuration JSON stored
 * in checkpoints. Not installed. */
#ifndef PV_NN_NS_EPOCH_LOG_H
#define PV_NN_NS_EPOCH_LOG_H
#include <parseval/ctx.h>
#include <parseval/nn.h>

typedef struct pv__nn_epoch_log {
  pv_ctx *ctx;          /* borrowed, for pv_log */
  const char *csv_path; /* borrowed; NULL: no CSV file */
  char *csv;            /* metrics text so far */
  size_t csv_len;
  double *times, *tc, *ec; /* [epochs + 1] seconds, train loss, test error */
  int ran;                 /* epochs recorded */
} pv__nn_epoch_log;

/* Monotonic clock, seconds. */
double pv__nn_now_s(void);
/* Buffers for up to `epochs` epochs and the CSV header. */
int pv__nn_epoch_log_init(pv__nn_epoch_log *l, pv_ctx *ctx, const char *csv_path, int epochs);
/* Record epoch e (0-based) and rewrite the CSV. */
int pv__nn_epoch_log_add(pv__nn_epoch_log *l, int e, double lr, double loss, double test, double seconds);
/* Final loss, test error, median epoch time and the curves (moved) into res. */
void pv__nn_epoch_log_result(pv__nn_epoch_log *l, double loss, double test, pv_nn_ns_train_result *res);
void pv__nn_epoch_log_free(pv__nn_epoch_log *l);
/* The options as the JSON configuration recorded in checkpoints. */
void pv__nn_train_config_json(char *buf, size_t cap, const char *path, const pv_nn_ns_train_options *o);
#endif
