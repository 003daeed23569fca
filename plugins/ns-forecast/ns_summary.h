/* ns_summary.h - JSON summary of an NS dataset (energy and enstrophy over
 * time) and the step-halving error estimate. */
#ifndef NS_SUMMARY_H
#define NS_SUMMARY_H

#include <parseval/ns.h>

typedef struct ns_error_estimate {
  double diff;       /* ||w_dt - w_dt/2|| / ||w_dt/2||, L2 over t >= dt_record, sample 0 */
  double richardson; /* diff * 2^p / (2^p - 1): estimated error of the dt run */
  int order;         /* p, the scheme's order */
} ns_error_estimate;

/* Relative L2 difference of sample 0 of two datasets over time slices >= 1. */
int ns_summary_compare(const char *a, const char *b, ns_error_estimate *e);
/* Write the summary of dataset `file` to `path` (atomic). est may be NULL;
 * provenance_json (may be NULL) is embedded. */
int ns_summary_write(const char *file, const char *path, int overwrite,
                     const pv_ns_dataset_options *o, const ns_error_estimate *est,
                     const char *provenance_json);

#endif
