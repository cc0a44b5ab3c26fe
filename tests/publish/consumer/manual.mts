// The escape hatch as a TypeScript ES module project writes it: type-checked only (Node does not
// import .wasm files), so its declarations — /manual and the wasm subpath — are checked to fit.
import wasm from "simple-memory-cache/simple_memory_cache_bg.wasm";
import { GLOBAL_CACHE, initSync } from "simple-memory-cache/manual";

initSync({ module: wasm });
const greeting = GLOBAL_CACHE.memoryCachedVar<string>("greeting");
greeting.onFirstAccess(() => "hello");
export const value: Promise<string> = greeting.get();
