// Node, Bun, Deno, browsers and anything else that may compile wasm at run time, bundled or not:
// the wasm is inlined as a string (glue/wasm-inline.js) and compiled synchronously at import. So
// no bundler needs a rule for `.wasm` or emits a file beside its output (esbuild, rollup,
// `bun build`, webpack, Vite), CommonJS bundles work (AWS Lambda), and nothing is fetched or read.
// workerd and Vercel Edge refuse to compile bytes: they have entries of their own.
import { deferLoadError, initSync } from "../glue/bundle.js";
import { wasmBytes } from "../glue/wasm-inline.js";

// A failure (a page's CSP refusing wasm) is not thrown here, where it would fail every module
// that imports this one, but by the first var or cache made (lib/machine.js).
try {
  initSync({ module: wasmBytes() });
} catch (error) {
  deferLoadError(error);
}

// The public API only (the bundle also exports the entries' and tests' internals).
export { CachedVar, GLOBAL_CACHE, MemoryCache, NO_VALUE_STORED, NoStoredValue } from "../glue/bundle.js";
