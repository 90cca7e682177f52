#!/usr/bin/env bash
# Validates SARIF files with Microsoft's SARIF multitool (JSON schema + SARIF rules), fetched
# from the npm registry by npx on first use, and again against the SARIF 2.1.0 JSON schema that
# ships inside the multitool package (with python3-jsonschema).
# Usage: scripts/validate-sarif.sh [--strict] FILE...
#   exit 0  every file is valid (no error-level validator result)
#   exit 1  some file has errors (or, with --strict, warnings too); they are printed
#   exit 2  usage error, or the validator could not run
# The multitool's own exit code is 0 even when it reports errors (checked with 5.7.0, also with
# --rich-return-code), so this script asks it for a SARIF log of its findings (-o) and reads the
# levels there. A result without a level takes its rule's default level, else "warning" (SARIF
# 3.27.10).
# The second, plain schema check is there because the multitool (5.7.0) silently reports nothing
# for some invalid logs, e.g. a result with "level": "fatal" when the driver has a name.
# SARIF_SCHEMA=FILE overrides the schema location.
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

# The schema file of the package npx runs (the first PATH entry npx adds is its .bin folder).
schema="${SARIF_SCHEMA:-}"
if [ -z "$schema" ]; then
  bin_dir="$(npx --yes -p "$MULTITOOL" -c 'echo "${PATH%%:*}"' 2>/dev/null || true)"
  for candidate in "$bin_dir"/../@microsoft/sarif-multitool*/sarif-2.1.0.json; do
    if [ -f "$candidate" ]; then
      schema="$candidate"
      break
    fi
  done
fi
if [ -z "$schema" ] || [ ! -f "$schema" ]; then
  echo "validate-sarif: cannot find sarif-2.1.0.json in the multitool package (set SARIF_SCHEMA)" >&2
  exit 2
fi

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
  python3 - "$out" "$file" "$strict" "$schema" <<'PY'
import json, sys

import jsonschema

log_path, file, strict, schema_path = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4]
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
# The plain JSON-schema check (the multitool reported JSON errors already if it saw them).
try:
    with open(file, encoding="utf-8-sig") as fp:
        doc = json.load(fp)
except ValueError as e:
    doc = None
    if errors == 0:
        print(f"{file}: error: not JSON: {e}")
        errors += 1
if doc is not None:
    with open(schema_path, encoding="utf-8-sig") as fp:
        schema = json.load(fp)
    validator = jsonschema.validators.validator_for(schema)(schema)
    for err in validator.iter_errors(doc):
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err.absolute_path)
        print(f"{file}: error SCHEMA: {path or '.'}: {err.message}")
        errors += 1
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
