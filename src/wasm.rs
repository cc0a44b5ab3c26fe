//! The wasm-bindgen adapter: the core's [`Cache`] as a JS class, with numbers in and numbers out.
//!
//! Nothing here calls into JS, so no borrow of the machine is ever held while user code runs
//! (a loader may call back into the cache); wasm-bindgen's own per-call borrow is the only one.
//! No Rust future exists: JS promises do all the waiting. Decisions are packed into one `f64`
//! (`load * 8 + kind`) so a `get()` miss costs a single call across the boundary.

use wasm_bindgen::prelude::wasm_bindgen;

use crate::core::{
    max_entries, Cache, FailDecision, GetDecision, InvalidateDecision, Mode, Options,
};

const HIT: f64 = 0.0;
const STALE: f64 = 1.0;
const STALE_REVALIDATE: f64 = 2.0;
const JOIN: f64 = 3.0;
const START: f64 = 4.0;
const UNKNOWN_VAR: f64 = 7.0;

fn pack(d: Option<GetDecision>) -> f64 {
    match d {
        Some(GetDecision::Hit) => HIT,
        Some(GetDecision::Stale) => STALE,
        Some(GetDecision::StaleRevalidate(id)) => id as f64 * 8.0 + STALE_REVALIDATE,
        Some(GetDecision::Join(id)) => id as f64 * 8.0 + JOIN,
        Some(GetDecision::Start(id)) => id as f64 * 8.0 + START,
        None => UNKNOWN_VAR,
    }
}

/// The decision engine of one `MemoryCache` (or of standalone vars).
#[wasm_bindgen]
pub struct Machine {
    cache: Cache,
}

#[wasm_bindgen]
impl Machine {
    /// A machine bounded to `max_entries` values (`Infinity`: unbounded); `undefined` when the
    /// bound is not a whole number `>= 1`.
    pub fn create(max_entries_: f64) -> Option<Machine> {
        max_entries(max_entries_).ok().map(|n| Machine {
            cache: Cache::new(n),
        })
    }

    /// Adds a var. Returns its index (`>= 0`), or `-code` of the first invalid option
    /// (`code = option * 16 + problem`, see `core::options`).
    // One plain number per option: they cross the boundary as they are, with nothing to
    // allocate or decode on either side.
    #[allow(clippy::too_many_arguments)]
    pub fn add_var(
        &mut self,
        per_caller: bool,
        ttl: f64,
        swr: f64,
        sie: f64,
        timeout: f64,
        cooldown: f64,
        retry_interval: f64,
    ) -> f64 {
        let mode = if per_caller {
            Mode::PerCaller
        } else {
            Mode::Shared
        };
        match Options::new(mode, ttl, swr, sie, timeout, cooldown)
            .and_then(|o| o.with_retry_interval(retry_interval))
        {
            Ok(opts) => self.cache.add(opts).map_or(-1.0, f64::from),
            Err(e) => -f64::from(e.code()),
        }
    }

    /// A `get()` miss of the JS fast path: the packed decision.
    pub fn get(&mut self, var: u32, now: f64) -> f64 {
        pack(self.cache.get(var, now))
    }

    /// Load `load` of `var` resolved, its value fresh for `ttl` ms (the loader's `ctx.ttl`):
    /// whether its value is now the stored one.
    pub fn loaded(&mut self, var: u32, load: f64, now: f64, ttl: f64) -> bool {
        self.cache.loaded_for(var, load as u64, now, ttl)
    }

    /// Load `load` of `var` failed (or timed out): whether its waiters get the stale value.
    pub fn failed(&mut self, var: u32, load: f64, now: f64, waiters: u32, timed_out: bool) -> bool {
        self.cache
            .failed(var, load as u64, now, u64::from(waiters), timed_out)
            == FailDecision::ServeStale
    }

    /// `callers` waiters gave up on `load` at `now`: the packed decision, as for `get` (a value
    /// stored meanwhile, another waiter's load, or a new one).
    pub fn abandon(&mut self, var: u32, load: f64, now: f64, callers: u32) -> f64 {
        pack(
            self.cache
                .abandon(var, load as u64, now, u64::from(callers)),
        )
    }

    /// Load `load` of `var` could not be started: it leaves no trace.
    pub fn cancel(&mut self, var: u32, load: f64) {
        self.cache.cancel(var, load as u64);
    }

    /// A `get()` of `var` refused before any decision: counted as a miss.
    pub fn refused(&mut self, var: u32) {
        self.cache.refused(var);
    }

    /// `invalidate()`: `true` if it took effect, `false` if skipped under cooldown.
    pub fn invalidate(&mut self, var: u32, now: f64) -> bool {
        self.cache.invalidate(var, now) == Some(InvalidateDecision::Invalidated)
    }

    /// `set()`.
    pub fn set(&mut self, var: u32, now: f64) {
        self.cache.set(var, now);
    }

    /// Fast-path hits in a bounded cache, oldest first (keeps least-recently-used order). The
    /// JS layer batches them, so a hit never crosses into wasm on its own.
    pub fn touch_all(&mut self, vars: &[u32]) {
        for &var in vars {
            self.cache.touch(var);
        }
    }

    /// Until when the stored value is fresh (`-Infinity`: nothing stored).
    pub fn fresh_until(&self, var: u32) -> f64 {
        self.cache
            .var(var)
            .map_or(f64::NEG_INFINITY, |v| v.fresh_until())
    }

    /// When the stored value was stored (`Infinity`: nothing stored).
    pub fn stored_at(&self, var: u32) -> f64 {
        self.cache.var(var).map_or(f64::INFINITY, |v| v.stored_at())
    }

    /// Whether "join the running load" stands for every later `get()` of `var` until another
    /// event, whatever the time (see `core::Var::joins_stand`); `false` for a var this machine
    /// does not hold.
    pub fn joins_stand(&self, var: u32) -> bool {
        self.cache.var(var).is_some_and(|v| v.joins_stand())
    }

    /// Load ids at or below this can no longer store (see `core::Var::floor`; `Infinity` for a
    /// var this machine does not hold): the JS layer's new waiters stop listening to those loads.
    pub fn floor(&self, var: u32) -> f64 {
        self.cache
            .var(var)
            .map_or(f64::INFINITY, |v| v.floor() as f64)
    }

    /// Vars whose values were evicted since the last call.
    pub fn take_evicted(&mut self) -> Vec<u32> {
        self.cache.take_evicted()
    }

    /// `delete()` of `var`: everything it held is forgotten, its running loads fenced; the var
    /// itself is forgotten once idle (see `take_forgotten`).
    pub fn delete(&mut self, var: u32) {
        self.cache.delete(var);
    }

    /// The next var that may be forgotten (idle: nothing held, no load running; in a bounded
    /// cache, or deleted), or `-1`. Forget it with `forget(var)`.
    pub fn next_forgettable(&mut self) -> f64 {
        self.cache.next_forgettable().map_or(-1.0, f64::from)
    }

    /// Forgets `var`, the one `next_forgettable` named: its index goes to the next `add_var`
    /// (its counters stay readable until then).
    pub fn forget(&mut self, var: u32) -> bool {
        self.cache.forget(var)
    }

    /// Whether `var` holds a value: stored, or kept as the stale-if-error answer after an
    /// `invalidate()` (what `maxEntries` counts; tests observe evictions of the latter by it).
    pub fn holds(&self, var: u32) -> bool {
        self.cache.var(var).is_some_and(|v| v.holds())
    }

    /// How many vars have a value stored (fresh or stale).
    pub fn stored_count(&self) -> f64 {
        self.cache.stored_count() as f64
    }

    /// `0` empty, `1` loading, `2` fresh, `3` stale.
    pub fn state(&self, var: u32, now: f64) -> u32 {
        self.cache.state(var, now) as u32
    }

    /// `[hits, misses, loads, errors, staleServed, timeouts, coalesced, cooldownSkips]`: the
    /// counters in the order of [`Stats::named`](crate::core::Stats::named).
    pub fn stats(&self, var: u32) -> Vec<f64> {
        self.cache
            .stats(var)
            .named()
            .iter()
            .map(|&(_, n)| n as f64)
            .collect()
    }
}
