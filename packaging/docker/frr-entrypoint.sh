#!/usr/bin/env bash
# Starts the FRR daemons ironlb drives (zebra, staticd, bgpd, bfdd), each with the gRPC
# northbound on its own loopback-guarded port, as test/support/frr_process.cc does in the
# tests, and waits; the container stops when one of them dies (the kubelet restarts it).
#   FRR_GRPC_STATICD (50052), FRR_GRPC_BGPD (50051), FRR_GRPC_BFDD (50053)
#   FRR_BGPD_PORT: bgpd's listening port (default 179); 0: no listener (the speakers open the
#     sessions), so the container needs no CAP_NET_BIND_SERVICE (the DaemonSet sets 0)
#   FRR_PATHSPACE: run as FRR pathspace (-N) NAME, in /var/run/ironlb-frr/NAME (default: none)
set -euo pipefail
prefix=/opt/ironlb/frr
run=/var/run/ironlb-frr${FRR_PATHSPACE:+/$FRR_PATHSPACE}
mkdir -p "$run"
for f in zebra.conf staticd.conf bgpd.conf bfdd.conf vtysh.conf; do
  [ -f "$run/$f" ] || : >"$run/$f"
done
start() { # daemon grpc_port [extra options]
  "$prefix/sbin/$1" ${FRR_PATHSPACE:+-N "$FRR_PATHSPACE"} -f "$run/$1.conf" -A 127.0.0.1 \
    -u root -g root --log stdout ${2:+-M grpc:$2} "${@:3}" &
}
start zebra ""
# staticd, bgpd and bfdd talk to zebra: give its socket a moment (bounded).
i=0
while [ ! -S "$run/zserv.api" ] && [ "$i" -lt 50 ]; do
  sleep 0.1
  i=$((i + 1))
done
start staticd "${FRR_GRPC_STATICD:-50052}"
start bgpd "${FRR_GRPC_BGPD:-50051}" -p "${FRR_BGPD_PORT:-179}"
start bfdd "${FRR_GRPC_BFDD:-50053}"
trap 'kill $(jobs -p) 2>/dev/null; exit 0' TERM INT
# The first daemon to exit stops the others and the container.
status=0
wait -n || status=$?
echo "frr-entrypoint: a daemon exited (status $status); stopping the others" >&2
kill $(jobs -p) 2>/dev/null || true
exit 1
