// Vercel Edge Functions and the Next.js edge runtime (export condition `edge-light`): compiling
// wasm from bytes is refused there, and a `.wasm?module` import is what their bundlers turn into
// a compiled WebAssembly.Module (Vercel's "Using WebAssembly"; @vercel/og ships the same way).
import wasm from "../glue/simple_memory_cache_bg.wasm?module";
import { initSync } from "../glue/bundle.js";

// `vercel dev` compiles the module in Node's realm and runs the function in a sandbox, another
// realm, where the glue's `instanceof WebAssembly.Module` is false and it would try to compile
// the module as bytes. A module of either realm instantiates alike: give it this realm's prototype.
if (!(wasm instanceof WebAssembly.Module)) Object.setPrototypeOf(wasm, WebAssembly.Module.prototype);
initSync({ module: wasm });

// The public API only (the bundle also exports the entries' and tests' internals).
export { CachedVar, GLOBAL_CACHE, MemoryCache, NO_VALUE_STORED, NoStoredValue } from "../glue/bundle.js";
