/* mesh/obj.c - Wavefront OBJ reader: "v x y z [r g b]" and
 * "f a b c ..." with a, a/t, a/t/n or a//n corners, negative (relative)
 * indices; polygons fan-split; other statements ignored. */
#include "mesh_internal.h"

#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>

static int read_v(pv_mcur *c, pv_dvec *v, pv_dvec *col) {
  for (int k = 0; k < 3; k++) {
    double x;
    int rc = pv_mcur_double(c, 0, k == 0 ? "vertex x" : k == 1 ? "vertex y" : "vertex z", &x);
    if (rc) return rc;
    if ((rc = pv_dvec_push(v, x))) return rc;
  }
  /* Optional colour (x y z r g b, values in [0, 1]); missing reads as grey. */
  double rgb[3] = {0.5, 0.5, 0.5};
  pv_mcur_skip(c, 0);
  if (c->p < c->end && *c->p != '\n' && *c->p != '#') {
    for (int k = 0; k < 3; k++)
      if (pv_mcur_double(c, 0, "vertex colour", &rgb[k])) {
        pv_error_clear();
        break;
      }
  }
  for (int k = 0; k < 3; k++) {
    int rc = pv_dvec_push(col, rgb[k]);
    if (rc) return rc;
  }
  return 0;
}

static int corner(pv_mcur *c, const char *tok, size_t len, int64_t nv, int64_t *out) {
  size_t l = 0;
  while (l < len && tok[l] != '/') l++;
  int64_t idx;
  if (pv_parse_int(tok, l, &idx) || idx == 0)
    return PV_ERROR(PV_EFORMAT, "%s: line %lld: face corner '%.*s' is not a vertex index", c->name,
                    (long long)c->line, (int)(len > 30 ? 30 : len), tok);
  idx = idx > 0 ? idx - 1 : nv + idx;
  if (idx < 0 || idx >= nv)
    return PV_ERROR(PV_EFORMAT, "%s: line %lld: face corner '%.*s' refers to vertex outside the %lld read so far",
                    c->name, (long long)c->line, (int)(len > 30 ? 30 : len), tok, (long long)nv);
  *out = idx;
  return 0;
}

static int read_f(pv_mcur *c, int64_t nv, pv_ivec *tri) {
  int64_t first = 0, prev = 0, k = 0;
  for (;;) {
    const char *tok;
    size_t len;
    pv_mcur_token(c, &tok, &len);
    if (len == 0 || tok[0] == '#') break;
    int64_t idx = 0;
    int rc = corner(c, tok, len, nv, &idx);
    if (rc) return rc;
    if (k == 0) first = idx;
    if (k >= 2 && ((rc = pv_ivec_push(tri, first)) || (rc = pv_ivec_push(tri, prev)) || (rc = pv_ivec_push(tri, idx))))
      return rc;
    prev = idx;
    k++;
  }
  if (k < 3)
    return PV_ERROR(PV_EFORMAT, "%s: line %lld: face has %lld corners, needs at least 3", c->name,
                    (long long)c->line, (long long)k);
  return 0;
}

static int parse(pv_mcur *c, pv_dvec *v, pv_dvec *col, pv_ivec *tri) {
  for (;;) {
    pv_mcur_skip(c, 1);
    if (pv_mcur_eof(c)) return 0;
    const char *tok;
    size_t len;
    pv_mcur_token(c, &tok, &len);
    int rc = 0;
    if (len == 1 && tok[0] == 'v')
      rc = read_v(c, v, col);
    else if (len == 1 && tok[0] == 'f')
      rc = read_f(c, v->n / 3, tri);
    if (rc) return rc;
    pv_mcur_next_line(c);
  }
}

int pv_mesh_read_obj(const char *data, size_t n, const char *name, pv_mesh **out) {
  pv_mcur c;
  pv_mcur_init(&c, data, n, name);
  pv_dvec v = {0}, col = {0};
  pv_ivec tri = {0};
  pv_mesh *m = NULL;
  int rc = parse(&c, &v, &col, &tri);
  if (!rc && v.n == 0) rc = PV_ERROR(PV_EFORMAT, "%s: no vertices ('v' lines) found", name);
  int with_rgb = 0;
  for (int64_t i = 0; !rc && i < col.n; i++) with_rgb |= col.d[i] != 0.5;
  if (!rc) rc = pv_mesh_create(v.n / 3, tri.n / 3, with_rgb, &m);
  if (!rc) {
    memcpy(m->v, v.d, (size_t)v.n * sizeof(double));
    if (tri.n) memcpy(m->f, tri.d, (size_t)tri.n * sizeof(int64_t));
    for (int64_t i = 0; with_rgb && i < col.n; i++) {
      double x = col.d[i] * 255.0 + 0.5;
      m->rgb[i] = (unsigned char)(x < 0 ? 0 : x > 255 ? 255 : x);
    }
  }
  pv_free(v.d);
  pv_free(col.d);
  pv_free(tri.d);
  *out = m;
  return rc;
}
