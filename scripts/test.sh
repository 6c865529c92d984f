#!/usr/bin/env bash
# Runs ironlb's whole test suite, as CI does: installs what is missing, builds two trees and
# runs every test label.
#   build/asan     Debug + AddressSanitizer/UndefinedBehaviorSanitizer + libFuzzer:
#                  labels unit and fuzz
#   build/release  RelWithDebInfo: labels netns and lab (real kernel, real daemons, namespaces)
# Needs root (apt-get, network namespaces, nftables). Takes a few minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."

bash packaging/install-deps.sh

export CC=clang CXX=clang++
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DIRONLB_SANITIZE=ON -DIRONLB_FUZZ=ON \
  >/dev/null
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build/asan
ninja -C build/release

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
status=0
ctest --test-dir build/asan -L 'unit|fuzz' --output-on-failure -j2 2>&1 | tee "$logs/asan.log" \
  || status=1
# Namespace tests share the kernel's nftables and neighbour state: one at a time.
ctest --test-dir build/release -L 'netns|lab' --output-on-failure -j1 2>&1 \
  | tee "$logs/release.log" || status=1

# One closing line for both runs: "N passed, N failed".
passed=0 failed=0
for f in "$logs"/asan.log "$logs"/release.log; do
  line=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$f" | tail -n 1 || true)
  if [ -n "$line" ]; then
    total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
    bad=$(sed -E 's/.* ([0-9]+) tests failed.*/\1/' <<<"$line")
    passed=$((passed + total - bad))
    failed=$((failed + bad))
  fi
done
[ "$failed" -eq 0 ] || status=1
[ "$passed" -gt 0 ] || status=1
echo "ironlb: $passed passed, $failed failed"
exit "$status"
