/* shape/pipeline.c - the complete matching pipeline of pv_shape_match. */
#include <math.h>
#include <string.h>
#include <time.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/shape.h>

#include "shape_internal.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void pv_shape_match_options_init(pv_shape_match_options *o) {
  memset(o, 0, sizeof *o);
  o->struct_size = sizeof *o;
  o->k_basis = 200;
  o->descr = 0;
  o->n_descr = 100;
  o->k_descr = 200;
  pv_shape_fmap_options f = PV_SHAPE_FMAP_OPTIONS_INIT;
  f.k_x = f.k_y = 35;
  o->fmap = f;
  o->zoomout = 1;
  pv_shape_zoomout_options z = PV_SHAPE_ZOOMOUT_OPTIONS_INIT;
  z.k_init = 35;
  z.k_final = 195;
  z.step = 5;
  o->zo = z;
  o->ot = 0;
  pv_shape_ot_options t = PV_SHAPE_OT_OPTIONS_INIT;
  o->ot_opt = t;
  o->sw = 0;
  pv_shape_sw_options sw = PV_SHAPE_SW_OPTIONS_INIT;
  o->sw_opt = sw;
}

void pv_shape_match_result_destroy(pv_shape_match_result **r) {
  if (!r || !*r) return;
  pv_free((*r)->T);
  pv_free((*r)->C);
  pv_free(*r);
  *r = NULL;
}

static int descriptors(const pv_shape_match_options *o, const pv_shape_basis *b, double **D) {
  *D = pv_malloc((size_t)b->n * o->n_descr * sizeof **D);
  if (!*D) return PV_ENOMEM;
  int rc = o->descr == 1 ? pv_shape_hks(b, o->k_descr, o->n_descr, *D) : pv_shape_wks(b, o->k_descr, o->n_descr, *D);
  if (!rc) rc = pv_shape_descr_normalize(b, o->n_descr, *D);
  return rc;
}

static int basis(pv_ctx *ctx, const pv_mesh *m, const pv_shape_match_options *o, pv_shape_basis **b) {
  if (!o->robust) return pv_shape_basis_from_mesh(ctx, m, o->k_basis, b);
  pv_sparse *L = NULL, *M = NULL;
  int rc = pv_shape_robust_laplacian(ctx, m, 1e-5, &L, &M);
  if (!rc) rc = pv_shape_basis_compute(ctx, L, M, o->k_basis, b);
  pv_sparse_destroy(&L);
  pv_sparse_destroy(&M);
  return rc;
}

static int run(pv_ctx *ctx, const pv_mesh *mx, const pv_mesh *my, const pv_shape_match_options *o,
               pv_shape_match_result *r, pv_shape_basis **bx, pv_shape_basis **by) {
  double t0 = now();
  int rc = basis(ctx, mx, o, bx);
  if (!rc) rc = basis(ctx, my, o, by);
  if (rc) return rc;
  double t1 = now();
  r->seconds_basis = t1 - t0;
  double *Dx = NULL, *Dy = NULL;
  rc = descriptors(o, *bx, &Dx);
  if (!rc) rc = descriptors(o, *by, &Dy);
  double t2 = now();
  r->seconds_descr = t2 - t1;
  int k0 = o->fmap.k_x > o->fmap.k_y ? o->fmap.k_x : o->fmap.k_y;
  int kc = o->zoomout ? o->zo.k_final : k0;
  r->kc = kc;
  r->C = pv_calloc((size_t)kc * kc, sizeof(double));
  if (!rc && !r->C) rc = PV_ENOMEM;
  if (!rc) rc = pv_shape_fmap_fit(ctx, *bx, *by, mx, my, Dx, Dy, o->n_descr, &o->fmap, r->C);
  /* The initial point map; on large pairs by the local search (as ZoomOut's final map). */
  int local = o->fmap.k_x == o->fmap.k_y && (double)mx->nv * (double)my->nv > o->zo.exact_max;
  int64_t ns = o->zo.samples > 0 && o->zo.samples < my->nv ? o->zo.samples : 1000;
  if (!rc && local)
    rc = pv_shape_fmap_to_p2p_local(ctx, *bx, *by, mx, my, o->fmap.k_x, r->C, o->fmap.k_y, ns,
                                    pv_shape_local_candidates(&o->zo, my->nv, ns), r->T);
  else if (!rc)
    rc = pv_shape_fmap_to_p2p(ctx, *bx, *by, o->fmap.k_x, o->fmap.k_y, r->C, o->fmap.k_y, r->T);
  if (!rc && o->sw == 2) rc = pv_shape_sw_refine(ctx, *bx, *by, mx, my, &o->sw_opt, o->fmap.k_x, r->C, r->T, NULL);
  pv_free(Dx);
  pv_free(Dy);
  double t3 = now();
  r->seconds_fmap = t3 - t2;
  if (!rc && o->zoomout) rc = pv_shape_zoomout(ctx, *bx, *by, mx, my, &o->zo, r->T, r->C);
  double t4 = now();
  r->seconds_zoomout = t4 - t3;
  if (!rc && o->ot) rc = pv_shape_ot_refine(ctx, *bx, *by, mx, my, &o->ot_opt, r->T);
  if (!rc && o->ot && o->zoomout) rc = pv_shape_p2p_to_fmap(*bx, *by, kc, kc, r->T, r->C);
  double t5 = now();
  r->seconds_ot = t5 - t4;
  if (!rc && o->sw && !o->zoomout) rc = PV_ERROR(PV_EINVAL, "shape match: SW refinement needs ZoomOut's map size");
  if (!rc && o->sw == 1) rc = pv_shape_sw_refine(ctx, *bx, *by, mx, my, &o->sw_opt, kc, r->C, r->T, NULL);
  r->seconds_sw = now() - t5;
  return rc;
}

int pv_shape_match(pv_ctx *ctx, const pv_mesh *mx, const pv_mesh *my, const pv_shape_match_options *opt,
                   pv_shape_match_result **out) {
  if (!mx || !my || !out) return PV_ERROR(PV_EINVAL, "shape match: NULL argument");
  *out = NULL;
  pv_shape_match_options o;
  pv_shape_match_options_init(&o);
  if (opt) o = *opt;
  if (o.k_descr <= 0 || o.k_descr > o.k_basis) o.k_descr = o.k_basis;
  if (o.fmap.k_x > o.k_basis || o.fmap.k_y > o.k_basis || (o.zoomout && o.zo.k_final > o.k_basis) ||
      (o.ot && o.ot_opt.k > o.k_basis))
    return PV_ERROR(PV_EINVAL, "shape match: map sizes exceed the basis size %d", o.k_basis);
  pv_shape_match_result *r = pv_calloc(1, sizeof *r);
  if (!r) return PV_ENOMEM;
  r->ny = my->nv;
  r->T = pv_malloc((size_t)my->nv * sizeof *r->T);
  pv_shape_basis *bx = NULL, *by = NULL;
  int rc = r->T ? run(ctx, mx, my, &o, r, &bx, &by) : PV_ENOMEM;
  pv_shape_basis_destroy(&bx);
  pv_shape_basis_destroy(&by);
  if (rc) {
    pv_shape_match_result_destroy(&r);
    return rc;
  }
  *out = r;
  return 0;
}
