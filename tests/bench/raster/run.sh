#!/bin/sh
# Peak memory and time of a per-pixel operation (mean over bands) on a raster
# larger than the RAM budget: ours streaming under the budget, ours reading the
# whole cube, and the peer (GDAL Python + NumPy, whole cube), each in its own
# process under /usr/bin/time -v, in the same run.
# Then the format conversion GeoTIFF -> ENVI float32: `parseval --memory=MB
# convert` against gdal_translate with GDAL_CACHEMAX=MB (outputs compared).
# usage: tests/bench/raster/run.sh [BUILD_DIR] [W H B] [BUDGET_MB]
set -eu
build=${1:-build}
W=${2:-2048}; H=${3:-2048}; B=${4:-32}; MB=${5:-64}
bin="$build/bench/bench_stream"
here=$(cd "$(dirname "$0")" && pwd)
dir=${PV_BENCH_DIR:-/tmp/pv-bench-raster}
mkdir -p "$dir"
in="$dir/in_${W}x${H}x${B}.tif"
[ -f "$in" ] || "$bin" make "$in" "$W" "$H" "$B"
rss() { # command... -> "seconds peak_MB" from /usr/bin/time -v
  /usr/bin/time -v "$@" > "$dir/out.txt" 2> "$dir/time.txt"
  kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$dir/time.txt")
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$dir/time.txt")
  echo "$wall $((kb / 1024)) $(cat "$dir/out.txt")"
}
raw=$((W * H * B * 4 / 1048576))
echo "raster ${W}x${H}x${B} float32 = ${raw} MiB (float64 in memory: $((raw * 2)) MiB); budget ${MB} MiB"
s=$(rss "$bin" stream "$in" "$dir/mean_stream.img" "$MB")
w=$(rss "$bin" whole "$in" "$dir/mean_whole.img")
p=$(rss /usr/bin/python3 "$here/peer_numpy_mean.py" "$in" "$dir/mean_peer.img")
set -- $s; s_t=$1; s_m=$2; shift 2; s_note="$*"
set -- $w; w_t=$1; w_m=$2
set -- $p; p_t=$1; p_m=$2
echo "ours stream : wall $s_t  peak RSS $s_m MiB  ($s_note)"
echo "ours whole  : wall $w_t  peak RSS $w_m MiB"
echo "peer numpy  : wall $p_t  peak RSS $p_m MiB"
echo "peak RSS ratio peer/ours-stream: $(awk "BEGIN{printf \"%.1f\", $p_m/$s_m}")"
echo "floor: budget $MB MiB for streaming; $raw MiB (the float32 cube) for whole-cube methods"
c=$(rss "$build/bin/parseval" --memory=${MB}M --overwrite convert "$in" "$dir/conv_ours.img")
g=$(rss gdal_translate -q -of ENVI --config GDAL_CACHEMAX "$MB" "$in" "$dir/conv_gdal.img")
set -- $c; c_t=$1; c_m=$2
set -- $g; g_t=$1; g_m=$2
same=$(cmp -s "$dir/conv_ours.img" "$dir/conv_gdal.img" && echo "identical data" || echo "DATA DIFFER")
echo "convert ours (parseval convert): wall $c_t  peak RSS $c_m MiB"
echo "convert peer (gdal_translate)  : wall $g_t  peak RSS $g_m MiB  ($same)"
