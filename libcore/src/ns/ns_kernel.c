/* ns_kernel.c - the NS step kernels in double and float, from one template. */
#include "ns_internal.h"

#include <math.h>
#if PV_HAVE_OPENMP
#include <omp.h>
#endif

#define R double
#define SUF f64
#include "ns_kernel_tmpl.h"
#undef R
#undef SUF

#define R float
#define SUF f32
#include "ns_kernel_tmpl.h"
#undef R
#undef SUF
