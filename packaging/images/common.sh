# Shared by packaging/images/build-images.sh and the packaging tests (sourced, not run): the
# Debian bookworm minbase root file system every image and the package install test start
# from, made once by mmdebstrap and cached, and apt-get run inside a copy of it.
# Needs root, mmdebstrap and the Debian mirror (packages are downloaded once, then cached).

# Where the base and the downloaded .debs are kept between runs (delete it to start over).
ironlb_cache_dir() {
  echo "${IRONLB_IMAGE_CACHE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/images/cache}"
}

# The recipe of the base: a change here makes a new base (the file name carries its hash).
IRONLB_BASE_SUITES=(
  "deb http://deb.debian.org/debian bookworm main"
  "deb http://deb.debian.org/debian bookworm-updates main"
  "deb http://deb.debian.org/debian-security bookworm-security main"
)
IRONLB_BASE_OPTS=(
  --variant=minbase --mode=root --format=tar
  --aptopt='APT::Install-Recommends "false"'
  # No documentation, manual pages or translations in the images (copyright files stay).
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*'
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright'
  --dpkgopt='path-exclude=/usr/share/info/*'
)

# Prints the path of the cached base tar, making it first when missing (a minute or two).
ironlb_base_tar() {
  local cache recipe_hash tar
  cache=$(ironlb_cache_dir)
  recipe_hash=$(printf '%s\n' "${IRONLB_BASE_OPTS[@]}" "${IRONLB_BASE_SUITES[@]}" | sha256sum | cut -c1-12)
  tar="$cache/bookworm-minbase-$recipe_hash.tar"
  if [ ! -s "$tar" ]; then
    mkdir -p "$cache"
    echo "making the bookworm minbase root file system (mmdebstrap, once): $tar" >&2
    mmdebstrap --quiet "${IRONLB_BASE_OPTS[@]}" bookworm "$tar.part" "${IRONLB_BASE_SUITES[@]}" >&2
    mv "$tar.part" "$tar"
  fi
  echo "$tar"
}

# ironlb_rootfs DIR: a fresh copy of the base in DIR (which must not exist).
ironlb_rootfs() {
  local base
  base=$(ironlb_base_tar)
  mkdir -p "$1"
  tar -C "$1" -xf "$base"
}

# ironlb_chroot ROOT CMD...: CMD inside ROOT (chroot-run.sh: /proc, /dev, /sys mounted in a
# private mount namespace), with the shared apt download cache at /var/cache/apt/archives.
ironlb_chroot() {
  local archives
  archives="$(ironlb_cache_dir)/apt-archives"
  mkdir -p "$archives/partial"
  IRONLB_APT_ARCHIVES=$archives "$(dirname "${BASH_SOURCE[0]}")/chroot-run.sh" "$@"
}

# ironlb_apt_install ROOT DEB|PACKAGE...: apt-get install of local .deb files (and packages by
# name) inside ROOT, their Depends from the mirror; then the package lists dropped.
ironlb_apt_install() {
  local root=$1
  shift
  local names=() deb
  mkdir -p "$root/tmp/debs"
  for deb in "$@"; do
    if [[ $deb == *.deb ]]; then
      cp "$deb" "$root/tmp/debs/"
      names+=("/tmp/debs/$(basename "$deb")")
    else
      names+=("$deb")
    fi
  done
  ironlb_chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  ironlb_chroot "$root" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 "${names[@]}" >&2
  rm -rf "$root/tmp/debs" "$root"/var/lib/apt/lists/* 2>/dev/null || true
  mkdir -p "$root/var/lib/apt/lists/partial"
}
