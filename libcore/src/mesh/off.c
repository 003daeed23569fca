/* mesh/off.c - OFF reader (OFF / COFF / NOFF headers, polygons fan-split;
 * per-vertex extras after x y z ignored, "COFF" colours kept as RGB). */
#include "mesh_internal.h"

#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>

static int read_header(pv_mcur *c, int *color, int64_t cnt[3]) {
  pv_mcur_skip(c, 1);
  const char *tok;
  size_t len;
  pv_mcur_token(c, &tok, &len);
  if (len < 3 || memcmp(tok + len - 3, "OFF", 3))
    return PV_ERROR(PV_EFORMAT, "%s: line %lld: header: expected 'OFF', found '%.*s'", c->name,
                    (long long)c->line, (int)(len > 20 ? 20 : len), tok);
  *color = len >= 4 && tok[0] == 'C';
  /* Counts may follow on the same line ("OFF 8 6 0"). */
  const char *names[3] = {"vertex count", "face count", "edge count"};
  for (int i = 0; i < 3; i++) {
    int rc = pv_mcur_int(c, 1, names[i], &cnt[i]);
    if (rc) return rc;
    if (cnt[i] < 0 || cnt[i] > PV_MESH_MAX_ELEMENTS)
      return PV_ERROR(PV_EFORMAT, "%s: %s %lld out of range [0, %lld]", c->name, names[i],
                      (long long)cnt[i], (long long)PV_MESH_MAX_ELEMENTS);
  }
  /* Each vertex needs >= 6 bytes of text: refuse counts the file cannot hold. */
  if (cnt[0] > (int64_t)(c->end - c->p) / 6 + 1 || cnt[1] > (int64_t)(c->end - c->p) / 6 + 1)
    return PV_ERROR(PV_EFORMAT, "%s: header declares %lld vertices and %lld faces but the file has %lld bytes left",
                    c->name, (long long)cnt[0], (long long)cnt[1], (long long)(c->end - c->p));
  return 0;
}

static int read_vertices(pv_mcur *c, int color, pv_mesh *m) {
  for (int64_t i = 0; i < m->nv; i++) {
    pv_mcur_skip(c, 1);
    for (int k = 0; k < 3; k++) {
      int rc = pv_mcur_double(c, 0, k == 0 ? "vertex x" : k == 1 ? "vertex y" : "vertex z", &m->v[3 * i + k]);
      if (rc) return PV_ERROR(rc, "%s: vertex %lld", c->name, (long long)i);
    }
    if (color && m->rgb) {
      for (int k = 0; k < 3; k++) {
        double x;
        if (pv_mcur_double(c, 0, "vertex colour", &x)) return PV_ERROR(PV_EFORMAT, "%s: vertex %lld colour", c->name, (long long)i);
        if (x <= 1.0 && x >= 0 && x != (double)(int)x) x *= 255;
        m->rgb[3 * i + k] = pv_mesh_color_byte(x);
      }
    }
    pv_mcur_next_line(c);
  }
  return 0;
}

static int read_faces(pv_mcur *c, int64_t nfaces, int64_t nv, pv_ivec *tri) {
  for (int64_t i = 0; i < nfaces; i++) {
    int64_t deg, first = 0, prev = 0;
    int rc = pv_mcur_int(c, 1, "face corner count", &deg);
    if (rc) return PV_ERROR(rc, "%s: face %lld", c->name, (long long)i);
    if (deg < 3 || deg > 1000000)
      return PV_ERROR(PV_EFORMAT, "%s: line %lld: face %lld: corner count %lld must be in [3, 1e6]", c->name,
                      (long long)c->line, (long long)i, (long long)deg);
    for (int64_t k = 0; k < deg; k++) {
      int64_t idx = 0;
      rc = pv_mcur_int(c, 0, "face vertex index", &idx);
      if (rc) return PV_ERROR(rc, "%s: face %lld", c->name, (long long)i);
      if (idx < 0 || idx >= nv)
        return PV_ERROR(PV_EFORMAT, "%s: line %lld: face %lld: vertex index %lld outside [0, %lld)", c->name,
                        (long long)c->line, (long long)i, (long long)idx, (long long)nv);
      if (k == 0) first = idx;
      if (k >= 2 && ((rc = pv_ivec_push(tri, first)) || (rc = pv_ivec_push(tri, prev)) || (rc = pv_ivec_push(tri, idx))))
        return rc;
      prev = idx;
    }
    pv_mcur_next_line(c);
  }
  return 0;
}

int pv_mesh_read_off(const char *data, size_t n, const char *name, pv_mesh **out) {
  pv_mcur c;
  pv_mcur_init(&c, data, n, name);
  int color = 0;
  int64_t cnt[3];
  int rc = read_header(&c, &color, cnt);
  if (rc) return rc;
  pv_mesh *m = NULL;
  pv_ivec tri = {0};
  rc = pv_mesh_create(cnt[0], 0, color, &m);
  if (!rc) rc = read_vertices(&c, color, m);
  if (!rc) rc = read_faces(&c, cnt[1], cnt[0], &tri);
  if (!rc) rc = pv_mesh_adopt_faces(m, &tri);
  pv_free(tri.d);
  if (rc) pv_mesh_destroy(&m);
  *out = m;
  return rc;
}
