/* ns_dataset.c - resumable batched dataset generation to HDF5 (layout in
 * parseval/ns.h). Samples are computed in fixed blocks of `batch` samples
 * (block g = samples [g B, (g+1) B)), so a CFL-chosen step, which is shared
 * by a block, never depends on which samples an interrupted run had done. */
#include "ns_h5.h"
#include "ns_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/fileout.h>

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

/* Refuse a file whose layout differs from the request (nothing is written). */
static int check_layout(hid_t f, const char *file, const pv_ns_dataset_options *o) {
  char buf[256], seed[32];
  if (pv_ns_h5_attr_get_string(f, "format", buf, sizeof buf) || strcmp(buf, NS_FORMAT) != 0)
    return PV_ERROR(PV_EFORMAT, "%s: not a parseval NS dataset (attribute format)", file);
  ds_attr a[NUM_ATTRS];
  layout_numbers(o, a);
  for (int i = 0; i < NUM_ATTRS; i++) {
    double v;
    if (pv_ns_h5_attr_get_double(f, a[i].name, &v))
      return PV_ERROR(PV_EFORMAT, "%s: attribute %s missing or not a number", file, a[i].name);
    if (v != a[i].value)
      return PV_ERROR(PV_EFORMAT, "%s: cannot resume, attribute %s is %.17g in the file but %.17g "
                      "was requested", file, a[i].name, v, a[i].value);
  }
  const char *s[4][2];
  layout_strings(o, seed, s);
  for (int i = 0; i < 4; i++) {
    if (pv_ns_h5_attr_get_string(f, s[i][0], buf, sizeof buf))
      return PV_ERROR(PV_EFORMAT, "%s: attribute %s missing or not a string", file, s[i][0]);
    if (strcmp(buf, s[i][1]) != 0)
      return PV_ERROR(PV_EFORMAT, "%s: cannot resume, attribute %s is '%s' in the file but '%s' "
                      "was requested", file, s[i][0], buf, s[i][1]);
  }
  return PV_OK;
}

static int write_attrs(hid_t f, const pv_ns_dataset_options *o) {
  ds_attr a[NUM_ATTRS];
  layout_numbers(o, a);
  int rc = pv_ns_h5_attr_put_string(f, "format", NS_FORMAT);
  for (int i = 0; i < NUM_ATTRS && !rc; i++) rc = pv_ns_h5_attr_put_double(f, a[i].name, a[i].value);
  char seed[32];
  const char *s[4][2];
  layout_strings(o, seed, s);
  for (int i = 0; i < 4 && !rc; i++) rc = pv_ns_h5_attr_put_string(f, s[i][0], s[i][1]);
  if (!rc && o->provenance_json)
    rc = pv_ns_h5_attr_put_string(f, "provenance", o->provenance_json);
  return rc;
}

static int make_dataset(hid_t f, const char *name, hid_t type, int rank, const hsize_t *dims,
                        const hsize_t *chunk) {
  hid_t sp = H5Screate_simple(rank, dims, NULL), pl = H5Pcreate(H5P_DATASET_CREATE);
  if (chunk) H5Pset_chunk(pl, rank, chunk);
  hid_t d = H5Dcreate2(f, name, type, sp, H5P_DEFAULT, pl, H5P_DEFAULT);
  H5Pclose(pl);
  H5Sclose(sp);
  if (d < 0) return PV_ERROR(PV_EIO, "HDF5: cannot create dataset %s", name);
  H5Dclose(d);
  return PV_OK;
}

/* Small datasets written at creation: seed, time, forcing at the recorded grid. */
static int write_meta(hid_t f, const pv_ns_dataset_options *o, int r) {
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
    hsize_t d1[1] = {S}, dt[1] = {T}, df[2] = {R, R}, z[2] = {0, 0};
    rc = make_dataset(f, "seed", H5T_STD_U64LE, 1, d1, NULL);
    if (!rc) rc = make_dataset(f, "time", H5T_IEEE_F64LE, 1, dt, NULL);
    if (!rc) rc = make_dataset(f, "forcing", H5T_IEEE_F64LE, 2, df, NULL);
    hid_t d;
    if (!rc && (d = H5Dopen2(f, "seed", H5P_DEFAULT)) >= 0) {
      rc = pv_ns_h5_write_block(d, 1, z, d1, H5T_NATIVE_UINT64, seeds);
      H5Dclose(d);
    }
    if (!rc && (d = H5Dopen2(f, "time", H5P_DEFAULT)) >= 0) {
      rc = pv_ns_h5_write_block(d, 1, z, dt, H5T_NATIVE_DOUBLE, t);
      H5Dclose(d);
    }
    if (!rc && (d = H5Dopen2(f, "forcing", H5P_DEFAULT)) >= 0) {
      rc = pv_ns_h5_write_block(d, 2, z, df, H5T_NATIVE_DOUBLE, fr);
      H5Dclose(d);
    }
  }
  pv_free(seeds);
  pv_free(t);
  pv_free(fr);
  return rc;
}

static int create_file(const char *file, const pv_ns_dataset_options *o, int r, hid_t *out) {
  hid_t f = H5Fcreate(file, H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT);
  if (f < 0) return PV_ERROR(PV_EIO, "%s: cannot create HDF5 file", file);
  hsize_t dims[4] = {(hsize_t)o->samples, (hsize_t)o->nt + 1, (hsize_t)r, (hsize_t)r};
  hsize_t chunk[4] = {1, 1, (hsize_t)r, (hsize_t)r}, dd[1] = {(hsize_t)o->samples};
  hid_t ft = o->solver.precision == PV_F32 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE;
  int rc = make_dataset(f, "vorticity", ft, 4, dims, chunk);
  if (!rc) rc = make_dataset(f, "done", H5T_STD_U8LE, 1, dd, NULL);
  if (!rc) rc = write_meta(f, o, r);
  if (!rc) rc = write_attrs(f, o);
  if (rc || H5Fflush(f, H5F_SCOPE_GLOBAL) < 0) {
    H5Fclose(f);
    remove(file);
    return rc ? rc : PV_ERROR(PV_EIO, "%s: cannot flush", file);
  }
  *out = f;
  return PV_OK;
}

static int check_options(const pv_ns_dataset_options *o) {
  if (!o || o->struct_size < sizeof *o)
    return PV_ERROR(PV_EINVAL, "pv_ns_dataset_options: bad struct_size");
  if (o->samples < 1) return PV_ERROR(PV_EINVAL, "NS dataset: samples = %d must be >= 1", o->samples);
  if (o->nt < 1) return PV_ERROR(PV_EINVAL, "NS dataset: nt = %d must be >= 1", o->nt);
  if (!(o->dt_record > 0) || !isfinite(o->dt_record))
    return PV_ERROR(PV_EINVAL, "NS dataset: dt_record = %g must be > 0", o->dt_record);
  if (!(o->warmup >= 0) || !isfinite(o->warmup))
    return PV_ERROR(PV_EINVAL, "NS dataset: warmup = %g must be >= 0", o->warmup);
  if (o->stride < 1 || o->solver.n % o->stride)
    return PV_ERROR(PV_EINVAL, "NS dataset: stride %d must divide n = %d", o->stride, o->solver.n);
  if (o->batch < 1) return PV_ERROR(PV_EINVAL, "NS dataset: batch = %d must be >= 1", o->batch);
  int b = o->sample_begin, e = o->sample_end;
  if (!(b == 0 && e == 0) && (b < 0 || e > o->samples || b >= e || b % o->batch))
    return PV_ERROR(PV_EINVAL, "NS dataset: sample range [%d, %d) must lie in [0, %d) and start "
                    "at a multiple of batch %d", b, e, o->samples, o->batch);
  double dt = o->solver.dt;
  if (dt > 0) {
    double q = o->dt_record / dt, w = o->warmup / dt;
    if (fabs(q - llround(q)) > 1e-9 * q || (o->warmup > 0 && fabs(w - llround(w)) > 1e-9 * w))
      return PV_ERROR(PV_EINVAL, "NS dataset: dt_record %g and warmup %g must be multiples of dt %g",
                      o->dt_record, o->warmup, dt);
  }
  return PV_OK;
}

static int file_exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0;
}

/* Open PATH.partial for resuming or create it. */
static int open_partial(const char *part, const pv_ns_dataset_options *o, int r, hid_t *f) {
  if (!file_exists(part)) return create_file(part, o, r, f);
  if (H5Fis_hdf5(part) <= 0)
    return PV_ERROR(PV_EFORMAT, "%s: exists but is not an HDF5 file; remove it to start over", part);
  hid_t h = H5Fopen(part, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (h < 0) return PV_ERROR(PV_EIO, "%s: cannot open", part);
  int rc = check_layout(h, part, o);
  H5Fclose(h);
  if (rc) return rc;
  *f = H5Fopen(part, H5F_ACC_RDWR, H5P_DEFAULT);
  return *f < 0 ? PV_ERROR(PV_EIO, "%s: cannot open for writing", part) : PV_OK;
}

typedef struct gen_state {
  pv_ctx *ctx;
  const pv_ns_dataset_options *o;
  pv_ns_solver *s;
  hid_t file, vort, done;
  int r;
  double *full, *small;
  unsigned char *flags;
  int ndone, total;
  int rank, nranks;
  const unsigned char *main_flags; /* MPI: samples already in the main file */
} gen_state;

static int record(gen_state *g, int b, int sample, int k) {
  int rc = pv_ns_get_vorticity(g->s, b, g->full);
  if (rc) return rc;
  rc = pv_spectral_downsample(2, (int[]){g->o->solver.n, g->o->solver.n}, g->full,
                              (int[]){g->o->stride, g->o->stride}, g->small);
  if (rc) return rc;
  hsize_t off[4] = {(hsize_t)sample, (hsize_t)k, 0, 0}, cnt[4] = {1, 1, (hsize_t)g->r, (hsize_t)g->r};
  return pv_ns_h5_write_block(g->vort, 4, off, cnt, H5T_NATIVE_DOUBLE, g->small);
}

/* Samples [first, first + cnt) as one block; the solver has room for batch. */
static int run_block(gen_state *g, int first, int cnt) {
  const pv_ns_dataset_options *o = g->o;
  int B = o->batch, rc = PV_OK;
  for (int b = 0; b < B && !rc; b++) {
    if (b < cnt) rc = pv_ns_set_grf(g->s, b, o->seed + (uint64_t)(first + b), (uint64_t)(first + b));
    else {
      memset(g->full, 0, sizeof(double) * (size_t)o->solver.n * (size_t)o->solver.n);
      rc = pv_ns_set_vorticity(g->s, b, g->full);
    }
  }
  if (!rc && o->warmup > 0) rc = pv_ns_advance(g->s, o->warmup, NULL);
  for (int k = 0; k <= o->nt && !rc; k++) {
    if (k > 0) rc = pv_ns_advance(g->s, o->dt_record, NULL);
    for (int b = 0; b < cnt && !rc; b++) rc = record(g, b, first + b, k);
    if (!rc) {
      char msg[64];
      snprintf(msg, sizeof msg, "samples %d-%d", first, first + cnt - 1);
      double frac = (g->ndone + cnt * (double)k / o->nt) / g->total;
      rc = pv_ctx_progress(g->ctx, frac, msg);
    }
  }
  if (rc) return rc;
  for (int b = 0; b < cnt; b++) g->flags[first + b] = 1;
  hsize_t off[1] = {(hsize_t)first}, c[1] = {(hsize_t)cnt};
  rc = pv_ns_h5_write_block(g->done, 1, off, c, H5T_NATIVE_UINT8, g->flags + first);
  if (!rc && H5Fflush(g->file, H5F_SCOPE_GLOBAL) < 0) rc = PV_ERROR(PV_EIO, "HDF5 flush failed");
  g->ndone += cnt;
  return rc;
}

static int run_blocks(gen_state *g, int begin, int end) {
  const pv_ns_dataset_options *o = g->o;
  int rc = PV_OK;
  for (int first = begin; first < end && !rc; first += o->batch) {
    if ((first / o->batch) % g->nranks != g->rank) continue; /* another rank's block */
    int cnt = end - first < o->batch ? end - first : o->batch, todo = 0;
    for (int b = 0; b < cnt; b++) todo |= !g->flags[first + b];
    if (!todo) continue;
    if (!g->s) {
      pv_ns_options so = o->solver;
      so.batch = o->batch;
      rc = pv_ns_solver_create(g->ctx, &so, &g->s);
      if (rc) return rc;
    }
    rc = run_block(g, first, cnt);
  }
  return rc;
}

static int generate_in(gen_state *g, const char *part, int begin, int end) {
  const pv_ns_dataset_options *o = g->o;
  int rc = open_partial(part, o, g->r, &g->file);
  if (rc) return rc;
  g->vort = H5Dopen2(g->file, "vorticity", H5P_DEFAULT);
  g->done = H5Dopen2(g->file, "done", H5P_DEFAULT);
  size_t N = (size_t)o->solver.n * (size_t)o->solver.n;
  g->full = pv_malloc(N * sizeof(double));
  g->small = pv_malloc((size_t)g->r * (size_t)g->r * sizeof(double));
  g->flags = pv_calloc((size_t)o->samples, 1);
  if (g->vort < 0 || g->done < 0) rc = PV_ERROR(PV_EFORMAT, "%s: vorticity or done missing", part);
  else if (!g->full || !g->small || !g->flags) rc = PV_ERROR(PV_ENOMEM, "NS dataset buffers");
  hsize_t z[1] = {0}, c[1] = {(hsize_t)o->samples};
  if (!rc) rc = pv_ns_h5_read_block(g->done, 1, z, c, H5T_NATIVE_UINT8, g->flags);
  if (!rc && g->main_flags)
    for (int i = 0; i < o->samples; i++) g->flags[i] |= g->main_flags[i];
  for (int i = 0; i < o->samples && !rc; i++) g->ndone += g->flags[i] != 0;
  if (!rc && g->ndone)
    pv_log(g->ctx, PV_LOG_INFO, "ns", "%s: resuming, %d of %d samples already done", part,
           g->ndone, o->samples);
  if (!rc) rc = run_blocks(g, begin, end);
  return rc;
}

static void gen_close(gen_state *g) {
  pv_ns_solver_destroy(&g->s);
  if (g->vort >= 0) H5Dclose(g->vort);
  if (g->done >= 0) H5Dclose(g->done);
  if (g->file >= 0) H5Fclose(g->file);
  pv_free(g->full);
  pv_free(g->small);
  pv_free(g->flags);
}

static char *suffixed(const char *path, const char *suffix, int k) {
  size_t len = strlen(path) + strlen(suffix) + 16;
  char *p = pv_malloc(len);
  if (p) {
    if (k >= 0) snprintf(p, len, "%s%s%d", path, suffix, k);
    else snprintf(p, len, "%s%s", path, suffix);
  }
  return p;
}

/* Done flags of an existing main .partial (all zero when absent or foreign). */
static void main_done_flags(const char *part, int samples, unsigned char *fl) {
  memset(fl, 0, (size_t)samples);
  if (!file_exists(part) || H5Fis_hdf5(part) <= 0) return;
  hid_t f = H5Fopen(part, H5F_ACC_RDONLY, H5P_DEFAULT);
  hid_t d = f < 0 ? -1 : H5Dopen2(f, "done", H5P_DEFAULT);
  hsize_t z[1] = {0}, c[1] = {(hsize_t)samples};
  if (d >= 0 && pv_ns_h5_read_block(d, 1, z, c, H5T_NATIVE_UINT8, fl)) memset(fl, 0, (size_t)samples);
  if (d >= 0) H5Dclose(d);
  if (f >= 0) H5Fclose(f);
  pv_error_clear();
}

/* Generate this rank's blocks into `file`; returns the status. */
static int generate_file(pv_ctx *ctx, const pv_ns_dataset_options *o, const char *file,
                         int rank, int nranks, const unsigned char *main_flags, int *ndone) {
  gen_state g = {ctx, o, NULL, -1, -1, -1, o->solver.n / o->stride, NULL, NULL, NULL, 0,
                 o->samples, rank, nranks, main_flags};
  int begin = o->sample_begin, end = o->sample_end;
  if (begin == 0 && end == 0) end = o->samples;
  int rc = generate_in(&g, file, begin, end);
  *ndone = g.ndone;
  gen_close(&g);
  return rc;
}

int pv_ns_dataset_generate(pv_ctx *ctx, const char *path, int overwrite,
                           const pv_ns_dataset_options *o) {
  if (!path) return PV_ERROR(PV_EINVAL, "pv_ns_dataset_generate: path is NULL");
  int rc = check_options(o);
  if (!rc) rc = pv_ns_options_check(&o->solver); /* before any file is touched */
  if (!rc) rc = pv_output_check(path, overwrite);
  if (rc) return rc;
  int nranks = ctx ? pv_ctx_nranks(ctx) : 1;
  if (nranks > 1) return pv_ns_dataset_generate_ranks(ctx, path, o);
  char *part = suffixed(path, ".partial", -1);
  if (!part) return PV_ERROR(PV_ENOMEM, "NS dataset path");
  int ndone = 0;
  rc = generate_file(ctx, o, part, 0, 1, NULL, &ndone);
  if (!rc && ndone == o->samples && rename(part, path) != 0)
    rc = PV_ERROR(PV_EIO, "cannot rename %s to %s", part, path);
  pv_free(part);
  return rc;
}

/* ---- MPI: blocks of samples split over ranks ------------------------- */

/* Copy the done samples of `src` that `dst` lacks; counts dst's done ones. */
static int merge_part(hid_t dst, const char *src, int samples, int r, unsigned char *dfl,
                      double *buf, size_t per) {
  if (!file_exists(src)) return PV_OK;
  hid_t f = H5Fopen(src, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) return PV_ERROR(PV_EIO, "%s: cannot open", src);
  hid_t sv = H5Dopen2(f, "vorticity", H5P_DEFAULT), sd = H5Dopen2(f, "done", H5P_DEFAULT);
  hid_t dv = H5Dopen2(dst, "vorticity", H5P_DEFAULT), dd = H5Dopen2(dst, "done", H5P_DEFAULT);
  unsigned char *sfl = pv_calloc((size_t)samples, 1);
  hsize_t z[1] = {0}, c[1] = {(hsize_t)samples};
  int rc = (sv < 0 || sd < 0 || dv < 0 || dd < 0 || !sfl)
               ? PV_ERROR(PV_EFORMAT, "%s: cannot merge", src)
               : pv_ns_h5_read_block(sd, 1, z, c, H5T_NATIVE_UINT8, sfl);
  for (int s = 0; s < samples && !rc; s++) {
    if (!sfl[s] || dfl[s]) continue;
    hsize_t off[4] = {(hsize_t)s, 0, 0, 0}, cnt[4] = {1, (hsize_t)(per / ((size_t)r * r)), (hsize_t)r, (hsize_t)r};
    rc = pv_ns_h5_read_block(sv, 4, off, cnt, H5T_NATIVE_DOUBLE, buf);
    if (!rc) rc = pv_ns_h5_write_block(dv, 4, off, cnt, H5T_NATIVE_DOUBLE, buf);
    dfl[s] = !rc;
  }
  if (!rc) rc = pv_ns_h5_write_block(dd, 1, z, c, H5T_NATIVE_UINT8, dfl);
  hid_t ids[4] = {sv, sd, dv, dd};
  for (int i = 0; i < 4; i++)
    if (ids[i] >= 0) H5Dclose(ids[i]);
  H5Fclose(f);
  pv_free(sfl);
  return rc;
}

/* Rank 0: merge every rank's part into PATH.partial; rename when complete. */
static int assemble(pv_ctx *ctx, const char *path, const pv_ns_dataset_options *o, int nranks) {
  char *part = suffixed(path, ".partial", -1);
  int r = o->solver.n / o->stride;
  size_t per = (size_t)(o->nt + 1) * (size_t)r * (size_t)r;
  double *buf = pv_malloc(per * sizeof(double));
  unsigned char *fl = pv_calloc((size_t)o->samples, 1);
  hid_t f = -1;
  int rc = (!part || !buf || !fl) ? PV_ERROR(PV_ENOMEM, "NS dataset assembly") : PV_OK;
  if (!rc) rc = open_partial(part, o, r, &f);
  if (!rc) main_done_flags(part, o->samples, fl);
  for (int k = 0; k < nranks && !rc; k++) {
    char *src = suffixed(path, ".partial.rank", k);
    rc = src ? merge_part(f, src, o->samples, r, fl, buf, per) : PV_ERROR(PV_ENOMEM, "path");
    if (!rc && src) remove(src);
    pv_free(src);
  }
  if (f >= 0) H5Fclose(f);
  int done = 0;
  for (int s = 0; s < o->samples; s++) done += fl[s] != 0;
  if (!rc && done == o->samples && rename(part, path) != 0)
    rc = PV_ERROR(PV_EIO, "cannot rename %s to %s", part, path);
  pv_log(ctx, PV_LOG_INFO, "ns", "%s: %d of %d samples assembled", path, done, o->samples);
  pv_free(part);
  pv_free(buf);
  pv_free(fl);
  return rc;
}

#if PV_HAVE_MPI
int pv_ns_dataset_generate_ranks(pv_ctx *ctx, const char *path, const pv_ns_dataset_options *o) {
  MPI_Comm comm = pv_ctx_comm(ctx);
  int rank = pv_ctx_rank(ctx), nranks = pv_ctx_nranks(ctx), ndone = 0;
  char *main_part = suffixed(path, ".partial", -1), *mine = suffixed(path, ".partial.rank", rank);
  unsigned char *mf = pv_calloc((size_t)o->samples, 1);
  int rc = (!main_part || !mine || !mf) ? PV_ERROR(PV_ENOMEM, "NS dataset paths") : PV_OK;
  if (!rc) {
    main_done_flags(main_part, o->samples, mf);
    rc = generate_file(ctx, o, mine, rank, nranks, mf, &ndone);
  }
  int worst = rc, all;
  if (MPI_Allreduce(&worst, &all, 1, MPI_INT, MPI_MIN, comm) != MPI_SUCCESS)
    rc = rc ? rc : PV_ERROR(PV_EMPI, "MPI_Allreduce failed");
  if (!rc && all) rc = PV_ERROR(all, "NS dataset: another rank failed (status %d)", all);
  /* rank 0 assembles what every rank finished, even after a failure elsewhere */
  int arc = rank == 0 ? assemble(ctx, path, o, nranks) : PV_OK;
  if (!rc) rc = arc;
  int brc = rc;
  MPI_Bcast(&brc, 1, MPI_INT, 0, comm);
  if (!rc && brc) rc = PV_ERROR(brc, "NS dataset: assembly on rank 0 failed (status %d)", brc);
  pv_free(main_part);
  pv_free(mine);
  pv_free(mf);
  return rc;
}
#else
int pv_ns_dataset_generate_ranks(pv_ctx *ctx, const char *path, const pv_ns_dataset_options *o) {
  return PV_ERROR(PV_EUNSUPPORTED, "NS dataset over %d ranks: built without MPI", pv_ctx_nranks(ctx));
}
#endif
