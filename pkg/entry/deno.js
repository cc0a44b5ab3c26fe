// Deno: `import source` yields a compiled WebAssembly.Module without file-read permission.
import source wasm from "../glue/simple_memory_cache_bg.wasm";
import { initSync } from "../glue/simple_memory_cache.js";

initSync({ module: wasm });

export * from "../lib/index.js";
