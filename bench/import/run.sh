#!/usr/bin/env bash
# Scanner-report import and bulk-write rates (issue 11): 100k findings from SARIF and from
# Nessus, a ~100 MB Nessus file, and the bulk endpoint. Prints findings/s and peak RSS.
# Usage: bench/import/run.sh [VIGIL_BIN] [N]      (BENCH_IMPORT_BIG=0 skips the 100 MB file)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec /usr/bin/python3 "$here/bench.py" "${1:-$here/../../build/vigil}" "${2:-100000}"
