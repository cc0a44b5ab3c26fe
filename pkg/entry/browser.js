// Browsers and anything else: fetch and instantiate the wasm beside the glue once, at import.
import init from "../glue/simple_memory_cache.js";

await init({ module_or_path: new URL("../glue/simple_memory_cache_bg.wasm", import.meta.url) });

export * from "../lib/index.js";
