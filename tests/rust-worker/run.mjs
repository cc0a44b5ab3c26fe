// Issue 14, "Request-safe on Workers, from Rust": a workers-rs Worker (crate `worker` 0.8.7,
// tests/rust-worker/src/lib.rs) using the crate's `CachedVar` (feature `rust-wasm`), built offline
// (cargo → wasm-bindgen --target web → esbuild via tests/workerd/launch.mjs, which makes the .wasm
// a workerd wasm module) and run in local workerd on compatibility dates 2025-09-01 and
// 2024-01-01 against a local origin. Prints a line per case, last
// `rust-worker: N passed, N failed`; exits non-zero on any failure.
// The Send path (`/value?send`: `worker::send::SendFuture` around `get()`, awaited by functions
// that require `Future + Send`) is checked here too, on both dates.
// Usage: node tests/rust-worker/run.mjs [text]   (only the cases whose name contains text)
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startWorker } from "../workerd/launch.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../..");
const TARGET = join(ROOT, "target/rust-worker");
const WASM = join(TARGET, "wasm32-unknown-unknown/release/smc_rust_worker_test.wasm");
const ENV = { ...process.env, PATH: `${join(ROOT, "node_modules/.bin")}:${process.env.HOME}/.cargo/bin:${process.env.PATH}`, CARGO_TARGET_DIR: TARGET };
const SLOW = 300; // ms, the origin's /slow
const VERY_SLOW = 1000; // ms, the origin's /very-slow (the var's timeout is 100 ms)
const BURST = 20;

const check = (cond, message) => {
  if (!cond) throw new Error(message);
};

function build() {
  execFileSync("cargo", ["build", "--release", "--target", "wasm32-unknown-unknown", "--quiet"], { cwd: HERE, env: ENV, stdio: "inherit" });
  const dir = mkdtempSync(join(tmpdir(), "smc-rust-worker-"));
  // The two flags worker-build 0.8 passes (its panic recovery): a trap marks the instance
  // terminated, and the next call into it builds a fresh instance (every Rust static wiped).
  const flags = ["--experimental-reset-state-function", "--force-enable-abort-handler"];
  execFileSync("wasm-bindgen", ["--target", "web", "--no-typescript", "--omit-default-module-path", ...flags, "--out-dir", join(dir, "glue"), WASM], { env: ENV, stdio: "inherit" });
  // The shim (entry.mjs): instantiate the wasm module workerd hands over, export the Rust fetch
  // handler; after a trap, reset the instance before the next request, as worker-build's
  // shim.js does. entry-guarded.mjs adds what docs/rust.md recommends on compatibility dates
  // before 2025-09-01: each request polls (its own timer, 1 s) whether the instance it runs in
  // died, and answers 503 if so — there a request awaiting a promise of another request that
  // ended is never answered by the runtime.
  const shim = (guarded) => `import { initSync, fetch as rustFetch, __wbg_reset_state, __worker_init_state } from "./glue/smc_rust_worker_test.js";
import module from "./glue/smc_rust_worker_test_bg.wasm";
initSync({ module });
const initState = __worker_init_state();
function checkReinitialize() {
  if (initState.criticalError) {
    __wbg_reset_state();
    initState.criticalError = false;
    initState.instanceId++;
  }
}
${guarded ? `function instanceDied() {
  const instance = initState.instanceId;
  let timer;
  const died = new Promise((resolve) => {
    const check = () => {
      if (initState.criticalError || initState.instanceId !== instance) resolve(new Response("the Worker's wasm instance was reset", { status: 503 }));
      else timer = setTimeout(check, 1000);
    };
    timer = setTimeout(check, 1000);
  });
  return { died, stop: () => clearTimeout(timer) };
}` : ""}
export default {
  async fetch(req, env, ctx) {
    checkReinitialize();
    ${guarded ? "const guard = instanceDied();" : ""}
    try {
      return await ${guarded ? "Promise.race([rustFetch(req, env, ctx), guard.died])" : "rustFetch(req, env, ctx)"};
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) initState.criticalError = true;
      throw e;
    }${guarded ? " finally {\n      guard.stop();\n    }" : ""}
  },
};
`;
  writeFileSync(join(dir, "entry.mjs"), shim(false));
  writeFileSync(join(dir, "entry-guarded.mjs"), shim(true));
  return dir;
}

async function startOrigin() {
  const hits = { "/slow": 0, "/fail": 0, "/very-slow": 0 };
  const server = http.createServer((req, res) => {
    const path = req.url.split("?")[0];
    hits[path] = (hits[path] ?? 0) + 1;
    const n = hits[path];
    if (path === "/fail") {
      res.statusCode = 500;
      res.end("down");
    } else {
      setTimeout(() => res.end(`${path.slice(1)} #${n}`), path === "/slow" ? SLOW : VERY_SLOW);
    }
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    hits,
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(r));
    },
  };
}

async function call(worker, path) {
  const started = Date.now();
  const res = await fetch(worker.url + path, { signal: AbortSignal.timeout(40_000) });
  return { status: res.status, body: await res.text(), ms: Date.now() - started };
}

const CASES = [
  {
    name: `cold burst of ${BURST} → 1 origin fetch, ${BURST} ok, one value`,
    async run(w, origin) {
      const r = await Promise.all(Array.from({ length: BURST }, () => call(w, "/value")));
      check(r.every((x) => x.status === 200), `statuses ${r.map((x) => `${x.status} ${x.body}`).join(", ")}`);
      check(new Set(r.map((x) => x.body)).size === 1, `values differ: ${r.map((x) => x.body)}`);
      check(origin.hits["/slow"] === 1, `${origin.hits["/slow"]} origin fetches`);
      const warm = await call(w, "/value");
      check(warm.status === 200 && warm.body === r[0].body && origin.hits["/slow"] === 1, `warm: ${JSON.stringify(warm)}`);
      return `value "${r[0].body}", slowest ${Math.max(...r.map((x) => x.ms))} ms`;
    },
  },
  {
    name: `a leader that returns at once (no waitUntil), then ${BURST - 1} joiners → all served`,
    async run(w, origin) {
      const leader = await call(w, "/value?leave");
      check(leader.status === 200 && leader.body === "left", `leader: ${JSON.stringify(leader)}`);
      const r = await Promise.all(Array.from({ length: BURST - 1 }, () => call(w, "/value")));
      check(r.every((x) => x.status === 200), `statuses ${r.map((x) => `${x.status} ${x.body}`).join(", ")}`);
      check(new Set(r.map((x) => x.body)).size === 1, `values differ: ${r.map((x) => x.body)}`);
      const stats = JSON.parse((await call(w, "/stats?var=value")).body);
      // Without waitUntil the leader's load may die with its request: joiners take over after
      // the 30 s bound (no timeout set) + 50 ms at the latest.
      const slowest = Math.max(...r.map((x) => x.ms));
      check(slowest < 30_050 + SLOW + 2000, `slowest ${slowest} ms`);
      return `value "${r[0].body}", ${origin.hits["/slow"]} origin fetch(es), loads ${stats.loads}, slowest ${slowest} ms`;
    },
  },
  {
    name: `a leader that returns at once, its load registered with waitUntil, then ${BURST - 1} joiners → 1 fetch, all served at once`,
    async run(w, origin) {
      const leader = await call(w, "/value?leave-wait-until");
      check(leader.status === 200 && leader.body === "left", `leader: ${JSON.stringify(leader)}`);
      const r = await Promise.all(Array.from({ length: BURST - 1 }, () => call(w, "/value")));
      check(r.every((x) => x.status === 200), `statuses ${r.map((x) => `${x.status} ${x.body}`).join(", ")}`);
      check(new Set(r.map((x) => x.body)).size === 1, `values differ: ${r.map((x) => x.body)}`);
      check(origin.hits["/slow"] === 1, `${origin.hits["/slow"]} origin fetches`);
      const slowest = Math.max(...r.map((x) => x.ms));
      check(slowest < SLOW + 1000, `slowest ${slowest} ms`);
      return `value "${r[0].body}", slowest ${slowest} ms`;
    },
  },
  {
    name: "the Send path: get() wrapped in worker::send::SendFuture, awaited where Future + Send (and + 'static, a Send output) is required → served, one load shared with plain get()s",
    async run(w, origin) {
      const r = await Promise.all(Array.from({ length: 10 }, (_, i) => call(w, i % 2 ? "/value?send" : "/value")));
      check(r.every((x) => x.status === 200), `statuses ${r.map((x) => `${x.status} ${x.body}`).join(", ")}`);
      const value = r[0].body;
      check(r.every((x, i) => x.body === (i % 2 ? `send: ${value}` : value)), `bodies ${r.map((x) => x.body).join(", ")}`);
      check(origin.hits["/slow"] === 1, `${origin.hits["/slow"]} origin fetches`);
      const warm = await call(w, "/value?send");
      check(warm.status === 200 && warm.body === `send: ${value}` && origin.hits["/slow"] === 1, `warm: ${JSON.stringify(warm)}`);
      return `5 × "send: ${value}" and 5 × "${value}" from 1 origin fetch, slowest ${Math.max(...r.map((x) => x.ms))} ms`;
    },
  },
  {
    name: "a failing loader → every waiter gets the error, nothing cached",
    async run(w, origin) {
      const r = await Promise.all(Array.from({ length: 5 }, () => call(w, "/fail")));
      check(r.every((x) => x.status === 502 && x.body.includes("origin answered 500")), `first: ${r.map((x) => `${x.status} ${x.body}`).join(", ")}`);
      const fetchesAfterBurst = origin.hits["/fail"];
      const again = await call(w, "/fail");
      check(again.status === 502 && origin.hits["/fail"] === fetchesAfterBurst + 1, `again: ${JSON.stringify(again)}, ${origin.hits["/fail"]} fetches`);
      return `${fetchesAfterBurst} fetch(es) for 5 concurrent, 1 more for the next get()`;
    },
  },
  {
    name: "a slow origin past the 100 ms timeout → TimeoutError, late value discarded",
    async run(w, origin) {
      const r = await call(w, "/timeout");
      check(r.status === 504 && r.body.includes("TimeoutError"), `got ${JSON.stringify(r)}`);
      check(r.ms < VERY_SLOW, `took ${r.ms} ms`);
      await new Promise((res) => setTimeout(res, VERY_SLOW + 200));
      const stats = JSON.parse((await call(w, "/stats?var=timeout")).body);
      check(stats.timeouts === 1 && stats.loads === 1, `stats ${JSON.stringify(stats)}`);
      const again = await call(w, "/timeout");
      check(again.status === 504 && origin.hits["/very-slow"] === 2, `again ${JSON.stringify(again)}, ${origin.hits["/very-slow"]} fetches`);
      return `${r.ms} ms; the next get() loads again`;
    },
  },
  ...[
    // worker-build's shim: the crate's waiters wait in 1 s ticks, so once the instance is dead
    // workerd finds their requests with nothing pending and answers them. Not on 2024-01-01,
    // where a request awaiting another request's promise is never answered (see entry-guarded).
    { shim: "entry.mjs", dates: ["2025-09-01"] },
    { shim: "entry-guarded.mjs", dates: ["2025-09-01", "2024-01-01"] },
  ].map(({ shim, dates }) => ({
    name: `a panic elsewhere in the Worker while 5 requests wait on a load (${shim}) → the waiters are answered, the reset instance serves`,
    shim,
    dates,
    async run(w, origin) {
      const waiting = Array.from({ length: 5 }, () => call(w, "/value"));
      await new Promise((res) => setTimeout(res, SLOW / 3));
      const boom = await call(w, "/panic");
      check(boom.status >= 500, `panic: ${JSON.stringify(boom)}`);
      const r = await Promise.all(waiting.map((p) => p.catch((e) => ({ status: 0, body: String(e), ms: Infinity }))));
      const slowest = Math.max(...r.map((x) => x.ms));
      const after = await call(w, "/value");
      check(after.status === 200 && after.body.startsWith("slow #"), `after the reset: ${JSON.stringify(after)}`);
      check(slowest < 5000, `waiters answered after ${slowest} ms: ${r.map((x) => `${x.status} ${x.body.slice(0, 60)}`).join(", ")}`);
      const statuses = [...new Set(r.map((x) => x.status))].join("/");
      return `waiters answered ${statuses} within ${slowest} ms; then "${after.body}" (${origin.hits["/slow"]} origin fetches in all)`;
    },
  })),
];

let passed = 0;
let failed = 0;
let dir;
try {
  dir = build();
  for (const date of ["2025-09-01", "2024-01-01"]) {
    for (const c of CASES.filter((x) => x.name.includes(process.argv[2] ?? "") && (x.dates ?? [date]).includes(date))) {
      // A fresh isolate and origin per case: every case starts cold.
      const origin = await startOrigin();
      let w;
      try {
        w = await startWorker({ entry: join(dir, c.shim ?? "entry.mjs"), compatibilityDate: date, bindings: [`(name = "ORIGIN", text = ${JSON.stringify(origin.url)})`], name: `rust-worker ${date}` });
        const detail = await c.run(w, origin);
        passed++;
        console.log(`ok   [${date}] ${c.name}: ${detail}`);
      } catch (error) {
        failed++;
        console.log(`FAIL [${date}] ${c.name}\n     ${error.message}${w ? `\n--- workerd output ---\n${w.output()}` : ""}`);
      } finally {
        await w?.stop();
        await origin.close();
      }
    }
  }
} catch (error) {
  failed++;
  console.log(`FAIL set-up\n     ${error?.stack ?? error}`);
} finally {
  if (dir) rmSync(dir, { recursive: true, force: true });
}
console.log(`rust-worker: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
