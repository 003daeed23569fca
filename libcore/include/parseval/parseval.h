/* parseval/parseval.h - everything public in libparseval, one header per
 * module (include just the ones you use to keep builds lean). */
#ifndef PARSEVAL_PARSEVAL_H
#define PARSEVAL_PARSEVAL_H
/* base */
#include <parseval/config.h>
#include <parseval/error.h>
#include <parseval/alloc.h>
#include <parseval/ctx.h>
#include <parseval/rng.h>
#include <parseval/array.h>
#include <parseval/fileout.h>
#include <parseval/core.h>
#include <parseval/plugin.h>
/* io and outputs */
#include <parseval/raster.h>
#include <parseval/matfile.h>
#include <parseval/scene.h>
#include <parseval/json.h>
#include <parseval/provenance.h>
#include <parseval/npy.h>
#include <parseval/h5.h>
#include <parseval/render.h>
#include <parseval/mesh.h>
/* numerics */
#include <parseval/fft.h>
#include <parseval/fft_mpi.h>
#include <parseval/spectral.h>
#include <parseval/linalg.h>
#include <parseval/spectra.h>
#include <parseval/sparse.h>
#include <parseval/eigen.h>
#include <parseval/cluster.h>
#include <parseval/ns.h>
#include <parseval/gp.h>
#include <parseval/hsi.h>
#include <parseval/pansharpen.h>
#include <parseval/shape.h>
#include <parseval/nn_param.h>
#include <parseval/nn.h>
#include <parseval/nn_optim.h>
#endif
