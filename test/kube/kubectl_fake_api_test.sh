#!/usr/bin/env bash
# Debian's kubectl (a real client none of this project wrote) against the fake API server run
# as a program (--strict: namespaces must exist, only built-in and CRD-defined types are
# served), on loopback: applies the kustomized manifests and the examples, re-applies
# (unchanged), applies an overlay (strategic merge patch: replicas, an env var merged by name),
# gets (server-side tables), describes, watches a Service get its address from the real
# controller running against the same fake, reads the errors a user meets, and deletes it all
# (Namespaces and CRDs terminate, then go with their content). Keeps the fake faithful to
# what real clients expect: discovery, OpenAPI, content types, Status errors, watch framing.
set -euo pipefail

# shellcheck source=test/kube/kubectl_env.sh
source "$(dirname "$0")/kubectl_env.sh"
start_fake_apiserver --strict

export KUBECONFIG="$work/kubeconfig" HOME="$work"
k() { "$kubectl_bin" --cache-dir "$work/cache" "$@"; }
expect() { # DESCRIPTION PATTERN FILE: the file has a line matching PATTERN (grep -E)
  grep -Eq -- "$2" "$3" || {
    echo "--- $3" >&2
    cat "$3" >&2
    fail "$1"
  }
}
cd "$src"

# 1. kubectl apply -k: every object of the kustomization is created.
k kustomize packaging/kubernetes >"$work/kustomized.yaml"
objects=$(grep -c '^kind: ' "$work/kustomized.yaml")
k apply -k packaging/kubernetes >"$work/apply1.out" 2>&1 || fail "apply -k: $(cat "$work/apply1.out")"
[ "$(grep -c ' created$' "$work/apply1.out")" -eq "$objects" ] ||
  fail "apply -k created $(grep -c ' created$' "$work/apply1.out") of $objects objects: $(cat "$work/apply1.out")"
expect "the Deployment was not created" '^deployment.apps/ironlb-controller created$' "$work/apply1.out"
expect "a CRD was not created" '^customresourcedefinition.apiextensions.k8s.io/addresspools.ironlb.io created$' "$work/apply1.out"
# Applying again changes nothing.
k apply -k packaging/kubernetes >"$work/apply2.out" 2>&1 || fail "second apply -k"
[ "$(grep -c ' unchanged$' "$work/apply2.out")" -eq "$objects" ] ||
  fail "second apply -k: $(cat "$work/apply2.out")"

# 2. An overlay: kubectl computes a strategic merge patch for the Deployment.
mkdir "$work/overlay"
printf 'bases:\n  - %s\npatchesStrategicMerge:\n  - patch.yaml\n' \
  "$(realpath --relative-to="$work/overlay" packaging/kubernetes)" >"$work/overlay/kustomization.yaml"
cat >"$work/overlay/patch.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ironlb-controller
  namespace: ironlb-system
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: controller
          env:
            - name: EXTRA
              value: "1"
EOF
k apply -k "$work/overlay" >"$work/apply3.out" 2>&1 || fail "apply overlay: $(cat "$work/apply3.out")"
expect "the overlay did not configure the Deployment" '^deployment.apps/ironlb-controller configured$' "$work/apply3.out"
k -n ironlb-system get deployment ironlb-controller -o json >"$work/deploy.json"
python3 - "$work/deploy.json" <<'PY' || fail "the Deployment after the strategic merge patch"
import json, sys
d = json.load(open(sys.argv[1]))
c = d["spec"]["template"]["spec"]["containers"]
assert d["spec"]["replicas"] == 3, d["spec"]["replicas"]
assert [x["name"] for x in c] == ["controller"], c
env = [e["name"] for e in c[0]["env"]]
assert env == ["EXTRA", "POD_NAME", "POD_NAMESPACE"], env
assert "--leader-elect" in c[0]["args"], c[0]["args"]
assert d["metadata"]["generation"] == 2, d["metadata"]
PY

# 3. The examples (ironlb.io objects, then Services in their own Namespace).
for f in examples/homelab/pools.yaml examples/homelab/l2.yaml examples/homelab/bgp.yaml \
  examples/services/homelab.yaml; do
  k apply -f "$f" >"$work/apply-example.out" 2>&1 || fail "apply -f $f: $(cat "$work/apply-example.out")"
  expect "$f: nothing created" ' created$' "$work/apply-example.out"
done

# 4. get: the server's tables (a CRD's printer columns, a Service's columns).
k -n ironlb-system get addresspools >"$work/get-pools.out" 2>&1 || fail "get addresspools"
expect "no ADDRESSES column" '^NAME +ADDRESSES +ACCEPTED +AGE$' "$work/get-pools.out"
expect "pool lan not listed" '^lan +\[192\.168\.1\.240-192\.168\.1\.250 fd00:1::240-fd00:1::250\]' "$work/get-pools.out"
k -n ironlb-system get bgppeers >"$work/get-peers.out" 2>&1 || fail "get bgppeers"
expect "peer columns" '^router +192\.168\.1\.1 +64501 ' "$work/get-peers.out"
k get -k packaging/kubernetes >"$work/get-k.out" 2>&1 || fail "get -k: $(cat "$work/get-k.out")"
expect "get -k lists no DaemonSet" '^daemonset.apps/ironlb-speaker ' "$work/get-k.out"
k -n media get services -o wide >"$work/get-svc.out" 2>&1 || fail "get services"
expect "Service columns" '^NAME +TYPE +CLUSTER-IP +EXTERNAL-IP +PORT\(S\) +AGE +SELECTOR$' "$work/get-svc.out"
expect "jellyfin not pending" '^jellyfin +LoadBalancer +10\.96\.[0-9.]+ +<pending> +8096:3[0-9]{4}/TCP ' "$work/get-svc.out"

# 5. The controller, as the Deployment runs it (metrics on loopback), against the same fake;
# kubectl watches jellyfin get its address.
k -n media get service jellyfin --watch -o 'jsonpath={.status.loadBalancer.ingress[0].ip}{"\n"}' \
  >"$work/watch.out" 2>"$work/watch.log" &
watcher=$!
pids+=($watcher)
POD_NAME=ironlb-controller-0 POD_NAMESPACE=ironlb-system "$build/controller/ironlb-controller" \
  --kubeconfig "$work/kubeconfig" --leader-elect --namespace=ironlb-system \
  --metrics-address=127.0.0.1:0 --log-format=json >"$work/controller.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do
  grep -Eq '^192\.168\.1\.(24[0-9]|250)$' "$work/watch.out" && break
  kill -0 "$watcher" 2>/dev/null || fail "kubectl get --watch exited: $(cat "$work/watch.log")"
  sleep 0.1
done
expect "kubectl get --watch never saw jellyfin's address" '^192\.168\.1\.(24[0-9]|250)$' "$work/watch.out"
ip=$(grep -E '^192\.' "$work/watch.out" | tail -n 1)
k -n media get services >"$work/get-svc2.out" 2>&1
expect "EXTERNAL-IP not shown" "^jellyfin +LoadBalancer +10\.96\.[0-9.]+ +${ip//./\\.} " "$work/get-svc2.out"

# 6. describe: the Service with the controller's Event, a custom resource.
for _ in $(seq 1 100); do
  k -n media describe service jellyfin >"$work/describe-svc.out" 2>&1 || fail "describe service: $(cat "$work/describe-svc.out")"
  grep -q 'IPAllocated' "$work/describe-svc.out" && break
  sleep 0.1
done
expect "describe: no LoadBalancer Ingress" "^LoadBalancer Ingress: +${ip//./\\.}$" "$work/describe-svc.out"
expect "describe: no IPAllocated Event" 'Normal +IPAllocated ' "$work/describe-svc.out"
expect "describe: no defaulted target port" '^TargetPort: +8096/TCP$' "$work/describe-svc.out"
k -n ironlb-system describe addresspool lan >"$work/describe-pool.out" 2>&1 || fail "describe addresspool"
expect "describe pool: kind" '^Kind: +AddressPool$' "$work/describe-pool.out"
expect "describe pool: addresses" '192\.168\.1\.240-192\.168\.1\.250' "$work/describe-pool.out"

# 7. The errors a user meets, worded as the real server words them.
err() { # DESCRIPTION PATTERN COMMAND...: the command fails with PATTERN on stderr
  local what=$1 pattern=$2
  shift 2
  if "$@" >"$work/err.out" 2>&1; then fail "$what: succeeded: $(cat "$work/err.out")"; fi
  expect "$what" "$pattern" "$work/err.out"
}
err "get of a missing Service" '^Error from server \(NotFound\): services "nosuch" not found$' \
  k -n media get service nosuch
err "create of an existing pool" '^Error from server \(AlreadyExists\): error when creating "examples/homelab/pools.yaml": addresspools.ironlb.io "lan" already exists$' \
  k -n ironlb-system create -f examples/homelab/pools.yaml
err "apply into a namespace that does not exist" '^Error from server \(NotFound\): error when creating "examples/homelab/l2.yaml": namespaces "nowhere" not found$' \
  k -n nowhere apply -f examples/homelab/l2.yaml
err "an unknown resource type" "the server doesn't have a resource type \"widgets\"" k get widgets

# 8. delete: the examples' Namespace terminates and goes with its Services; then everything.
k delete -f examples/services/homelab.yaml >"$work/delete1.out" 2>&1 || fail "delete -f: $(cat "$work/delete1.out")"
expect "Namespace not deleted" '^namespace "media" deleted$' "$work/delete1.out"
expect "Service not deleted" '^service "jellyfin" deleted$' "$work/delete1.out"
k delete -k packaging/kubernetes >"$work/delete2.out" 2>&1 || fail "delete -k: $(cat "$work/delete2.out")"
[ "$(grep -c ' deleted$' "$work/delete2.out")" -eq "$objects" ] || fail "delete -k: $(cat "$work/delete2.out")"
k get namespaces -o name >"$work/ns.out" 2>&1
[ ! -s "$work/ns.out" ] || fail "namespaces left: $(cat "$work/ns.out")"
err "pools after their CRD went" 'the server could not find the requested resource|the server doesn.t have a resource type' \
  k -n ironlb-system get addresspools
echo "PASS: kubectl $("$kubectl_bin" version --client --short 2>/dev/null | head -n 1) against $url"
