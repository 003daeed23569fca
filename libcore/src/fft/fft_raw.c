/* fft_raw.c - the FFTW bindings of both precisions, generated from
 * fft_template.inc as FFTW generates fftwf_ from fftw_, and the public
 * executor (kept in this file so the precision's hot path is inlined). */
#include <fftw3.h>
#include <stdlib.h>
#include <parseval/error.h>
#include "fft_internal.h"

#define X(name) fftw_##name
#define R double
#define SFX(name) name##_f64
#include "fft_template.inc"
#undef X
#undef R
#undef SFX

#define X(name) fftwf_##name
#define R float
#define SFX(name) name##_f32
#include "fft_template.inc"
#undef X
#undef R
#undef SFX

int pv_fft_execute(const pv_fft_plan *p, void *in, void *out) {
  if (!p) return PV_ERROR(PV_EINVAL, "pv_fft_execute: plan is NULL");
  return p->key.precision == PV_F64 ? pv_fft_exec_f64(p, in, out) : pv_fft_exec_f32(p, in, out);
}
