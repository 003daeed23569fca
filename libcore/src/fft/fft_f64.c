/* fft_f64.c - double-precision FFTW bindings (fftw_*), from fft_template.inc. */
#include <fftw3.h>
#include <stdlib.h>
#include <parseval/error.h>
#include "fft_internal.h"

#define X(name) fftw_##name
#define R double
#define SFX(name) name##_f64
#include "fft_template.inc"
