/* st_kernels.c - float and double instances of the SFNO and FNO-3D forward
 * and backward passes (sfno_tmpl.inc, fno3d_tmpl.inc). */
#include <math.h>
#include <string.h>
#include <parseval/error.h>
#include <parseval/nn.h>
#include "nn/nn_internal.h"
#include "nn/st_internal.h"

#define R float
#define SFX(name) name##_f32
#include "sfno_tmpl.inc"
#include "fno3d_tmpl.inc"
#undef R
#undef SFX
#define R double
#define SFX(name) name##_f64
#include "sfno_tmpl.inc"
#include "fno3d_tmpl.inc"
#undef R
#undef SFX
