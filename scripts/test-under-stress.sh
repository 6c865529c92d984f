#!/usr/bin/env bash
# The whole suite (scripts/test.sh) RUNS times in a row with `stress-ng --cpu 2` beside it, as
# the developers' guide asks of every test: no test may depend on an idle machine.
#   scripts/test-under-stress.sh [RUNS]     (default 3; root, like scripts/test.sh)
# Prints each run's closing line and exits non-zero when any run failed.
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
bash packaging/install-deps.sh >/dev/null
status=0
for i in $(seq 1 "$runs"); do
  stress-ng --cpu 2 --timeout 7200s >/dev/null 2>&1 &
  stress=$!
  log=$(mktemp)
  bash scripts/test.sh >"$log" 2>&1
  rc=$?
  kill "$stress" 2>/dev/null
  wait "$stress" 2>/dev/null
  echo "run $i under stress-ng --cpu 2: $(tail -n 1 "$log") (exit $rc; log $log)"
  [ "$rc" -eq 0 ] || status=1
done
exit "$status"
