#!/usr/bin/env bash
# Regenerates the protobuf code into a scratch directory and compares it with
# the working tree, so a stale or hand-edited generated file fails the build.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
PATH="$PWD/.tools/bin:$PATH" buf generate -o "$tmp"
status=0
while IFS= read -r f; do
  if ! cmp -s "$tmp/$f" "$f"; then
    echo "stale generated file: $f (run 'make generate')" >&2
    status=1
  fi
done < <(cd "$tmp" && find . -type f | sed 's|^\./||' | sort)
while IFS= read -r f; do
  if [ ! -f "$tmp/$f" ]; then
    echo "generated file without a source: $f (run 'make generate' and delete it)" >&2
    status=1
  fi
done < <(find proto docs/api -type f \( -name '*.pb.go' -o -name '*.pb.gw.go' -o -name '*.swagger.json' \) | sort)
if [ "$status" -eq 0 ]; then
  echo "generated code is up to date"
fi
exit "$status"
