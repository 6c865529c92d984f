#!/usr/bin/env bash
# run-fuzzer.sh FUZZER CORPUS WORK: runs a libFuzzer target briefly on a scratch copy of its seed
# corpus (the seeds in the repository are never modified). IRONLB_FUZZ_SECONDS sets the time.
set -euo pipefail
fuzzer=$1
corpus=$2
work=$3
rm -rf "$work"
mkdir -p "$work"
cp -r "$corpus"/. "$work"/
exec "$fuzzer" -max_total_time="${IRONLB_FUZZ_SECONDS:-20}" -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 "$work"
