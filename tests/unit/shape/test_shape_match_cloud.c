/* `parseval shape-match` on point clouds, through the real host:
 *  - the demo pair matched as point clouds (--pointcloud: faces dropped,
 *    point-cloud Laplacian, orientation term off with a warning) against the
 *    same pair matched as meshes, both scored by the heat method on the
 *    target's faces;
 *  - the same points given as face-less OFF files: scored on the k-NN graph
 *    (Dijkstra), which is checked against two independent figures of the same
 *    map file: the Euclidean distance (a strict lower bound of any path) and
 *    the heat-method geodesic on the faces of the mesh the points came from;
 *  - a cloud and its rigidly moved and permuted copy (binary PLY): the
 *    permutation is recovered exactly, with and without --sw;
 *  - refused combinations (cotan Laplacian or --png on clouds, --sw without
 *    ZoomOut, --sw out of range). The host binary is the last argument. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <parseval/parseval.h>
#include <parseval/mesh.h>
#include <parseval/rng.h>
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

/* Exit status of the host; stderr kept in *log (pv_free) when log != NULL. */
static int run(const char *args, char **log) {
  char cmd[8192], *err = NULL;
  size_t n = 0;
  snprintf(cmd, sizeof cmd, "%s shape-match %s 2> %s", host, args, pv_test_path("stderr.txt"));
  int st = system(cmd);
  if (!pv_file_read_all(pv_test_path("stderr.txt"), 1 << 20, &err, &n) && (strstr(err, "runtime error") || strstr(err, "Sanitizer")))
    pv_test_fail(__FILE__, __LINE__, "host reported: %s", err);
  if (log) *log = err; else pv_free(err);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char *fast = "--k=80 --k-fmap=25 --zoomout=60 --n-descr=50 --overwrite";

static double json_number(const char *path, const char *key) {
  char *text = NULL;
  size_t n = 0;
  if (pv_file_read_all(path, 1 << 20, &text, &n)) return NAN;
  char pat[128];
  snprintf(pat, sizeof pat, "\"%s\": ", key);
  const char *p = strstr(text, pat);
  double v = NAN;
  if (p && !strncmp(p + strlen(pat), "true", 4)) v = 1;
  else if (p && !strncmp(p + strlen(pat), "false", 5)) v = 0;
  else if (p) v = strtod(p + strlen(pat), NULL);
  pv_free(text);
  return v;
}

/* The points of a mesh file written as a face-less file. */
static void write_cloud(const pv_mesh *m, const char *path) {
  pv_mesh *c = NULL;
  CHECK_OK(pv_mesh_create(m->nv, 0, 0, &c));
  if (!c) return;
  memcpy(c->v, m->v, (size_t)m->nv * 3 * sizeof(double));
  CHECK_OK(pv_mesh_write(c, path, PV_MESH_AUTO, 1));
  pv_mesh_destroy(&c);
}

static void run_pair(const char *extra, const char *src, const char *tgt, const char *metrics, const char *map, char **log) {
  char args[8192];
  snprintf(args, sizeof args, "run %s %s --gt-source=%s --gt-target=%s --metrics=%s %s %s %s", fast, extra,
           data("blob_b.vts"), data("blob_a.vts"), metrics, src, tgt, map);
  CHECK_EQ_INT(run(args, log), 0);
}

/* Matched as meshes vs as point clouds (the faces dropped), both scored by
 * the heat method on the target's faces. Tolerance: the cloud basis differs
 * from the mesh one by the discretisation error of the point-cloud
 * Laplacian (a few % on the low eigenvalues, test_pointcloud.c) and loses
 * the orientation term, so the cloud map may be somewhat worse; at k = 60
 * the error of both is dominated by the spectral truncation (~2.5 here).
 * Allowed: at most 20 % above the mesh figure, and still under the demo
 * bar of 5 (measured: mesh 2.58, cloud 2.55). */
static void test_cloud_vs_mesh(void) {
  char *log = NULL;
  run_pair("", data("blob_b.off"), data("blob_a.off"), pv_test_path("mesh.json"), pv_test_path("mesh.vts"), NULL);
  run_pair("--pointcloud", data("blob_b.off"), data("blob_a.off"), pv_test_path("pc.json"), pv_test_path("pc.vts"), &log);
  double em = json_number(pv_test_path("mesh.json"), "geodesic_error_x100"), ep = json_number(pv_test_path("pc.json"), "geodesic_error_x100");
  printf("demo pair: mesh pipeline %.3f, as point clouds %.3f (heat method on the faces, x100)\n", em, ep);
  CHECK(em < 5.0);
  CHECK(ep < 5.0);
  CHECK(ep <= 1.2 * em);
  CHECK_NEAR(json_number(pv_test_path("pc.json"), "point_clouds"), 1, 0);
  CHECK_NEAR(json_number(pv_test_path("mesh.json"), "point_clouds"), 0, 0);
  CHECK_NEAR(json_number(pv_test_path("pc.json"), "orientation_weight"), 0, 0);
  CHECK(log && strstr(log, "orientation term") && strstr(log, "switched off"));
  pv_free(log);
}

/* Face-less files: the k-NN graph error of the map file against the
 * Euclidean lower bound and the heat-method geodesic of the source mesh. */
static void test_cloud_files(void) {
  pv_mesh *a = NULL, *b = NULL;
  int64_t *ga = NULL, *gb = NULL, na = 0, nb = 0, n = 0, *T = NULL;
  CHECK_OK(pv_mesh_read(data("blob_a.off"), PV_MESH_AUTO, &a));
  CHECK_OK(pv_mesh_read(data("blob_b.off"), PV_MESH_AUTO, &b));
  if (!a || !b) goto done;
  write_cloud(a, pv_test_path("a_cloud.off"));
  write_cloud(b, pv_test_path("b_cloud.obj"));
  run_pair("--sw=1", pv_test_path("b_cloud.obj"), pv_test_path("a_cloud.off"), pv_test_path("cl.json"), pv_test_path("cl.vts"), NULL);
  double eg = json_number(pv_test_path("cl.json"), "geodesic_error_x100");
  CHECK_OK(pv_shape_read_vts(pv_test_path("cl.vts"), &T, &n));
  CHECK_OK(pv_shape_read_vts(data("blob_a.vts"), &ga, &na));
  CHECK_OK(pv_shape_read_vts(data("blob_b.vts"), &gb, &nb));
  if (!T || !ga || !gb || n != b->nv) goto done;
  double eh = NAN, ed = NAN, eu = 0, area = pv_mesh_area(a);
  CHECK_OK(pv_shape_geodesic_error(NULL, a, 0, T, n, ga, gb, na, NULL, &eh));
  CHECK_OK(pv_shape_geodesic_error(NULL, a, 1, T, n, ga, gb, na, NULL, &ed));
  for (int64_t i = 0; i < na; i++) {
    const double *p = a->v + 3 * ga[i], *q = a->v + 3 * T[gb[i]];
    eu += sqrt((p[0] - q[0]) * (p[0] - q[0]) + (p[1] - q[1]) * (p[1] - q[1]) + (p[2] - q[2]) * (p[2] - q[2]));
  }
  eu = 100 * eu / (double)na / sqrt(area);
  eh *= 100;
  ed *= 100;
  printf("cloud files (--sw=1): k-NN graph error %.3f; same map: Euclidean %.3f, heat on the mesh %.3f, mesh-edge "
         "Dijkstra %.3f\n", eg, eu, eh, ed);
  /* A graph path is never shorter than the chord; the cloud's area (the
   * Laplacian's mass) is within a few % of the mesh's, hence 0.95. */
  CHECK(eg >= 0.95 * eu);
  /* Graph paths zigzag (longer than the geodesic by ~10 % on a 10-NN graph
   * of a uniform sampling) and chords cut corners (shorter): 0.9 - 1.3. */
  CHECK(eg >= 0.9 * eh && eg <= 1.3 * eh);
  /* The 10-NN graph holds the mesh's 1-rings (valence ~6) plus shortcuts:
   * no longer than the mesh-edge paths (area ratio again: 1.05). */
  CHECK(eg <= 1.05 * ed);
  CHECK(eg < 5.0);
done:
  pv_free(T);
  pv_free(ga);
  pv_free(gb);
  pv_mesh_destroy(&a);
  pv_mesh_destroy(&b);
}

/* A cloud and its rotated, translated, permuted copy: the map is the
 * permutation, exactly. --target-samples=0: with the images restricted to
 * farthest-point samples of the target while ZoomOut iterates, the source's
 * samples (other points) cannot find their exact images and the last map is
 * off on ~2 % of the points. */
static void test_permuted_self(void) {
  pv_mesh *a = NULL, *c = NULL;
  CHECK_OK(pv_mesh_read(data("blob_a.off"), PV_MESH_AUTO, &a));
  if (!a) return;
  write_cloud(a, pv_test_path("self_x.off"));
  size_t *perm = pv_malloc((size_t)a->nv * sizeof *perm);
  CHECK_OK(pv_mesh_create(a->nv, 0, 0, &c));
  if (!perm || !c) goto done;
  pv_rng r;
  pv_rng_init(&r, 9, 0);
  for (size_t i = 0; i < (size_t)a->nv; i++) perm[i] = i;
  pv_rng_shuffle(&r, perm, (size_t)a->nv);
  double cs = cos(0.7), sn = sin(0.7);
  for (int64_t i = 0; i < a->nv; i++) {
    const double *p = a->v + 3 * perm[i];
    c->v[3 * i] = cs * p[0] - sn * p[2] + 0.3;
    c->v[3 * i + 1] = p[1] - 1.0;
    c->v[3 * i + 2] = sn * p[0] + cs * p[2] + 2.0;
  }
  CHECK_OK(pv_mesh_write(c, pv_test_path("self_y.ply"), PV_MESH_PLY_BINARY, 1));
  const char *sw[] = {"", "--sw=1", "--sw=2"};
  for (int s = 0; s < 3; s++) {
    char args[4096];
    snprintf(args, sizeof args, "run %s %s --target-samples=0 --zero-based %s %s %s", fast, sw[s], pv_test_path("self_y.ply"),
             pv_test_path("self_x.off"), pv_test_path("self.vts"));
    CHECK_EQ_INT(run(args, NULL), 0);
    int64_t n = 0, wrong = 0;
    FILE *fp = fopen(pv_test_path("self.vts"), "r");
    long long v;
    while (fp && n < a->nv && fscanf(fp, "%lld", &v) == 1) wrong += (size_t)v != perm[n++];
    if (fp) fclose(fp);
    printf("permuted rigid copy %s: %lld of %lld points matched wrongly\n", sw[s], (long long)wrong, (long long)n);
    CHECK_EQ_INT(n, a->nv);
    CHECK_EQ_INT(wrong, 0);
  }
done:
  pv_free(perm);
  pv_mesh_destroy(&a);
  pv_mesh_destroy(&c);
}

static void test_refused(void) {
  char args[4096];
  pv_mesh *a = NULL;
  CHECK_OK(pv_mesh_read(data("blob_a.off"), PV_MESH_AUTO, &a));
  if (!a) return;
  write_cloud(a, pv_test_path("refused_x.off"));
  pv_mesh_destroy(&a);
  const char *bad[] = {"--laplacian=cotan", "--png=%s/x.png", "--sw=1 --zoomout=0", "--sw=3"};
  for (int i = 0; i < 4; i++) {
    char extra[1024];
    snprintf(extra, sizeof extra, bad[i], pv_test_tmpdir());
    snprintf(args, sizeof args, "run %s %s %s %s %s", fast, extra, data("blob_b.off"), pv_test_path("refused_x.off"),
             pv_test_path("refused.vts"));
    CHECK(run(args, NULL) != 0);
    FILE *fp = fopen(pv_test_path("refused.vts"), "r");
    CHECK(fp == NULL);
    if (fp) fclose(fp);
  }
}

int main(int argc, char **argv) {
  host = argc > 1 ? argv[argc - 1] : "parseval";
  static const pv_test_case cases[] = {PV_CASE(test_cloud_vs_mesh), PV_CASE(test_cloud_files),
                                       PV_CASE(test_permuted_self), PV_CASE(test_refused)};
  return pv_test_main(argc > 2 ? 2 : 1, argv, cases, 4);
}
