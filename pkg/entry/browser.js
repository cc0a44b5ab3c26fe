// Browsers and anything else: fetch and instantiate the wasm beside the glue once, at import.
import { initAsync } from "../glue/bundle.js";

await initAsync({ module_or_path: new URL("../glue/simple_memory_cache_bg.wasm", import.meta.url) });

// The public API only (the bundle also exports the entries' and tests' internals).
export { CachedVar, GLOBAL_CACHE, MemoryCache, NO_VALUE_STORED, NoStoredValue } from "../glue/bundle.js";
