//! The plain-Rust core: cached variables as sans-I/O state machines.
//!
//! No JS types live here, so all of it is tested natively. Events go in (a `get()` at time T,
//! load N resolved or failed, `invalidate()`, `set()`), decisions come out (serve the value,
//! serve it stale and revalidate, join load N, start load N, reject the waiters). The wasm
//! adapter forwards events from the JS layer and the JS layer carries out the decisions.
//!
//! ```text
//! Options::new(mode, ttl, swr, sie, timeout, cooldown)?.with_retry_interval(ms)?
//! Cache::new(max_entries) / add(opts) -> VarId
//! Cache::get(var, now)                  -> Hit | Stale | StaleRevalidate(N) | Join(N) | Start(N)
//! Cache::loaded(var, N, now)            -> stored?   (loaded_for: with the value's own ttl)
//! Cache::failed(var, N, now, waiters, timed_out) -> ServeStale | Reject
//! Cache::abandon(var, N, now, callers)  -> as get(), for waiters that gave up on load N
//! Cache::cancel(var, N); refused(var)
//! Cache::invalidate(var, now)           -> Invalidated | CooldownSkip
//! Cache::set(var, now); take_evicted(); state(var, now); stats(var)
//! Cache::delete(var); take_forgotten() -> ids whose slots add() reuses; stored_count()
//! ```

mod cache;
mod options;
mod var;

pub use cache::{Cache, VarId};
pub use options::{
    max_entries, Mode, OptionError, OptionName, Options, Problem, DEFAULT_RETRY_INTERVAL_MS,
};
pub use var::{FailDecision, GetDecision, InvalidateDecision, LoadId, State, Stats, Var};
