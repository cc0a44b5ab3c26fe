// Cloudflare Workers (workerd): a `.wasm` import is a compiled WebAssembly.Module (compiling
// bytes at run time is refused there). Loads are kept alive with the request-scoped waitUntil of
// `cloudflare:workers`, and joiners of another request's load bound their wait (see platform.js).
import { waitUntil } from "cloudflare:workers";
import wasm from "../glue/simple_memory_cache_bg.wasm";
import { configurePlatform, initSync } from "../glue/bundle.js";

// Objects workerd binds to the request that created them ("Cannot perform I/O on behalf of a
// different request" when another request reads them).
const IO_TYPES = [Request, Response, ReadableStream, WritableStream, TransformStream, WebSocket];

function ioObject(value) {
  if (value === null || typeof value !== "object") return null;
  try {
    return IO_TYPES.find((type) => value instanceof type)?.name ?? null;
  } catch {
    return null; // a Proxy whose getPrototypeOf trap throws is no I/O object
  }
}

initSync({ module: wasm });
configurePlatform({ waitUntil, guardJoins: true, ioObject });

// The public API only (the bundle also exports the entries' and tests' internals).
export { CachedVar, GLOBAL_CACHE, MemoryCache, NO_VALUE_STORED, NoStoredValue } from "../glue/bundle.js";
