// Issue 14, "Request-safe on Workers, from Rust": a workers-rs Worker (crate `worker` 0.8.7,
// tests/rust-worker/src/lib.rs) using the crate's `CachedVar` (feature `rust-wasm`), built offline
// (cargo → wasm-bindgen --target web → esbuild via tests/workerd/launch.mjs, which makes the .wasm
// a workerd wasm module) and run in local workerd on compatibility dates 2025-09-01 and
// 2024-01-01 against a local origin. Prints a line per case, last
// `rust-worker: N passed, N failed`; exits non-zero on any failure.
// Usage: node tests/rust-worker/run.mjs
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
  execFileSync("wasm-bindgen", ["--target", "web", "--no-typescript", "--omit-default-module-path", "--out-dir", join(dir, "glue"), WASM], { env: ENV, stdio: "inherit" });
  // The shim: instantiate the wasm module workerd hands over, export the Rust fetch handler.
  writeFileSync(
    join(dir, "entry.mjs"),
    `import { initSync, fetch as rustFetch } from "./glue/smc_rust_worker_test.js";
import module from "./glue/smc_rust_worker_test_bg.wasm";
initSync({ module });
export default { fetch: (req, env, ctx) => rustFetch(req, env, ctx) };
`,
  );
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
];

let passed = 0;
let failed = 0;
let dir;
try {
  dir = build();
  for (const date of ["2025-09-01", "2024-01-01"]) {
    for (const c of CASES) {
      // A fresh isolate and origin per case: every case starts cold.
      const origin = await startOrigin();
      let w;
      try {
        w = await startWorker({ entry: join(dir, "entry.mjs"), compatibilityDate: date, bindings: [`(name = "ORIGIN", text = ${JSON.stringify(origin.url)})`], name: `rust-worker ${date}` });
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
