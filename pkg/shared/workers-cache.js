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
// in every request that looks the var up (a var refuses to be looked up with another).

const adapters = new WeakMap();
const YEAR_S = 31_536_000;

/** A `SharedAdapter` on a Cache (default `caches.default`). */
export function workersCache(cache = globalThis.caches?.default, { origin = "https://simple-memory-cache.internal", readTimeout } = {}) {
  if (cache === null || typeof cache !== "object" || typeof cache.match !== "function" || typeof cache.put !== "function") {
    throw new TypeError("workersCache(cache): cache must be a Cache (match and put), e.g. caches.default or await caches.open(name)");
  }
  if (typeof origin !== "string" || !/^https?:\/\/[^/]+$/.test(origin)) {
    throw new TypeError(`workersCache(cache, { origin }): origin must be "http(s)://host" without a path, got ${JSON.stringify(origin)}`);
  }
  let byOptions = adapters.get(cache);
  if (byOptions === undefined) adapters.set(cache, (byOptions = new Map()));
  const id = `${readTimeout}\0${origin}`;
  let adapter = byOptions.get(id);
  if (adapter === undefined) {
    const url = (name) => `${origin}/${encodeURIComponent(name)}`;
    adapter = {
      readTimeout,
      async read(name) {
        const response = await cache.match(url(name));
        return response === undefined ? null : response.text();
      },
      write(name, text, { ttl }) {
        const maxAge = ttl === Infinity ? YEAR_S : Math.ceil(ttl / 1000);
        const headers = { "content-type": "application/json", "cache-control": `max-age=${maxAge}` };
        return cache.put(url(name), new Response(text, { headers }));
      },
    };
    byOptions.set(id, adapter);
  }
  return adapter;
}
