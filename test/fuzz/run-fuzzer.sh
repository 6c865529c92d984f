#!/usr/bin/env bash
# run-fuzzer.sh FUZZER SEED_DIR WORK_DIR: runs a libFuzzer target briefly (IRONLB_FUZZ_SECONDS,
# default 30) on a scratch copy of its seed corpus, so the checked-in seeds never change.
set -euo pipefail
fuzzer=$1
seeds=$2
work=$3
rm -rf "$work"
mkdir -p "$work"
cp -r "$seeds"/. "$work"/
exec "$fuzzer" -max_total_time="${IRONLB_FUZZ_SECONDS:-30}" -max_len=65536 -timeout=20 \
  -rss_limit_mb=2048 -print_final_stats=1 "$work"
