#!/usr/bin/env bash
# Project reports: a project of 10,000 findings (seeded through the API) rendered in each
# format. Figures only. Usage: bench/reports/run.sh [path/to/vigil]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec /usr/bin/python3 "$here/bench.py" "${1:-$here/../../build/vigil}"
