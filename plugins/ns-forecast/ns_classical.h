/* ns_classical.h - the classical baseline of `eval --classical`: the
 * pseudo-spectral solver (parseval/ns.h) run from each test sample's last
 * input snapshot over the forecast horizon, scored like the model. */
#ifndef NS_CLASSICAL_H
#define NS_CLASSICAL_H

#include <parseval/parseval.h>
#include <parseval/json.h>
#include <parseval/ns.h>

typedef struct ns_classical {
  /* settings: the dataset's unless overridden */
  const char *scheme;   /* NULL or "dataset": the dataset's scheme */
  double dt;            /* 0: the dataset's step (or its CFL rule) */
  /* results */
  pv_ns_scheme used_scheme;
  double used_dt;       /* 0 when the dataset's CFL rule chose the steps */
  pv_dtype precision;   /* the dataset's */
  int stride;           /* the dataset's: > 1 means the data were solved on a finer grid */
  int64_t steps;        /* solver steps per sample */
  double err;           /* whole-trajectory relative L2 averaged over samples */
  double *step_err;     /* t_out per-step relative L2 averaged over samples (pv_malloc'd) */
  double sec_per_sample;/* wall time of the solves (reading excluded) */
} ns_classical;

/* Samples [first, first + count) of the dataset at path: start at time
 * slice t_last (the last input snapshot), advance t_out recording intervals,
 * compare with slices t_last + 1 .. t_last + t_out. Errors name the file
 * and attribute. Free c->step_err with pv_free. */
int ns_classical_run(pv_ctx *ctx, const char *path, int first, int count, int t_last, int t_out,
                     ns_classical *c);

/* The "classical" member of the eval report. */
void ns_classical_json(pv_json *js, const ns_classical *c, int t_out);
/* Side-by-side table on stdout: per step, overall, seconds per sample. */
void ns_classical_print(const ns_classical *c, const double *fno_step, double fno_err,
                        double fno_sec, int t_out);

#endif
