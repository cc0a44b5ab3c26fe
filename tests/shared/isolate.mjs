// Starts a Worker as its own workerd process with Miniflare's local Workers KV and Cache API —
// the local persistence `wrangler dev` uses — so that several processes can share one store:
//
//   const a = await startIsolate({ entry, persistRoot, kv: ["KV"], bindings: { ORIGIN: url } });
//   await fetch(a.url + "/path");
//   a.workerdPid;        // the workerd process serving this isolate
//   await a.stop();
//
// Miniflare runs the project's pinned workerd (MINIFLARE_WORKERD_PATH), not the older one it
// ships with. `persistRoot` is wrangler's `--persist-to` directory: KV lands in `<root>/kv`, the
// Cache API in `<root>/cache`, both SQLite databases that every process given the same root
// opens. The entry is bundled by tests/workerd/launch.mjs's bundleWorker (package `workerd`
// condition, `.wasm` imports as compiled modules).

import { readdir, readFile, readlink, mkdtemp, rm } from "node:fs/promises";
import { realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleWorker } from "../workerd/launch.mjs";
import { getJson } from "./support.mjs";
import { Log, LogLevel, Miniflare } from "miniflare";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const WORKERD = realpathSync(join(ROOT, "node_modules/.bin/workerd"));
process.env.MINIFLARE_WORKERD_PATH = WORKERD;

// Bundles `entry` into `dir` (as tests/workerd/launch.mjs does) and returns Miniflare modules.
async function bundle(entry, dir) {
  const wasm = await bundleWorker(entry, dir);
  return [
    { type: "ESModule", path: join(dir, "worker.js"), contents: await readFile(join(dir, "worker.js")) },
    ...(await Promise.all(wasm.map(async (name) => ({ type: "CompiledWasm", path: join(dir, name), contents: await readFile(join(dir, name)) })))),
  ];
}

// The workerd processes that are children of this process, by pid.
async function workerdChildren() {
  const pids = new Set();
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = await readFile(`/proc/${pid}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === process.pid && (await readlink(`/proc/${pid}/exe`)) === WORKERD) pids.add(Number(pid));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

/** Starts `entry` in a new workerd process whose KV namespaces and cache live under `persistRoot`. */
export async function startIsolate({ entry, persistRoot, kv = [], bindings = {}, compatibilityDate = "2025-09-01" }) {
  const dir = await mkdtemp(join(tmpdir(), "smc-isolate-"));
  // Also removed if the script exits (Ctrl-C, a run bound) without stop(); Miniflare kills workerd.
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  process.on("exit", cleanup);
  const before = await workerdChildren();
  let mf;
  let url;
  try {
    mf = new Miniflare({
      modules: await bundle(entry, dir),
      modulesRoot: dir,
      compatibilityDate,
      bindings,
      // Binding name = namespace id, so every process binds the same namespace.
      kvNamespaces: Object.fromEntries(kv.map((name) => [name, name])),
      defaultPersistRoot: persistRoot,
      // Miniflare would fetch a `Request.cf` sample from Cloudflare; only loopback is allowed here.
      cf: false,
      log: new Log(LogLevel.WARN),
    });
    url = (await mf.ready).href.replace(/\/$/, "");
  } catch (error) {
    await mf?.dispose().catch(() => {});
    process.off("exit", cleanup);
    cleanup();
    throw error;
  }
  const [workerdPid] = [...(await workerdChildren())].filter((pid) => !before.has(pid));
  return {
    url,
    workerdPid,
    async stop() {
      await mf.dispose();
      process.off("exit", cleanup);
      cleanup();
    },
  };
}

/**
 * Isolates of `tier-worker.js` (tier "kv" or "cache", every var's `ttl`, loading from `origin`)
 * on one fresh persistence directory. `start()` launches one more and returns it with
 * `call(path)` (its JSON answer) and `get(var)`, `stats(var)` (var "cfg" by default); `stop()`
 * stops them all and removes the directory.
 */
export async function tierIsolates({ tier, ttl, origin }) {
  const persistRoot = await mkdtemp(join(tmpdir(), `smc-${tier}-`));
  const isolates = [];
  const q = (v) => `?var=${encodeURIComponent(v)}`;
  return {
    async start() {
      const isolate = await startIsolate({
        entry: join(ROOT, "tests/shared/tier-worker.js"),
        persistRoot,
        kv: tier === "kv" ? ["KV"] : [],
        bindings: { TIER: tier, TTL: String(ttl), ORIGIN: origin.url },
      });
      isolates.push(isolate);
      const call = (path) => getJson(isolate.url + path);
      return { ...isolate, call, get: (v = "cfg") => call(`/get${q(v)}`), stats: (v = "cfg") => call(`/stats${q(v)}`) };
    },
    async stop() {
      for (const isolate of isolates) await isolate.stop();
      await rm(persistRoot, { recursive: true, force: true });
    },
  };
}
