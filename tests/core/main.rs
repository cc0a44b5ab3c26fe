//! Native tests of the plain-Rust core (`src/core`): worked examples of each rule, and property
//! tests that drive random event sequences against a small reference model.
//!
//! `PROPTEST_CASES=N cargo test --test core` runs N cases of every property instead of the
//! defaults below (chosen to keep `cargo test` fast on two cores).

// Native only: proptest is a native dev-dependency (Cargo.toml).
#![cfg(not(target_arch = "wasm32"))]
// The panic-freedom lints of Cargo.toml guard the library's input-reachable paths (clippy.toml
// already lifts them inside `#[test]` functions); in test helpers too, a panic is the report.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod cache;
mod cases;
mod events;
mod model;
mod props;

use proptest::test_runner::{Config, FileFailurePersistence};

/// `cases` cases, or `PROPTEST_CASES` when set. Failures are not persisted to files: each one
/// found becomes a named example in `cases.rs` instead.
pub fn config(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(cases);
    Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..Config::default()
    }
}
