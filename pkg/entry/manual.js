// The escape hatch (`simple-memory-cache/manual`): the public API without loading the wasm, for a
// platform none of the other entries fits. Call `initSync({ module })` with a WebAssembly.Module
// or the bytes of `simple-memory-cache/simple_memory_cache_bg.wasm`, or `await initAsync({
// module_or_path })` with its URL or a Response, before the first var is created. Both are
// idempotent, and a no-op once the package's own entry has loaded the wasm.
import { initAsync as glueInitAsync, initSync as glueInitSync } from "../glue/bundle.js";

/**
 * The glue's initSync, also taking a module compiled in another realm: a sandbox whose host
 * compiles its wasm bindings (vercel dev, edge-runtime) hands over a module that fails the glue's
 * `instanceof WebAssembly.Module`, and the glue would try to compile it as bytes — refused there.
 * A module of either realm instantiates alike: it gets this realm's prototype.
 */
export function initSync({ module }) {
  if (!(module instanceof WebAssembly.Module) && Object.prototype.toString.call(module) === "[object WebAssembly.Module]") {
    Object.setPrototypeOf(module, WebAssembly.Module.prototype);
  }
  glueInitSync({ module });
}

/** The glue's initAsync, resolving undefined (the glue's resolves the wasm's raw exports). */
export async function initAsync(options) {
  await glueInitAsync(options);
}

export { CachedVar, GLOBAL_CACHE, MemoryCache, NO_VALUE_STORED, NoStoredValue } from "../glue/bundle.js";
