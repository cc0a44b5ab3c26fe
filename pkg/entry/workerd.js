// Cloudflare Workers (workerd): a `.wasm` import is a compiled WebAssembly.Module (compiling
// bytes at run time is refused there). Loads are kept alive with the request-scoped waitUntil of
// `cloudflare:workers`, and joiners of another request's load bound their wait (see platform.js).
import { waitUntil } from "cloudflare:workers";
import wasm from "../glue/simple_memory_cache_bg.wasm";
import { initSync } from "../glue/simple_memory_cache.js";
import { configurePlatform } from "../lib/platform.js";

initSync({ module: wasm });
configurePlatform({ waitUntil, guardJoins: true });

export * from "../lib/index.js";
