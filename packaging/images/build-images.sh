#!/usr/bin/env bash
# Builds ironlb's three OCI images without a container engine, from Debian packages and this
# source: build/images/ironlb-controller.tar, ironlb-speaker.tar and ironlb-frr.tar (OCI
# image-layout archives: `podman load -i`, `ctr image import`, or
# `skopeo copy oci-archive:build/images/ironlb-speaker.tar docker://REGISTRY/ironlb/speaker:VERSION`).
#   packaging/images/build-images.sh [BUILD_DIR]      (default build/release; as root)
#   IRONLB_IMAGES="controller speaker" packaging/images/build-images.sh   only those images
# Each image is one layer: the Debian bookworm minbase root file system (mmdebstrap, cached in
# build/images/cache) with ironlb's .deb (controller, speaker) or ironlb-frr's (the FRR sidecar)
# installed by apt-get, so the run-time libraries are exactly the packages' shlibdeps
# dependencies, and every binary is checked with ldd inside the image. Packed with umoci
# (Debian's package; no daemon, no registry). The version comes from the build (CMake's
# project version); the controller runs as nobody (65534); the speaker and FRR run as root
# with only the capabilities the DaemonSet grants (NET_ADMIN, NET_RAW).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$repo/build/release}" && pwd)
out=${IRONLB_IMAGE_DIR:-$repo/build/images}
# shellcheck source=common.sh
source "$here/common.sh"

for tool in mmdebstrap umoci cpack dpkg-shlibdeps; do
  command -v "$tool" >/dev/null || {
    echo "build-images.sh: $tool is missing; run packaging/install-deps.sh" >&2
    exit 1
  }
done
[ "$(id -u)" -eq 0 ] || {
  echo "build-images.sh: run me as root (chroot and apt-get inside the images need it)" >&2
  exit 1
}
[ -f "$build/CPackConfig.cmake" ] || {
  echo "build-images.sh: $build is not a configured build directory" >&2
  exit 1
}

version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
[ -n "$version" ] || version=$(grep -m1 -o 'CPACK_PACKAGE_VERSION "[^"]*"' "$build/CPackConfig.cmake" | cut -d'"' -f2)
revision=$(git -C "$repo" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
# Timestamps of the image: the commit's, so two builds of one commit carry the same dates.
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || echo 0)}
created=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)

work=$(mktemp -d /var/tmp/ilb-images-XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out" "$work/debs"

echo "build-images.sh: packages" >&2
(cd "$work" && cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work/cpack" >"$work/cpack.log" 2>&1) ||
  {
    cat "$work/cpack.log" >&2
    exit 1
  }
ironlb_deb=$(ls "$work"/cpack/ironlb_*.deb)
images=" ${IRONLB_IMAGES:-controller speaker frr} "
frr_deb=""
[[ $images != *" frr "* ]] || frr_deb=$(bash "$repo/packaging/build-frr-deb.sh" "$work/debs")

# make_image NAME ENTRYPOINT_JSON_ARGS... : root file system in $work/NAME already prepared.
pack() {
  local name=$1 root=$2
  shift 2
  local ref="ironlb/$name:$version" layout="$work/oci-$name"
  # Nothing that differs between two builds, nor what a running image does not need.
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/ldconfig/aux-cache \
    "$root"/var/log/* "$root"/tmp/* "$root"/var/tmp/* "$root"/root/.bash_history
  : >"$root/etc/machine-id"
  tar --sort=name --numeric-owner --mtime="@$epoch" --clamp-mtime \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    -C "$root" -cf "$work/$name-layer.tar" .
  umoci init --layout "$layout"
  umoci new --image "$layout:$ref"
  umoci raw add-layer --image "$layout:$ref" --history.created "$created" \
    --history.created_by "packaging/images/build-images.sh ($revision)" "$work/$name-layer.tar"
  umoci config --image "$layout:$ref" --created "$created" --author "ironlb" \
    --os linux --architecture "$(dpkg --print-architecture)" \
    --history.created "$created" --history.created_by "umoci config" \
    --config.label "org.opencontainers.image.title=ironlb-$name" \
    --config.label "org.opencontainers.image.version=$version" \
    --config.label "org.opencontainers.image.revision=$revision" \
    --config.label "org.opencontainers.image.created=$created" \
    --config.label "org.opencontainers.image.source=ironlb" \
    --config.label "org.opencontainers.image.licenses=$([ "$name" = frr ] && echo GPL-2.0-or-later || echo Apache-2.0)" \
    --config.label "org.opencontainers.image.base.name=debian:bookworm (mmdebstrap --variant=minbase)" \
    "$@"
  umoci gc --layout "$layout"
  tar --sort=name --numeric-owner --mtime="@$epoch" -C "$layout" -cf "$out/ironlb-$name.tar.part" .
  mv "$out/ironlb-$name.tar.part" "$out/ironlb-$name.tar"
  echo "build-images.sh: $out/ironlb-$name.tar ($ref, $(du -m "$out/ironlb-$name.tar" | cut -f1) MB)" >&2
}

# ldd_check ROOT PATH...: every ELF file under PATHs (inside ROOT) finds all its libraries.
ldd_check() {
  local root=$1
  shift
  local missing
  missing=$(ironlb_chroot "$root" bash -c '
    for f in $(find "$@" -type f); do
      case "$(head -c 4 "$f" | od -An -c | tr -d " ")" in
        177ELF) ldd "$f" | sed -n "s#^\s*\(.*not found\)#$f: \1#p" ;;
      esac
    done' _ "$@")
  if [ -n "$missing" ]; then
    echo "build-images.sh: libraries missing in the image:" >&2
    echo "$missing" >&2
    exit 1
  fi
}

echo "build-images.sh: ironlb $version ($revision)" >&2
# The controller and the speaker: ironlb's .deb (its Depends are the binaries' libraries).
if [[ $images == *" controller "* || $images == *" speaker "* ]]; then
  ironlb_rootfs "$work/speaker"
  ironlb_apt_install "$work/speaker" "$ironlb_deb"
  ldd_check "$work/speaker" /usr/bin/ironlb-speaker /usr/bin/ironlb-controller /usr/bin/ironlbctl
  mkdir -p "$work/speaker/run/ironlb" "$work/speaker/run/ironlb-frr"
  cp -a "$work/speaker" "$work/controller"
fi
if [[ $images == *" controller "* ]]; then
  pack controller "$work/controller" \
    --config.user 65534:65534 --config.entrypoint /usr/bin/ironlb-controller \
    --config.cmd=--leader-elect --config.exposedports 7472/tcp
fi
if [[ $images == *" speaker "* ]]; then
  pack speaker "$work/speaker" \
    --config.user 0:0 --config.entrypoint /usr/bin/ironlb-speaker \
    --config.exposedports 7473/tcp --config.exposedports 7946/tcp
fi

# FRR with gRPC: ironlb-frr's .deb, and nftables for the loopback guard of its gRPC ports.
if [[ $images == *" frr "* ]]; then
  ironlb_rootfs "$work/frr"
  ironlb_apt_install "$work/frr" "$frr_deb" nftables
  ldd_check "$work/frr" /opt/ironlb/frr /usr/sbin/nft
  pack frr "$work/frr" \
    --config.user 0:0 --config.entrypoint /usr/sbin/ironlb-frr \
    --config.env PATH=/opt/ironlb/frr/bin:/opt/ironlb/frr/sbin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
fi
