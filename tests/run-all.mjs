// Runs every test step of `make test` in order, streams its output, and sums the pass/fail
// counts each step reports into the closing line: every cargo "test result" line, or else the
// step's last "N passed, N failed" line (its closing line; earlier ones are partial counts).
// A step that exits non-zero fails the run even if it counted nothing.
import { spawn } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const PATH = `${join(ROOT, "node_modules/.bin")}:${join(process.env.HOME ?? "/root", ".cargo/bin")}:${process.env.PATH}`;

const cargoWasm = { CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER: "wasm-bindgen-test-runner" };
const STEPS = [
  { name: "rust: fmt + clippy", cmd: "make lint", counts: false },
  { name: "rust: core (native), and the rust-wasm doc examples compiled", cmd: "cargo test && cargo test --doc --all-features" },
  { name: "fuzz: the core for 60 s (cargo fuzz)", cmd: "tests/soak/fuzz.sh 60" },
  { name: "wasm: no panic path from the exports", cmd: "node tests/soak/no-panic-paths.mjs" },
  { name: "docs: the bad-input table (docs/bad-input.md) is what the package does", cmd: "node tests/readme-bad-input.test.mjs" },
  { name: "docs: every code block of README.md and docs/*.md, run in the runtime it names", cmd: "node tests/docs/run-blocks.mjs" },
  { name: "docs: the API reference from the types (typedoc, warnings as errors)", cmd: "node node_modules/typedoc/bin/typedoc --logLevel Warn && echo 'typedoc: 1 passed, 0 failed'" },
  { name: "types: tsc (strict, then with exactOptionalPropertyTypes)", cmd: "tsc -p tests/types/tsconfig.json && tsc -p tests/types/tsconfig.exact.json && echo 'types: 2 passed, 0 failed'" },
  { name: "rust: wasm adapter in node", cmd: "cargo test --target wasm32-unknown-unknown --features js --test wasm", env: cargoWasm },
  {
    name: "rust: wasm adapter in chromium",
    cmd: "cargo test --target wasm32-unknown-unknown --features js --test wasm",
    env: { ...cargoWasm, CHROMEDRIVER: "/usr/bin/chromedriver", WASM_BINDGEN_USE_BROWSER: "1", WASM_BINDGEN_TEST_WEBDRIVER_JSON: "tests/wasm/webdriver.json" },
  },
  { name: "rust: CachedVar / MemoryCache for Rust (rust-wasm) in node", cmd: "cargo test --target wasm32-unknown-unknown --features serde --test rust-wasm", env: cargoWasm },
  {
    name: "rust: CachedVar / MemoryCache for Rust (rust-wasm) in chromium",
    cmd: "cargo test --target wasm32-unknown-unknown --features serde --test rust-wasm",
    // The runner gives a headless run 20 s by default; one test waits on a 31 s load.
    env: { ...cargoWasm, CHROMEDRIVER: "/usr/bin/chromedriver", WASM_BINDGEN_USE_BROWSER: "1", WASM_BINDGEN_TEST_WEBDRIVER_JSON: "tests/wasm/webdriver.json", WASM_BINDGEN_TEST_TIMEOUT: "180" },
  },
  { name: "rust: a workers-rs Worker using CachedVar in workerd (2025-09-01 and 2024-01-01)", cmd: "node tests/rust-worker/run.mjs" },
  { name: "js suite: node (ESM)", cmd: "node tests/runtimes/node-esm.mjs" },
  { name: "names memory: 200,000 names through maxEntries 1000, heap + wasm flat (node)", cmd: "node --expose-gc tests/js/names-memory.mjs" },
  { name: "names memory (bun)", cmd: "bun tests/js/names-memory.mjs" },
  { name: "names memory (deno)", cmd: "deno run --allow-read --allow-env --v8-flags=--expose-gc tests/js/names-memory.mjs", env: { DENO_NO_UPDATE_CHECK: "1" } },
  { name: "js suite: node (require)", cmd: "node tests/runtimes/node-require.cjs" },
  { name: "js suite: bun", cmd: "bun tests/runtimes/bun.mjs" },
  { name: "js suite: deno (no permission flags)", cmd: "deno run --no-prompt --node-modules-dir=manual tests/runtimes/deno.mjs", env: { DENO_NO_UPDATE_CHECK: "1" } },
  { name: "js suite: chromium", cmd: "node tests/runtimes/browser.mjs" },
  { name: "js suite: workerd (2025-09-01 and 2024-01-01)", cmd: "node tests/workerd/run-suite.mjs" },
  { name: "manual entry: before and after initSync / initAsync (node, bun, deno)", cmd: "node tests/runtimes/manual-entry.mjs" },
  { name: "workerd: request-safe single-flight", cmd: "node tests/workerd/request-safety.mjs" },
  { name: "package: installed by name in node, bun, deno, wrangler + workerd", cmd: "node tests/package/install.test.mjs" },
  { name: "bundlers: the packed tarball built by esbuild, rollup, bun build, webpack, Vite, wrangler, Vercel Edge, Next.js, Deno, and run", cmd: "node tests/bundlers/run.mjs" },
  { name: "publish: npm publish --dry-run, publint, attw, tsc CommonJS consumers, cargo publish --dry-run", cmd: "node tests/publish/check.mjs" },
  { name: "shared tier: Workers KV across two workerd isolates (Miniflare's local KV)", cmd: "node tests/shared/workers-kv.mjs" },
  { name: "shared tier: Workers Cache API across two workerd isolates (Miniflare's local cache)", cmd: "node tests/shared/workers-cache.mjs" },
  { name: "shared tier: KV down or stuck, no cache service (plain workerd)", cmd: "node tests/shared/workers-outage.mjs" },
  { name: "shared tier: Deno KV across two Deno processes", cmd: "node tests/shared/deno-kv.mjs" },
  { name: "shared tier: adapter types", cmd: "tsc -p tests/shared/tsconfig.json && echo 'shared types: 1 passed, 0 failed'" },
  { name: "demo: the JWKS Worker, the multi-issuer Worker and the Rust JWKS Worker in workerd, end to end", cmd: "node examples/demo.mjs" },
  { name: "www: the demo page in Chromium", cmd: "node tests/www/page.test.mjs" },
  { name: "fuzz: package in node (quick)", cmd: "node tests/fuzz/node.mjs" },
  { name: "fuzz: package in workerd (quick)", cmd: "node tests/fuzz/workerd.mjs" },
  { name: "fuzz: package in bun (quick)", cmd: "bun tests/fuzz/any.mjs 1 8000" },
  { name: "fuzz: package in deno (quick)", cmd: "deno run --allow-read --allow-env tests/fuzz/any.mjs 1 8000", env: { DENO_NO_UPDATE_CHECK: "1" } },
  { name: "soak: node (quick)", cmd: "node tests/soak/node-soak.mjs --quick" },
  { name: "soak: workerd under concurrent requests (quick)", cmd: "node tests/soak/workerd-soak.mjs --quick" },
  { name: "benches: every bench runs (quick)", cmd: "node benches/bench.mjs --quick", counts: false },
  { name: "example: per-request storage in node", cmd: "node tests/examples/per-request-storage.test.mjs" },
  { name: "example: per-request storage in bun", cmd: "bun tests/examples/per-request-storage.test.mjs" },
  { name: "example: per-request storage in deno", cmd: "deno run --allow-net=127.0.0.1 tests/examples/per-request-storage.test.mjs", env: { DENO_NO_UPDATE_CHECK: "1" } },
];

function run(step) {
  return new Promise((resolve) => {
    const child = spawn("bash", ["-o", "pipefail", "-c", step.cmd], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, PATH, ...step.env } });
    const cargo = { passed: 0, failed: 0, seen: false };
    let last = null;
    // Output arrives in chunks that may split a line: scan whole lines only.
    const partial = { stdout: "", stderr: "" };
    const scanLine = (line) => {
      const c = /test result: \w+\. (\d+) passed; (\d+) failed/.exec(line);
      if (c) {
        cargo.seen = true;
        cargo.passed += Number(c[1]);
        cargo.failed += Number(c[2]);
      }
      const plain = /^(?:[\w .()/-]+: )?(\d+) passed, (\d+) failed/.exec(line.trim());
      if (plain) last = { passed: Number(plain[1]), failed: Number(plain[2]) };
    };
    const scan = (name, out) => (chunk) => {
      out.write(chunk);
      const lines = (partial[name] + chunk.toString()).split("\n");
      partial[name] = lines.pop();
      lines.forEach(scanLine);
    };
    child.stdout.on("data", scan("stdout", process.stdout));
    child.stderr.on("data", scan("stderr", process.stderr));
    child.on("close", (code) => {
      scanLine(partial.stdout);
      scanLine(partial.stderr);
      const counted = step.counts === false ? { passed: 0, failed: 0 } : cargo.seen ? cargo : (last ?? { passed: 0, failed: 0 });
      resolve({ code, ...counted });
    });
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
