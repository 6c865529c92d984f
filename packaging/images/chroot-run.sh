#!/usr/bin/env bash
# chroot-run.sh ROOT CMD...: runs CMD inside the root file system ROOT with /proc, /dev and
# /sys mounted in a mount namespace of its own (they vanish with it: nothing to unmount), and
# $IRONLB_APT_ARCHIVES (when set) as its /var/cache/apt/archives. Every step execs the next,
# so CMD keeps this script's PID (a test can signal it). As root.
set -euo pipefail
root=${1:?usage: chroot-run.sh ROOT CMD...}
shift
exec unshare --mount --propagation private -- bash -c '
  set -e
  root=$1
  shift
  mount -t proc proc "$root/proc"
  mount --rbind /dev "$root/dev"
  mount -t sysfs sysfs "$root/sys"
  if [ -n "${IRONLB_APT_ARCHIVES:-}" ]; then
    mount --bind "$IRONLB_APT_ARCHIVES" "$root/var/cache/apt/archives"
  fi
  exec chroot "$root" "$@"' _ "$root" "$@"
