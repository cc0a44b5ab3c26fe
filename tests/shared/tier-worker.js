// The Worker of the Workers KV and Cache API tests: one GLOBAL_CACHE var per name, its loader
// fetch()ing the local origin (binding ORIGIN), its shared tier chosen by the binding TIER
// ("kv": workersKv(env.KV), "cache": workersCache(), "named-cache": workersCache("smc-tier"), the
// cache of that name), its ttl the binding TTL (ms) — except the var "forever", whose ttl is
// Infinity, and "decades", whose ttl is 2^31 s (the most /http's freshnessLifetime() gives; one
// second more than KV's expirationTtl takes).
//   GET /get?var=V          → { ok, value } or { ok: false, error }
//   GET /invalidate?var=V   → invalidate()
//   GET /stats?var=V        → stats() and state
//   GET /tier?var=V         → the tier's raw entry text for V, read through the adapter
//   GET /kv-keys            → KV's list() of the namespace: names and expirations (epoch s)
// The adapter is built in each request from `env`, as users write it: the factories give the
// same adapter for the same store, so looking the var up again does not throw.
import { GLOBAL_CACHE } from "simple-memory-cache";
import { workersCache } from "simple-memory-cache/shared/workers-cache";
import { workersKv } from "simple-memory-cache/shared/workers-kv";

function adapter(env) {
  if (env.TIER === "cache") return workersCache();
  if (env.TIER === "named-cache") return workersCache("smc-tier");
  return workersKv(env.KV);
}

function cachedVar(name, env) {
  const ttl = { forever: Infinity, decades: 2 ** 31 * 1000 }[name] ?? Number(env.TTL);
  const v = GLOBAL_CACHE.memoryCachedVar(name, { ttl, shared: adapter(env) });
  v.onFirstAccess(async ({ signal }) => (await fetch(env.ORIGIN, { signal })).json());
  return v;
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const name = url.searchParams.get("var") ?? "cfg";
    switch (url.pathname) {
      case "/get":
        try {
          return Response.json({ ok: true, value: await cachedVar(name, env).get() });
        } catch (error) {
          return Response.json({ ok: false, error: `${error.name}: ${error.message}` });
        }
      case "/invalidate":
        cachedVar(name, env).invalidate();
        return Response.json({ ok: true });
      case "/stats": {
        const v = cachedVar(name, env);
        return Response.json({ ...v.stats(), state: v.state });
      }
      case "/tier":
        return Response.json({ text: (await adapter(env).read(name)) ?? null });
      case "/kv-keys":
        return Response.json((await env.KV.list()).keys);
      default:
        return new Response("not found", { status: 404 });
    }
  },
};
