/* ns_dataset_internal.h - pieces of the dataset writer (ns_dataset.c) that
 * the slab-decomposed generator (ns_dataset_slab.c) shares. */
#ifndef PV_NS_DATASET_INTERNAL_H
#define PV_NS_DATASET_INTERNAL_H

#include <parseval/h5.h>

#include "ns_internal.h"

/* PV_EINVAL naming the first bad dataset option (solver options apart). */
int pv_ns_dataset_check_options(const pv_ns_dataset_options *o);
/* Open PATH.partial (part) to resume after checking its layout (read-only
 * first: a refused file is left untouched), or create it with r x r
 * records; *f open read-write (ns_dataset_file.c). */
int pv_ns_dataset_open_partial(const char *part, const pv_ns_dataset_options *o, int r, pv_h5 **f);
/* Snapshot k of sample (r x r doubles) into /vorticity. */
int pv_ns_dataset_write_record(pv_h5 *f, int sample, int k, int r, const double *w);
/* Done flags fl[first, first + cnt) read from / written to /done (a write
 * is flushed to disk). */
int pv_ns_dataset_done_io(pv_h5 *f, int first, int cnt, unsigned char *fl, int write);
/* All snapshots of sample s (times x r x r doubles) read into / written from buf. */
int pv_ns_dataset_sample_io(pv_h5 *f, int s, int times, int r, double *buf, int write);
/* path + suffix (+ k when k >= 0), pv_malloc'd; NULL when out of memory. */
char *pv_ns_dataset_suffixed(const char *path, const char *suffix, int k);
/* pv_ns_dataset_generate with o->distributed over several ranks. */
int pv_ns_dataset_generate_slabs(pv_ctx *ctx, const char *path, const pv_ns_dataset_options *o);

#endif
