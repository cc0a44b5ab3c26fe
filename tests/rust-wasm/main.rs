//! wasm-bindgen-test tests of the Rust face (`CachedVar`, `MemoryCache`; feature `serde`, which
//! turns on `rust-wasm`):
//! real JS promises and timers, run as wasm in Node and in headless Chromium
//! (`tests/run-all.mjs`). Loaders are driven by hand-made gates (a JS promise the test resolves)
//! so that concurrency is exact; freshness windows use an injected clock; timeouts use real
//! (short) timers.
#![cfg(target_arch = "wasm32")]
// Tests may panic, unwrap and index (clippy.toml), but clippy does not count #[wasm_bindgen_test]
// fns as tests.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::disallowed_methods
)]

use std::cell::{Cell, RefCell};
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use js_sys::{Function, Promise};
use simple_memory_cache::{Builder, CachedVar, Error, MemoryCache, State};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

/// `get_js()` and `stats_js()`: the JS-facing side.
mod to_js;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: f64) -> JsValue;
}

async fn sleep(ms: f64) {
    let p = Promise::new(&mut |resolve, _| {
        set_timeout(&resolve, ms);
    });
    let _ = JsFuture::from(p).await;
}

/// Lets every queued promise reaction and task run.
async fn settle() {
    sleep(0.0).await;
}

/// A promise the test opens by hand: loaders wait on it.
#[derive(Clone)]
struct Gate {
    promise: Promise,
    resolve: Rc<RefCell<Option<Function>>>,
}

impl Gate {
    fn new() -> Gate {
        let resolve = Rc::new(RefCell::new(None));
        let r = Rc::clone(&resolve);
        let promise = Promise::new(&mut |res, _| *r.borrow_mut() = Some(res));
        Gate { promise, resolve }
    }
    fn open(&self) {
        if let Some(f) = self.resolve.borrow().as_ref() {
            f.call0(&JsValue::UNDEFINED).unwrap();
        }
    }
    async fn wait(self) {
        let _ = JsFuture::from(self.promise).await;
    }
}

type Fut<O> = Pin<Box<dyn Future<Output = O>>>;
type Got<T> = Result<Rc<T>, Error<String>>;

/// `var.get()` as a boxed future.
fn get_of<T: 'static>(var: &CachedVar<T, String>) -> Fut<Got<T>> {
    let v = var.clone();
    Box::pin(async move { v.get().await })
}

/// `cache.get(key)` as a boxed future.
fn get_key<K: Ord + Clone + 'static, T: 'static>(
    cache: &MemoryCache<K, T, String>,
    key: K,
) -> Fut<Got<T>> {
    let c = cache.clone();
    Box::pin(async move { c.get(&key).await })
}

async fn join_all<O>(mut futs: Vec<Fut<O>>) -> Vec<O> {
    let mut out: Vec<Option<O>> = futs.iter().map(|_| None).collect();
    poll_fn(|cx| {
        let mut pending = false;
        for (f, o) in futs.iter_mut().zip(out.iter_mut()) {
            if o.is_none() {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => *o = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    out.into_iter().map(Option::unwrap).collect()
}

/// Polls `f` once (it starts, e.g. becomes a load's leader) and returns it.
async fn start<O>(mut f: Fut<O>) -> Fut<O> {
    poll_fn(|cx| {
        assert!(f.as_mut().poll(cx).is_pending(), "finished at once");
        Poll::Ready(())
    })
    .await;
    f
}

/// A `wait_until` that keeps the first task it is handed in `kept` (the test polls or drops it)
/// and spawns any later one.
fn keep_first(kept: &Rc<RefCell<Vec<Fut<()>>>>) -> impl Fn(Fut<()>) + 'static {
    let kept = Rc::clone(kept);
    let first = Cell::new(true);
    move |f| {
        if first.replace(false) {
            kept.borrow_mut().push(f);
        } else {
            wasm_bindgen_futures::spawn_local(f);
        }
    }
}

/// A clock the test moves.
fn clock() -> (Rc<Cell<f64>>, impl Fn() -> f64 + 'static) {
    let now = Rc::new(Cell::new(1_000.0));
    let n = Rc::clone(&now);
    (now, move || n.get())
}

/// A var whose loader counts its calls, waits for `gate` (if any), then returns the count.
fn counting_var(
    builder: Builder<(), u32, String>,
    gate: Option<Gate>,
) -> (CachedVar<u32, String>, Rc<Cell<u32>>) {
    let calls = Rc::new(Cell::new(0));
    let c = Rc::clone(&calls);
    let var = builder
        .build_var(move |_ctx| {
            c.set(c.get() + 1);
            let n = c.get();
            let gate = gate.clone();
            async move {
                if let Some(g) = gate {
                    g.wait().await;
                }
                Ok(n)
            }
        })
        .expect("valid options");
    (var, calls)
}

#[wasm_bindgen_test]
async fn off_workerd_a_load_without_a_timeout_is_waited_for_however_long_it_takes() {
    // Node: a load of 31 s, past the 30 s bound joiners keep on workerd. With that bound here
    // the caller started a second load at 30 s and, that one bounded too, failed with
    // `Abandoned` at 60 s although the first load stored its value at 31 s.
    let slow = Gate::new();
    let (var, calls) = counting_var(Builder::new(), Some(slow.clone()));
    wasm_bindgen_futures::spawn_local(async move {
        sleep(31_000.0).await;
        slow.open();
    });
    let got = var.get().await;
    assert_eq!(*got.unwrap(), 1);
    assert_eq!(
        (calls.get(), var.stats().loads),
        (1, 1),
        "one load, however slow"
    );
}

#[wasm_bindgen_test]
async fn a_joiner_bounds_its_wait_in_real_time_whatever_an_injected_clock_says() {
    // The bound is waited out with timers: read from an injected clock that moved on while the
    // load ran, it had passed already, and the joiner started a second load 50 ms later.
    let gate = Gate::new();
    let (now, clk) = clock();
    let (var, calls) = counting_var(
        Builder::new()
            .ttl(Duration::from_secs(60))
            .timeout(Duration::from_secs(5))
            .clock(clk),
        Some(gate.clone()),
    );
    let leader = start(get_of(&var)).await;
    now.set(now.get() + 10_000.0);
    let joiner = start(get_of(&var)).await;
    sleep(300.0).await;
    assert_eq!(calls.get(), 1, "the joiner still waits on the running load");
    gate.open();
    let r = join_all(vec![leader, joiner]).await;
    let first = r[0].clone().unwrap();
    assert!(
        Rc::ptr_eq(r[1].as_ref().unwrap(), &first),
        "one value for both"
    );
    assert_eq!((calls.get(), var.stats().loads), (1, 1));
}

#[wasm_bindgen_test]
async fn cold_burst_of_20_shares_one_load_and_one_value() {
    let gate = Gate::new();
    let (var, calls) = counting_var(Builder::new(), Some(gate.clone()));
    let futs: Vec<Fut<Got<u32>>> = (0..20).map(|_| get_of(&var)).collect();
    let burst = start(Box::pin(join_all(futs))).await;
    assert_eq!(var.state(), State::Loading);
    gate.open();
    let r = burst.await;
    let first = r[0].clone().unwrap();
    assert_eq!(*first, 1);
    assert!(r.iter().all(|x| Rc::ptr_eq(x.as_ref().unwrap(), &first)));
    assert_eq!(calls.get(), 1);
    let s = var.stats();
    assert_eq!((s.loads, s.misses, s.coalesced, s.hits), (1, 20, 19, 0));
    // Warm: a hit, no load.
    assert_eq!(*var.get().await.unwrap(), 1);
    assert_eq!((var.stats().hits, calls.get()), (1, 1));
    assert_eq!(var.state(), State::Fresh);
}

#[wasm_bindgen_test]
async fn errors_reach_every_waiter_and_are_never_cached() {
    let calls = Rc::new(Cell::new(0u32));
    let c = Rc::clone(&calls);
    let seen = Rc::new(RefCell::new(Vec::new()));
    let s = Rc::clone(&seen);
    let var: CachedVar<u32, String> = Builder::new()
        .on_error(move |_k: &(), e: &Error<String>, bg| s.borrow_mut().push((e.to_string(), bg)))
        .build_var(move |_ctx| {
            c.set(c.get() + 1);
            let n = c.get();
            async move {
                settle().await;
                if n == 1 {
                    Err("origin down".to_string())
                } else {
                    Ok(n)
                }
            }
        })
        .unwrap();
    let r: Vec<Got<_>> = join_all((0..3).map(|_| get_of(&var)).collect()).await;
    let errs: Vec<Error<String>> = r.into_iter().map(Result::unwrap_err).collect();
    let Error::Load(first) = &errs[0] else {
        panic!("{:?}", errs[0])
    };
    for e in &errs {
        let Error::Load(e) = e else { panic!("{e:?}") };
        assert!(Rc::ptr_eq(e, first), "the very same error");
    }
    assert_eq!(**first, "origin down");
    assert_eq!(var.state(), State::Empty);
    assert_eq!(*var.get().await.unwrap(), 2);
    assert_eq!(calls.get(), 2);
    assert_eq!(
        *seen.borrow(),
        vec![("the loader failed: origin down".to_string(), false)]
    );
    assert_eq!(var.stats().errors, 1);
}

#[wasm_bindgen_test]
async fn ttl_with_an_injected_clock_and_a_per_value_ttl() {
    let (now, clk) = clock();
    let calls = Rc::new(Cell::new(0u32));
    let c = Rc::clone(&calls);
    let var: CachedVar<u32, String> = Builder::new()
        .ttl(Duration::from_millis(100))
        .clock(clk)
        .build_var(move |ctx| {
            c.set(c.get() + 1);
            let n = c.get();
            // The third value sets its own lifetime: 0 = for its own callers only.
            if n == 3 {
                ctx.set_ttl(Duration::ZERO);
            }
            async move { Ok(n) }
        })
        .unwrap();
    assert_eq!(*var.get().await.unwrap(), 1);
    now.set(1_099.0);
    assert_eq!(*var.get().await.unwrap(), 1);
    now.set(1_100.0);
    assert_eq!(var.state(), State::Stale);
    assert_eq!(*var.get().await.unwrap(), 2);
    now.set(1_300.0);
    assert_eq!(*var.get().await.unwrap(), 3);
    assert_eq!(
        *var.get().await.unwrap(),
        4,
        "ttl 0: the next get() loads again"
    );
    assert_eq!(*var.get().await.unwrap(), 4);
}

#[wasm_bindgen_test]
async fn stale_while_revalidate_serves_at_once_and_reloads_once_in_the_background() {
    let (now, clk) = clock();
    let (var, calls) = counting_var(
        Builder::new()
            .ttl(Duration::from_millis(100))
            .stale_while_revalidate(Duration::from_millis(1_000))
            .clock(clk),
        None,
    );
    assert_eq!(*var.get().await.unwrap(), 1);
    now.set(1_150.0);
    let background = Rc::new(RefCell::new(Vec::new()));
    let b = Rc::clone(&background);
    let v = var
        .get_with_wait_until(move |f| b.borrow_mut().push(f))
        .await
        .unwrap();
    assert_eq!(*v, 1, "the stale value, at once");
    assert_eq!(
        background.borrow().len(),
        1,
        "one background reload handed over"
    );
    assert_eq!(
        *var.get().await.unwrap(),
        1,
        "still stale; no second reload"
    );
    assert_eq!(calls.get(), 2);
    let f = background.borrow_mut().pop().unwrap();
    f.await;
    assert_eq!(var.state(), State::Fresh);
    assert_eq!(*var.get().await.unwrap(), 2);
    assert_eq!(calls.get(), 2);
    assert_eq!(var.stats().stale_served, 2);
}

#[wasm_bindgen_test]
async fn a_background_reload_that_cannot_be_set_up_fails_its_get_and_the_next_get_starts_it() {
    // As in the JS layer: the caller is told (not served stale), and nothing is lost.
    let (now, clk) = clock();
    let (var, calls) = counting_var(
        Builder::new()
            .ttl(Duration::from_millis(100))
            .stale_while_revalidate(Duration::from_millis(1_000))
            .timeout(Duration::from_millis(5_000))
            .clock(clk),
        None,
    );
    assert_eq!(*var.get().await.unwrap(), 1);
    now.set(1_150.0);
    // The load's timeout timer cannot be set: its set-up fails.
    let global = js_sys::global();
    let key = JsValue::from_str("setTimeout");
    let real = js_sys::Reflect::get(&global, &key).unwrap();
    let refuse = Function::new_no_args("throw new Error('no timers here')");
    js_sys::Reflect::set(&global, &key, &refuse).unwrap();
    let got = var.get().await;
    js_sys::Reflect::set(&global, &key, &real).unwrap();
    assert!(matches!(got, Err(Error::Runtime(_))), "{got:?}");
    assert_eq!(calls.get(), 1, "the reload did not start");
    assert_eq!(var.stats().stale_served, 0, "nobody was served stale");
    assert_eq!(var.stats().loads, 1);
    assert_eq!(
        *var.get().await.unwrap(),
        1,
        "the next get() is served stale"
    );
    assert_eq!(calls.get(), 2, "and starts the reload");
    assert_eq!(var.stats().stale_served, 1);
}

#[wasm_bindgen_test]
async fn stale_if_error_serves_the_old_value_within_its_window_only() {
    let (now, clk) = clock();
    let fail = Rc::new(Cell::new(false));
    let f = Rc::clone(&fail);
    let var: CachedVar<&'static str, String> = Builder::new()
        .ttl(Duration::from_millis(100))
        .stale_if_error(Duration::from_millis(500))
        .retry_interval(Duration::ZERO)
        .clock(clk)
        .build_var(move |_ctx| {
            let fail = f.get();
            async move {
                if fail {
                    Err("down".to_string())
                } else {
                    Ok("v1")
                }
            }
        })
        .unwrap();
    assert_eq!(*var.get().await.unwrap(), "v1");
    fail.set(true);
    now.set(1_300.0);
    assert_eq!(*var.get().await.unwrap(), "v1", "stale within staleIfError");
    now.set(1_700.0);
    let e = var.get().await.unwrap_err();
    assert_eq!(e.load_error().map(String::as_str), Some("down"));
}

#[wasm_bindgen_test]
async fn timeout_aborts_the_signal_fails_every_waiter_and_discards_the_late_value() {
    let gate = Gate::new();
    let signals = Rc::new(RefCell::new(Vec::new()));
    let s = Rc::clone(&signals);
    let calls = Rc::new(Cell::new(0u32));
    let c = Rc::clone(&calls);
    let g = gate.clone();
    let var: CachedVar<u32, String> = Builder::new()
        .timeout(Duration::from_millis(30))
        .build_var(move |ctx| {
            c.set(c.get() + 1);
            let n = c.get();
            s.borrow_mut().push(ctx.signal().clone());
            let g = g.clone();
            async move {
                if n == 1 {
                    g.wait().await;
                }
                Ok(n)
            }
        })
        .unwrap();
    let r: Vec<Got<_>> = join_all((0..2).map(|_| get_of(&var)).collect()).await;
    assert!(
        r.iter().all(|x| x.as_ref().unwrap_err().is_timeout()),
        "{r:?}"
    );
    assert!(signals.borrow()[0].aborted());
    let s = var.stats();
    assert_eq!((s.timeouts, s.errors, s.loads), (1, 1, 1));
    gate.open();
    settle().await;
    assert_eq!(var.state(), State::Empty, "the late value is discarded");
    assert_eq!(*var.get().await.unwrap(), 2);
}

#[wasm_bindgen_test]
async fn invalidate_a_running_load_never_stores_and_cooldown_skips() {
    let (now, clk) = clock();
    let gate = Gate::new();
    let (var, calls) = counting_var(
        Builder::new()
            .cooldown(Duration::from_millis(50))
            .clock(clk),
        Some(gate.clone()),
    );
    let first = start(get_of(&var)).await;
    now.set(2_000.0);
    assert!(var.invalidate());
    assert!(!var.invalidate(), "within cooldown");
    assert_eq!(var.stats().cooldown_skips, 1);
    gate.open();
    assert_eq!(*first.await.unwrap(), 1, "its own caller gets it");
    assert_eq!(var.state(), State::Empty, "but it is not stored");
    assert_eq!(*var.get().await.unwrap(), 2);
    assert_eq!(calls.get(), 2);
}

#[wasm_bindgen_test]
async fn set_stores_and_beats_a_running_load_and_previous_sees_the_old_value() {
    let gate = Gate::new();
    let previous = Rc::new(RefCell::new(Vec::new()));
    let p = Rc::clone(&previous);
    let g = gate.clone();
    let var: CachedVar<u32, String> = Builder::new()
        .build_var(move |ctx| {
            p.borrow_mut().push(ctx.previous().map(|v| **v));
            let g = g.clone();
            async move {
                g.wait().await;
                Ok(7)
            }
        })
        .unwrap();
    let first = start(get_of(&var)).await;
    var.set(42).unwrap();
    assert_eq!(*var.get().await.unwrap(), 42, "a hit, no wait");
    gate.open();
    assert_eq!(*first.await.unwrap(), 7);
    assert_eq!(
        var.peek().map(|v| *v),
        Some(42),
        "the older load did not overwrite"
    );
    assert!(var.invalidate());
    assert_eq!(var.peek(), None);
    assert_eq!(*var.get().await.unwrap(), 7);
    assert_eq!(*previous.borrow(), vec![None, Some(42)]);
}

#[wasm_bindgen_test]
async fn a_loader_asking_for_its_own_key_is_refused_not_deadlocked() {
    let me: Rc<RefCell<Option<MemoryCache<u32, u32, String>>>> = Rc::new(RefCell::new(None));
    let m = Rc::clone(&me);
    let cache: MemoryCache<u32, u32, String> = Builder::new()
        .build(move |k, _ctx| {
            let cache = m.borrow().clone().unwrap();
            async move {
                if k == 1 {
                    // Another key: fine.
                    let two = cache.get(&2).await.map_err(|e| e.to_string())?;
                    // Its own key: refused.
                    let own = cache.get(&1).await;
                    assert!(matches!(own, Err(Error::Reentrant)), "{own:?}");
                    Ok(*two + 1)
                } else {
                    Ok(k * 10)
                }
            }
        })
        .unwrap();
    *me.borrow_mut() = Some(cache.clone());
    assert_eq!(*cache.get(&1).await.unwrap(), 21);
    assert_eq!(
        cache.stats(&1).misses,
        2,
        "the refused get() counts as a miss"
    );
    *me.borrow_mut() = None; // break the cycle
}

#[wasm_bindgen_test]
async fn a_dropped_caller_does_not_cancel_the_shared_load() {
    let gate = Gate::new();
    let signals = Rc::new(RefCell::new(Vec::new()));
    let s = Rc::clone(&signals);
    let calls = Rc::new(Cell::new(0u32));
    let c = Rc::clone(&calls);
    let g = gate.clone();
    let var: CachedVar<u32, String> = Builder::new()
        .build_var(move |ctx| {
            c.set(c.get() + 1);
            let n = c.get();
            s.borrow_mut().push(ctx.signal().clone());
            let g = g.clone();
            async move {
                g.wait().await;
                Ok(n)
            }
        })
        .unwrap();
    let first = start(get_of(&var)).await;
    let joiner = start(get_of(&var)).await;
    assert_eq!(var.stats().coalesced, 1);
    drop(first);
    settle().await;
    assert!(!signals.borrow()[0].aborted(), "the load goes on");
    gate.open();
    assert_eq!(
        *joiner.await.unwrap(),
        1,
        "the joiner gets the first load's value"
    );
    assert_eq!((calls.get(), var.stats().loads), (1, 1));
    assert_eq!(var.peek().map(|v| *v), Some(1));
}

#[wasm_bindgen_test]
async fn a_load_task_dropped_by_wait_until_hands_the_load_to_its_callers() {
    let gate = Gate::new();
    let signals = Rc::new(RefCell::new(Vec::new()));
    let s = Rc::clone(&signals);
    let calls = Rc::new(Cell::new(0u32));
    let c = Rc::clone(&calls);
    let g = gate.clone();
    let var: CachedVar<u32, String> = Builder::new()
        .build_var(move |ctx| {
            c.set(c.get() + 1);
            let n = c.get();
            s.borrow_mut().push(ctx.signal().clone());
            let g = g.clone();
            async move {
                if n == 1 {
                    g.wait().await;
                }
                Ok(n)
            }
        })
        .unwrap();
    // The first caller's wait_until keeps the load's task, polls it once, then drops it.
    let kept = Rc::new(RefCell::new(Vec::new()));
    let wait_until = keep_first(&kept);
    let v = var.clone();
    let first =
        start(Box::pin(async move { v.get_with_wait_until(wait_until).await }) as Fut<Got<u32>>)
            .await;
    let handed = kept.borrow_mut().pop().unwrap();
    let task = start(handed).await;
    let joiner = start(get_of(&var)).await;
    drop(task);
    assert!(
        signals.borrow()[0].aborted(),
        "the abandoned load is aborted"
    );
    let r: Vec<Got<u32>> = join_all(vec![first, joiner]).await;
    // Both asked again: one ran load 2 (in a spawn_local task), the other joined it.
    assert_eq!(
        r.iter().map(|x| **x.as_ref().unwrap()).collect::<Vec<_>>(),
        [2, 2]
    );
    assert_eq!(
        var.stats().loads,
        2,
        "the abandoned load is forgotten, and counted: its loader ran"
    );
    gate.open();
}

#[wasm_bindgen_test]
async fn a_load_task_dropped_unpolled_is_abandoned_not_stranded() {
    let (var, calls) = counting_var(Builder::new(), None);
    let kept = Rc::new(RefCell::new(Vec::new()));
    let wait_until = keep_first(&kept);
    let v = var.clone();
    let first =
        start(Box::pin(async move { v.get_with_wait_until(wait_until).await }) as Fut<Got<u32>>)
            .await;
    assert_eq!(var.state(), State::Loading);
    // The task is dropped without ever being polled: its loader's future never ran.
    drop(kept.borrow_mut().pop());
    assert_eq!(var.state(), State::Empty, "the load is forgotten at once");
    let t0 = js_sys::Date::now();
    assert_eq!(*first.await.unwrap(), 2, "its caller ran a load of its own");
    assert!(
        js_sys::Date::now() - t0 < 1_000.0,
        "without waiting for a bound"
    );
    assert_eq!(
        (calls.get(), var.stats().loads),
        (2, 2),
        "loads = loader calls"
    );
}

#[wasm_bindgen_test]
async fn a_load_whose_task_vanishes_without_drop_is_taken_over_after_the_bound() {
    // On workerd a load whose request ended may never be polled again (nor dropped).
    let gate = Gate::new();
    let g = gate.clone();
    let calls = Rc::new(Cell::new(0u32));
    let c = Rc::clone(&calls);
    let var: CachedVar<u32, String> = Builder::new()
        .timeout(Duration::from_millis(40))
        .build_var(move |_ctx| {
            c.set(c.get() + 1);
            let n = c.get();
            let g = g.clone();
            async move {
                if n == 1 {
                    g.wait().await;
                }
                Ok(n)
            }
        })
        .unwrap();
    let kept = Rc::new(RefCell::new(Vec::new()));
    let wait_until = keep_first(&kept);
    let v = var.clone();
    let first =
        start(Box::pin(async move { v.get_with_wait_until(wait_until).await }) as Fut<Got<u32>>)
            .await;
    // The load's task runs once, then is forgotten: its timeout timer fires into nothing.
    let handed = kept.borrow_mut().pop().unwrap();
    let task = start(handed).await;
    std::mem::forget(task);
    let t0 = js_sys::Date::now();
    let r: Vec<Got<u32>> = join_all(vec![first, get_of(&var)]).await;
    let waited = js_sys::Date::now() - t0;
    // Both gave up after the 40 ms bound + 50 ms grace and were served by a second load.
    assert_eq!(
        r.iter().map(|x| **x.as_ref().unwrap()).collect::<Vec<_>>(),
        [2, 2]
    );
    assert!(waited >= 85.0, "waited {waited} ms");
    assert_eq!((calls.get(), var.stats().loads), (2, 2));
}

#[wasm_bindgen_test]
async fn keyed_loads_are_independent_and_max_entries_evicts_the_least_recently_used() {
    let calls = Rc::new(RefCell::new(Vec::new()));
    let c = Rc::clone(&calls);
    let cache: MemoryCache<String, String, String> = Builder::new()
        .max_entries(2)
        .build(move |k: String, _ctx| {
            c.borrow_mut().push(k.clone());
            async move {
                settle().await;
                Ok(k.to_uppercase())
            }
        })
        .unwrap();
    let keys = ["a", "b", "a"].map(String::from);
    let r: Vec<Got<_>> = join_all(keys.iter().map(|k| get_key(&cache, k.clone())).collect()).await;
    assert_eq!(
        r.iter()
            .map(|x| x.as_deref().unwrap().clone())
            .collect::<Vec<_>>(),
        ["A", "B", "A"]
    );
    assert_eq!(*calls.borrow(), ["a", "b"]);
    cache.get(&"a".to_string()).await.unwrap(); // a most recent
    cache.get(&"c".to_string()).await.unwrap(); // evicts b
    assert!(cache.peek(&"b".to_string()).is_none());
    assert!(cache.peek(&"a".to_string()).is_some());
    assert_eq!(cache.state(&"b".to_string()), State::Empty);
    cache.get(&"b".to_string()).await.unwrap();
    assert_eq!(*calls.borrow(), ["a", "b", "c", "b"]);
    assert_eq!(cache.stats(&"zzz".to_string()).misses, 0);
}

#[wasm_bindgen_test]
fn invalid_options_are_refused_with_the_core_error() {
    let e = Builder::<(), u32, String>::new()
        .timeout(Duration::ZERO)
        .build_var(|_ctx| async { Ok(1) })
        .err()
        .unwrap();
    assert_eq!(e.code(), 4 * 16 + 2);
    let e = Builder::<u32, u32, String>::new()
        .max_entries(0)
        .build(|_k, _ctx| async { Ok(1) })
        .err()
        .unwrap();
    assert_eq!(e.code(), 6 * 16 + 3);
}

#[wasm_bindgen_test]
async fn a_clock_that_fails_decides_nothing() {
    let (now, clk) = clock();
    let (var, calls) = counting_var(Builder::new().clock(clk), None);
    now.set(f64::NAN);
    assert!(matches!(var.get().await, Err(Error::Clock)));
    assert!(matches!(var.set(1), Err(Error::Clock)));
    assert_eq!((calls.get(), var.stats().misses), (0, 1));
    now.set(5.0);
    assert_eq!(*var.get().await.unwrap(), 1);
    // invalidate() needs a time too (its cooldown and stale-if-error windows start then).
    now.set(f64::NAN);
    assert!(!var.invalidate(), "refused");
    now.set(6.0);
    assert_eq!(var.peek().map(|v| *v), Some(1), "nothing dropped");
    assert_eq!(var.stats().loads, 1);
}

/// A keyed cache whose loader counts its calls per key and returns `"<key>#<n>"`, failing for
/// keys that start with "fail"; with `gate`, every load waits for it.
fn counting_cache(
    builder: Builder<String, String, String>,
    gate: Option<Gate>,
) -> (MemoryCache<String, String, String>, Rc<Cell<u32>>) {
    let calls = Rc::new(Cell::new(0));
    let c = Rc::clone(&calls);
    let cache = builder
        .build(move |k: String, _ctx| {
            c.set(c.get() + 1);
            let n = c.get();
            let gate = gate.clone();
            async move {
                if let Some(g) = gate {
                    g.wait().await;
                }
                if k.starts_with("fail") {
                    Err(format!("{k} failed"))
                } else {
                    Ok(format!("{k}#{n}"))
                }
            }
        })
        .unwrap();
    (cache, calls)
}

#[wasm_bindgen_test]
async fn delete_forgets_a_key_and_the_next_get_loads_afresh() {
    let (cache, calls) = counting_cache(Builder::new(), None);
    let a = "a".to_string();
    assert!(!cache.delete(&a), "unknown key");
    assert_eq!(*cache.get(&a).await.unwrap(), "a#1");
    assert_eq!(cache.key_count(), 1);
    assert!(cache.delete(&a), "a value was stored");
    assert!(cache.peek(&a).is_none());
    assert_eq!(cache.state(&a), State::Empty);
    assert_eq!(
        cache.key_count(),
        0,
        "an unbounded cache lets go of a deleted idle key"
    );
    assert_eq!(cache.stats(&a).loads, 0, "its counters went with it");
    assert_eq!(*cache.get(&a).await.unwrap(), "a#2");
    assert_eq!(calls.get(), 2);
}

#[wasm_bindgen_test]
async fn delete_during_a_load_fences_it_and_its_callers_still_get_the_outcome() {
    let gate = Gate::new();
    let (cache, calls) = counting_cache(Builder::new(), Some(gate.clone()));
    let a = "a".to_string();
    let results = Rc::new(RefCell::new(Vec::new()));
    for _ in 0..2 {
        let (f, out) = (get_key(&cache, a.clone()), Rc::clone(&results));
        wasm_bindgen_futures::spawn_local(async move {
            let v = f.await;
            out.borrow_mut().push(v);
        });
    }
    settle().await;
    assert_eq!(cache.state(&a), State::Loading);
    assert!(!cache.delete(&a), "nothing stored yet");
    assert_eq!(cache.key_count(), 1, "kept while its load runs");
    gate.open();
    settle().await;
    let r = results.borrow_mut().split_off(0);
    assert_eq!(r.len(), 2);
    assert_eq!(*r[0].as_ref().unwrap().as_str(), *"a#1");
    assert!(Rc::ptr_eq(r[0].as_ref().unwrap(), r[1].as_ref().unwrap()));
    assert!(
        cache.peek(&a).is_none(),
        "a load that began before delete stores nothing"
    );
    // The fenced load has ended: the key is let go at the next new key (or delete).
    assert!(!cache.delete(&a));
    assert_eq!(cache.key_count(), 0);
    assert_eq!(*cache.get(&a).await.unwrap(), "a#2");
    assert_eq!(calls.get(), 2);
}

#[wasm_bindgen_test]
async fn a_bounded_cache_lets_go_of_idle_keys_so_keys_stay_bounded() {
    let (cache, calls) = counting_cache(Builder::new().max_entries(3), None);
    for i in 0..200 {
        let k = format!("k{i}");
        assert_eq!(*cache.get(&k).await.unwrap(), format!("{k}#{}", i + 1));
        // At most 3 values, plus the evicted key not yet let go (the next new key does it).
        assert!(
            cache.key_count() <= 4,
            "{} keys after {i}",
            cache.key_count()
        );
    }
    // Failed loads hold nothing: their keys are let go too.
    for i in 0..50 {
        assert!(cache.get(&format!("fail{i}")).await.is_err());
        assert!(
            cache.key_count() <= 5,
            "{} keys after fail{i}",
            cache.key_count()
        );
    }
    assert_eq!(calls.get(), 250);
    // The newest values are still served; an evicted key loads again, as a new key.
    assert_eq!(*cache.get(&"k199".to_string()).await.unwrap(), "k199#200");
    assert_eq!(cache.stats(&"k0".to_string()).loads, 0);
    assert_eq!(*cache.get(&"k0".to_string()).await.unwrap(), "k0#251");
}

#[wasm_bindgen_test]
async fn a_key_is_let_go_whatever_its_cooldown_window() {
    let (_now, clk) = clock();
    let (cache, _calls) = counting_cache(
        Builder::new()
            .max_entries(1)
            .cooldown(Duration::from_secs(10))
            .clock(clk),
        None,
    );
    let a = "a".to_string();
    cache.get(&a).await.unwrap();
    assert!(
        !cache.invalidate(&a),
        "skipped within the cooldown window of its load"
    );
    cache.get(&"b".to_string()).await.unwrap(); // evicts a
    cache.get(&"c".to_string()).await.unwrap(); // evicts b, lets a go
    assert!(cache.key_count() <= 2, "{} keys", cache.key_count());
    assert_eq!(cache.stats(&a).loads, 0, "a was let go within its window");
}

#[wasm_bindgen_test]
async fn a_get_decides_when_first_polled_and_answers_a_poll_after_completion_without_panic() {
    let (var, calls) = counting_var(Builder::new(), None);
    assert_eq!(*var.get().await.unwrap(), 1);
    // Made while the value is fresh, polled after an invalidate: a future does nothing until
    // polled, so this one loads again.
    let mut later = Box::pin(var.get());
    assert!(var.invalidate());
    assert_eq!(*later.as_mut().await.unwrap(), 2);
    assert_eq!(calls.get(), 2);
    // Polled once more after it completed (a caller's mistake): an error, not a panic that
    // would reset the instance and every value cached in it.
    let mut hit = Box::pin(var.get());
    assert_eq!(*hit.as_mut().await.unwrap(), 2);
    let again = poll_fn(|cx| Poll::Ready(hit.as_mut().poll(cx))).await;
    assert!(matches!(again, Poll::Ready(Err(Error::Inconsistent))));
    assert_eq!(*var.get().await.unwrap(), 2, "the var still serves");
}

#[wasm_bindgen_test]
async fn a_clock_failing_while_a_caller_waits_does_not_start_a_second_load() {
    // The clock returns NaN from its second reading on, while the first caller waits on its
    // load (the wait is measured in real time, so it does not read the clock at all).
    let reads = Rc::new(Cell::new(0u32));
    let r = Rc::clone(&reads);
    let gate = Gate::new();
    let (var, calls) = counting_var(
        Builder::new().clock(move || {
            r.set(r.get() + 1);
            if r.get() >= 2 {
                f64::NAN
            } else {
                1_000.0
            }
        }),
        Some(gate.clone()),
    );
    let out = Rc::new(RefCell::new(None));
    let o = Rc::clone(&out);
    let first = get_of(&var);
    wasm_bindgen_futures::spawn_local(async move { *o.borrow_mut() = Some(first.await) });
    sleep(20.0).await;
    assert_eq!(
        calls.get(),
        1,
        "load 1 still runs: no second load may start"
    );
    gate.open();
    sleep(5.0).await;
    assert_eq!(**out.borrow().as_ref().unwrap().as_ref().unwrap(), 1);
    assert_eq!((calls.get(), var.stats().loads), (1, 1));
}

#[wasm_bindgen_test]
async fn a_wait_until_that_drops_every_task_does_not_loop_over_the_loader() {
    // A caller's mistake (wait_until must poll the task it is handed): every task is dropped
    // unpolled, so every load is abandoned at once and its caller asks again — at once.
    let (var, calls) = counting_var(Builder::new(), None);
    let handed = Rc::new(Cell::new(0u32));
    let h = Rc::clone(&handed);
    let r = var
        .get_with_wait_until(move |task| {
            h.set(h.get() + 1);
            // (Past 1,000 the task is run, so that this test ends either way.)
            if h.get() > 1_000 {
                wasm_bindgen_futures::spawn_local(task);
            }
        })
        .await;
    assert!(
        calls.get() <= 2,
        "get() ended after {} loader calls and {} tasks handed to wait_until ({:?})",
        calls.get(),
        handed.get(),
        r.as_ref().map(|v| **v)
    );
    assert!(matches!(r, Err(Error::Abandoned)), "{r:?}");
    assert_eq!(
        *var.get().await.unwrap(),
        3,
        "the next get() (spawn_local) loads"
    );
}

#[wasm_bindgen_test]
async fn a_clock_failing_as_a_caller_asks_again_after_an_abandoned_load_decides_nothing() {
    // The clock returns NaN on its second reading only: the one a caller makes when the load it
    // waited on was abandoned (its task dropped unpolled), before it asks the core again.
    let reads = Rc::new(Cell::new(0u32));
    let r = Rc::clone(&reads);
    let (var, calls) = counting_var(
        Builder::new().clock(move || {
            r.set(r.get() + 1);
            if r.get() == 2 {
                f64::NAN
            } else {
                1_000.0
            }
        }),
        None,
    );
    let kept = Rc::new(RefCell::new(Vec::new()));
    let wait_until = keep_first(&kept);
    let v = var.clone();
    let first =
        start(Box::pin(async move { v.get_with_wait_until(wait_until).await }) as Fut<Got<u32>>)
            .await;
    drop(kept.borrow_mut().pop());
    assert!(
        matches!(first.await, Err(Error::Clock)),
        "no load started at an unknown time"
    );
    assert_eq!((reads.get(), calls.get()), (2, 1));
    assert_eq!(
        *var.get().await.unwrap(),
        2,
        "with a working clock, the next get() loads"
    );
    assert_eq!(
        var.stats().loads,
        2,
        "the abandoned load is counted: its loader ran"
    );
}

/// `fut`'s output, or `None` if `ms` pass first (a test of "does not hang" that fails, not hangs).
async fn within<O>(ms: f64, fut: impl Future<Output = O>) -> Option<O> {
    let mut fut = Box::pin(fut);
    let mut timer = Box::pin(sleep(ms));
    poll_fn(|cx| {
        if let Poll::Ready(out) = fut.as_mut().poll(cx) {
            return Poll::Ready(Some(out));
        }
        if timer.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    })
    .await
}

#[wasm_bindgen_test]
async fn a_cycle_of_loads_across_keys_is_refused_not_waited_on_for_ever() {
    // 1's loader awaits 2, whose loader awaits 3, whose loader awaits 1: no timeout anywhere.
    let me: Rc<RefCell<Option<MemoryCache<u32, u32, String>>>> = Rc::new(RefCell::new(None));
    let m = Rc::clone(&me);
    let refused = Rc::new(RefCell::new(Vec::new()));
    let r = Rc::clone(&refused);
    let cache: MemoryCache<u32, u32, String> = Builder::new()
        .build(move |k, _ctx| {
            let cache = m.borrow().clone().unwrap();
            let r = Rc::clone(&r);
            async move {
                settle().await; // not in the loader's first poll: the cycle spans tasks
                let next = if k == 3 { 1 } else { k + 1 };
                match cache.get(&next).await {
                    Ok(v) => Ok(*v + 1),
                    Err(Error::Reentrant) => {
                        r.borrow_mut().push((k, next));
                        Err(format!("{k} -> {next}: a cycle"))
                    }
                    Err(e) => Err(format!("{k} -> {next}: {e}")),
                }
            }
        })
        .unwrap();
    *me.borrow_mut() = Some(cache.clone());
    let got = within(5_000.0, cache.get(&1)).await;
    let err = got.expect("the cycle was waited on").unwrap_err();
    assert_eq!(
        err.load_error().map(String::as_str),
        Some("1 -> 2: the loader failed: 2 -> 3: the loader failed: 3 -> 1: a cycle"),
        "{err:?}"
    );
    assert_eq!(*refused.borrow(), vec![(3, 1)], "the wait that closed it");
    // Nothing is left waiting: each key loads again, and without a cycle all is well.
    for k in 1..=3 {
        assert_eq!(cache.state(&k), State::Empty, "key {k}");
    }
    *me.borrow_mut() = None; // break the Rc cycle
}

#[wasm_bindgen_test]
async fn a_cycle_of_loads_across_two_vars_is_refused() {
    type Var = CachedVar<u32, String>;
    thread_local! {
        static PAIR: RefCell<Option<(Var, Var)>> = const { RefCell::new(None) };
    }
    let other =
        |first: bool| PAIR.with(|p| p.borrow().clone().map(|(a, b)| if first { b } else { a }));
    let a: Var = Builder::new()
        .build_var(move |_ctx| async move {
            settle().await;
            let b = other(true).unwrap();
            b.get().await.map(|v| *v + 1).map_err(|e| format!("a: {e}"))
        })
        .unwrap();
    let b: Var = Builder::new()
        .build_var(move |_ctx| async move {
            settle().await;
            let a = other(false).unwrap();
            a.get().await.map(|v| *v + 1).map_err(|e| format!("b: {e}"))
        })
        .unwrap();
    PAIR.with(|p| *p.borrow_mut() = Some((a.clone(), b.clone())));
    // Both asked at once: one of the two waits closes the cycle.
    let both = within(5_000.0, async { (a.get().await, b.get().await) }).await;
    let (ra, rb) = both.expect("the cycle was waited on");
    assert!(ra.is_err() && rb.is_err(), "{ra:?} {rb:?}");
    PAIR.with(|p| *p.borrow_mut() = None);
}

/// A key whose `Ord` calls back into the cache that compares it (user code the cache runs while
/// it looks keys up): every call is refused, none panics (a panic would trap the instance).
#[derive(Clone, PartialEq, Eq)]
struct Nosy(u32);

thread_local! {
    static NOSY: RefCell<Option<MemoryCache<Nosy, u32, String>>> = const { RefCell::new(None) };
    static NOSY_SAW: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

impl PartialOrd for Nosy {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Nosy {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        if let Some(cache) = NOSY.with(|c| c.borrow().clone()) {
            let k = Nosy(99);
            let mut get = Box::pin(cache.get(&k));
            let polled = get
                .as_mut()
                .poll(&mut std::task::Context::from_waker(std::task::Waker::noop()));
            let saw = format!(
                "peek {:?} set {:?} delete {} invalidate {} state {:?} count {} get {:?}",
                cache.peek(&k),
                cache.set(Nosy(98), 1).err(),
                cache.delete(&k),
                cache.invalidate(&k),
                cache.state(&k),
                cache.key_count(),
                polled.map(|r| r.err()),
            );
            NOSY_SAW.with(|s| s.borrow_mut().push(saw));
        }
        self.0.cmp(&other.0)
    }
}

#[wasm_bindgen_test]
async fn a_key_whose_ord_calls_back_into_the_cache_is_refused_not_a_panic() {
    let cache: MemoryCache<Nosy, u32, String> = Builder::new()
        .build(|k: Nosy, _ctx| async move { Ok(k.0 * 10) })
        .unwrap();
    // Two keys, so that looking up a third compares.
    assert_eq!(*cache.get(&Nosy(1)).await.unwrap(), 10);
    assert_eq!(*cache.get(&Nosy(2)).await.unwrap(), 20);
    NOSY.with(|c| *c.borrow_mut() = Some(cache.clone()));
    assert_eq!(*cache.get(&Nosy(1)).await.unwrap(), 10, "a hit");
    assert_eq!(*cache.get(&Nosy(3)).await.unwrap(), 30, "a miss");
    assert!(cache.set(Nosy(4), 40).is_ok());
    assert_eq!(cache.peek(&Nosy(4)).map(|v| *v), Some(40));
    NOSY.with(|c| *c.borrow_mut() = None);
    let saw = NOSY_SAW.with(|s| std::mem::take(&mut *s.borrow_mut()));
    assert!(!saw.is_empty(), "Ord called back");
    for s in &saw {
        assert_eq!(
            s,
            "peek None set Some(Reentrant) delete false invalidate false state Empty count 0 get Ready(Some(Reentrant))"
        );
    }
    assert_eq!(cache.key_count(), 4, "nothing lost");
    assert_eq!(*cache.get(&Nosy(2)).await.unwrap(), 20);
}

/// A key that counts its live copies and, when dropped, calls back into the cache (user code
/// the cache must run outside its borrow, where the call works).
#[derive(PartialEq, Eq, PartialOrd, Ord, Debug)]
struct Counted(u32);

thread_local! {
    static COUNTED_LIVE: Cell<i64> = const { Cell::new(0) };
    static COUNTED_CACHE: RefCell<Option<MemoryCache<Counted, u32, String>>> = const { RefCell::new(None) };
    static COUNTED_SAW: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

impl Counted {
    fn new(n: u32) -> Counted {
        COUNTED_LIVE.with(|l| l.set(l.get() + 1));
        Counted(n)
    }
}

impl Clone for Counted {
    fn clone(&self) -> Self {
        Counted::new(self.0)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        COUNTED_LIVE.with(|l| l.set(l.get() - 1));
        if self.0 >= 1000 {
            return;
        }
        if let Some(cache) = COUNTED_CACHE.with(|c| c.borrow().clone()) {
            let set = cache.set(Counted::new(1000 + self.0), 0).err();
            COUNTED_SAW.with(|s| s.borrow_mut().push(format!("{} {set:?}", self.0)));
        }
    }
}

#[wasm_bindgen_test]
async fn keys_let_go_are_dropped_outside_the_borrow_and_on_every_path() {
    let (now, clk) = clock();
    let cache: MemoryCache<Counted, u32, String> = Builder::new()
        .max_entries(1)
        .clock(clk)
        .build(|k: Counted, _| async move {
            if k.0 == 1 {
                Err("fails".to_string())
            } else {
                Ok(k.0)
            }
        })
        .unwrap();
    // Key 1's load fails: it holds nothing, and is let go when key 2 comes in.
    assert!(cache.get(&Counted::new(1)).await.is_err());
    COUNTED_CACHE.with(|c| *c.borrow_mut() = Some(cache.clone()));
    assert_eq!(*cache.get(&Counted::new(2)).await.unwrap(), 2);
    COUNTED_CACHE.with(|c| *c.borrow_mut() = None);
    let saw = COUNTED_SAW.with(|s| std::mem::take(&mut *s.borrow_mut()));
    assert!(
        saw.contains(&"1 None".to_string()),
        "key 1's Drop could set: {saw:?}"
    );
    assert!(saw.iter().all(|s| !s.contains("Reentrant")), "{saw:?}");
    // A clock that fails refuses every get(): the keys let go meanwhile are still dropped.
    now.set(f64::NAN);
    let before = COUNTED_LIVE.with(Cell::get);
    for n in 2000..2500 {
        assert!(matches!(
            cache.get(&Counted::new(n)).await,
            Err(Error::Clock)
        ));
    }
    let grown = COUNTED_LIVE.with(Cell::get) - before;
    assert!(
        grown <= 4,
        "{grown} more keys alive, key_count {}",
        cache.key_count()
    );
}
