#!/usr/bin/env bash
# Runs a libFuzzer target briefly on a scratch copy of its seed corpus (CTest "fuzz" label).
# Usage: run-fuzzer.sh FUZZER SEED_DIR WORK_DIR [SECONDS]
set -euo pipefail
fuzzer=$1 seeds=$2 work=$3 seconds=${4:-20}
rm -rf "$work"
mkdir -p "$work"
cp -r "$seeds"/. "$work"/
exec "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "$work"
