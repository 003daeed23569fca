/* ns_epoch_log.c - per-epoch records of the training loops (ns_epoch_log.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/fileout.h>
#include "nn/ns_epoch_log.h"

double pv__nn_now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int csv_append(pv__nn_epoch_log *l, const char *line) {
  const size_t n = strlen(line);
  char *t = pv_malloc(l->csv_len + n + 1);
  if (!t) return PV_ERROR(PV_ENOMEM, "metrics text");
  if (l->csv_len) memcpy(t, l->csv, l->csv_len);
  memcpy(t + l->csv_len, line, n + 1);
  pv_free(l->csv);
  l->csv = t;
  l->csv_len += n;
  return l->csv_path ? pv_file_write_atomic(l->csv_path, l->csv, l->csv_len, 1) : PV_OK;
}

int pv__nn_epoch_log_init(pv__nn_epoch_log *l, pv_ctx *ctx, const char *csv_path, int epochs) {
  memset(l, 0, sizeof *l);
  l->ctx = ctx, l->csv_path = csv_path;
  l->times = pv_calloc((size_t)epochs + 1, sizeof *l->times);
  l->tc = pv_calloc((size_t)epochs + 1, sizeof *l->tc);
  l->ec = pv_calloc((size_t)epochs + 1, sizeof *l->ec);
  if (!l->times || !l->tc || !l->ec) return PV_ERROR(PV_ENOMEM, "training curves of %d epochs", epochs);
  return csv_append(l, "epoch,lr,train_loss,test_rel_l2,seconds\n");
}

int pv__nn_epoch_log_add(pv__nn_epoch_log *l, int e, double lr, double loss, double test, double seconds) {
  l->times[l->ran] = seconds, l->tc[l->ran] = loss, l->ec[l->ran] = test;
  l->ran++;
  char line[160];
  snprintf(line, sizeof line, "%d,%.6g,%.6g,%.6g,%.3f\n", e + 1, lr, loss, test, seconds);
  pv_log(l->ctx, PV_LOG_INFO, "nn", "epoch %d: loss %.5g test %.5g (%.1f s)", e + 1, loss, test, seconds);
  return csv_append(l, line);
}

void pv__nn_epoch_log_result(pv__nn_epoch_log *l, double loss, double test, pv_nn_ns_train_result *res) {
  double *t = l->times;
  for (int a = 1; a < l->ran; a++) /* insertion sort for the median */
    for (int b = a; b > 0 && t[b] < t[b - 1]; b--) {
      double tmp = t[b];
      t[b] = t[b - 1], t[b - 1] = tmp;
    }
  res->train_loss = loss;
  res->test_rel_l2 = test;
  res->median_epoch_s = l->ran ? t[l->ran / 2] : 0;
  res->epochs_run = l->ran;
  res->train_curve = l->tc;
  res->test_curve = l->ec;
  l->tc = l->ec = NULL;
}

void pv__nn_epoch_log_free(pv__nn_epoch_log *l) {
  pv_free(l->csv);
  pv_free(l->times);
  pv_free(l->tc);
  pv_free(l->ec);
  memset(l, 0, sizeof *l);
}

void pv__nn_train_config_json(char *buf, size_t cap, const char *path, const pv_nn_ns_train_options *o) {
  /* plain runs keep the text they always had: "normalize" only when set */
  snprintf(buf, cap,
           "{\"data\": \"%.200s\", \"ntrain\": %d, \"ntest\": %d, \"t0\": %d, \"t_out\": %d, "
           "\"epochs\": %d, \"batch\": %d, \"lr\": %g, \"weight_decay\": %g, \"adamw\": %d, "
           "\"step_size\": %d, \"gamma\": %g, \"seed\": %llu, \"optimizer\": %d%s}",
           path, o->ntrain, o->ntest, o->t0, o->t_out, o->epochs, o->batch, o->lr, o->weight_decay, o->decoupled,
           o->step_size, o->gamma, (unsigned long long)o->seed, o->optimizer,
           o->normalize == PV_NN_NORM_GAUSSIAN ? ", \"normalize\": \"gaussian\"" : "");
  for (char *p = buf; *p; p++)
    if (*p == '\\') *p = '/';
}
