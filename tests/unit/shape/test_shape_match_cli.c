/* `parseval shape-match` end to end through the real host on the committed
 * demo pair: the map file is checked independently (format, range, its
 * geodesic error recomputed here with edge Dijkstra, an upper bound of the
 * JSON's heat-method figure), --zero-based, exit codes on bad input, and a
 * batch with one failing pair. The host binary is the last argument. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <parseval/parseval.h>
#include <parseval/mesh.h>
#include <parseval/shape.h>

#include "pv_test.h"

static const char *host;

static const char *data(const char *name) {
  static char buf[8][1024];
  static int k;
  char *b = buf[k++ % 8];
  const char *src = getenv("PV_SOURCE_DIR");
  snprintf(b, 1024, "%s/datasets/shape/%s", src ? src : ".", name);
  return b;
}

static int run(const char *args) {
  char cmd[8192], *err = NULL;
  size_t n = 0;
  snprintf(cmd, sizeof cmd, "%s shape-match %s 2> %s", host, args, pv_test_path("stderr.txt"));
  int st = system(cmd);
  /* A sanitizer report or a crash is never an acceptable way to fail. */
  if (!pv_file_read_all(pv_test_path("stderr.txt"), 1 << 20, &err, &n) && (strstr(err, "runtime error") || strstr(err, "Sanitizer")))
    pv_test_fail(__FILE__, __LINE__, "host reported: %s", err);
  pv_free(err);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char *fast = "--k=80 --k-fmap=25 --zoomout=60 --n-descr=50";

static int64_t *read_map(const char *path, int64_t *n) {
  int64_t *v = NULL;
  if (pv_shape_read_vts(path, &v, n)) {
    pv_test_fail(__FILE__, __LINE__, "reading %s: %s", path, pv_error_message());
    pv_error_clear();
  }
  return v;
}

static double json_number(const char *path, const char *key) {
  char *text = NULL;
  size_t n = 0;
  if (pv_file_read_all(path, 1 << 20, &text, &n)) return NAN;
  char pat[128];
  snprintf(pat, sizeof pat, "\"%s\": ", key);
  const char *p = strstr(text, pat);
  double v = p ? strtod(p + strlen(pat), NULL) : NAN;
  pv_free(text);
  return v;
}

static void test_run(void) {
  char args[4096];
  snprintf(args, sizeof args, "run %s --gt-source=%s --gt-target=%s --metrics=%s --png=%s --colored=%s %s %s %s", fast,
           data("blob_b.vts"), data("blob_a.vts"), pv_test_path("m.json"), pv_test_path("p.png"), pv_test_path("col"), data("blob_b.off"),
           data("blob_a.off"), pv_test_path("map.vts"));
  CHECK_EQ_INT(run(args), 0);
  int64_t n = 0, *T = read_map(pv_test_path("map.vts"), &n);
  pv_mesh *a = NULL, *b = NULL, *c = NULL;
  CHECK_OK(pv_mesh_read(data("blob_a.off"), PV_MESH_AUTO, &a));
  CHECK_OK(pv_mesh_read(data("blob_b.off"), PV_MESH_AUTO, &b));
  CHECK_OK(pv_mesh_read(pv_test_path("col_source.ply"), PV_MESH_AUTO, &c));
  if (!T || !a || !b || !c) goto done;
  CHECK_EQ_INT(n, b->nv);
  for (int64_t i = 0; i < n; i++) CHECK(T[i] >= 0 && T[i] < a->nv);
  CHECK(c->rgb != NULL && c->nv == b->nv);
  int64_t *ga = NULL, *gb = NULL, na, nb;
  CHECK_OK(pv_shape_read_vts(data("blob_a.vts"), &ga, &na));
  CHECK_OK(pv_shape_read_vts(data("blob_b.vts"), &gb, &nb));
  double dij = NAN, heat = json_number(pv_test_path("m.json"), "geodesic_error_x100");
  CHECK_OK(pv_shape_geodesic_error(NULL, a, 1, T, b->nv, ga, gb, na, NULL, &dij));
  printf("demo pair: heat-method error x100 %.3f (JSON), edge-Dijkstra upper bound %.3f (recomputed)\n", heat, 100 * dij);
  CHECK(heat < 5.0);
  CHECK(heat <= 100 * dij * 1.02 && heat > 0.7 * 100 * dij);
  pv_free(ga);
  pv_free(gb);
  /* --zero-based writes the same map minus one. */
  snprintf(args, sizeof args, "run %s --zero-based %s %s %s", fast, data("blob_b.off"), data("blob_a.off"), pv_test_path("map0.txt"));
  CHECK_EQ_INT(run(args), 0);
  FILE *fp = fopen(pv_test_path("map0.txt"), "r");
  long long v;
  int64_t i = 0, same = 1;
  while (fp && fscanf(fp, "%lld", &v) == 1 && i < n) same &= v == T[i++];
  if (fp) fclose(fp);
  CHECK(same && i == n);
done:
  pv_free(T);
  pv_mesh_destroy(&a);
  pv_mesh_destroy(&b);
  pv_mesh_destroy(&c);
}

static void test_bad_input(void) {
  char args[4096];
  snprintf(args, sizeof args, "run %s %s %s", data("blob_b.off"), pv_test_path("missing.off"), pv_test_path("x.vts"));
  CHECK_EQ_INT(run(args), 1);
  snprintf(args, sizeof args, "run --k=5 %s %s %s", data("blob_b.off"), data("blob_a.off"), pv_test_path("x.vts"));
  CHECK_EQ_INT(run(args), 2);
  CHECK_OK(pv_file_write_atomic(pv_test_path("bad.off"), "OFF\n3 1 0\n0 0 0\n1 0 0\n0 1 0\n3 0 1 7\n", 37, 0));
  snprintf(args, sizeof args, "run %s %s %s", pv_test_path("bad.off"), data("blob_a.off"), pv_test_path("x.vts"));
  CHECK_EQ_INT(run(args), 1);
  FILE *fp = fopen(pv_test_path("x.vts"), "r");
  CHECK(fp == NULL); /* no output on failure */
  if (fp) fclose(fp);
}

static void test_batch(void) {
  char list[4096], args[4096];
  snprintf(list, sizeof list, "%s %s %s %s\n# comment\nnothere.off %s\n", data("blob_b.off"), data("blob_a.off"),
           data("blob_b.vts"), data("blob_a.vts"), data("blob_a.off"));
  CHECK_OK(pv_file_write_atomic(pv_test_path("pairs.txt"), list, strlen(list), 0));
  snprintf(args, sizeof args, "batch %s %s %s", fast, pv_test_path("pairs.txt"), pv_test_tmpdir());
  CHECK_EQ_INT(run(args), 0);
  CHECK_NEAR(json_number(pv_test_path("summary.json"), "pairs_total"), 2, 0);
  CHECK_NEAR(json_number(pv_test_path("summary.json"), "pairs_failed"), 1, 0);
  CHECK(json_number(pv_test_path("summary.json"), "mean_geodesic_error_x100") < 5.0);
  int64_t n = 0, *T = read_map(pv_test_path("pair001.vts"), &n);
  CHECK_EQ_INT(n, 2562);
  pv_free(T);
}

int main(int argc, char **argv) {
  host = argc > 1 ? argv[argc - 1] : "parseval";
  static const pv_test_case cases[] = {PV_CASE(test_run), PV_CASE(test_bad_input), PV_CASE(test_batch)};
  return pv_test_main(argc > 2 ? 2 : 1, argv, cases, 3);
}
