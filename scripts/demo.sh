#!/usr/bin/env bash
# ironlb's demo, as root on Debian bookworm: installs what is missing, builds, then
#  1. checks the example homelab configuration (ironlbctl validate),
#  2. shows which LoadBalancer IPs the example Services would get (ironlbctl plan),
#  3. runs three ironlb speakers on a LAN made of network namespaces, shows which host answers
#     each VIP, kills one owner and cuts another's cable, and shows the takeovers with their
#     measured times. Everything it creates is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

bash packaging/install-deps.sh >/dev/null
export CC=clang CXX=clang++
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build/release ironlbctl ironlb-speaker ironlb_lab_demo >/dev/null

echo "== ironlbctl validate --config-dir examples/homelab"
build/release/ctl/ironlbctl validate --config-dir examples/homelab

echo
echo "== ironlbctl plan --config-dir examples/homelab --services examples/services"
build/release/ctl/ironlbctl plan --config-dir examples/homelab --services examples/services

echo
build/release/test/lab/ironlb_lab_demo
