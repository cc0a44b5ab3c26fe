// Types of `simple-memory-cache/simple_memory_cache_bg.wasm`, the escape hatch's wasm: what a
// platform that imports `.wasm` files as compiled modules gives (workerd, Vercel Edge), ready for
// `initSync({ module })` of `simple-memory-cache/manual`. Elsewhere the import gives something
// else (Bun: the file's path; Node and Deno refuse to import a `.wasm` by default), and this
// declaration, which wins over an ambient `*.wasm` one, is then wrong: read the file's bytes
// (`readFile(fileURLToPath(import.meta.resolve("simple-memory-cache/simple_memory_cache_bg.wasm")))`)
// and pass those to `initSync({ module })`.
declare const wasm: WebAssembly.Module;
export default wasm;
