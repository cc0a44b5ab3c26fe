// Types of `simple-memory-cache/manual`, the escape hatch: the public API, and the two ways to
// load the wasm yourself before the first var is created. Until one of them has run, making a
// var or a `MemoryCache` with options, or a first use of a cache (`GLOBAL_CACHE` included),
// throws an `Error` that says to call `initSync` or `initAsync`.
export * from "./index.js";

/** A compiled module, or the bytes of `simple-memory-cache/simple_memory_cache_bg.wasm`. */
export type WasmSource = WebAssembly.Module | BufferSource;

/** Instantiates the wasm synchronously. Idempotent: later calls, or calls after an entry of the package loaded it, do nothing. */
export declare function initSync(options: { module: WasmSource }): void;

/** Instantiates the wasm from a module, bytes, a Response or the URL to fetch it from. Idempotent, like initSync. */
export declare function initAsync(options: { module_or_path: WasmSource | Response | PromiseLike<Response> | URL | string }): Promise<void>;
