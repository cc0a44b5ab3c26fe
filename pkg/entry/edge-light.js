// Vercel Edge Functions and the Next.js edge runtime (export condition `edge-light`): compiling
// wasm from bytes is refused there, and a `.wasm?module` import is what their bundlers turn into
// a compiled WebAssembly.Module (Vercel's "Using WebAssembly"; @vercel/og ships the same way).
// `vercel dev` compiles it in Node's realm, not the function's: manual.js's initSync takes both.
import wasm from "../glue/simple_memory_cache_bg.wasm?module";
import { initSync } from "./manual.js";

initSync({ module: wasm });

// The public API only (the bundle also exports the entries' and tests' internals).
export { CachedVar, GLOBAL_CACHE, MemoryCache, NO_VALUE_STORED, NoStoredValue } from "../glue/bundle.js";
