#!/usr/bin/env bash
# ironlb-frr: starts the FRR daemons ironlb drives (zebra, staticd, bgpd, bfdd), each with the
# gRPC northbound on its own port, as test/support/frr_process.cc does in the tests, and waits;
# it exits when one of them dies (the kubelet or systemd starts it again). The entrypoint of
# the ironlb/frr image, and /usr/sbin/ironlb-frr of the ironlb-frr package (ironlb-frr.service).
#   FRR_GRPC_STATICD (50052), FRR_GRPC_BGPD (50051), FRR_GRPC_BFDD (50053)
#   FRR_BGPD_PORT: bgpd's listening port (default 179); 0: no listener (the speakers open the
#     sessions; the DaemonSet sets 0). The daemons still ask for CAP_NET_BIND_SERVICE (and
#     CAP_SYS_ADMIN) at start, whatever their options
#   FRR_CONFIG_DIR: the daemons' startup configuration files (default: the run directory, empty
#     at each start: ironlb configures FRR through gRPC and the vty); ironlb-frr.service sets
#     /etc/ironlb/frr, so a router's own `router bgp` there survives a reboot
#   FRR_PATHSPACE: run as FRR pathspace (-N) NAME, in /var/run/ironlb-frr/NAME (default: none)
#   FRR_GRPC_GUARD=1: first put the nftables table `inet ironlb-frr` in place, which drops TCP
#     to the three gRPC ports unless it comes in on lo (FRR's gRPC module listens on every
#     address, without TLS or authentication); needs nft and CAP_NET_ADMIN (the DaemonSet sets it)
set -euo pipefail
prefix=/opt/ironlb/frr
run=/var/run/ironlb-frr${FRR_PATHSPACE:+/$FRR_PATHSPACE}
mkdir -p "$run"
grpc_ports="${FRR_GRPC_STATICD:-50052}, ${FRR_GRPC_BGPD:-50051}, ${FRR_GRPC_BFDD:-50053}"
if [ "${FRR_GRPC_GUARD:-0}" = 1 ]; then
  command -v nft >/dev/null || {
    echo "ironlb-frr: FRR_GRPC_GUARD=1 needs nft (apt-get install nftables)" >&2
    exit 1
  }
  # One atomic transaction, the same on every start: the table is made anew.
  nft -f - <<NFT
table inet ironlb-frr
delete table inet ironlb-frr
table inet ironlb-frr {
  chain input {
    type filter hook input priority filter - 10; policy accept;
    iifname != "lo" tcp dport { $grpc_ports } drop
  }
}
NFT
  echo "ironlb-frr: gRPC ports $grpc_ports answer on loopback only (nftables inet ironlb-frr)" >&2
fi
conf=${FRR_CONFIG_DIR:-$run}
mkdir -p "$conf"
for f in zebra.conf staticd.conf bgpd.conf bfdd.conf vtysh.conf; do
  [ -f "$conf/$f" ] || : >"$conf/$f"
done
start() { # daemon grpc_port [extra options]
  "$prefix/sbin/$1" ${FRR_PATHSPACE:+-N "$FRR_PATHSPACE"} -f "$conf/$1.conf" -A 127.0.0.1 \
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
echo "ironlb-frr: a daemon exited (status $status); stopping the others" >&2
kill $(jobs -p) 2>/dev/null || true
exit 1
