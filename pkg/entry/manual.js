// The escape hatch (`simple-memory-cache/manual`): the public API without loading the wasm, for a
// platform none of the other entries fits. Call `initSync({ module })` with a WebAssembly.Module
// or the bytes of `simple-memory-cache/simple_memory_cache_bg.wasm`, or `await initAsync({
// module_or_path })` with its URL or a Response, before the first var is created. Both are
// idempotent, and a no-op once the package's own entry has loaded the wasm.
export { CachedVar, GLOBAL_CACHE, MemoryCache, NO_VALUE_STORED, NoStoredValue, initAsync, initSync } from "../glue/bundle.js";
