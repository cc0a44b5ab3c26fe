// Node and Bun: instantiate the wasm synchronously from the file beside the glue.
import { readFileSync } from "node:fs";
import { initSync } from "../glue/simple_memory_cache.js";

initSync({ module: readFileSync(new URL("../glue/simple_memory_cache_bg.wasm", import.meta.url)) });

export * from "../lib/index.js";
