/* mesh/ply.c - PLY reader: ASCII, binary little and big endian; vertex
 * x/y/z (+ red/green/blue), face vertex_indices lists (fan-split); other
 * elements and properties are parsed and skipped. */
#include "mesh_internal.h"

#include <math.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>

enum { PLY_MAX_ELEMS = 16, PLY_MAX_PROPS = 64 };
enum { FMT_ASCII, FMT_LE, FMT_BE };

typedef struct { int type, list, count_type; char name[32]; } ply_prop;
typedef struct { char name[32]; int64_t count; int nprop; ply_prop prop[PLY_MAX_PROPS]; } ply_elem;
typedef struct { int fmt, nelem; ply_elem elem[PLY_MAX_ELEMS]; } ply_header;

static const char *type_names[] = {"char", "uchar", "short", "ushort", "int", "uint", "float", "double",
                                   "int8", "uint8", "int16", "uint16", "int32", "uint32", "float32", "float64"};
static const int type_size[] = {1, 1, 2, 2, 4, 4, 4, 8};

static int type_of(const char *tok, size_t len) {
  for (int i = 0; i < 16; i++)
    if (strlen(type_names[i]) == len && !memcmp(type_names[i], tok, len)) return i % 8;
  return -1;
}

static int tok_is(const char *tok, size_t len, const char *s) { return strlen(s) == len && !memcmp(tok, s, len); }

static int header_prop(pv_mcur *c, ply_elem *e) {
  const char *t;
  size_t l;
  if (e->nprop >= PLY_MAX_PROPS) return PV_ERROR(PV_EFORMAT, "%s: line %lld: element '%s' has more than %d properties", c->name, (long long)c->line, e->name, PLY_MAX_PROPS);
  ply_prop *p = &e->prop[e->nprop++];
  pv_mcur_token(c, &t, &l);
  if (tok_is(t, l, "list")) {
    p->list = 1;
    pv_mcur_token(c, &t, &l);
    p->count_type = type_of(t, l);
    if (p->count_type < 0 || p->count_type >= 6)
      return PV_ERROR(PV_EFORMAT, "%s: line %lld: list count type '%.*s' must be an integer type", c->name, (long long)c->line, (int)(l > 20 ? 20 : l), t);
    pv_mcur_token(c, &t, &l);
  }
  p->type = type_of(t, l);
  if (p->type < 0) return PV_ERROR(PV_EFORMAT, "%s: line %lld: unknown property type '%.*s'", c->name, (long long)c->line, (int)(l > 20 ? 20 : l), t);
  pv_mcur_token(c, &t, &l);
  if (l == 0 || l >= sizeof p->name) return PV_ERROR(PV_EFORMAT, "%s: line %lld: property name missing or too long", c->name, (long long)c->line);
  memcpy(p->name, t, l);
  p->name[l] = 0;
  return 0;
}

static int header_line(pv_mcur *c, ply_header *h, const char *t, size_t l, int *done) {
  if (tok_is(t, l, "format")) {
    pv_mcur_token(c, &t, &l);
    if (tok_is(t, l, "ascii")) h->fmt = FMT_ASCII;
    else if (tok_is(t, l, "binary_little_endian")) h->fmt = FMT_LE;
    else if (tok_is(t, l, "binary_big_endian")) h->fmt = FMT_BE;
    else return PV_ERROR(PV_EFORMAT, "%s: line %lld: unknown format '%.*s'", c->name, (long long)c->line, (int)(l > 30 ? 30 : l), t);
  } else if (tok_is(t, l, "element")) {
    if (h->nelem >= PLY_MAX_ELEMS) return PV_ERROR(PV_EFORMAT, "%s: more than %d elements", c->name, PLY_MAX_ELEMS);
    ply_elem *e = &h->elem[h->nelem++];
    pv_mcur_token(c, &t, &l);
    if (l == 0 || l >= sizeof e->name) return PV_ERROR(PV_EFORMAT, "%s: line %lld: element name missing or too long", c->name, (long long)c->line);
    memcpy(e->name, t, l);
    int rc = pv_mcur_int(c, 0, "element count", &e->count);
    if (rc) return rc;
    if (e->count < 0 || e->count > PV_MESH_MAX_ELEMENTS)
      return PV_ERROR(PV_EFORMAT, "%s: element '%s' count %lld out of range [0, %lld]", c->name, e->name, (long long)e->count, (long long)PV_MESH_MAX_ELEMENTS);
  } else if (tok_is(t, l, "property")) {
    if (h->nelem == 0) return PV_ERROR(PV_EFORMAT, "%s: line %lld: property before any element", c->name, (long long)c->line);
    return header_prop(c, &h->elem[h->nelem - 1]);
  } else if (tok_is(t, l, "end_header")) {
    *done = 1;
  } else if (!tok_is(t, l, "comment") && !tok_is(t, l, "obj_info") && l) {
    return PV_ERROR(PV_EFORMAT, "%s: line %lld: unknown header keyword '%.*s'", c->name, (long long)c->line, (int)(l > 30 ? 30 : l), t);
  }
  return 0;
}

static int read_header(pv_mcur *c, ply_header *h) {
  const char *t;
  size_t l;
  memset(h, 0, sizeof *h);
  h->fmt = -1;
  pv_mcur_token(c, &t, &l);
  if (!tok_is(t, l, "ply")) return PV_ERROR(PV_EFORMAT, "%s: header: magic 'ply' missing", c->name);
  pv_mcur_next_line(c);
  for (int done = 0; !done;) {
    if (pv_mcur_eof(c)) return PV_ERROR(PV_EFORMAT, "%s: header ends without 'end_header'", c->name);
    pv_mcur_token(c, &t, &l);
    int rc = header_line(c, h, t, l, &done);
    if (rc) return rc;
    pv_mcur_next_line(c);
  }
  if (h->fmt < 0) return PV_ERROR(PV_EFORMAT, "%s: header has no 'format' line", c->name);
  return 0;
}

/* ---- body values ----------------------------------------------------- */

typedef struct { pv_mcur *c; int fmt; } ply_in;

static int read_bin(ply_in *in, int type, double *out) {
  int sz = type_size[type];
  if (in->c->end - in->c->p < sz)
    return PV_ERROR(PV_EFORMAT, "%s: binary data ends early (%d-byte value, %lld bytes left)", in->c->name, sz,
                    (long long)(in->c->end - in->c->p));
  unsigned char b[8];
  memcpy(b, in->c->p, (size_t)sz);
  in->c->p += sz;
  unsigned one = 1;
  int host_le = *(unsigned char *)&one == 1;
  if ((in->fmt == FMT_LE) != host_le)
    for (int i = 0; i < sz / 2; i++) { unsigned char x = b[i]; b[i] = b[sz - 1 - i]; b[sz - 1 - i] = x; }
  switch (type) {
  case 0: { int8_t v; memcpy(&v, b, 1); *out = v; break; }
  case 1: { uint8_t v; memcpy(&v, b, 1); *out = v; break; }
  case 2: { int16_t v; memcpy(&v, b, 2); *out = v; break; }
  case 3: { uint16_t v; memcpy(&v, b, 2); *out = v; break; }
  case 4: { int32_t v; memcpy(&v, b, 4); *out = v; break; }
  case 5: { uint32_t v; memcpy(&v, b, 4); *out = v; break; }
  case 6: { float v; memcpy(&v, b, 4); *out = v; break; }
  default: { double v; memcpy(&v, b, 8); *out = v; break; }
  }
  return 0;
}

static int read_val(ply_in *in, int type, const char *what, double *out) {
  if (in->fmt != FMT_ASCII) return read_bin(in, type, out);
  pv_mcur_skip(in->c, 1);
  const char *t;
  size_t l;
  pv_mcur_token(in->c, &t, &l);
  if (l == 0) return PV_ERROR(PV_EFORMAT, "%s: line %lld: %s missing (file ends early)", in->c->name, (long long)in->c->line, what);
  if (pv_parse_double(t, l, out))
    return PV_ERROR(PV_EFORMAT, "%s: line %lld: %s: '%.*s' is not a number", in->c->name, (long long)in->c->line, what, (int)(l > 30 ? 30 : l), t);
  return 0;
}

static int read_count(ply_in *in, int type, const char *what, int64_t *n) {
  double x;
  int rc = read_val(in, type, what, &x);
  if (rc) return rc;
  if (!(x >= 0 && x <= 1e6) || x != floor(x))
    return PV_ERROR(PV_EFORMAT, "%s: %s %g is not a count in [0, 1e6]", in->c->name, what, x);
  *n = (int64_t)x;
  return 0;
}

static int read_vertices(ply_in *in, const ply_elem *e, pv_mesh *m) {
  for (int64_t i = 0; i < e->count; i++) {
    for (int p = 0; p < e->nprop; p++) {
      const ply_prop *pp = &e->prop[p];
      if (pp->list) {
        int64_t n;
        int rc = read_count(in, pp->count_type, "vertex list length", &n);
        for (int64_t k = 0; !rc && k < n; k++) { double x; rc = read_val(in, pp->type, "vertex list entry", &x); }
        if (rc) return PV_ERROR(rc, "%s: vertex %lld", in->c->name, (long long)i);
        continue;
      }
      double x;
      int rc = read_val(in, pp->type, pp->name, &x);
      if (rc) return PV_ERROR(rc, "%s: vertex %lld, property '%s'", in->c->name, (long long)i, pp->name);
      int axis = !strcmp(pp->name, "x") ? 0 : !strcmp(pp->name, "y") ? 1 : !strcmp(pp->name, "z") ? 2 : -1;
      if (axis >= 0) m->v[3 * i + axis] = x;
      int ch = !strcmp(pp->name, "red") ? 0 : !strcmp(pp->name, "green") ? 1 : !strcmp(pp->name, "blue") ? 2 : -1;
      if (ch >= 0 && m->rgb) {
        if (pp->type >= 6) x *= 255;
        m->rgb[3 * i + ch] = pv_mesh_color_byte(x);
      }
    }
  }
  return 0;
}

static int read_faces(ply_in *in, const ply_elem *e, int64_t nv, pv_ivec *tri) {
  for (int64_t i = 0; i < e->count; i++) {
    for (int p = 0; p < e->nprop; p++) {
      const ply_prop *pp = &e->prop[p];
      int is_idx = pp->list && (!strcmp(pp->name, "vertex_indices") || !strcmp(pp->name, "vertex_index"));
      int64_t n = 1, first = 0, prev = 0;
      int rc = pp->list ? read_count(in, pp->count_type, "face corner count", &n) : 0;
      if (rc) return PV_ERROR(rc, "%s: face %lld", in->c->name, (long long)i);
      if (is_idx && n < 3) return PV_ERROR(PV_EFORMAT, "%s: face %lld: %lld corners, needs at least 3", in->c->name, (long long)i, (long long)n);
      for (int64_t k = 0; k < n; k++) {
        double x;
        if ((rc = read_val(in, pp->type, pp->name, &x))) return PV_ERROR(rc, "%s: face %lld", in->c->name, (long long)i);
        if (!is_idx) continue;
        if (!(x >= 0 && x < (double)nv) || x != floor(x))
          return PV_ERROR(PV_EFORMAT, "%s: face %lld: vertex index %g outside [0, %lld)", in->c->name, (long long)i, x, (long long)nv);
        int64_t idx = (int64_t)x;
        if (k == 0) first = idx;
        if (k >= 2 && ((rc = pv_ivec_push(tri, first)) || (rc = pv_ivec_push(tri, prev)) || (rc = pv_ivec_push(tri, idx)))) return rc;
        prev = idx;
      }
    }
  }
  return 0;
}

static int skip_element(ply_in *in, const ply_elem *e) {
  for (int64_t i = 0; i < e->count; i++)
    for (int p = 0; p < e->nprop; p++) {
      int64_t n = 1;
      double x;
      int rc = e->prop[p].list ? read_count(in, e->prop[p].count_type, "list length", &n) : 0;
      for (int64_t k = 0; !rc && k < n; k++) rc = read_val(in, e->prop[p].type, e->prop[p].name, &x);
      if (rc) return PV_ERROR(rc, "%s: element '%s' %lld", in->c->name, e->name, (long long)i);
    }
  return 0;
}

static int check_vertex_elem(pv_mcur *c, const ply_elem *e, int *rgb) {
  int have[3] = {0, 0, 0}, col = 0;
  for (int p = 0; p < e->nprop; p++) {
    const char *nm = e->prop[p].name;
    for (int a = 0; a < 3; a++) if (!e->prop[p].list && !strcmp(nm, (const char *[]){"x", "y", "z"}[a])) have[a] = 1;
    col += !e->prop[p].list && (!strcmp(nm, "red") || !strcmp(nm, "green") || !strcmp(nm, "blue"));
  }
  if (!have[0] || !have[1] || !have[2]) return PV_ERROR(PV_EFORMAT, "%s: element 'vertex' lacks property x, y or z", c->name);
  *rgb = col == 3;
  /* Every vertex takes at least one byte: refuse counts the file cannot hold. */
  if (e->count > (int64_t)(c->end - c->p))
    return PV_ERROR(PV_EFORMAT, "%s: header declares %lld vertices but only %lld bytes follow", c->name, (long long)e->count, (long long)(c->end - c->p));
  return 0;
}

static int read_body(pv_mcur *c, const ply_header *h, pv_mesh **out) {
  const ply_elem *ev = NULL;
  for (int i = 0; i < h->nelem; i++) if (!strcmp(h->elem[i].name, "vertex")) { ev = &h->elem[i]; break; }
  if (!ev) return PV_ERROR(PV_EFORMAT, "%s: no 'vertex' element", c->name);
  int rgb = 0;
  int rc = check_vertex_elem(c, ev, &rgb);
  if (rc) return rc;
  pv_mesh *m = NULL;
  pv_ivec tri = {0};
  ply_in in = {c, h->fmt};
  if ((rc = pv_mesh_create(ev->count, 0, rgb, &m))) return rc;
  for (int i = 0; !rc && i < h->nelem; i++) {
    const ply_elem *e = &h->elem[i];
    if (e == ev) rc = read_vertices(&in, e, m);
    else if (!strcmp(e->name, "face")) rc = read_faces(&in, e, ev->count, &tri);
    else rc = skip_element(&in, e);
  }
  if (!rc) rc = pv_mesh_adopt_faces(m, &tri);
  pv_free(tri.d);
  if (rc) pv_mesh_destroy(&m);
  *out = m;
  return rc;
}

int pv_mesh_read_ply(const char *data, size_t n, const char *name, pv_mesh **out) {
  pv_mcur c;
  pv_mcur_init(&c, data, n, name);
  ply_header *h = pv_malloc(sizeof *h);
  if (!h) return PV_ENOMEM;
  int rc = read_header(&c, h);
  if (!rc) rc = read_body(&c, h, out);
  pv_free(h);
  return rc;
}
