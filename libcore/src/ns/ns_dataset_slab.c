/* ns_dataset_slab.c - dataset generation with each field split over the MPI
 * ranks (pv_ns_mpi_solver): samples are solved one after another; every
 * recorded snapshot's strided rows are gathered to rank 0, which alone opens
 * the file (same layout, resume and rename rules as ns_dataset.c). */
#include "ns_dataset_internal.h"

#include <stdio.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>

#if PV_HAVE_MPI

typedef struct slab_gen {
  pv_ctx *ctx;
  MPI_Comm comm;
  const pv_ns_dataset_options *o;
  int rank, nranks, r, rows, row0;
  pv_ns_mpi_solver *s;
  pv_h5 *file;                /* rank 0 only */
  unsigned char *flags;       /* done flags, same on every rank */
  double *loc, *send, *small; /* local rows, strided local rows, r x r (rank 0) */
  int nsend, *counts, *displs;
} slab_gen;

/* The same status on every rank: the lowest failing rank's code (its
 * message stays on that rank; the others name it). */
static int agree(slab_gen *g, int rc) {
  int me = rc ? g->rank : g->nranks, first = g->nranks;
  MPI_Allreduce(&me, &first, 1, MPI_INT, MPI_MIN, g->comm);
  if (first == g->nranks) return PV_OK;
  int code = rc;
  MPI_Bcast(&code, 1, MPI_INT, first, g->comm);
  return rc ? rc : PV_ERROR(code, "NS dataset: rank %d failed (status %d)", first, code);
}

/* Rank 0 opens or creates PATH.partial and reads the done flags; all ranks
 * then share them. */
static int open_file(slab_gen *g, const char *part) {
  const pv_ns_dataset_options *o = g->o;
  int rc = PV_OK;
  if (g->rank == 0) {
    rc = pv_ns_dataset_open_partial(part, o, g->r, &g->file);
    if (!rc) rc = pv_ns_dataset_done_io(g->file, 0, o->samples, g->flags, 0);
  }
  rc = agree(g, rc);
  if (!rc) MPI_Bcast(g->flags, o->samples, MPI_UNSIGNED_CHAR, 0, g->comm);
  return rc;
}

/* Buffers and the gather layout: rank k sends its rows i with i % stride == 0,
 * every stride-th value of each. */
static int setup(slab_gen *g) {
  const int n = g->o->solver.n, st = g->o->stride;
  int rc = pv_ns_mpi_local_rows(g->s, &g->rows, &g->row0);
  if (rc) return rc;
  int first = (g->row0 + st - 1) / st * st, cnt = 0;
  for (int i = first; i < g->row0 + g->rows; i += st) cnt++;
  g->nsend = cnt * g->r;
  g->loc = pv_malloc(((size_t)g->rows * (size_t)n + 1) * sizeof(double));
  g->send = pv_malloc(((size_t)g->nsend + 1) * sizeof(double));
  g->counts = pv_calloc((size_t)g->nranks, sizeof(int));
  g->displs = pv_calloc((size_t)g->nranks, sizeof(int));
  if (g->rank == 0) g->small = pv_malloc((size_t)g->r * (size_t)g->r * sizeof(double));
  if (!g->loc || !g->send || !g->counts || !g->displs || (g->rank == 0 && !g->small))
    return PV_ERROR(PV_ENOMEM, "NS dataset slab buffers");
  MPI_Allgather(&g->nsend, 1, MPI_INT, g->counts, 1, MPI_INT, g->comm);
  for (int k = 1; k < g->nranks; k++) g->displs[k] = g->displs[k - 1] + g->counts[k - 1];
  return PV_OK;
}

/* Snapshot k of sample: gather the strided field to rank 0, which writes it. */
static int record(slab_gen *g, int sample, int k) {
  const int n = g->o->solver.n, st = g->o->stride;
  int rc = pv_ns_mpi_get_local(g->s, g->loc);
  if (rc) return rc;
  int q = 0;
  for (int i = 0; i < g->rows; i++)
    if ((g->row0 + i) % st == 0)
      for (int j = 0; j < n; j += st) g->send[q++] = g->loc[(size_t)i * (size_t)n + (size_t)j];
  if (MPI_Gatherv(g->send, g->nsend, MPI_DOUBLE, g->small, g->counts, g->displs, MPI_DOUBLE, 0,
                  g->comm) != MPI_SUCCESS)
    return PV_ERROR(PV_EMPI, "NS dataset: MPI_Gatherv of sample %d failed", sample);
  if (g->rank == 0) {
    rc = pv_ns_dataset_write_record(g->file, sample, k, g->r, g->small);
    if (!rc) {
      char msg[64];
      snprintf(msg, sizeof msg, "sample %d", sample);
      double frac = ((double)sample + (double)k / g->o->nt) / g->o->samples;
      rc = pv_ctx_progress(g->ctx, frac, msg);
    }
  }
  return agree(g, rc);
}

/* Solve one sample and mark it done (rank 0 flushes the file). */
static int run_sample(slab_gen *g, int sample) {
  const pv_ns_dataset_options *o = g->o;
  int rc = pv_ns_mpi_set_grf(g->s, o->seed + (uint64_t)sample, (uint64_t)sample);
  if (!rc && o->warmup > 0) rc = pv_ns_mpi_advance(g->s, o->warmup, NULL);
  for (int k = 0; k <= o->nt && !rc; k++) {
    if (k > 0) rc = pv_ns_mpi_advance(g->s, o->dt_record, NULL);
    if (!rc) rc = record(g, sample, k);
  }
  if (rc) return rc;
  g->flags[sample] = 1;
  if (g->rank == 0) rc = pv_ns_dataset_done_io(g->file, sample, 1, g->flags, 1);
  return agree(g, rc);
}

static void slab_close(slab_gen *g) {
  pv_ns_mpi_solver_destroy(&g->s);
  pv_h5_close(&g->file);
  void *p[] = {g->flags, g->loc, g->send, g->small, g->counts, g->displs};
  for (size_t i = 0; i < sizeof p / sizeof p[0]; i++) pv_free(p[i]);
}

int pv_ns_dataset_generate_slabs(pv_ctx *ctx, const char *path, const pv_ns_dataset_options *opt) {
  /* one sample at a time: the file records batch 1 (a CFL step is per sample) */
  pv_ns_dataset_options oc = *opt, *o = &oc;
  oc.batch = 1;
  oc.sample_begin = oc.sample_end = 0;
  slab_gen g;
  memset(&g, 0, sizeof g);
  g.ctx = ctx;
  g.comm = pv_ctx_comm(ctx);
  g.o = o;
  g.rank = pv_ctx_rank(ctx);
  g.nranks = pv_ctx_nranks(ctx);
  g.r = o->solver.n / o->stride;
  g.flags = pv_calloc((size_t)o->samples, 1);
  char *part = pv_ns_dataset_suffixed(path, ".partial", -1);
  int rc = agree(&g, (!g.flags || !part) ? PV_ERROR(PV_ENOMEM, "NS dataset") : PV_OK);
  if (!rc) rc = open_file(&g, part);
  pv_ns_options so = o->solver;
  so.batch = 1;
  if (!rc) rc = agree(&g, pv_ns_mpi_solver_create(ctx, &so, &g.s));
  if (!rc) rc = agree(&g, setup(&g));
  int ndone = 0;
  for (int s = 0; s < o->samples && !rc; s++)
    if (!g.flags[s]) rc = run_sample(&g, s);
  for (int s = 0; s < o->samples; s++) ndone += g.flags[s] != 0;
  slab_close(&g);
  int ren = PV_OK;
  if (!rc && g.rank == 0 && ndone == o->samples && rename(part, path) != 0)
    ren = PV_ERROR(PV_EIO, "cannot rename %s to %s", part, path);
  if (!rc) rc = agree(&g, ren);
  pv_free(part);
  return rc;
}

#else
int pv_ns_dataset_generate_slabs(pv_ctx *ctx, const char *path, const pv_ns_dataset_options *o) {
  return PV_ERROR(PV_EUNSUPPORTED, "NS dataset over ranks: built without MPI");
}
#endif
