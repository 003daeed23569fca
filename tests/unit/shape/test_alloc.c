/* Allocation-failure countdown over the shape pipeline on a small mesh:
 * every allocation in turn fails; each call must return PV_ENOMEM (or
 * succeed) and free everything it allocated. */
#include <stdio.h>
#include <string.h>

#include <parseval/parseval.h>
#include <parseval/shape.h>

#include "pv_test.h"
#include "shapes.h"

static int pipeline(const pv_mesh *x, const pv_mesh *y, int robust) {
  pv_shape_match_options o;
  pv_shape_match_options_init(&o);
  o.k_basis = 20;
  o.n_descr = 10;
  o.fmap.k_x = o.fmap.k_y = 8;
  o.fmap.w_orient = 0.1;
  o.zo.k_init = 8;
  o.zo.k_final = 16;
  o.zo.samples = 60;
  o.zo.target_samples = 60;
  o.ot = 1;
  o.ot_opt.k = 12;
  o.ot_opt.samples = 50;
  o.robust = robust;
  pv_shape_match_result *r = NULL;
  int rc = pv_shape_match(NULL, x, y, &o, &r);
  if (!rc) {
    int64_t *g = pv_malloc((size_t)x->nv * sizeof *g);
    double e;
    if (!g) rc = PV_ENOMEM;
    for (int64_t i = 0; !rc && i < x->nv; i++) g[i] = i;
    if (!rc) rc = pv_shape_geodesic_error(NULL, x, 0, r->T, y->nv, g, g, x->nv, NULL, &e);
    pv_free(g);
  }
  pv_shape_match_result_destroy(&r);
  return rc;
}

static void test_countdown(void) {
  pv_mesh *x = test_blob(1), *y = test_blob(1);
  for (int robust = 0; robust < 2; robust++) {
    long k = 0, ok = 0;
    for (; k < 4000 && !ok; k++) {
      long live = pv_test_alloc_live();
      pv_test_fail_alloc_after(k);
      int rc = pipeline(x, y, robust);
      pv_test_fail_alloc_after(-1);
      if (rc != 0 && rc != PV_ENOMEM && rc != PV_ENOTCONV && rc != PV_ENUMERIC)
        pv_test_fail(__FILE__, __LINE__, "countdown %ld: status %d (%s)", k, rc, pv_error_message());
      ok = rc == 0;
      pv_error_clear();
      CHECK_EQ_INT(pv_test_alloc_live(), live);
    }
    printf("robust=%d: pipeline succeeded after %ld failing allocation points\n", robust, k - 1);
    CHECK(ok);
  }
  pv_mesh_destroy(&x);
  pv_mesh_destroy(&y);
}

PV_TEST_MAIN(PV_CASE(test_countdown))
