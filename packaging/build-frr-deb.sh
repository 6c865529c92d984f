#!/usr/bin/env bash
# Packs the FRR that packaging/build-frr.sh built (FRRouting from Debian's source package, with
# the gRPC northbound) into ironlb-frr_<FRR version>-ironlb2_amd64.deb, so a router host gets
# FRR with gRPC from a package instead of a compiler. Its Depends: are computed by
# dpkg-shlibdeps from the daemons, vtysh, libfrr and the modules, as Debian's own packages do.
# The package holds /opt/ironlb/frr, the start script /usr/sbin/ironlb-frr (zebra, staticd,
# bgpd, bfdd, each with gRPC on its loopback-guarded port) and ironlb-frr.service.
#   packaging/build-frr-deb.sh OUTDIR      prints the path of the .deb it made
set -euo pipefail

out=${1:?usage: build-frr-deb.sh OUTDIR}
prefix=${IRONLB_FRR_PREFIX:-/opt/ironlb/frr}
here=$(cd "$(dirname "$0")" && pwd)
[ -x "$prefix/sbin/bgpd" ] && [ -f "$prefix/lib/frr/modules/grpc.so" ] || {
  echo "build-frr-deb.sh: no FRR with gRPC in $prefix; run packaging/build-frr.sh first" >&2
  exit 1
}
version=$("$prefix/sbin/bgpd" --version | sed -n 's/^bgpd version \([0-9][0-9.]*\).*/\1/p' | head -n 1)
[ -n "$version" ] || {
  echo "build-frr-deb.sh: cannot read the version of $prefix/sbin/bgpd" >&2
  exit 1
}
version="$version-ironlb2" # 2: bgpd process-queue hold 5 ms

work=$(mktemp -d /tmp/ilb-frrdeb-XXXXXX)
trap 'rm -rf "$work"' EXIT
stage="$work/stage"
mkdir -p "$stage$prefix" "$stage/usr/sbin" "$stage/lib/systemd/system" "$stage/DEBIAN" \
  "$stage/usr/share/doc/ironlb-frr"
# What a router host runs: daemons, vtysh, libraries, modules, YANG models. Not the headers,
# static archives or libtool files of the build.
cp -a "$prefix/." "$stage$prefix/"
rm -rf "$stage$prefix/include" "$stage$prefix/.ironlb-build" "$stage$prefix/share/man" \
  "$stage$prefix/share/info"
find "$stage$prefix" \( -name '*.a' -o -name '*.la' \) -delete
find "$stage$prefix" -type f \( -perm -u+x -o -name '*.so*' \) -exec sh -c \
  'file -b "$1" | grep -q ELF && strip --strip-unneeded "$1"' _ {} \; 2>/dev/null || true
install -m 0755 "$here/frr/ironlb-frr.sh" "$stage/usr/sbin/ironlb-frr"
install -m 0644 "$here/systemd/ironlb-frr.service" "$stage/lib/systemd/system/ironlb-frr.service"
cat >"$stage/usr/share/doc/ironlb-frr/copyright" <<'COPY'
FRRouting (https://frrouting.org), built from Debian bookworm's frr source package with the
gRPC northbound enabled. FRRouting is free software under the GNU General Public License,
version 2 or later; see /usr/share/common-licenses/GPL-2 and Debian's frr package.
COPY

# dpkg-shlibdeps: the run-time libraries of every ELF file; FRR's own libraries (libfrr, the
# gRPC bindings) are inside this package (-S), found by their path (-l).
mkdir -p "$work/debian"
printf 'Source: ironlb-frr\n\nPackage: ironlb-frr\nArchitecture: any\n' >"$work/debian/control"
mapfile -t elves < <(find "$stage$prefix" -type f -exec sh -c 'file -b "$1" | grep -q "^ELF"' _ {} \; -print)
depends=$(cd "$work" && dpkg-shlibdeps -O -S"$stage" -l"$stage$prefix/lib" "${elves[@]}" 2>"$work/shlibdeps.log" |
  sed -n 's/^shlibs:Depends=//p') || {
  cat "$work/shlibdeps.log" >&2
  exit 1
}
[ -n "$depends" ] || {
  echo "build-frr-deb.sh: dpkg-shlibdeps found no dependencies" >&2
  cat "$work/shlibdeps.log" >&2
  exit 1
}
size=$(du -sk "$stage" | cut -f1)
cat >"$stage/DEBIAN/control" <<CONTROL
Package: ironlb-frr
Version: $version
Architecture: $(dpkg --print-architecture)
Maintainer: ironlb maintainers <ironlb@localhost>
Installed-Size: $size
Depends: $depends, iproute2
Recommends: nftables
Conflicts: frr
Section: net
Priority: optional
Description: FRRouting with the gRPC northbound, for ironlb
 zebra, staticd, bgpd and bfdd of FRRouting built from Debian's frr source package with the
 gRPC northbound module (Debian's frr has none), in /opt/ironlb/frr. ironlb-speaker drives
 them through gRPC on loopback and bgpd's vty socket. Start them with ironlb-frr.service
 (/usr/sbin/ironlb-frr). One change to the source: bgpd processes a route change after 5 ms
 instead of a fixed 50 ms (see build-frr.sh).
CONTROL
mkdir -p "$out"
deb="$out/ironlb-frr_${version}_$(dpkg --print-architecture).deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "$deb"
