// Runs cases 1-4 (and the JWKS flavour), case 6 (memory) and case 7 (names) in the runtime that runs this file —
// Node, Deno or Bun, with the same case files — timed by mitata, and writes the results to
// benches/results/<runtime>.json.tmp for report.mjs. Started by bench.mjs; usable alone:
//   node --expose-gc benches/run.mjs [--quick]
//   deno run --allow-read --allow-write=benches/results --allow-net=127.0.0.1 --allow-env --v8-flags=--expose-gc benches/run.mjs [--quick]
//   bun benches/run.mjs [--quick]

import { writeFile } from "node:fs/promises";
import { allVariants } from "./lib/cases.mjs";
import { memory } from "./cases/memory.mjs";
import { names } from "./cases/names.mjs";
import { mitataTimer } from "./lib/mitata-timer.mjs";
import { startOrigin } from "./lib/origin.mjs";
import { runRounds } from "./lib/rounds.mjs";
import { wasmBytes } from "./lib/wasm-memory.mjs";

const quick = process.argv.includes("--quick");
const runtime = typeof Bun !== "undefined" ? "bun" : typeof Deno !== "undefined" ? "deno" : "node";
const version = { bun: () => Bun.version, deno: () => Deno.version.deno, node: () => process.versions.node }[runtime]();
// Progress goes to stderr; a quick run (inside `make test`) only says what it wrote.
const log = quick ? () => {} : (line) => console.error(`[${runtime}] ${line}`);

const gc = runtime === "bun" ? () => Bun.gc(true) : globalThis.gc;
if (typeof gc !== "function") throw new Error("run.mjs needs a gc: start Node with --expose-gc, Deno with --v8-flags=--expose-gc");
const heapUsed = runtime === "deno" ? () => Deno.memoryUsage().heapUsed : () => process.memoryUsage().heapUsed;

// Memory first, while the process is fresh.
log(`memory (${quick ? "quick" : "1,000,000 cycles"})`);
const mem = await memory({ count: quick ? 2_000 : 1_000_000, warmup: quick ? 200 : 10_000, gc, heapUsed, wasmBytes });

log(`names (${quick ? "quick" : "1,000,000 distinct names through maxEntries 1000"})`);
const nameMem = await names({ count: quick ? 4_000 : 1_000_000, every: quick ? 1_000 : 100_000, gc, heapUsed, wasmBytes });

const origin = await startOrigin();
let variants;
try {
  const rounds = quick ? 1 : 5;
  variants = await runRounds(await allVariants({ origin: origin.url }), { rounds, time: mitataTimer({ quick }), log });
} finally {
  await origin.stop();
}

const file = new URL(`results/${runtime}${quick ? ".quick" : ""}.json.tmp`, import.meta.url);
await writeFile(file, JSON.stringify({ runtime, version, quick, timer: "mitata 1.0.34 (p50 per sample)", variants, memory: mem, names: nameMem }, null, 1));
console.error(`[${runtime}] wrote ${file.pathname}`);
