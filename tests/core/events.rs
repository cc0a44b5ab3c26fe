//! Random event sequences for one var, and a driver that applies them to the core's `Var` and to
//! the reference model side by side, comparing every decision and observation.

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use simple_memory_cache::core::{
    GetDecision, LoadId, Mode, Options, Var, DEFAULT_RETRY_INTERVAL_MS,
};

use crate::model::{Expect, Model, Policy};

/// One thing that can happen to a var. Loads are picked among the outstanding ones (settled
/// neither way yet, whether superseded or abandoned or not) by index modulo their number.
#[derive(Clone, Debug)]
pub enum Event {
    /// The clock moves by this much (zero and backwards included).
    Advance(f64),
    /// The clock jumps to this reading.
    Jump(f64),
    Get,
    Loaded(usize),
    /// A load resolves with a freshness lifetime of its own (`ctx.ttl`).
    LoadedFor(usize, f64),
    Failed {
        pick: usize,
        waiters: u64,
        timed_out: bool,
    },
    /// Several waiters of a load give up on it together (workerd: one group of joiners).
    Abandon(usize, u64),
    /// A load that was just decided could not be started.
    Cancel(usize),
    /// A started load's task was dropped before it settled (the Rust face).
    Dropped(usize),
    /// A `get()` refused before any decision.
    Refused,
    Invalidate,
    Set,
    /// The value was dropped for the cache's `maxEntries`.
    Evict,
}

/// Durations the model comparison uses: exact in `f64`, boundaries reachable by the clock steps.
pub fn duration() -> impl Strategy<Value = f64> {
    prop_oneof![
        2 => Just(0.0),
        4 => (1u32..=12).prop_map(f64::from),
        1 => Just(100.0),
        2 => Just(f64::INFINITY),
    ]
}

/// `Options::new` arguments for a shared var; the model's view of the same options.
pub fn shared_options() -> impl Strategy<Value = (Options, Policy)> {
    (
        duration(),
        duration(),
        duration(),
        duration(),
        duration(),
        duration(),
    )
        .prop_map(|(ttl, swr, sie, timeout, cooldown, retry)| {
            let timeout = if timeout > 0.0 { timeout } else { 1.0 };
            let opts = Options::new(Mode::Shared, ttl, swr, sie, timeout, cooldown)
                .and_then(|o| o.with_retry_interval(retry))
                .expect("generated options are valid");
            let policy = Policy {
                shared: true,
                ttl,
                swr,
                sie,
                cooldown,
                retry,
            };
            (opts, policy)
        })
}

/// A custom-storage var: only `timeout` may be set.
pub fn per_caller_options() -> impl Strategy<Value = (Options, Policy)> {
    prop_oneof![Just(f64::INFINITY), (1u32..1000).prop_map(f64::from)].prop_map(|timeout| {
        let inf = f64::INFINITY;
        let opts = Options::new(Mode::PerCaller, inf, 0.0, 0.0, timeout, 0.0)
            .expect("a timeout alone is valid with storage");
        let policy = Policy {
            shared: false,
            ttl: inf,
            swr: 0.0,
            sie: 0.0,
            cooldown: 0.0,
            retry: DEFAULT_RETRY_INTERVAL_MS,
        };
        (opts, policy)
    })
}

/// Events with whole-millisecond clock steps (mostly forward), and now and then a jump to a
/// far, non-finite or NaN reading.
pub fn exact_event() -> impl Strategy<Value = Event> {
    prop_oneof![
        6 => prop_oneof![Just(0.0), (1u32..=6).prop_map(f64::from), Just(50.0)]
            .prop_map(Event::Advance),
        1 => (-8i32..0).prop_map(|d| Event::Advance(f64::from(d))),
        1 => prop_oneof![
            8 => (-1_000_000i64..2_000_000_000_000).prop_map(|t| t as f64),
            1 => Just(f64::NAN),
            1 => Just(f64::INFINITY),
            1 => Just(f64::NEG_INFINITY),
        ]
        .prop_map(Event::Jump),
        8 => Just(Event::Get),
        5 => any::<usize>().prop_map(Event::Loaded),
        2 => (any::<usize>(), duration()).prop_map(|(p, ttl)| Event::LoadedFor(p, ttl)),
        3 => (any::<usize>(), 0u64..4, any::<bool>()).prop_map(|(pick, waiters, timed_out)| {
            Event::Failed { pick, waiters, timed_out }
        }),
        2 => (any::<usize>(), 1u64..4).prop_map(|(p, n)| Event::Abandon(p, n)),
        1 => any::<usize>().prop_map(Event::Cancel),
        1 => any::<usize>().prop_map(Event::Dropped),
        1 => Just(Event::Refused),
        3 => Just(Event::Invalidate),
        2 => Just(Event::Set),
        1 => Just(Event::Evict),
    ]
}

/// Where the clock starts: zero, negative, or a real `Date.now()` reading.
pub fn start_time() -> impl Strategy<Value = f64> {
    prop_oneof![Just(0.0), Just(-500.0), Just(1_732_000_000_000.0)]
}

/// The core and the model, driven together.
pub struct Run {
    pub var: Var,
    pub model: Model,
    /// The core's id of each model load, by model index.
    pub ids: Vec<LoadId>,
    pub now: f64,
    /// Trace of what happened, printed when a check fails.
    pub log: Vec<String>,
    /// The load a `get()` joined or started with no value stored while `joins_stand()` held:
    /// every later `get()` must join it until another event (the JS layer joins without asking).
    pub fast: Option<LoadId>,
}

impl Run {
    pub fn new(opts: Options, policy: Policy, now: f64) -> Run {
        Run {
            var: Var::new(opts),
            model: Model::new(policy),
            ids: Vec::new(),
            now,
            log: Vec::new(),
            fast: None,
        }
    }

    /// The model index of the outstanding load `pick` selects.
    fn outstanding(&self, pick: usize) -> Option<usize> {
        let open: Vec<usize> = (0..self.model.loads.len())
            .filter(|&i| !self.model.loads[i].settled)
            .collect();
        (!open.is_empty()).then(|| open[pick % open.len()])
    }

    /// Compares a decision of the core with the model's, recording the id of a new load.
    fn check_decision(&mut self, got: GetDecision, want: Expect) -> Result<(), TestCaseError> {
        let ok = match (got, want) {
            (GetDecision::Hit, Expect::Hit) | (GetDecision::Stale, Expect::Stale) => true,
            (GetDecision::Join(id), Expect::Join(i)) => self.ids[i] == id,
            (GetDecision::Start(id), Expect::Start)
            | (GetDecision::StaleRevalidate(id), Expect::StaleRevalidate) => {
                let fresh = !self.ids.contains(&id);
                self.ids.push(id);
                fresh
            }
            _ => false,
        };
        prop_assert!(
            ok,
            "core decided {got:?}, model expected {want:?} (model load ids {:?})",
            self.ids
        );
        Ok(())
    }

    /// Applies one event to both and compares everything observable afterwards.
    pub fn apply(&mut self, event: &Event) -> Result<(), TestCaseError> {
        self.log.push(format!("{event:?} @ {}", self.now));
        if !matches!(event, Event::Advance(_) | Event::Jump(_) | Event::Get) {
            self.fast = None;
        }
        match *event {
            Event::Advance(d) => self.now += d,
            Event::Jump(t) => self.now = t,
            Event::Get => {
                let got = self.var.get(self.now);
                let want = self.model.get(self.now);
                self.log.push(format!("  -> {got:?}"));
                self.check_decision(got, want)?;
                if let Some(id) = self.fast {
                    prop_assert_eq!(
                        got,
                        GetDecision::Join(id),
                        "joins_stand() held, then time alone changed the answer\n{}",
                        self.log.join("\n")
                    );
                }
                self.fast = match got {
                    GetDecision::Join(id) | GetDecision::Start(id)
                        if !self.var.has_value() && self.var.joins_stand() =>
                    {
                        Some(id)
                    }
                    _ => None,
                };
            }
            Event::Loaded(pick) => {
                let Some(i) = self.outstanding(pick) else {
                    return Ok(());
                };
                let got = self.var.loaded(self.ids[i], self.now);
                let want = self.model.loaded(i, self.now);
                self.log.push(format!("  load {} -> {got:?}", self.ids[i]));
                prop_assert_eq!(got, want, "loaded({})", self.ids[i]);
            }
            Event::LoadedFor(pick, ttl) => {
                let Some(i) = self.outstanding(pick) else {
                    return Ok(());
                };
                let got = self.var.loaded_for(self.ids[i], self.now, ttl);
                let want = self.model.loaded_for(i, self.now, ttl);
                self.log
                    .push(format!("  load {} (ttl {ttl}) -> {got:?}", self.ids[i]));
                prop_assert_eq!(got, want, "loaded_for({})", self.ids[i]);
            }
            Event::Failed {
                pick,
                waiters,
                timed_out,
            } => {
                let Some(i) = self.outstanding(pick) else {
                    return Ok(());
                };
                let got = self.var.failed(self.ids[i], self.now, waiters, timed_out);
                let want = self.model.failed(i, self.now, waiters, timed_out);
                self.log.push(format!("  load {} -> {got:?}", self.ids[i]));
                prop_assert_eq!(got, want, "failed({})", self.ids[i]);
            }
            Event::Abandon(pick, callers) => {
                let Some(i) = self.outstanding(pick) else {
                    return Ok(());
                };
                let got = self.var.abandon(self.ids[i], self.now, callers);
                let want = self.model.abandon(i, self.now, callers);
                self.log.push(format!("  load {} -> {got:?}", self.ids[i]));
                self.check_decision(got, want)?;
            }
            Event::Cancel(pick) => {
                let Some(i) = self.outstanding(pick) else {
                    return Ok(());
                };
                self.var.cancel(self.ids[i]);
                self.model.cancel(i);
            }
            Event::Dropped(pick) => {
                let Some(i) = self.outstanding(pick) else {
                    return Ok(());
                };
                self.var.load_dropped(self.ids[i]);
                self.model.dropped(i);
            }
            Event::Refused => {
                self.var.refused();
                self.model.refused();
            }
            Event::Evict => {
                self.var.evict();
                self.model.evict();
            }
            Event::Invalidate => {
                let got = self.var.invalidate(self.now);
                let want = self.model.invalidate(self.now);
                self.log.push(format!("  -> {got:?}"));
                prop_assert_eq!(got, want, "invalidate");
            }
            Event::Set => {
                self.var.set(self.now);
                self.model.set(self.now);
            }
        }
        self.check_observations()
    }

    fn check_observations(&self) -> Result<(), TestCaseError> {
        let now = self.now;
        prop_assert_eq!(self.var.state(now), self.model.state(now), "state({})", now);
        prop_assert_eq!(self.var.stats(), self.model.stats, "stats");
        prop_assert_eq!(self.var.has_value(), self.model.has_value(), "has_value");
        let (got, want) = (self.var.fresh_until(), self.model.fresh_until());
        prop_assert!(
            got == want || (got.is_nan() && want.is_nan()),
            "fresh_until: core {got}, model {want}"
        );
        Ok(())
    }

    /// Runs every event, reporting the trace with the first disagreement.
    pub fn run(&mut self, events: &[Event]) -> Result<(), TestCaseError> {
        for e in events {
            if let Err(err) = self.apply(e) {
                return Err(TestCaseError::fail(format!(
                    "{err}\ntrace:\n{}",
                    self.log.join("\n")
                )));
            }
        }
        Ok(())
    }
}

/// Any `f64`, with the awkward ones (NaN, ±Infinity, ±0, extremes) drawn often.
pub fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(0.0),
        Just(-0.0),
        Just(f64::MAX),
        Just(f64::MIN),
        Just(f64::MIN_POSITIVE),
        Just(1e300),
        (-1000i32..1000).prop_map(f64::from),
        any::<f64>(),
    ]
}

/// Events with arbitrary clock readings and waiter counts.
pub fn wild_event() -> impl Strategy<Value = Event> {
    prop_oneof![
        2 => any_f64().prop_map(Event::Advance),
        2 => any_f64().prop_map(Event::Jump),
        4 => Just(Event::Get),
        3 => any::<usize>().prop_map(Event::Loaded),
        1 => (any::<usize>(), any_f64()).prop_map(|(p, ttl)| Event::LoadedFor(p, ttl)),
        2 => (any::<usize>(), any::<u64>(), any::<bool>()).prop_map(|(pick, waiters, timed_out)| {
            Event::Failed { pick, waiters, timed_out }
        }),
        1 => (any::<usize>(), any::<u64>()).prop_map(|(p, n)| Event::Abandon(p, n)),
        1 => any::<usize>().prop_map(Event::Cancel),
        1 => any::<usize>().prop_map(Event::Dropped),
        1 => Just(Event::Refused),
        2 => Just(Event::Invalidate),
        1 => Just(Event::Set),
        1 => Just(Event::Evict),
    ]
}

/// Options built from arbitrary magnitudes (negatives made positive so that most are valid),
/// with the `staleIfError` in force; the defaults when they are invalid (NaN, zero timeout).
pub fn wild_options() -> impl Strategy<Value = (Options, f64)> {
    (any::<bool>(), prop::array::uniform5(any_f64())).prop_map(|(shared, v)| {
        let [ttl, swr, sie, t, c] = v.map(f64::abs);
        let inf = f64::INFINITY;
        if shared {
            match Options::new(Mode::Shared, ttl, swr, sie, t, c) {
                Ok(o) => (o, sie),
                Err(_) => (Options::DEFAULT, 0.0),
            }
        } else {
            let t = if t > 0.0 { t } else { inf };
            let o = Options::new(Mode::PerCaller, inf, 0.0, 0.0, t, 0.0).expect("valid");
            (o, 0.0)
        }
    })
}
