// A shared tier on Deno KV: the var's entry is one KV key, `[...prefix, name]`, read by every
// instance of a Deno Deploy app (locally: every process that opens the same SQLite file).
//
//   import { GLOBAL_CACHE } from "simple-memory-cache";
//   import { denoKv } from "simple-memory-cache/shared/deno-kv";
//   const kv = await Deno.openKv(); // Deno 2.x CLI: needs --unstable-kv
//   const config = GLOBAL_CACHE.memoryCachedVar("config", { ttl: 300_000, shared: denoKv(kv) });
//
// Reads are `kv.get(key, { consistency: "eventual" })` — a cache entry carries its own store
// time, so the nearest replica will do — writes `kv.set(key, text, { expireIn: ttl })` (no
// expiry for Infinity; Deno deletes expired keys eventually, never early). A value whose JSON
// is over Deno KV's 64 KiB limit is not stored: it stays in memory (counted in `sharedErrors`).
//
// The same Kv and options give the same adapter, so a var may be looked up again with
// `shared: denoKv(kv)` (a var refuses to be looked up with another).

import { adapterOptions, readTimeoutKey } from "./options.js";

const adapters = new WeakMap();
// The types Deno KV takes as key parts (a part of another type fails every read and write).
const KEY_PART = (part) => ["string", "number", "bigint", "boolean"].includes(typeof part) || ArrayBuffer.isView(part);
// A key part as the adapter's key tells it apart: its type, and its value (-0 is not 0; bytes
// by their values, not as text).
function partKey(part) {
  if (ArrayBuffer.isView(part)) return ["bytes", Array.from(new Uint8Array(part.buffer, part.byteOffset, part.byteLength))];
  return [typeof part, Object.is(part, -0) ? "-0" : String(part)];
}

/** A `SharedAdapter` on a `Deno.Kv`. */
export function denoKv(kv, options) {
  if (kv === null || typeof kv !== "object" || typeof kv.get !== "function" || typeof kv.set !== "function") {
    throw new TypeError("denoKv(kv): kv must be a Deno.Kv, e.g. await Deno.openKv()");
  }
  const { prefix: given = ["simple-memory-cache"], readTimeout } = adapterOptions("denoKv(kv, options)", options, ["prefix", "readTimeout"]);
  // A copy (a later change to the caller's array changes nothing), holes read as undefined.
  const prefix = Array.isArray(given) ? Array.from(given) : given;
  if (!Array.isArray(prefix) || !prefix.every(KEY_PART)) {
    throw new TypeError("denoKv(kv, { prefix }): prefix must be an array of key parts (strings, numbers, bigints, booleans or byte arrays)");
  }
  let byOptions = adapters.get(kv);
  if (byOptions === undefined) adapters.set(kv, (byOptions = new Map()));
  // Key parts may be bigints or bytes, which JSON alone cannot tell apart from numbers or objects.
  const id = JSON.stringify([readTimeoutKey(readTimeout), ...prefix.map(partKey)]);
  let adapter = byOptions.get(id);
  if (adapter === undefined) {
    adapter = {
      readTimeout,
      async read(name) {
        const { value } = await kv.get([...prefix, name], { consistency: "eventual" });
        return typeof value === "string" ? value : null;
      },
      async write(name, text, { ttl }) {
        await kv.set([...prefix, name], text, ttl === Infinity ? undefined : { expireIn: ttl });
      },
    };
    byOptions.set(id, adapter);
  }
  return adapter;
}
