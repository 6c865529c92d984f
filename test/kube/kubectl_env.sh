# Sourced by the tests that drive the fake API server (run as a program) with Debian's kubectl:
# sets src, build, kubectl_bin, work (removed at exit unless IRONLB_KEEP_LOGS=1) and pids
# (killed at exit), and defines fail and start_fake_apiserver. Loopback only.
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${IRONLB_BINARY_DIR:?}
kubectl_bin=${IRONLB_KUBECTL:-/opt/ironlb/kubernetes-client/usr/bin/kubectl}
work=$(mktemp -d)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ "${IRONLB_KEEP_LOGS:-0}" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in "$work"/*.log; do
    [ -e "$f" ] && { echo "--- $f" >&2; tail -n 30 "$f" >&2; }
  done
  exit 1
}
[ -x "$kubectl_bin" ] || fail "no kubectl at $kubectl_bin (packaging/install-deps.sh installs it)"

# start_fake_apiserver [FLAG...]: the fake API server on loopback, its URL in $url and a
# kubeconfig for it in $work/kubeconfig.
start_fake_apiserver() {
  "$build/test/kube/ironlb-fake-apiserver" --kubeconfig_out "$work/kubeconfig" "$@" \
    >"$work/apiserver.out" 2>"$work/apiserver.log" &
  pids+=($!)
  for _ in $(seq 1 100); do
    [ -s "$work/apiserver.out" ] && break
    sleep 0.1
  done
  url=$(head -n 1 "$work/apiserver.out")
  [ -n "$url" ] || fail "the fake API server did not start"
  case "$url" in http://127.0.0.1:*) ;; *) fail "not on loopback: $url" ;; esac
}
