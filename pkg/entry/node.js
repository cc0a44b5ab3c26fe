// Node and Bun: instantiate the wasm synchronously from the file beside the glue.
// `process.getBuiltinModule` (Node ≥ 20.16, Bun) rather than `import "node:fs"`: Node 20 builds
// an ES module facade of all of `fs` for the import, which cost 1.5 ms of a 7 ms start-up.
import { initSync } from "../glue/bundle.js";

const { readFileSync } = process.getBuiltinModule("node:fs");
initSync({ module: readFileSync(new URL("../glue/simple_memory_cache_bg.wasm", import.meta.url)) });

// The public API only (the bundle also exports the entries' and tests' internals).
export { CachedVar, GLOBAL_CACHE, MemoryCache, NO_VALUE_STORED, NoStoredValue } from "../glue/bundle.js";
