// Types of `simple-memory-cache/simple_memory_cache_bg.wasm`, the escape hatch's wasm: what a
// platform that imports `.wasm` files as compiled modules gives (workerd, Vercel Edge), ready for
// `initSync({ module })` of `simple-memory-cache/manual`. A platform that gives bytes or a URL
// instead types its own `.wasm` imports.
declare const wasm: WebAssembly.Module;
export default wasm;
