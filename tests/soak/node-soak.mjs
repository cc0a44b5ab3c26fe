// Soak in Node: millions of mixed operations (tests/soak/workload.mjs) against the package, then
// the checks: no single-flight, cooldown, value or scope violation; no hung get(); every loader
// call is a load the core decided (loader calls = the core's load count); and after warm-up the
// wasm memory does not grow at all and the JS heap stays within HEAP_SLACK_MB.
// The wasm memory is read from outside the package: WebAssembly.Instance is wrapped while the
// package loads, which gives this script the instance's exported memory.
// Prints each check and `node-soak: N passed, N failed`; exits non-zero on a failure.
// Usage: node tests/soak/node-soak.mjs [--quick]   (--quick: ~0.4 M operations, else 4 M)
import { spawnSync } from "node:child_process";
import { AsyncLocalStorage } from "node:async_hooks";
import { createWorkload } from "./workload.mjs";

// gc() makes the heap and finalizer readings meaningful: re-run with it exposed.
if (typeof globalThis.gc !== "function") {
  const r = spawnSync(process.execPath, [...process.execArgv, "--expose-gc", ...process.argv.slice(1)], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}

const quick = process.argv.includes("--quick");
const OPS = quick ? 400_000 : 4_000_000;
const WARM_UP = OPS / 10;
const HEAP_SLACK_MB = 4;

const instances = [];
const Instance = WebAssembly.Instance;
WebAssembly.Instance = new Proxy(Instance, {
  construct(target, args) {
    const instance = Reflect.construct(target, args);
    instances.push(instance);
    return instance;
  },
});
const api = await import("simple-memory-cache");
WebAssembly.Instance = Instance;

let passed = 0;
let failed = 0;
function check(ok, what) {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
}

// Collects garbage twice around a pause, so FinalizationRegistry callbacks (which free the wasm
// machines of dropped vars) have run; then reads both memories.
async function measure() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await new Promise((r) => setTimeout(r, 30));
  }
  return { wasm: instances[0].exports.memory.buffer.byteLength, heap: process.memoryUsage().heapUsed };
}

const mb = (n) => `${(n / 2 ** 20).toFixed(2)} MB`;
check(instances.length === 1, `the package's wasm instance was captured (${instances.length})`);
const w = createWorkload({ api, AsyncLocalStorage });
const started = performance.now();
const warm = await w.run({ ops: WARM_UP, seed: 1 });
const before = await measure();
const rest = await w.run({ ops: OPS - WARM_UP, seed: 2 });
const after = await measure();
const seconds = ((performance.now() - started) / 1000).toFixed(1);
const c = w.counts;

console.log(
  `node-soak: ${c.ops} operations in ${seconds} s: ${c.gets} gets, ${c.invalidates} invalidates (${c.effectiveInvalidates} effective), ${c.sets} sets, ` +
    `${c.scoped} scoped requests, ${c.standalone} standalone vars; ${c.loaderCalls} loader calls (${c.loaderFailures} failing, ${c.loaderHangs} past the timeout), ` +
    `${w.coalesced()} callers coalesced, ${c.timeouts} timeouts, ${c.rejections} rejections; at most ${c.maxLiveLoads} loader calls of one var running at once (older ones timed out or superseded)`,
);
check(c.violations === 0, `no single-flight, cooldown, value or scope violation (${c.violations})${w.violations.map((v) => `\n     ${v}`).join("")}`);
check(warm.hangs + rest.hangs === 0, `every get() settled within its batch's bound (${warm.hangs + rest.hangs} batches hung)`);
check(w.coreLoads() === c.loaderCalls, `loader calls = loads the core decided (${c.loaderCalls} vs ${w.coreLoads()})`);
check(after.wasm === before.wasm, `wasm memory flat after warm-up: ${mb(before.wasm)} -> ${mb(after.wasm)}`);
check(after.heap - before.heap < HEAP_SLACK_MB * 2 ** 20, `JS heap flat after warm-up (within ${HEAP_SLACK_MB} MB): ${mb(before.heap)} -> ${mb(after.heap)}`);
console.log(`node-soak: ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
