/* test_nn_bad_input.c - bad input for the ns-forecast NN verbs through the
 * host (argv[1]): NaN in the data, a dataset of another resolution, a
 * vorticity array with an extra channel axis, too few time slices for the
 * model's input channels, a truncated checkpoint, a checkpoint of another
 * architecture or model type. Each run must fail with a message naming the
 * file and the field, and leave every output (report, checkpoint) byte for
 * byte as it was, even with --overwrite. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/fileout.h>
#include <parseval/h5.h>
#include <parseval/ns.h>
#include "pv_test.h"

static const char *host;
static char dir[4096];

static const char *at(const char *name) {
  static char buf[4][4200];
  static int k;
  k = (k + 1) % 4;
  snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
  return buf[k];
}

static void dataset(const char *name, int n, int nt) {
  pv_ns_dataset_options o = PV_NS_DATASET_OPTIONS_INIT;
  o.solver.n = n;
  o.solver.dt = 1e-2;
  o.solver.rigor = PV_FFT_ESTIMATE;
  o.samples = 4;
  o.nt = nt;
  o.dt_record = 0.5;
  o.seed = 5;
  CHECK_OK(pv_ns_dataset_generate(NULL, at(name), 1, &o));
}

/* Run `parseval ns-forecast ARGS`; returns the exit status, stderr in *err. */
static int run(const char *args, char **err) {
  char cmd[40000];
  snprintf(cmd, sizeof cmd, "'%s' ns-forecast %s > '%s' 2> '%s'", host, args, at("out.txt"),
           at("err.txt"));
  int st = system(cmd);
  size_t n;
  *err = NULL;
  CHECK_OK(pv_file_read_all(at("err.txt"), 1 << 20, err, &n));
  return st;
}

static char *slurp(const char *path, size_t *n) {
  char *b = NULL;
  CHECK_OK(pv_file_read_all(path, 1 << 26, &b, n));
  return b;
}

/* args must fail naming file and field; the files in keep[] stay as they were. */
static void refused(const char *args, const char *file, const char *field, const char *keep1,
                    const char *keep2) {
  size_t n1 = 0, n2 = 0, m1 = 0, m2 = 0;
  char *b1 = slurp(keep1, &n1), *b2 = keep2 ? slurp(keep2, &n2) : NULL, *err = NULL;
  int st = run(args, &err);
  CHECK(st != 0);
  int named = err && strstr(err, file) && strstr(err, field);
  if (!named) printf("args: %s\n", args);
  printf("refused: %s", err ? err : "(no message)\n");
  CHECK(named);
  char *a1 = slurp(keep1, &m1), *a2 = keep2 ? slurp(keep2, &m2) : NULL;
  CHECK(n1 == m1 && b1 && a1 && !memcmp(b1, a1, n1));
  if (keep2) CHECK(n2 == m2 && b2 && a2 && !memcmp(b2, a2, n2));
  pv_free(b1); pv_free(b2); pv_free(a1); pv_free(a2); pv_free(err);
}

static void copy(const char *from, const char *to) {
  size_t n;
  char *b = slurp(from, &n);
  CHECK_OK(pv_file_write_atomic(to, b, n, 1));
  pv_free(b);
}

static void test_bad_input(void) {
  if (!host) return;
  snprintf(dir, sizeof dir, "%s", pv_test_tmpdir());
  dataset("a.h5", 16, 5);
  dataset("b32.h5", 32, 5);
  dataset("short.h5", 16, 1); /* 2 slices: the t_in 2 inputs leave none to forecast */
  const char *tr = "--epochs=1 --ntrain=2 --ntest=1 --t-in=2 --t-out=2 --batch=2 --modes=3 --width=4";
  char args[20000], *err = NULL;
  snprintf(args, sizeof args, "train %s '%s' '%s'", tr, at("a.h5"), at("model.h5"));
  CHECK(run(args, &err) == 0);
  pv_free(err);
  snprintf(args, sizeof args, "eval --samples=1 --t-out=2 '%s' '%s' '%s'", at("model.h5"),
           at("a.h5"), at("rep.json"));
  CHECK(run(args, &err) == 0);
  pv_free(err);
  /* NaN in the data: eval and a resumed training */
  copy(at("a.h5"), at("nan.h5"));
  pv_h5 *f = NULL;
  CHECK_OK(pv_h5_open_rw(at("nan.h5"), &f));
  double nan = NAN;
  size_t one[4] = {1, 1, 1, 1}, off[4] = {3, 2, 5, 7};
  pv_view v;
  CHECK_OK(pv_view_init(&v, &nan, PV_F64, 4, one));
  CHECK_OK(pv_h5_write_slab(f, "vorticity", off, &v));
  pv_h5_close(&f);
  snprintf(args, sizeof args, "--overwrite eval --samples=1 --t-out=2 '%s' '%s' '%s'",
           at("model.h5"), at("nan.h5"), at("rep.json"));
  refused(args, "nan.h5", "sample 3", at("rep.json"), NULL);
  snprintf(args, sizeof args, "--overwrite train --resume --epochs=2 %s '%s' '%s'", tr + 11,
           at("nan.h5"), at("model.h5"));
  refused(args, "nan.h5", "non-finite", at("model.h5"), NULL);
  /* another resolution: resuming the 16 x 16 run on 32 x 32 data */
  snprintf(args, sizeof args, "--overwrite train --resume --epochs=2 %s '%s' '%s'", tr + 11,
           at("b32.h5"), at("model.h5"));
  refused(args, "model.h5", "'n'", at("model.h5"), NULL);
  /* a vorticity array with an extra (channel) axis */
  CHECK_OK(pv_h5_create(at("chan.h5"), 1, &f));
  CHECK_OK(pv_h5_set_attr_string(f, "/", "format", "parseval-ns-dataset"));
  size_t sh5[5] = {4, 6, 2, 16, 16}, sh1[1] = {4};
  CHECK_OK(pv_h5_create_dataset(f, "vorticity", PV_F32, 5, sh5, NULL));
  CHECK_OK(pv_h5_create_dataset(f, "done", PV_U8, 1, sh1, NULL));
  CHECK_OK(pv_h5_commit(&f));
  snprintf(args, sizeof args, "--overwrite eval --samples=1 --t-out=2 '%s' '%s' '%s'",
           at("model.h5"), at("chan.h5"), at("rep.json"));
  refused(args, "chan.h5", "vorticity", at("rep.json"), NULL);
  /* too few time slices for the model's t_in input channels + forecast */
  snprintf(args, sizeof args, "--overwrite eval --samples=1 --t-out=2 '%s' '%s' '%s'",
           at("model.h5"), at("short.h5"), at("rep.json"));
  refused(args, "short.h5", "time slices", at("rep.json"), NULL);
  snprintf(args, sizeof args, "--overwrite predict --samples=1 '%s' '%s' '%s'", at("model.h5"),
           at("short.h5"), at("rep.json"));
  refused(args, "short.h5", "time slices", at("rep.json"), NULL);
  /* a truncated checkpoint: eval, predict, diagnose, resume */
  size_t n;
  char *b = slurp(at("model.h5"), &n);
  CHECK_OK(pv_file_write_atomic(at("trunc.h5"), b, n * 2 / 3, 1));
  pv_free(b);
  snprintf(args, sizeof args, "--overwrite eval --samples=1 --t-out=2 '%s' '%s' '%s'",
           at("trunc.h5"), at("a.h5"), at("rep.json"));
  refused(args, "trunc.h5", "HDF5", at("rep.json"), NULL);
  snprintf(args, sizeof args, "--overwrite diagnose '%s' '%s'", at("trunc.h5"), at("rep.json"));
  refused(args, "trunc.h5", "HDF5", at("rep.json"), NULL);
  snprintf(args, sizeof args, "--overwrite train --resume --epochs=2 %s '%s' '%s'", tr + 11,
           at("a.h5"), at("trunc.h5"));
  refused(args, "trunc.h5", "HDF5", at("trunc.h5"), NULL);
  /* another architecture (width), and another model type */
  snprintf(args, sizeof args, "--overwrite train --resume --epochs=2 %s --width=5 '%s' '%s'",
           "--ntrain=2 --ntest=1 --t-in=2 --t-out=2 --batch=2 --modes=3", at("a.h5"),
           at("model.h5"));
  refused(args, "model.h5", "architecture", at("model.h5"), NULL);
  CHECK_OK(pv_h5_create(at("other.h5"), 1, &f));
  CHECK_OK(pv_h5_set_attr_string(f, "/", "format", "parseval-nn-checkpoint"));
  CHECK_OK(pv_h5_set_attr_int(f, "/", "version", 1));
  CHECK_OK(pv_h5_set_attr_string(f, "/", "model", "no-such-model"));
  CHECK_OK(pv_h5_commit(&f));
  snprintf(args, sizeof args, "--overwrite eval --samples=1 --t-out=2 '%s' '%s' '%s'",
           at("other.h5"), at("a.h5"), at("rep.json"));
  refused(args, "other.h5", "model", at("rep.json"), NULL);
  snprintf(args, sizeof args, "--overwrite train --resume --epochs=2 %s '%s' '%s'", tr + 11,
           at("a.h5"), at("other.h5"));
  refused(args, "other.h5", "model", at("other.h5"), NULL);
}

int main(int argc, char **argv) {
  host = argc > 1 ? argv[1] : NULL;
  static const pv_test_case cases[] = {PV_CASE(test_bad_input)};
  return pv_test_main(1, argv, cases, 1);
}
