#!/usr/bin/env bash
# Static checks: formatting, banned functions, the layering rule, headers that compile alone,
# cppcheck, and the OpenAPI document's lint.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0

echo "lint: clang-format"
files=$(git ls-files '*.c' '*.h')
if ! clang-format --dry-run -Werror $files; then
  echo "lint: run 'make format'" >&2
  status=1
fi

echo "lint: banned functions"
if grep -nE '\b(sprintf|strcpy|strcat|strncat|strtok|gets|atoi|alloca)\s*\(' $(git ls-files 'src/*.c' 'src/*.h') \
   | grep -v 'snprintf\|vsnprintf'; then
  echo "lint: banned function used (see STYLE.md section 8)" >&2
  status=1
fi

echo "lint: engine calls stay in their engine file (src/store/engine.h)"
if grep -nE '\bsqlite3_[a-z0-9_]+\s*\(|\bSQLITE_[A-Z_]+\b|#include <sqlite3.h>' \
     $(git ls-files 'src/*.c' 'src/*.h' | grep -v '^src/store/sqlite.c$'); then
  echo "lint: SQLite API used outside src/store/sqlite.c; use the statement layer" >&2
  status=1
fi
if grep -nE '\b(PQ[a-zA-Z]+|PG[A-Za-z]+)\s*\(|#include <libpq-fe.h>' \
     $(git ls-files 'src/*.c' 'src/*.h' | grep -v '^src/store/pg.c$'); then
  echo "lint: libpq used outside src/store/pg.c; use the statement layer" >&2
  status=1
fi

echo "lint: layering (docs/ARCHITECTURE.md order)"
if ! python3 scripts/check-layers.py; then
  status=1
fi

echo "lint: every header compiles alone"
if ! scripts/check-headers.sh; then
  status=1
fi

echo "lint: cppcheck"
if ! cppcheck -q --error-exitcode=1 --enable=warning,portability --std=c11 \
     --suppress=missingIncludeSystem --inline-suppr -I src src; then
  status=1
fi

echo "lint: OpenAPI"
if ! npx --yes @redocly/cli@2.77.0 lint --format=stylish docs/openapi.yaml; then
  status=1
fi
exit $status
