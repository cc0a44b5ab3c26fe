//! # simple-memory-cache
//!
//! A lazily populated cached variable for JavaScript runtimes (Cloudflare Workers, Deno, Node,
//! Bun, browsers). The decisions — when a value is fresh, who loads, who waits, what a failure or
//! an `invalidate()` means — are made by the plain-Rust state machine in [`core`]; the wasm
//! adapter (`Machine`: feature `js`, `wasm32` only) exposes it to the JS layer in `pkg/`, which
//! keeps the values themselves so that a warm hit never crosses into wasm. With the feature
//! `rust-wasm`, `CachedVar` and `MemoryCache` serve Rust code on wasm32 from the same core
//! (`docs/rust.md`).

pub mod core;

#[cfg(feature = "rust-wasm")]
mod rust;
#[cfg(feature = "rust-wasm")]
pub use crate::core::{OptionError, State, Stats};
#[cfg(feature = "rust-wasm")]
pub use rust::{Builder, CachedVar, Error, LoadContext, MemoryCache};

#[cfg(all(feature = "js", target_arch = "wasm32"))]
mod wasm;
#[cfg(all(feature = "js", target_arch = "wasm32"))]
pub use wasm::Machine;

/// The npm package's wasm allocates with talc (its WebAssembly configuration: memory grows on
/// demand, as with the default dlmalloc), a quarter smaller than dlmalloc in the shipped module.
/// Only with feature `js`: a library leaves the global allocator to the program it is built into.
#[cfg(all(
    feature = "js",
    target_arch = "wasm32",
    not(target_feature = "atomics")
))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
