/* fft_plan.c - pv_fft_plan: validate a request, resolve its layout into a
 * cache key, and execute with the right (aligned / in-place) FFTW plan. */
#include <limits.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/core.h>
#include <parseval/error.h>
#include "fft_cache.h"
#if defined(_OPENMP)
#include <omp.h>
#endif

static const char *const kind_names[] = {"r2c", "c2r", "c2c-forward", "c2c-backward"};

static void shape_text(const pv_fft_key *k, char *buf, size_t cap) {
  if (k->rank == 1) snprintf(buf, cap, "%d", k->n[0]);
  else if (k->rank == 2) snprintf(buf, cap, "%dx%d", k->n[0], k->n[1]);
  else snprintf(buf, cap, "%dx%dx%d", k->n[0], k->n[1], k->n[2]);
}

/* Elements per transform on the real side, the half spectrum, or complex. */
static size_t side_count(const pv_fft_key *k, int complex_side) {
  size_t outer = 1;
  const int last = k->rank - 1;
  for (int i = 0; i < last; i++) outer *= (size_t)k->n[i];
  size_t nl = (size_t)k->n[last];
  if (k->kind >= PV_FFT_C2C_FORWARD) return outer * nl;
  if (complex_side) return outer * (nl / 2 + 1);
  return outer * (k->padded ? 2 * (nl / 2 + 1) : nl);
}

/* Elements spanned by howmany transforms of count elements each. */
static size_t span(size_t count, ptrdiff_t stride, ptrdiff_t dist, int howmany) {
  return (size_t)(howmany - 1) * (size_t)dist + (size_t)stride * (count - 1) + 1;
}

static int validate(pv_dtype precision, pv_fft_kind kind, int rank, const int n[],
                    int howmany, const pv_fft_options *o) {
  if (precision != PV_F64 && precision != PV_F32)
    return PV_ERROR(PV_EINVAL, "FFT precision %s: must be f64 or f32", pv_dtype_name(precision));
  if ((int)kind < 0 || (int)kind > PV_FFT_C2C_BACKWARD)
    return PV_ERROR(PV_EINVAL, "FFT kind %d is not a pv_fft_kind", (int)kind);
  if (rank < 1 || rank > 3) return PV_ERROR(PV_EINVAL, "FFT rank %d: must be 1, 2 or 3", rank);
  if (!n) return PV_ERROR(PV_EINVAL, "FFT sizes: NULL");
  double total = (double)howmany;
  for (int i = 0; i < rank; i++) {
    if (n[i] < 1) return PV_ERROR(PV_EINVAL, "FFT size n[%d] = %d: must be >= 1", i, n[i]);
    total *= (double)n[i] + 2.0;
  }
  if (howmany < 1) return PV_ERROR(PV_EINVAL, "FFT batch howmany = %d: must be >= 1", howmany);
  if (total * 2.0 >= (double)INT_MAX)
    return PV_ERROR(PV_EINVAL, "FFT batch of %d x %d transforms is too large for FFTW's int sizes",
                    howmany, n[0]);
  if (o->struct_size < sizeof *o)
    return PV_ERROR(PV_EINVAL, "pv_fft_options.struct_size %zu: use PV_FFT_OPTIONS_INIT",
                    o->struct_size);
  if ((int)o->rigor < 0 || (int)o->rigor > PV_FFT_EXHAUSTIVE)
    return PV_ERROR(PV_EINVAL, "FFT rigor %d is not a pv_fft_rigor", (int)o->rigor);
  if (o->threads < 0) return PV_ERROR(PV_EINVAL, "FFT threads = %d: must be >= 0", o->threads);
  if (o->istride < 0 || o->idist < 0 || o->ostride < 0 || o->odist < 0 ||
      o->istride > INT_MAX || o->idist > INT_MAX || o->ostride > INT_MAX || o->odist > INT_MAX)
    return PV_ERROR(PV_EINVAL, "FFT strides/distances must be in [0, INT_MAX] (0 = packed)");
  return PV_OK;
}

static int resolve_threads(const pv_ctx *ctx, const pv_fft_options *o) {
  int t = o->threads ? o->threads : (ctx ? pv_ctx_threads(ctx) : 1);
#if defined(_OPENMP)
  if (omp_in_parallel()) t = 1; /* never FFT threads inside an OpenMP team */
#endif
  return t < 1 ? 1 : t;
}

static void make_key(const pv_ctx *ctx, pv_dtype precision, pv_fft_kind kind, int rank,
                     const int n[], int howmany, const pv_fft_options *o, pv_fft_key *k) {
  memset(k, 0, sizeof *k);
  k->precision = (int)precision;
  k->kind = (int)kind;
  k->rank = rank;
  for (int i = 0; i < rank; i++) k->n[i] = n[i];
  k->howmany = howmany;
  k->inplace = o->inplace ? 1 : 0;
  k->padded = k->inplace && kind <= PV_FFT_C2R;
  k->unaligned = o->unaligned ? 1 : 0;
  k->preserve = o->preserve_input && kind == PV_FFT_C2R;
  k->threads = resolve_threads(ctx, o);
  k->rigor = (int)o->rigor;
  k->wisdom_only = o->wisdom_only ? 1 : 0;
  const size_t in_n = side_count(k, kind == PV_FFT_C2R);
  const size_t out_n = side_count(k, kind == PV_FFT_R2C);
  k->istride = o->istride ? o->istride : 1;
  k->ostride = o->ostride ? o->ostride : 1;
  k->idist = o->idist ? o->idist : (ptrdiff_t)in_n;
  k->odist = o->odist ? o->odist : (ptrdiff_t)out_n;
}

static void plan_sizes(pv_fft_plan *p) {
  const pv_fft_key *k = &p->key;
  size_t real = k->precision == PV_F64 ? sizeof(double) : sizeof(float);
  p->N = 1;
  for (int i = 0; i < k->rank; i++) p->N *= (size_t)k->n[i];
  p->in_count = span(side_count(k, k->kind == PV_FFT_C2R), k->istride, k->idist, k->howmany);
  p->out_count = span(side_count(k, k->kind == PV_FFT_R2C), k->ostride, k->odist, k->howmany);
  p->in_bytes = p->in_count * real * (k->kind == PV_FFT_R2C ? 1 : 2);
  p->out_bytes = p->out_count * real * (k->kind == PV_FFT_C2R ? 1 : 2);
}

static int acquire(pv_ctx *ctx, const pv_fft_plan *p, const pv_fft_key *k, pv_fft_entry **e) {
  int hit = 0;
  size_t ib = p->in_bytes, ob = p->out_bytes;
  int s = pv_fft_cache_acquire(k, ib, ob, e, &hit);
  char shape[64];
  shape_text(k, shape, sizeof shape);
  if (s == PV_ENOTFOUND)
    return PV_ERROR(s, "FFT %s %s x%d (%s): no wisdom for this plan (wisdom_only)",
                    kind_names[k->kind], shape, k->howmany, pv_dtype_name((pv_dtype)k->precision));
  if (s == PV_EUNSUPPORTED)
    return PV_ERROR(s, "FFT %s %s x%d (%s%s): FFTW cannot plan this layout",
                    kind_names[k->kind], shape, k->howmany, pv_dtype_name((pv_dtype)k->precision),
                    k->preserve ? ", preserve_input" : "");
  if (s) return s;
  if (!hit)
    pv_log(ctx, PV_LOG_DEBUG, "fft", "planned %s %s x%d %s rigor %d threads %d%s%s",
           kind_names[k->kind], shape, k->howmany, pv_dtype_name((pv_dtype)k->precision),
           k->rigor, k->threads, k->inplace ? " in-place" : "", k->unaligned ? " unaligned" : "");
  return PV_OK;
}

int pv_fft_plan_create(pv_ctx *ctx, pv_dtype precision, pv_fft_kind kind, int rank,
                       const int n[], int howmany, const pv_fft_options *opts,
                       pv_fft_plan **out) {
  static const pv_fft_options defaults = PV_FFT_OPTIONS_INIT;
  if (!out) return PV_ERROR(PV_EINVAL, "pv_fft_plan_create: out is NULL");
  *out = NULL;
  const pv_fft_options *o = opts ? opts : &defaults;
  int s = validate(precision, kind, rank, n, howmany, o);
  if (s) return s;
  if ((s = pv_init())) return s;
  pv_fft_plan *p = pv_calloc(1, sizeof *p);
  if (!p) return PV_ERROR(PV_ENOMEM, "FFT plan object");
  make_key(ctx, precision, kind, rank, n, howmany, o, &p->key);
  plan_sizes(p);
  if ((s = acquire(ctx, p, &p->key, &p->main))) {
    pv_free(p);
    return s;
  }
  atomic_store(&p->variant[p->key.inplace][p->key.unaligned], p->main);
  const int f64 = precision == PV_F64;
  p->align_mask = p->key.unaligned ? 0 : f64 ? pv_fft_raw_align_mask_f64() : pv_fft_raw_align_mask_f32();
  *out = p;
  return PV_OK;
}

void pv_fft_plan_destroy(pv_fft_plan **plan) {
  if (!plan || !*plan) return;
  pv_fft_plan *p = *plan;
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++) {
      pv_fft_entry *e = atomic_load(&p->variant[i][j]);
      if (e && e != p->main) pv_fft_cache_release(e);
    }
  pv_fft_cache_release(p->main);
  pv_free(p);
  *plan = NULL;
}

/* The plan for an execution that is (not) in place / (not) aligned, fetched
 * from the cache on first use. */
static int variant(const pv_fft_plan *pc, int inplace, int unaligned, pv_fft_entry **e) {
  pv_fft_plan *p = (pv_fft_plan *)pc; /* variant slots are a lazily filled cache */
  unaligned = unaligned || p->key.unaligned;
  *e = atomic_load(&p->variant[inplace][unaligned]);
  if (*e) return PV_OK;
  if (inplace && p->key.kind <= PV_FFT_C2R && !p->key.padded)
    return PV_ERROR(PV_EINVAL, "FFT %s: in == out needs a plan created with inplace = 1 "
                    "(padded real rows)", kind_names[p->key.kind]);
  pv_fft_key k = p->key;
  k.inplace = inplace;
  k.unaligned = unaligned;
  pv_fft_entry *got = NULL;
  int s = acquire(NULL, p, &k, &got);
  if (s == PV_ENOTFOUND) { /* no wisdom for the variant: estimate it */
    pv_error_clear();
    k.wisdom_only = 0;
    k.rigor = PV_FFT_ESTIMATE;
    s = acquire(NULL, p, &k, &got);
  }
  if (s) return s;
  pv_fft_entry *expected = NULL;
  if (!atomic_compare_exchange_strong(&p->variant[inplace][unaligned], &expected, got)) {
    pv_fft_cache_release(got); /* another thread filled the slot first */
    got = expected;
  }
  *e = got;
  return PV_OK;
}

static int overlaps(const pv_fft_plan *p, const void *in, const void *out) {
  uintptr_t a = (uintptr_t)in, b = (uintptr_t)out;
  return a < b + p->out_bytes && b < a + p->in_bytes;
}

int pv_fft_exec_slow(const pv_fft_plan *p, void *in, void *out, pv_fft_entry **e) {
  if (!in || !out) return PV_ERROR(PV_EINVAL, "pv_fft_execute: %s is NULL", !in ? "in" : "out");
  const int inplace = in == out;
  if (!inplace && overlaps(p, in, out))
    return PV_ERROR(PV_EINVAL, "pv_fft_execute: in and out overlap but are not equal");
  const int misaligned = (((uintptr_t)in | (uintptr_t)out) & p->align_mask) != 0;
  *e = p->main;
  if (inplace != p->key.inplace || misaligned) return variant(p, inplace, misaligned, e);
  return PV_OK;
}

int pv_fft_execute_sized(const pv_fft_plan *p, void *in, size_t in_bytes, void *out,
                         size_t out_bytes) {
  if (!p) return PV_ERROR(PV_EINVAL, "pv_fft_execute: plan is NULL");
  size_t need_in = p->in_bytes, need_out = p->out_bytes;
  if (in == out) need_in = need_out = need_in > need_out ? need_in : need_out;
  if (in_bytes < need_in || out_bytes < need_out)
    return PV_ERROR(PV_EINVAL, "FFT %s: %s buffer of %zu bytes, the plan needs %zu",
                    kind_names[p->key.kind], in_bytes < need_in ? "input" : "output",
                    in_bytes < need_in ? in_bytes : out_bytes, in_bytes < need_in ? need_in : need_out);
  return pv_fft_execute(p, in, out);
}

int pv_fft_plan_info(const pv_fft_plan *p, pv_fft_info *info) {
  if (!p || !info || info->struct_size < sizeof *info)
    return PV_ERROR(PV_EINVAL, "pv_fft_plan_info: NULL argument or struct_size too small");
  info->precision = (pv_dtype)p->key.precision;
  info->kind = (pv_fft_kind)p->key.kind;
  info->rank = p->key.rank;
  for (int i = 0; i < 3; i++) info->n[i] = i < p->key.rank ? p->key.n[i] : 1;
  info->howmany = p->key.howmany;
  info->threads = p->key.threads;
  info->inplace = p->key.inplace;
  info->N = p->N;
  info->in_count = p->in_count;
  info->out_count = p->out_count;
  info->in_bytes = p->in_bytes;
  info->out_bytes = p->out_bytes;
  return PV_OK;
}

int pv_fft_plan_describe(const pv_fft_plan *p, char **text) {
  if (!p || !text) return PV_ERROR(PV_EINVAL, "pv_fft_plan_describe: NULL argument");
  *text = NULL;
  const int f64 = p->key.precision == PV_F64;
  pv_fft_lock();
  char *raw = f64 ? pv_fft_raw_sprint_f64(p->main->fplan) : pv_fft_raw_sprint_f32(p->main->fplan);
  pv_fft_unlock();
  if (!raw) return PV_ERROR(PV_ENOMEM, "FFTW plan description");
  *text = pv_strdup(raw);
  if (f64) pv_fft_raw_free_f64(raw);
  else pv_fft_raw_free_f32(raw);
  return *text ? PV_OK : PV_ERROR(PV_ENOMEM, "FFTW plan description");
}
