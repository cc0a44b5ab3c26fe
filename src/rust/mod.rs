//! The Rust face: [`CachedVar`] and [`MemoryCache`] for Rust code on wasm32 (workers-rs
//! Workers, browser apps), driven by the same [`core`](crate::core) as the JS package.
//!
//! ```text
//! Builder::new().ttl(d).stale_while_revalidate(d).stale_if_error(d).timeout(d)
//!     .cooldown(d).retry_interval(d).max_entries(n).clock(f).on_error(f)
//!     .build(|key, ctx| async { .. })       -> Result<MemoryCache<K, T, E>, OptionError>
//!     .build_var(|ctx| async { .. })        -> Result<CachedVar<T, E>, OptionError>
//! cache.get(&key).await                     -> Result<Rc<T>, Error<E>>
//! cache.get_with_wait_until(&key, |f| ctx.wait_until(f)).await
//! cache.peek(&key) / set(key, v) / invalidate(&key) / state(&key) / stats(&key)
//! cache.get_js(&key).await                  -> Result<JsValue, Error<E>>  (feature `serde`)
//! cache.stats_js(&key)                      -> JsValue: the JS package's stats() object
//! ctx.signal() / ctx.previous() / ctx.set_ttl(d)
//! ```
//!
//! Waiting is done by JS promises: a caller that joins a load another caller runs subscribes to
//! that load's promise itself and bounds its wait with a timer it owns (the load's `timeout`, or
//! 30 s on workerd, plus 50 ms; elsewhere no bound without a `timeout`); if the load's caller
//! was dropped, or the bound passes, it asks the core
//! again and may run the load itself. Time comes from `js_sys::Date::now()` unless a clock is
//! injected; those bounds are timers, measured by `Date.now()` whatever the clock. No `RefCell`
//! borrow is held across an `.await` or a call into user code.
#![deny(clippy::await_holding_refcell_ref)]

mod cache;
mod error;
mod js;
mod options;
mod to_js;
mod var;
mod waits;

pub use cache::{LoadContext, MemoryCache};
pub use error::Error;
pub use options::Builder;
pub use var::CachedVar;
