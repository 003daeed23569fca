/* Mesh readers and writers: exact round trips through every format, the
 * syntax variants of each format, and hostile files (clear errors). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <parseval/parseval.h>
#include <parseval/mesh.h>

#include "pv_test.h"

/* An n x n grid of the unit square lifted onto a bumpy height field. */
static pv_mesh *grid(int n, int rgb) {
  pv_mesh *m;
  CHECK_OK(pv_mesh_create((int64_t)n * n, 2 * (int64_t)(n - 1) * (n - 1), rgb, &m));
  for (int j = 0; j < n; j++)
    for (int i = 0; i < n; i++) {
      double *p = m->v + 3 * (j * n + i);
      p[0] = i / (n - 1.0) + 1e-13 * j;
      p[1] = j / (n - 1.0);
      p[2] = 0.1 * sin(3.0 * p[0]) * cos(2.0 * p[1]) + 1.0 / 3.0;
      if (rgb) for (int k = 0; k < 3; k++) m->rgb[3 * (j * n + i) + k] = (unsigned char)(i * 7 + j * 3 + k);
    }
  int64_t t = 0;
  for (int j = 0; j + 1 < n; j++)
    for (int i = 0; i + 1 < n; i++) {
      int64_t a = j * n + i, b = a + 1, c = a + n, d = c + 1;
      int64_t q[6] = {a, b, d, a, d, c};
      memcpy(m->f + 6 * t++, q, sizeof q);
    }
  return m;
}

static void same_mesh(const pv_mesh *a, const pv_mesh *b, int rgb) {
  CHECK_EQ_INT(a->nv, b->nv);
  CHECK_EQ_INT(a->nf, b->nf);
  CHECK(!memcmp(a->v, b->v, (size_t)a->nv * 3 * sizeof(double)));
  CHECK(!memcmp(a->f, b->f, (size_t)a->nf * 3 * sizeof(int64_t)));
  if (rgb) {
    CHECK(b->rgb != NULL);
    if (b->rgb) CHECK(!memcmp(a->rgb, b->rgb, (size_t)a->nv * 3));
  }
}

static void test_round_trip(void) {
  const char *ext[] = {"off", "obj", "ply", "ply"};
  pv_mesh_format fmt[] = {PV_MESH_OFF, PV_MESH_OBJ, PV_MESH_PLY, PV_MESH_PLY_BINARY};
  for (int rgb = 0; rgb < 2; rgb++)
    for (int k = 0; k < 4; k++) {
      pv_mesh *m = grid(9, rgb), *r = NULL;
      char path[512];
      snprintf(path, sizeof path, "%s/rt%d_%d.%s", pv_test_tmpdir(), rgb, k, ext[k]);
      CHECK_OK(pv_mesh_write(m, path, fmt[k], 0));
      CHECK_STATUS(pv_mesh_write(m, path, fmt[k], 0), PV_EEXIST);
      CHECK_OK(pv_mesh_read(path, PV_MESH_AUTO, &r));
      if (r) same_mesh(m, r, rgb && k != 1); /* OBJ colours are 6-digit fractions */
      pv_mesh_destroy(&r);
      pv_mesh_destroy(&m);
    }
}

static pv_mesh *parse(const char *text, pv_mesh_format fmt) {
  pv_mesh *m = NULL;
  int rc = pv_mesh_read_mem(text, strlen(text), fmt, "t", &m);
  if (rc) pv_test_fail(__FILE__, __LINE__, "parse failed: %s", pv_error_message());
  return m;
}

static void test_variants(void) {
  /* OFF: counts on the header line, a comment, a quad split into two triangles. */
  pv_mesh *m = parse("OFF 4 1 0\n# c\n0 0 0\n1 0 0\n1 1 0\n0 1 0\n4 0 1 2 3\n", PV_MESH_AUTO);
  if (m) {
    CHECK_EQ_INT(m->nf, 2);
    CHECK_EQ_INT(m->f[3], 0);
    CHECK_EQ_INT(m->f[4], 2);
    CHECK_EQ_INT(m->f[5], 3);
    CHECK_NEAR(pv_mesh_area(m), 1.0, 1e-15);
  }
  pv_mesh_destroy(&m);
  /* OBJ: slashes, negative indices, ignored statements. */
  m = parse("o x\nv 0 0 0\nv 1 0 0\nvt 0 0\nv 0 1 0\nvn 0 0 1\nf 1/1/1 2//1 -1\n", PV_MESH_AUTO);
  if (m) {
    CHECK_EQ_INT(m->nv, 3);
    CHECK_EQ_INT(m->nf, 1);
    CHECK_EQ_INT(m->f[2], 2);
  }
  pv_mesh_destroy(&m);
  /* PLY ascii with an extra element, float colours, a normal property. */
  m = parse("ply\nformat ascii 1.0\ncomment hi\nelement vertex 3\nproperty float x\nproperty float y\n"
            "property float z\nproperty float nx\nproperty uchar red\nproperty uchar green\nproperty uchar blue\n"
            "element face 1\nproperty list uchar int vertex_indices\nelement edge 1\nproperty int a\nproperty int b\n"
            "end_header\n0 0 0 1 255 0 0\n2 0 0 1 0 255 0\n0 2 0 1 0 0 255\n3 0 1 2\n0 1\n", PV_MESH_AUTO);
  if (m) {
    CHECK_EQ_INT(m->nf, 1);
    CHECK(m->rgb && m->rgb[4] == 255);
    CHECK_NEAR(pv_mesh_area(m), 2.0, 1e-15);
  }
  pv_mesh_destroy(&m);
}

static void test_big_endian(void) {
  const char *hdr = "ply\nformat binary_big_endian 1.0\nelement vertex 3\nproperty float x\nproperty float y\n"
                    "property float z\nelement face 1\nproperty list uchar uint vertex_indices\nend_header\n";
  unsigned char buf[512];
  size_t n = strlen(hdr);
  memcpy(buf, hdr, n);
  float xyz[9] = {0, 0, 0, 3, 0, 0, 0, 4, 0};
  for (int i = 0; i < 9; i++) {
    uint32_t u;
    memcpy(&u, &xyz[i], 4);
    for (int b = 3; b >= 0; b--) buf[n++] = (unsigned char)(u >> (8 * b));
  }
  buf[n++] = 3;
  for (int i = 0; i < 3; i++) { buf[n++] = 0; buf[n++] = 0; buf[n++] = 0; buf[n++] = (unsigned char)i; }
  pv_mesh *m = NULL;
  CHECK_OK(pv_mesh_read_mem((const char *)buf, n, PV_MESH_AUTO, "be.ply", &m));
  if (m) CHECK_NEAR(pv_mesh_area(m), 6.0, 1e-12);
  pv_mesh_destroy(&m);
  /* Truncated by one byte: a clear error naming the file. */
  CHECK_STATUS(pv_mesh_read_mem((const char *)buf, n - 1, PV_MESH_AUTO, "be.ply", &m), PV_EFORMAT);
  CHECK(m == NULL);
}

static void expect_error(const char *text, const char *name, const char *needle) {
  pv_mesh *m = NULL;
  int rc = pv_mesh_read_mem(text, strlen(text), PV_MESH_AUTO, name, &m);
  CHECK(rc == PV_EFORMAT);
  CHECK(m == NULL);
  const char *msg = pv_error_message();
  if (!strstr(msg, name) || !strstr(msg, needle))
    pv_test_fail(__FILE__, __LINE__, "message '%s' lacks '%s' or '%s'", msg, name, needle);
  pv_error_clear();
}

static void test_hostile(void) {
  pv_mesh *m = NULL;
  CHECK_STATUS(pv_mesh_read_mem("", 0, PV_MESH_AUTO, "e.off", &m), PV_EFORMAT);
  expect_error("OFF\n3 1 0\n0 0 0\n1 0 0\n0 1 0\n3 0 1 3\n", "idx.off", "vertex index 3");
  expect_error("OFF\n3 1 0\n0 0 0\nnan 0 0\n0 1 0\n3 0 1 2\n", "nan.off", "not finite");
  expect_error("OFF\n3 1 0\n0 0 0\n1 0\n", "short.off", "declares");
  expect_error("OFF\n1 0 0\n0 0\n", "trunc.off", "vertex z missing");
  expect_error("OFF\n99999999 1 0\n0 0 0\n", "huge.off", "declares");
  expect_error("OFF\n-3 1 0\n", "neg.off", "vertex count");
  expect_error("v 0 0 0\nv 1 0 0\nf 1 2 7\n", "idx.obj", "face corner");
  expect_error("v 0 0 0\nv 1 0 0\nv 0 x 0\n", "bad.obj", "vertex y");
  expect_error("ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\nend_header\n0 0 0\n1 0 0\n",
               "trunc.ply", "file ends");
  expect_error("ply\nformat ascii 1.0\nelement vertex 2\nproperty float x\nproperty float y\n", "nohdr.ply", "end_header");
  expect_error("ply\nformat ascii 1.0\nelement vertex 2\nproperty float x\nproperty float y\nend_header\n0 0 0 0\n", "noz.ply", "x, y or z");
  expect_error("ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\n"
               "element face 1\nproperty list uchar int vertex_indices\nend_header\n0 0 0\n1 0 0\n0 1 0\n3 0 1 -1\n",
               "neg.ply", "vertex index");
  expect_error("ply\nformat binary_little_endian 1.0\nelement vertex 4000000000\nproperty float x\nproperty float y\nproperty float z\nend_header\n",
               "big.ply", "count");
  /* A point cloud (no faces) and isolated vertices are valid input. */
  m = parse("ply\nformat ascii 1.0\nelement vertex 2\nproperty double x\nproperty double y\nproperty double z\nend_header\n1 2 3\n4 5 6\n", PV_MESH_AUTO);
  if (m) { CHECK_EQ_INT(m->nv, 2); CHECK_EQ_INT(m->nf, 0); CHECK(m->v[5] == 6.0); }
  pv_mesh_destroy(&m);
  char path[512];
  snprintf(path, sizeof path, "%s/missing.off", pv_test_tmpdir());
  CHECK(pv_mesh_read(path, PV_MESH_AUTO, &m) < 0);
  CHECK(strstr(pv_error_message(), "missing.off") != NULL);
  pv_error_clear();
}

static void test_alloc_failures(void) {
  const char *t = "OFF\n4 2 0\n0 0 0\n1 0 0\n1 1 0\n0 1 0\n3 0 1 2\n3 0 2 3\n";
  for (long k = 0; k < 40; k++) {
    pv_mesh *m = NULL;
    long live = pv_test_alloc_live();
    pv_test_fail_alloc_after(k);
    int rc = pv_mesh_read_mem(t, strlen(t), PV_MESH_AUTO, "a.off", &m);
    pv_test_fail_alloc_after(-1);
    CHECK(rc == 0 || rc == PV_ENOMEM);
    if (!rc) CHECK_EQ_INT(m->nf, 2);
    pv_mesh_destroy(&m);
    pv_error_clear();
    CHECK_EQ_INT(pv_test_alloc_live(), live);
  }
}

PV_TEST_MAIN(PV_CASE(test_round_trip), PV_CASE(test_variants), PV_CASE(test_big_endian), PV_CASE(test_hostile),
             PV_CASE(test_alloc_failures))
