#!/usr/bin/env bash
# ironlb's demo: builds ironlbctl, shows what the example homelab configuration defines, and
# which LoadBalancer IPs the example Services would get from it.
# Needs root only to install missing packages.
set -euo pipefail
cd "$(dirname "$0")/.."

bash packaging/install-deps.sh >/dev/null
export CC=clang CXX=clang++
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build/release ironlbctl >/dev/null

echo "== ironlbctl validate --config-dir examples/homelab"
build/release/ctl/ironlbctl validate --config-dir examples/homelab

echo
echo "== ironlbctl plan --config-dir examples/homelab --services examples/services"
build/release/ctl/ironlbctl plan --config-dir examples/homelab --services examples/services
