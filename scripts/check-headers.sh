#!/usr/bin/env bash
# Every header under src/ compiles on its own (it includes what it uses), with the project's
# warnings. Usage: scripts/check-headers.sh   (exit 1 naming each header that does not)
set -uo pipefail
cd "$(dirname "$0")/.."
cc=${CC:-cc}
status=0
for h in $(git ls-files 'src/*.h'); do
  if ! out=$(printf '#include "%s"\n' "${h#src/}" |
             "$cc" -std=c17 -Wall -Wextra -Werror -fsyntax-only -I src -x c - 2>&1); then
    echo "$h does not compile alone:"
    echo "$out" | head -5
    status=1
  fi
done
exit $status
