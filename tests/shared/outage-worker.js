// The Worker of workers-outage.mjs: real workerd KV bindings whose backend is out of order, and
// caches.default with no cache service configured. A KV binding turns get/put into HTTP requests
// to the service it names; here that is one of this Worker's own entrypoints:
//   KvDown     answers every KV request 503 (a store that is down)
//   KvHanging  answers after HANG_MS (a store that is stuck)
// Routes (var V, one per tier): GET /get?tier=down|hanging|cache → { ok, value, ms };
// /stats?tier=…; /tier?tier=… (the adapter's read: { text } or { error }).
import { WorkerEntrypoint } from "cloudflare:workers";
import { GLOBAL_CACHE } from "simple-memory-cache";
import { workersCache } from "simple-memory-cache/shared/workers-cache";
import { workersKv } from "simple-memory-cache/shared/workers-kv";

const HANG_MS = 5000; // (every export of a Worker module must be a handler)

export class KvDown extends WorkerEntrypoint {
  // Reads the request first: a put whose body is never read would hang instead of failing.
  async fetch(request) {
    await request.arrayBuffer();
    return new Response("store down", { status: 503 });
  }
}

export class KvHanging extends WorkerEntrypoint {
  async fetch() {
    await new Promise((resolve) => setTimeout(resolve, HANG_MS));
    return new Response(null, { status: 404 });
  }
}

const TIERS = { down: (env) => workersKv(env.KV_DOWN), hanging: (env) => workersKv(env.KV_HANGING), cache: () => workersCache() };

function cachedVar(tier, env) {
  const v = GLOBAL_CACHE.memoryCachedVar(`cfg-${tier}`, { ttl: 60_000, shared: TIERS[tier](env) });
  v.onFirstAccess(async ({ signal }) => (await fetch(env.ORIGIN, { signal })).json());
  return v;
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const tier = url.searchParams.get("tier");
    if (!(tier in TIERS)) return new Response("ready");
    const v = cachedVar(tier, env);
    switch (url.pathname) {
      case "/get": {
        const started = Date.now();
        try {
          const value = await v.get();
          return Response.json({ ok: true, value, ms: Date.now() - started });
        } catch (error) {
          return Response.json({ ok: false, error: `${error.name}: ${error.message}` });
        }
      }
      case "/invalidate":
        v.invalidate();
        return Response.json({ ok: true });
      case "/stats":
        return Response.json(v.stats());
      case "/tier":
        try {
          return Response.json({ text: (await TIERS[tier](env).read(v.name)) ?? null });
        } catch (error) {
          return Response.json({ error: `${error.name}: ${error.message}` });
        }
      default:
        return new Response("not found", { status: 404 });
    }
  },
};
