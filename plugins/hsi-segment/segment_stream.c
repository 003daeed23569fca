/* The streamed second pass: every block's valid pixels get features and a
 * label (segment_assign), written as they come; class sizes and the PNG
 * preview are gathered on the way. */
#include <math.h>
#include <string.h>

#include "segment.h"

typedef struct {
  segment_job *j;
  size_t cap;       /* pixels the buffers hold */
  double *y, *feat; /* bands x cap, cap x d */
  size_t *pix;      /* [cap] block offsets of the valid pixels */
} label_pass;

static int grow(label_pass *s, size_t hw) {
  if (hw <= s->cap) return PV_OK;
  pv_free(s->y), pv_free(s->feat), pv_free(s->pix);
  s->y = pv_malloc(s->j->bands * hw * sizeof *s->y);
  s->feat = pv_malloc(hw * (size_t)s->j->d * sizeof *s->feat);
  s->pix = pv_malloc(hw * sizeof *s->pix);
  s->cap = s->y && s->feat && s->pix ? hw : 0;
  return s->cap ? PV_OK : PV_ERROR(PV_ENOMEM, "labelling a block of %zu pixels", hw);
}

static int label_block(pv_ctx *ctx, pv_raster_block *b, void *user) {
  (void)ctx;
  label_pass *s = user;
  segment_job *j = s->j;
  size_t hw = b->win.width * b->win.height, nv = 0;
  int rc = grow(s, hw);
  if (rc) return rc;
  for (size_t q = 0; q < hw; q++) {
    int ok = 1;
    for (size_t band = 0; band < j->bands && ok; band++) ok = isfinite(b->in[band * hw + q]);
    b->out[q] = 0;
    if (ok) s->pix[nv++] = q;
  }
  for (size_t band = 0; band < j->bands; band++)
    for (size_t i = 0; i < nv; i++) s->y[band * s->cap + i] = b->in[band * hw + s->pix[i]] / j->scale;
  if (nv) rc = segment_model_apply(j, s->y, s->cap, nv, s->feat);
  for (size_t i = 0; !rc && i < nv; i++) {
    int l = segment_assign(j, s->feat + i * j->d);
    b->out[s->pix[i]] = l;
    j->sizes[l - 1]++;
  }
  j->valid_total += nv;
  for (size_t q = 0; !rc && q < hw; q++)
    segment_preview_put(j, b->win.y0 + q / b->win.width, b->win.x0 + q % b->win.width, (int)b->out[q]);
  return rc;
}

int segment_write_streamed(segment_job *j, const char *path, const pv_provenance *prov) {
  pv_raster_format fmt;
  pv_raster_meta m;
  memset(&m, 0, sizeof m);
  pv_raster *in = NULL;
  pv_raster_writer *w = NULL;
  label_pass s = {j, 0, NULL, NULL, NULL};
  int rc = pv_raster_format_from_path(path, &fmt);
  if (!rc) rc = segment_out_meta(j, prov, &m);
  if (!rc) rc = pv_raster_open(j->ctx, j->scene, &in);
  if (!rc) rc = pv_raster_writer_create(j->ctx, path, fmt, j->width, j->height, 1, PV_U8, &m, pv_args_overwrite(j->args), &w);
  if (!rc) rc = pv_raster_process(j->ctx, in, w, NULL, label_block, &s);
  if (!rc) rc = pv_raster_writer_commit(&w);
  pv_raster_writer_abort(&w);
  pv_raster_close(&in);
  pv_raster_meta_clear(&m);
  pv_free(s.y), pv_free(s.feat), pv_free(s.pix);
  return rc;
}
