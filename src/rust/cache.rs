//! `MemoryCache<K, T, E>`: the core's [`Cache`] with the values, loads and waits of Rust code.
//!
//! One rule keeps this sound: the `RefCell` that holds the state is borrowed only inside
//! short, synchronous blocks that call no user code (loader, clock, error hook, a value's `Drop`)
//! and never across an `.await`. Values dropped by the cache are collected in such a block and
//! dropped after it. The core owns every decision (who loads, who waits, what is fresh, what a
//! failure means); this layer keeps only the values and, per running load, a JS promise that its
//! waiters subscribe to from their own task.

use std::cell::{Cell, RefCell, RefMut};
use std::collections::BTreeMap;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;

use js_sys::{Function, Promise};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal};

use crate::core::{
    Cache, FailDecision, GetDecision, InvalidateDecision, LoadId, Options, State, Stats, VarId,
};

use super::error::Error;
use super::js::{deferred, on_workerd, settle, Timer, MAX_TIMER_MS};
use super::waits::{self, Polling};

pub(crate) type BoxFuture<O> = Pin<Box<dyn Future<Output = O>>>;
pub(crate) type Loader<K, T, E> = Box<dyn Fn(K, LoadContext<T>) -> BoxFuture<Result<T, E>>>;
/// A `get()` past its warm hit (boxed: one allocation per miss, none per hit).
type SlowGet<'a, T, E> = Pin<Box<dyn Future<Output = Result<Rc<T>, Error<E>>> + 'a>>;
pub(crate) type Clock = Rc<dyn Fn() -> f64>;
pub(crate) type ErrorHook<K, E> = Rc<dyn Fn(&K, &Error<E>, bool)>;

/// How long a caller that joined another caller's load waits for it, counted from the load's
/// start, when the cache has no `timeout`, on workerd: the earliest a request kept alive by
/// `waitUntil` may be cut (30 s after its response). Elsewhere a load without a `timeout` is
/// waited for however long it takes, as in the JS layer (a bound there made a load slower than
/// 30 s run twice, and its callers fail with `Abandoned`).
const JOIN_BOUND_MS: f64 = 30_000.0;
/// After that bound (or after joining, if later), a joiner waits this much longer before it
/// takes the load over, so that a live load reports its own timeout first.
const JOIN_GRACE_MS: f64 = 50.0;
/// A waiter's bound is waited in timers of at most this long, one after the other. If the wasm
/// instance dies meanwhile (a panic elsewhere traps it, and the runtime resets it), the next
/// tick calls into the dead instance, which schedules nothing more: the waiter's request is
/// then left with nothing pending, and workerd answers it (an error) within a tick instead of
/// holding it until the bound (30 s without a `timeout`).
const JOIN_TICK_MS: f64 = 1_000.0;
/// How many of the loads one `get` started may be abandoned (their task dropped by
/// `wait_until`, or taken over past their bound) before it answers [`Error::Abandoned`] instead
/// of starting another: one, so that a task lost once (its request ended) is retried.
const MAX_LED_ABANDONED: u32 = 1;

/// What a loader is given: the abort signal of its load, the previous value, and a way to set
/// the freshness lifetime of the value it returns.
pub struct LoadContext<T> {
    signal: AbortSignal,
    previous: Option<Rc<T>>,
    ttl: Rc<Cell<f64>>,
}

impl<T> LoadContext<T> {
    /// Aborted when the load times out (or its task is dropped): pass it to `fetch`.
    pub fn signal(&self) -> &AbortSignal {
        &self.signal
    }

    /// The value stored before (fresh or stale), or the one the last `invalidate()` dropped.
    pub fn previous(&self) -> Option<&Rc<T>> {
        self.previous.as_ref()
    }

    /// The value this load returns stays fresh for `ttl` instead of the cache's `ttl` (e.g. the
    /// origin's `Cache-Control: max-age`). [`Duration::ZERO`](std::time::Duration::ZERO) serves
    /// it to this load's callers only.
    pub fn set_ttl(&self, ttl: std::time::Duration) {
        self.ttl.set(ttl.as_secs_f64() * 1000.0);
    }
}

enum Outcome<T, E> {
    Value(Rc<T>),
    Failed(Error<E>),
    /// Its leader was dropped or could not start it: waiters ask the core again.
    Abandoned,
}

impl<T, E> Clone for Outcome<T, E> {
    fn clone(&self) -> Self {
        match self {
            Outcome::Value(v) => Outcome::Value(Rc::clone(v)),
            Outcome::Failed(e) => Outcome::Failed(e.clone()),
            Outcome::Abandoned => Outcome::Abandoned,
        }
    }
}

/// One running load: what its waiters subscribe to.
struct Flight<T, E> {
    promise: Promise,
    resolve: Option<Function>,
    outcome: RefCell<Option<Outcome<T, E>>>,
    /// Callers currently waiting on it (its leader not included).
    waiters: Cell<u64>,
    /// When it started, by `Date.now()` (ms): its waiters' bounds are timers, so they are
    /// measured in real time, whatever an injected clock says.
    started: f64,
    /// Its number in the waits-for graph of loads ([`waits`]).
    id: u64,
}

impl<T, E> Flight<T, E> {
    fn new() -> Rc<Self> {
        let (promise, resolve) = deferred();
        Rc::new(Flight {
            promise,
            resolve,
            outcome: RefCell::new(None),
            waiters: Cell::new(0),
            started: js_sys::Date::now(),
            id: waits::new_load(),
        })
    }

    fn settle(&self, outcome: Outcome<T, E>) {
        // (Replaced only while no one else holds the cell: waiters read it after the promise.)
        if let Ok(mut slot) = self.outcome.try_borrow_mut() {
            *slot = Some(outcome);
        }
        if let Some(resolve) = &self.resolve {
            settle(resolve);
        }
    }

    fn outcome(&self) -> Outcome<T, E> {
        self.outcome
            .try_borrow()
            .ok()
            .and_then(|o| o.clone())
            .unwrap_or(Outcome::Abandoned)
    }
}

struct Slot<K, T, E> {
    /// Its key (`None` once forgotten: the slot is free for the next new key).
    key: Option<K>,
    /// The last value stored (the core decides whether it is served: fresh, stale, or the
    /// stale-if-error fallback after an invalidate). Dropped when the core evicts it.
    value: Option<Rc<T>>,
    flights: Vec<(LoadId, Rc<Flight<T, E>>)>,
}

struct Inner<K, T, E> {
    core: Cache,
    ids: BTreeMap<K, VarId>,
    slots: Vec<Slot<K, T, E>>,
    /// Keys and values let go inside a borrow, dropped after it (their `Drop` is user code).
    garbage: (Vec<K>, Vec<Rc<T>>),
    /// Keys whose loader is being called or polled right now (innermost last).
    polling: Vec<VarId>,
}

struct Shared<K, T, E> {
    state: RefCell<Inner<K, T, E>>,
    opts: Options,
    loader: Loader<K, T, E>,
    clock: Clock,
    on_error: Option<ErrorHook<K, E>>,
}

/// The future of [`MemoryCache::get_with_wait_until`] (and so of every `get`). Written by hand
/// rather than as an `async fn` so that a warm hit polls a small function: an `async fn` with
/// the slow path inside compiles to one large function (a 400-byte frame) that every hit runs.
/// Like any future, it does nothing until polled: the hit is decided at the first poll.
struct Get<'a, K, T, E, W> {
    step: GetStep<'a, K, T, E, W>,
}

enum GetStep<'a, K, T, E, W> {
    Start(&'a MemoryCache<K, T, E>, &'a K, W),
    Slow(SlowGet<'a, T, E>),
    Done,
}

// Nothing of a `Get` is ever pinned in place (`W` is moved into the boxed slow future, which
// is pinned on the heap), so it may move between polls whatever `W` is.
impl<K, T, E, W> Unpin for Get<'_, K, T, E, W> {}

impl<'a, K, T, E, W> Future for Get<'a, K, T, E, W>
where
    K: Ord + Clone + 'static,
    T: 'static,
    E: 'static,
    W: Fn(Pin<Box<dyn Future<Output = ()>>>) + 'a,
{
    type Output = Result<Rc<T>, Error<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mut slow = match std::mem::replace(&mut this.step, GetStep::Done) {
            GetStep::Start(cache, key, wait_until) => match cache.shared.hit(key) {
                Ok(v) => return Poll::Ready(Ok(v)),
                Err(now) => cache.slow_boxed(key, wait_until, now),
            },
            GetStep::Slow(slow) => slow,
            // Polled after it completed: a contract violation by the caller, answered without
            // a panic (a panic would reset the instance and every value cached in it).
            GetStep::Done => return Poll::Ready(Err(Error::Inconsistent)),
        };
        match slow.as_mut().poll(cx) {
            Poll::Ready(out) => Poll::Ready(out),
            Poll::Pending => {
                this.step = GetStep::Slow(slow);
                Poll::Pending
            }
        }
    }
}

/// What a caller does next, decided inside a borrow and carried out after it.
enum Step<K, T, E> {
    Serve(Rc<T>),
    /// Serve this stale value and run this (already started) background load.
    Revalidate(Rc<T>, Running<K, T, E>),
    Join(LoadId, Rc<Flight<T, E>>),
    Lead(Running<K, T, E>),
    Fail(Error<E>),
}

/// A started load: the loader's future, its timer and its abort controller.
/// Dropped before it is finished (its task dropped, even unpolled), its guard abandons the load.
struct Running<K, T, E> {
    var: VarId,
    load: LoadId,
    flight: Rc<Flight<T, E>>,
    fut: BoxFuture<Result<T, E>>,
    timer: Option<Timer>,
    ttl: Rc<Cell<f64>>,
    guard: LeadGuard<K, T, E>,
}

/// A keyed cache for Rust code on wasm32: one lazily loaded, single-flight cached value per key,
/// with the semantics and options of the JS package's `MemoryCache` (see [`Builder`]).
///
/// A handle: clones share the same cache. It is `!Send` and `!Sync` (it holds `Rc`s and JS
/// values, and wasm32 has one thread); keep it in a `thread_local!` or pass it around by clone.
/// Its futures and their output (`Rc<T>`, [`Error`]) are `!Send` too: frameworks that demand
/// `Send` futures (axum's handlers on workers-rs) can wrap them in workers-rs's
/// `worker::send::SendFuture` (or use its `#[worker::send]` attribute), sound on wasm32's single
/// thread; convert the output to an owned `Send` value inside the wrapped future where the
/// framework also needs a `Send` output (`docs/rust.md`, "The Send path";
/// `tests/rust-worker` runs it in workerd).
///
/// A key type's `Ord` and `Clone` run while the cache looks keys up: a call they make into the
/// same cache is refused rather than a panic (`get` and `set` answer [`Error::Reentrant`],
/// `peek` `None`, `delete` and `invalidate` `false`, `state` `Empty`, `stats` zeros and
/// `key_count` 0); a key type should not call back.
///
/// Memory is bounded by the keys, not only by the values: with `max_entries`, a key that holds
/// nothing and runs no load (its value evicted, or its load failed) is let go when a new key
/// comes in, and [`MemoryCache::delete`] lets go of a key in any cache (see
/// [`MemoryCache::key_count`]). A key let go loses its counters; its next `get` is a new key's.
///
/// ```no_run
/// use std::rc::Rc;
/// use std::time::Duration;
/// use simple_memory_cache::{Builder, MemoryCache};
///
/// # async fn demo() -> Result<(), simple_memory_cache::Error<String>> {
/// let users: MemoryCache<u32, String, String> = Builder::new()
///     .ttl(Duration::from_secs(60))
///     .max_entries(1000)
///     .build(|id, _ctx| async move { Ok(format!("user {id}")) })
///     .expect("valid options");
/// let name: Rc<String> = users.get(&7).await?;
/// assert_eq!(*name, "user 7");
/// # Ok(()) }
/// ```
///
/// [`Builder`]: super::Builder
pub struct MemoryCache<K, T, E> {
    shared: Rc<Shared<K, T, E>>,
}

impl<K, T, E> Clone for MemoryCache<K, T, E> {
    fn clone(&self) -> Self {
        MemoryCache {
            shared: Rc::clone(&self.shared),
        }
    }
}

impl<K, T, E> MemoryCache<K, T, E>
where
    K: Ord + Clone + 'static,
    T: 'static,
    E: 'static,
{
    pub(crate) fn from_parts(
        opts: Options,
        bound: usize,
        loader: Loader<K, T, E>,
        clock: Clock,
        on_error: Option<ErrorHook<K, E>>,
    ) -> Self {
        MemoryCache {
            shared: Rc::new(Shared {
                state: RefCell::new(Inner {
                    core: Cache::new(bound),
                    ids: BTreeMap::new(),
                    slots: Vec::new(),
                    garbage: (Vec::new(), Vec::new()),
                    polling: Vec::new(),
                }),
                opts,
                loader,
                clock,
                on_error,
            }),
        }
    }

    /// The value of `key`: a fresh one at once; else a stale one within `staleWhileRevalidate`
    /// (starting one background reload); else the result of the load running for `key`, or of
    /// a new one. Concurrent callers share one load and get the very same `Rc`.
    ///
    /// A load runs in a task of its own (`wasm_bindgen_futures::spawn_local`; see
    /// [`MemoryCache::get_with_wait_until`]), so dropping the caller that started it does not
    /// cancel it. Every caller, the one that started it included, waits on the load's JS promise
    /// with a timer of its own: past the load's `timeout` plus 50 ms (on workerd, 30 s without
    /// one: a load whose request ended may never settle there), it asks again and may run a
    /// load itself. Elsewhere a load without a `timeout` is waited for however long it takes.
    pub fn get<'a>(&'a self, key: &'a K) -> impl Future<Output = Result<Rc<T>, Error<E>>> + 'a {
        // (Not an `async fn`: one future less to build and poll on every hit.)
        self.get_with_wait_until(key, wasm_bindgen_futures::spawn_local)
    }

    /// [`MemoryCache::get`], handing the task of a load this call starts (foreground or a
    /// background reload) to `wait_until` instead of `spawn_local` — on Workers,
    /// `|f| ctx.wait_until(f)`, so the request that started the load stays alive until it
    /// settles, even if its handler returns first. `wait_until` must poll the future (dropping
    /// it abandons the load: its callers ask again).
    pub fn get_with_wait_until<'a, W>(
        &'a self,
        key: &'a K,
        wait_until: W,
    ) -> impl Future<Output = Result<Rc<T>, Error<E>>> + 'a
    where
        W: Fn(Pin<Box<dyn Future<Output = ()>>>) + 'a,
    {
        Get {
            step: GetStep::Start(self, key, wait_until),
        }
    }

    /// `get_with_wait_until` past the hit: `now` is the clock's reading it was decided at.
    #[cold]
    fn slow_boxed<'a, W>(&'a self, key: &'a K, wait_until: W, now: f64) -> SlowGet<'a, T, E>
    where
        W: Fn(Pin<Box<dyn Future<Output = ()>>>) + 'a,
    {
        Box::pin(self.slow(key, wait_until, now))
    }

    async fn slow(
        &self,
        key: &K,
        wait_until: impl Fn(Pin<Box<dyn Future<Output = ()>>>),
        now: f64,
    ) -> Result<Rc<T>, Error<E>> {
        let sh = &self.shared;
        let mut step = sh.first_step(key, now);
        // The load this call started last, and how many loads it started were abandoned: a
        // `wait_until` that drops every task it is handed would otherwise have this call start
        // load after load, in a microtask loop, for ever.
        let mut led = None;
        let mut led_abandoned = 0u32;
        loop {
            match step {
                Step::Serve(v) => return Ok(v),
                Step::Fail(e) => return Err(e),
                Step::Revalidate(v, running) => {
                    let sh = Rc::clone(sh);
                    let key = key.clone();
                    wait_until(Box::pin(async move {
                        let _ = sh.finish(running, &key, true).await;
                    }));
                    return Ok(v);
                }
                Step::Lead(running) => {
                    // The load runs in a task of its own, registered with `wait_until`: it goes
                    // on if this caller is dropped or its request ends, and this caller waits
                    // for it like any other, on a promise and a timer it owns.
                    let flight = Rc::clone(&running.flight);
                    flight.waiters.set(flight.waiters.get().saturating_add(1));
                    let load = running.load;
                    let shared = Rc::clone(sh);
                    let owned = key.clone();
                    wait_until(Box::pin(async move {
                        let _ = shared.finish(running, &owned, false).await;
                    }));
                    led = Some(load);
                    step = Step::Join(load, flight);
                }
                Step::Join(load, flight) => match sh.wait(&flight).await {
                    Outcome::Value(v) => return Ok(v),
                    Outcome::Failed(e) => return Err(e),
                    Outcome::Abandoned => {
                        if led == Some(load) {
                            led_abandoned = led_abandoned.saturating_add(1);
                            if led_abandoned > MAX_LED_ABANDONED {
                                return Err(Error::Abandoned);
                            }
                        }
                        let now = (sh.clock)();
                        step = sh.after_abandon(key, load, now);
                    }
                },
            }
        }
    }

    /// The stored value of `key`, fresh or stale, without loading; `None` if nothing is stored.
    pub fn peek(&self, key: &K) -> Option<Rc<T>> {
        let st = self.shared.inner()?;
        let &id = st.ids.get(key)?;
        if !st.core.var(id).is_some_and(|v| v.has_value()) {
            return None;
        }
        st.slots.get(usize::try_from(id).ok()?)?.value.clone()
    }

    /// Stores `value` for `key` as if loaded; loads running for `key` can no longer store
    /// theirs. `Err` only if the key is new and the cache is [`Error::Full`], or the clock
    /// fails.
    pub fn set(&self, key: K, value: T) -> Result<(), Error<E>> {
        let sh = &self.shared;
        let now = (sh.clock)();
        if !now.is_finite() {
            return Err(Error::Clock);
        }
        let value = Rc::new(value);
        let stored = {
            let mut st = sh.inner().ok_or(Error::Reentrant)?;
            st.id_for(&key, sh.opts).map(|id| {
                st.core.set(id, now);
                let mut garbage = st.take_evicted();
                if let Some(slot) = st.slot(id) {
                    garbage.extend(slot.value.replace(value));
                }
                garbage
            })
        };
        // Values let go dropped now; the keys `id_for` let go too, whether or not `key` was added.
        let result = stored.map(drop);
        sh.drop_garbage();
        result
    }

    /// Forgets `key`: its value, stale-if-error fallback, backoff and cooldown window. Loads
    /// running for it can no longer store their value (their callers still get their outcome),
    /// and the next `get(&key)` loads afresh. The key itself is let go once those loads have
    /// ended (its counters with it). Returns whether a value was stored.
    ///
    /// ```no_run
    /// # async fn demo(cache: simple_memory_cache::MemoryCache<u32, String, String>) {
    /// cache.get(&7).await.ok();
    /// assert!(cache.delete(&7));
    /// assert!(cache.peek(&7).is_none());
    /// # }
    /// ```
    pub fn delete(&self, key: &K) -> bool {
        let sh = &self.shared;
        let had = {
            let Some(mut st) = sh.inner() else {
                return false;
            };
            let Some(&id) = st.ids.get(key) else {
                return false;
            };
            let had = st.core.var(id).is_some_and(|v| v.has_value());
            st.core.delete(id);
            if let Some(value) = st.slot(id).and_then(|s| s.value.take()) {
                st.garbage.1.push(value);
            }
            st.reclaim();
            had
        };
        sh.drop_garbage();
        had
    }

    /// How many keys the cache holds now: those with a value (at most `max_entries`) or a load
    /// running, and those not let go yet. A key that holds nothing and runs nothing is let go
    /// when a new key comes in (in a cache with `max_entries`) or when it is
    /// [deleted](MemoryCache::delete) (in any cache), whatever its `cooldown` window, so memory
    /// is bounded by the keys, not only by the values.
    pub fn key_count(&self) -> usize {
        self.shared.inner().map_or(0, |st| st.ids.len())
    }

    /// Drops the value of `key`: the next `get()` loads again, and a load that began before
    /// never stores its value. The dropped value is kept, until a new one is stored or it is
    /// evicted, as the stale-if-error answer and the loader's `previous()`, and counts against
    /// `max_entries` meanwhile (as in the JS layer). Returns `false` if it was skipped under
    /// `cooldown`, `key` was never used, or the clock returned a time that is not a finite
    /// number (nothing is dropped then: the cooldown and stale-if-error windows need a time).
    pub fn invalidate(&self, key: &K) -> bool {
        let sh = &self.shared;
        let now = (sh.clock)();
        if !now.is_finite() {
            return false;
        }
        let Some(mut st) = sh.inner() else {
            return false;
        };
        let Some(&id) = st.ids.get(key) else {
            return false;
        };
        st.core.invalidate(id, now) == Some(InvalidateDecision::Invalidated)
    }

    /// What a `get()` of `key` would find now.
    pub fn state(&self, key: &K) -> State {
        let sh = &self.shared;
        let now = (sh.clock)();
        let Some(st) = sh.inner() else {
            return State::Empty;
        };
        st.ids
            .get(key)
            .map_or(State::Empty, |&id| st.core.state(id, now))
    }

    /// The counters of `key` (zeros for a key never used).
    pub fn stats(&self, key: &K) -> Stats {
        let Some(st) = self.shared.inner() else {
            return Stats::default();
        };
        st.ids
            .get(key)
            .map_or_else(Stats::default, |&id| st.core.stats(id))
    }
}

impl<K: Ord + Clone, T, E> Inner<K, T, E> {
    /// The id of `key`, added if new (in the slot of a key let go, if any: see
    /// [`Inner::reclaim`]).
    fn id_for(&mut self, key: &K, opts: Options) -> Result<VarId, Error<E>> {
        if let Some(&id) = self.ids.get(key) {
            return Ok(id);
        }
        self.reclaim();
        let id = self.core.add(opts).ok_or(Error::Full)?;
        let fresh = Slot {
            key: Some(key.clone()),
            value: None,
            flights: Vec::new(),
        };
        let index = usize::try_from(id).map_err(|_| Error::Inconsistent)?;
        if index == self.slots.len() {
            self.slots.push(fresh);
        } else {
            let slot = self.slots.get_mut(index).ok_or(Error::Inconsistent)?;
            let old = std::mem::replace(slot, fresh);
            self.garbage.0.extend(old.key);
            self.garbage.1.extend(old.value);
        }
        self.ids.insert(key.clone(), id);
        Ok(id)
    }

    /// Lets go of the keys the core forgot (idle: nothing held, no load running; whatever their
    /// cooldown window); their slots go to the next new keys.
    fn reclaim(&mut self) {
        for id in self.core.take_forgotten() {
            let Some(slot) = self.slot(id) else { continue };
            let key = slot.key.take();
            let value = slot.value.take();
            slot.flights.clear();
            if let Some(key) = key {
                // (The map's own copy too: a key's `Drop` is user code, run after the borrow.)
                if let Some((own, _)) = self.ids.remove_entry(&key) {
                    self.garbage.0.push(own);
                }
                self.garbage.0.push(key);
            }
            self.garbage.1.extend(value);
        }
    }

    #[inline]
    fn slot(&mut self, id: VarId) -> Option<&mut Slot<K, T, E>> {
        self.slots.get_mut(usize::try_from(id).ok()?)
    }

    /// Takes the values the core evicted (to be dropped after the borrow).
    fn take_evicted(&mut self) -> Vec<Rc<T>> {
        let evicted = self.core.take_evicted();
        evicted
            .into_iter()
            .filter_map(|id| self.slot(id).and_then(|s| s.value.take()))
            .collect()
    }

    #[inline]
    fn stored(&mut self, id: VarId) -> Option<Rc<T>> {
        self.slot(id).and_then(|s| s.value.clone())
    }

    fn flight(&mut self, id: VarId, load: LoadId) -> Option<Rc<Flight<T, E>>> {
        let slot = self.slot(id)?;
        slot.flights
            .iter()
            .find(|(l, _)| *l == load)
            .map(|(_, f)| Rc::clone(f))
    }

    fn remove_flight(&mut self, id: VarId, load: LoadId) {
        if let Some(slot) = self.slot(id) {
            slot.flights.retain(|(l, _)| *l != load);
        }
    }
}

/// What a decision asks for, before any JS or user code runs.
enum Plan<K, T, E> {
    Step(Step<K, T, E>),
    Start(VarId, LoadId, Option<Rc<T>>),
    Revalidate(VarId, LoadId, Rc<T>),
}

impl<K, T, E> Shared<K, T, E>
where
    K: Ord + Clone + 'static,
    T: 'static,
    E: 'static,
{
    /// The state, borrowed for one short block that calls no user code. `None` only if it is
    /// borrowed already: when a key's `Ord` or `Clone` (user code, run while the cache looks a
    /// key up) calls back into this cache. That call is refused (see [`MemoryCache`]) rather
    /// than a panic, which would trap the wasm instance and lose every value cached in it.
    #[inline]
    fn inner(&self) -> Option<RefMut<'_, Inner<K, T, E>>> {
        self.state.try_borrow_mut().ok()
    }

    /// A warm hit: a stored value that never expires (decided without the clock), or one fresh
    /// at the clock's reading; the core counts the hit and marks the key used. Otherwise
    /// `Err(now)`, the reading to decide the rest at (see [`Shared::first_step`]).
    #[inline]
    fn hit(&self, key: &K) -> Result<Rc<T>, f64> {
        // (A cache with a finite ttl rarely holds a value that never expires: skip the try.)
        if self.opts.ttl() == f64::INFINITY {
            if let Some(v) = self.hit_at(key, None) {
                return Ok(v);
            }
        }
        let now = (self.clock)();
        self.hit_at(key, Some(now)).ok_or(now)
    }

    #[inline]
    fn hit_at(&self, key: &K, now: Option<f64>) -> Option<Rc<T>> {
        let mut st = self.inner()?;
        let &id = st.ids.get(key)?;
        if !st.polling.is_empty() && st.polling.contains(&id) {
            return None; // first_step reports it
        }
        // (Only a stored value can be a hit: the core would count a miss for an empty slot.)
        st.slots.get(usize::try_from(id).ok()?)?.value.as_ref()?;
        let hit = match now {
            None => st.core.get_unclocked(id),
            Some(now) => {
                st.core.state(id, now) == State::Fresh
                    && st.core.get(id, now) == Some(GetDecision::Hit)
            }
        };
        if hit {
            st.stored(id)
        } else {
            None
        }
    }

    fn first_step(self: &Rc<Self>, key: &K, now: f64) -> Step<K, T, E> {
        let plan = {
            let Some(mut st) = self.inner() else {
                return Step::Fail(Error::Reentrant);
            };
            // (No early return past `id_for`: the keys it let go are dropped below, refused or not.)
            match st.id_for(key, self.opts) {
                Err(e) => Plan::Step(Step::Fail(e)),
                Ok(id) if st.polling.contains(&id) => {
                    st.core.refused(id);
                    Plan::Step(Step::Fail(Error::Reentrant))
                }
                Ok(id) if !now.is_finite() => {
                    st.core.refused(id);
                    Plan::Step(Step::Fail(Error::Clock))
                }
                Ok(id) => {
                    let decision = st.core.get(id, now);
                    Self::plan(&mut st, id, decision)
                }
            }
        };
        self.drop_garbage();
        self.carry_out(plan, key)
    }

    /// Drops what a borrow let go of, outside it.
    fn drop_garbage(&self) {
        let garbage = self
            .state
            .try_borrow_mut()
            .map(|mut st| std::mem::take(&mut st.garbage))
            .unwrap_or_default();
        drop(garbage);
    }

    fn after_abandon(self: &Rc<Self>, key: &K, load: LoadId, now: f64) -> Step<K, T, E> {
        // A clock that fails decides nothing: no load may start at an unknown time (its waiters
        // would count their bound from it). The caller's get() was counted when it was made.
        if !now.is_finite() {
            return Step::Fail(Error::Clock);
        }
        let plan = {
            let Some(mut st) = self.inner() else {
                return Step::Fail(Error::Reentrant);
            };
            let Some(&id) = st.ids.get(key) else {
                // Let go meanwhile (its abandoned load ended it): a get() of a new key.
                drop(st);
                return self.first_step(key, now);
            };
            let decision = st.core.abandon(id, load, now, 1);
            Self::plan(&mut st, id, decision)
        };
        self.carry_out(plan, key)
    }

    fn plan(st: &mut Inner<K, T, E>, id: VarId, decision: Option<GetDecision>) -> Plan<K, T, E> {
        match decision {
            Some(GetDecision::Hit | GetDecision::Stale) => match st.stored(id) {
                Some(v) => Plan::Step(Step::Serve(v)),
                None => Plan::Step(Step::Fail(Error::Inconsistent)),
            },
            Some(GetDecision::StaleRevalidate(load)) => match st.stored(id) {
                Some(v) => Plan::Revalidate(id, load, v),
                None => {
                    st.core.cancel(id, load);
                    Plan::Step(Step::Fail(Error::Inconsistent))
                }
            },
            Some(GetDecision::Join(load)) => match st.flight(id, load) {
                Some(f) => {
                    f.waiters.set(f.waiters.get().saturating_add(1));
                    Plan::Step(Step::Join(load, f))
                }
                // No such flight (cannot happen): as if it had been abandoned.
                None => Plan::Step(Step::Join(load, Flight::settled_abandoned())),
            },
            Some(GetDecision::Start(load)) => {
                let previous = st.stored(id);
                Plan::Start(id, load, previous)
            }
            None => Plan::Step(Step::Fail(Error::Inconsistent)),
        }
    }

    /// Sets up a decided load (JS calls and the loader, outside any borrow).
    fn carry_out(self: &Rc<Self>, plan: Plan<K, T, E>, key: &K) -> Step<K, T, E> {
        match plan {
            Plan::Step(step) => step,
            Plan::Start(id, load, previous) => match self.start(id, load, key, previous) {
                Ok(running) => Step::Lead(running),
                Err(e) => Step::Fail(e),
            },
            // A reload that cannot be set up fails this get(), as in the JS layer: the core took
            // back its stale answer (`cancel`), and the next get() starts the reload.
            Plan::Revalidate(id, load, v) => match self.start(id, load, key, Some(Rc::clone(&v))) {
                Ok(running) => Step::Revalidate(v, running),
                Err(e) => Step::Fail(e),
            },
        }
    }

    fn start(
        self: &Rc<Self>,
        id: VarId,
        load: LoadId,
        key: &K,
        previous: Option<Rc<T>>,
    ) -> Result<Running<K, T, E>, Error<E>> {
        let flight = Flight::new();
        match self.inner() {
            Some(mut st) => {
                if let Some(slot) = st.slot(id) {
                    slot.flights.push((load, Rc::clone(&flight)));
                }
            }
            // (Not reached: nothing runs between the decision and here.)
            None => return Err(Error::Inconsistent),
        }
        let timeout = self.opts.timeout();
        let setup = AbortController::new().and_then(|controller| {
            let timer = if timeout <= MAX_TIMER_MS {
                Some(Timer::new(timeout)?)
            } else {
                None
            };
            Ok((controller, timer))
        });
        let (controller, timer) = match setup {
            Ok(parts) => parts,
            Err(js) => {
                // Leaves no trace: not joinable, not counted; its joiners (none can exist yet:
                // nothing awaited since the decision) would ask again.
                if let Some(mut st) = self.inner() {
                    st.core.cancel(id, load);
                    st.remove_flight(id, load);
                }
                flight.settle(Outcome::Abandoned);
                return Err(Error::Runtime(js));
            }
        };
        let ttl = Rc::new(Cell::new(f64::NAN));
        let ctx = LoadContext {
            signal: controller.signal(),
            previous,
            ttl: Rc::clone(&ttl),
        };
        self.mark(id);
        let polling = Polling::enter(flight.id);
        let fut = (self.loader)(key.clone(), ctx);
        drop(polling);
        self.unmark(id);
        Ok(Running {
            var: id,
            load,
            flight: Rc::clone(&flight),
            fut,
            timer,
            ttl,
            guard: LeadGuard {
                shared: Rc::clone(self),
                var: id,
                load,
                flight,
                controller,
                done: false,
            },
        })
    }

    /// Marks `id`'s loader as being called or polled (a `get()` of `id` meanwhile is refused).
    fn mark(&self, id: VarId) {
        if let Some(mut st) = self.inner() {
            st.polling.push(id);
        }
    }

    fn unmark(&self, id: VarId) {
        let Some(mut st) = self.inner() else { return };
        if let Some(pos) = st.polling.iter().rposition(|&v| v == id) {
            st.polling.remove(pos);
        }
    }

    /// Runs a started load to its end, records it in the core and settles its waiters.
    async fn finish(
        self: Rc<Self>,
        running: Running<K, T, E>,
        key: &K,
        background: bool,
    ) -> Outcome<T, E> {
        let Running {
            var,
            load,
            flight,
            mut fut,
            mut timer,
            ttl,
            mut guard,
        } = running;
        let result = poll_fn(|cx| {
            self.mark(var);
            let polling = Polling::enter(flight.id);
            let polled = fut.as_mut().poll(cx);
            drop(polling);
            self.unmark(var);
            if let Poll::Ready(r) = polled {
                return Poll::Ready(Some(r));
            }
            if let Some(t) = timer.as_mut() {
                if Pin::new(t).poll(cx).is_ready() {
                    return Poll::Ready(None);
                }
            }
            Poll::Pending
        })
        .await;
        drop(fut);
        drop(timer);
        guard.done = true;
        let now = (self.clock)();
        let (outcome, failure) = match result {
            Some(Ok(value)) => {
                let value = Rc::new(value);
                let mut garbage = Vec::new();
                // (Always there: a loader's task is polled outside any borrow.)
                if let Some(mut st) = self.inner() {
                    st.remove_flight(var, load);
                    if st.core.loaded_for(var, load, now, ttl.get()) {
                        garbage = st.take_evicted();
                        if let Some(slot) = st.slot(var) {
                            garbage.extend(slot.value.replace(Rc::clone(&value)));
                        }
                    }
                }
                drop(garbage);
                (Outcome::Value(value), None)
            }
            Some(Err(e)) => self.failed(var, load, &flight, now, Error::Load(Rc::new(e)), false),
            None => {
                guard.controller.abort();
                self.failed(var, load, &flight, now, Error::Timeout, true)
            }
        };
        flight.settle(outcome.clone());
        if let Some(e) = failure {
            self.report(key, &e, background);
        }
        outcome
    }

    /// Records a failed load in the core: its waiters get the stale value or the error.
    fn failed(
        &self,
        var: VarId,
        load: LoadId,
        flight: &Flight<T, E>,
        now: f64,
        error: Error<E>,
        timed_out: bool,
    ) -> (Outcome<T, E>, Option<Error<E>>) {
        let waiters = flight.waiters.get();
        let Some(mut st) = self.inner() else {
            return (Outcome::Failed(error.clone()), Some(error));
        };
        st.remove_flight(var, load);
        let stale = match st.core.failed(var, load, now, waiters, timed_out) {
            FailDecision::ServeStale => st.stored(var),
            FailDecision::Reject => None,
        };
        let outcome = match stale {
            Some(v) => Outcome::Value(v),
            None => Outcome::Failed(error.clone()),
        };
        (outcome, Some(error))
    }

    fn report(&self, key: &K, error: &Error<E>, background: bool) {
        if let Some(hook) = &self.on_error {
            hook(key, error, background);
        }
    }

    /// Waits for a load another caller runs, bounded by a timer this caller owns.
    async fn wait(&self, flight: &Rc<Flight<T, E>>) -> Outcome<T, E> {
        let mut waiter = WaitGuard {
            flight: Rc::clone(flight),
            counted: true,
        };
        if flight.resolve.is_none() {
            // A placeholder for a missing flight, or a promise that never got its resolver.
            waiter.leave();
            return Outcome::Abandoned;
        }
        // The loader polled now (if any) waits for this load until this wait ends; refused if
        // this load waits for that loader's own, through other loads of any cache.
        let Ok(_waiting) = waits::wait_for(flight.id) else {
            waiter.leave();
            return Outcome::Failed(Error::Reentrant);
        };
        // Real time, as the timers below: an injected clock that moved on while the load ran
        // would have the bound passed already, and this caller start a second load.
        let now = js_sys::Date::now();
        let timeout = self.opts.timeout();
        let bound = if timeout <= MAX_TIMER_MS {
            timeout
        } else if on_workerd() {
            JOIN_BOUND_MS
        } else {
            // Never reached: the ticks go on until the load settles.
            f64::INFINITY
        };
        let deadline = (flight.started + bound).max(now) + JOIN_GRACE_MS;
        let mut left = deadline - now;
        let mut settled = JsFuture::from(flight.promise.clone());
        // The bound is waited in ticks (timers one after the other, no clock read between).
        let finished = loop {
            let tick = if left > JOIN_TICK_MS {
                JOIN_TICK_MS
            } else {
                left
            };
            let mut timer = Timer::new(tick).ok();
            let settled_first = poll_fn(|cx| {
                if Pin::new(&mut settled).poll(cx).is_ready() {
                    return Poll::Ready(true);
                }
                if let Some(t) = timer.as_mut() {
                    if Pin::new(t).poll(cx).is_ready() {
                        return Poll::Ready(false);
                    }
                }
                Poll::Pending
            })
            .await;
            if settled_first {
                break true;
            }
            left -= tick;
            if left.is_nan() || left <= 0.0 {
                break false;
            }
        };
        waiter.leave();
        if finished {
            flight.outcome()
        } else {
            Outcome::Abandoned
        }
    }
}

impl<T, E> Flight<T, E> {
    fn settled_abandoned() -> Rc<Self> {
        Rc::new(Flight {
            promise: Promise::resolve(&wasm_bindgen::JsValue::UNDEFINED),
            resolve: None,
            outcome: RefCell::new(Some(Outcome::Abandoned)),
            waiters: Cell::new(0),
            started: f64::NEG_INFINITY,
            id: 0,
        })
    }
}

/// Keeps a joiner counted among a load's waiters until it stops waiting (also when dropped).
struct WaitGuard<T, E> {
    flight: Rc<Flight<T, E>>,
    counted: bool,
}

impl<T, E> WaitGuard<T, E> {
    fn leave(&mut self) {
        if self.counted {
            self.counted = false;
            let w = &self.flight.waiters;
            w.set(w.get().saturating_sub(1));
        }
    }
}

impl<T, E> Drop for WaitGuard<T, E> {
    fn drop(&mut self) {
        self.leave();
    }
}

/// If a started load is dropped before it ends (a `wait_until` that drops the future it was
/// handed, polled or not), the load is aborted and forgotten (still counted in `loads`: its
/// loader was called) and its waiters ask the core again.
struct LeadGuard<K, T, E> {
    shared: Rc<Shared<K, T, E>>,
    var: VarId,
    load: LoadId,
    flight: Rc<Flight<T, E>>,
    controller: AbortController,
    done: bool,
}

impl<K, T, E> Drop for LeadGuard<K, T, E> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        self.controller.abort();
        if let Ok(mut st) = self.shared.state.try_borrow_mut() {
            st.core.load_dropped(self.var, self.load);
            if let Some(slot) = st
                .slots
                .get_mut(usize::try_from(self.var).unwrap_or(usize::MAX))
            {
                slot.flights.retain(|(l, _)| *l != self.load);
            }
            if let Some(pos) = st.polling.iter().rposition(|&v| v == self.var) {
                st.polling.remove(pos);
            }
        }
        self.flight.settle(Outcome::Abandoned);
    }
}
