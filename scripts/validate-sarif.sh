#!/usr/bin/env bash
# Validates SARIF files with Microsoft's SARIF multitool (JSON schema + SARIF rules), fetched
# from the npm registry by npx on first use.
# Usage: scripts/validate-sarif.sh [--strict] FILE...
#   exit 0  every file is valid (no error-level validator result)
#   exit 1  some file has errors (or, with --strict, warnings too); they are printed
#   exit 2  usage error, or the validator could not run
# The multitool's own exit code is 0 even when it reports errors (checked with 5.7.0, also with
# --rich-return-code), so this script asks it for a SARIF log of its findings (-o) and reads the
# levels there. A result without a level takes its rule's default level, else "warning" (SARIF
# 3.27.10).
set -euo pipefail

strict=0
if [ "${1:-}" = "--strict" ]; then
  strict=1
  shift
fi
if [ $# -eq 0 ]; then
  echo "usage: $0 [--strict] FILE..." >&2
  exit 2
fi

MULTITOOL="${SARIF_MULTITOOL:-@microsoft/sarif-multitool}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

status=0
n=0
for file in "$@"; do
  n=$((n + 1))
  if [ ! -f "$file" ]; then
    echo "validate-sarif: $file: no such file" >&2
    exit 2
  fi
  out="$work/result-$n.sarif"
  if ! npx --yes "$MULTITOOL" validate --output "$out" "$file" >"$work/log-$n.txt" 2>&1; then
    cat "$work/log-$n.txt" >&2
    echo "validate-sarif: the multitool failed on $file" >&2
    exit 2
  fi
  if [ ! -s "$out" ]; then
    cat "$work/log-$n.txt" >&2
    echo "validate-sarif: the multitool wrote no result log for $file" >&2
    exit 2
  fi
  set +e
  python3 - "$out" "$file" "$strict" <<'PY'
import json, sys

log_path, file, strict = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
with open(log_path, encoding="utf-8-sig") as fp:
    log = json.load(fp)
errors = warnings = 0
for run in log.get("runs", []):
    rules = run.get("tool", {}).get("driver", {}).get("rules", [])
    for inv in run.get("invocations", []):
        for note in inv.get("toolExecutionNotifications", []) + inv.get(
                "toolConfigurationNotifications", []):
            if note.get("level", "warning") == "error":
                print(f"{file}: validator error: {note.get('message', {}).get('text', '')}")
                errors += 1
    for res in run.get("results", []):
        level = res.get("level")
        if level is None:
            idx = res.get("ruleIndex", -1)
            rule = rules[idx] if 0 <= idx < len(rules) else {}
            level = rule.get("defaultConfiguration", {}).get("level", "warning")
        where = ""
        for loc in res.get("locations", []):
            region = loc.get("physicalLocation", {}).get("region", {})
            if region:
                where = f"({region.get('startLine', '?')},{region.get('startColumn', '?')})"
        msg = res.get("message", {})
        text = msg.get("text")
        if text is None and "id" in msg:
            rule = rules[res["ruleIndex"]] if 0 <= res.get("ruleIndex", -1) < len(rules) else {}
            template = rule.get("messageStrings", {}).get(msg["id"], {}).get("text", msg["id"])
            try:
                text = template.format(*msg.get("arguments", []))
            except (IndexError, KeyError):
                text = template
        if level == "error":
            errors += 1
        elif level == "warning":
            warnings += 1
        else:
            continue
        print(f"{file}{where}: {level} {res.get('ruleId', '?')}: {text}")
print(f"{file}: {errors} error(s), {warnings} warning(s)")
sys.exit(1 if errors or (strict and warnings) else 0)
PY
  rc=$?
  set -e
  if [ $rc -ne 0 ]; then
    status=1
  fi
done
exit $status
