// A shared tier on Workers KV: the var's entry is one KV key, `prefix + name`, read by every
// isolate of every location.
//
//   import { env } from "cloudflare:workers";
//   import { GLOBAL_CACHE } from "simple-memory-cache";
//   import { workersKv } from "simple-memory-cache/shared/workers-kv";
//   const config = GLOBAL_CACHE.memoryCachedVar("config", { ttl: 300_000, shared: workersKv(env.CACHE_KV) });
//
// Reads are `namespace.get(key)` (text), writes `namespace.put(key, text, { expirationTtl })` with
// the var's ttl in seconds, rounded up, at least 60 (KV's minimum) and at most 2^31 − 1 (the
// binding refuses more: "Value out of range"; a lifetime from /http's freshnessLifetime() may be
// 2^31 s); a ttl of Infinity stores without expiration. KV is eventually consistent: a write may take up to about a minute to be
// seen at other locations, so another location can keep serving the previous entry for that long
// (never past the entry's own ttl).
//
// The same namespace and options give the same adapter, so `shared: workersKv(env.KV)` may be
// written in every request that looks the var up (a var refuses to be looked up with another).

import { adapterOptions, readTimeoutKey } from "./options.js";

// KV's bounds on expirationTtl, in seconds.
const MIN_EXPIRATION_TTL_S = 60;
const MAX_EXPIRATION_TTL_S = 2 ** 31 - 1;

const adapters = new WeakMap();

/** A `SharedAdapter` on the KV namespace binding `namespace`. */
export function workersKv(namespace, options) {
  if (namespace === null || typeof namespace !== "object" || typeof namespace.get !== "function" || typeof namespace.put !== "function") {
    throw new TypeError("workersKv(namespace): namespace must be a Workers KV namespace binding (an object with get and put), e.g. env.MY_KV");
  }
  const { prefix = "smc:", readTimeout } = adapterOptions("workersKv(namespace, options)", options, ["prefix", "readTimeout"]);
  if (typeof prefix !== "string") throw new TypeError("workersKv(namespace, { prefix }): prefix must be a string");
  let byOptions = adapters.get(namespace);
  if (byOptions === undefined) adapters.set(namespace, (byOptions = new Map()));
  const id = `${readTimeoutKey(readTimeout)}\0${prefix}`;
  let adapter = byOptions.get(id);
  if (adapter === undefined) {
    adapter = {
      readTimeout,
      read: (name) => namespace.get(prefix + name),
      write: (name, text, { ttl }) => namespace.put(prefix + name, text, ttl === Infinity ? {} : { expirationTtl: Math.min(MAX_EXPIRATION_TTL_S, Math.max(MIN_EXPIRATION_TTL_S, Math.ceil(ttl / 1000))) }),
    };
    byOptions.set(id, adapter);
  }
  return adapter;
}
