#!/bin/sh
# Install every Debian 12 package Parseval's build, demo and tests need.
# Run as root. Usage: scripts/install-deps.sh [--bench]
#   --bench  also the peers' Python packages for tests/bench (large: torch).
set -eu
packages="build-essential cmake ninja-build pkg-config git python3 python3-numpy \
  clang libclang-rt-14-dev libomp-14-dev \
  libfftw3-dev libfftw3-mpi-dev libgdal-dev libhdf5-dev libmatio-dev libpng-dev zlib1g-dev \
  libsuitesparse-dev libgsl-dev libopenblas-dev liblapacke-dev \
  libopenmpi-dev openmpi-bin valgrind"
if [ "${1:-}" = "--bench" ]; then
  packages="$packages python3-numpy python3-scipy python3-sklearn python3-torch python3-gdal hyperfine"
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $packages > /dev/null
echo "install-deps: done"
