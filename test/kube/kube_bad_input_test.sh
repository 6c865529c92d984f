#!/usr/bin/env bash
# Bad input a user can make in the manifests, with Debian's kubectl against the fake API server.
# 1. The controller's RBAC missing a verb. A user's kustomize overlay removes `update`
# on services/status from the ClusterRole ironlb-controller; the fake API server (run as a
# program, --strict) authorizes the controller's requests as its service account against the
# RBAC objects applied with Debian's kubectl, answering 403 as the real server words it. The
# controller must say what is missing in its log and in a Warning Event on the Service, and
# recover once the RBAC is fixed.
# 2. A wrong namespace (--namespace naming one that does not exist): the log says so, and the
# Services' AllocationFailed Events name it. Loopback only.
set -euo pipefail

# shellcheck source=test/kube/kubectl_env.sh
source "$(dirname "$0")/kubectl_env.sh"
start_fake_apiserver --strict \
  --service_account_token=controller-token=ironlb-system/ironlb-controller
export KUBECONFIG="$work/kubeconfig" HOME="$work"
k() { "$kubectl_bin" --cache-dir "$work/cache" "$@"; }
cd "$src"

# The overlay: the shipped manifests less one verb.
mkdir "$work/overlay"
cat >"$work/overlay/kustomization.yaml" <<EOF
bases:
  - $(realpath --relative-to="$work/overlay" packaging/kubernetes)
patchesJson6902:
  - target: {group: rbac.authorization.k8s.io, version: v1, kind: ClusterRole, name: ironlb-controller}
    path: no-status-update.yaml
EOF
cat >"$work/overlay/no-status-update.yaml" <<'EOF'
- op: test
  path: /rules/1/resources
  value: [services/status]
- op: remove
  path: /rules/1
EOF
k apply -k "$work/overlay" >"$work/apply.out" 2>&1 || fail "apply overlay: $(cat "$work/apply.out")"
k get clusterrole ironlb-controller -o json | grep -q '"services/status"' &&
  fail "the overlay left services/status in the ClusterRole"
for f in examples/homelab/pools.yaml examples/homelab/l2.yaml examples/services/homelab.yaml; do
  k apply -f "$f" >/dev/null 2>&1 || fail "apply -f $f"
done

sed 's/token: test/token: controller-token/' "$work/kubeconfig" >"$work/controller-kubeconfig"
POD_NAME=ironlb-controller-0 "$build/controller/ironlb-controller" \
  --kubeconfig "$work/controller-kubeconfig" --namespace=ironlb-system \
  --metrics-address=127.0.0.1:0 >"$work/controller.log" 2>&1 &
pids+=($!)
controller=${pids[-1]}

want='cannot update resource "services/status" in API group "" in the namespace "media"'
for _ in $(seq 1 300); do
  grep -q "RBAC does not allow it" "$work/controller.log" && break
  kill -0 "$controller" 2>/dev/null || fail "the controller exited"
  sleep 0.1
done
# logfmt escapes the quotes of the API's message.
grep "RBAC does not allow it" "$work/controller.log" | grep -qF "${want//\"/\\\"}" ||
  fail "no log line naming the missing verb and resource"
for _ in $(seq 1 100); do
  k -n media describe service jellyfin >"$work/describe.out" 2>&1
  grep -q StatusWriteForbidden "$work/describe.out" && break
  sleep 0.1
done
grep -q 'Warning  StatusWriteForbidden' "$work/describe.out" ||
  fail "no Warning Event StatusWriteForbidden on the Service: $(cat "$work/describe.out")"
k -n media get events -o json >"$work/events.json"
python3 - "$work/events.json" "$want" <<'PY' || fail "the Event does not name what is missing"
import json, sys
items = json.load(open(sys.argv[1]))["items"]
ok = [e for e in items if e["reason"] == "StatusWriteForbidden" and e["type"] == "Warning"
      and e["involvedObject"]["name"] == "jellyfin" and sys.argv[2] in e["message"]
      and "system:serviceaccount:ironlb-system:ironlb-controller" in e["message"]
      and "ClusterRole ironlb-controller" in e["message"]]
sys.exit(0 if ok else 1)
PY
[ -z "$(k -n media get service jellyfin -o 'jsonpath={.status.loadBalancer.ingress}')" ] ||
  fail "the status was written without the permission"

# The RBAC fixed (the shipped manifests applied again): the address is written.
k apply -k packaging/kubernetes >/dev/null 2>&1 || fail "apply -k"
for _ in $(seq 1 300); do
  ip=$(k -n media get service jellyfin -o 'jsonpath={.status.loadBalancer.ingress[0].ip}')
  [ -n "$ip" ] && break
  sleep 0.1
done
[ -n "$ip" ] || fail "no address after the RBAC was fixed"
kill "$controller"
wait "$controller" 2>/dev/null || true

# 2. The controller told a namespace that does not exist (a typo). Under the shipped RBAC its
# Role does not reach there, so its informers log 403s naming that namespace and it never
# decides; with broader rights (here an unrestricted token) it runs and must say why no pool
# is found.
POD_NAME=ironlb-controller-1 "$build/controller/ironlb-controller" \
  --kubeconfig "$work/kubeconfig" --namespace=ironlb-sytem \
  --metrics-address=127.0.0.1:0 >"$work/controller-wrong-ns.log" 2>&1 &
pids+=($!)
controller=${pids[-1]}
for _ in $(seq 1 300); do
  grep -q "configuration is read from does not exist" "$work/controller-wrong-ns.log" && break
  kill -0 "$controller" 2>/dev/null || fail "the controller exited"
  sleep 0.1
done
grep "configuration is read from does not exist" "$work/controller-wrong-ns.log" |
  grep -q "namespace=ironlb-sytem" || fail "no log line naming the missing namespace"
printf 'apiVersion: v1\nkind: Service\nmetadata: {name: after-typo, namespace: media}\nspec: {type: LoadBalancer, ports: [{port: 80}]}\n' >"$work/svc.yaml"
k apply -f "$work/svc.yaml" >/dev/null 2>&1 || fail "apply Service"
for _ in $(seq 1 100); do
  k -n media describe service after-typo >"$work/describe2.out" 2>&1
  grep -q AllocationFailed "$work/describe2.out" && break
  sleep 0.1
done
grep -q "the namespace ironlb-sytem where ironlb.s configuration is read does not" \
  "$work/describe2.out" ||
  fail "the AllocationFailed Event does not name the namespace: $(cat "$work/describe2.out")"
echo "PASS: missing verb named in the log and a Warning Event, $ip written once granted;" \
  "a wrong namespace named in the log and the AllocationFailed Event"
