/* The context object: threads, RAM budget, seed, log, progress, MPI. */
#include <parseval/alloc.h>
#include <parseval/ctx.h>
#include <parseval/error.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PV_MAX_DEBUG_CATS 16

struct pv_ctx {
  int threads;
  size_t ram_budget;
  uint64_t seed;
  pv_log_level log_level;
  pv_log_fn log_fn;
  void *log_user;
  int debug_all;
  int n_debug;
  char debug_cats[PV_MAX_DEBUG_CATS][24];
  pv_progress_fn progress_fn;
  void *progress_user;
  int rank, nranks;
#if PV_HAVE_MPI
  MPI_Comm comm;
#endif
  /* Counters are updated from const entry points (logging, progress). */
  uint64_t *counters; /* [0] progress calls, [1] warnings */
};

static size_t default_ram_budget(void) {
  long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || psize <= 0) return (size_t)1 << 30;
  return (size_t)pages * (size_t)psize / 2;
}

static void ctx_default_comm(pv_ctx *c) {
  c->rank = 0;
  c->nranks = 1;
#if PV_HAVE_MPI
  int inited = 0, finalized = 0;
  MPI_Initialized(&inited);
  MPI_Finalized(&finalized);
  c->comm = MPI_COMM_SELF;
  if (inited && !finalized) {
    c->comm = MPI_COMM_WORLD;
    MPI_Comm_rank(c->comm, &c->rank);
    MPI_Comm_size(c->comm, &c->nranks);
  }
#endif
}

int pv_ctx_create(pv_ctx **out) {
  if (!out) return PV_ERROR(PV_EINVAL, "pv_ctx_create: out is NULL");
  *out = NULL;
  pv_ctx *c = pv_calloc(1, sizeof *c);
  if (!c) return PV_ENOMEM;
  c->counters = pv_calloc(2, sizeof *c->counters);
  if (!c->counters) {
    pv_free(c);
    return PV_ENOMEM;
  }
  c->threads = 1;
  c->ram_budget = default_ram_budget();
  c->log_level = PV_LOG_WARN;
  ctx_default_comm(c);
  const char *dbg = getenv("PV_DEBUG");
  if (dbg && pv_ctx_set_debug(c, dbg) != PV_OK) {
    pv_ctx_destroy(&c);
    return PV_ERROR(PV_EINVAL, "PV_DEBUG: cannot parse \"%s\"", dbg);
  }
  *out = c;
  return PV_OK;
}

void pv_ctx_destroy(pv_ctx **ctx) {
  if (!ctx || !*ctx) return;
  pv_free((*ctx)->counters);
  pv_free(*ctx);
  *ctx = NULL;
}

int pv_ctx_set_threads(pv_ctx *ctx, int threads) {
  if (!ctx || threads < 1 || threads > 4096)
    return PV_ERROR(PV_EINVAL, "threads = %d must be in [1, 4096]", threads);
  ctx->threads = threads;
  return PV_OK;
}

int pv_ctx_threads(const pv_ctx *ctx) { return ctx ? ctx->threads : 1; }

int pv_ctx_set_ram_budget(pv_ctx *ctx, size_t bytes) {
  if (!ctx || bytes == 0) return PV_ERROR(PV_EINVAL, "RAM budget must be positive");
  ctx->ram_budget = bytes;
  return PV_OK;
}

size_t pv_ctx_ram_budget(const pv_ctx *ctx) { return ctx ? ctx->ram_budget : default_ram_budget(); }

void pv_ctx_set_seed(pv_ctx *ctx, uint64_t seed) {
  if (ctx) ctx->seed = seed;
}

uint64_t pv_ctx_seed(const pv_ctx *ctx) { return ctx ? ctx->seed : 0; }

void pv_ctx_set_log(pv_ctx *ctx, pv_log_level level, pv_log_fn fn, void *user) {
  if (!ctx) return;
  ctx->log_level = level;
  ctx->log_fn = fn;
  ctx->log_user = user;
}

static int add_debug_cat(pv_ctx *ctx, const char *s, size_t n) {
  if (n == 3 && memcmp(s, "all", 3) == 0) {
    ctx->debug_all = 1;
    return PV_OK;
  }
  if (n >= sizeof ctx->debug_cats[0] || ctx->n_debug >= PV_MAX_DEBUG_CATS) return PV_EINVAL;
  memcpy(ctx->debug_cats[ctx->n_debug], s, n);
  ctx->debug_cats[ctx->n_debug++][n] = '\0';
  return PV_OK;
}

int pv_ctx_set_debug(pv_ctx *ctx, const char *categories) {
  if (!ctx || !categories) return PV_ERROR(PV_EINVAL, "debug categories: NULL");
  ctx->debug_all = 0;
  ctx->n_debug = 0;
  const char *p = categories;
  while (*p) {
    size_t n = strcspn(p, ", ");
    if (n && add_debug_cat(ctx, p, n) != PV_OK)
      return PV_ERROR(PV_EINVAL, "debug category list \"%s\": too many or too long names", categories);
    p += n;
    while (*p == ',' || *p == ' ') p++;
  }
  return PV_OK;
}

int pv_log_enabled(const pv_ctx *ctx, pv_log_level level, const char *category) {
  if (!ctx || !ctx->log_fn) return 0;
  if (level <= ctx->log_level) return 1;
  if (level != PV_LOG_DEBUG) return 0;
  if (ctx->debug_all) return 1;
  for (int i = 0; category && i < ctx->n_debug; i++)
    if (strcmp(ctx->debug_cats[i], category) == 0) return 1;
  return 0;
}

void pv_log(const pv_ctx *ctx, pv_log_level level, const char *category, const char *fmt, ...) {
  if (ctx && level == PV_LOG_WARN) ctx->counters[1]++;
  if (!pv_log_enabled(ctx, level, category)) return;
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  ctx->log_fn(level, category ? category : "", buf, ctx->log_user);
}

void pv_log_stderr(pv_log_level level, const char *category, const char *message, void *user) {
  static const char *names[] = {"error", "warning", "info", "debug"};
  (void)user;
  const char *name = (unsigned)level <= PV_LOG_DEBUG ? names[level] : "log";
  if (category && *category)
    fprintf(stderr, "parseval: %s: [%s] %s\n", name, category, message);
  else
    fprintf(stderr, "parseval: %s: %s\n", name, message);
}

void pv_ctx_set_progress(pv_ctx *ctx, pv_progress_fn fn, void *user) {
  if (!ctx) return;
  ctx->progress_fn = fn;
  ctx->progress_user = user;
}

int pv_ctx_progress(const pv_ctx *ctx, double frac, const char *msg) {
  if (!ctx || !ctx->progress_fn) return PV_OK;
  ctx->counters[0]++;
  if (frac < 0) frac = 0;
  if (frac > 1) frac = 1;
  if (!ctx->progress_fn(frac, msg, ctx->progress_user))
    return PV_ERROR(PV_ECANCEL, "cancelled at %.0f%%%s%s", 100 * frac, msg ? " during " : "",
                    msg ? msg : "");
  return PV_OK;
}

int pv_ctx_rank(const pv_ctx *ctx) { return ctx ? ctx->rank : 0; }
int pv_ctx_nranks(const pv_ctx *ctx) { return ctx ? ctx->nranks : 1; }

#if PV_HAVE_MPI
int pv_ctx_set_comm(pv_ctx *ctx, MPI_Comm comm) {
  if (!ctx) return PV_ERROR(PV_EINVAL, "pv_ctx_set_comm: NULL context");
  int rank, size;
  if (MPI_Comm_rank(comm, &rank) != MPI_SUCCESS || MPI_Comm_size(comm, &size) != MPI_SUCCESS)
    return PV_ERROR(PV_EMPI, "invalid MPI communicator");
  ctx->comm = comm;
  ctx->rank = rank;
  ctx->nranks = size;
  return PV_OK;
}

MPI_Comm pv_ctx_comm(const pv_ctx *ctx) { return ctx ? ctx->comm : MPI_COMM_SELF; }
#endif

int pv_ctx_get_stats(const pv_ctx *ctx, pv_ctx_stats *stats) {
  if (!ctx || !stats || stats->struct_size < sizeof(size_t))
    return PV_ERROR(PV_EINVAL, "pv_ctx_get_stats: NULL or struct_size not set");
  pv_ctx_stats s = {sizeof s, ctx->counters[0], ctx->counters[1]};
  size_t n = stats->struct_size < sizeof s ? stats->struct_size : sizeof s;
  memcpy(stats, &s, n);
  stats->struct_size = n;
  return PV_OK;
}
