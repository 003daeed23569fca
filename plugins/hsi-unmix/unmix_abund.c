/* Abundances: one solver, applied to the whole cube or block by block as
 * the raster streams through, written as a georeferenced float32 cube. */
#include <math.h>
#include <string.h>
#include <time.h>

#include "unmix.h"

/* The solver works on unscaled data y with endmembers scaled by `factor`
 * (the --scale of streamed input): abundances of y / s against E equal
 * those of y against s E, and SUnSAL's lambda grows by s^2. */
typedef struct {
  unmix_job *j;
  pv_hsi_lsu *lsu; /* NULL: SUnSAL */
  double *em;      /* p x bands, scaled */
  pv_hsi_sunsal_options so;
} solver;

static int solver_init(unmix_job *j, solver *s, double factor) {
  const char *m = pv_args_string(j->args, "method");
  s->j = j;
  pv_hsi_sunsal_options so = PV_HSI_SUNSAL_OPTIONS_INIT;
  so.lambda = pv_args_real(j->args, "lambda") * factor * factor;
  s->so = so;
  s->em = pv_malloc((size_t)j->p * j->bands * sizeof *s->em);
  if (!s->em) return PV_ENOMEM;
  for (size_t k = 0; k < (size_t)j->p * j->bands; k++) s->em[k] = j->em[k] * factor;
  if (!strcmp(m, "sunsal-tv") && j->streamed)
    return PV_ERROR(PV_EINVAL, "%s: SUnSAL-TV couples neighbouring pixels and needs the scene in memory (it takes "
                    "more than half the RAM budget; raise --memory)", j->scene);
  if (!strncmp(m, "sunsal", 6)) return PV_OK;
  pv_hsi_lsu_method method = !strcmp(m, "ucls") ? PV_HSI_UCLS : !strcmp(m, "scls") ? PV_HSI_SCLS
                             : !strcmp(m, "ncls") ? PV_HSI_NCLS : PV_HSI_FCLS;
  return pv_hsi_lsu_create(j->ctx, method, j->bands, j->p, s->em, &s->lsu);
}

static void solver_free(solver *s) {
  pv_hsi_lsu_destroy(&s->lsu);
  pv_free(s->em);
}

/* y bands x n (ldy), a p x n (lda). */
static int solve(solver *s, size_t n, const double *y, size_t ldy, double *a, size_t lda) {
  unmix_job *j = s->j;
  size_t masked = 0;
  int rc = s->lsu ? pv_hsi_lsu_solve(s->lsu, n, y, ldy, a, lda, &masked)
                  : pv_hsi_sunsal(j->ctx, j->bands, j->p, s->em, n, y, ldy, &s->so, a, lda);
  if (!s->lsu)
    for (size_t k = 0; k < n; k++) masked += isnan(a[k]);
  j->masked += masked;
  return rc;
}

/* Output metadata: the input's georeferencing, one named band per endmember,
 * NaN as no-data, and the provenance pairs. */
static int out_meta(const unmix_job *j, const pv_provenance *prov, pv_raster_meta *m) {
  pv_raster_meta_init(m, (size_t)j->p);
  m->has_geotransform = j->meta.has_geotransform;
  memcpy(m->geotransform, j->meta.geotransform, sizeof m->geotransform);
  int rc = j->meta.srs_wkt && !(m->srs_wkt = pv_strdup(j->meta.srs_wkt)) ? PV_ENOMEM : PV_OK;
  m->has_nodata = 1;
  m->nodata = NAN;
  for (int i = 0; !rc && i < j->p; i++) rc = pv_raster_meta_set_band_name(m, (size_t)i, j->names[i]);
  for (size_t i = 0; !rc && prov && i < pv_provenance_count(prov); i++) {
    const char *k, *v;
    rc = pv_provenance_pair(prov, i, &k, &v);
    if (!rc) rc = pv_raster_meta_set_item(m, k, v);
  }
  return rc;
}

static int block_fn(pv_ctx *ctx, pv_raster_block *b, void *user) {
  (void)ctx;
  solver *s = user;
  size_t hw = b->win.width * b->win.height;
  return solve(s, hw, b->in, hw, b->out, hw);
}

static int write_streamed(unmix_job *j, solver *s, const char *path, pv_raster_format fmt, const pv_raster_meta *m,
                          int overwrite) {
  pv_raster *in = NULL;
  pv_raster_writer *w = NULL;
  int rc = pv_raster_open(j->ctx, j->scene, &in);
  if (!rc) rc = pv_raster_writer_create(j->ctx, path, fmt, j->width, j->height, (size_t)j->p, PV_F32, m, overwrite, &w);
  if (!rc) rc = pv_raster_process(j->ctx, in, w, NULL, block_fn, s);
  if (!rc) rc = pv_raster_writer_commit(&w);
  pv_raster_writer_abort(&w);
  pv_raster_close(&in);
  return rc;
}

/* SUnSAL-TV over the whole image; the last iterate is kept (with a warning)
 * when the fixed-penalty ADMM has not met its tolerance. */
static int solve_tv(unmix_job *j, solver *s, double *a) {
  size_t n = j->width * j->height;
  pv_hsi_sunsal_tv_options o = PV_HSI_SUNSAL_TV_OPTIONS_INIT;
  o.lambda = s->so.lambda;
  o.lambda_tv = pv_args_real(j->args, "lambda-tv");
  o.isotropic = !strcmp(pv_args_string(j->args, "tv"), "isotropic");
  int it = 0;
  int rc = pv_hsi_sunsal_tv(j->ctx, j->bands, j->p, s->em, j->width, j->height, j->cube.data, n, &o, a, n, &it);
  if (rc == PV_ENOTCONV) {
    pv_log(j->ctx, PV_LOG_WARN, "hsi", "%s", pv_error_message());
    pv_error_clear();
    rc = PV_OK;
  }
  for (size_t k = 0; !rc && k < n; k++) j->masked += isnan(a[k]);
  return rc;
}

static int write_cube(unmix_job *j, solver *s, const char *path, pv_raster_format fmt, const pv_raster_meta *m,
                      int overwrite) {
  size_t n = j->width * j->height;
  j->a = pv_malloc((size_t)j->p * n * sizeof *j->a);
  if (!j->a) return PV_ENOMEM;
  int rc = strcmp(pv_args_string(j->args, "method"), "sunsal-tv") ? solve(s, n, j->cube.data, n, j->a, n)
                                                                    : solve_tv(j, s, j->a);
  if (!rc) rc = pv_hsi_reconstruction_rmse(j->bands, n, j->cube.data, n, j->p, j->em, j->a, n, &j->recon_rmse);
  pv_raster_cube out = {j->width, j->height, (size_t)j->p, PV_F64, j->a, NULL, *m};
  if (!rc) rc = pv_raster_write(j->ctx, path, fmt, &out, PV_F32, overwrite);
  return rc;
}

int unmix_abundances(unmix_job *j, const char *path, const pv_provenance *prov) {
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  pv_raster_format fmt;
  pv_raster_meta m;
  solver s = {0};
  memset(&m, 0, sizeof m);
  j->recon_rmse = NAN;
  int rc = pv_raster_format_from_path(path, &fmt);
  if (!rc) rc = out_meta(j, prov, &m);
  if (!rc) rc = solver_init(j, &s, j->streamed ? j->scale : 1.0);
  if (!rc) rc = j->streamed ? write_streamed(j, &s, path, fmt, &m, pv_args_overwrite(j->args))
                            : write_cube(j, &s, path, fmt, &m, pv_args_overwrite(j->args));
  solver_free(&s);
  pv_raster_meta_clear(&m);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  j->seconds_unmix = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  return rc;
}
