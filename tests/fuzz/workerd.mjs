// The package fuzzer (tests/fuzz/fuzz.mjs) inside real local workerd (tests/fuzz/workerd-worker.js,
// started by tests/workerd/launch.mjs with SELF, a service binding to itself, for cross-request
// gets). Several requests run property runs concurrently in one isolate.
//
//   node tests/fuzz/workerd.mjs            quick (`make test`): 4 concurrent requests of property
//                                          runs, the named cases, and bug 10's case (a load slower
//                                          than the 10 s join bound: ~11 s, run alongside)
//   node tests/fuzz/workerd.mjs --soak     long (`make soak`): waves of concurrent requests until
//                                          >= 1 M operations; prints ops/s
//   options: --seed N, --ops N (soak), --concurrency N, --rules '{...}', --weights '{...}'
// Prints one line per check, a failing run's seed, path, world and shrunk commands, and last
// `fuzz-workerd: N passed, N failed`; exits non-zero on a failure.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startWorker } from "../workerd/launch.mjs";

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : fallback;
};
const soak = argv.includes("--soak");
const seed = Number(option("--seed", soak ? "5000" : "1"));
const concurrency = Number(option("--concurrency", "4"));
const rules = option("--rules", "{}");
const weights = option("--weights", "{}");
const RUNS_PER_REQUEST = soak ? 60 : 25;
const MAX_COMMANDS = soak ? 120 : 60;
const REQUEST_BOUND_MS = 300_000;
// Bug 10: the joiner must be served when the first load stores (10.6 s after it began), not after
// a second load of its own (~20.7 s).
const BOUND_SLOW_MS = 10_600;
const BOUND_SLACK_MS = 900;

let passed = 0;
let failed = 0;
function check(ok, what) {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
}

function showFailure(f) {
  return `\n     seed ${f.seed}, path ${JSON.stringify(f.path)}\n     ${f.error.split("\n").join("\n     ")}\n     world ${f.spec}\n     commands:\n       ${f.commands.join("\n       ")}`;
}

const get = async (url) => {
  const res = await fetch(url, { signal: AbortSignal.timeout(REQUEST_BOUND_MS) });
  const text = await res.text();
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text);
};

async function boundCase(url) {
  await get(`${url}/bound/lead`);
  await new Promise((r) => setTimeout(r, 100));
  const t0 = performance.now();
  const r = await get(`${url}/bound/join`);
  const ms = performance.now() - t0;
  const ok = r.value?.n === 1 && ms < BOUND_SLOW_MS + BOUND_SLACK_MS;
  check(
    ok,
    `case: bug 10: a load slower than the old 10 s join bound (${BOUND_SLOW_MS} ms), started by a request that returned at once; a joiner from another request ` +
      `is served by that load when it stores: got ${r.error ?? JSON.stringify(r.value)} after ${(ms / 1000).toFixed(1)} s, ${r.origin} origin loads`,
  );
}

const worker = await startWorker({ entry: join(dirname(fileURLToPath(import.meta.url)), "workerd-worker.js"), bindings: ['(name = "SELF", service = "main")'], name: "fuzz" });
try {
  const q = `rules=${encodeURIComponent(rules)}&weights=${encodeURIComponent(weights)}`;
  const bound = soak ? null : boundCase(worker.url);
  let ops = 0;
  let runs = 0;
  let takeovers = 0;
  const failures = [];
  let next = seed;
  const started = performance.now();
  const wantOps = soak ? Number(option("--ops", "1000000")) : 0;
  let waves = 0;
  do {
    const answers = await Promise.all(
      Array.from({ length: concurrency }, async () => {
        const s = next++;
        try {
          return await get(`${worker.url}/run?seed=${s}&runs=${RUNS_PER_REQUEST}&max=${MAX_COMMANDS}&${q}`);
        } catch (error) {
          return { runs: 0, ops: 0, failures: [{ seed: s, path: "", error: `the request failed: ${error.message}`, spec: "", commands: [] }] };
        }
      }),
    );
    waves++;
    for (const a of answers) {
      ops += a.ops;
      runs += a.runs;
      takeovers += a.takeovers ?? 0;
      failures.push(...a.failures);
    }
    if (soak && waves % 10 === 0) {
      const s = (performance.now() - started) / 1000;
      console.log(`     ${ops} operations, ${runs} runs, ${s.toFixed(0)} s, ${Math.round(ops / s)} ops/s`);
    }
  } while (soak && ops < wantOps && failures.length === 0);
  const seconds = (performance.now() - started) / 1000;
  check(
    failures.length === 0,
    `property in workerd (seeds ${seed}..${next - 1}, ${concurrency} concurrent requests per wave, ${waves} waves): ${runs} runs, ${ops} operations in ${seconds.toFixed(1)} s (${Math.round(ops / seconds)} ops/s), ${takeovers} takeovers by joiners past their bound${failures.slice(0, 2).map(showFailure).join("")}`,
  );
  if (failures.length > 0) console.log(`     workerd's output (last 2000 characters):\n${worker.output().slice(-2000)}`);
  if (soak) check(ops >= wantOps, `${ops} operations (wanted >= ${wantOps})`);
  else {
    const cases = await get(`${worker.url}/cases?${q}`);
    for (const c of cases) check(c.ok, `case (workerd): ${c.name}${c.ok ? "" : `\n     ${c.error.split("\n").join("\n     ")}`}`);
    await bound;
  }
} catch (error) {
  check(false, `the fuzzer ran in workerd: ${error.message}\n${worker.output().slice(-3000)}`);
} finally {
  await worker.stop();
}
console.log(`fuzz-workerd: ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
