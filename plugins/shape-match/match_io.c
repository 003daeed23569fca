/* shape-match plugin: loading with repair, index bookkeeping, outputs. */
#include "match.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <parseval/render.h>

void sm_mesh_free(sm_mesh *s) {
  pv_mesh_destroy(&s->orig);
  pv_mesh_destroy(&s->m);
  pv_free(s->o2n);
  pv_free(s->n2o);
  memset(s, 0, sizeof *s);
}

/* m: the repaired mesh, or the points alone (faces dropped) for a cloud. */
static int working_copy(const pv_mesh *orig, int cloud, pv_mesh **m) {
  if (!cloud) return pv_mesh_copy(orig, m);
  int rc = pv_mesh_create(orig->nv, 0, 0, m);
  if (!rc) memcpy((*m)->v, orig->v, (size_t)orig->nv * 3 * sizeof(double));
  return rc;
}

int sm_mesh_load(pv_ctx *ctx, const char *path, int drop_faces, sm_mesh *s) {
  memset(s, 0, sizeof *s);
  int rc = pv_mesh_read(path, PV_MESH_AUTO, &s->orig);
  int cloud = !rc && (drop_faces || s->orig->nf == 0);
  if (!rc) rc = working_copy(s->orig, cloud, &s->m);
  if (!rc) {
    s->o2n = pv_malloc((size_t)s->orig->nv * sizeof *s->o2n);
    if (!s->o2n) rc = PV_ENOMEM;
  }
  int64_t changed = 0;
  unsigned what = cloud ? PV_MESH_REPAIR_MERGE_DUPLICATES
                        : PV_MESH_REPAIR_MERGE_DUPLICATES | PV_MESH_REPAIR_DROP_DEGENERATE | PV_MESH_REPAIR_DROP_UNREFERENCED;
  if (!rc) rc = pv_mesh_repair(s->m, what, s->o2n, &changed);
  if (!rc && s->m->nv < 10) rc = PV_ERROR(PV_EINVAL, "%s: only %lld usable vertices", path, (long long)s->m->nv);
  if (!rc) {
    s->n2o = pv_malloc((size_t)s->m->nv * sizeof *s->n2o);
    if (!s->n2o) rc = PV_ENOMEM;
  }
  for (int64_t i = rc ? -1 : s->orig->nv - 1; i >= 0; i--)
    if (s->o2n[i] >= 0) s->n2o[s->o2n[i]] = i;
  if (!rc && changed)
    pv_log(ctx, PV_LOG_WARN, "shape", "%s: repaired (%lld vertices/faces removed: duplicates, degenerate faces, isolated vertices)",
           path, (long long)changed);
  if (!rc && cloud && s->orig->nf)
    pv_log(ctx, PV_LOG_INFO, "shape", "%s: %lld faces dropped, matched as a point cloud", path, (long long)s->orig->nf);
  if (rc) {
    sm_mesh_free(s);
    return PV_ERROR(rc, "loading %s", path);
  }
  return 0;
}

/* Removed (isolated) vertices take the match of the nearest kept vertex. */
int sm_map_original(const sm_mesh *x, const sm_mesh *y, const int64_t *T, int64_t *To) {
  const pv_mesh *yo = y->orig;
  for (int64_t i = 0; i < yo->nv; i++) {
    int64_t k = y->o2n[i];
    if (k < 0) {
      double best = INFINITY;
      for (int64_t j = 0; j < y->m->nv; j++) {
        const double *p = yo->v + 3 * i, *q = y->m->v + 3 * j;
        double d = (p[0] - q[0]) * (p[0] - q[0]) + (p[1] - q[1]) * (p[1] - q[1]) + (p[2] - q[2]) * (p[2] - q[2]);
        if (d < best) { best = d; k = j; }
      }
    }
    To[i] = x->n2o[T[k]];
  }
  return 0;
}

int sm_write_map(const char *path, const int64_t *T, int64_t n, int zero_based, int overwrite) {
  pv_fileout *fo;
  int rc = pv_fileout_open(path, overwrite, &fo);
  if (rc) return rc;
  FILE *fp = pv_fileout_stream(fo);
  for (int64_t i = 0; i < n; i++) fprintf(fp, "%lld\n", (long long)(T[i] + (zero_based ? 0 : 1)));
  return pv_fileout_commit(&fo);
}

int sm_write_fmap(const char *path, const double *C, int kc, int overwrite) {
  pv_fileout *fo;
  int rc = pv_fileout_open(path, overwrite, &fo);
  if (rc) return rc;
  FILE *fp = pv_fileout_stream(fo);
  for (int i = 0; i < kc; i++)
    for (int j = 0; j < kc; j++) fprintf(fp, "%.17g%c", C[i + (size_t)kc * j], j + 1 < kc ? ' ' : '\n');
  return pv_fileout_commit(&fo);
}

int sm_write_pictures(const sm_mesh *x, const sm_mesh *y, const int64_t *To, const char *prefix, const char *png,
                      int overwrite) {
  pv_mesh *cx = NULL, *cy = NULL;
  pv_image *img = NULL;
  int rc = pv_mesh_create(x->orig->nv, x->orig->nf, 1, &cx);
  if (!rc) rc = pv_mesh_create(y->orig->nv, y->orig->nf, 1, &cy);
  if (!rc) {
    memcpy(cx->v, x->orig->v, (size_t)cx->nv * 3 * sizeof(double));
    memcpy(cx->f, x->orig->f, (size_t)cx->nf * 3 * sizeof(int64_t));
    memcpy(cy->v, y->orig->v, (size_t)cy->nv * 3 * sizeof(double));
    memcpy(cy->f, y->orig->f, (size_t)cy->nf * 3 * sizeof(int64_t));
    rc = pv_shape_position_colors(cx, cx->rgb);
  }
  for (int64_t i = 0; !rc && i < cy->nv; i++) memcpy(cy->rgb + 3 * i, cx->rgb + 3 * To[i], 3);
  char path[4096];
  if (!rc && prefix) {
    snprintf(path, sizeof path, "%s_target.ply", prefix);
    rc = pv_mesh_write(cx, path, PV_MESH_PLY_BINARY, overwrite);
    snprintf(path, sizeof path, "%s_source.ply", prefix);
    if (!rc) rc = pv_mesh_write(cy, path, PV_MESH_PLY_BINARY, overwrite);
  }
  if (!rc && png) {
    const unsigned char bg[4] = {255, 255, 255, 255}, ink[4] = {0, 0, 0, 255};
    rc = pv_image_create(960, 520, bg, &img);
    if (!rc) rc = pv_shape_render(cx, cx->rgb, 0.0, img, 0, 40, 480, 480);
    if (!rc) rc = pv_shape_render(cy, cy->rgb, 0.0, img, 480, 40, 480, 480);
    if (!rc) {
      pv_image_draw_text(img, 20, 12, "target X (colours by position)", 2, 0, ink);
      pv_image_draw_text(img, 500, 12, "source Y (colours pulled back)", 2, 0, ink);
      rc = pv_image_write_png(img, png, NULL, overwrite);
    }
  }
  pv_image_destroy(&img);
  pv_mesh_destroy(&cx);
  pv_mesh_destroy(&cy);
  return rc;
}

/* Ground truth lists are on original vertices; the error is measured on
 * the repaired target ev (same geometry) through its index map o2n: by the
 * heat method when ev has faces, else on the k-NN graph of the points. A
 * pair whose mapped vertex is not in ev (a point in no face, when a mesh
 * was matched as a cloud) is skipped and counted in *skipped. */
static int one_error(pv_ctx *ctx, const pv_mesh *ev, const int64_t *o2n, const sm_mesh *x, const sm_mesh *y,
                     const int64_t *To, const char *gy, const char *gx, double *err, int64_t *skipped) {
  int64_t *a = NULL, *b = NULL, na = 0, nb = 0, unreached = 0;
  int rc = pv_shape_read_vts(gy, &a, &na);
  if (!rc) rc = pv_shape_read_vts(gx, &b, &nb);
  int64_t n = na < nb ? na : nb;
  int64_t *T = pv_malloc((size_t)y->orig->nv * sizeof *T);
  if (!rc && !T) rc = PV_ENOMEM;
  for (int64_t i = 0; !rc && i < y->orig->nv; i++) T[i] = o2n[To[i]];
  for (int64_t i = 0; !rc && i < n; i++) {
    if (a[i] >= y->orig->nv || b[i] >= x->orig->nv)
      rc = PV_ERROR(PV_EINVAL, "ground truth line %lld: index (%lld, %lld) past the meshes", (long long)i + 1,
                    (long long)a[i] + 1, (long long)b[i] + 1);
    else if (a[i] >= 0 && T[a[i]] < 0) {
      b[i] = -1;
      (*skipped)++;
    } else
      b[i] = b[i] >= 0 ? o2n[b[i]] : -1;
  }
  if (!rc && ev->nf) rc = pv_shape_geodesic_error(ctx, ev, 0, T, y->orig->nv, b, a, n, NULL, err);
  else if (!rc) rc = sm_knn_geodesic_error(ctx, ev, T, y->orig->nv, b, a, n, err, &unreached);
  if (!rc) *err *= 100;
  if (!rc && unreached)
    pv_log(ctx, PV_LOG_WARN, "shape", "%lld ground-truth pairs lie in different components of the %d-NN graph: "
           "their Euclidean distance is counted", (long long)unreached, SM_KNN_GRAPH);
  pv_free(a);
  pv_free(b);
  pv_free(T);
  return rc;
}

int sm_errors(pv_ctx *ctx, const sm_mesh *x, const sm_mesh *y, const int64_t *To, const char *gt_y, const char *gt_x,
              const char *gt_x_sym, double *err, double *err_sym) {
  *err = *err_sym = NAN;
  if (!gt_y || !gt_x) return 0;
  /* A mesh matched as a point cloud is still evaluated on its faces. */
  pv_mesh *ev = x->m;
  int64_t *o2n = x->o2n, skipped = 0;
  int rc = 0;
  if (x->m->nf == 0 && x->orig->nf > 0) {
    ev = NULL;
    o2n = pv_malloc((size_t)x->orig->nv * sizeof *o2n);
    rc = o2n ? pv_mesh_copy(x->orig, &ev) : PV_ENOMEM;
    if (!rc) rc = pv_mesh_repair(ev, PV_MESH_REPAIR_MERGE_DUPLICATES | PV_MESH_REPAIR_DROP_DEGENERATE |
                                         PV_MESH_REPAIR_DROP_UNREFERENCED, o2n, NULL);
  }
  if (!rc) rc = one_error(ctx, ev, o2n, x, y, To, gt_y, gt_x, err, &skipped);
  if (!rc && gt_x_sym) rc = one_error(ctx, ev, o2n, x, y, To, gt_y, gt_x_sym, err_sym, &skipped);
  if (!rc && skipped)
    pv_log(ctx, PV_LOG_WARN, "shape", "%lld ground-truth pairs skipped: matched to a point in no face", (long long)skipped);
  if (ev != x->m) {
    pv_mesh_destroy(&ev);
    pv_free(o2n);
  }
  return rc;
}
