#!/bin/sh
# The main job on a fresh Debian 12 machine (as root): install dependencies,
# build, install to PREFIX (default /usr/local), and run `parseval demo`,
# which writes every application's outputs and out/index.html here.
set -eu
cd "$(dirname "$0")/.."
prefix=${PREFIX:-/usr/local}
sh scripts/install-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF > /dev/null
cmake --build build/release -j "$(nproc)"
cmake --install build/release --prefix "$prefix" > /dev/null
"$prefix/bin/parseval" list
"$prefix/bin/parseval" demo --out=out
echo "demo: open out/index.html"
