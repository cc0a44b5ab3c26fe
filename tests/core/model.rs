//! A deliberately naive reference model of ONE cached variable, written from the text of issues 2
//! and 3 (not from `src/core/var.rs`), to compare the core's decisions with.
//!
//! Where the core keeps sequence numbers and a `floor`, the model keeps every load it ever started
//! with plain flags, and stamps each event with a generation (an event counter), so that "began
//! before an `invalidate()`" is literally a comparison of two stamps. Times are compared as ages
//! (`now - stored_at < ttl`), the way the issue words them; on the exact domain the tests drive
//! (whole milliseconds, `NaN`, `±Infinity`) that agrees with any correct arithmetic.

use simple_memory_cache::core::{FailDecision, InvalidateDecision, State, Stats};

/// The options, as plain numbers.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    /// `false`: custom storage (each caller loads for itself; the cache stores nothing).
    pub shared: bool,
    pub ttl: f64,
    pub swr: f64,
    pub sie: f64,
    pub cooldown: f64,
    /// `retryInterval`.
    pub retry: f64,
}

/// What the model expects a `get()` (or a takeover) to do. Loads are named by their index in
/// [`Model::loads`], i.e. in the order they were started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    Hit,
    Stale,
    StaleRevalidate,
    Join(usize),
    Start,
}

/// One load the model started.
#[derive(Clone, Copy, Debug)]
pub struct Load {
    /// Generation at which it began.
    pub began: u64,
    /// It resolved or failed.
    pub settled: bool,
    /// A waiter gave up on it (workerd takeover): nobody may join it any more.
    pub abandoned: bool,
}

/// The stored value: where it came from and when it was stored.
#[derive(Clone, Copy, Debug)]
struct Value {
    /// Generation of the load start or `set()` that produced it.
    origin: u64,
    stored_at: f64,
    /// Its freshness lifetime: the policy's, or its load's own.
    ttl: f64,
}

/// The model of one var.
#[derive(Clone, Debug)]
pub struct Model {
    pub policy: Policy,
    generation: u64,
    /// Every load ever started, oldest first.
    pub loads: Vec<Load>,
    value: Option<Value>,
    /// Generation of the last `set()` or effective `invalidate()` (0: none yet).
    last_reset: u64,
    /// Time of the last store (load or `set()`) or effective `invalidate()`: cooldown counts from it.
    last_store_or_invalidate: Option<f64>,
    /// The value an effective `invalidate()` dropped, as the time it counts as expired from:
    /// still a failed reload's stale-if-error answer until a new value is stored.
    dropped_expired_at: Option<f64>,
    /// The last failed load, or the last background retry started since; none once a value is
    /// stored.
    failing_since: Option<f64>,
    /// A background reload the last decision started: its index, `failing_since` before it (to
    /// restore; `None` once a failure, store or invalidate has set it since), and the callers
    /// counted as served stale with it. Cancelled before the next decision, it undoes those.
    undo: Option<(usize, Option<Option<f64>>, u64)>,
    pub stats: Stats,
}

impl Model {
    pub fn new(policy: Policy) -> Model {
        Model {
            policy,
            generation: 0,
            loads: Vec::new(),
            value: None,
            last_reset: 0,
            last_store_or_invalidate: None,
            dropped_expired_at: None,
            failing_since: None,
            undo: None,
            stats: Stats::default(),
        }
    }

    /// Sets `failing_since`, which a pending undo then leaves as it is.
    fn set_failing(&mut self, since: Option<f64>) {
        self.failing_since = since;
        if let Some(undo) = &mut self.undo {
            undo.1 = None;
        }
    }

    fn tick(&mut self) -> u64 {
        self.generation += 1;
        self.generation
    }

    /// Callers may join a load only in shared mode, only while it runs, only if nobody gave up
    /// on it, and only if it began after the last `invalidate()`/`set()`.
    fn joinable(&self) -> Option<usize> {
        let mut found = self.loads.iter().enumerate().filter(|(_, l)| {
            self.policy.shared && !l.settled && !l.abandoned && l.began > self.last_reset
        });
        let first = found.next().map(|(i, _)| i);
        assert!(
            found.next().is_none(),
            "model invariant: two joinable loads"
        );
        first
    }

    fn start(&mut self, now_generation: u64) {
        self.loads.push(Load {
            began: now_generation,
            settled: false,
            abandoned: false,
        });
        self.stats.loads += 1;
    }

    /// Time since the value was stored; a reading before it (the clock stepped back) counts as
    /// unbounded time.
    fn age(&self, now: f64) -> Option<f64> {
        self.value.map(|v| since(v.stored_at, now))
    }

    /// The stored value's freshness lifetime (the policy's when none is stored).
    fn ttl(&self) -> f64 {
        self.value.map_or(self.policy.ttl, |v| v.ttl)
    }

    fn fresh_at(&self, age: f64) -> bool {
        self.ttl() == f64::INFINITY || age < self.ttl()
    }

    /// A get() refused before any decision: a miss.
    pub fn refused(&mut self) {
        self.tick();
        self.stats.misses += 1;
    }

    /// Load `i` could not start: as if it never had. Cancelled before the next decision after
    /// the `get()` that started it as a background reload, its callers were not served stale and
    /// a retry's backoff is as before it, unless something set the backoff since.
    pub fn cancel(&mut self, i: usize) {
        let undo = self.undo.take().filter(|u| u.0 == i);
        self.tick();
        self.loads[i].settled = true;
        self.stats.loads -= 1;
        if let Some((_, before, callers)) = undo {
            self.stats.stale_served -= callers;
            if let Some(before) = before {
                self.failing_since = before;
            }
        }
    }

    /// The value was dropped for the cache's `maxEntries`: nothing is left to serve, stale or
    /// fresh; loads running may still store theirs.
    pub fn evict(&mut self) {
        self.value = None;
        self.dropped_expired_at = None;
    }

    /// A started load's task was dropped: it ends, storing nothing, still counted as a load.
    pub fn dropped(&mut self, i: usize) {
        self.tick();
        self.loads[i].settled = true;
    }

    /// Join the running load, or start one.
    fn join_or_start(&mut self, g: u64, callers: u64) -> Expect {
        match self.joinable() {
            Some(i) => {
                self.stats.coalesced += callers;
                Expect::Join(i)
            }
            None => {
                self.start(g);
                Expect::Start
            }
        }
    }

    pub fn get(&mut self, now: f64) -> Expect {
        self.undo = None;
        let g = self.tick();
        self.ask(g, now, true, 1)
    }

    /// A caller asking at `now`; `first`: its own get() (a hit or a miss), else a waiter that gave
    /// up on its load asking again, counted already.
    fn ask(&mut self, g: u64, now: f64, first: bool, callers: u64) -> Expect {
        let p = self.policy;
        let mut revalidate = false;
        if let Some(age) = self.age(now) {
            // Fresh for `ttl` ms after it was stored.
            if self.fresh_at(age) {
                if first {
                    self.stats.hits += 1;
                }
                return Expect::Hit;
            }
            // Then, for `staleWhileRevalidate` ms, served stale with exactly one reload running.
            revalidate = age < self.ttl() + p.swr;
        }
        // And while the origin fails, callers with a stale-if-error answer (the stored value, or
        // the one the last invalidate() dropped) are served it at once. While it fails (and
        // `staleIfError` is on), a reload starts at most once per `retryInterval`.
        let backoff = self.failing_since.is_some() && self.stale_if_error(now);
        // After an invalidate() during a backoff, the first get() waits for the reload it asked.
        let asked = self.failing_since == Some(f64::NEG_INFINITY) && self.joinable().is_none();
        if (revalidate || backoff) && !asked {
            if first {
                self.stats.misses += 1;
            }
            self.stats.stale_served += callers;
            if self.joinable().is_some() {
                return Expect::Stale;
            }
            let before = self.failing_since;
            if let Some(from) = self.failing_since.filter(|_| p.sie > 0.0) {
                if since(from, now) < p.retry {
                    return Expect::Stale;
                }
                self.failing_since = Some(now);
            }
            self.start(g);
            self.undo = Some((self.loads.len() - 1, Some(before), callers));
            return Expect::StaleRevalidate;
        }
        if first {
            self.stats.misses += 1;
        }
        self.join_or_start(g, callers)
    }

    /// Load `i` resolved: does its value become the stored one?
    pub fn loaded(&mut self, i: usize, now: f64) -> bool {
        self.loaded_for(i, now, self.policy.ttl)
    }

    /// Load `i` resolved, its value fresh for `ttl` (a `ttl` not `>= 0` means the policy's).
    pub fn loaded_for(&mut self, i: usize, now: f64, ttl: f64) -> bool {
        let ttl = if ttl >= 0.0 { ttl } else { self.policy.ttl };
        self.tick();
        self.loads[i].settled = true;
        let began = self.loads[i].began;
        // A load that began before an invalidate()/set() never becomes the value ...
        if began < self.last_reset {
            return false;
        }
        // ... nor does one whose settle time is unknown (the clock failed).
        if now.is_nan() {
            return false;
        }
        // ... and an older load never overwrites a newer value.
        if self.value.is_some_and(|v| began < v.origin) {
            return false;
        }
        if self.policy.shared {
            self.value = Some(Value {
                origin: began,
                stored_at: now,
                ttl,
            });
            self.dropped_expired_at = None;
            self.set_failing(None);
            self.last_store_or_invalidate = Some(now);
        }
        true
    }

    /// Whether a stale-if-error answer exists at `now`: the stored value within `staleIfError`
    /// of its expiry; with none stored, the value the last invalidate() dropped, within
    /// `staleIfError` of when it counted as expired.
    fn stale_if_error(&self, now: f64) -> bool {
        let p = self.policy;
        p.sie > 0.0
            && match self.age(now) {
                Some(age) => age < self.ttl() + p.sie,
                None => self
                    .dropped_expired_at
                    .is_some_and(|e| since(e, now) < p.sie),
            }
    }

    /// Load `i` failed: do its waiters get the stored value (staleIfError) or the error?
    pub fn failed(&mut self, i: usize, now: f64, waiters: u64, timed_out: bool) -> FailDecision {
        self.tick();
        self.loads[i].settled = true;
        self.stats.errors += 1;
        if timed_out {
            self.stats.timeouts += 1;
        }
        // A load begun before the last invalidate() leaves the reload that invalidate asked for.
        let asked =
            self.failing_since == Some(f64::NEG_INFINITY) && self.loads[i].began <= self.last_reset;
        if !now.is_nan() && !asked {
            self.set_failing(Some(now));
        }
        if self.stale_if_error(now) {
            self.stats.stale_served += waiters;
            FailDecision::ServeStale
        } else {
            FailDecision::Reject
        }
    }

    /// A waiter of load `i` gave up on it at `now` and asks again, as a get() would: a value
    /// stored meanwhile if it may be served, else another runner's load, else a new one.
    pub fn abandon(&mut self, i: usize, now: f64, callers: u64) -> Expect {
        self.undo = None;
        let g = self.tick();
        self.loads[i].abandoned = true;
        self.ask(g, now, false, callers)
    }

    pub fn invalidate(&mut self, now: f64) -> InvalidateDecision {
        let g = self.tick();
        // Ignored when less than `cooldown` ms after the last store (or effective invalidate).
        if let Some(from) = self.last_store_or_invalidate {
            let elapsed = now - from;
            if elapsed >= 0.0 && elapsed < self.policy.cooldown {
                self.stats.cooldown_skips += 1;
                return InvalidateDecision::CooldownSkip;
            }
        }
        self.last_reset = g;
        // A new question to the origin: its reload goes there at once even while a backoff
        // runs; the backoff goes on (-∞: asked): the next get() waits for that reload, the
        // callers while it runs are served stale.
        let failing = self.failing_since.is_some();
        self.set_failing(failing.then_some(f64::NEG_INFINITY));
        if let Some(v) = self.value.take() {
            // It counts as expired now, or at its own expiry if that came first; read before it
            // was stored (the clock stepped back), it is past every window: no fallback.
            let age = since(v.stored_at, now);
            let readable = v.stored_at <= now;
            let fresh = v.ttl == f64::INFINITY || age < v.ttl;
            self.dropped_expired_at = match (readable, fresh) {
                (false, _) => None,
                (true, true) => Some(now),
                (true, false) => Some(v.stored_at + v.ttl),
            };
        }
        self.last_store_or_invalidate = Some(now);
        InvalidateDecision::Invalidated
    }

    pub fn set(&mut self, now: f64) {
        let g = self.tick();
        self.last_reset = g;
        if self.policy.shared {
            self.value = Some(Value {
                origin: g,
                stored_at: now,
                ttl: self.policy.ttl,
            });
            self.dropped_expired_at = None;
            self.set_failing(None);
        }
        self.last_store_or_invalidate = Some(now);
    }

    pub fn state(&self, now: f64) -> State {
        match self.age(now) {
            Some(age) if self.fresh_at(age) => State::Fresh,
            Some(_) => State::Stale,
            None if self.joinable().is_some() => State::Loading,
            None => State::Empty,
        }
    }

    pub fn fresh_until(&self) -> f64 {
        self.value
            .map_or(f64::NEG_INFINITY, |v| v.stored_at + v.ttl)
    }

    pub fn has_value(&self) -> bool {
        self.value.is_some()
    }
}

/// Time from `t` to `now`; a reading before `t` counts as unbounded time.
fn since(t: f64, now: f64) -> f64 {
    if now < t {
        f64::INFINITY
    } else {
        now - t
    }
}
