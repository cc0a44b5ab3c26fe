// Types of `simple-memory-cache/manual`, the escape hatch: the public API, and the two ways to
// load the wasm yourself before the first var is created. Until one of them has run, making a
// var or a `MemoryCache` with options, `memoryCachedVar()` or a keyed `set()` throws an `Error`
// that says to call `initSync` or `initAsync` (a keyed `get()` rejects with it); what only reads
// an empty cache (`peek`, `has`, `size`, `stats`, `invalidateAll`) works without the wasm.
export * from "./index.js";

/**
 * A compiled module, or the bytes of `simple-memory-cache/simple_memory_cache_bg.wasm` (an
 * `ArrayBuffer` or a typed array such as a `Uint8Array`; V8 refuses a `DataView`).
 */
export type WasmSource = WebAssembly.Module | BufferSource;

/** Instantiates the wasm synchronously. Idempotent: later calls, or calls after an entry of the package loaded it, do nothing. */
export declare function initSync(options: { module: WasmSource }): void;

/**
 * Instantiates the wasm from a module, bytes, a Response or the URL to fetch it from (with
 * `fetch()`: in Node, whose `fetch()` reads no `file:` URL, pass the bytes instead). Resolves
 * `undefined`; rejects with the runtime's error (a failed fetch, a `CompileError`). Idempotent,
 * like initSync.
 */
export declare function initAsync(options: { module_or_path: WasmSource | Response | PromiseLike<Response> | URL | string }): Promise<void>;
