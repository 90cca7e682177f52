#!/usr/bin/env bash
# Runs every libFuzzer target in BUILD_DIR/tests/fuzz/ for SECONDS over a scratch copy of its
# seed corpus (tests/fuzz/corpus/<target>/, which may be missing), so the checked-in corpus is
# never modified. Exits non-zero if any target crashes, leaks or times out; crash inputs are
# kept under BUILD_DIR/fuzz-artifacts/.
# Usage: scripts/fuzz-smoke.sh BUILD_DIR SECONDS
set -uo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 BUILD_DIR SECONDS" >&2
  exit 2
fi
build_dir=$1
seconds=$2
case "$seconds" in
  ''|*[!0-9]*) echo "fuzz-smoke: SECONDS must be a whole number" >&2; exit 2 ;;
esac
source_dir=$(cd "$(dirname "$0")/.." && pwd)
artifacts="$build_dir/fuzz-artifacts"
mkdir -p "$artifacts"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-smoke.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

shopt -s nullglob
targets=("$build_dir"/tests/fuzz/fuzz_*)
failed=()
ran=0
for bin in "${targets[@]}"; do
  [ -f "$bin" ] && [ -x "$bin" ] || continue
  name=$(basename "$bin")
  corpus_name=${name#fuzz_}
  work="$scratch/$name"
  mkdir -p "$work"
  if [ -d "$source_dir/tests/fuzz/corpus/$corpus_name" ]; then
    cp -R "$source_dir/tests/fuzz/corpus/$corpus_name/." "$work/" 2>/dev/null || true
  else
    echo "fuzz-smoke: $name: no seed corpus, starting empty" >&2
  fi
  echo "fuzz-smoke: $name for ${seconds}s" >&2
  ran=$((ran + 1))
  if ! "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$artifacts/$name-" "$work" >"$scratch/$name.log" 2>&1; then
    echo "fuzz-smoke: $name FAILED; last lines of its log:" >&2
    tail -n 40 "$scratch/$name.log" >&2
    failed+=("$name")
  fi
done

if [ "$ran" -eq 0 ]; then
  echo "fuzz-smoke: no fuzz targets in $build_dir/tests/fuzz (build with -DVIGIL_FUZZ=ON)" >&2
  exit 1
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz-smoke: failed: ${failed[*]} (inputs in $artifacts)" >&2
  exit 1
fi
echo "fuzz-smoke: $ran targets ran clean" >&2
