// A user's Worker: a module-level var created at import, shared by every request of the isolate.
import * as api from "simple-memory-cache";
import { GLOBAL_CACHE } from "simple-memory-cache";
import { freshnessLifetime } from "simple-memory-cache/http";

const config = GLOBAL_CACHE.memoryCachedVar("config");
let loads = 0;
config.onFirstAccess(async () => ({ flag: true, load: ++loads }));

export default {
  async fetch(request, env, ctx) {
    const value = await config.get({ waitUntil: (p) => ctx.waitUntil(p) });
    const lifetime = freshnessLifetime(new Response("", { headers: { "cache-control": "max-age=60", age: "10" } }));
    return Response.json({ value, loads, state: config.state, stats: config.stats(), exports: Object.keys(api).sort(), lifetime });
  },
};
