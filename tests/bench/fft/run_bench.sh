#!/bin/sh
# One command for the FFT benchmark (see README.md):
#   tests/bench/fft/run_bench.sh BUILD_DIR
# BUILD_DIR: a build of this tree without sanitizers (bench_fft built there).
set -eu
build=${1:?usage: run_bench.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
peer_src="$here/../../../../shared/peers/ns/fftw_floor.c"
bench="$build/tests/bench/bench_fft"
[ -x "$bench" ] || { echo "run_bench.sh: $bench not built (ninja -C $build bench_fft)" >&2; exit 1; }
[ -f "$peer_src" ] || { echo "run_bench.sh: peer $peer_src not found" >&2; exit 1; }
peer="$build/tests/bench/fftw_floor"
gcc -O2 "$peer_src" -lfftw3f -lm -o "$peer"   # the peer, built in this run

field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

echo "== layer overhead: pv_fft_execute vs raw fftwf_execute_dft_r2c on the same plan"
"$bench" overhead 301

echo "== batched 2D r2c + c2r, float32, 1 thread (median ms per batch)"
printf '%-14s %-6s %10s %10s %10s %8s %10s %8s\n' case what ours fftw_floor torch ours/peer ours/torch ""
for c in "64 20 400" "256 1 300" "256 20 40"; do
  set -- $c
  ours=$("$bench" ns "$1" "$2" "$3")
  fl=$("$peer" "$1" "$2" "$3")
  if tr=$(/usr/bin/python3 "$here/bench_torch.py" "$1" "$2" "$3" 2>/dev/null); then :; else tr=""; fi
  for what in r2c_ms c2r_ms; do
    o=$(field "$ours" $what); p=$(field "$fl" $what)
    t=$( [ -n "$tr" ] && field "$tr" $what || echo nan)
    awk -v c="${1}x${1}x${2}" -v w="$what" -v o="$o" -v p="$p" -v t="$t" 'BEGIN {
      printf "%-14s %-6s %10.4f %10.4f %10s %8.3f %10s\n", c, w, o, p, t, o / p,
             (t == "nan" ? "n/a" : sprintf("%.3f", o / t)) }'
  done
  awk -v c="${1}x${1}x${2}" -v o1="$(field "$ours" r2c_ms)" -v o2="$(field "$ours" c2r_ms)" \
      -v p1="$(field "$fl" r2c_ms)" -v p2="$(field "$fl" c2r_ms)" \
      -v t1="$( [ -n "$tr" ] && field "$tr" r2c_ms || echo nan)" \
      -v t2="$( [ -n "$tr" ] && field "$tr" c2r_ms || echo nan)" 'BEGIN {
      o = o1 + o2; p = p1 + p2; t = t1 + t2
      printf "%-14s %-6s %10.4f %10.4f %10s %8.3f %10s\n", c, "both", o, p,
             (t1 == "nan" ? "n/a" : sprintf("%.4f", t)), o / p,
             (t1 == "nan" ? "n/a" : sprintf("%.3f", o / t)) }'
done
[ -n "${tr:-}" ] || echo "(torch.fft unavailable: /usr/bin/python3 -c 'import torch' failed)"
