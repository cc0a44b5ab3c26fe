// Deno: `import source` yields a compiled WebAssembly.Module without file-read permission.
import source wasm from "../glue/simple_memory_cache_bg.wasm";
import { initSync } from "../glue/bundle.js";

initSync({ module: wasm });

// The public API only (the bundle also exports the entries' and tests' internals).
export { CachedVar, GLOBAL_CACHE, MemoryCache, NO_VALUE_STORED, NoStoredValue } from "../glue/bundle.js";
