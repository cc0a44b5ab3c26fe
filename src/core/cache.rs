//! Many variables under one bound: the core of a `MemoryCache`.
//!
//! Variables are addressed by a dense index handed out by [`Cache::add`]. With a finite
//! `maxEntries`, the cache keeps the variables that hold a value in least-recently-used order —
//! a doubly linked list threaded through the entries by index: `O(1)` per touch and eviction, no
//! hashing (so no random seed; random values are refused at start-up on workerd), and less code
//! in the wasm than a `BTreeMap` — and evicts the oldest when one store too many happens.
//! Evicted indices are queued for the JS layer to drop their values.
//!
//! Memory is bounded by the names, not just the values: in a bounded cache a variable that holds
//! nothing and runs no load (never loaded, evicted, or its load failed) is *forgotten*, as is one
//! `delete`d in any cache once idle — whatever its cooldown window (a forgotten name starts
//! afresh; waiting for windows to end kept every name of the last `cooldown` ms, unbounded under
//! a stream of names). A forgotten index is queued (see [`Cache::take_forgotten`]) and its slot
//! reused by a later [`Cache::add`], its load ids continuing above the previous occupant's.

use std::collections::VecDeque;

use super::options::{Mode, Options};
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
    /// `delete()`d since it last held a value: forgotten once idle, bounded cache or not.
    deleted: bool,
    /// Queued in `forgetting` (checked again when taken), or free.
    queued: bool,
    /// Forgotten: its slot waits in `free` for [`Cache::add`]. Events for it are ignored, as for
    /// an unknown variable (the JS layer no longer sends any; were one sent by mistake, a set()
    /// would link a free slot into the recency list and its reuse would corrupt the list).
    free: bool,
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
    /// Idle variables to forget, and slots free for reuse.
    forgetting: VecDeque<VarId>,
    free: Vec<VarId>,
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
            forgetting: VecDeque::new(),
            free: Vec::new(),
        }
    }

    /// Adds a variable, in a forgotten one's slot if there is one; `None` only if the index space
    /// (2^32 variables) is exhausted.
    pub fn add(&mut self, opts: Options) -> Option<VarId> {
        if let Some(id) = self.free.pop() {
            if let Some(e) = self.slot(id) {
                let seq = e.var.seq();
                *e = Entry::new(Var::reborn(opts, seq));
                // A name that never starts a load (a refused get(), a var looked up and left)
                // is forgotten too: queued now, checked again when taken.
                self.settle(id);
                return Some(id);
            }
        }
        let id = VarId::try_from(self.entries.len()).ok()?;
        self.entries.push(Entry::new(Var::new(opts)));
        self.settle(id);
        Some(id)
    }

    /// Whether `e` may be forgotten now: idle, and deleted or in a bounded cache (memory mode:
    /// a custom-storage variable's value lives in its storage, so only `delete()` forgets it).
    fn forgettable(bounded: bool, e: &Entry) -> bool {
        !e.linked
            && e.var.idle()
            && (e.deleted || (bounded && e.var.options().mode() == Mode::Shared))
    }

    /// Queues `id` to be forgotten if it is forgettable.
    fn settle(&mut self, id: VarId) {
        let bounded = self.bounded();
        let Some(e) = self.entry(id) else { return };
        if e.queued || !Cache::forgettable(bounded, e) {
            return;
        }
        e.queued = true;
        self.forgetting.push_back(id);
    }

    /// The next queued variable that is still idle (dropping from the queue those that are not),
    /// to be forgotten with [`Cache::forget`]. The queue is in the order variables became idle.
    pub fn next_forgettable(&mut self) -> Option<VarId> {
        let bounded = self.bounded();
        while let Some(&id) = self.forgetting.front() {
            match self.entry(id) {
                Some(e) if Cache::forgettable(bounded, e) => return Some(id),
                Some(e) => e.queued = false,
                None => {} // (free already: forgotten once is enough)
            }
            self.forgetting.pop_front();
        }
        None
    }

    /// Forgets `id`, the variable [`Cache::next_forgettable`] named (`false` for any other): its
    /// slot is free for [`Cache::add`] to reuse (until then its counters can still be read); the
    /// JS layer drops its object for it and answers for the name as for a new one.
    pub fn forget(&mut self, id: VarId) -> bool {
        if self.forgetting.front() != Some(&id) {
            return false;
        }
        self.forgetting.pop_front();
        let Some(e) = self.entry(id) else {
            return false;
        };
        e.free = true;
        e.queued = false;
        self.free.push(id);
        true
    }

    /// Forgets every queued variable still idle: see [`Cache::next_forgettable`] and
    /// [`Cache::forget`]. Returns them.
    pub fn take_forgotten(&mut self) -> Vec<VarId> {
        let mut forgotten = Vec::new();
        while let Some(id) = self.next_forgettable() {
            if !self.forget(id) {
                break;
            }
            forgotten.push(id);
        }
        forgotten
    }

    /// `delete()` of `id` (see [`Var::delete`]): it no longer counts against the bound, and is
    /// forgotten once its running loads have ended (at once if none runs).
    pub fn delete(&mut self, id: VarId) {
        let Some(e) = self.entry(id) else { return };
        e.var.delete();
        e.deleted = true;
        self.unlink(id);
        self.settle(id);
    }

    /// How many variables have a value stored (fresh or stale). `O(variables)`.
    pub fn stored_count(&self) -> usize {
        // (A free slot holds nothing: only idle variables are forgotten.)
        self.entries.iter().filter(|e| e.var.has_value()).count()
    }

    #[inline]
    fn bounded(&self) -> bool {
        self.max_entries != usize::MAX
    }

    /// The entry of a live variable (`None` for an unknown id or a forgotten one).
    #[inline]
    fn entry(&mut self, id: VarId) -> Option<&mut Entry> {
        self.slot(id).filter(|e| !e.free)
    }

    /// The entry in slot `id`, forgotten or not.
    #[inline]
    fn slot(&mut self, id: VarId) -> Option<&mut Entry> {
        self.entries.get_mut(usize::try_from(id).ok()?)
    }

    /// The variable `id`, if it exists (a forgotten one until its slot is reused: its counters
    /// can still be read).
    pub fn var(&self, id: VarId) -> Option<&Var> {
        self.entries.get(usize::try_from(id).ok()?).map(|e| &e.var)
    }

    /// Marks `id` as just used, if it holds a value and the cache is bounded.
    #[inline]
    pub fn touch(&mut self, id: VarId) {
        if self.bounded() {
            self.touch_bounded(id);
        }
    }

    fn touch_bounded(&mut self, id: VarId) {
        if !self.entry(id).is_some_and(|e| e.var.has_value()) {
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
            self.settle(victim);
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

    /// After an event that may have dropped what `id` holds.
    fn dropped(&mut self, id: VarId) {
        if !self.var(id).is_some_and(Var::holds) {
            self.unlink(id);
        }
        self.settle(id);
    }

    /// See [`Var::get`]. `None` for an unknown variable.
    pub fn get(&mut self, id: VarId, now: f64) -> Option<GetDecision> {
        let d = self.entry(id)?.var.get(now);
        if d == GetDecision::Hit {
            self.touch(id);
        }
        Some(d)
    }

    /// See [`Var::get_unclocked`]: `true` for a hit (then used, as by [`Cache::get`]).
    #[inline]
    pub fn get_unclocked(&mut self, id: VarId) -> bool {
        let hit = self.entry(id).is_some_and(|e| e.var.get_unclocked());
        if hit {
            self.touch(id);
        }
        hit
    }

    /// See [`Var::loaded`]; a stored value may evict others (see [`Cache::take_evicted`]).
    pub fn loaded(&mut self, id: VarId, load: LoadId, now: f64) -> bool {
        let ttl = self.var(id).map_or(f64::INFINITY, |v| v.options().ttl());
        self.loaded_for(id, load, now, ttl)
    }

    /// See [`Var::loaded_for`].
    pub fn loaded_for(&mut self, id: VarId, load: LoadId, now: f64, ttl: f64) -> bool {
        let stored = self.entry(id).is_some_and(|e| {
            let stored = e.var.loaded_for(load, now, ttl);
            e.deleted &= !stored;
            stored
        });
        if stored {
            self.touch(id);
        } else {
            self.settle(id);
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
        let d = match self.entry(id) {
            Some(e) => e.var.failed(load, now, waiters, timed_out),
            None => FailDecision::Reject,
        };
        self.settle(id);
        d
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
        self.settle(id);
    }

    /// See [`Var::load_dropped`].
    pub fn load_dropped(&mut self, id: VarId, load: LoadId) {
        if let Some(e) = self.entry(id) {
            e.var.load_dropped(load);
        }
        self.settle(id);
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
        self.dropped(id);
        Some(d)
    }

    /// See [`Var::set`].
    pub fn set(&mut self, id: VarId, now: f64) {
        if let Some(e) = self.entry(id) {
            e.var.set(now);
            e.deleted = false;
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

impl Entry {
    fn new(var: Var) -> Entry {
        Entry {
            var,
            linked: false,
            prev: None,
            next: None,
            deleted: false,
            queued: false,
            free: false,
        }
    }
}
