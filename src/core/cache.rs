//! Many variables under one bound: the core of a `MemoryCache`.
//!
//! Variables are addressed by a dense index handed out by [`Cache::add`]. With a finite
//! `maxEntries`, the cache keeps the variables that hold a value in least-recently-used order
//! (a `BTreeMap` from a use counter to the variable: `O(log n)` per touch, no hashing, so no
//! random seed — random values are refused at start-up on workerd) and evicts the oldest when
//! one store too many happens. Evicted indices are queued for the JS layer to drop their values.

use std::collections::BTreeMap;

use super::options::Options;
use super::var::{FailDecision, GetDecision, InvalidateDecision, LoadId, State, Stats, Var};

/// Index of a variable within its cache.
pub type VarId = u32;

struct Entry {
    var: Var,
    /// This var's key in `lru` while it holds a value (bounded caches only).
    used: Option<u64>,
}

/// A set of variables sharing an optional size bound.
pub struct Cache {
    entries: Vec<Entry>,
    max_entries: usize,
    lru: BTreeMap<u64, VarId>,
    clock: u64,
    evicted: Vec<VarId>,
}

impl Cache {
    /// An empty cache holding at most `max_entries` values (`usize::MAX`: unbounded).
    pub fn new(max_entries: usize) -> Cache {
        Cache {
            entries: Vec::new(),
            max_entries,
            lru: BTreeMap::new(),
            clock: 0,
            evicted: Vec::new(),
        }
    }

    /// Adds a variable; `None` only if the index space (2^32 variables) is exhausted.
    pub fn add(&mut self, opts: Options) -> Option<VarId> {
        let id = VarId::try_from(self.entries.len()).ok()?;
        self.entries.push(Entry {
            var: Var::new(opts),
            used: None,
        });
        Some(id)
    }

    fn bounded(&self) -> bool {
        self.max_entries != usize::MAX
    }

    fn entry(&mut self, id: VarId) -> Option<&mut Entry> {
        self.entries.get_mut(usize::try_from(id).ok()?)
    }

    /// The variable `id`, if it exists.
    pub fn var(&self, id: VarId) -> Option<&Var> {
        self.entries.get(usize::try_from(id).ok()?).map(|e| &e.var)
    }

    /// Marks `id` as just used, if it holds a value and the cache is bounded.
    pub fn touch(&mut self, id: VarId) {
        if !self.bounded() {
            return;
        }
        self.clock = self.clock.saturating_add(1);
        let now = self.clock;
        let Some(entry) = self.entry(id) else { return };
        if !entry.var.has_value() {
            return;
        }
        let old = entry.used.replace(now);
        if let Some(old) = old {
            self.lru.remove(&old);
        }
        self.lru.insert(now, id);
        while self.lru.len() > self.max_entries {
            let Some((_, victim)) = self.lru.pop_first() else {
                break;
            };
            if let Some(e) = self.entry(victim) {
                e.used = None;
                e.var.evict();
            }
            self.evicted.push(victim);
        }
    }

    fn forget(&mut self, id: VarId) {
        let old = self.entry(id).and_then(|e| {
            if e.var.has_value() {
                None
            } else {
                e.used.take()
            }
        });
        if let Some(old) = old {
            self.lru.remove(&old);
        }
    }

    /// See [`Var::get`]. `None` for an unknown variable.
    pub fn get(&mut self, id: VarId, now: f64) -> Option<GetDecision> {
        let d = self.entry(id)?.var.get(now);
        if d == GetDecision::Hit {
            self.touch(id);
        }
        Some(d)
    }

    /// See [`Var::loaded`]; a stored value may evict others (see [`Cache::take_evicted`]).
    pub fn loaded(&mut self, id: VarId, load: LoadId, now: f64) -> bool {
        let stored = self.entry(id).is_some_and(|e| e.var.loaded(load, now));
        if stored {
            self.touch(id);
        }
        stored
    }

    /// See [`Var::failed`].
    pub fn failed(
        &mut self,
        id: VarId,
        load: LoadId,
        now: f64,
        waiters: u64,
        timed_out: bool,
    ) -> FailDecision {
        match self.entry(id) {
            Some(e) => e.var.failed(load, now, waiters, timed_out),
            None => FailDecision::Reject,
        }
    }

    /// See [`Var::abandon`].
    pub fn abandon(&mut self, id: VarId, load: LoadId) -> Option<GetDecision> {
        Some(self.entry(id)?.var.abandon(load))
    }

    /// See [`Var::invalidate`].
    pub fn invalidate(&mut self, id: VarId, now: f64) -> Option<InvalidateDecision> {
        let d = self.entry(id)?.var.invalidate(now);
        self.forget(id);
        Some(d)
    }

    /// See [`Var::set`].
    pub fn set(&mut self, id: VarId, now: f64) {
        if let Some(e) = self.entry(id) {
            e.var.set(now);
            self.touch(id);
        }
    }

    /// Variables whose values were evicted since the last call, oldest first.
    pub fn take_evicted(&mut self) -> Vec<VarId> {
        std::mem::take(&mut self.evicted)
    }

    /// See [`Var::state`]; `Empty` for an unknown variable.
    pub fn state(&self, id: VarId, now: f64) -> State {
        self.var(id).map_or(State::Empty, |v| v.state(now))
    }

    /// See [`Var::stats`]; zeros for an unknown variable.
    pub fn stats(&self, id: VarId) -> Stats {
        self.var(id).map(Var::stats).unwrap_or_default()
    }

    /// How many variables hold a value and count against the bound (bounded caches only).
    pub fn held(&self) -> usize {
        self.lru.len()
    }
}
