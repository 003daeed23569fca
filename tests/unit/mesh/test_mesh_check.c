/* Validation and repair: every defect counted on hand-built meshes whose
 * defects are known, repairs with the vertex map, and real meshes with
 * several components and a degenerate face (shared datasets). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <parseval/parseval.h>
#include <parseval/mesh.h>

#include "pv_test.h"

static pv_mesh *from_text(const char *t) {
  pv_mesh *m = NULL;
  CHECK_OK(pv_mesh_read_mem(t, strlen(t), PV_MESH_OFF, "t.off", &m));
  return m;
}

/* A unit square whose second triangle uses a copy (4) of vertex 0, two fins
 * (apexes 9, 11) making edge 0-2 non-manifold, a separate triangle (5-7)
 * given twice, two repeated-corner faces, a zero-area face (0 1 10
 * collinear), a duplicate face and an isolated vertex (8). */
static const char *bad =
    "OFF\n12 10 0\n"
    "0 0 0\n1 0 0\n1 1 0\n0 1 0\n0 0 0\n"       /* 0-4 */
    "5 0 0\n6 0 0\n6 1 0\n"                     /* 5-7 */
    "9 9 9\n"                                   /* 8 isolated */
    "0.5 0.5 1\n2 0 0\n0.5 0.5 -1\n"           /* 9 fin apex, 10 collinear, 11 fin apex */
    "3 0 1 2\n3 4 2 3\n3 5 6 7\n3 0 0 1\n3 0 1 10\n3 0 1 2\n3 0 2 9\n3 1 2 2\n3 5 7 6\n3 0 2 11\n";

static void test_check_counts(void) {
  pv_mesh *m = from_text(bad);
  pv_mesh_report r = PV_MESH_REPORT_INIT;
  CHECK_OK(pv_mesh_check(m, &r));
  CHECK_EQ_INT(r.duplicate_vertices, 1);
  CHECK_EQ_INT(r.degenerate_faces, 2);
  CHECK_EQ_INT(r.zero_area_faces, 1);
  CHECK_EQ_INT(r.duplicate_faces, 2); /* 0 1 2 twice, 5 6 7 reversed */
  CHECK_EQ_INT(r.unreferenced_vertices, 1);
  CHECK_EQ_INT(r.nonmanifold_edges, 1);
  CHECK_EQ_INT(r.components, 3); /* {0-4, 9-11}, {5, 6, 7}, {8} */
  CHECK_NEAR(r.area, 1.0 + sqrt(2.0) + 3 * 0.5, 1e-12); /* degenerate faces add 0, duplicates count */
  pv_mesh_destroy(&m);
}

static void test_repair(void) {
  pv_mesh *m = from_text(bad);
  int64_t vmap[12], changed = 0;
  CHECK_OK(pv_mesh_repair(m, PV_MESH_REPAIR_MERGE_DUPLICATES | PV_MESH_REPAIR_DROP_DEGENERATE |
                                 PV_MESH_REPAIR_DROP_UNREFERENCED, vmap, &changed));
  pv_mesh_report r = PV_MESH_REPORT_INIT;
  CHECK_OK(pv_mesh_check(m, &r));
  CHECK_EQ_INT(r.duplicate_vertices + r.degenerate_faces + r.zero_area_faces + r.duplicate_faces, 0);
  CHECK_EQ_INT(r.unreferenced_vertices, 0);
  CHECK_EQ_INT(m->nf, 5);
  CHECK_EQ_INT(changed, 12 - 9 + 10 - 5);
  CHECK_EQ_INT(vmap[4], vmap[0]);
  CHECK_EQ_INT(vmap[8], -1);
  CHECK_EQ_INT(vmap[10], -1);
  const double orig[12][3] = {{0, 0, 0}, {1, 0, 0}, {1, 1, 0}, {0, 1, 0}, {0, 0, 0}, {5, 0, 0},
                              {6, 0, 0}, {6, 1, 0}, {9, 9, 9}, {0.5, 0.5, 1}, {2, 0, 0}, {0.5, 0.5, -1}};
  for (int i = 0; i < 12; i++)
    if (vmap[i] >= 0) CHECK(vmap[i] < m->nv && !memcmp(m->v + 3 * vmap[i], orig[i], sizeof orig[i]));
  CHECK_EQ_INT(r.components, 2);
  CHECK_OK(pv_mesh_repair(m, PV_MESH_REPAIR_LARGEST_COMPONENT, vmap, NULL));
  CHECK_OK(pv_mesh_check(m, &r));
  CHECK_EQ_INT(r.components, 1);
  CHECK_EQ_INT(m->nf, 4);
  CHECK_EQ_INT(m->nv, 6);
  CHECK_NEAR(r.area, 1.0 + sqrt(2.0), 1e-12); /* square + two fins of area sqrt(2)/2 */
  pv_mesh_destroy(&m);
}

static void test_refuse_nonfinite(void) {
  pv_mesh *m;
  CHECK_OK(pv_mesh_create(3, 1, 0, &m));
  m->v[4] = NAN;
  m->f[1] = 1;
  m->f[2] = 2;
  CHECK_STATUS(pv_mesh_repair(m, PV_MESH_REPAIR_ALL, NULL, NULL), PV_EINVAL);
  pv_mesh_destroy(&m);
}

static void test_shared_mc(void) {
  const char *root = pv_test_shared_datasets();
  char path[1024];
  if (!root) { printf("SKIP: shared datasets absent\n"); return; }
  snprintf(path, sizeof path, "%s/shape/faust_remeshed/tr_reg_mc_080.ply", root);
  FILE *fp = fopen(path, "rb");
  if (!fp) { printf("SKIP: %s absent\n", path); return; }
  fclose(fp);
  pv_mesh *m = NULL;
  CHECK_OK(pv_mesh_read(path, PV_MESH_AUTO, &m));
  if (!m) return;
  pv_mesh_report r = PV_MESH_REPORT_INIT;
  CHECK_OK(pv_mesh_check(m, &r));
  printf("mc_080: nv %lld nf %lld comps %lld degenerate %lld zero-area %lld nonmanifold %lld\n",
         (long long)m->nv, (long long)m->nf, (long long)r.components, (long long)r.degenerate_faces,
         (long long)r.zero_area_faces, (long long)r.nonmanifold_edges);
  CHECK(r.components >= 2);
  /* Its "degenerate" face is tiny (edges ~1e-5 on a 1.7 m body), not of zero area. */
  int64_t nv0 = m->nv;
  int64_t *vmap = pv_malloc((size_t)nv0 * sizeof *vmap);
  CHECK_OK(pv_mesh_repair(m, PV_MESH_REPAIR_ALL, vmap, NULL));
  CHECK_OK(pv_mesh_check(m, &r));
  CHECK_EQ_INT(r.components, 1);
  CHECK_EQ_INT(r.degenerate_faces + r.zero_area_faces, 0);
  int64_t kept = 0;
  for (int64_t i = 0; i < nv0; i++) kept += vmap[i] >= 0;
  CHECK(kept >= m->nv && kept > nv0 / 2);
  pv_free(vmap);
  pv_mesh_destroy(&m);
}

PV_TEST_MAIN(PV_CASE(test_check_counts), PV_CASE(test_repair), PV_CASE(test_refuse_nonfinite), PV_CASE(test_shared_mc))
