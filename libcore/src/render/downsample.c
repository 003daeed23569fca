/* Block-mean reduction: sums and counts of valid values per output cell. */
#include <math.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/render.h>

#include "render/render_internal.h"

struct pv_downsampler {
  size_t rows, cols, bands, f, orows, ocols;
  double *sum;      /* [bands][orows][ocols] */
  unsigned *count;  /* same layout */
};

int pv_downsampler_create(size_t rows, size_t cols, size_t bands, size_t factor,
                          pv_downsampler **out) {
  if (!out) return PV_ERROR(PV_EINVAL, "pv_downsampler_create: NULL out");
  *out = NULL;
  if (!rows || !cols || !bands || !factor)
    return PV_ERROR(PV_EINVAL, "downsampler: %zu x %zu x %zu by %zu has a zero size", rows, cols,
                    bands, factor);
  if (factor > 65535) return PV_ERROR(PV_EINVAL, "downsampler: factor %zu above 65535", factor);
  size_t orows = (rows + factor - 1) / factor, ocols = (cols + factor - 1) / factor;
  if (orows > ((size_t)-1) / ocols / bands / sizeof(double))
    return PV_ERROR(PV_EINVAL, "downsampler: output of %zu x %zu x %zu overflows", orows, ocols, bands);
  pv_downsampler *d = pv_calloc(1, sizeof *d);
  if (!d) return PV_ENOMEM;
  *d = (pv_downsampler){rows, cols, bands, factor, orows, ocols, NULL, NULL};
  d->sum = pv_calloc(bands * orows * ocols, sizeof *d->sum);
  d->count = pv_calloc(bands * orows * ocols, sizeof *d->count);
  if (!d->sum || !d->count) {
    pv_downsampler_destroy(&d);
    return PV_ENOMEM;
  }
  *out = d;
  return 0;
}

void pv_downsampler_destroy(pv_downsampler **d) {
  if (!d || !*d) return;
  pv_free((*d)->sum);
  pv_free((*d)->count);
  pv_free(*d);
  *d = NULL;
}

void pv_downsampler_shape(const pv_downsampler *d, size_t *rows, size_t *cols) {
  if (rows) *rows = d->orows;
  if (cols) *cols = d->ocols;
}

int pv_downsampler_add(pv_downsampler *d, size_t band, size_t row0, size_t col0,
                       const pv_view *block) {
  if (!d || !block || block->ndim != 2 || !block->data || block->dtype > PV_F64 ||
      band >= d->bands || row0 > d->rows || col0 > d->cols ||
      block->shape[0] > d->rows - row0 || block->shape[1] > d->cols - col0)
    return PV_ERROR(PV_EINVAL, "downsampler: block of band %zu at (%zu, %zu) outside %zu x %zu x %zu",
                    band, row0, col0, d->rows, d->cols, d->bands);
  size_t base = band * d->orows * d->ocols;
  int fast = block->dtype == PV_F64 && block->strides[1] == 1; /* rows of doubles */
  for (size_t i = 0; i < block->shape[0]; i++) {
    size_t o = base + (row0 + i) / d->f * d->ocols;
    size_t idx[2] = {i, 0};
    const double *row = fast ? pv_view_at(block, idx) : NULL;
    for (size_t j = 0; j < block->shape[1]; j++) {
      idx[1] = j;
      double x = fast ? row[j] : pv_render_load(pv_view_at(block, idx), block->dtype);
      if (!isfinite(x)) continue;
      size_t k = o + (col0 + j) / d->f;
      d->sum[k] += x;
      d->count[k]++;
    }
  }
  return 0;
}

int pv_downsampler_finish(const pv_downsampler *d, pv_array **out) {
  if (!d || !out) return PV_ERROR(PV_EINVAL, "pv_downsampler_finish: NULL argument");
  size_t shape[3] = {d->bands, d->orows, d->ocols};
  int st = pv_array_create(PV_F64, 3, shape, out);
  if (st) return st;
  double *m = pv_array_data(*out);
  for (size_t k = 0; k < d->bands * d->orows * d->ocols; k++)
    m[k] = d->count[k] ? d->sum[k] / d->count[k] : NAN;
  return 0;
}
