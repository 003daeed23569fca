/* ns_mpi_kernel.c - the slab solver's kernels in double and float, from one
 * template (ns_mpi_tmpl.h). */
#include "ns_mpi_internal.h"

#if PV_HAVE_MPI
#include <math.h>
#include <stddef.h>

#include <parseval/alloc.h>

#define R double
#define SUF f64
#include "ns_mpi_tmpl.h"
#undef R
#undef SUF

#define R float
#define SUF f32
#include "ns_mpi_tmpl.h"
#undef R
#undef SUF
#endif
