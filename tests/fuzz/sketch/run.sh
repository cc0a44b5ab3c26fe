#!/usr/bin/env bash
# Shows that the package fuzzer (tests/fuzz/) accepts a package with issue 11's fixes and catches
# each fix reverted. fixes.patch is a throwaway SKETCH of those fixes in pkg/lib/cached-var.js (JS
# only: the step-back rule needs the Rust core, so the fuzzer runs with rules.stepBack off), each
# behind a switch: REVERT=bug1,bug2,bug4,bug9,bug11,resolveAll turns fixes off. It is not the
# package's fix (another engineer writes that); it is the proof that the proof discriminates.
#
# Copies pkg/ and tests/ to a temp dir (the worktree's pkg/ is untouched), applies the patch,
# rebundles pkg/glue/bundle.js as `make build` does (the wasm is reused), then runs the quick Node
# fuzzer once with every fix and once per reverted fix. Prints `sketch: N passed, N failed`, a
# pass being: the fixed sketch passes, or a reverted fix is caught.
# Usage: tests/fuzz/sketch/run.sh [extra args for tests/fuzz/node.mjs, e.g. --budget 20000]
set -u -o pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
export PATH="$root/node_modules/.bin:$PATH"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp -r "$root/pkg" "$root/tests" "$root/package.json" "$dir/"
mkdir -p "$dir/node_modules" "$dir/target"
for e in "$root"/node_modules/* "$root"/node_modules/.bin; do
  n=$(basename "$e")
  [ "$n" = simple-memory-cache ] || ln -s "$e" "$dir/node_modules/$n"
done
ln -s ../pkg "$dir/node_modules/simple-memory-cache"
(cd "$dir" && patch -s -p1 <"$root/tests/fuzz/sketch/fixes.patch") || { echo "sketch: 0 passed, 1 failed"; exit 1; }
(cd "$dir" && rollup pkg/lib/bundle.js --format es --file target/bundle.js --silent &&
  esbuild target/bundle.js --format=esm --outfile=pkg/glue/bundle.js --log-level=warning) || { echo "sketch: 0 passed, 1 failed"; exit 1; }

passed=0
failed=0
run() { (cd "$dir" && REVERT="$1" node tests/fuzz/node.mjs --rules '{"stepBack":false}' "${@:2}" 2>&1); }
out=$(run "" "$@")
if grep -q "fuzz-node: [0-9]* passed, 0 failed" <<<"$out"; then
  echo "ok   the sketch with every fix passes: $(grep -o 'property ([^)]*): [^(]*' <<<"$out" | head -1)"
  passed=$((passed + 1))
else
  echo "FAIL the sketch with every fix does not pass:"
  grep -E "^FAIL|^     " <<<"$out" | head -20
  failed=$((failed + 1))
fi
for fix in bug1 bug2 bug4 bug9 bug11 resolveAll; do
  out=$(run "$fix" "$@")
  caught=$(grep -E "^FAIL" <<<"$out" | sed -E 's/^FAIL (property \(seed [0-9]+\)).*/\1/; s/^FAIL (case: [^:]*:).*/\1/' | sort -u | paste -sd ';' -)
  if [ -n "$caught" ]; then
    echo "ok   $fix reverted is caught by: $caught"
    passed=$((passed + 1))
  else
    echo "FAIL $fix reverted is not caught"
    failed=$((failed + 1))
  fi
done
echo "sketch: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
