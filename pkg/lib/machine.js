// Loading the wasm, and the one way the JS layer makes a Machine (the core, see src/wasm.rs).
// The entries load the wasm at import; `simple-memory-cache/manual` leaves it to the user, and a
// var or cache used before that gets an error saying so (the glue would throw "Cannot read
// properties of undefined (reading 'machine_create')").
import glueInitAsync, { initSync as glueInitSync, Machine } from "../glue/simple_memory_cache.js";

let loaded = false;
// Why the entry could not load the wasm at import, if it could not (see deferLoadError).
let loadError = null;

/**
 * wasm-bindgen's initSync: instantiates the wasm from a WebAssembly.Module or its bytes, and
 * returns its exports (the benchmarks read its memory; no public type says so).
 */
export function initSync(options) {
  const exports = glueInitSync(options);
  loaded = true;
  return exports;
}

/** wasm-bindgen's async init: from a Module, bytes, a Response or the URL to fetch. */
export async function initAsync(options) {
  const exports = await glueInitAsync(options);
  loaded = true;
  return exports;
}

/**
 * The inline entry's wasm failed to compile or instantiate at import (a page whose
 * Content-Security-Policy lacks 'wasm-unsafe-eval', a runtime without WebAssembly): the import
 * still succeeds, so the rest of the app's module graph runs, and the first var or cache that
 * needs the wasm throws the error, explained (`cause`: the runtime's own error).
 */
export function deferLoadError(error) {
  loadError = error;
}

/** A Machine bounded to `maxEntries` values, or undefined for a bound that is not valid. */
export function createMachine(maxEntries) {
  if (!loaded && loadError !== null) {
    const why =
      typeof WebAssembly === "undefined"
        ? "this runtime has no WebAssembly (e.g. node --jitless): the package cannot run here"
        : "in a browser, the page's Content-Security-Policy must allow 'wasm-unsafe-eval' in script-src; where compiling wasm from bytes is refused, hand a compiled module to simple-memory-cache/manual's initSync({ module })";
    throw new Error(`simple-memory-cache: the wasm could not be compiled at import (${loadError?.message ?? String(loadError)}); ${why}`, { cause: loadError });
  }
  if (!loaded) {
    throw new Error(
      "simple-memory-cache: the wasm is not loaded yet: with simple-memory-cache/manual, call initSync({ module }) or await initAsync({ module_or_path }) before the first var or cache is used",
    );
  }
  return Machine.create(maxEntries);
}
