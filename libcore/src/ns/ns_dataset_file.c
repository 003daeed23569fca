/* ns_dataset_file.c - the NS dataset file (layout in parseval/ns.h) through
 * parseval/h5.h: creation with its metadata, the layout check before
 * resuming, records and done flags written block by block. */
#include "ns_dataset_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <parseval/alloc.h>
#include <parseval/error.h>

#define NS_FORMAT "parseval-ns-dataset"

typedef struct ds_attr {
  const char *name;
  double value;
} ds_attr;

enum { NUM_ATTRS = 14 };

static void layout_numbers(const pv_ns_dataset_options *o, ds_attr a[NUM_ATTRS]) {
  const pv_ns_options *s = &o->solver;
  ds_attr v[NUM_ATTRS] = {
      {"version", 1}, {"n", s->n}, {"stride", o->stride}, {"samples", o->samples},
      {"nt", o->nt}, {"dt_record", o->dt_record}, {"warmup", o->warmup}, {"nu", s->nu},
      {"dt", s->dt}, {"cfl", s->dt == 0 ? s->cfl : 0}, {"dt_max", s->dt == 0 ? s->dt_max : 0},
      {"batch", o->batch}, {"grf_alpha", 2.5}, {"grf_tau", 7.0}};
  memcpy(a, v, sizeof v);
}

static void layout_strings(const pv_ns_dataset_options *o, char seed[32], const char *s[4][2]) {
  snprintf(seed, 32, "%llu", (unsigned long long)o->seed);
  s[0][0] = "scheme";
  s[0][1] = pv_ns_scheme_name(o->solver.scheme);
  s[1][0] = "precision";
  s[1][1] = pv_dtype_name(o->solver.precision);
  s[2][0] = "forcing";
  s[2][1] = o->solver.forcing == PV_NS_FORCING_FNO ? "fno" : "none";
  s[3][0] = "seed";
  s[3][1] = seed;
}

/* String attribute `name` of the root equals want (PV_EFORMAT naming it otherwise). */
static int check_string(pv_h5 *f, const char *file, const char *name, const char *want) {
  char *got = NULL;
  int rc = pv_h5_get_attr_string(f, "/", name, &got);
  if (rc) rc = PV_ERROR(PV_EFORMAT, "%s: attribute %s missing or not a string", file, name);
  else if (strcmp(got, want) != 0)
    rc = PV_ERROR(PV_EFORMAT, "%s: cannot resume, attribute %s is '%.200s' in the file but '%s' "
                  "was requested", file, name, got, want);
  pv_free(got);
  return rc;
}

/* Refuse a file whose layout differs from the request (nothing is written). */
static int check_layout(pv_h5 *f, const char *file, const pv_ns_dataset_options *o) {
  char *fmt = NULL;
  int bad = pv_h5_get_attr_string(f, "/", "format", &fmt) || strcmp(fmt, NS_FORMAT) != 0;
  pv_free(fmt);
  if (bad) return PV_ERROR(PV_EFORMAT, "%s: not a parseval NS dataset (attribute format)", file);
  ds_attr a[NUM_ATTRS];
  layout_numbers(o, a);
  for (int i = 0; i < NUM_ATTRS; i++) {
    double v;
    if (pv_h5_get_attr_double(f, "/", a[i].name, &v))
      return PV_ERROR(PV_EFORMAT, "%s: attribute %s missing or not a number", file, a[i].name);
    if (v != a[i].value)
      return PV_ERROR(PV_EFORMAT, "%s: cannot resume, attribute %s is %.17g in the file but %.17g "
                      "was requested", file, a[i].name, v, a[i].value);
  }
  char seed[32];
  const char *s[4][2];
  layout_strings(o, seed, s);
  int rc = PV_OK;
  for (int i = 0; i < 4 && !rc; i++) rc = check_string(f, file, s[i][0], s[i][1]);
  /* the datasets the run writes into, with the requested shapes */
  size_t shape[PV_MAX_DIMS];
  int nd = 0, r = o->solver.n / o->stride;
  if (!rc && (pv_h5_dataset_info(f, "vorticity", NULL, &nd, shape) || nd != 4 ||
              shape[0] != (size_t)o->samples || shape[1] != (size_t)o->nt + 1 ||
              shape[2] != (size_t)r || shape[3] != (size_t)r))
    rc = PV_ERROR(PV_EFORMAT, "%s: dataset vorticity missing or not [%d, %d, %d, %d]", file,
                  o->samples, o->nt + 1, r, r);
  if (!rc && (pv_h5_dataset_info(f, "done", NULL, &nd, shape) || nd != 1 ||
              shape[0] != (size_t)o->samples))
    rc = PV_ERROR(PV_EFORMAT, "%s: dataset done missing or not [%d]", file, o->samples);
  return rc;
}

static int write_attrs(pv_h5 *f, const pv_ns_dataset_options *o) {
  ds_attr a[NUM_ATTRS];
  layout_numbers(o, a);
  int rc = pv_h5_set_attr_string(f, "/", "format", NS_FORMAT);
  for (int i = 0; i < NUM_ATTRS && !rc; i++) rc = pv_h5_set_attr_double(f, "/", a[i].name, a[i].value);
  char seed[32];
  const char *s[4][2];
  layout_strings(o, seed, s);
  for (int i = 0; i < 4 && !rc; i++) rc = pv_h5_set_attr_string(f, "/", s[i][0], s[i][1]);
  if (!rc && o->provenance_json) rc = pv_h5_set_attr_string(f, "/", "provenance", o->provenance_json);
  return rc;
}

/* Small datasets written at creation: seed, time, forcing at the recorded grid. */
static int write_meta(pv_h5 *f, const pv_ns_dataset_options *o, int r) {
  size_t S = (size_t)o->samples, T = (size_t)o->nt + 1, R = (size_t)r;
  uint64_t *seeds = pv_malloc(S * sizeof *seeds);
  double *t = pv_malloc(T * sizeof *t), *fr = pv_malloc(R * R * sizeof *fr);
  int rc = (!seeds || !t || !fr) ? PV_ERROR(PV_ENOMEM, "NS dataset metadata") : PV_OK;
  if (!rc) {
    for (size_t i = 0; i < S; i++) seeds[i] = o->seed + i;
    for (size_t k = 0; k < T; k++) t[k] = (double)k * o->dt_record;
    for (size_t i = 0; i < R; i++)
      for (size_t j = 0; j < R; j++) {
        double a = 2 * M_PI * ((double)(i * (size_t)o->stride) + (double)(j * (size_t)o->stride)) /
                   o->solver.n;
        fr[i * R + j] = o->solver.forcing == PV_NS_FORCING_FNO ? 0.1 * (sin(a) + cos(a)) : 0.0;
      }
    size_t dt_[1] = {T}, df[2] = {R, R};
    pv_view vt, vf;
    rc = pv_h5_write_u64(f, "seed", seeds, S);
    if (!rc) rc = pv_view_init(&vt, t, PV_F64, 1, dt_);
    if (!rc) rc = pv_h5_write_dataset(f, "time", &vt, NULL);
    if (!rc) rc = pv_view_init(&vf, fr, PV_F64, 2, df);
    if (!rc) rc = pv_h5_write_dataset(f, "forcing", &vf, NULL);
  }
  pv_free(seeds);
  pv_free(t);
  pv_free(fr);
  return rc;
}

/* Create file (written aside and renamed by pv_h5_commit) with its empty
 * datasets and metadata, then reopen it read-write. */
static int create_file(const char *file, const pv_ns_dataset_options *o, int r, pv_h5 **out) {
  pv_h5 *f = NULL;
  int rc = pv_h5_create(file, 0, &f);
  if (rc) return rc;
  size_t dims[4] = {(size_t)o->samples, (size_t)o->nt + 1, (size_t)r, (size_t)r};
  size_t dd[1] = {(size_t)o->samples};
  pv_h5_dataset_opts co = PV_H5_DATASET_OPTS_INIT;
  co.chunk[0] = co.chunk[1] = 1;
  co.chunk[2] = co.chunk[3] = (size_t)r; /* one snapshot per chunk */
  rc = pv_h5_create_dataset(f, "vorticity", o->solver.precision, 4, dims, &co);
  if (!rc) rc = pv_h5_create_dataset(f, "done", PV_U8, 1, dd, NULL);
  if (!rc) rc = write_meta(f, o, r);
  if (!rc) rc = write_attrs(f, o);
  if (rc) {
    pv_h5_close(&f);
    return rc;
  }
  rc = pv_h5_commit(&f);
  if (!rc) rc = pv_h5_open_rw(file, out);
  return rc;
}

static int file_exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0;
}

int pv_ns_dataset_open_partial(const char *part, const pv_ns_dataset_options *o, int r, pv_h5 **f) {
  *f = NULL;
  if (!file_exists(part)) return create_file(part, o, r, f);
  pv_h5 *h = NULL; /* check read-only first: a refused file is never opened for writing */
  int rc = pv_h5_open(part, &h);
  if (rc == PV_EFORMAT)
    return PV_ERROR(PV_EFORMAT, "%s: exists but is not a readable HDF5 file; remove it to start over",
                    part);
  if (!rc) rc = check_layout(h, part, o);
  pv_h5_close(&h);
  if (rc) return rc;
  return pv_h5_open_rw(part, f);
}

int pv_ns_dataset_write_record(pv_h5 *f, int sample, int k, int r, const double *w) {
  size_t off[4] = {(size_t)sample, (size_t)k, 0, 0}, cnt[4] = {1, 1, (size_t)r, (size_t)r};
  pv_view v;
  int rc = pv_view_init(&v, (void *)w, PV_F64, 4, cnt);
  return rc ? rc : pv_h5_write_slab(f, "vorticity", off, &v);
}

int pv_ns_dataset_done_io(pv_h5 *f, int first, int cnt, unsigned char *fl, int write) {
  size_t off[1] = {(size_t)first}, c[1] = {(size_t)cnt};
  pv_view v;
  int rc = pv_view_init(&v, fl + first, PV_U8, 1, c);
  if (rc) return rc;
  rc = write ? pv_h5_write_slab(f, "done", off, &v) : pv_h5_read_slab(f, "done", off, &v);
  if (!rc && write) rc = pv_h5_flush(f);
  return rc;
}

int pv_ns_dataset_sample_io(pv_h5 *f, int s, int times, int r, double *buf, int write) {
  size_t off[4] = {(size_t)s, 0, 0, 0}, cnt[4] = {1, (size_t)times, (size_t)r, (size_t)r};
  pv_view v;
  int rc = pv_view_init(&v, buf, PV_F64, 4, cnt);
  if (rc) return rc;
  return write ? pv_h5_write_slab(f, "vorticity", off, &v) : pv_h5_read_slab(f, "vorticity", off, &v);
}
