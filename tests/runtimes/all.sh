#!/usr/bin/env bash
# Runs the JS semantics suite in Node (ESM and require), Bun, Deno and Chromium against the built
# package, then prints the combined count as one plain line `N passed, N failed`. Exits non-zero if
# any runner failed, ran no tests or printed no summary line. Usage: tests/runtimes/all.sh [filter]
set -u -o pipefail
cd "$(dirname "$0")/../.."
export PATH="$PWD/node_modules/.bin:$PATH" DENO_NO_UPDATE_CHECK=1

filter=("$@")
log=$(mktemp)
trap 'rm -f "$log"' EXIT
passed=0 failed=0 status=0

# run NAME COMMAND...: runs one runner and adds up its summary line `NAME: N passed, N failed`.
run() {
  local name=$1
  shift
  "$@" "${filter[@]}" 2>&1 | tee "$log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  local summary
  summary=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed\$" "$log" | tail -n 1)
  if [[ $summary =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
    passed=$((passed + BASH_REMATCH[1])) failed=$((failed + BASH_REMATCH[2]))
  else
    echo "$name: no summary line"
    failed=$((failed + 1)) status=1
  fi
}

run node-esm node tests/runtimes/node-esm.mjs
run node-require node tests/runtimes/node-require.cjs
run bun bun tests/runtimes/bun.mjs
# No permission flags; --no-prompt makes a missing permission fail instead of asking.
run deno deno run --no-prompt --node-modules-dir=manual tests/runtimes/deno.mjs
run chromium node tests/runtimes/browser.mjs

echo "$passed passed, $failed failed"
exit $status
