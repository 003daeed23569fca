/* mesh/repair.c - in-place repairs with an old -> new vertex map. */
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/mesh.h>

#include "mesh_check.h"

/* Keep vertices with keep[i] != 0, renumber faces (all must use kept ones). */
static void compact_vertices(pv_mesh *m, const unsigned char *keep, int64_t *newi) {
  int64_t n = 0;
  for (int64_t i = 0; i < m->nv; i++) {
    newi[i] = keep[i] ? n : -1;
    if (!keep[i]) continue;
    memmove(m->v + 3 * n, m->v + 3 * i, 3 * sizeof(double));
    if (m->rgb) memmove(m->rgb + 3 * n, m->rgb + 3 * i, 3);
    n++;
  }
  for (int64_t k = 0; k < 3 * m->nf; k++) m->f[k] = newi[m->f[k]];
  m->nv = n;
}

static void compact_faces(pv_mesh *m, const unsigned char *drop) {
  int64_t n = 0;
  for (int64_t t = 0; t < m->nf; t++)
    if (!drop[t]) {
      memmove(m->f + 3 * n, m->f + 3 * t, 3 * sizeof(int64_t));
      n++;
    }
  m->nf = n;
}

static int largest_component(pv_mesh *m, unsigned char *drop, int64_t *lab) {
  int64_t nc;
  int rc = pv_mesh_components(m, lab, &nc);
  if (rc || nc <= 1) return rc;
  double *area = pv_calloc((size_t)nc, sizeof *area);
  if (!area) return PV_ENOMEM;
  for (int64_t t = 0; t < m->nf; t++) area[lab[m->f[3 * t]]] += pv_mesh_tri_area(m, t);
  int64_t best = 0;
  for (int64_t c = 1; c < nc; c++) if (area[c] > area[best]) best = c;
  for (int64_t t = 0; t < m->nf; t++) drop[t] = lab[m->f[3 * t]] != best;
  compact_faces(m, drop);
  pv_free(area);
  return 0;
}

static void compose(int64_t *vmap, int64_t n0, const int64_t *step) {
  for (int64_t i = 0; i < n0; i++) vmap[i] = vmap[i] < 0 ? -1 : step[vmap[i]];
}

int pv_mesh_repair(pv_mesh *m, unsigned what, int64_t *vmap, int64_t *changed) {
  if (!m) return PV_ERROR(PV_EINVAL, "pv_mesh_repair: NULL mesh");
  pv_mesh_report rep;
  memset(&rep, 0, sizeof rep);
  rep.struct_size = sizeof rep;
  int rc = pv_mesh_check(m, &rep);
  if (rc) return rc;
  if (rep.nonfinite_vertices || rep.bad_indices)
    return PV_ERROR(PV_EINVAL, "mesh has %lld non-finite vertices and %lld out-of-range faces: not repairable",
                    (long long)rep.nonfinite_vertices, (long long)rep.bad_indices);
  int64_t nv0 = m->nv, nf0 = m->nf;
  int64_t *map = pv_malloc((size_t)(nv0 + 1) * sizeof *map), *tmp = pv_malloc((size_t)(nv0 + 1) * sizeof *tmp);
  unsigned char *flag = pv_malloc((size_t)(nv0 > nf0 ? nv0 : nf0) + 1);
  if (!map || !tmp || !flag) { rc = PV_ENOMEM; goto done; }
  for (int64_t i = 0; i < nv0; i++) map[i] = i;
  if (what & PV_MESH_REPAIR_MERGE_DUPLICATES) {
    if ((rc = pv_mesh_dup_vertices(m, tmp))) goto done;
    for (int64_t k = 0; k < 3 * m->nf; k++) m->f[k] = tmp[m->f[k]];
    for (int64_t i = 0; i < m->nv; i++) flag[i] = tmp[i] == i;
    for (int64_t i = 0; i < nv0; i++) map[i] = tmp[i];
    compact_vertices(m, flag, tmp);
    compose(map, nv0, tmp);
  }
  if (what & PV_MESH_REPAIR_DROP_DEGENERATE) {
    if ((rc = pv_mesh_face_status(m, flag))) goto done;
    compact_faces(m, flag);
  }
  if ((what & PV_MESH_REPAIR_LARGEST_COMPONENT) && (rc = largest_component(m, flag, tmp))) goto done;
  if ((what & (PV_MESH_REPAIR_DROP_UNREFERENCED | PV_MESH_REPAIR_LARGEST_COMPONENT)) && m->nf) {
    memset(flag, 0, (size_t)m->nv);
    for (int64_t k = 0; k < 3 * m->nf; k++) flag[m->f[k]] = 1;
    compact_vertices(m, flag, tmp);
    compose(map, nv0, tmp);
  }
  if (vmap) memcpy(vmap, map, (size_t)nv0 * sizeof *map);
  if (changed) *changed = (nv0 - m->nv) + (nf0 - m->nf);
done:
  pv_free(map);
  pv_free(tmp);
  pv_free(flag);
  return rc;
}
