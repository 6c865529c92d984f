#!/usr/bin/env bash
# Fails (and names the files) when any tracked C++ source differs from .clang-format's layout.
# Fix with: scripts/check-format.sh --fix
set -euo pipefail
cd "$(dirname "$0")/.."
clang_format=${1:-clang-format}
fix=0
if [ "$clang_format" = "--fix" ]; then fix=1; clang_format=clang-format; fi
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.h' '*.cc' | sort)
if [ "$fix" = 1 ]; then
  "$clang_format" -i "${files[@]}"
  exit 0
fi
bad=()
for f in "${files[@]}"; do
  [ -f "$f" ] || continue
  if ! "$clang_format" --dry-run --Werror "$f" >/dev/null 2>&1; then bad+=("$f"); fi
done
if [ "${#bad[@]}" -gt 0 ]; then
  echo "These files are not formatted with .clang-format (run scripts/check-format.sh --fix):"
  printf '  %s\n' "${bad[@]}"
  exit 1
fi
echo "format: ${#files[@]} files clean"
