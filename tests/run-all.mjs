// Runs every test step of `make test` in order, streams its output, and sums the pass/fail
// counts each step reports (its "N passed, N failed" lines, or cargo's "test result" lines)
// into the closing line. A step that exits non-zero fails the run even if it counted nothing.
import { spawn } from "node:child_process";

const cargoWasm = { CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER: "wasm-bindgen-test-runner" };
const STEPS = [
  { name: "rust: fmt + clippy", cmd: "cargo fmt --check && cargo clippy --all-targets -- -D warnings && cargo clippy --target wasm32-unknown-unknown -- -D warnings", counts: false },
  { name: "rust: core (native)", cmd: "cargo test" },
  { name: "types: tsc", cmd: "tsc -p tests/types/tsconfig.json && echo 'types: 1 passed, 0 failed'" },
  { name: "js suite: node (ESM)", cmd: "node tests/runtimes/node-esm.mjs" },
  { name: "js suite: workerd (2025-09-01 and 2024-01-01)", cmd: "node tests/workerd/run-suite.mjs" },
  { name: "workerd: request-safe single-flight", cmd: "node tests/workerd/request-safety.mjs" },
  { name: "package: installed by name in node, bun, deno, wrangler + workerd", cmd: "node tests/package/install.test.mjs" },
  { name: "www: the demo page in Chromium", cmd: "node tests/www/page.test.mjs" },
  { name: "example: per-request storage (node, bun, deno)", cmd: "node tests/examples/per-request-storage.test.mjs && bun tests/examples/per-request-storage.test.mjs && deno run --allow-net=127.0.0.1 tests/examples/per-request-storage.test.mjs" },
];

function run(step) {
  return new Promise((resolve) => {
    const child = spawn("bash", ["-o", "pipefail", "-c", step.cmd], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...step.env } });
    let passed = 0;
    let failed = 0;
    const scan = (chunk, out) => {
      out.write(chunk);
      for (const line of chunk.toString().split("\n")) {
        const cargo = /test result: \w+\. (\d+) passed; (\d+) failed/.exec(line);
        const plain = /^(?:[\w .()/-]+: )?(\d+) passed, (\d+) failed/.exec(line.trim());
        const m = cargo ?? plain;
        if (m && step.counts !== false) {
          passed += Number(m[1]);
          failed += Number(m[2]);
        }
      }
    };
    child.stdout.on("data", (c) => scan(c, process.stdout));
    child.stderr.on("data", (c) => scan(c, process.stderr));
    child.on("close", (code) => resolve({ code, passed, failed }));
  });
}

const only = process.argv[2];
let passed = 0;
let failed = 0;
const broken = [];
for (const step of STEPS) {
  if (only && !step.name.includes(only)) continue;
  console.log(`\n=== ${step.name}`);
  const r = await run(step);
  passed += r.passed;
  failed += r.failed;
  if (r.code !== 0) {
    broken.push(step.name);
    if (r.failed === 0) failed += 1; // a step that broke without counting still counts once
  }
}
console.log(`\n${broken.length ? `broken steps: ${broken.join("; ")}\n` : ""}${passed} passed, ${failed} failed`);
process.exit(broken.length || failed ? 1 : 0);
