// The package fuzzer in any runtime (Bun, Deno; Node has node.mjs): the property for a while and
// the named cases, without Node's gc or wasm-memory checks. `make test` runs it in Bun and Deno.
//   bun tests/fuzz/any.mjs [seed] [budgetMs]      deno run -A tests/fuzz/any.mjs [seed] [budgetMs]
import * as api from "simple-memory-cache";
import { CASES, COVERAGE, fuzz, runCase } from "./fuzz.mjs";
const args = globalThis.Deno ? Deno.args : process.argv.slice(2);
const seed = Number(args[0] ?? 1);
const budgetMs = Number(args[1] ?? 20000);
const runtime = globalThis.Deno ? `deno ${Deno.version.deno}` : globalThis.Bun ? `bun ${Bun.version}` : `node ${process.version}`;
let failed = 0;
let passed = 0;
const t = performance.now();
const r = await fuzz(api, { seed, runs: 100000, budgetMs, maxCommands: 60, size: "max" });
console.log(`${r.failures.length ? "FAIL" : "ok  "} ${runtime} property (seed ${seed}): ${r.runs} runs, ${r.ops} operations in ${((performance.now() - t) / 1000).toFixed(1)} s`);
if (r.failures.length === 0) passed++;
for (const f of r.failures) {
  failed++;
  console.log(`     seed ${f.seed}, path ${JSON.stringify(f.path)}\n     ${f.error.split("\n").join("\n     ")}\n     world ${f.spec}\n     commands:\n       ${f.commands.join("\n       ")}`);
}
console.log(`     added checks ran: ${JSON.stringify(COVERAGE)}`);
for (const c of CASES) {
  const res = await runCase(api, c);
  if (res.ok) passed++;
  else {
    failed++;
    console.log(`FAIL case: ${c.name}\n     ${res.error}`);
  }
}
console.log(`fuzz-any: ${passed} passed, ${failed} failed`);
if (globalThis.Deno) Deno.exit(failed ? 1 : 0);
else process.exit(failed ? 1 : 0);
