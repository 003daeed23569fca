/* ns_dataset.c - resumable batched dataset generation to HDF5 (layout in
 * parseval/ns.h). Samples are computed in fixed blocks of `batch` samples
 * (block g = samples [g B, (g+1) B)), so a CFL-chosen step, which is shared
 * by a block, never depends on which samples an interrupted run had done. */
#include "ns_dataset_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/fileout.h>

int pv_ns_dataset_check_options(const pv_ns_dataset_options *o) {
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

typedef struct gen_state {
  pv_ctx *ctx;
  const pv_ns_dataset_options *o;
  pv_ns_solver *s;
  pv_h5 *file;
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
  return pv_ns_dataset_write_record(g->file, sample, k, g->r, g->small);
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
  rc = pv_ns_dataset_done_io(g->file, first, cnt, g->flags, 1);
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
  int rc = pv_ns_dataset_open_partial(part, o, g->r, &g->file);
  if (rc) return rc;
  size_t N = (size_t)o->solver.n * (size_t)o->solver.n;
  g->full = pv_malloc(N * sizeof(double));
  g->small = pv_malloc((size_t)g->r * (size_t)g->r * sizeof(double));
  g->flags = pv_calloc((size_t)o->samples, 1);
  if (!g->full || !g->small || !g->flags) rc = PV_ERROR(PV_ENOMEM, "NS dataset buffers");
  if (!rc) rc = pv_ns_dataset_done_io(g->file, 0, o->samples, g->flags, 0);
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
  pv_h5_close(&g->file);
  pv_free(g->full);
  pv_free(g->small);
  pv_free(g->flags);
}

char *pv_ns_dataset_suffixed(const char *path, const char *suffix, int k) {
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
  if (!file_exists(part)) return;
  pv_h5 *f = NULL;
  if (pv_h5_open(part, &f) || pv_ns_dataset_done_io(f, 0, samples, fl, 0))
    memset(fl, 0, (size_t)samples);
  pv_h5_close(&f);
  pv_error_clear();
}

/* Generate this rank's blocks into `file`; returns the status. */
static int generate_file(pv_ctx *ctx, const pv_ns_dataset_options *o, const char *file,
                         int rank, int nranks, const unsigned char *main_flags, int *ndone) {
  gen_state g = {ctx, o, NULL, NULL, o->solver.n / o->stride, NULL, NULL, NULL, 0,
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
  int rc = pv_ns_dataset_check_options(o);
  if (!rc) rc = pv_ns_options_check(&o->solver); /* before any file is touched */
  if (!rc) rc = pv_output_check(path, overwrite);
  if (rc) return rc;
  int nranks = ctx ? pv_ctx_nranks(ctx) : 1;
  if (nranks > 1 && o->distributed) return pv_ns_dataset_generate_slabs(ctx, path, o);
  if (nranks > 1) return pv_ns_dataset_generate_ranks(ctx, path, o);
  char *part = pv_ns_dataset_suffixed(path, ".partial", -1);
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
static int merge_part(pv_h5 *dst, const char *src, int samples, int times, int r,
                      unsigned char *dfl, double *buf) {
  if (!file_exists(src)) return PV_OK;
  pv_h5 *f = NULL;
  unsigned char *sfl = pv_calloc((size_t)samples, 1);
  int rc = sfl ? pv_h5_open(src, &f) : PV_ERROR(PV_ENOMEM, "NS dataset merge");
  if (!rc) rc = pv_ns_dataset_done_io(f, 0, samples, sfl, 0);
  for (int s = 0; s < samples && !rc; s++) {
    if (!sfl[s] || dfl[s]) continue;
    rc = pv_ns_dataset_sample_io(f, s, times, r, buf, 0);
    if (!rc) rc = pv_ns_dataset_sample_io(dst, s, times, r, buf, 1);
    dfl[s] = !rc;
  }
  if (!rc) rc = pv_ns_dataset_done_io(dst, 0, samples, dfl, 1);
  pv_h5_close(&f);
  pv_free(sfl);
  return rc;
}

/* Rank 0: merge every rank's part into PATH.partial; rename when complete. */
static int assemble(pv_ctx *ctx, const char *path, const pv_ns_dataset_options *o, int nranks) {
  char *part = pv_ns_dataset_suffixed(path, ".partial", -1);
  int r = o->solver.n / o->stride;
  size_t per = (size_t)(o->nt + 1) * (size_t)r * (size_t)r;
  double *buf = pv_malloc(per * sizeof(double));
  unsigned char *fl = pv_calloc((size_t)o->samples, 1);
  pv_h5 *f = NULL;
  int rc = (!part || !buf || !fl) ? PV_ERROR(PV_ENOMEM, "NS dataset assembly") : PV_OK;
  if (!rc) rc = pv_ns_dataset_open_partial(part, o, r, &f);
  if (!rc) rc = pv_ns_dataset_done_io(f, 0, o->samples, fl, 0);
  for (int k = 0; k < nranks && !rc; k++) {
    char *src = pv_ns_dataset_suffixed(path, ".partial.rank", k);
    rc = src ? merge_part(f, src, o->samples, o->nt + 1, r, fl, buf) : PV_ERROR(PV_ENOMEM, "path");
    if (!rc && src) remove(src);
    pv_free(src);
  }
  pv_h5_close(&f);
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
  char *main_part = pv_ns_dataset_suffixed(path, ".partial", -1), *mine = pv_ns_dataset_suffixed(path, ".partial.rank", rank);
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
