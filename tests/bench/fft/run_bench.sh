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

# The machine is shared: each tool runs ROUNDS times, alternating, and the
# fastest round's medians are kept (contention only ever adds time).
rounds=${ROUNDS:-3}
best() { # stdin: result lines; prints the one with the smallest r2c_ms + c2r_ms
  sed '/^$/d' | awk '{ s = 0
    for (i = 1; i <= NF; i++) if ($i ~ /^(r2c|c2r)_ms=/) { split($i, kv, "="); s += kv[2] }
    if (NR == 1 || s < m) { m = s; line = $0 } } END { print line }'
}

echo "== batched 2D r2c + c2r, float32, 1 thread (median ms per batch, best of $rounds rounds)"
printf '%-14s %-6s %10s %10s %10s %9s %10s\n' case what ours fftw_floor torch ours/peer ours/torch
torch_ok=1
for c in "64 20 400" "256 1 300" "256 20 40"; do
  set -- $c
  os=""; fs=""; ts=""
  for r in $(seq "$rounds"); do
    os="$os
$("$bench" ns "$1" "$2" "$3")"
    fs="$fs
$("$peer" "$1" "$2" "$3")"
    if t=$(/usr/bin/python3 "$here/bench_torch.py" "$1" "$2" "$3" 2>/dev/null); then ts="$ts
$t"; else torch_ok=0; fi
  done
  ours=$(echo "$os" | best)
  fl=$(echo "$fs" | best)
  tr=$(echo "$ts" | best)
  for what in r2c_ms c2r_ms both; do
    if [ $what = both ]; then
      o=$(awk -v a="$(field "$ours" r2c_ms)" -v b="$(field "$ours" c2r_ms)" 'BEGIN{print a+b}')
      p=$(awk -v a="$(field "$fl" r2c_ms)" -v b="$(field "$fl" c2r_ms)" 'BEGIN{print a+b}')
      t=$( [ -n "$tr" ] && awk -v a="$(field "$tr" r2c_ms)" -v b="$(field "$tr" c2r_ms)" 'BEGIN{print a+b}' || echo nan)
    else
      o=$(field "$ours" $what); p=$(field "$fl" $what)
      t=$( [ -n "$tr" ] && field "$tr" $what || echo nan)
    fi
    awk -v c="${1}x${1}x${2}" -v w="$what" -v o="$o" -v p="$p" -v t="$t" 'BEGIN {
      printf "%-14s %-6s %10.4f %10.4f %10s %9.3f %10s\n", c, w, o, p,
             (t == "nan" ? "n/a" : sprintf("%.4f", t)), o / p,
             (t == "nan" ? "n/a" : sprintf("%.3f", o / t)) }'
  done
done
[ "$torch_ok" = 1 ] || echo "(torch.fft unavailable: /usr/bin/python3 -c 'import torch' failed)"

echo "== FNO-2D spectral conv forward (64x64, batch 20, width 20, modes 12, float32, 1 thread, best of $rounds)"
minms() { sed '/^$/d' | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^forward_ms=/) { split($i, kv, "=")
  if (!n++ || kv[2] < m) { m = kv[2]; line = $0 } } } END { print line }'; }
oc=""; tc=""
for r in $(seq "$rounds"); do
  oc="$oc
$("$bench" conv 64 20 20 12 30)"
  tc="$tc
$(/usr/bin/python3 "$here/bench_torch.py" conv 64 20 20 12 30 2>/dev/null || true)"
done
o=$(echo "$oc" | minms); t=$(echo "$tc" | minms)
echo "$o"
[ -z "$t" ] || { echo "$t"; awk -v o="$(field "$o" forward_ms)" -v t="$(field "$t" forward_ms)" \
  'BEGIN { printf "ours/torch = %.3f\n", o / t }'; }
