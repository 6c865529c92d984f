#!/usr/bin/env bash
# The three OCI images as a cluster gets them: built by packaging/images/build-images.sh (the
# one command), each archive unpacked with umoci (the image's own root file system and its
# runtime configuration: entrypoint, user, environment), and each entrypoint run inside that
# root file system (chroot, a network namespace of this test) as the image's user:
#  - the speaker, with the DaemonSet's capabilities, against the fake API server: /healthz;
#  - the controller, as nobody, against the fake API server: /healthz;
#  - FRR, with the DaemonSet's environment and capabilities for its container: zebra, staticd, bgpd, bfdd answer a gRPC call on
#    loopback, and the same ports are dropped for a host on the LAN.
# Also: the archives' names and tags are the ones the manifests use, the version label is the
# build's, and ldd finds every library of every binary inside each image.
#   IRONLB_BINARY_DIR=build/release test/packaging/images_test.sh
set -euo pipefail

build=${IRONLB_BINARY_DIR:?set IRONLB_BINARY_DIR to the build directory}
build=$(cd "$build" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
run="$src/packaging/images/chroot-run.sh"
work=$(mktemp -d /var/tmp/ilb-imgtest-XXXXXX)
ns="ilb-img-$$"
lan="ilb-imglan-$$"
pids=()

cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  ip netns del "$ns" 2>/dev/null || true
  ip netns del "$lan" 2>/dev/null || true
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

# --- the one command
start=$(date +%s)
IRONLB_IMAGE_DIR="$work/images" bash "$src/packaging/images/build-images.sh" "$build" >"$work/build.log" 2>&1 ||
  fail "build-images.sh failed"
echo "build-images.sh: $(($(date +%s) - start)) s"
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")

# json FILE EXPR: a value of a JSON file (python3: no jq on a minimal CI machine).
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

for name in controller speaker frr; do
  archive="$work/images/ironlb-$name.tar"
  [ -s "$archive" ] || fail "no $archive"
  layout="$work/layout-$name"
  mkdir -p "$layout"
  tar -C "$layout" -xf "$archive"
  ref=$(json "$layout/index.json" 'd["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"]')
  [ "$ref" = "ironlb/$name:$version" ] || fail "$archive is tagged $ref, not ironlb/$name:$version"
  grep -rqx " *image: $ref" "$src/packaging/kubernetes/" || fail "no manifest runs image $ref"
  manifest="$layout/blobs/sha256/$(json "$layout/index.json" 'd["manifests"][0]["digest"]' | cut -d: -f2)"
  config="$layout/blobs/sha256/$(json "$manifest" 'd["config"]["digest"]' | cut -d: -f2)"
  label=$(json "$config" 'd["config"]["Labels"]["org.opencontainers.image.version"]')
  [ "$label" = "$version" ] || fail "$ref: version label $label, build $version"
  umoci unpack --image "$layout:$ref" "$work/bundle-$name" >"$work/unpack-$name.log" 2>&1 ||
    fail "umoci unpack $ref"
  echo "$ref: $(du -m "$archive" | cut -f1) MB archive, $(du -sm "$work/bundle-$name/rootfs" | cut -f1) MB unpacked, labels ok"
done

# The image's process as its runtime configuration gives it: user, arguments, environment.
uid() { json "$work/bundle-$1/config.json" 'd["process"]["user"]["uid"]'; }
gid() { json "$work/bundle-$1/config.json" 'd["process"]["user"]["gid"]'; }
args() { json "$work/bundle-$1/config.json" '"\n".join(d["process"]["args"])'; }
envs() { json "$work/bundle-$1/config.json" '"\n".join(d["process"].get("env", []))'; }
[ "$(uid controller)" = 65534 ] || fail "the controller image does not run as nobody"

# Every ELF file of each image finds its libraries there (the images hold only what apt pulled
# in for the packages' Depends).
for name in controller speaker frr; do
  missing=$("$run" "$work/bundle-$name/rootfs" bash -c '
    for f in /usr/bin/ironlb* /opt/ironlb/frr/sbin/* /opt/ironlb/frr/bin/* /opt/ironlb/frr/lib/frr/modules/*.so; do
      [ -f "$f" ] && head -c 4 "$f" | grep -q ELF && ldd "$f" | sed -n "s#^\s*\(.*not found\)#$f: \1#p"
    done; true')
  [ -z "$missing" ] || fail "ironlb/$name: $missing"
done

# --- a network namespace with the fake API server
ip netns add "$ns"
ip -n "$ns" link set lo up
ip netns exec "$ns" "$build/test/kube/ironlb-fake-apiserver" --kubeconfig_out "$work/kubeconfig" \
  >"$work/apiserver.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  [ -s "$work/kubeconfig" ] && break
  sleep 0.1
done
[ -s "$work/kubeconfig" ] || fail "the fake API server did not start"

# start NAME LOG CAPS ARG...: the image's entrypoint (+ ARGs) in its root file system, in the
# namespace, as the image's user with only CAPS (comma list, may be empty).
start_image() {
  local name=$1 log=$2 caps=$3
  shift 3
  local rootfs="$work/bundle-$name/rootfs"
  cp "$work/kubeconfig" "$rootfs/tmp/kubeconfig"
  mapfile -t argv < <(args "$name")
  mapfile -t env < <(envs "$name")
  local capflags=(--inh-caps=-all --ambient-caps=-all --bounding-set=-all)
  [ -z "$caps" ] || capflags=(--inh-caps="-all,$caps" --ambient-caps="-all,$caps" --bounding-set="-all,$caps")
  ip netns exec "$ns" "$run" "$rootfs" env -i "${env[@]}" "${EXTRA_ENV[@]}" \
    setpriv --reuid="$(uid "$name")" --regid="$(gid "$name")" --clear-groups --no-new-privs "${capflags[@]}" \
    "${argv[@]}" "$@" >"$work/$log" 2>&1 &
  pids+=($!)
}
healthz() { # PORT PID
  for _ in $(seq 1 300); do
    [ "$(ip netns exec "$ns" curl -s --max-time 2 "http://127.0.0.1:$1/healthz" || true)" = ok ] && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

EXTRA_ENV=()
# The speaker runs as root in its image with NET_ADMIN and NET_RAW only (the DaemonSet's).
[ "$(uid speaker)" = 0 ] || fail "the speaker image's user is $(uid speaker)"
start_image speaker speaker.log "+net_admin,+net_raw" --kubeconfig /tmp/kubeconfig \
  --node-name node-1 --metrics-address 127.0.0.1:7473
healthz 7473 "${pids[-1]}" || fail "the speaker image's entrypoint does not serve /healthz"
[ -S "$work/bundle-speaker/rootfs/run/ironlb/speaker.sock" ] || fail "the speaker made no status socket"
echo "ironlb/speaker: entrypoint serves /healthz against the fake API server"

start_image controller controller.log "" --kubeconfig /tmp/kubeconfig --metrics-address 127.0.0.1:7472
healthz 7472 "${pids[-1]}" || fail "the controller image's entrypoint does not serve /healthz"
echo "ironlb/controller: entrypoint serves /healthz as uid 65534 against the fake API server"

# FRR with the DaemonSet's environment for its container.
mapfile -t EXTRA_ENV < <(python3 - "$src/packaging/kubernetes/speaker.yaml" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
frr = text[text.index("- name: frr"):]
frr = frr[:frr.index("volumeMounts")]
for name, value in re.findall(r'- name: (\w+)\s+value: "?([^"\n]*)"?', frr):
    print(f"{name}={value}")
PY
)
[[ " ${EXTRA_ENV[*]} " == *" FRR_GRPC_GUARD=1 "* ]] || fail "the DaemonSet's frr container has no FRR_GRPC_GUARD=1"
# ... and its capabilities.
frr_caps=$(python3 - "$src/packaging/kubernetes/speaker.yaml" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
frr = text[text.index("- name: frr"):]
caps = re.search(r"add: \[([A-Z_, ]+)\]", frr).group(1)
print(",".join("+" + c.strip().lower() for c in caps.split(",")))
PY
)
start_image frr frr.log "$frr_caps"
printf '\0\0\0\0\0' >"$work/empty.grpc"
grpc_caps() { # NETNS ADDRESS PORT
  ip netns exec "$1" curl -s --connect-timeout 1 --max-time 2 --http2-prior-knowledge \
    -H 'content-type: application/grpc' -H 'te: trailers' --data-binary @"$work/empty.grpc" \
    "http://$2:$3/frr.Northbound/GetCapabilities" 2>/dev/null | tr -c '[:print:]' '\n'
}
for port_module in 50051:frr-bgp-route-map 50052:frr-staticd 50053:frr-bfdd; do
  port=${port_module%%:*}
  module=${port_module#*:}
  reply=""
  for _ in $(seq 1 300); do
    reply=$(grpc_caps "$ns" 127.0.0.1 "$port" || true)
    grep -qF "$module" <<<"$reply" && break
    kill -0 "${pids[-1]}" 2>/dev/null || fail "the FRR image's entrypoint exited"
    sleep 0.1
  done
  grep -qF "$module" <<<"$reply" || fail "no gRPC answer naming $module on 127.0.0.1:$port"
done
echo "ironlb/frr: zebra, staticd, bgpd, bfdd answer gRPC on 127.0.0.1:50051-50053 (capabilities $frr_caps)"
# A host on the LAN cannot reach them: dropped (a timeout, not a refusal).
ip netns add "$lan"
ip link add "ilbi$$" netns "$ns" type veth peer name "ilbl$$" netns "$lan"
ip -n "$ns" addr add 10.97.0.1/24 dev "ilbi$$"
ip -n "$lan" addr add 10.97.0.2/24 dev "ilbl$$"
ip -n "$ns" link set "ilbi$$" up
ip -n "$lan" link set "ilbl$$" up
ip -n "$lan" link set lo up
for port in 50051 50052 50053; do
  status=0
  grpc_caps "$lan" 10.97.0.1 "$port" >/dev/null || status=$?
  [ "$status" -eq 28 ] || fail "port $port from the LAN: curl status $status, want 28 (dropped)"
done
# ... while the path itself works: a port nobody listens on is refused at once.
status=0
grpc_caps "$lan" 10.97.0.1 50054 >/dev/null || status=$?
[ "$status" -eq 7 ] || fail "port 50054 from the LAN: curl status $status, want 7 (refused)"
echo "ironlb/frr: gRPC ports dropped from the LAN (nftables inet ironlb-frr)"
echo "PASS"
