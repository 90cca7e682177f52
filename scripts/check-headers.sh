#!/usr/bin/env bash
# Every header under src/ compiles on its own (it includes what it uses), with the project's
# warnings. Usage: scripts/check-headers.sh   (exit 1 naming each header that does not)
set -uo pipefail
cd "$(dirname "$0")/.."
cc=${CC:-cc}
status=0
# Where the libraries keep their headers outside /usr/include (libxml2).
cflags=$(pkg-config --cflags libxml-2.0 libsodium 2>/dev/null || true)
for h in $(git ls-files 'src/*.h'); do
  if ! out=$(printf '#include "%s"\n' "${h#src/}" |
             "$cc" -std=c17 -Wall -Wextra -Werror -fsyntax-only -I src $cflags -x c - 2>&1); then
    echo "$h does not compile alone:"
    echo "$out" | head -5
    status=1
  fi
done
exit $status
