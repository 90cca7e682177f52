#!/usr/bin/env bash
# Runs every benchmark under bench/ in turn. Each prints its own figures.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/api/run.sh" "${1:-}"
if [ -x "$here/scan/run.sh" ]; then "$here/scan/run.sh" "${1:-}"; fi
if [ -x "$here/scans/run.sh" ]; then "$here/scans/run.sh" "${1:-}"; fi
if [ -x "$here/auth/run.sh" ]; then "$here/auth/run.sh" "${1:-}"; fi
if [ -x "$here/slowloris/run.sh" ]; then "$here/slowloris/run.sh" "${1:-}"; fi
if [ -x "$here/webhooks/run.sh" ]; then "$here/webhooks/run.sh" "${1:-}"; fi
if [ -x "$here/import/run.sh" ]; then "$here/import/run.sh" "${1:-}"; fi
