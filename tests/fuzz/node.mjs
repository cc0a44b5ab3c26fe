// The package fuzzer (tests/fuzz/fuzz.mjs) in Node, against the built package imported by name.
//
//   node tests/fuzz/node.mjs                  quick (seconds, part of `make test`): the property for
//                                             a few seconds, every named regression case, and 100k
//                                             aborts on a hanging load (bug 9's memory check)
//   node tests/fuzz/node.mjs --soak           long (`make soak`): >= 10 M operations, in two
//                                             processes (one per core), each checking that its JS heap
//                                             (after gc()) and the wasm memory stay flat from the
//                                             2nd tenth of its operations to the last; prints ops/s
//                                             and (issue 12) --keyed-names N (500,000) distinct names
//                                             through a small keyed cache, size and memory flat
//   options: --seed N (first seed), --ops N (soak: operations in all), --jobs N (soak processes),
//            --rules '{"resolveAll":false}' (hold an older build only to the rules it predates),
//            --weights '{"clockFault":0}' (command and feature weights, see DEFAULT_WEIGHTS),
//            --runs N --budget MS (quick property), --no-shrink
// Prints one line per check, a failing run's seed, fast-check path, world and shrunk commands,
// and last `fuzz-node: N passed, N failed`; exits non-zero on a failure.
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

// gc() makes the heap readings meaningful: re-run with it exposed.
if (typeof globalThis.gc !== "function") {
  const r = spawnSync(process.execPath, [...process.execArgv, "--expose-gc", ...process.argv.slice(1)], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : fallback;
};
const soak = flag("--soak");
const child = flag("--child");
const seed = Number(option("--seed", soak ? "1000" : "1"));
const rules = JSON.parse(option("--rules", "{}"));
const weights = JSON.parse(option("--weights", "{}"));
const shrink = !flag("--no-shrink");

// The package's wasm memory, read the way the benchmarks read it (the package keeps it internal).
const { wasmBytes } = await import("../../benches/lib/wasm-memory.mjs");
const api = await import("simple-memory-cache");
const { CASES, COVERAGE, abortMemoryCase, fuzz, keyedMemoryCase, runCase } = await import("./fuzz.mjs");

// An unhandled rejection is a promise of the package (or the fuzzer) nobody observes: a failure.
const unhandled = [];
process.on("unhandledRejection", (e) => unhandled.push(e));

let passed = 0;
let failed = 0;
function check(ok, what) {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
}

// Issue 12: distinct names through a small keyed cache (keyedMemoryCase): its size never over
// maxEntries, its totals add up, and the JS heap and wasm memory flat after the first tenth.
const KEYED_MAX_ENTRIES = 8;
// Heap growth allowed over the names after the first tenth, in all (gc() leaves this much noise;
// the leak issue 12 fixed was ~1 KB per name).
const KEYED_HEAP_SLACK = 2 ** 20;
async function keyedMemoryCheck(n) {
  const started = performance.now();
  const k = await keyedMemoryCase(api, { n, maxEntries: KEYED_MAX_ENTRIES, gc: globalThis.gc, heapUsed: () => process.memoryUsage().heapUsed, wasmBytes });
  const seconds = (performance.now() - started) / 1000;
  check(
    k.maxSize <= KEYED_MAX_ENTRIES && k.statsOk && k.heapAfter - k.heapBefore < KEYED_HEAP_SLACK,
    `case: issue 12: ${n} distinct names through a keyed cache of maxEntries ${KEYED_MAX_ENTRIES} (loads resolving, failing; invalidate, delete, set, held vars): ` +
      `size at most ${k.maxSize}, stats() add up: ${k.statsOk}, the heap grows ${mb(k.heapAfter - k.heapBefore)} over the names after the first tenth (${k.perName.toFixed(1)} B per name; at most ${mb(KEYED_HEAP_SLACK)} in all) (${seconds.toFixed(1)} s)`,
  );
  return k;
}

function showFailure(f) {
  return `\n     seed ${f.seed}, path ${JSON.stringify(f.path)}\n     ${f.error.split("\n").join("\n     ")}\n     world ${f.spec}\n     commands:\n       ${f.commands.join("\n       ")}`;
}

const mb = (n) => `${(n / 2 ** 20).toFixed(2)} MB`;
async function measure() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await new Promise((r) => setTimeout(r, 30));
  }
  return { heap: process.memoryUsage().heapUsed, wasm: wasmBytes() };
}

// Soak weights: fewer real-time sleeps (they dominate the time) but every command kind.
const SOAK_WEIGHTS = { sleep: 1 };
const HEAP_SLACK_MB = 8;
// Every run makes two MemoryCaches and standalone vars, each with a wasm machine freed by a
// finalizer when collected: how many are alive at the peak varies with the collector, and wasm
// memory never shrinks, so a few pages of high-water drift are allowed. A leak of one machine
// (~1 KB) per 100 runs would add ~1 MB over the soak's 10 M operations.
const WASM_SLACK = 256 * 1024;

if (soak && !child) {
  // The parent: split the operations over --jobs processes and add up what they report.
  const jobs = Number(option("--jobs", "2"));
  const ops = Number(option("--ops", "10000000"));
  const here = fileURLToPath(import.meta.url);
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: jobs }, (_, j) =>
      new Promise((resolve) => {
        const args = ["--expose-gc", here, "--soak", "--child", "--ops", String(Math.ceil(ops / jobs)), "--seed", String(seed + j * 1_000_000)];
        for (const name of ["--rules", "--weights", "--keyed-names"]) if (option(name) !== undefined) args.push(name, option(name));
        if (!shrink) args.push("--no-shrink");
        const p = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
        let out = "";
        p.stdout.on("data", (d) => {
          out += d;
          process.stdout.write(String(d).replace(/^(?=.)/gm, `[job ${j}] `));
        });
        p.on("close", (code) => {
          const m = /fuzz-node-job: (\d+) passed, (\d+) failed, (\d+) ops/.exec(out);
          resolve(m ? { code, passed: Number(m[1]), failed: Number(m[2]), ops: Number(m[3]) } : { code, passed: 0, failed: 1, ops: 0 });
        });
      }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const total = results.reduce((n, r) => n + r.ops, 0);
  passed += results.reduce((n, r) => n + r.passed, 0);
  failed += results.reduce((n, r) => n + r.failed + (r.code !== 0 && r.failed === 0 ? 1 : 0), 0);
  check(total >= ops, `${total} operations in all (wanted >= ${ops}) in ${seconds.toFixed(0)} s: ${Math.round(total / seconds)} ops/s over ${jobs} processes`);
  console.log(`fuzz-node: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

if (soak) {
  // One soak process: fast-check rounds of fresh seeds until `ops` operations.
  const ops = Number(option("--ops", "5000000"));
  const started = performance.now();
  let done = 0;
  let runs = 0;
  let round = 0;
  let before = null;
  let failure = null;
  let nextReport = ops / 10;
  while (done < ops && failure === null) {
    const r = await fuzz(api, { seed: seed + round++, runs: 200, maxCommands: 200, size: "max", rules, weights: { ...SOAK_WEIGHTS, ...weights }, shrink, unhandled: () => unhandled });
    done += r.ops;
    runs += r.runs;
    if (r.failures.length > 0) failure = r.failures[0];
    if (before === null && done >= (2 * ops) / 10) before = await measure();
    if (done >= nextReport) {
      const s = (performance.now() - started) / 1000;
      console.log(`     ${done} operations, ${runs} runs, ${s.toFixed(0)} s, ${Math.round(done / s)} ops/s`);
      nextReport += ops / 10;
    }
  }
  const after = await measure();
  const seconds = (performance.now() - started) / 1000;
  // Issue 12: a long run of distinct names (heap and wasm memory flat, size bounded).
  const keyedNames = Number(option("--keyed-names", "500000"));
  if (keyedNames > 0) {
    const k = await keyedMemoryCheck(keyedNames);
    check(k.wasmGrowth <= WASM_SLACK, `case: issue 12: wasm memory flat over ${keyedNames} distinct names after the first tenth (within ${WASM_SLACK / 1024} KiB): grew ${k.wasmGrowth} bytes`);
  }
  check(failure === null, `the property held over ${runs} runs of up to 200 commands (seeds ${seed}..${seed + round - 1})${failure === null ? "" : showFailure(failure)}`);
  check(unhandled.length === 0, `no unhandled rejection (${unhandled.length})${unhandled.slice(0, 3).map((e) => `\n     ${e?.stack ?? e}`).join("")}`);
  if (before !== null) {
    check(after.heap - before.heap < HEAP_SLACK_MB * 2 ** 20, `JS heap flat from the 2nd tenth to the end (within ${HEAP_SLACK_MB} MB): ${mb(before.heap)} -> ${mb(after.heap)}`);
    check(after.wasm - before.wasm <= WASM_SLACK, `wasm memory flat from the 2nd tenth to the end (within ${WASM_SLACK / 1024} KiB): ${mb(before.wasm)} -> ${mb(after.wasm)}`);
  }
  console.log(`     ${done} operations in ${seconds.toFixed(0)} s: ${Math.round(done / seconds)} ops/s`);
  console.log(`fuzz-node-job: ${passed} passed, ${failed} failed, ${done} ops`);
  process.exit(failed === 0 ? 0 : 1);
}

// Quick.
const runs = Number(option("--runs", "400"));
const budgetMs = Number(option("--budget", "6000"));
let started = performance.now();
const r = await fuzz(api, { seed, runs, budgetMs, maxCommands: 60, size: "max", rules, weights, shrink, unhandled: () => unhandled });
let seconds = (performance.now() - started) / 1000;
check(r.failures.length === 0, `property (seed ${seed}): ${r.runs} runs, ${r.ops} operations in ${seconds.toFixed(1)} s (${Math.round(r.ops / seconds)} ops/s; ${r.keyedCalls} calls by name, ${r.lateHandOuts} keyed-only names handed out later, ${r.forgotten} held vars seen forgotten)${r.failures.map(showFailure).join("")}`);

console.log(`     added checks ran: ${JSON.stringify(COVERAGE)}`);
for (const c of CASES) {
  const res = await runCase(api, c, { rules, unhandled: () => unhandled });
  check(res.ok, `case: ${c.name}${res.ok ? "" : `\n     ${res.error.split("\n").join("\n     ")}`}`);
}

await keyedMemoryCheck(20_000);

started = performance.now();
const mem = await abortMemoryCase(api, { n: 100_000, gc: globalThis.gc, heapUsed: () => process.memoryUsage().heapUsed });
seconds = (performance.now() - started) / 1000;
check(mem.perAbort < 64, `case: bug 9: 100,000 callers abort their wait on a load that never settles: the heap grows ${mem.perAbort.toFixed(1)} B per abort (at most 64) (${seconds.toFixed(1)} s)`);
check(unhandled.length === 0, `no unhandled rejection (${unhandled.length})${unhandled.slice(0, 3).map((e) => `\n     ${e?.stack ?? e}`).join("")}`);
console.log(`fuzz-node: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
