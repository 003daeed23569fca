/* Fusion and the output raster: in memory, or for Brovey and MTF-GLP
 * streamed strip by strip from the PAN raster (the MS stays at low
 * resolution). */
#include <math.h>
#include <string.h>
#include <time.h>

#include "psh.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct {
  psh_job *j;
  double *ms;             /* NaN-free LR cube */
  unsigned char *valid;   /* hl x wl cells valid in every band */
} stream_pass;

static int brovey_block(pv_ctx *ctx, pv_raster_block *b, void *user) {
  (void)ctx;
  stream_pass *s = user;
  psh_job *j = s->j;
  size_t rows = b->win.height, y0 = b->win.y0;
  if (b->win.x0 == 0 && b->win.width == j->w)
    return pv_psh_brovey_rows(j->ratio, j->bands, j->wl, j->hl, s->ms, s->valid, j->weights, y0, rows, b->in, b->out);
  return PV_ERROR(PV_EUNSUPPORTED, "streamed Brovey needs whole-row strips; raise the RAM budget (--memory)");
}

static int run_streamed(psh_job *j, const char *out_path) {
  size_t nl = j->wl * j->hl;
  stream_pass s = {j, pv_malloc(j->bands * nl * sizeof(double)), pv_malloc(nl)};
  pv_raster *in = NULL;
  pv_raster_writer *w = NULL;
  pv_raster_format fmt;
  int rc = s.ms && s.valid ? PV_OK : PV_ERROR(PV_ENOMEM, "MS copy");
  if (!rc) {
    memcpy(s.ms, j->ms.data, j->bands * nl * sizeof(double));
    memset(s.valid, 1, nl);
    for (size_t b = 0; b < j->bands; b++) {
      double *m = s.ms + b * nl, mean = 0;
      size_t c = 0;
      for (size_t i = 0; i < nl; i++)
        if (isfinite(m[i])) mean += m[i], c++;
      if (!c) rc = PV_ERROR(PV_EINVAL, "%s: band %zu has no valid pixel", j->ms_path, b + 1);
      for (size_t i = 0; c && i < nl; i++)
        if (!isfinite(m[i])) m[i] = mean / (double)c, s.valid[i] = 0;
    }
  }
  if (!rc) rc = pv_raster_format_from_path(out_path, &fmt);
  if (!rc) rc = pv_raster_open(j->ctx, j->pan_path, &in);
  if (!rc)
    rc = pv_raster_writer_create(j->ctx, out_path, fmt, j->w, j->h, j->bands, PV_F32, &j->out_meta,
                                 pv_args_overwrite(j->args), &w);
  if (!rc && j->opt.method == PV_PSH_BROVEY) rc = pv_raster_process(j->ctx, in, w, NULL, brovey_block, &s);
  else if (!rc) rc = pv_psh_glp_stream(j->ctx, &j->opt, j->bands, j->wl, j->hl, j->ms.data, in, w, 0);
  if (!rc) rc = pv_raster_writer_commit(&w);
  pv_raster_writer_abort(&w);
  pv_raster_close(&in);
  pv_free(s.ms), pv_free(s.valid);
  return rc;
}

int psh_run(psh_job *j, const char *out_path, const pv_provenance *prov, double **fused) {
  (void)prov;
  double t0 = now();
  *fused = NULL;
  if (j->streamed) {
    pv_log(j->ctx, PV_LOG_INFO, "psh", "%s: %zu x %zu PAN exceeds half the RAM budget; %s streamed by strips",
           j->pan_path, j->w, j->h, pv_psh_method_name(j->opt.method));
    int rc = run_streamed(j, out_path);
    j->seconds = now() - t0;
    return rc;
  }
  size_t n = j->w * j->h;
  double *f = pv_malloc(j->bands * n * sizeof *f);
  int rc = f ? PV_OK : PV_ERROR(PV_ENOMEM, "fused cube %zu x %zu x %zu", j->w, j->h, j->bands);
  if (!rc) rc = pv_psh_fuse(j->ctx, &j->opt, j->bands, j->wl, j->hl, j->ms.data, j->pan.data, f);
  j->seconds = now() - t0;
  for (size_t i = 0; !rc && i < n; i++) j->masked += isnan(f[i]);
  if (!rc && out_path) {
    pv_raster_cube c;
    memset(&c, 0, sizeof c);
    c.width = j->w, c.height = j->h, c.bands = j->bands, c.dtype = PV_F64, c.data = f;
    c.meta = j->out_meta; /* borrowed: not freed here */
    pv_raster_format fmt;
    rc = pv_raster_format_from_path(out_path, &fmt);
    if (!rc) rc = pv_raster_write(j->ctx, out_path, fmt, &c, PV_F32, pv_args_overwrite(j->args));
  }
  if (rc) pv_free(f);
  else *fused = f;
  return rc;
}
