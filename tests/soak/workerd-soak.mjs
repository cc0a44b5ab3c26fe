// Soak in real workerd: waves of concurrent requests from Node against tests/soak/workerd-worker.js,
// each request running part of the soak workload (tests/soak/workload.mjs) on vars that are module
// state of the isolate, so loads are shared, joined and taken over across requests. Checks: no
// single-flight, cooldown, value or scope violation; no request and no get() hung; loader calls =
// the core's load count; after warm-up the wasm memory grows by at most WASM_SLACK and workerd's
// resident memory (read from /proc; workerd has no gc() to call) by less than RSS_SLACK_MB.
// Prints each check and `workerd-soak: N passed, N failed`; exits non-zero on a failure.
// Usage: node tests/soak/workerd-soak.mjs [--quick]   (--quick: 1.44 M operations, else 4.8 M)
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startWorker } from "../workerd/launch.mjs";

const quick = process.argv.includes("--quick");
const CONCURRENCY = 8;
const OPS_PER_REQUEST = 6_000;
const WAVES = quick ? 30 : 100;
// workerd has no gc() to call: its resident memory settles after about twenty waves (1 M operations).
const WARM_UP_WAVES = 20;
const REQUEST_BOUND_MS = 120_000;
const RSS_SLACK_MB = 32;
// workerd has no gc() to call, so how many dropped standalone vars still await the finalizer that
// frees their wasm machine varies: one 64 KiB page of wasm growth is allowed. (Without that churn
// the wasm memory stays byte-for-byte flat over 4.8 M operations; never freeing the ~2,500 machines
// would add over 2 MB.)
const WASM_SLACK = 65_536;

let passed = 0;
let failed = 0;
function check(ok, what) {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
}

// Resident memory of our workerd: the child of this process whose command is workerd.
function workerdRss() {
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const [, comm, rest] = /^\d+ \((.*)\) (.*)$/s.exec(stat);
      if (comm === "workerd" && Number(rest.split(" ")[1]) === process.pid) {
        return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) * 1024;
      }
    } catch {}
  }
  return NaN;
}

const mb = (n) => `${(n / 2 ** 20).toFixed(2)} MB`;
const report = async (url) => (await fetch(`${url}/report`, { signal: AbortSignal.timeout(10_000) })).json();

const worker = await startWorker({ entry: join(dirname(fileURLToPath(import.meta.url)), "workerd-worker.js"), compatibilityFlags: ["nodejs_compat"], name: "soak" });
try {
  let requestHangs = 0;
  let batchHangs = 0;
  let seed = 1;
  const started = performance.now();
  let before;
  for (let wave = 0; wave < WAVES; wave++) {
    const answers = await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        try {
          const res = await fetch(`${worker.url}/run?ops=${OPS_PER_REQUEST}&seed=${seed++}`, { signal: AbortSignal.timeout(REQUEST_BOUND_MS) });
          if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
          return await res.json();
        } catch (error) {
          requestHangs++;
          console.log(`     request failed or hung: ${error.message}`);
          return { hangs: 0 };
        }
      }),
    );
    batchHangs += answers.reduce((n, a) => n + a.hangs, 0);
    if (wave === WARM_UP_WAVES - 1) before = { ...(await report(worker.url)), rss: workerdRss() };
  }
  const after = { ...(await report(worker.url)), rss: workerdRss() };
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const c = after.counts;
  console.log(
    `workerd-soak: ${c.ops} operations in ${seconds} s from ${WAVES} waves of ${CONCURRENCY} concurrent requests: ${c.gets} gets, ${c.invalidates} invalidates (${c.effectiveInvalidates} effective), ${c.sets} sets, ` +
      `${c.scoped} scoped requests, ${c.standalone} standalone vars; ${c.loaderCalls} loader calls (${c.loaderFailures} failing, ${c.loaderHangs} past the timeout), ` +
      `${after.coalesced} callers coalesced, ${c.takeovers} takeovers by joiners past the join bound, ${c.timeouts} timeouts, ${c.rejections} rejections; at most ${c.maxLiveLoads} loader calls of one var running at once`,
  );
  check(after.instances === 1, `the package's wasm instance was captured in the Worker (${after.instances})`);
  check(c.violations === 0, `no single-flight, cooldown, value or scope violation (${c.violations})${after.violations.map((v) => `\n     ${v}`).join("")}`);
  check(requestHangs + batchHangs === 0, `no request and no get() hung (${requestHangs} requests, ${batchHangs} batches)`);
  check(after.coreLoads === c.loaderCalls, `loader calls = loads the core decided (${c.loaderCalls} vs ${after.coreLoads})`);
  check(after.wasm - before.wasm <= WASM_SLACK, `wasm memory flat after warm-up (within one 64 KiB page): ${mb(before.wasm)} -> ${mb(after.wasm)}`);
  check(after.rss - before.rss < RSS_SLACK_MB * 2 ** 20, `workerd resident memory flat after warm-up (within ${RSS_SLACK_MB} MB): ${mb(before.rss)} -> ${mb(after.rss)}`);
} catch (error) {
  check(false, `the soak ran: ${error.message}\n${worker.output().slice(-3000)}`);
} finally {
  await worker.stop();
}
console.log(`workerd-soak: ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
