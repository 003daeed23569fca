/* fft_f32.c - single-precision FFTW bindings (fftwf_*), from fft_template.inc. */
#include <fftw3.h>
#include <stdlib.h>
#include <parseval/error.h>
#include "fft_internal.h"

#define X(name) fftwf_##name
#define R float
#define SFX(name) name##_f32
#include "fft_template.inc"
