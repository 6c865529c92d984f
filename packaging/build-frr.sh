#!/usr/bin/env bash
# Builds FRRouting from Debian's own source package with the gRPC northbound enabled (Debian's
# binary frr package has no gRPC module), with the daemons ironlb uses: zebra, bgpd, staticd,
# bfdd, plus vtysh. Installs into $IRONLB_FRR_PREFIX (default /opt/ironlb/frr), which the
# tests, the lab and the sidecar image use. Idempotent: does nothing when that build is there.
# Takes several minutes on 2 cores. Run as root.
#
# One change to FRR's source: bgpd waits a fixed 50 ms (`spec.hold` of its route-processing
# work queue, not configurable) after the first route change before processing it, to batch
# changes. That wait was most of one VIP's announcement (55 ms against 52 ms for a bare
# `network` statement). ironlb hands bgpd each desired state as one northbound commit, which is
# one batch already, so the wait buys nothing here: this build waits $IRONLB_FRR_PROCESS_HOLD_MS
# (default 5 ms). The figures before and after are in docs/performance.md.
set -euo pipefail

prefix=${IRONLB_FRR_PREFIX:-/opt/ironlb/frr}
stamp="$prefix/.ironlb-build"
hold_ms=${IRONLB_FRR_PROCESS_HOLD_MS:-5}
case "$hold_ms" in
'' | *[!0-9]*)
  echo "build-frr.sh: IRONLB_FRR_PROCESS_HOLD_MS must be a whole number of milliseconds, not '$hold_ms'" >&2
  exit 1
  ;;
esac
recipe="frr-debian-source grpc zebra bgpd staticd bfdd vtysh process-hold-${hold_ms}ms v2"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$recipe" ] && [ -x "$prefix/sbin/bgpd" ] &&
  [ -f "$prefix/lib/frr/modules/grpc.so" ]; then
  echo "build-frr.sh: FRR with gRPC already in $prefix"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "build-frr.sh: run me as root (apt-get and installing into $prefix need it)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Debian's source packages: enable deb-src for the same suites as the binary packages.
src_list=/etc/apt/sources.list.d/ironlb-deb-src.sources
if [ ! -f "$src_list" ]; then
  cat >"$src_list" <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
apt-get update -qq

# What FRR's configure needs for these daemons (a subset of `apt-get build-dep frr`, which
# would also pull in the documentation toolchain and SNMP).
apt-get install -y -qq --no-install-recommends \
  dpkg-dev build-essential autoconf automake libtool pkg-config bison flex gawk \
  python3-dev libjson-c-dev libyang2-dev libc-ares-dev libpcre2-dev libcap-dev \
  libreadline-dev libelf-dev texinfo install-info \
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc >/dev/null

work=$(mktemp -d /var/tmp/ironlb-frr-build.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
apt-get source -qq frr >/dev/null
src=$(find . -maxdepth 1 -type d -name 'frr-*' | head -n 1)
cd "$src"
# bgpd's route-processing hold (see the top of this file). Refuse to build when the line is not
# there exactly once: a different FRR source needs this looked at again, not silently skipped.
hold_line='bgp->process_queue->spec.hold = 50;'
if [ "$(grep -cF "$hold_line" bgpd/bgp_route.c)" != 1 ]; then
  echo "build-frr.sh: bgpd/bgp_route.c of $(basename "$src") does not set the process queue hold as expected ('$hold_line'); update this script" >&2
  exit 1
fi
sed -i "s/bgp->process_queue->spec.hold = 50;/bgp->process_queue->spec.hold = ${hold_ms};/" bgpd/bgp_route.c
grep -qF "bgp->process_queue->spec.hold = ${hold_ms};" bgpd/bgp_route.c
echo "build-frr.sh: building $(basename "$src") with gRPC into $prefix"

autoreconf -fi >/dev/null 2>&1
./configure --prefix="$prefix" --sysconfdir="$prefix/etc" --localstatedir=/var/run/ironlb-frr \
  --with-moduledir="$prefix/lib/frr/modules" \
  --enable-grpc --enable-user=root --enable-group=root --enable-vty-group=root \
  --disable-doc --disable-ripd --disable-ripngd --disable-ospfd --disable-ospf6d \
  --disable-ldpd --disable-nhrpd --disable-eigrpd --disable-babeld --disable-isisd \
  --disable-pimd --disable-pbrd --disable-fabricd --disable-vrrpd --disable-pathd \
  --disable-sharpd --disable-snmp --disable-rpki --disable-scripting \
  CFLAGS="-O2 -g0" CXXFLAGS="-O2 -g0" >configure.log 2>&1 || {
  tail -n 40 configure.log
  exit 1
}
make -j"$(nproc)" >make.log 2>&1 || {
  tail -n 60 make.log
  exit 1
}
make install >install.log 2>&1
mkdir -p "$prefix/etc"
echo "$recipe" >"$stamp"
cd /
echo "build-frr.sh: done: $("$prefix/sbin/bgpd" --version | head -n 1)"
