#!/bin/sh
# Memcheck over the C test programs (unit tests and fuzz corpus replays) on a
# plain gcc build: no sanitizers, so valgrind sees the code as users run it.
# A test fails on any memcheck error or definitely-lost block.
# Usage: scripts/valgrind.sh   (VG_BUILD_DIR to change the build directory)
#
# Left out, and why:
# - tests driven by Python or sh (plugin end-to-end, golden, host, install)
#   and MPI tests: valgrind would check the interpreter or mpiexec, not us
#   (C tests that run the parseval binary are followed into it, Python
#   children that check our outputs are not);
# - test_stream_rss: it measures the process's resident set, which valgrind's
#   shadow memory inflates (it fails by design under memcheck);
# - tests that take more than ~3 minutes under memcheck on 2 cores (large
#   eigenproblems, GP optimisation, SFNO/NMF/TV training loops); ASan+UBSan
#   run them in scripts/test.sh.
set -eu
cd "$(dirname "$0")/.."
build=${VG_BUILD_DIR:-build/valgrind}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=gcc \
  -DPV_WERROR=ON -DMEMORYCHECK_COMMAND=/usr/bin/valgrind \
  "-DMEMORYCHECK_COMMAND_OPTIONS=--error-exitcode=99 --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite --num-callers=30 --trace-children=yes --trace-children-skip=*python*" \
  > /dev/null
cmake --build "$build" -j 2
skip='golden_|_e2e|host_|mpi_|test_gp_pde_gp_cli|test_stream_rss'
slow='test_eigen_pencil|test_gp_model|test_gp_pcg|test_nn_sfno$|test_hsi_mvnmf|test_hsi_sunsal_tv|test_shape_autoshift|test_shape_match_cli|test_shape_match_cloud|test_shape_match$|test_linalg_spectra|test_gp_staged'
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
ctest --test-dir "$build" -T memcheck -j 2 --timeout 600 -E "$skip|$slow"
