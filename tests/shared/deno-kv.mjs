// Issue 6 on Deno KV, against Deno's real local store (SQLite): separate Deno processes opening
// the same KV file play the instances of one Deno Deploy app (deno-kv-app.mjs). The point: a
// second instance's cold start calls the origin 0 times. Then: a forced refresh propagates, and
// a real Deno KV failure (a value over its 64 KiB limit) never fails a get().
// Usage: node tests/shared/deno-kv.mjs

import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { check, getJson, sleep, startOrigin, steps, until } from "./support.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const DENO = resolve(HERE, "../../node_modules/.bin/deno");
const TTL = 3000; // every var's ttl, ms
const GAP = 1200; // between A's first load and its forced refresh
const START_BOUND_MS = 15_000;

const origin = await startOrigin();
const dir = await mkdtemp(join(tmpdir(), "smc-denokv-"));
const running = new Set();
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

// Starts one instance; resolves once it printed its port.
async function start() {
  const args = ["run", "--unstable-kv", "--node-modules-dir=manual", "--no-prompt", "--allow-env", "--allow-net=127.0.0.1", `--allow-read=${dir}`, `--allow-write=${dir}`, join(HERE, "deno-kv-app.mjs")];
  const env = { ...process.env, DENO_NO_UPDATE_CHECK: "1", ORIGIN: origin.url, TTL: String(TTL), KV_PATH: join(dir, "kv.sqlite3") };
  const child = spawn(DENO, args, { cwd: resolve(HERE, "../.."), env, stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  const exited = new Promise((res) => child.once("exit", res));
  let log = "";
  child.stderr.on("data", (d) => (log += d));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
    running.delete(child);
  };
  try {
    const port = await new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`no port within ${START_BOUND_MS} ms`)), START_BOUND_MS);
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
        const m = /\{"port":(\d+)\}/.exec(out);
        if (m) {
          clearTimeout(timer);
          res(Number(m[1]));
        }
      });
      exited.then((code) => {
        clearTimeout(timer);
        rej(new Error(`deno exited (${code})`));
      });
    });
    const call = (path) => getJson(`http://127.0.0.1:${port}${path}`);
    return { pid: child.pid, stop, call, get: (v = "cfg") => call(`/get?var=${v}`), stats: (v = "cfg") => call(`/stats?var=${v}`) };
  } catch (error) {
    await stop();
    error.message += `\n--- deno stderr ---\n${log}`;
    throw error;
  }
}

const instances = [];
const started = async () => {
  const instance = await start();
  instances.push(instance);
  return instance;
};
const { step, finish } = steps("deno-kv");

try {
  const a = await started();
  let firstAnswer;
  await step("instance A, cold: 1 origin fetch, and the value is written behind to Deno KV as {t, v}", async () => {
    const r = await a.get();
    firstAnswer = Date.now();
    check(r.ok && r.value.version === 1 && origin.hits === 1, `A got ${JSON.stringify(r)}, origin fetches ${origin.hits}`);
    check(await until(async () => (await a.stats()).sharedWrites === 1), `A's write-behind did not land: ${JSON.stringify(await a.stats())}`);
    const e = JSON.parse((await a.call("/tier")).text);
    check(e.v.version === 1 && e.t <= firstAnswer, `KV entry ${JSON.stringify(e)}`);
  });

  const b = await started();
  await step("THE POINT: instance B (a second Deno process on the same KV file), cold start → 0 origin fetches, same value", async () => {
    const r = await b.get();
    check(r.ok && r.value.version === 1, `B got ${JSON.stringify(r)}`);
    check(origin.hits === 1, `origin fetches ${origin.hits} (B went to the origin)`);
    const s = await b.stats();
    check(s.sharedHits === 1 && s.loads === 1 && s.state === "fresh", `B stats ${JSON.stringify(s)}`);
    return `pids ${a.pid} and ${b.pid}; origin fetches still 1`;
  });

  await sleep(Math.max(0, firstAnswer + GAP - Date.now()));
  origin.version = 2;
  await step("forced refresh on A: invalidate() → origin → the new value written to KV; B keeps its copy meanwhile", async () => {
    await a.call("/invalidate");
    const r = await a.get();
    check(r.ok && r.value.version === 2 && origin.hits === 2, `A got ${JSON.stringify(r)}, origin fetches ${origin.hits}`);
    check(await until(async () => (await a.stats()).sharedWrites === 2), `the refresh was not written: ${JSON.stringify(await a.stats())}`);
    const rb = await b.get();
    check(rb.ok && rb.value.version === 1 && origin.hits === 2, `B got ${JSON.stringify(rb)}, origin fetches ${origin.hits}`);
  });

  await sleep(Math.max(0, firstAnswer + TTL + 300 - Date.now()));
  await step("after B's ttl expires, B's reload finds A's refresh in KV: version 2, 0 origin fetches", async () => {
    const r = await b.get();
    check(r.ok && r.value.version === 2 && origin.hits === 2, `B got ${JSON.stringify(r)}, origin fetches ${origin.hits}`);
    check((await b.stats()).sharedHits === 2, `B stats ${JSON.stringify(await b.stats())}`);
  });

  await step("a real Deno KV failure (a value over 64 KiB) never fails get(): served, kept in memory only, error counted", async () => {
    const r = await a.get("big");
    check(r.ok && r.value.padding === 70_000 && origin.hits === 3, `A got ${JSON.stringify(r)}, origin fetches ${origin.hits}`);
    const s = await until(async () => ((await a.stats("big")).sharedErrors === 1 ? a.stats("big") : null));
    check(s && s.sharedWrites === 0, `stats ${JSON.stringify(await a.stats("big"))}`);
    check((await a.get("big")).ok && origin.hits === 3, "A's second get should be a memory hit");
    const rb = await b.get("big");
    check(rb.ok && origin.hits === 4, `B got ${JSON.stringify(rb)}, origin fetches ${origin.hits}: nothing was in KV for it`);
  });
} catch (error) {
  await step("setup", () => {
    throw error;
  });
} finally {
  for (const instance of instances) await instance.stop();
  await origin.close();
  await rm(dir, { recursive: true, force: true });
}
finish();
