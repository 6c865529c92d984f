#!/usr/bin/env bash
# Bad input: the layer-2 key Secret was never created (the DaemonSet mounts it as optional),
# while an L2Advertisement asks for layer 2. The speaker runs with exactly the DaemonSet's
# arguments (read from packaging/kubernetes/speaker.yaml, $(VAR)s expanded as the kubelet
# does) against the fake API server. It must keep running (BGP would still work, /healthz
# answers), say in its log that the key file is missing and what to do, and write a Warning
# Event on the L2Advertisement naming the Secret.
#   IRONLB_BINARY_DIR=build/release test/packaging/missing_key_test.sh
set -euo pipefail
build=$(cd "${IRONLB_BINARY_DIR:?set IRONLB_BINARY_DIR}" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/ilb-nokey-XXXXXX)
ns="ilb-nokey-$$"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for log in "$work"/*.log; do
    echo "---- $(basename "$log")" >&2
    tail -n 30 "$log" >&2
  done
  exit 1
}

ip netns add "$ns"
ip -n "$ns" link set lo up
ip netns exec "$ns" "$build/test/kube/ironlb-fake-apiserver" --kubeconfig_out "$work/kubeconfig" \
  >"$work/apiserver.out" 2>"$work/apiserver.log" &
pids+=($!)
for _ in $(seq 1 100); do
  [ -s "$work/apiserver.out" ] && break
  sleep 0.1
done
url=$(head -n 1 "$work/apiserver.out")
[ -n "$url" ] || fail "the fake API server did not start"
api() { ip netns exec "$ns" curl -s --max-time 5 -H 'content-type: application/json' "$@"; }
api -X POST "$url/apis/ironlb.io/v1alpha1/namespaces/ironlb-system/addresspools" -d \
  '{"apiVersion":"ironlb.io/v1alpha1","kind":"AddressPool","metadata":{"name":"lan","namespace":"ironlb-system"},"spec":{"addresses":["10.96.0.240/29"]}}' >/dev/null
api -X POST "$url/apis/ironlb.io/v1alpha1/namespaces/ironlb-system/l2advertisements" -d \
  '{"apiVersion":"ironlb.io/v1alpha1","kind":"L2Advertisement","metadata":{"name":"lan","namespace":"ironlb-system"},"spec":{"ipAddressPools":["lan"]}}' >/dev/null

# The DaemonSet's speaker arguments, as the kubelet expands them.
mapfile -t args < <(python3 - "$src/packaging/kubernetes/speaker.yaml" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
c = text[text.index("- name: speaker"):]
block = c[c.index("args:"):c.index("env:")]
env = {"NODE_NAME": "node-1", "POD_NAMESPACE": "ironlb-system", "POD_NAME": "ironlb-speaker-x"}
for a in re.findall(r"^\s*- (--\S+)\s*$", block, re.M):
    print(re.sub(r"\$\((\w+)\)", lambda m: env[m.group(1)], a))
PY
)
printf '%s\n' "${args[@]}" | grep -qx -- "--layer2-key-file=/etc/ironlb/layer2/key" ||
  fail "the DaemonSet's args changed: ${args[*]}"
[ ! -e /etc/ironlb/layer2/key ] || fail "/etc/ironlb/layer2/key exists on this machine"
# Only the status socket moves (the machine's /run/ironlb may be another speaker's).
ip netns exec "$ns" "$build/speaker/ironlb-speaker" "${args[@]}" --kubeconfig "$work/kubeconfig" \
  --status-socket "$work/speaker.sock" >"$work/speaker.log" 2>&1 &
pids+=($!)
speaker=${pids[-1]}

wait_for() { # DESCRIPTION COMMAND...: bounded (30 s)
  local what=$1
  shift
  for _ in $(seq 1 300); do
    "$@" && return 0
    kill -0 "$speaker" 2>/dev/null || fail "the speaker exited"
    sleep 0.1
  done
  fail "$what"
}
wait_for "no log line about the missing key file" grep -q "layer-2 key file does not exist" "$work/speaker.log"
grep "layer-2 key file does not exist" "$work/speaker.log" | grep -q "ironlb-layer2-key" ||
  fail "the log line does not name the Secret"
wait_for "no log line saying layer 2 announces nothing" \
  grep -q "layer 2 is configured but no key was given; nothing is announced" "$work/speaker.log"
event_ok() {
  api "$url/api/v1/namespaces/ironlb-system/events" >"$work/events.json"
  python3 - "$work/events.json" <<'PY'
import json, sys
items = json.load(open(sys.argv[1])).get("items", [])
ok = [e for e in items if e.get("reason") == "Layer2KeyMissing" and e.get("type") == "Warning"
      and e["involvedObject"].get("kind") == "L2Advertisement"
      and e["involvedObject"].get("name") == "lan"
      and "ironlb-layer2-key" in e.get("message", "") and "node-1" in e.get("message", "")]
sys.exit(0 if ok else 1)
PY
}
wait_for "no Warning Event Layer2KeyMissing on L2Advertisement lan" event_ok
health=$(ip netns exec "$ns" curl -s --max-time 2 http://127.0.0.1:7473/healthz || true)
[ "$health" = ok ] || fail "/healthz: $health"
echo "missing key: the speaker runs, logs what is missing, Event on L2Advertisement/lan"
echo "PASS"
