#!/usr/bin/env bash
# Webhooks: deliveries per second to a local receiver, and POST /findings with and without one
# active webhook on finding.created. Prints figures.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec /usr/bin/python3 "$here/bench.py" "${1:-$here/../../build/vigil}"
