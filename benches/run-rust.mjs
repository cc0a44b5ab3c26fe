// Issue 14, item 6: the Rust face's warm hit and the wasm it adds to a Worker. One step of
// benches/bench.mjs (`make bench`), run in Node:
// - builds benches/rust/hit (cargo → wasm-bindgen --target web), loads it, warms every contender,
//   then times batches of warm hits polled inside the wasm (see benches/rust/hit/src/lib.rs): per
//   round, every contender once, in a rotating order; ns per hit = batch time / batch size;
//   figures are medians over rounds, ratios medians over rounds of the ratio within the round;
// - builds benches/rust/size, a small workers-rs Worker, without and with the crate (feature
//   `cache`), each through wasm-bindgen and `wasm-opt -Oz` (what worker-build ships), and
//   measures the .wasm and the glue, raw and gzip -9.
// Writes benches/results/rust.json.tmp (rust.quick.json.tmp with --quick) for report.mjs.
//   node benches/run-rust.mjs [--quick]

import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { median } from "./lib/stats.mjs";

const quick = process.argv.includes("--quick");
const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "..");
const CRATES = join(HERE, "rust");
const TARGET = join(ROOT, "target/rust-worker"); // shared with tests/rust-worker (same profile)
const OUT = join(TARGET, "wasm32-unknown-unknown/release");
const ENV = { ...process.env, PATH: `${join(ROOT, "node_modules/.bin")}:${process.env.HOME}/.cargo/bin:${process.env.PATH}`, CARGO_TARGET_DIR: TARGET };
const BATCH = quick ? 10_000 : 2_000_000;
const ROUNDS = quick ? 3 : 31;
const WASM_OPT = ["-Oz", "--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext", "--enable-mutable-globals", "--enable-reference-types", "--enable-multivalue", "--strip-debug", "--strip-producers"];

const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { env: ENV, stdio: ["ignore", "inherit", "inherit"], ...opts });
const cargo = (pkg, features = []) => run("cargo", ["build", "--release", "--target", "wasm32-unknown-unknown", "--quiet", "--locked", "-p", pkg, ...features], { cwd: CRATES });
const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;
const log = (s) => quick || console.error(s);

const dir = mkdtempSync(join(tmpdir(), "smc-bench-rust-"));
try {
  // --- the warm hit ---
  log("[rust] building benches/rust/hit");
  cargo("smc-bench-hit");
  run("wasm-bindgen", ["--target", "web", "--no-typescript", "--out-dir", join(dir, "hit"), join(OUT, "smc_bench_hit.wasm")]);
  const hit = await import(pathToFileURL(join(dir, "hit/smc_bench_hit.js")).href);
  hit.initSync({ module: readFileSync(join(dir, "hit/smc_bench_hit_bg.wasm")) });
  await hit.warm();
  const names = hit.names();
  const batch = (which, n) => {
    const t0 = performance.now();
    const ok = hit.run(which, n);
    const ms = performance.now() - t0;
    if (ok !== n) throw new Error(`${names[which]}: ${ok} of ${n} polls were warm hits`);
    return (ms * 1e6) / n;
  };
  log(`[rust] warm hits: ${ROUNDS} rounds of ${BATCH.toLocaleString("en")} per contender`);
  for (let w = 0; w < names.length; w++) batch(w, Math.min(BATCH, 100_000)); // warm-up (JIT tiers)
  const rounds = names.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < names.length; i++) {
      const w = (i + r) % names.length;
      rounds[w].push(batch(w, BATCH));
    }
  }
  // Each contender over its hand-written reference, within the round: the ttl variants over the
  // hand-written one with a ttl, the others over the plain one.
  const reference = [0, 0, 2, 2, 0];
  const contenders = names.map((name, w) => ({
    name,
    ours: name.startsWith("simple-memory-cache"),
    median: median(rounds[w]),
    ratio: median(rounds[w].map((t, r) => t / rounds[reference[w]][r])),
    over: names[reference[w]],
    rounds: rounds[w],
  }));

  // --- the size added to a Worker ---
  log("[rust] building benches/rust/size without and with the crate");
  const sizes = {};
  for (const [label, features] of [
    ["without", []],
    ["with", ["--features", "cache"]],
  ]) {
    cargo("smc-bench-size", features);
    const raw = join(dir, `size-${label}.wasm`);
    copyFileSync(join(OUT, "smc_bench_size.wasm"), raw);
    const glue = join(dir, `glue-${label}`);
    mkdirSync(glue);
    run("wasm-bindgen", ["--target", "web", "--no-typescript", "--out-dir", glue, raw]);
    const bg = join(glue, `size-${label}_bg.wasm`);
    run("wasm-opt", [...WASM_OPT, bg, "-o", bg]);
    const wasm = readFileSync(bg);
    const js = readFileSync(join(glue, `size-${label}.js`));
    sizes[label] = { wasm: { raw: wasm.length, gzip: gz(wasm) }, glue: { raw: js.length, gzip: gz(js) } };
  }
  const delta = (k, f) => sizes.with[k][f] - sizes.without[k][f];
  sizes.added = { wasm: { raw: delta("wasm", "raw"), gzip: delta("wasm", "gzip") }, glue: { raw: delta("glue", "raw"), gzip: delta("glue", "gzip") } };

  const result = { runtime: "node", version: process.versions.node, quick, batch: BATCH, rounds: ROUNDS, hit: contenders, size: sizes };
  writeFileSync(join(HERE, `results/rust${quick ? ".quick" : ""}.json.tmp`), JSON.stringify(result, null, 1));
  const show = (c) => `${c.name}: ${c.median.toFixed(2)} ns (${c.ratio.toFixed(2)}× ${c.over === c.name ? "" : "its hand-written reference"})`;
  if (quick) console.log(`rust benches (quick): ${contenders.length} warm-hit figures, Worker wasm +${sizes.added.wasm.gzip} B gzip with the crate`);
  else for (const c of contenders) console.error(`[rust] ${show(c)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
