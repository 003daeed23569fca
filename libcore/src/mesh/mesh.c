/* mesh/mesh.c - mesh objects, format dispatch for reading. */
#include "mesh_internal.h"

#include <math.h>
#include <string.h>
#include <strings.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/fileout.h>

int pv_mesh_create(int64_t nv, int64_t nf, int with_rgb, pv_mesh **out) {
  if (!out) return PV_ERROR(PV_EINVAL, "pv_mesh_create: NULL out");
  *out = NULL;
  if (nv < 0 || nf < 0 || nv > PV_MESH_MAX_ELEMENTS || nf > PV_MESH_MAX_ELEMENTS)
    return PV_ERROR(PV_EINVAL, "pv_mesh_create: nv = %lld, nf = %lld out of range", (long long)nv,
                    (long long)nf);
  pv_mesh *m = pv_calloc(1, sizeof *m);
  if (!m) return PV_ENOMEM;
  m->nv = nv;
  m->nf = nf;
  m->v = pv_calloc((size_t)nv * 3 + 1, sizeof(double));
  m->f = pv_calloc((size_t)nf * 3 + 1, sizeof(int64_t));
  m->rgb = with_rgb ? pv_calloc((size_t)nv * 3 + 1, 1) : NULL;
  if (!m->v || !m->f || (with_rgb && !m->rgb)) {
    pv_mesh_destroy(&m);
    return PV_ENOMEM;
  }
  *out = m;
  return 0;
}

void pv_mesh_destroy(pv_mesh **m) {
  if (!m || !*m) return;
  pv_free((*m)->v);
  pv_free((*m)->f);
  pv_free((*m)->rgb);
  pv_free(*m);
  *m = NULL;
}

int pv_mesh_copy(const pv_mesh *m, pv_mesh **out) {
  if (!m) return PV_ERROR(PV_EINVAL, "pv_mesh_copy: NULL mesh");
  int rc = pv_mesh_create(m->nv, m->nf, m->rgb != NULL, out);
  if (rc) return rc;
  memcpy((*out)->v, m->v, (size_t)m->nv * 3 * sizeof(double));
  memcpy((*out)->f, m->f, (size_t)m->nf * 3 * sizeof(int64_t));
  if (m->rgb) memcpy((*out)->rgb, m->rgb, (size_t)m->nv * 3);
  return 0;
}

int pv_mesh_validate_read(const pv_mesh *m, const char *name) {
  for (int64_t i = 0; i < m->nv * 3; i++)
    if (!isfinite(m->v[i]))
      return PV_ERROR(PV_EFORMAT, "%s: vertex %lld: coordinate %c is not finite", name,
                      (long long)(i / 3), "xyz"[i % 3]);
  for (int64_t i = 0; i < m->nf * 3; i++)
    if (m->f[i] < 0 || m->f[i] >= m->nv)
      return PV_ERROR(PV_EFORMAT, "%s: face %lld: vertex index %lld outside [0, %lld)", name,
                      (long long)(i / 3), (long long)m->f[i], (long long)m->nv);
  return 0;
}

static pv_mesh_format sniff(const char *d, size_t n) {
  size_t i = 0;
  while (i < n && (d[i] == ' ' || d[i] == '\t' || d[i] == '\r' || d[i] == '\n')) i++;
  if (n - i >= 3 && !memcmp(d + i, "ply", 3)) return PV_MESH_PLY;
  if (n - i >= 3 && (!memcmp(d + i, "OFF", 3) || (n - i >= 4 && !memcmp(d + i + 1, "OFF", 3))))
    return PV_MESH_OFF;
  return PV_MESH_OBJ;
}

int pv_mesh_read_mem(const char *data, size_t n, pv_mesh_format fmt, const char *name,
                     pv_mesh **out) {
  if (!out) return PV_ERROR(PV_EINVAL, "pv_mesh_read_mem: NULL out");
  *out = NULL;
  if (!name) name = "(memory)";
  if (!data || n == 0) return PV_ERROR(PV_EFORMAT, "%s: empty file", name);
  if (n > PV_MESH_MAX_BYTES) return PV_ERROR(PV_EFORMAT, "%s: larger than %zu bytes", name, PV_MESH_MAX_BYTES);
  if (fmt == PV_MESH_AUTO) fmt = sniff(data, n);
  int rc;
  switch (fmt) {
  case PV_MESH_OFF: rc = pv_mesh_read_off(data, n, name, out); break;
  case PV_MESH_OBJ: rc = pv_mesh_read_obj(data, n, name, out); break;
  case PV_MESH_PLY:
  case PV_MESH_PLY_BINARY: rc = pv_mesh_read_ply(data, n, name, out); break;
  default: return PV_ERROR(PV_EINVAL, "%s: unknown mesh format %d", name, (int)fmt);
  }
  if (!rc) rc = pv_mesh_validate_read(*out, name);
  if (rc) pv_mesh_destroy(out);
  return rc;
}

/* Format from a file name's extension; AUTO when unknown. */
pv_mesh_format pv_mesh_format_from_name(const char *path);
pv_mesh_format pv_mesh_format_from_name(const char *path) {
  const char *dot = strrchr(path, '.');
  if (!dot) return PV_MESH_AUTO;
  if (!strcasecmp(dot, ".off")) return PV_MESH_OFF;
  if (!strcasecmp(dot, ".obj")) return PV_MESH_OBJ;
  if (!strcasecmp(dot, ".ply")) return PV_MESH_PLY;
  return PV_MESH_AUTO;
}

int pv_mesh_read(const char *path, pv_mesh_format fmt, pv_mesh **out) {
  if (!path || !out) return PV_ERROR(PV_EINVAL, "pv_mesh_read: NULL argument");
  *out = NULL;
  char *data = NULL;
  size_t n = 0;
  int rc = pv_file_read_all(path, PV_MESH_MAX_BYTES, &data, &n);
  if (rc) return rc;
  if (fmt == PV_MESH_AUTO) {
    pv_mesh_format byname = pv_mesh_format_from_name(path);
    if (byname == PV_MESH_PLY || byname == PV_MESH_OFF) fmt = byname;
  }
  rc = pv_mesh_read_mem(data, n, fmt, path, out);
  pv_free(data);
  return rc;
}

double pv_mesh_area(const pv_mesh *m) {
  double a = 0;
  if (!m) return 0;
  for (int64_t t = 0; t < m->nf; t++) {
    const double *p = m->v + 3 * m->f[3 * t], *q = m->v + 3 * m->f[3 * t + 1], *r = m->v + 3 * m->f[3 * t + 2];
    double u[3] = {q[0] - p[0], q[1] - p[1], q[2] - p[2]}, w[3] = {r[0] - p[0], r[1] - p[1], r[2] - p[2]};
    double c0 = u[1] * w[2] - u[2] * w[1], c1 = u[2] * w[0] - u[0] * w[2], c2 = u[0] * w[1] - u[1] * w[0];
    a += 0.5 * sqrt(c0 * c0 + c1 * c1 + c2 * c2);
  }
  return a;
}
