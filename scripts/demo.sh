#!/usr/bin/env bash
# ironlb's demo: builds ironlbctl and shows what the example homelab configuration defines.
# Needs root only to install missing packages.
set -euo pipefail
cd "$(dirname "$0")/.."

bash packaging/install-deps.sh >/dev/null
export CC=clang CXX=clang++
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build/release ironlbctl >/dev/null

echo "== ironlbctl validate --config-dir examples/homelab"
build/release/ctl/ironlbctl validate --config-dir examples/homelab
