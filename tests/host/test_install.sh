#!/bin/sh
# Install into a prefix, MOVE the tree elsewhere, and check that it still
# works with no environment: bin/parseval finds its plugins and samples
# relative to itself, and consumers build against it through pkg-config and
# find_package(Parseval).
# Usage: test_install.sh BUILD_DIR C_COMPILER "EXTRA_C_FLAGS"
set -eu
build=$1 cc=$2 flags=$3
tmp=$(mktemp -d /tmp/pv-install-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/first" >/dev/null
mv "$tmp/first" "$tmp/moved"
root=$tmp/moved
clean_env="env -i PATH=/usr/bin:/bin HOME=$tmp ASAN_OPTIONS=${ASAN_OPTIONS:-} LSAN_OPTIONS=${LSAN_OPTIONS:-}"
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }

$clean_env "$root/bin/parseval" list > "$tmp/list.txt" 2>&1 && grep -q '^selfcheck' "$tmp/list.txt" && ok || bad "relocated parseval list: $(cat "$tmp/list.txt")"
(cd "$tmp" && $clean_env "$root/bin/parseval" demo > "$tmp/demo.log" 2>&1) && [ -s "$tmp/out/index.html" ] && ok || bad "relocated demo: $(tail -5 "$tmp/demo.log")"
[ -f "$root/include/parseval/parseval.h" ] && [ -f "$root/include/parseval/config.h" ] && ok || bad "headers installed"

cat > "$tmp/consumer.c" <<'C'
#include <parseval/parseval.h>
#include <stdio.h>
int main(void) {
  pv_rng r;
  pv_rng_init(&r, 42, 7);
  pv_ctx *ctx = NULL;
  if (pv_init() || pv_ctx_create(&ctx)) return 1;
  printf("%s %.16f\n", pv_version(), pv_rng_uniform(&r));
  pv_ctx_destroy(&ctx);
  return 0;
}
C
pcdir=$(dirname "$(find "$root" -name parseval.pc | head -n 1)")
# shellcheck disable=SC2046
if $cc $flags "$tmp/consumer.c" -o "$tmp/consumer" $(PKG_CONFIG_PATH=$pcdir pkg-config --cflags --libs parseval) \
     -Wl,-rpath,"$(PKG_CONFIG_PATH=$pcdir pkg-config --variable=libdir parseval)" 2> "$tmp/cc.log"; then
  out=$($clean_env "$tmp/consumer")
  [ "$out" = "0.1.0 0.6887580118254412" ] && ok || bad "pkg-config consumer printed '$out'"
else
  bad "pkg-config consumer did not build: $(cat "$tmp/cc.log")"
fi

mkdir -p "$tmp/cm"
cat > "$tmp/cm/CMakeLists.txt" <<CM
cmake_minimum_required(VERSION 3.25)
project(consumer C)
find_package(Parseval 0.1 REQUIRED)
add_executable(consumer ../consumer.c)
target_link_libraries(consumer PRIVATE Parseval::parseval)
CM
if cmake -S "$tmp/cm" -B "$tmp/cm/b" -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="$flags" \
     -DCMAKE_EXE_LINKER_FLAGS="$flags" -DCMAKE_PREFIX_PATH="$root" > "$tmp/cm.log" 2>&1 &&
   cmake --build "$tmp/cm/b" >> "$tmp/cm.log" 2>&1; then
  out=$($clean_env "$tmp/cm/b/consumer")
  [ "$out" = "0.1.0 0.6887580118254412" ] && ok || bad "CMake consumer printed '$out'"
else
  bad "CMake consumer did not build: $(tail -20 "$tmp/cm.log")"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
