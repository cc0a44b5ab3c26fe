//! Many variables under one bound: the core of a `MemoryCache`.
//!
//! Variables are addressed by a dense index handed out by [`Cache::add`]. With a finite
//! `maxEntries`, the cache keeps the variables that hold a value in least-recently-used order —
//! a doubly linked list threaded through the entries by index: `O(1)` per touch and eviction, no
//! hashing (so no random seed; random values are refused at start-up on workerd), and less code
//! in the wasm than a `BTreeMap` — and evicts the oldest when one store too many happens.
//! Evicted indices are queued for the JS layer to drop their values.

use super::options::Options;
use super::var::{FailDecision, GetDecision, InvalidateDecision, LoadId, State, Stats, Var};

/// Index of a variable within its cache.
pub type VarId = u32;

struct Entry {
    var: Var,
    /// In the recency list (holds a value, bounded caches only), with its neighbours: `prev` is
    /// less recently used, `next` more.
    linked: bool,
    prev: Option<VarId>,
    next: Option<VarId>,
}

/// A set of variables sharing an optional size bound.
pub struct Cache {
    entries: Vec<Entry>,
    max_entries: usize,
    /// Least and most recently used ends of the recency list, and its length.
    oldest: Option<VarId>,
    newest: Option<VarId>,
    linked: usize,
    evicted: Vec<VarId>,
}

impl Cache {
    /// An empty cache holding at most `max_entries` values (`usize::MAX`: unbounded).
    pub fn new(max_entries: usize) -> Cache {
        Cache {
            entries: Vec::new(),
            max_entries,
            oldest: None,
            newest: None,
            linked: 0,
            evicted: Vec::new(),
        }
    }

    /// Adds a variable; `None` only if the index space (2^32 variables) is exhausted.
    pub fn add(&mut self, opts: Options) -> Option<VarId> {
        let id = VarId::try_from(self.entries.len()).ok()?;
        self.entries.push(Entry {
            var: Var::new(opts),
            linked: false,
            prev: None,
            next: None,
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
        if !self.bounded() || !self.var(id).is_some_and(Var::has_value) {
            return;
        }
        self.unlink(id);
        self.push_newest(id);
        while self.linked > self.max_entries {
            let Some(victim) = self.oldest else { break };
            self.unlink(victim);
            if let Some(e) = self.entry(victim) {
                e.var.evict();
            }
            self.evicted.push(victim);
        }
    }

    fn push_newest(&mut self, id: VarId) {
        let before = self.newest;
        let Some(e) = self.entry(id) else { return };
        e.linked = true;
        e.prev = before;
        e.next = None;
        match before.and_then(|b| self.entry(b)) {
            Some(b) => b.next = Some(id),
            None => self.oldest = Some(id),
        }
        self.newest = Some(id);
        self.linked = self.linked.saturating_add(1);
    }

    fn unlink(&mut self, id: VarId) {
        let Some(e) = self.entry(id) else { return };
        if !e.linked {
            return;
        }
        let (prev, next) = (e.prev.take(), e.next.take());
        e.linked = false;
        match prev.and_then(|p| self.entry(p)) {
            Some(p) => p.next = next,
            None => self.oldest = next,
        }
        match next.and_then(|n| self.entry(n)) {
            Some(n) => n.prev = prev,
            None => self.newest = prev,
        }
        self.linked = self.linked.saturating_sub(1);
    }

    fn forget(&mut self, id: VarId) {
        if !self.var(id).is_some_and(Var::has_value) {
            self.unlink(id);
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
        let ttl = self.var(id).map_or(f64::INFINITY, |v| v.options().ttl());
        self.loaded_for(id, load, now, ttl)
    }

    /// See [`Var::loaded_for`].
    pub fn loaded_for(&mut self, id: VarId, load: LoadId, now: f64, ttl: f64) -> bool {
        let stored = self
            .entry(id)
            .is_some_and(|e| e.var.loaded_for(load, now, ttl));
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
    pub fn abandon(
        &mut self,
        id: VarId,
        load: LoadId,
        now: f64,
        callers: u64,
    ) -> Option<GetDecision> {
        let d = self.entry(id)?.var.abandon(load, now, callers);
        if d == GetDecision::Hit {
            self.touch(id);
        }
        Some(d)
    }

    /// See [`Var::cancel`].
    pub fn cancel(&mut self, id: VarId, load: LoadId) {
        if let Some(e) = self.entry(id) {
            e.var.cancel(load);
        }
    }

    /// See [`Var::refused`].
    pub fn refused(&mut self, id: VarId) {
        if let Some(e) = self.entry(id) {
            e.var.refused();
        }
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
        self.linked
    }
}
