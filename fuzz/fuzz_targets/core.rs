//! Fuzz target for the plain-Rust core: arbitrary bytes become a `Cache` (any `maxEntries`) of up
//! to 8 vars with any option values (NaN, ±Infinity, subnormals, huge and negative numbers) and a
//! sequence of events — clock steps and jumps, get / loaded / failed / abandon / invalidate / set /
//! touch, with real, never-issued and raw load ids and unknown var ids.
//!
//! Checked on every input: nothing panics (libFuzzer reports a panic as a crash; cargo-fuzz builds
//! with debug assertions and overflow checks on); options and `maxEntries` are accepted exactly
//! when documented; a bounded cache never holds more than `maxEntries` values; unknown vars and
//! never-issued load ids are answered and change nothing; counters never go down.
//! Checked while the input stays in the reference model's exact domain (whole milliseconds within
//! ±2^50, or NaN/±Infinity, for the clock and the durations — where `now < at + ttl` and
//! `now - at < ttl` agree; see tests/core/model.rs): every decision and observation of each var
//! equals the model's. A var leaves that comparison for good when the model cannot follow it:
//! its value was evicted (the model has no bound), or an abandon/settle named a load id the model
//! never started.

#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use simple_memory_cache::core::{
    max_entries, Cache, FailDecision, GetDecision, LoadId, Mode, Options, State, Stats, VarId,
    DEFAULT_RETRY_INTERVAL_MS,
};

#[allow(dead_code)]
#[path = "../../tests/core/model.rs"]
mod model;

use model::{Expect, Model, Policy};

const INF: f64 = f64::INFINITY;
const MAX_VARS: usize = 8;
/// Whole numbers up to this size add and subtract exactly in `f64` (three of them stay < 2^53).
const EXACT: f64 = (1u64 << 50) as f64;

/// An `f64` drawn so that the awkward values and whole milliseconds come often; raw bits otherwise.
#[derive(Clone, Copy, Debug)]
struct Num(f64);

impl<'a> Arbitrary<'a> for Num {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Num> {
        Ok(Num(match u.int_in_range(0u8..=15)? {
            0 => f64::NAN,
            1 => INF,
            2 => f64::NEG_INFINITY,
            3 => 0.0,
            4 => -0.0,
            5 => f64::MIN_POSITIVE,
            6 => f64::from_bits(1), // the smallest subnormal
            7 => f64::MAX,
            8 => -f64::MAX,
            9..=11 => f64::from(u.int_in_range(0u8..=20)?),
            12 => f64::from(u.int_in_range(-20i8..=-1)?),
            13 => u.int_in_range(-(1i64 << 48)..=1i64 << 48)? as f64,
            _ => f64::from_bits(u64::arbitrary(u)?),
        }))
    }
}

/// A var id: mostly one of the vars or just past them (unknown), sometimes any `u32`.
#[derive(Clone, Copy, Debug)]
struct Target(VarId);

impl<'a> Arbitrary<'a> for Target {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Target> {
        Ok(Target(if u.ratio(1u8, 16)? {
            u32::arbitrary(u)?
        } else {
            u.int_in_range(0..=MAX_VARS as u32 + 1)?
        }))
    }
}

/// Which load an event names.
#[derive(Arbitrary, Clone, Copy, Debug)]
enum Load {
    /// An outstanding one (not settled either way yet), by index modulo their number.
    Pick(usize),
    /// One the var never issued: 0, or past every id it could have issued.
    Unissued(u16),
    /// Any id at all.
    Raw(u64),
}

#[derive(Arbitrary, Clone, Copy, Debug)]
enum Event {
    Advance(Num),
    Jump(Num),
    Get(Target),
    Loaded(Target, Load),
    Failed(Target, Load, u64, bool),
    Abandon(Target, Load),
    Invalidate(Target),
    Set(Target),
    Touch(Target),
    /// `delete()` of the var, then the cache's forget pass at the current time (its slot is not
    /// reused here: the harness keeps addressing vars by their first index).
    Delete(Target),
}

#[derive(Arbitrary, Debug)]
struct VarSpec {
    per_caller: bool,
    ttl: Num,
    swr: Num,
    sie: Num,
    timeout: Num,
    cooldown: Num,
}

#[derive(Arbitrary, Debug)]
struct Input {
    max_entries: Num,
    start: Num,
    vars: Vec<VarSpec>,
    events: Vec<Event>,
}

fn exact_time(t: f64) -> bool {
    !t.is_finite() || (t.fract() == 0.0 && t.abs() <= EXACT)
}

fn exact_duration(d: f64) -> bool {
    d == INF || (d >= 0.0 && d.fract() == 0.0 && d <= EXACT)
}

/// Whether `Options::new` must refuse these values, per its documentation.
fn refused(per_caller: bool, [ttl, swr, sie, timeout, cooldown]: [f64; 5]) -> bool {
    let durations = [ttl, swr, sie, cooldown].iter().all(|&v| v >= 0.0) && timeout > 0.0;
    let storage = !per_caller || (ttl == INF && swr == 0.0 && sie == 0.0 && cooldown == 0.0);
    !(durations && storage)
}

/// One var of the cache, with the harness's view of it.
struct Slot {
    /// The model follows it (exact domain, nothing it cannot follow happened yet).
    model: Option<Model>,
    /// The core's id of each model load, by model index.
    ids: Vec<LoadId>,
    /// Outstanding loads (started, settled neither way), oldest first.
    open: Vec<LoadId>,
    /// Events addressed to this var: no load id it issued can exceed this.
    ops: u64,
    last: Stats,
    /// Forgotten by the cache (`take_forgotten`): events for it are answered as for an unknown
    /// var and change nothing; its counters stay readable (until a new var takes the slot,
    /// which never happens here: this target adds vars only at the start).
    forgotten: bool,
}

struct Run {
    cache: Cache,
    max: usize,
    now: f64,
    slots: Vec<Slot>,
}

impl Run {
    fn new(input: &Input) -> Run {
        let me = input.max_entries.0;
        let max = match max_entries(me) {
            Ok(n) => {
                assert!(
                    me == INF || (me >= 1.0 && me.fract() == 0.0),
                    "maxEntries {me} accepted"
                );
                n
            }
            Err(_) => {
                let whole = me >= 1.0 && me.fract() == 0.0 && me <= f64::from(u32::MAX);
                assert!(!whole && me != INF, "maxEntries {me} refused");
                // Small counts exercise the bound hardest: derive one from the refused value.
                (me.to_bits() % 4) as usize + 1
            }
        };
        let mut run = Run {
            cache: Cache::new(max),
            max,
            now: input.start.0,
            slots: Vec::new(),
        };
        for spec in input.vars.iter().take(MAX_VARS) {
            run.add(spec);
        }
        run
    }

    fn add(&mut self, s: &VarSpec) {
        let v = [s.ttl.0, s.swr.0, s.sie.0, s.timeout.0, s.cooldown.0];
        let mode = if s.per_caller {
            Mode::PerCaller
        } else {
            Mode::Shared
        };
        let (opts, policy) = match Options::new(mode, v[0], v[1], v[2], v[3], v[4]) {
            Ok(o) => {
                assert!(
                    !refused(s.per_caller, v),
                    "accepted {v:?} per_caller={}",
                    s.per_caller
                );
                let policy = Policy {
                    shared: !s.per_caller,
                    ttl: v[0],
                    swr: v[1],
                    sie: v[2],
                    cooldown: v[4],
                    retry: DEFAULT_RETRY_INTERVAL_MS,
                };
                (o, policy)
            }
            Err(e) => {
                assert!(
                    refused(s.per_caller, v),
                    "refused {v:?} per_caller={}: {e:?}",
                    s.per_caller
                );
                let d = Options::DEFAULT;
                (
                    d,
                    Policy {
                        shared: true,
                        ttl: INF,
                        swr: 0.0,
                        sie: 0.0,
                        cooldown: 0.0,
                        retry: DEFAULT_RETRY_INTERVAL_MS,
                    },
                )
            }
        };
        let id = self.cache.add(opts).expect("room for 8 vars");
        assert_eq!(id as usize, self.slots.len(), "dense var ids");
        let exact = exact_time(self.now)
            && [policy.ttl, policy.swr, policy.sie, policy.cooldown]
                .iter()
                .all(|&d| exact_duration(d));
        self.slots.push(Slot {
            model: exact.then(|| Model::new(policy)),
            ids: Vec::new(),
            open: Vec::new(),
            ops: 0,
            last: Stats::default(),
            forgotten: false,
        });
    }

    /// The load id an event names for slot `v`, and whether the var never issued it.
    fn load_id(&self, v: usize, load: Load) -> Option<(LoadId, bool)> {
        let s = &self.slots[v];
        let unissued = |id: LoadId| id == 0 || id > s.ops;
        match load {
            Load::Pick(p) => (!s.open.is_empty()).then(|| (s.open[p % s.open.len()], false)),
            Load::Unissued(0) => Some((0, true)),
            Load::Unissued(k) if k % 2 == 1 => Some((s.ops + u64::from(k), true)),
            Load::Unissued(k) => Some((u64::MAX - u64::from(k), true)),
            Load::Raw(id) => Some((id, unissued(id))),
        }
    }

    fn apply(&mut self, e: Event) {
        match e {
            Event::Advance(d) => self.clock(self.now + d.0),
            Event::Jump(t) => self.clock(t.0),
            Event::Get(t)
            | Event::Loaded(t, _)
            | Event::Failed(t, ..)
            | Event::Abandon(t, _)
            | Event::Invalidate(t)
            | Event::Set(t)
            | Event::Touch(t)
            | Event::Delete(t) => {
                match usize::try_from(t.0).ok().filter(|&v| v < self.slots.len()) {
                    Some(v) if self.slots[v].forgotten => {
                        let before = self.cache.stats(t.0);
                        self.on_unknown(t.0, e, false);
                        assert_eq!(self.cache.stats(t.0), before, "an event changed a forgotten var");
                    }
                    Some(v) => {
                        self.slots[v].ops += 1;
                        self.on_var(v, t.0, e);
                    }
                    None => self.on_unknown(t.0, e, true),
                }
            }
        }
        self.check();
    }

    fn clock(&mut self, now: f64) {
        self.now = now;
        if !exact_time(now) {
            for s in &mut self.slots {
                s.model = None;
            }
        }
    }

    /// An event for a var the cache does not know (`zeroed`: nor ever knew, so it reads as an
    /// empty var with zero counters) or has forgotten.
    fn on_unknown(&mut self, id: VarId, e: Event, zeroed: bool) {
        let now = self.now;
        let c = &mut self.cache;
        match e {
            Event::Get(_) => assert_eq!(c.get(id, now), None),
            Event::Loaded(_, Load::Raw(l)) => assert!(!c.loaded(id, l, now)),
            Event::Loaded(..) => assert!(!c.loaded(id, 1, now)),
            Event::Failed(_, _, w, to) => {
                assert_eq!(c.failed(id, 1, now, w, to), FailDecision::Reject)
            }
            Event::Abandon(..) => assert_eq!(c.abandon(id, 1, now, 1), None),
            Event::Invalidate(_) => assert_eq!(c.invalidate(id, now), None),
            Event::Set(_) => c.set(id, now),
            Event::Touch(_) => c.touch(id),
            Event::Delete(_) => c.delete(id),
            Event::Advance(_) | Event::Jump(_) => {}
        }
        assert_eq!(c.state(id, now), State::Empty);
        if zeroed {
            assert_eq!(c.stats(id), Stats::default());
        }
    }

    fn on_var(&mut self, v: usize, id: VarId, e: Event) {
        let now = self.now;
        let had_value = self.cache.var(id).is_some_and(|x| x.has_value());
        match e {
            Event::Get(_) => {
                let got = self.cache.get(id, now).expect("a known var");
                if got == GetDecision::Hit {
                    assert!(had_value, "hit without a value");
                }
                let want = self.slots[v].model.as_mut().map(|m| m.get(now));
                self.decided(v, got, want);
            }
            Event::Abandon(_, load) => {
                let Some((l, unissued)) = self.load_id(v, load) else {
                    return;
                };
                let got = self.cache.abandon(id, l, now, 1).expect("a known var");
                if got == GetDecision::Hit {
                    assert!(had_value, "a takeover served a value that was not there");
                }
                let want = match self.model_index(v, l, unissued) {
                    Some(i) => self.slots[v].model.as_mut().map(|m| m.abandon(i, now, 1)),
                    None => None,
                };
                self.decided(v, got, want);
            }
            Event::Loaded(_, load) => {
                let Some((l, unissued)) = self.load_id(v, load) else {
                    return;
                };
                let before = self.observe(id);
                let got = self.cache.loaded(id, l, now);
                if unissued {
                    assert!(!got, "never-issued load {l} stored");
                    assert_eq!(
                        self.observe(id),
                        before,
                        "never-issued load {l} changed the var"
                    );
                    return;
                }
                if let Some(i) = self.model_index(v, l, false) {
                    let m = self.slots[v]
                        .model
                        .as_mut()
                        .expect("model index implies a model");
                    assert_eq!(got, m.loaded(i, now), "loaded({l})");
                }
                self.slots[v].open.retain(|&o| o != l);
            }
            Event::Failed(_, load, waiters, timed_out) => {
                let Some((l, unissued)) = self.load_id(v, load) else {
                    return;
                };
                let before = self.observe(id);
                let got = self.cache.failed(id, l, now, waiters, timed_out);
                if unissued {
                    assert_eq!(got, FailDecision::Reject, "never-issued load {l}");
                    assert_eq!(
                        self.observe(id),
                        before,
                        "never-issued load {l} changed the var"
                    );
                    return;
                }
                if got == FailDecision::ServeStale {
                    let x = self.cache.var(id).expect("known");
                    assert!(
                        x.options().mode() == Mode::Shared,
                        "stale served with custom storage"
                    );
                }
                // The model counts waiters with plain `+=`: beyond 2^40 of them it cannot follow.
                if waiters > 1 << 40 {
                    self.slots[v].model = None;
                }
                if let Some(i) = self.model_index(v, l, false) {
                    let m = self.slots[v]
                        .model
                        .as_mut()
                        .expect("model index implies a model");
                    assert_eq!(got, m.failed(i, now, waiters, timed_out), "failed({l})");
                }
                self.slots[v].open.retain(|&o| o != l);
            }
            Event::Invalidate(_) => {
                let got = self.cache.invalidate(id, now).expect("a known var");
                if let Some(m) = self.slots[v].model.as_mut() {
                    assert_eq!(got, m.invalidate(now), "invalidate");
                }
            }
            Event::Set(_) => {
                self.cache.set(id, now);
                if let Some(m) = self.slots[v].model.as_mut() {
                    m.set(now);
                }
            }
            Event::Touch(_) => self.cache.touch(id),
            Event::Delete(_) => {
                self.cache.delete(id);
                let x = self.cache.var(id).expect("a known var");
                assert!(!x.holds(), "delete() left a value held");
                assert_ne!(x.state(now), State::Loading, "delete() left a load to join");
                // The model cannot follow a forgotten name: it is dropped, as after an eviction.
                self.slots[v].model = None;
                for f in self.cache.take_forgotten() {
                    let x = self.cache.var(f).expect("a forgotten slot stays readable");
                    assert!(!x.holds() && x.idle(), "forgot var {f}, which is not idle");
                    if let Some(s) = usize::try_from(f).ok().and_then(|i| self.slots.get_mut(i)) {
                        s.forgotten = true;
                        s.model = None;
                    }
                }
            }
            Event::Advance(_) | Event::Jump(_) => {}
        }
    }

    /// The model's index of load `l` of slot `v`; drops the model when it has no such load
    /// (an issued id of a settled load, or one taken by an invalidate/set: the JS layer never
    /// names those, and the model cannot follow).
    fn model_index(&mut self, v: usize, l: LoadId, unissued: bool) -> Option<usize> {
        let s = &mut self.slots[v];
        s.model.as_ref()?;
        let i = s.ids.iter().position(|&x| x == l);
        let open = s.open.contains(&l);
        match i {
            Some(i) if open && !unissued => Some(i),
            _ => {
                s.model = None;
                None
            }
        }
    }

    /// Records a new load of a decision and compares it with the model's, if any.
    fn decided(&mut self, v: usize, got: GetDecision, want: Option<Expect>) {
        let s = &mut self.slots[v];
        if let GetDecision::Start(l) | GetDecision::StaleRevalidate(l) = got {
            assert!(
                !s.open.contains(&l) && !s.ids.contains(&l),
                "load id {l} reused"
            );
            s.open.push(l);
            if s.model.is_some() {
                s.ids.push(l);
            }
        }
        let Some(want) = want else { return };
        let ok = match (got, want) {
            (GetDecision::Hit, Expect::Hit)
            | (GetDecision::Stale, Expect::Stale)
            | (GetDecision::Start(_), Expect::Start)
            | (GetDecision::StaleRevalidate(_), Expect::StaleRevalidate) => true,
            (GetDecision::Join(l), Expect::Join(i)) => s.ids.get(i) == Some(&l),
            _ => false,
        };
        assert!(
            ok,
            "core decided {got:?}, model expected {want:?} (model load ids {:?})",
            s.ids
        );
    }

    fn observe(&self, id: VarId) -> (State, Stats, bool, u64) {
        let x = self.cache.var(id).expect("known");
        let until = x.fresh_until().to_bits();
        (
            self.cache.state(id, self.now),
            self.cache.stats(id),
            x.has_value(),
            until,
        )
    }

    fn check(&mut self) {
        let evicted = self.cache.take_evicted();
        assert!(
            self.max != usize::MAX || evicted.is_empty(),
            "unbounded cache evicted {evicted:?}"
        );
        for &e in &evicted {
            let s = self.slots.get_mut(e as usize).expect("evicted a known var");
            s.model = None;
        }
        let mut holding = 0;
        for (v, s) in self.slots.iter_mut().enumerate() {
            let id = v as VarId;
            let x = self.cache.var(id).expect("known");
            let state = x.state(self.now);
            assert_eq!(
                x.has_value(),
                matches!(state, State::Fresh | State::Stale),
                "{state:?}"
            );
            // What maxEntries counts: a stored value, or one invalidate() kept as the
            // stale-if-error answer.
            holding += usize::from(x.holds());
            let st = x.stats();
            let pairs = [
                (st.hits, s.last.hits),
                (st.misses, s.last.misses),
                (st.loads, s.last.loads),
                (st.errors, s.last.errors),
                (st.stale_served, s.last.stale_served),
                (st.timeouts, s.last.timeouts),
                (st.coalesced, s.last.coalesced),
                (st.cooldown_skips, s.last.cooldown_skips),
            ];
            assert!(
                pairs.iter().all(|(now, was)| now >= was),
                "a counter went down: {st:?}"
            );
            s.last = st;
            if let Some(m) = &s.model {
                assert_eq!(state, m.state(self.now), "state({}) of var {v}", self.now);
                assert_eq!(st, m.stats, "stats of var {v}");
                assert_eq!(x.has_value(), m.has_value(), "has_value of var {v}");
                let (got, want) = (x.fresh_until(), m.fresh_until());
                assert!(
                    got == want || (got.is_nan() && want.is_nan()),
                    "fresh_until {got} vs {want}"
                );
            }
        }
        if self.max == usize::MAX {
            assert_eq!(self.cache.held(), 0);
        } else {
            assert!(
                holding <= self.max,
                "{holding} values held, maxEntries {}",
                self.max
            );
            assert_eq!(self.cache.held(), holding);
        }
    }
}

fuzz_target!(|input: Input| {
    let mut run = Run::new(&input);
    if run.slots.is_empty() {
        return;
    }
    for &e in &input.events {
        run.apply(e);
    }
});
