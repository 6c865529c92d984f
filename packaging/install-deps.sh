#!/usr/bin/env bash
# Installs everything ironlb needs to build and test, on Debian bookworm, as root.
# Idempotent: a second run installs nothing and takes a couple of seconds.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps.sh: run me as root (apt-get needs it)" >&2
  exit 1
fi

# Build tools and libraries (the -dev packages ironlb links against).
build_pkgs=(
  build-essential cmake ninja-build pkg-config git ccache
  clang clang-format clang-tidy libclang-rt-14-dev
  libabsl-dev libgtest-dev libgmock-dev googletest libbenchmark-dev
  libyaml-dev nlohmann-json3-dev libcli11-dev libcpp-httplib-dev libcurl4-openssl-dev libssl-dev
  libmnl-dev libnftnl-dev
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  # The OpenAPI v2 .proto (gnostic's) the fake API server answers kubectl's /openapi/v2 with.
  golang-github-googleapis-gnostic-dev
)
# Tools the netns/lab tests drive: the real kernel and real peers.
test_pkgs=(
  iproute2 nftables iputils-ping arping ndisc6 tcpdump tshark
  socat procps psmisc util-linux curl ethtool keepalived
  stress-ng  # scripts/test-under-stress.sh: the suite with two busy cores beside it
  bird2 gobgpd  # routers other than FRR in lab_bgp_other_routers_test (run in lab namespaces)
  # test/bench/lb_bench's contenders: IPVS (needs a kernel with ip_vs) and haproxy in TCP mode;
  # conntrack empties the router's table between its measurements.
  ipvsadm haproxy conntrack
  # The router pair's connection replication (lab_router_conntrack_test, router_conntrack_bench).
  conntrackd
  openssl  # the kube/ TLS tests make a throwaway CA and certificates
  prometheus  # promtool checks every daemon's /metrics (test/daemons/metrics_lint_test)
  # The images and the package install test (test/packaging/): a minbase bookworm root file
  # system (mmdebstrap), packed as OCI images (umoci); dpkg-shlibdeps for the packages.
  mmdebstrap umoci dpkg-dev file
)

missing=()
for p in "${build_pkgs[@]}" "${test_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # tshark asks whether non-root users may capture; answer no without a prompt.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps.sh: all packages present"
fi

# bird2 enables its system service; the tests start their own BIRD in a lab namespace, and a
# test machine needs no routing daemon of its own (gobgpd's service needs a config it lacks).
if command -v systemctl >/dev/null && systemctl is-enabled -q bird.service 2>/dev/null; then
  systemctl disable --now bird.service >/dev/null 2>&1 || true
fi

# Debian's kubectl (package kubernetes-client), unpacked beside the system's: the packaging
# tests build the manifests with its kustomize and drive the fake API server with it. Not
# installed: another kubectl may own /usr/bin/kubectl.
kc=/opt/ironlb/kubernetes-client
if [ ! -x "$kc/usr/bin/kubectl" ]; then
  tmp=$(mktemp -d)
  chmod 755 "$tmp" # apt downloads as _apt
  (cd "$tmp" && apt-get download -qq kubernetes-client >/dev/null)
  mkdir -p "$kc"
  dpkg -x "$tmp"/kubernetes-client_*.deb "$kc"
  rm -rf "$tmp"
  echo "install-deps.sh: Debian's kubectl in $kc/usr/bin/kubectl"
fi

# FRRouting with the gRPC northbound, built from Debian's source package (not in Debian's
# binary package). Skipped when already built, or when IRONLB_NO_FRR=1 (the container images'
# build stages: FRR has an image of its own).
if [ "${IRONLB_NO_FRR:-0}" != 1 ]; then
  bash "$(dirname "$0")/build-frr.sh"
fi
