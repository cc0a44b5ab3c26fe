//! Properties of one var over random event sequences: agreement with the reference model (on
//! whole-millisecond clocks), and the safety rules of issue 2 checked directly on the core for any
//! `f64` input (NaN, ±Infinity, huge values), where no arithmetic model is needed.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use simple_memory_cache::core::{
    FailDecision, GetDecision, InvalidateDecision, LoadId, Mode, Options, State, Stats, Var,
};

use crate::config;
use crate::events::{
    any_f64, exact_event, per_caller_options, shared_options, start_time, wild_event, wild_options,
    Event, Run,
};

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn shared_var_agrees_with_the_model(
        (opts, policy) in shared_options(),
        t0 in start_time(),
        events in prop::collection::vec(exact_event(), 0..80),
    ) {
        Run::new(opts, policy, t0).run(&events)?;
    }
}

proptest! {
    #![proptest_config(config(200))]

    #[test]
    fn per_caller_var_agrees_with_the_model(
        (opts, policy) in per_caller_options(),
        t0 in start_time(),
        events in prop::collection::vec(exact_event(), 0..60),
    ) {
        Run::new(opts, policy, t0).run(&events)?;
    }
}

/// Checks the rules that need no clock arithmetic against the core alone: at most one joinable
/// load (shared mode), a load overtaken by `invalidate()`/`set()` never stores, an older load
/// never overwrites a newer value, a newest load always stores, and the counters count what
/// happened.
struct Witness {
    var: Var,
    shared: bool,
    sie: f64,
    now: f64,
    order: u64,
    /// Loads not settled yet, with the order at which they began.
    open: BTreeMap<LoadId, u64>,
    /// Loads a `get()` may join: open, not abandoned, begun after the last reset (shared mode).
    joinable: BTreeSet<LoadId>,
    last_reset: u64,
    /// Order of the load start or `set()` whose value is stored.
    stored: Option<u64>,
    /// An invalidate dropped a value and nothing was stored since: still a stale-if-error answer.
    dropped: bool,
    /// Values stored so far (loads and `set()`s, shared mode).
    stores: u64,
    /// A background reload the last decision started, and its callers (served stale unless it is
    /// cancelled before the next decision).
    revalidating: Option<(LoadId, u64)>,
    /// The load a `get()` joined or started with no value stored while `joins_stand()` held:
    /// every later `get()` must join it until another event (the JS layer joins without asking).
    fast: Option<LoadId>,
    counts: Stats,
}

impl Witness {
    fn new(opts: Options, sie: f64, now: f64) -> Witness {
        Witness {
            var: Var::new(opts),
            shared: opts.mode() == Mode::Shared,
            sie,
            now,
            order: 0,
            open: BTreeMap::new(),
            joinable: BTreeSet::new(),
            last_reset: 0,
            stored: None,
            dropped: false,
            stores: 0,
            revalidating: None,
            fast: None,
            counts: Stats::default(),
        }
    }

    fn began(&mut self, id: LoadId) -> Result<(), TestCaseError> {
        prop_assert!(
            self.joinable.is_empty(),
            "started load {id} while {:?} was joinable",
            self.joinable
        );
        prop_assert!(
            self.open.insert(id, self.order).is_none(),
            "load id {id} reused"
        );
        if self.shared {
            self.joinable.insert(id);
        }
        self.counts.loads += 1;
        Ok(())
    }

    fn joined(&mut self, id: LoadId, callers: u64) -> Result<(), TestCaseError> {
        prop_assert_eq!(self.joinable.iter().copied().collect::<Vec<_>>(), vec![id]);
        self.counts.coalesced = self.counts.coalesced.saturating_add(callers);
        Ok(())
    }

    /// Checks what `callers` callers were answered (by `get()`, or by `abandon()` when they gave
    /// up on a load) given whether a value was stored before, and whether one could be served
    /// stale (stored, or dropped by an invalidate while `staleIfError` is on: the backoff of a
    /// failing origin serves it).
    fn answered(
        &mut self,
        d: GetDecision,
        had_value: bool,
        had_stale: bool,
        callers: u64,
    ) -> Result<(), TestCaseError> {
        match d {
            GetDecision::Hit => prop_assert!(had_value, "hit without a value"),
            GetDecision::Stale => {
                // With a reload running, or while backing off a failing origin (none running).
                prop_assert!(had_stale && self.joinable.len() <= 1, "stale: {d:?}");
                self.counts.stale_served = self.counts.stale_served.saturating_add(callers);
            }
            GetDecision::StaleRevalidate(id) => {
                prop_assert!(had_stale, "stale-revalidate without a value");
                self.counts.stale_served = self.counts.stale_served.saturating_add(callers);
                self.began(id)?;
                self.revalidating = Some((id, callers));
            }
            GetDecision::Join(id) => self.joined(id, callers)?,
            GetDecision::Start(id) => self.began(id)?,
        }
        Ok(())
    }

    fn pick(&self, pick: usize) -> Option<LoadId> {
        let n = self.open.len();
        (n > 0).then(|| *self.open.keys().nth(pick % n).expect("in range"))
    }

    fn apply(&mut self, event: &Event) -> Result<(), TestCaseError> {
        self.order += 1;
        let had_value = self.var.has_value();
        let had_stale = had_value || (self.dropped && self.sie > 0.0);
        if !matches!(event, Event::Advance(_) | Event::Jump(_) | Event::Get) {
            self.fast = None;
        }
        match *event {
            Event::Advance(d) => self.now += d,
            Event::Jump(t) => self.now = t,
            Event::Get => {
                self.revalidating = None;
                let d = self.var.get(self.now);
                if let Some(id) = self.fast {
                    prop_assert_eq!(
                        d,
                        GetDecision::Join(id),
                        "joins_stand() held, then time alone changed the answer"
                    );
                }
                self.fast = match d {
                    GetDecision::Join(id) | GetDecision::Start(id)
                        if !self.var.has_value() && self.var.joins_stand() =>
                    {
                        Some(id)
                    }
                    _ => None,
                };
                if d == GetDecision::Hit {
                    self.counts.hits += 1;
                } else {
                    self.counts.misses += 1;
                }
                self.answered(d, had_value, had_stale, 1)?;
            }
            Event::Loaded(pick) | Event::LoadedFor(pick, _) => {
                let Some(id) = self.pick(pick) else {
                    return Ok(());
                };
                let began = self.open.remove(&id).expect("open");
                self.joinable.remove(&id);
                // The floor the JS layer reads (new waiters stop listening to loads at or
                // below it) fences exactly the loads that began before the last reset.
                prop_assert_eq!(
                    id <= self.var.floor(),
                    began <= self.last_reset,
                    "load {} (began {}, reset {}): floor {}",
                    id,
                    began,
                    self.last_reset,
                    self.var.floor()
                );
                let stored = match *event {
                    Event::LoadedFor(_, ttl) => self.var.loaded_for(id, self.now, ttl),
                    _ => self.var.loaded(id, self.now),
                };
                // A settle time that is not a number stores nothing.
                let after_reset = began > self.last_reset && !self.now.is_nan();
                let newest = self.stored.is_none_or(|o| began > o);
                if self.shared {
                    prop_assert_eq!(
                        stored,
                        after_reset && newest,
                        "load {} (began {}, reset {}, stored value from {:?})",
                        id,
                        began,
                        self.last_reset,
                        self.stored
                    );
                    if stored {
                        self.stored = Some(began);
                        self.dropped = false;
                        self.stores += 1;
                    }
                } else {
                    prop_assert_eq!(stored, after_reset, "per-caller load {}", id);
                }
            }
            Event::Failed {
                pick,
                waiters,
                timed_out,
            } => {
                let Some(id) = self.pick(pick) else {
                    return Ok(());
                };
                self.open.remove(&id);
                self.joinable.remove(&id);
                let d = self.var.failed(id, self.now, waiters, timed_out);
                self.counts.errors += 1;
                self.counts.timeouts += u64::from(timed_out);
                if d == FailDecision::ServeStale {
                    prop_assert!(
                        (had_value || self.dropped) && self.sie > 0.0,
                        "served stale without cover"
                    );
                    self.counts.stale_served = self.counts.stale_served.saturating_add(waiters);
                }
            }
            Event::Abandon(pick, callers) => {
                let Some(id) = self.pick(pick) else {
                    return Ok(());
                };
                self.joinable.remove(&id);
                // Answered as a get() is, without counting a second hit or miss.
                self.revalidating = None;
                let d = self.var.abandon(id, self.now, callers);
                self.answered(d, had_value, had_stale, callers)?;
            }
            Event::Cancel(pick) => {
                let Some(id) = self.pick(pick) else {
                    return Ok(());
                };
                self.open.remove(&id);
                self.joinable.remove(&id);
                self.var.cancel(id);
                self.counts.loads -= 1;
                // A cancel before the next decision undoes the stale answers of the background
                // reload that decision started (see Var::cancel).
                if let Some((_, callers)) = self.revalidating.take().filter(|r| r.0 == id) {
                    self.counts.stale_served -= callers;
                }
            }
            Event::Dropped(pick) => {
                let Some(id) = self.pick(pick) else {
                    return Ok(());
                };
                self.open.remove(&id);
                self.joinable.remove(&id);
                self.var.load_dropped(id);
            }
            Event::Refused => {
                self.var.refused();
                self.counts.misses += 1;
            }
            Event::Evict => {
                // Nothing to be served stale remains; loads running may still store.
                self.var.evict();
                self.stored = None;
                self.dropped = false;
            }
            Event::Invalidate => match self.var.invalidate(self.now) {
                InvalidateDecision::Invalidated => {
                    self.last_reset = self.order;
                    self.joinable.clear();
                    self.dropped |= self.stored.take().is_some();
                }
                InvalidateDecision::CooldownSkip => {
                    prop_assert_eq!(self.var.has_value(), had_value, "a skipped invalidate");
                    self.counts.cooldown_skips += 1;
                }
            },
            Event::Set => {
                self.var.set(self.now);
                self.last_reset = self.order;
                self.joinable.clear();
                self.stored = self.shared.then_some(self.order);
                self.dropped = false;
                self.stores += u64::from(self.shared);
            }
        }
        prop_assert_eq!(self.var.stats(), self.counts);
        prop_assert_eq!(self.var.has_value(), self.stored.is_some());
        let state = self.var.state(self.now);
        match self.stored {
            Some(_) => prop_assert!(matches!(state, State::Fresh | State::Stale), "{state:?}"),
            None if self.joinable.is_empty() => prop_assert_eq!(state, State::Empty),
            None => prop_assert_eq!(state, State::Loading),
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(config(600))]

    #[test]
    fn safety_rules_hold_for_any_input(
        (opts, sie) in wild_options(),
        t0 in any_f64(),
        events in prop::collection::vec(wild_event(), 0..80),
    ) {
        let mut w = Witness::new(opts, sie, t0);
        for e in &events {
            w.apply(e)?;
        }
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn concurrent_gets_on_an_empty_var_start_exactly_one_load(
        (opts, _) in shared_options(),
        now in any_f64(),
        n in 1usize..64,
        before in 0..3,
    ) {
        let mut var = Var::new(opts);
        // Empty from the start, or again after an invalidate overtook the running load, or
        // after the load failed.
        let mut loads = 1;
        if before > 0 {
            let GetDecision::Start(old) = var.get(now) else {
                return Err(TestCaseError::fail("first get did not start a load"));
            };
            if before == 1 {
                prop_assert_eq!(var.invalidate(now), InvalidateDecision::Invalidated);
            } else {
                var.failed(old, now, 1, false);
            }
            loads += 1;
        }
        let GetDecision::Start(id) = var.get(now) else {
            return Err(TestCaseError::fail("get on an empty var did not start a load"));
        };
        for _ in 1..n {
            prop_assert_eq!(var.get(now), GetDecision::Join(id));
        }
        let s = var.stats();
        prop_assert_eq!((s.loads, s.coalesced), (loads, n as u64 - 1));
        prop_assert_eq!(var.loaded(id, now), !now.is_nan());
    }

    #[test]
    fn concurrent_gets_of_a_stale_value_start_exactly_one_reload(
        ttl in 0u32..100,
        swr in 1u32..100,
        into in 0u32..100,
        n in 1usize..64,
    ) {
        let opts = Options::new(Mode::Shared, f64::from(ttl), f64::from(swr), 0.0, 1e3, 0.0)
            .expect("valid");
        let mut var = Var::new(opts);
        var.set(0.0);
        let now = f64::from(ttl + into % swr);
        let GetDecision::StaleRevalidate(id) = var.get(now) else {
            return Err(TestCaseError::fail("first stale get did not revalidate"));
        };
        for _ in 1..n {
            prop_assert_eq!(var.get(now), GetDecision::Stale);
        }
        prop_assert_eq!(var.stats().loads, 1);
        prop_assert_eq!(var.stats().stale_served, n as u64);
        prop_assert!(var.loaded(id, now), "the reload replaces the stale value");
    }

    #[test]
    fn concurrent_gets_with_custom_storage_each_load(
        (opts, _) in per_caller_options(),
        now in any_f64(),
        n in 1usize..64,
    ) {
        let mut var = Var::new(opts);
        let mut ids = BTreeSet::new();
        for _ in 0..n {
            let GetDecision::Start(id) = var.get(now) else {
                return Err(TestCaseError::fail("a per-caller get did not start its own load"));
            };
            prop_assert!(ids.insert(id), "load id {} reused", id);
        }
        prop_assert_eq!(var.state(now), State::Empty);
    }
}

/// Events on a clock that never goes back, with many invalidates.
fn cooldown_event() -> impl Strategy<Value = Event> {
    prop_oneof![
        3 => (0u32..40).prop_map(|d| Event::Advance(f64::from(d))),
        3 => Just(Event::Get),
        2 => any::<usize>().prop_map(Event::Loaded),
        5 => Just(Event::Invalidate),
        1 => Just(Event::Set),
    ]
}

proptest! {
    #![proptest_config(config(300))]

    #[test]
    fn cooldown_allows_one_effective_invalidate_per_window(
        cooldown in prop_oneof![(1u32..100).prop_map(f64::from), Just(f64::INFINITY)],
        events in prop::collection::vec(cooldown_event(), 0..100),
    ) {
        let opts = Options::new(Mode::Shared, 50.0, 0.0, 0.0, 1e3, cooldown).expect("valid");
        let mut w = Witness::new(opts, 0.0, 0.0);
        let mut effective: Vec<f64> = Vec::new();
        let mut last_store: Option<f64> = None;
        for e in &events {
            let (skips, stores) = (w.counts.cooldown_skips, w.stores);
            w.apply(e)?;
            if w.stores > stores {
                last_store = Some(w.now);
            }
            if matches!(e, Event::Invalidate) {
                let skipped = w.counts.cooldown_skips > skips;
                let since_last = effective.last().map(|&t| w.now - t);
                let since_store = last_store.map(|t| w.now - t);
                let within = |gap: Option<f64>| gap.is_some_and(|g| g < cooldown);
                // Effective invalidates are at least `cooldown` apart and `cooldown` after a
                // store; and cooldown never swallows one that is outside both windows.
                prop_assert_eq!(
                    skipped,
                    within(since_last) || within(since_store),
                    "invalidate at {} (last effective {:?}, last store {:?})",
                    w.now,
                    effective.last(),
                    last_store
                );
                if !skipped {
                    effective.push(w.now);
                }
            }
        }
        for pair in effective.windows(2) {
            prop_assert!(pair[1] - pair[0] >= cooldown, "{:?}", effective);
        }
    }
}

/// Whether `Options::new` must refuse these values, per its documentation.
fn should_be_refused(shared: bool, [ttl, swr, sie, timeout, cooldown]: [f64; 5]) -> bool {
    let non_negative = |v: f64| v >= 0.0;
    let durations_ok = [ttl, swr, sie, cooldown].into_iter().all(non_negative) && timeout > 0.0;
    let storage_ok =
        shared || (ttl == f64::INFINITY && swr == 0.0 && sie == 0.0 && cooldown == 0.0);
    !(durations_ok && storage_ok)
}

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn options_accept_exactly_the_documented_values(
        shared in any::<bool>(),
        given in prop::array::uniform5(any_f64()),
        keep_default in prop::array::uniform5(any::<bool>()),
    ) {
        let mode = if shared { Mode::Shared } else { Mode::PerCaller };
        // Half the options left at their defaults, so that custom storage is accepted too.
        let d = [f64::INFINITY, 0.0, 0.0, f64::INFINITY, 0.0];
        let v: [f64; 5] = std::array::from_fn(|i| if keep_default[i] { d[i] } else { given[i] });
        let [ttl, swr, sie, timeout, cooldown] = v;
        let got = Options::new(mode, ttl, swr, sie, timeout, cooldown);
        prop_assert_eq!(got.is_err(), should_be_refused(shared, v), "{:?}", got);
        if let Ok(o) = got {
            prop_assert_eq!(o.timeout(), timeout);
            prop_assert_eq!(o.mode(), mode);
        }
    }

    #[test]
    fn max_entries_accepts_whole_counts_and_infinity(v in any_f64()) {
        let got = simple_memory_cache::core::max_entries(v);
        let whole = v >= 1.0 && v.fract() == 0.0 && v <= f64::from(u32::MAX);
        match got {
            Ok(n) if v == f64::INFINITY => prop_assert_eq!(n, usize::MAX),
            Ok(n) => prop_assert!(whole && n as f64 == v, "{} -> {}", v, n),
            Err(_) => prop_assert!(!whole && v != f64::INFINITY, "{} refused", v),
        }
    }
}
