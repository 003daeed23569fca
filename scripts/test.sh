#!/bin/sh
# The whole test suite on a fresh Debian 12 machine (as root): install
# dependencies, build with clang, -Wall -Wextra -Werror, AddressSanitizer +
# UndefinedBehaviorSanitizer and libFuzzer targets, then run ctest
# (unit, golden, fuzz corpora + short fuzz runs, install, MPI at 2 ranks);
# then the C tests under valgrind on a plain gcc build (scripts/valgrind.sh).
# .ci/run calls exactly this script.
set -eu
cd "$(dirname "$0")/.."
src=$(pwd)
build=${BUILD_DIR:-build/ci}
sh scripts/install-deps.sh
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
  -DPV_WERROR=ON -DPV_SANITIZE=ON -DPV_FUZZ=ON > /dev/null
cmake --build "$build" -j 2
# Slow unwinding lets LeakSanitizer see into Open MPI and GDAL, whose
# by-design exit-time leaks tests/lsan.supp suppresses (nothing of ours is).
export ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0:strict_string_checks=1:detect_stack_use_after_return=1
export LSAN_OPTIONS=suppressions=$src/tests/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OPENBLAS_NUM_THREADS=1
ctest --test-dir "$build" --output-on-failure -j 2 --timeout 900
# The same C tests once more under valgrind's memcheck, on a plain gcc build.
sh scripts/valgrind.sh
