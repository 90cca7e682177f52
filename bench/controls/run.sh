#!/usr/bin/env bash
# Compliance controls: the latency of GET /frameworks, /controls and /controls/{id} over an
# organization of many open findings. Figures only. Usage: bench/controls/run.sh [path/to/vigil]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec /usr/bin/python3 "$here/bench.py" "${1:-$here/../../build/vigil}"
