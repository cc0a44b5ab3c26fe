// What `make build` bundles, with the wasm-bindgen glue, into glue/bundle.js: the one module every
// entry imports. One module file instead of nine, because Node links each ES module file
// separately and that, not the wasm, was most of the package's import time (benches/README.md).
// Bundled by rollup, which keeps `class CachedVar {}` a declaration; esbuild, bundling, turns
// top-level classes into class expressions, and V8 then names them "anonymous" in its brand-check
// errors. esbuild then only drops comments and white space, keeping every name (5.8 KB of the
// package's 16 KB gzip bundle).
// The public API first; then what the entries need to initialise it, and what tests reach in for.
export * from "./index.js";
export { deferLoadError, initSync, initAsync } from "./machine.js";
export { configurePlatform, platform } from "./platform.js";
