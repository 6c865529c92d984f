#!/usr/bin/env bash
# Checks the configuration examples of the documentation with `ironlbctl validate`:
#  - every directory under examples/ that holds YAML files;
#  - for each Markdown file (README.md, docs/*.md), its ```yaml blocks that hold ironlb objects
#    (apiVersion: ironlb.io/...), each block one file of one directory per Markdown file, so
#    blocks of one page may refer to each other.
# Usage: scripts/check-doc-examples.sh [path/to/ironlbctl]   (default build/release/ctl/ironlbctl)
# Prints each directory's verdict; exits 1 when any is invalid or has warnings.
set -euo pipefail
cd "$(dirname "$0")/.."
ctl="${1:-build/release/ctl/ironlbctl}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
status=0

check() {  # DIR LABEL
  local out
  if ! out="$("$ctl" validate --config-dir "$1" 2>&1)"; then
    echo "FAIL $2"; echo "$out" | sed 's/^/    /'; status=1; return
  fi
  if grep -q ': warning: ' <<<"$out"; then
    echo "WARN $2"; echo "$out" | grep ': warning: ' | sed 's/^/    /'; status=1; return
  fi
  echo "ok   $2"
}

for dir in examples/*/; do
  compgen -G "${dir}*.y*ml" >/dev/null && check "$dir" "$dir"
done

for md in README.md docs/*.md; do
  out="$tmp/$(basename "$md" .md)"
  mkdir -p "$out"
  awk -v out="$out" '
    /^```yaml/ { inblock = 1; n++; text = ""; next }
    /^```/ && inblock { inblock = 0; if (text ~ /apiVersion: ironlb\.io/) print text > (out "/block" n ".yaml"); next }
    inblock { text = text $0 "\n" }
  ' "$md"
  compgen -G "$out/*.yaml" >/dev/null && check "$out" "$md ($(ls "$out" | wc -l) blocks)"
done
exit "$status"
