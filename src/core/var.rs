//! One cached variable as a sans-I/O state machine.
//!
//! The value itself never enters this module: the JS layer keeps it (so a warm hit stays in JS).
//! This module keeps what is needed to decide: when the value was stored, which load callers may
//! join, which loads were overtaken by an `invalidate()` or `set()`, and the counters.
//!
//! Every event that can change the outcome carries a sequence number. Loads, `set()` and
//! `invalidate()` each take the next one; a load may store its value only if it began after the
//! last `invalidate()`/`set()` (`seq > floor`) and after the load or `set()` whose value is stored
//! (`seq > stored.seq`). That one rule gives "a load that began before an invalidate never becomes
//! the value" and "an older load finishing late never overwrites a newer value".
//!
//! Time: every window (ttl, staleWhileRevalidate, staleIfError, cooldown) is measured from a
//! reading of the same clock, and a reading earlier than the window's start — a clock that
//! stepped back — counts as past the window (as if unbounded time had passed), so no clock step
//! ever extends a value's freshness, and all windows agree on it. A `ttl` of `Infinity` never
//! expires. A time that is not a number (`NaN`: the JS layer's clock failed while a load
//! settled) decides nothing: such a load stores nothing and its waiters are not served stale.

use super::options::{Mode, Options};
use std::num::NonZeroU64;

/// Identifies one load of one variable (its sequence number).
pub type LoadId = u64;

/// What to do with a `get()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GetDecision {
    /// Resolve the stored value; it is fresh.
    Hit,
    /// Resolve the stored (stale) value; a reload is already running.
    Stale,
    /// Resolve the stored (stale) value and start this background load; pass it to `waitUntil`.
    StaleRevalidate(LoadId),
    /// Wait for this load, which another caller started.
    Join(LoadId),
    /// Start this load and wait for it.
    Start(LoadId),
}

/// What to do with the waiters of a load that failed or timed out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailDecision {
    /// Resolve them with the stored (stale) value: `staleIfError` covers it.
    ServeStale,
    /// Reject them with the load's error.
    Reject,
}

/// What `invalidate()` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvalidateDecision {
    /// The value (if any) is dropped; running loads can no longer store theirs.
    Invalidated,
    /// Ignored: it came within `cooldown` of the last store or forced reload.
    CooldownSkip,
}

/// What a var reports as its `state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum State {
    /// Nothing stored, nothing loading that a `get()` would join.
    Empty = 0,
    /// Nothing stored; a `get()` would join a running load.
    Loading = 1,
    /// A value is stored and within its `ttl`.
    Fresh = 2,
    /// A value is stored but past its `ttl`.
    Stale = 3,
}

/// Counters of one variable. Fast-path hits served in JS are added by the JS layer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// `get()`s resolved from a fresh value without waiting.
    pub hits: u64,
    /// Every other `get()`.
    pub misses: u64,
    /// Loads started.
    pub loads: u64,
    /// Loads that failed, timeouts included.
    pub errors: u64,
    /// Callers resolved with a stale value (stale-while-revalidate or stale-if-error).
    pub stale_served: u64,
    /// Loads that timed out.
    pub timeouts: u64,
    /// Callers that joined a load another caller started.
    pub coalesced: u64,
    /// `invalidate()`s ignored under `cooldown`.
    pub cooldown_skips: u64,
}

impl Stats {
    /// Every counter under the name the JS package's `stats()` gives it, in its order: `hits`,
    /// `misses`, `loads`, `errors`, `staleServed`, `timeouts`, `coalesced`, `cooldownSkips`
    /// (`pkg/lib/cached-var.js`). The names of the `serde` impl and of the Rust face's
    /// `stats_js()`.
    pub fn named(&self) -> [(&'static str, u64); 8] {
        [
            ("hits", self.hits),
            ("misses", self.misses),
            ("loads", self.loads),
            ("errors", self.errors),
            ("staleServed", self.stale_served),
            ("timeouts", self.timeouts),
            ("coalesced", self.coalesced),
            ("cooldownSkips", self.cooldown_skips),
        ]
    }
}

/// With the feature `serde`: a struct of the eight counters (`u64`s) under the JS package's
/// names ([`Stats::named`]), e.g. `{"hits":3,"misses":1,"loads":1,…}` in JSON.
#[cfg(feature = "serde")]
impl serde::Serialize for Stats {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let named = self.named();
        let mut out = serializer.serialize_struct("Stats", named.len())?;
        for (name, count) in named {
            out.serialize_field(name, &count)?;
        }
        out.end()
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Stored {
    seq: u64,
    at: f64,
    /// Its freshness lifetime: the var's `ttl`, or the one its load chose.
    ttl: f64,
}

/// What cancelling a background reload undoes (see [`Var::cancel`]). Kept until the next
/// decision: a cancel comes before any (the adapter cancels in the call that started it, though
/// code it runs meanwhile — a caller's `waitUntil` — may call into the var).
#[derive(Clone, Copy, Debug)]
struct Undo {
    /// (Load ids start at 1: the niche keeps `Option<Undo>` at 32 bytes.)
    id: NonZeroU64,
    /// `failing_since` before the reload started, to restore; `None` once something else has
    /// set it since (a failure, a store, an invalidate): that stands.
    failing_before: Option<Option<f64>>,
    /// The callers its decision counted as served stale.
    stale_served: u64,
}

/// The state machine of one variable.
#[derive(Clone, Debug)]
pub struct Var {
    opts: Options,
    /// Load ids of this variable are in `(base, seq]` (a reused slot starts above its previous
    /// occupant's).
    base: u64,
    seq: u64,
    floor: u64,
    stored: Option<Stored>,
    /// The load a `get()` may join, if it began after `floor`.
    current: Option<LoadId>,
    /// Start of the cooldown window: the last store or effective invalidate.
    cooldown_from: Option<f64>,
    /// When the value an `invalidate()` dropped counts as expired (the invalidate, or its own
    /// expiry if earlier). Until a new value is stored, that value is still the stale-if-error
    /// answer to a failed reload — an invalidate means "this may be outdated", not "this is
    /// worse than an error" — and the JS layer passes it to the loader as `previous`.
    fallback: Option<f64>,
    /// Since when the origin counts as failing: the last failed load, or the last background
    /// retry started since. While a stored value is stale but within `staleIfError`, callers are
    /// served it at once, and a retry starts at most once per `retryInterval` from here. Cleared
    /// when a value is stored.
    failing_since: Option<f64>,
    /// What cancelling the background reload the last decision started undoes: see [`Var::cancel`].
    undo: Option<Undo>,
    /// Loads issued and not yet ended (resolved, failed or cancelled) — fenced and abandoned
    /// ones included: while any runs, the JS layer holds their records.
    running: u32,
    stats: Stats,
}

fn bump(n: &mut u64) {
    *n = n.saturating_add(1);
}

impl Var {
    /// A new, empty variable.
    pub fn new(opts: Options) -> Var {
        Var::reborn(opts, 0)
    }

    /// A new, empty variable whose load ids start after `seq` (a reused slot: no load id of
    /// its previous occupant is ever issued again, and every one of them is fenced).
    pub fn reborn(opts: Options, seq: u64) -> Var {
        Var {
            opts,
            base: seq,
            seq,
            floor: seq,
            stored: None,
            current: None,
            cooldown_from: None,
            fallback: None,
            failing_since: None,
            undo: None,
            running: 0,
            stats: Stats::default(),
        }
    }

    /// The last sequence number issued (see [`Var::reborn`]).
    pub fn seq(&self) -> u64 {
        self.seq
    }

    fn next_seq(&mut self) -> u64 {
        bump(&mut self.seq);
        self.seq
    }

    fn start(&mut self) -> LoadId {
        let id = self.next_seq();
        bump(&mut self.stats.loads);
        self.running = self.running.saturating_add(1);
        if self.opts.mode == Mode::Shared {
            self.current = Some(id);
        }
        id
    }

    /// Sets `failing_since`, which a pending undo then leaves as it is.
    fn set_failing(&mut self, since: Option<f64>) {
        self.failing_since = since;
        if let Some(undo) = &mut self.undo {
            undo.failing_before = None;
        }
    }

    /// `failing_since` after an `invalidate()` during a backoff: the origin still fails, and the
    /// reload that invalidate asked for is due now (see `answer`).
    const ASKED: Option<f64> = Some(f64::NEG_INFINITY);

    fn joinable(&self) -> Option<LoadId> {
        self.current.filter(|&id| id > self.floor)
    }

    /// Until when (ms) the stored value is fresh; `-Infinity` when nothing is stored.
    pub fn fresh_until(&self) -> f64 {
        self.stored.map_or(f64::NEG_INFINITY, |s| s.at + s.ttl)
    }

    /// When (ms) the stored value was stored; `Infinity` when nothing is stored. It is fresh at
    /// `now` iff `ttl` is `Infinity`, or `stored_at() <= now < fresh_until()`.
    pub fn stored_at(&self) -> f64 {
        self.stored.map_or(f64::INFINITY, |s| s.at)
    }

    /// Whether the answer "join the running load" stands for every later `get()` until another
    /// event (a load settling, `set()`, `invalidate()`…), whatever the time: false while a backoff
    /// may serve a caller stale instead — the origin failing with `staleIfError` on, whose window
    /// depends on the time (and after an `invalidate()` during a backoff, whose reload only the
    /// first caller waits for), and always with custom storage (each caller loads). The JS layer
    /// joins without asking again only while it stands.
    pub fn joins_stand(&self) -> bool {
        self.opts.mode == Mode::Shared
            && (self.failing_since.is_none() || self.opts.stale_if_error <= 0.0)
    }

    /// Loads with an id at or below this can no longer store their value: they began before the
    /// last effective `invalidate()`, `set()` or `delete()`. It never decreases. (A load above it
    /// may still lose to a newer stored value, see the module docs.)
    pub fn floor(&self) -> LoadId {
        self.floor
    }

    fn fresh(&self, s: Stored, now: f64) -> bool {
        s.ttl == f64::INFINITY || (s.at <= now && now < s.at + s.ttl)
    }

    /// Whether a failed load's callers may be served a stale value at `now` (RFC 5861's
    /// stale-if-error): the stored value, or else the one the last `invalidate()` dropped, from
    /// its store (the invalidate) until `staleIfError` after it expired.
    fn stale_if_error(&self, now: f64) -> bool {
        // (since, expired at)
        let window = match (self.stored, self.fallback) {
            (Some(s), _) => Some((s.at, s.at + s.ttl)),
            (None, fallback) => fallback.map(|e| (e, e)),
        };
        let sie = self.opts.stale_if_error;
        sie > 0.0 && window.is_some_and(|(since, e)| since <= now && now < e + sie)
    }

    /// Whether a value is stored (in memory mode).
    pub fn has_value(&self) -> bool {
        self.stored.is_some()
    }

    /// Whether it holds a value: the stored one, or the one the last `invalidate()` dropped
    /// (kept as the stale-if-error answer). What a cache's `maxEntries` counts.
    pub fn holds(&self) -> bool {
        self.stored.is_some() || self.fallback.is_some()
    }

    /// Nothing held, no load running and none to join: forgetting it loses nothing a later
    /// `get()` could be served or would wait for. (The JS layer settles each load once; were an
    /// ended load settled again, `running` would undercount, and a joinable load still keeps the
    /// var — fuzz target `core`.)
    pub fn idle(&self) -> bool {
        !self.holds() && self.running == 0 && self.current.is_none()
    }

    /// A caller asks for the value at time `now`.
    pub fn get(&mut self, now: f64) -> GetDecision {
        self.undo = None;
        self.answer(now, true, 1)
    }

    /// A `get()` decided without reading the clock: if the stored value never expires (its
    /// freshness lifetime is `Infinity`), counts a hit and returns `true` — what [`Var::get`]
    /// would decide at any time. Otherwise changes nothing and returns `false` (ask
    /// [`Var::get`]). Lets an adapter skip the clock on the commonest warm hit.
    #[inline]
    pub fn get_unclocked(&mut self) -> bool {
        let hit = self.stored.is_some_and(|s| s.ttl == f64::INFINITY);
        if hit {
            bump(&mut self.stats.hits);
        }
        hit
    }

    /// A `get()` that was refused before anything was decided (its signal had already aborted,
    /// no loader, a loader calling `get()` on its own var, a broken clock): counted as a miss, so
    /// that every `get()` is a hit or a miss.
    pub fn refused(&mut self) {
        bump(&mut self.stats.misses);
    }

    /// What `callers` callers asking together get at `now`. `first`: this is their `get()`,
    /// counted as a hit or a miss; otherwise it was counted then, and only what they are served
    /// now (stale, joined) counts.
    fn answer(&mut self, now: f64, first: bool, callers: u64) -> GetDecision {
        let mut revalidate = false;
        if let Some(s) = self.stored {
            if self.fresh(s, now) {
                if first {
                    bump(&mut self.stats.hits);
                }
                return GetDecision::Hit;
            }
            revalidate = s.at <= now && now < s.at + s.ttl + self.opts.stale_while_revalidate;
        }
        // Served stale, with a reload in the background: within `staleWhileRevalidate`; and
        // while the origin fails, to callers staleIfError covers (with the stored value, or the
        // one the last invalidate() dropped), who never wait on it again until a load succeeds.
        // While it fails, one reload (a retry) starts per retryInterval, in either case.
        let backoff = self.failing_since.is_some() && self.stale_if_error(now);
        // An invalidate() during a backoff asked the origin again: the first get() after it
        // starts that reload in the foreground and waits for it (the origin may be back: a JWKS
        // rotated its keys); callers while it runs are served stale, as in any backoff.
        let asked = self.failing_since == Self::ASKED && self.joinable().is_none();
        if (revalidate || backoff) && !asked {
            if first {
                bump(&mut self.stats.misses);
            }
            self.stats.stale_served = self.stats.stale_served.saturating_add(callers);
            if self.joinable().is_some() {
                return GetDecision::Stale;
            }
            let failing_before = self.failing_since;
            if let Some(since) = self
                .failing_since
                .filter(|_| self.opts.stale_if_error > 0.0)
            {
                if since <= now && now < since + self.opts.retry_interval {
                    return GetDecision::Stale;
                }
                self.failing_since = Some(now);
            }
            let id = self.start();
            self.undo = NonZeroU64::new(id).map(|id| Undo {
                id,
                failing_before: Some(failing_before),
                stale_served: callers,
            });
            return GetDecision::StaleRevalidate(id);
        }
        if first {
            bump(&mut self.stats.misses);
        }
        match self.joinable() {
            Some(id) => {
                self.stats.coalesced = self.stats.coalesced.saturating_add(callers);
                GetDecision::Join(id)
            }
            None => GetDecision::Start(self.start()),
        }
    }

    /// Load `id` resolved at `now`. Returns whether its value becomes the stored value (in
    /// per-caller mode: whether the caller should write it to its storage); its waiters get the
    /// value either way.
    /// A load id this var never issued is ignored (`false`); so is a `now` that is not a number
    /// (the load ends, nothing is stored: its value cannot be timed).
    pub fn loaded(&mut self, id: LoadId, now: f64) -> bool {
        self.loaded_for(id, now, self.opts.ttl)
    }

    /// [`Var::loaded`], the value fresh for `ttl` ms (its load chose its own freshness
    /// lifetime); a `ttl` that is not `>= 0` is taken as the var's.
    pub fn loaded_for(&mut self, id: LoadId, now: f64, ttl: f64) -> bool {
        if !self.issued(id) {
            return false;
        }
        let ttl = if ttl >= 0.0 { ttl } else { self.opts.ttl };
        self.finish(id);
        if id <= self.floor || now.is_nan() {
            return false;
        }
        match self.opts.mode {
            Mode::PerCaller => true,
            Mode::Shared if self.stored.is_none_or(|s| id > s.seq) => {
                self.stored = Some(Stored {
                    seq: id,
                    at: now,
                    ttl,
                });
                self.fallback = None;
                self.set_failing(None);
                self.cooldown_from = Some(now);
                true
            }
            Mode::Shared => false,
        }
    }

    /// Load `id` rejected (or, with `timed_out`, ran past `timeout`) at `now`, while `waiters`
    /// callers were waiting for it. The stale-if-error answer is the stored value, or else the
    /// one the last `invalidate()` dropped. A load id this var never issued is rejected and
    /// counted nowhere.
    pub fn failed(&mut self, id: LoadId, now: f64, waiters: u64, timed_out: bool) -> FailDecision {
        if !self.issued(id) {
            return FailDecision::Reject;
        }
        self.finish(id);
        bump(&mut self.stats.errors);
        if timed_out {
            bump(&mut self.stats.timeouts);
        }
        // (An unknown time starts no backoff: it could never end. A load begun before the last
        // invalidate() does not answer the question it asked: its failure leaves it asked.)
        let asked = self.failing_since == Self::ASKED && id <= self.floor;
        if !now.is_nan() && !asked {
            self.set_failing(Some(now));
        }
        if self.stale_if_error(now) {
            self.stats.stale_served = self.stats.stale_served.saturating_add(waiters);
            FailDecision::ServeStale
        } else {
            FailDecision::Reject
        }
    }

    /// A caller waiting on load `id` gave up on it at `now`: on workerd, because the request that
    /// runs it ended or the caller's own deadline passed. The load is no longer joinable (its
    /// value may still be stored if it arrives, under the usual rule); the caller is answered as
    /// a `get()` at `now` would be — a value stored meanwhile (by `set()` or a newer load) while
    /// fresh or within `staleWhileRevalidate`, else a load another such caller started, else a
    /// new one — without being counted again as a hit or a miss.
    /// `callers` callers gave up together (they count that many times as served stale or
    /// coalesced).
    pub fn abandon(&mut self, id: LoadId, now: f64, callers: u64) -> GetDecision {
        self.undo = None;
        if self.current == Some(id) {
            self.current = None;
        }
        self.answer(now, false, callers)
    }

    /// Load `id` could not be started (the JS layer failed to set it up before calling the
    /// loader: e.g. workerd refuses timers outside a request, a caller's `waitUntil` threw): it
    /// leaves no trace — it is no longer joinable and not counted as a load. Cancelled before
    /// any other decision after the `get()` that started it as a background reload, its
    /// callers are no longer counted as served stale (they are told why it could not start),
    /// and a retry's backoff is as before it, so the next `get()` starts it — unless a failure,
    /// a store or an invalidate has set the backoff since. A load id not issued is ignored.
    pub fn cancel(&mut self, id: LoadId) {
        let undo = self.undo.take().filter(|u| u.id.get() == id);
        if !self.issued(id) {
            return;
        }
        self.finish(id);
        self.stats.loads = self.stats.loads.saturating_sub(1);
        if let Some(undo) = undo {
            self.stats.stale_served = self.stats.stale_served.saturating_sub(undo.stale_served);
            if let Some(before) = undo.failing_before {
                self.failing_since = before;
            }
        }
    }

    /// Load `id` (issued) was dropped unfinished after its loader was called (the Rust face: its
    /// task dropped by `wait_until`): no longer joinable, it stores nothing; unlike
    /// [`Var::cancel`] it still counts as a load (the loader ran), not as an error. A load id
    /// not issued is ignored.
    pub fn load_dropped(&mut self, id: LoadId) {
        if self.issued(id) {
            self.finish(id);
        }
    }

    fn issued(&self, id: LoadId) -> bool {
        id > self.base && id <= self.seq
    }

    /// Load `id` (issued) ended.
    fn finish(&mut self, id: LoadId) {
        if self.current == Some(id) {
            self.current = None;
        }
        self.running = self.running.saturating_sub(1);
    }

    /// `invalidate()` at `now`. Skipped only within `[from, from + cooldown)`: with no cooldown
    /// never, and a clock that stepped back does not stretch the window.
    pub fn invalidate(&mut self, now: f64) -> InvalidateDecision {
        if self
            .cooldown_from
            .is_some_and(|from| from <= now && now < from + self.opts.cooldown)
        {
            bump(&mut self.stats.cooldown_skips);
            return InvalidateDecision::CooldownSkip;
        }
        self.floor = self.next_seq();
        // A new question to the origin: the reload it asks for goes there at once, even while a
        // backoff runs (its failure starts a new one). While the origin fails, the backoff goes
        // on (`failing_since` -∞: asked, see `answer`): the first get() after it waits for the
        // reload, the callers after it are served the dropped value — a hung origin held every
        // caller for its whole `timeout` each time an unknown key id made a JWKS user invalidate.
        let failing = self.failing_since.is_some();
        self.set_failing(if failing { Self::ASKED } else { None });
        if let Some(s) = self.stored.take() {
            // It counts as expired now, or at its own expiry if that came first; read before its
            // store time (the clock stepped back), it is past every window and no fallback.
            let expiry = if self.fresh(s, now) {
                now
            } else {
                s.at + s.ttl
            };
            self.fallback = (s.at <= now).then_some(expiry);
        }
        self.cooldown_from = Some(now);
        InvalidateDecision::Invalidated
    }

    /// `set(value)` at `now`: stored as if loaded; running loads can no longer store theirs.
    pub fn set(&mut self, now: f64) {
        self.floor = self.next_seq();
        if self.opts.mode == Mode::Shared {
            self.stored = Some(Stored {
                seq: self.floor,
                at: now,
                ttl: self.opts.ttl,
            });
            self.fallback = None;
            self.set_failing(None);
        }
        self.cooldown_from = Some(now);
    }

    /// The value was dropped to respect the cache's `maxEntries` (not an invalidate: running
    /// loads may still store theirs).
    pub fn evict(&mut self) {
        self.stored = None;
        self.fallback = None;
    }

    /// `delete()`: forgets everything a later `get()` could be served or would join — the value,
    /// the stale-if-error fallback, the backoff, the cooldown window — and fences the loads
    /// running now (they end as usual, storing nothing; their callers still get their outcome).
    /// The next `get()` starts a new load. Counters are kept.
    pub fn delete(&mut self) {
        self.floor = self.next_seq();
        self.current = None;
        self.stored = None;
        self.fallback = None;
        self.set_failing(None);
        self.cooldown_from = None;
    }

    /// The state a `get()` at `now` would find.
    pub fn state(&self, now: f64) -> State {
        match self.stored {
            Some(s) if self.fresh(s, now) => State::Fresh,
            Some(_) => State::Stale,
            None if self.joinable().is_some() => State::Loading,
            None => State::Empty,
        }
    }

    /// The counters.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Options in force.
    pub fn options(&self) -> &Options {
        &self.opts
    }
}
