#!/usr/bin/env bash
# Runs the cargo-fuzz target of the core (fuzz/fuzz_targets/core.rs) for SECONDS (default 60),
# installing cargo-fuzz if missing, then prints libFuzzer's figures (executions, exec/s, cov =
# covered edges, ft = features, corpus) and the closing line `fuzz: 1 passed, 0 failed`, or the
# crash (panic message, decoded input, how to reproduce) and `fuzz: 0 passed, 1 failed`.
# The corpus grows in fuzz/corpus/core across runs (ignored by git). Usage: tests/soak/fuzz.sh [SECONDS]
set -u -o pipefail
cd "$(dirname "$0")/../.."
export PATH="$HOME/.cargo/bin:$PATH"

seconds=${1:-60}
CARGO_FUZZ_VERSION=0.13.1
# The core has no unsafe code, so AddressSanitizer would only slow it down (about 3x).
FUZZ=(fuzz run --sanitizer none core)

cargo fuzz --version 2>/dev/null | grep -qx "cargo-fuzz $CARGO_FUZZ_VERSION" ||
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" || { echo "fuzz: 0 passed, 1 failed"; exit 1; }
# cargo-fuzz is documented for nightly; with --sanitizer none it also works on stable.
toolchain=stable
rustup toolchain list | grep -q '^nightly' && toolchain=nightly

log=$(mktemp)
trap 'rm -f "$log"' EXIT
mkdir -p fuzz/corpus/core
# -timeout: one input running for 10 s is a hang (an endless loop in the core), reported as a crash.
cargo "+$toolchain" "${FUZZ[@]}" -- -max_total_time="$seconds" -timeout=10 -print_final_stats=1 >"$log" 2>&1
status=$?

done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1)
execs=$(grep -oE 'number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$')
rate=$(grep -oE 'average_exec_per_sec: *[0-9]+' "$log" | grep -oE '[0-9]+$')
cov=$(grep -oE 'cov: [0-9]+' <<<"$done_line" | grep -oE '[0-9]+')
ft=$(grep -oE 'ft: [0-9]+' <<<"$done_line" | grep -oE '[0-9]+')
corp=$(grep -oE 'corp: [^ ]+' <<<"$done_line" | cut -d' ' -f2)

if [ "$status" -eq 0 ] && [ -n "$done_line" ]; then
  echo "fuzz: ${execs:-?} executions in ${seconds} s (${rate:-?}/s), cov ${cov:-?} edges, ft ${ft:-?} features, corpus ${corp:-?} (toolchain $toolchain)"
  echo "fuzz: 1 passed, 0 failed"
  exit 0
fi
grep -E -A3 'panicked at|ERROR: libFuzzer' "$log" | head -n 20
artifact=$(grep -oE 'fuzz/artifacts/core/[^ ]+' "$log" | tail -n 1)
if [ -n "$artifact" ]; then
  echo "decoded input:"
  cargo "+$toolchain" fuzz fmt --sanitizer none core "$artifact" 2>&1 | grep -vE '^ *(Compiling|Finished|Running|Blocking) ' | head -n 80
  echo "reproduce: cargo +$toolchain ${FUZZ[*]} $artifact"
else
  tail -n 30 "$log"
fi
echo "fuzz: 0 passed, 1 failed"
exit 1
