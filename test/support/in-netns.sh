#!/usr/bin/env bash
# Runs a command inside a fresh network namespace (loopback up) that is deleted afterwards,
# whatever the command's fate. Usage: in-netns.sh COMMAND [ARGS...]
set -euo pipefail
ns="ironlb-t$$-${RANDOM}"
ip netns add "$ns"
trap 'ip netns del "$ns" 2>/dev/null || true' EXIT
ip -n "$ns" link set lo up
ip netns exec "$ns" "$@"
