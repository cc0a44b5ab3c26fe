// The Worker of tests/fuzz/workerd.mjs: the package fuzzer (fuzz.mjs) inside real workerd, in the
// fetch handlers of concurrent requests. The package is imported by name, so workerd's entry is
// the one under test (request-scoped waitUntil, bounded joins, I/O-object refusal).
//   GET /run?seed&runs&max&rules&weights  one property run in this request; its `crossGet`
//        commands make a get() in ANOTHER request (through SELF, a service binding to this
//        Worker) on the run's vars, so loads are started, joined and settled across requests
//   GET /cross?w&x&signal                 that other request: the get(), kept alive with waitUntil
//   GET /cases?rules                      the named regression cases
//   POST /replay {spec, commands, rules}  one world on fixed commands (a counterexample: `spec` as
//        printed, with "Infinity"), with cross-request gets
//   GET /bound/lead, GET /bound/join      bug 10: a load slower than the 10 s join bound, started
//        by one request that returns at once and joined by another
import * as api from "simple-memory-cache";
import { CASES, fuzz, readSpec, runCase, runCommands } from "./fuzz.mjs";

const worlds = new Map();
let worldIds = 0;

// Bug 10's case: module state shared by its two requests.
const BOUND_SLOW_MS = 10_600;
let boundVar = null;
let boundOrigin = 0;

function json(req, name, fallback) {
  const v = new URL(req.url).searchParams.get(name);
  return v === null ? fallback : JSON.parse(v);
}

// Makes `world.get(X, o)` in another request: a subrequest to this Worker through SELF.
function crossFor(env) {
  return async (world, X, o) => {
    const id = ++worldIds;
    worlds.set(id, world);
    try {
      const res = await env.SELF.fetch(`http://self/cross?w=${id}&x=${X.i}&signal=${o.signal}`);
      const text = await res.text();
      if (!res.ok) world.violate(`the cross-request get() failed: HTTP ${res.status} ${text.slice(0, 200)}`);
    } finally {
      worlds.delete(id);
    }
    await world.drain();
  };
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const q = (name, fallback) => Number(url.searchParams.get(name) ?? fallback);
    if (url.pathname === "/run") {
      const cross = crossFor(env);
      const r = await fuzz(api, {
        seed: q("seed", 1),
        runs: q("runs", 20),
        maxCommands: q("max", 60),
        size: "max",
        platform: "workerd",
        rules: json(request, "rules", {}),
        weights: json(request, "weights", {}),
        shrink: url.searchParams.get("shrink") !== "0",
        cross,
      });
      return Response.json(r);
    }
    if (url.pathname === "/replay") {
      // A world and commands (a counterexample) run once, with cross-request gets.
      const { spec, commands, rules } = await request.json();
      return Response.json(await runCommands(api, readSpec(spec), commands, { rules, platform: "workerd", cross: crossFor(env) }));
    }
    if (url.pathname === "/cross") {
      const world = worlds.get(q("w", 0));
      if (world === undefined) return new Response("no such world", { status: 404 });
      const keepAlive = (p) => ctx.waitUntil(p);
      world.keepAlive = keepAlive;
      try {
        world.get(world.vars[q("x", 0)], { signal: url.searchParams.get("signal") ?? "none", keepAlive });
      } finally {
        world.keepAlive = null;
      }
      await world.drain();
      return new Response("ok");
    }
    if (url.pathname === "/cases") {
      const rules = json(request, "rules", {});
      const results = [];
      for (const c of CASES) results.push(await runCase(api, c, { rules, platform: "workerd" }));
      return Response.json(results);
    }
    if (url.pathname === "/bound/lead") {
      boundOrigin = 0;
      boundVar = new api.CachedVar("join-bound");
      boundVar.onFirstAccess(async () => {
        const n = ++boundOrigin;
        await new Promise((r) => setTimeout(r, BOUND_SLOW_MS));
        return { n };
      });
      // The leader returns at once; the package keeps its load alive (waitUntil of cloudflare:workers).
      boundVar.get().catch(() => {});
      return Response.json({ started: true });
    }
    if (url.pathname === "/bound/join") {
      try {
        const value = await boundVar.get();
        return Response.json({ value, origin: boundOrigin, stats: boundVar.stats() });
      } catch (error) {
        return Response.json({ error: `${error?.name}: ${error?.message}`, origin: boundOrigin });
      }
    }
    return new Response("ready");
  },
};
