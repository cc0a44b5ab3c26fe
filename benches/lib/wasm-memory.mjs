// Reads the size of the package's wasm memory without changing the package: the bundle the
// package's entry imported is loaded again by the very same URL (so it is the same instance), and
// its `initSync()`, which is idempotent, returns the live exports, `memory` among them.

const entry = import.meta.resolve("simple-memory-cache");
const { initSync } = await import(new URL("../glue/bundle.js", entry).href);
await import("simple-memory-cache");

/** The byte length of the package's `WebAssembly.Memory`, now. */
export function wasmBytes() {
  return initSync().memory.buffer.byteLength;
}
