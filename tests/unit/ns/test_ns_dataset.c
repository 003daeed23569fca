/* NS dataset generation: content equals direct solves, resume after a partial
 * run or a cancel gives the same bytes without recomputing finished samples,
 * another layout is refused without touching the file, export to .npy. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <parseval/parseval.h>
#include <parseval/npy.h>
#include <parseval/ns.h>

#include "pv_test.h"

enum { NS = 5, NT = 3, N = 32, STRIDE = 2, R = 16 };

static pv_ns_dataset_options opts(void) {
  pv_ns_dataset_options o = PV_NS_DATASET_OPTIONS_INIT;
  o.solver.n = N;
  o.solver.dt = 0.01;
  o.solver.nu = 1e-3;
  o.solver.rigor = PV_FFT_ESTIMATE;
  o.samples = NS;
  o.nt = NT;
  o.dt_record = 0.1;
  o.warmup = 0.05;
  o.stride = STRIDE;
  o.seed = 100;
  o.batch = 2;
  return o;
}

static int exists(const char *p) {
  FILE *f = fopen(p, "rb");
  if (f) fclose(f);
  return f != NULL;
}

static void read_all(const char *p, double *w) {
  for (int s = 0; s < NS; s++) CHECK_OK(pv_ns_dataset_read_sample(p, s, w + (size_t)s * (NT + 1) * R * R));
}

/* Sample s solved directly, alone, recorded every STRIDE-th point. */
static void direct(int s, double *w) {
  pv_ns_dataset_options o = opts();
  pv_ns_solver *sv;
  CHECK_OK(pv_ns_solver_create(NULL, &o.solver, &sv));
  CHECK_OK(pv_ns_set_grf(sv, 0, 100 + s, s));
  CHECK_OK(pv_ns_advance(sv, 0.05, NULL));
  double full[N * N];
  for (int k = 0; k <= NT; k++) {
    if (k) CHECK_OK(pv_ns_advance(sv, 0.1, NULL));
    CHECK_OK(pv_ns_get_vorticity(sv, 0, full));
    for (int i = 0; i < R; i++)
      for (int j = 0; j < R; j++) w[(size_t)k * R * R + i * R + j] = full[i * STRIDE * N + j * STRIDE];
  }
  pv_ns_solver_destroy(&sv);
}

static void test_generate_equals_direct(void) {
  pv_ns_dataset_options o = opts();
  const char *p = pv_test_path("full.h5");
  remove(p);
  CHECK_OK(pv_ns_dataset_generate(NULL, p, 0, &o));
  CHECK(exists(p));
  pv_ns_dataset_info info = {sizeof info, 0, 0, 0, 0, PV_U8};
  CHECK_OK(pv_ns_dataset_info_read(p, &info));
  CHECK(info.samples == NS && info.times == NT + 1 && info.res == R && info.complete);
  CHECK(info.dtype == PV_F64);
  static double all[NS * (NT + 1) * R * R], one[(NT + 1) * R * R];
  read_all(p, all);
  for (int s = 0; s < NS; s++) {
    direct(s, one);
    CHECK(memcmp(one, all + (size_t)s * (NT + 1) * R * R, sizeof one) == 0);
  }
  /* an existing complete file is not replaced without overwrite */
  CHECK_STATUS(pv_ns_dataset_generate(NULL, p, 0, &o), PV_EEXIST);
}

static int n_msgs;
static char msgs[200][64];
static int cancel_after = -1;
static int progress(double frac, const char *msg, void *user) {
  (void)frac;
  (void)user;
  if (n_msgs < 200) snprintf(msgs[n_msgs++], 64, "%s", msg ? msg : "");
  return !(cancel_after >= 0 && n_msgs >= cancel_after);
}

static int saw(const char *m) {
  for (int i = 0; i < n_msgs; i++)
    if (strcmp(msgs[i], m) == 0) return 1;
  return 0;
}

static void test_resume_range_and_cancel(void) {
  pv_ns_dataset_options o = opts();
  const char *p = pv_test_path("resume.h5"), *full = pv_test_path("full.h5");
  char part[600];
  snprintf(part, sizeof part, "%s.partial", p);
  remove(p);
  remove(part);
  pv_ctx *ctx;
  CHECK_OK(pv_ctx_create(&ctx));
  pv_ctx_set_progress(ctx, progress, NULL);
  /* first run: samples [0, 2) only */
  o.sample_begin = 0;
  o.sample_end = 2;
  CHECK_OK(pv_ns_dataset_generate(ctx, p, 0, &o));
  CHECK(!exists(p) && exists(part));
  pv_ns_dataset_info info = {sizeof info, 0, 0, 0, 0, PV_U8};
  CHECK_OK(pv_ns_dataset_info_read(part, &info));
  CHECK(!info.complete);
  /* second run cancelled inside block 2-3 */
  o.sample_begin = o.sample_end = 0;
  n_msgs = 0;
  cancel_after = 2;
  CHECK_STATUS(pv_ns_dataset_generate(ctx, p, 0, &o), PV_ECANCEL);
  CHECK(!saw("samples 0-1") && saw("samples 2-3"));
  /* third run completes: 0-1 not recomputed, 2-3 redone, 4 computed */
  n_msgs = 0;
  cancel_after = -1;
  CHECK_OK(pv_ns_dataset_generate(ctx, p, 0, &o));
  CHECK(!saw("samples 0-1") && saw("samples 2-3") && saw("samples 4-4"));
  CHECK(exists(p) && !exists(part));
  static double a[NS * (NT + 1) * R * R], b[NS * (NT + 1) * R * R];
  read_all(p, a);
  read_all(full, b);
  CHECK(memcmp(a, b, sizeof a) == 0);
  pv_ctx_destroy(&ctx);
}

static void file_bytes(const char *p, char **buf, long *n) {
  FILE *f = fopen(p, "rb");
  CHECK(f != NULL);
  fseek(f, 0, SEEK_END);
  *n = ftell(f);
  rewind(f);
  *buf = malloc((size_t)*n);
  CHECK(fread(*buf, 1, (size_t)*n, f) == (size_t)*n);
  fclose(f);
}

static void test_layout_mismatch_refused(void) {
  pv_ns_dataset_options o = opts();
  const char *p = pv_test_path("mismatch.h5");
  char part[600];
  snprintf(part, sizeof part, "%s.partial", p);
  remove(p);
  remove(part);
  o.sample_end = 2;
  CHECK_OK(pv_ns_dataset_generate(NULL, p, 0, &o));
  char *before, *after;
  long nb, na;
  file_bytes(part, &before, &nb);
  o.solver.nu = 2e-3;
  CHECK_STATUS(pv_ns_dataset_generate(NULL, p, 0, &o), PV_EFORMAT);
  o.solver.nu = 1e-3;
  o.stride = 1;
  CHECK_STATUS(pv_ns_dataset_generate(NULL, p, 0, &o), PV_EFORMAT);
  o.stride = STRIDE;
  o.solver.scheme = PV_NS_SCHEME_IFRK4;
  CHECK_STATUS(pv_ns_dataset_generate(NULL, p, 0, &o), PV_EFORMAT);
  file_bytes(part, &after, &na);
  CHECK(na == nb && memcmp(before, after, (size_t)nb) == 0);
  free(before);
  free(after);
  /* an incomplete dataset is not exported */
  const char *npy = pv_test_path("partial.npy");
  CHECK_STATUS(pv_ns_dataset_export_npy(NULL, part, npy, 1, 0, 0, NULL), PV_EINVAL);
  CHECK(!exists(npy));
  /* a .partial that is not HDF5 is refused and kept */
  FILE *f = fopen(part, "wb");
  fputs("not hdf5", f);
  fclose(f);
  o.solver.scheme = PV_NS_SCHEME_FNO;
  CHECK_STATUS(pv_ns_dataset_generate(NULL, p, 0, &o), PV_EFORMAT);
  CHECK(exists(part));
  remove(part);
}

static void test_bad_options(void) {
  const char *p = pv_test_path("bad.h5");
  pv_ns_dataset_options o = opts();
  o.samples = 0;
  CHECK_STATUS(pv_ns_dataset_generate(NULL, p, 0, &o), PV_EINVAL);
  o = opts();
  o.stride = 3;
  CHECK_STATUS(pv_ns_dataset_generate(NULL, p, 0, &o), PV_EINVAL);
  o = opts();
  o.dt_record = 0.015;
  CHECK_STATUS(pv_ns_dataset_generate(NULL, p, 0, &o), PV_EINVAL);
  o = opts();
  o.solver.nu = -1;
  CHECK_STATUS(pv_ns_dataset_generate(NULL, p, 0, &o), PV_EINVAL);
  o = opts();
  o.solver.n = 0;
  CHECK_STATUS(pv_ns_dataset_generate(NULL, p, 0, &o), PV_EINVAL);
  o = opts();
  o.sample_begin = 1;
  o.sample_end = 3;
  CHECK_STATUS(pv_ns_dataset_generate(NULL, p, 0, &o), PV_EINVAL);
  CHECK(!exists(p));
  char part[600];
  snprintf(part, sizeof part, "%s.partial", p);
  CHECK(!exists(part));
  pv_ns_dataset_info info = {sizeof info, 0, 0, 0, 0, PV_U8};
  CHECK_STATUS(pv_ns_dataset_info_read(p, &info), PV_ENOTFOUND); /* absent: named as such */
}

static void test_export_npy(void) {
  const char *p = pv_test_path("full.h5"), *out = pv_test_path("full.npy");
  remove(out);
  CHECK_OK(pv_ns_dataset_export_npy(NULL, p, out, 0, 1, 0 + NT + 1, NULL));
  pv_array *a;
  CHECK_OK(pv_npy_read(out, &a));
  const pv_view *v = pv_array_view(a);
  CHECK(v->dtype == PV_F32 && v->ndim == 4);
  CHECK(v->shape[0] == NS && v->shape[1] == R && v->shape[2] == R && v->shape[3] == NT);
  static double w[(NT + 1) * R * R];
  const float *d = pv_array_data(a);
  for (int s = 0; s < NS; s++) {
    CHECK_OK(pv_ns_dataset_read_sample(p, s, w));
    for (int i = 0; i < R; i += 5)
      for (int j = 0; j < R; j += 3)
        for (int t = 0; t < NT; t++)
          CHECK(d[(((size_t)s * R + i) * R + j) * NT + t] == (float)w[(size_t)(t + 1) * R * R + i * R + j]);
  }
  pv_array_destroy(&a);
  CHECK_STATUS(pv_ns_dataset_export_npy(NULL, p, out, 0, 0, 0, NULL), PV_EEXIST);
  CHECK_STATUS(pv_ns_dataset_export_npy(NULL, p, out, 1, 2, 9, NULL), PV_EINVAL);
}

PV_TEST_MAIN(PV_CASE(test_generate_equals_direct), PV_CASE(test_resume_range_and_cancel),
             PV_CASE(test_layout_mismatch_refused), PV_CASE(test_bad_options),
             PV_CASE(test_export_npy))
