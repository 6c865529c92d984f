#!/usr/bin/env bash
# The two packages as a router host gets them: ironlb (cpack) and ironlb-frr
# (packaging/build-frr-deb.sh), installed with `apt-get install ./….deb` into a fresh Debian
# bookworm minbase root file system (the images' base, packaging/images/common.sh), which has
# none of the build machine's libraries: apt must find every one through the packages'
# Depends. Inside it: every binary's --help, ldd finds every library, the router unit's own
# ExecStart with the shipped example (uncommented) serves /healthz and programs its forwards
# (as uid 65534 with the unit's two capabilities), and ironlb-frr's daemons start with their
# gRPC ports answering a real gRPC call on loopback.
#   IRONLB_BINARY_DIR=build/release test/packaging/deb_install_test.sh
set -euo pipefail

build=$(cd "${IRONLB_BINARY_DIR:?set IRONLB_BINARY_DIR to the build directory}" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../../packaging/images/common.sh
source "$src/packaging/images/common.sh"
work=$(mktemp -d /var/tmp/ilb-debinst-XXXXXX)
ns="ilb-debinst-$$"
pids=()

cleanup() {
  for p in "${pids[@]}"; do
    kill -TERM "$p" 2>/dev/null || true
  done
  for p in "${pids[@]}"; do
    wait "$p" 2>/dev/null || true
  done
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  for log in "$work"/*.log; do
    [ -f "$log" ] || continue
    echo "---- $(basename "$log")" >&2
    tail -n 40 "$log" >&2
  done
  exit 1
}

# --- the two packages and what they declare
(cd "$work" && cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) ||
  fail "cpack failed"
ironlb_deb=$(ls "$work"/out/ironlb_*.deb)
frr_deb=$(bash "$src/packaging/build-frr-deb.sh" "$work/out" 2>"$work/frrdeb.log") || fail "build-frr-deb.sh failed"
depends() { dpkg-deb -f "$1" Depends | tr ',' '\n' | sed 's/^ *//; s/ .*//'; }
for lib in libc6 libstdc++6 libgrpc++1.51 libprotobuf32 libcurl4 libyaml-0-2 libmnl0 libnftnl11 libssl3; do
  depends "$ironlb_deb" | grep -qx "$lib" || fail "ironlb's Depends lacks $lib: $(dpkg-deb -f "$ironlb_deb" Depends)"
done
depends "$ironlb_deb" | grep -q '^libabsl' || fail "ironlb's Depends lacks Abseil"
for lib in libc6 libyang2 libgrpc++1.51 libprotobuf32 libjson-c5 libc-ares2 libcap2 libreadline8; do
  depends "$frr_deb" | grep -qx "$lib" || fail "ironlb-frr's Depends lacks $lib: $(dpkg-deb -f "$frr_deb" Depends)"
done
echo "$(basename "$ironlb_deb"): Depends: $(dpkg-deb -f "$ironlb_deb" Depends | tr -s ' ' | cut -c1-160)…"
echo "$(basename "$frr_deb"): Depends: $(dpkg-deb -f "$frr_deb" Depends | tr -s ' ' | cut -c1-160)…"

# --- a fresh minbase system, and apt-get install ./….deb (nftables: ironlb's Recommends, which
# apt installs by default; the gRPC guard of ironlb-frr uses it)
root="$work/root"
start=$(date +%s)
ironlb_rootfs "$root"
ironlb_apt_install "$root" "$ironlb_deb" "$frr_deb" nftables 2>"$work/apt.log" || fail "apt-get install failed"
echo "installed into a fresh bookworm minbase in $(($(date +%s) - start)) s"
in_root() { ironlb_chroot "$root" "$@"; }

# --- every binary: --help, and ldd finds every library
bins=(/usr/bin/ironlb-speaker /usr/bin/ironlb-controller /usr/bin/ironlbctl
  /opt/ironlb/frr/sbin/zebra /opt/ironlb/frr/sbin/bgpd /opt/ironlb/frr/sbin/staticd
  /opt/ironlb/frr/sbin/bfdd /opt/ironlb/frr/bin/vtysh)
for bin in "${bins[@]}"; do
  [ -x "$root$bin" ] || fail "$bin is not installed"
  missing=$(in_root ldd "$bin" | grep "not found" || true)
  [ -z "$missing" ] || fail "$bin: $missing"
  help=$(in_root "$bin" --help 2>&1 || true)
  grep -qiE "usage" <<<"$help" || fail "$bin --help prints no usage: $help"
done
missing=$(in_root ldd /opt/ironlb/frr/lib/frr/modules/grpc.so | grep "not found" || true)
[ -z "$missing" ] || fail "grpc.so: $missing"
echo "--help and ldd: ${#bins[@]} binaries and FRR's gRPC module complete"

# --- the unit's ExecStart, with the shipped example uncommented, as the unit runs it
unit="$root/lib/systemd/system/ironlb-router.service"
[ -f "$unit" ] || unit="$root/usr/lib/systemd/system/ironlb-router.service"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
caps=$(sed -n 's/^AmbientCapabilities=//p' "$unit" | tr 'A-Z ' 'a-z\n' | sed 's/^cap_/+/' | paste -sd, -)
sed -e '/^##/d' -e 's/^# \{0,1\}//' "$root/etc/ironlb/router.yaml" >"$work/example.yaml"
cp "$work/example.yaml" "$root/etc/ironlb/router.yaml"
read -r -a argv <<<"$exec_start"
ip netns add "$ns"
ip -n "$ns" link set lo up
ip netns exec "$ns" "$src/packaging/images/chroot-run.sh" "$root" \
  setpriv --reuid=65534 --regid=65534 --clear-groups --no-new-privs \
  --inh-caps="-all,$caps" --ambient-caps="-all,$caps" --bounding-set="-all,$caps" \
  "${argv[@]}" >"$work/speaker.log" 2>&1 &
pids+=($!)
get() { ip netns exec "$ns" curl -s --max-time 2 "http://127.0.0.1:7473$1" || true; }
ok=""
for _ in $(seq 1 200); do
  [ "$(get /healthz)" = ok ] && ok=1 && break
  kill -0 "${pids[0]}" 2>/dev/null || fail "the unit's ExecStart exited"
  sleep 0.1
done
[ -n "$ok" ] || fail "/healthz did not answer ok within 20 s"
metrics=""
for _ in $(seq 1 100); do
  metrics=$(get /metrics)
  grep -qx "ironlb_router_forwards 3" <<<"$metrics" && break
  sleep 0.1
done
grep -qx "ironlb_router_forwards 3" <<<"$metrics" ||
  fail "the example's 3 forwards are not in force: $(grep ironlb_router_forwards <<<"$metrics")"
ip netns exec "$ns" nft list table inet ironlb >/dev/null || fail "no nftables table inet ironlb"
echo "ExecStart ($exec_start) inside the installed system: /healthz ok, the example's 3 forwards in nftables"

# --- ironlb-frr: its start script (as ironlb-frr.service runs it) starts the daemons with gRPC
frr_env=$(sed -n 's/^Environment=//p' "$root/lib/systemd/system/ironlb-frr.service")
frr_exec=$(sed -n 's/^ExecStart=//p' "$root/lib/systemd/system/ironlb-frr.service")
ip netns exec "$ns" "$src/packaging/images/chroot-run.sh" "$root" \
  env $frr_env "$frr_exec" >"$work/frr.log" 2>&1 &
pids+=($!)
# A gRPC call without a gRPC library: one empty GetCapabilitiesRequest frame over HTTP/2; the
# reply lists the YANG modules the daemon implements (bgpd: frr-bgp-route-map, ...).
printf '\0\0\0\0\0' >"$work/empty.grpc"
grpc_caps() {
  ip netns exec "$ns" curl -s --max-time 2 --http2-prior-knowledge -H 'content-type: application/grpc' \
    -H 'te: trailers' --data-binary @"$work/empty.grpc" \
    "http://127.0.0.1:$1/frr.Northbound/GetCapabilities" 2>/dev/null | tr -c '[:print:]' '\n' || true
}
for port_module in 50051:frr-bgp-route-map 50052:frr-staticd 50053:frr-bfdd; do
  port=${port_module%%:*}
  module=${port_module#*:}
  reply=""
  for _ in $(seq 1 300); do
    reply=$(grpc_caps "$port")
    grep -qF "$module" <<<"$reply" && break
    kill -0 "${pids[1]}" 2>/dev/null || fail "ironlb-frr exited"
    sleep 0.1
  done
  grep -qF "$module" <<<"$reply" || fail "no gRPC GetCapabilities answer naming $module on 127.0.0.1:$port"
done
[ -S "$root/run/ironlb-frr/bgpd.vty" ] || fail "no bgpd.vty in /var/run/ironlb-frr"
ip netns exec "$ns" nft list table inet ironlb-frr >"$work/guard.txt" 2>&1 ||
  fail "ironlb-frr.service put no guard on its gRPC ports: $(cat "$work/guard.txt")"
grep -q 'iifname != "lo" tcp dport { 50051-50053 } drop' "$work/guard.txt" ||
  grep -q 'iifname != "lo" tcp dport { 50051, 50052, 50053 } drop' "$work/guard.txt" ||
  fail "unexpected guard table: $(cat "$work/guard.txt")"
echo "ironlb-frr: zebra, staticd, bgpd, bfdd answer gRPC on 127.0.0.1:50051-50053, guarded by nftables"
echo "PASS"
