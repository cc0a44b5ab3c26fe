// A shared tier on the Workers Cache API: the var's entry is a cached `Response` under a
// synthetic URL, `origin + "/" + encodeURIComponent(name)`, read by every isolate of the same
// data center (the Cache API is per location and per zone; it does nothing on workers.dev).
//
//   import { GLOBAL_CACHE } from "simple-memory-cache";
//   import { workersCache } from "simple-memory-cache/shared/workers-cache";
//   const config = GLOBAL_CACHE.memoryCachedVar("config", { ttl: 300_000, shared: workersCache() });
//
// Reads are `cache.match(url)`, writes `cache.put(url, response)` with `Cache-Control: max-age=`
// the var's ttl in seconds, rounded up (a year for Infinity). The cache may evict entries early;
// that is a miss, and the load goes to the origin.
//
// The same cache and options give the same adapter, so `shared: workersCache()` may be written
// in every request that looks the var up (a var refuses to be looked up with another). A named
// cache is given by its name, `workersCache("jwks")`: `await caches.open(name)` resolves a new
// object on each call, which would give each request another adapter. The adapter opens the
// named cache at its first read or write (inside a request) and keeps the Cache it got.

import { adapterOptions, readTimeoutKey } from "./options.js";

const adapters = new WeakMap();
const named = new Map();
const YEAR_S = 31_536_000;

/** A `SharedAdapter` on a Cache (default `caches.default`) or on the cache of that name. */
export function workersCache(cache = globalThis.caches?.default, options) {
  const byName = typeof cache === "string";
  if (cache === "") throw new TypeError('workersCache(""): the name of a cache must not be empty');
  if (byName ? typeof globalThis.caches?.open !== "function" : cache === null || typeof cache !== "object" || typeof cache.match !== "function" || typeof cache.put !== "function") {
    throw new TypeError(
      byName
        ? `workersCache(${JSON.stringify(cache)}): caches.open is not available here (the Workers Cache API)`
        : 'workersCache(cache): cache must be a Cache (match and put), e.g. caches.default, or the name of one, e.g. "jwks"',
    );
  }
  const { origin = "https://simple-memory-cache.internal", readTimeout } = adapterOptions("workersCache(cache, options)", options, ["origin", "readTimeout"]);
  // A host (and port) only: a fragment, query, user or space would change what key a name gets.
  if (typeof origin !== "string" || !/^https?:\/\/[A-Za-z0-9.-]+(:\d+)?$/.test(origin)) {
    throw new TypeError(`workersCache(cache, { origin }): origin must be "http(s)://host" without a path, got ${JSON.stringify(origin)}`);
  }
  let byOptions = byName ? named.get(cache) : adapters.get(cache);
  if (byOptions === undefined) {
    byOptions = new Map();
    if (byName) named.set(cache, byOptions);
    else adapters.set(cache, byOptions);
  }
  const id = `${readTimeoutKey(readTimeout)}\0${origin}`;
  let adapter = byOptions.get(id);
  if (adapter === undefined) {
    const url = (name) => `${origin}/${encodeURIComponent(name)}`;
    // The Cache itself is kept, not the promise of it: a promise made in one request is not
    // awaited in another.
    let opened = byName ? null : cache;
    const store = async () => opened ?? (opened = await globalThis.caches.open(cache));
    adapter = {
      readTimeout,
      async read(name) {
        const response = await (await store()).match(url(name));
        return response === undefined ? null : response.text();
      },
      async write(name, text, { ttl }) {
        const maxAge = ttl === Infinity ? YEAR_S : Math.ceil(ttl / 1000);
        const headers = { "content-type": "application/json", "cache-control": `max-age=${maxAge}` };
        return (await store()).put(url(name), new Response(text, { headers }));
      },
    };
    byOptions.set(id, adapter);
  }
  return adapter;
}
