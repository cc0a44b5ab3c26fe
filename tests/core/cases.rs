//! Worked examples, one per rule of issues 2 (semantics 1-6) and 3 (options), on one var with a
//! fake clock. Each test is named for the rule it shows.

use simple_memory_cache::core::{
    FailDecision, GetDecision, InvalidateDecision, LoadId, Mode, Options, State, Var,
};

const INF: f64 = f64::INFINITY;

fn var(ttl: f64, swr: f64, sie: f64, cooldown: f64) -> Var {
    Var::new(Options::new(Mode::Shared, ttl, swr, sie, INF, cooldown).expect("valid options"))
}

fn plain() -> Var {
    Var::new(Options::DEFAULT)
}

fn started(d: GetDecision) -> LoadId {
    match d {
        GetDecision::Start(id) => id,
        other => panic!("expected a new load, got {other:?}"),
    }
}

#[test]
fn lazy_nothing_loads_until_the_first_get_and_later_gets_hit() {
    let mut v = plain();
    assert_eq!(v.state(0.0), State::Empty);
    assert_eq!(v.stats().loads, 0);
    let a = started(v.get(0.0));
    assert!(v.loaded(a, 1.0));
    assert_eq!(v.get(2.0), GetDecision::Hit);
    assert_eq!(v.get(1e12), GetDecision::Hit, "ttl defaults to Infinity");
    let s = v.stats();
    assert_eq!((s.hits, s.misses, s.loads), (2, 1, 1));
}

#[test]
fn single_flight_concurrent_gets_join_the_first_load() {
    let mut v = plain();
    let a = started(v.get(0.0));
    assert_eq!(v.get(0.0), GetDecision::Join(a));
    assert_eq!(v.get(1.0), GetDecision::Join(a));
    assert_eq!(v.state(1.0), State::Loading);
    assert!(v.loaded(a, 2.0));
    let s = v.stats();
    assert_eq!((s.loads, s.coalesced, s.misses), (1, 2, 3));
}

#[test]
fn errors_are_not_cached_the_next_get_loads_again() {
    let mut v = plain();
    let a = started(v.get(0.0));
    assert_eq!(v.get(0.0), GetDecision::Join(a));
    assert_eq!(v.failed(a, 1.0, 2, false), FailDecision::Reject);
    assert_eq!(v.state(1.0), State::Empty);
    let b = started(v.get(2.0));
    assert_ne!(a, b);
    assert_eq!(v.stats().errors, 1);
}

#[test]
fn errors_a_failed_reload_keeps_the_stored_value() {
    let mut v = var(10.0, 0.0, 0.0, 0.0);
    v.set(0.0);
    let a = started(v.get(10.0));
    assert_eq!(v.failed(a, 11.0, 1, false), FailDecision::Reject);
    assert!(v.has_value());
    assert_eq!(v.state(11.0), State::Stale);
    assert_eq!(v.fresh_until(), 10.0);
}

#[test]
fn invalidate_drops_the_value_and_the_next_get_loads() {
    let mut v = plain();
    v.set(0.0);
    assert_eq!(v.invalidate(1.0), InvalidateDecision::Invalidated);
    assert!(!v.has_value());
    assert_eq!(v.state(1.0), State::Empty);
    assert_eq!(v.fresh_until(), f64::NEG_INFINITY);
    started(v.get(2.0));
}

#[test]
fn invalidate_a_load_begun_before_it_never_stores_and_is_not_joined() {
    let mut v = plain();
    let a = started(v.get(0.0));
    assert_eq!(v.invalidate(1.0), InvalidateDecision::Invalidated);
    assert_eq!(
        v.state(1.0),
        State::Empty,
        "the running load is not what a get() waits for"
    );
    let b = started(v.get(2.0));
    assert!(!v.loaded(a, 3.0));
    assert_eq!(v.state(3.0), State::Loading);
    assert!(v.loaded(b, 4.0));
}

#[test]
fn set_a_load_begun_before_it_never_stores() {
    let mut v = var(10.0, 0.0, 0.0, 0.0);
    let a = started(v.get(0.0));
    v.set(1.0);
    assert!(!v.loaded(a, 2.0));
    assert_eq!(v.fresh_until(), 11.0, "the set value stays");
}

#[test]
fn ordering_an_older_load_finishing_late_never_overwrites_a_newer_value() {
    let mut v = var(10.0, 0.0, 0.0, 0.0);
    let a = started(v.get(0.0));
    let b = started(v.abandon(a, 0.0, 1));
    assert!(v.loaded(b, 5.0));
    assert!(!v.loaded(a, 6.0));
    assert_eq!(v.fresh_until(), 15.0);
}

#[test]
fn set_stores_as_if_loaded() {
    let mut v = var(10.0, 0.0, 0.0, 0.0);
    v.set(3.0);
    assert_eq!(v.state(3.0), State::Fresh);
    assert_eq!(v.get(12.0), GetDecision::Hit);
    assert_eq!(v.state(13.0), State::Stale);
    assert_eq!(v.stats().loads, 0);
}

#[test]
fn ttl_a_value_is_fresh_for_ttl_ms_after_it_was_stored() {
    let mut v = var(10.0, 0.0, 0.0, 0.0);
    let a = started(v.get(0.0));
    assert!(v.loaded(a, 5.0));
    assert_eq!(v.state(14.5), State::Fresh);
    assert_eq!(v.get(14.0), GetDecision::Hit);
    assert_eq!(v.state(15.0), State::Stale);
    started(v.get(15.0));
}

#[test]
fn ttl_zero_never_serves_without_loading() {
    let mut v = var(0.0, 0.0, 0.0, 0.0);
    v.set(0.0);
    assert_eq!(v.state(0.0), State::Stale);
    started(v.get(0.0));
}

#[test]
fn stale_while_revalidate_serves_stale_and_starts_exactly_one_reload() {
    let mut v = var(10.0, 5.0, 0.0, 0.0);
    v.set(0.0);
    let GetDecision::StaleRevalidate(a) = v.get(10.0) else {
        panic!("expected a background reload")
    };
    assert_eq!(v.get(12.0), GetDecision::Stale);
    assert_eq!(
        v.state(12.0),
        State::Stale,
        "state stays stale while revalidating"
    );
    // Past the window a caller waits, for the reload already running.
    assert_eq!(v.get(15.0), GetDecision::Join(a));
    assert!(v.loaded(a, 16.0));
    assert_eq!(v.get(16.0), GetDecision::Hit);
    let s = v.stats();
    assert_eq!((s.loads, s.stale_served, s.coalesced), (1, 2, 1));
}

#[test]
fn stale_if_error_serves_the_stale_value_within_its_window_only() {
    let mut v = var(10.0, 0.0, 5.0, 0.0);
    v.set(0.0);
    let a = started(v.get(12.0));
    assert_eq!(v.failed(a, 14.0, 3, false), FailDecision::ServeStale);
    assert_eq!(v.stats().stale_served, 3);
    let b = started(v.get(15.0));
    assert_eq!(v.failed(b, 15.0, 1, false), FailDecision::Reject);
    assert_eq!(v.stats().errors, 2);
}

#[test]
fn stale_if_error_needs_a_stored_value() {
    let mut v = var(10.0, 0.0, INF, 0.0);
    let a = started(v.get(0.0));
    assert_eq!(v.failed(a, 1.0, 1, false), FailDecision::Reject);
}

#[test]
fn stale_if_error_covers_a_value_set_while_the_load_ran() {
    // Debatable: the waiters of the failed load get the (fresh) set value, but only when
    // staleIfError is on; without it they get the error although a value is stored.
    let mut with = var(10.0, 0.0, 5.0, 0.0);
    let a = started(with.get(0.0));
    with.set(1.0);
    assert_eq!(with.failed(a, 2.0, 1, false), FailDecision::ServeStale);
    let mut without = var(10.0, 0.0, 0.0, 0.0);
    let a = started(without.get(0.0));
    without.set(1.0);
    assert_eq!(without.failed(a, 2.0, 1, false), FailDecision::Reject);
}

#[test]
fn timeout_is_a_failure_counted_apart_and_the_next_get_loads_afresh() {
    let mut v = plain();
    let a = started(v.get(0.0));
    assert_eq!(v.get(0.0), GetDecision::Join(a));
    assert_eq!(v.failed(a, 100.0, 2, true), FailDecision::Reject);
    assert_eq!((v.stats().errors, v.stats().timeouts), (1, 1));
    assert_ne!(started(v.get(101.0)), a);
}

#[test]
fn cooldown_ignores_an_invalidate_soon_after_a_store() {
    let mut v = var(INF, 0.0, 0.0, 30.0);
    let a = started(v.get(0.0));
    assert!(v.loaded(a, 0.0));
    assert_eq!(v.invalidate(29.0), InvalidateDecision::CooldownSkip);
    assert_eq!(v.get(29.0), GetDecision::Hit, "the value stays");
    assert_eq!(v.stats().cooldown_skips, 1);
    assert_eq!(v.invalidate(30.0), InvalidateDecision::Invalidated);
}

#[test]
fn cooldown_also_counts_from_an_effective_invalidate() {
    // An invalidate flood while the reload runs must not kill that reload: one refetch per window.
    let mut v = var(INF, 0.0, 0.0, 30.0);
    assert_eq!(v.invalidate(0.0), InvalidateDecision::Invalidated);
    let a = started(v.get(1.0));
    assert_eq!(v.invalidate(2.0), InvalidateDecision::CooldownSkip);
    assert_eq!(v.get(3.0), GetDecision::Join(a));
    assert!(v.loaded(a, 4.0));
    assert_eq!(v.stats().loads, 1);
}

#[test]
fn cooldown_infinity_ignores_every_invalidate_once_a_value_is_stored() {
    let mut v = var(INF, 0.0, 0.0, INF);
    v.set(0.0);
    assert_eq!(v.invalidate(1e15), InvalidateDecision::CooldownSkip);
    assert!(v.has_value());
}

#[test]
fn cooldown_zero_never_ignores_an_invalidate_even_when_the_clock_steps_back() {
    let mut v = plain();
    v.set(100.0);
    assert_eq!(v.invalidate(99.0), InvalidateDecision::Invalidated);
    assert!(!v.has_value());
}

#[test]
fn cooldown_a_clock_stepping_back_does_not_stretch_the_window() {
    let mut v = var(INF, 0.0, 0.0, 30.0);
    v.set(1_000_000.0);
    assert_eq!(v.invalidate(1_000.0), InvalidateDecision::Invalidated);
    assert_eq!(v.invalidate(1_010.0), InvalidateDecision::CooldownSkip);
}

#[test]
fn abandon_a_waiter_takes_over_and_later_ones_join_its_load() {
    let mut v = plain();
    let a = started(v.get(0.0));
    assert_eq!(v.get(0.0), GetDecision::Join(a));
    assert_eq!(v.get(0.0), GetDecision::Join(a));
    let b = started(v.abandon(a, 0.0, 1));
    assert_eq!(v.abandon(a, 0.0, 1), GetDecision::Join(b));
    assert_eq!(
        v.get(1.0),
        GetDecision::Join(b),
        "the abandoned load is not joinable"
    );
    // The abandoned load may still store if it arrives first; the newer one then replaces it.
    assert!(v.loaded(a, 2.0));
    assert!(v.loaded(b, 3.0));
    assert_eq!(v.stats().loads, 2);
}

#[test]
fn per_caller_every_get_loads_for_itself_and_nothing_is_stored_here() {
    let mut v = Var::new(Options::new(Mode::PerCaller, INF, 0.0, 0.0, 50.0, 0.0).expect("valid"));
    let a = started(v.get(0.0));
    let b = started(v.get(0.0));
    assert_ne!(a, b);
    assert_eq!(v.state(0.0), State::Empty);
    assert!(
        v.loaded(a, 1.0),
        "the caller writes its value to its storage"
    );
    assert!(!v.has_value());
    v.set(2.0);
    assert!(
        !v.loaded(b, 3.0),
        "a load begun before set() must not overwrite it"
    );
    assert_eq!(v.invalidate(4.0), InvalidateDecision::Invalidated);
    assert_eq!(v.stats().coalesced, 0);
}

#[test]
fn non_finite_times_decide_without_trapping() {
    let mut v = var(10.0, 5.0, 5.0, 30.0);
    let a = started(v.get(f64::NAN));
    assert!(
        !v.loaded(a, f64::NAN),
        "a load settled at an unknown time stores nothing"
    );
    assert_eq!(v.state(f64::NAN), State::Empty);
    v.set(0.0);
    assert_eq!(v.state(f64::NAN), State::Stale, "NaN is never within ttl");
    let b = started(v.get(f64::INFINITY));
    assert_eq!(
        v.failed(b, f64::NEG_INFINITY, u64::MAX, true),
        FailDecision::Reject
    );
    assert_eq!(v.invalidate(f64::NAN), InvalidateDecision::Invalidated);
    // Near f64::MAX, 10 ms is below the float resolution: `at + ttl` rounds back to `at`, so a
    // value stored there reads as expired at once. No JS clock gets there (it must be finite
    // and Date.now() is ~1.7e12, where the resolution is ~0.0002 ms).
    v.set(f64::MAX);
    assert_eq!(v.fresh_until(), f64::MAX);
    assert_eq!(v.state(f64::MAX), State::Stale);
}

#[test]
fn stale_if_error_the_value_an_invalidate_dropped_still_answers_a_failed_reload() {
    let mut v = var(10.0, 0.0, 100.0, 0.0);
    let a = started(v.get(0.0));
    assert!(v.loaded(a, 0.0));
    // Invalidated while fresh: it counts as expired from the invalidate (5), not from 10.
    assert_eq!(v.invalidate(5.0), InvalidateDecision::Invalidated);
    assert!(!v.has_value());
    assert_eq!(v.state(5.0), State::Empty);
    let b = started(v.get(6.0));
    assert_eq!(v.failed(b, 104.0, 1, false), FailDecision::ServeStale);
    // The origin is failing: while it covers, a get() is served that value at once (backoff).
    assert_eq!(v.get(104.0), GetDecision::Stale);
    // Past its window (expired at 5, + 100), nothing covers: a get() loads, its failure rejects.
    let c = started(v.get(105.0));
    assert_eq!(v.failed(c, 105.0, 1, false), FailDecision::Reject);
    // A new value replaces the fallback; invalidating an expired value counts from its expiry.
    let d = started(v.get(106.0));
    assert!(v.loaded(d, 106.0));
    assert_eq!(v.invalidate(200.0), InvalidateDecision::Invalidated);
    let e = started(v.get(200.0));
    assert_eq!(
        v.failed(e, 215.0, 1, true),
        FailDecision::ServeStale,
        "expired at 116: covered until 216"
    );
    assert_eq!(v.get(215.0), GetDecision::Stale);
    let f = started(v.get(216.0));
    assert_eq!(v.failed(f, 216.0, 1, false), FailDecision::Reject);
}

#[test]
fn stale_if_error_an_evicted_value_is_no_fallback() {
    let mut v = var(10.0, 0.0, 100.0, 0.0);
    let a = started(v.get(0.0));
    assert!(v.loaded(a, 0.0));
    v.evict();
    let b = started(v.get(1.0));
    assert_eq!(v.failed(b, 2.0, 1, false), FailDecision::Reject);
}

#[test]
fn load_ids_never_issued_are_ignored() {
    let mut v = plain();
    let a = started(v.get(0.0));
    for bogus in [0, a + 1, u64::MAX] {
        assert!(!v.loaded(bogus, 1.0), "{bogus}");
        assert_eq!(v.failed(bogus, 1.0, 5, true), FailDecision::Reject);
    }
    assert_eq!(v.stats().errors, 0);
    assert_eq!(
        v.state(1.0),
        State::Loading,
        "the real load is still joinable"
    );
    assert!(v.loaded(a, 2.0));
    assert_eq!(v.get(3.0), GetDecision::Hit);
}

#[test]
fn abandon_serves_a_value_stored_meanwhile_instead_of_loading_again() {
    // ttl 10, swr 5: a waiter gives up on load a after set() stored a value.
    let mut v = var(10.0, 5.0, 0.0, 0.0);
    let a = started(v.get(0.0));
    assert_eq!(v.get(0.0), GetDecision::Join(a));
    v.set(1.0);
    let before = v.stats();
    assert_eq!(
        v.abandon(a, 2.0, 1),
        GetDecision::Hit,
        "fresh: served, no load"
    );
    assert_eq!(v.stats().loads, before.loads);
    assert_eq!(
        (v.stats().hits, v.stats().misses),
        (before.hits, before.misses),
        "the waiter was counted at its get(), not again"
    );
    // Within staleWhileRevalidate: served stale with one reload started, which the next waiter
    // to give up does not repeat.
    let mut w = var(10.0, 5.0, 0.0, 0.0);
    let a = started(w.get(0.0));
    assert_eq!(w.get(0.0), GetDecision::Join(a));
    w.set(1.0);
    let reload = match w.abandon(a, 14.0, 1) {
        GetDecision::StaleRevalidate(id) => id,
        d => panic!("expected a stale value and a reload, got {d:?}"),
    };
    assert_ne!(reload, a);
    assert_eq!(w.abandon(a, 14.0, 1), GetDecision::Stale);
    assert_eq!(w.stats().stale_served, 2);
    assert_eq!(w.stats().loads, 2);
}

#[test]
fn a_clock_step_back_never_extends_freshness_and_every_window_agrees() {
    // ttl 10, swr 5, sie 5, cooldown 30; stored at 100.
    let mut v = var(10.0, 5.0, 5.0, 30.0);
    let a = started(v.get(100.0));
    assert!(v.loaded(a, 100.0));
    assert_eq!(v.get(105.0), GetDecision::Hit);
    // Stepped back before the store: past every window — not fresh, not stale-servable.
    assert_eq!(v.state(99.0), State::Stale);
    let b = started(v.get(99.0));
    assert_eq!(
        v.failed(b, 99.0, 1, false),
        FailDecision::Reject,
        "staleIfError does not cover a reading before the store"
    );
    // ... and the cooldown window is over too.
    assert_eq!(v.invalidate(99.0), InvalidateDecision::Invalidated);
    // A ttl of Infinity never expires, whatever the clock says.
    let mut forever = var(f64::INFINITY, 0.0, 0.0, 0.0);
    let c = started(forever.get(100.0));
    assert!(forever.loaded(c, 100.0));
    assert_eq!(forever.get(-5.0), GetDecision::Hit);
    assert_eq!(forever.stored_at(), 100.0);
}

#[test]
fn a_load_that_could_not_start_leaves_no_trace() {
    let mut v = var(10.0, 0.0, 0.0, 0.0);
    let a = started(v.get(0.0));
    v.cancel(a);
    assert_eq!(v.state(0.0), State::Empty);
    assert_eq!(v.stats().loads, 0);
    let b = started(v.get(0.0));
    assert_ne!(a, b, "the next get() starts a new load at once");
    assert_eq!(v.get(0.0), GetDecision::Join(b));
    v.cancel(999);
    assert_eq!(v.stats().loads, 1, "an id never issued is ignored");
}

#[test]
fn a_refused_get_counts_as_a_miss_and_changes_nothing_else() {
    let mut v = var(10.0, 0.0, 0.0, 0.0);
    v.refused();
    let s = v.stats();
    assert_eq!((s.hits, s.misses, s.loads), (0, 1, 0));
    assert_eq!(v.state(0.0), State::Empty);
}

fn var_retrying(ttl: f64, sie: f64, retry: f64) -> Var {
    var_retrying_swr(ttl, 0.0, sie, retry)
}

fn var_retrying_swr(ttl: f64, swr: f64, sie: f64, retry: f64) -> Var {
    Var::new(
        Options::new(Mode::Shared, ttl, swr, sie, f64::INFINITY, 0.0)
            .and_then(|o| o.with_retry_interval(retry))
            .expect("valid options"),
    )
}

/// A var (ttl 10, staleIfError 1000, retryInterval 100, `cooldown`) whose value was stored at 0
/// and whose reload failed at 20: in a backoff, its next retry due at 120.
fn backing_off(cooldown: f64) -> Var {
    let mut v = Var::new(
        Options::new(Mode::Shared, 10.0, 0.0, 1000.0, f64::INFINITY, cooldown)
            .and_then(|o| o.with_retry_interval(100.0))
            .expect("valid options"),
    );
    let a = started(v.get(0.0));
    assert!(v.loaded(a, 0.0));
    let b = started(v.get(20.0));
    assert_eq!(v.failed(b, 20.0, 1, false), FailDecision::ServeStale);
    v
}

fn background(d: GetDecision) -> LoadId {
    match d {
        GetDecision::StaleRevalidate(id) => id,
        other => panic!("expected a background reload, got {other:?}"),
    }
}

#[test]
fn a_background_reload_that_could_not_start_is_not_served_stale_and_a_retry_is_not_put_off() {
    // Stale-while-revalidate: the cancelled reload's caller was not served stale.
    let mut v = var_retrying_swr(10.0, 100.0, 0.0, 100.0);
    let a = started(v.get(0.0));
    assert!(v.loaded(a, 0.0));
    let b = background(v.get(20.0));
    v.cancel(b);
    assert_eq!(v.stats().stale_served, 0);
    assert_eq!(v.stats().loads, 1);
    background(v.get(21.0)); // the next get() starts it
    assert_eq!(v.stats().stale_served, 1);

    // A retry while the origin fails: the backoff is as before it, so the next get() retries.
    let mut v = backing_off(0.0);
    let c = background(v.get(120.0));
    v.cancel(c);
    background(v.get(121.0));

    // Calls that decide nothing in between (what a caller's waitUntil may make before it
    // throws: a refused get(), an invalidate() the cooldown skips) keep the undo.
    let mut v = backing_off(50.0);
    let c = background(v.get(120.0));
    v.refused();
    assert_eq!(v.invalidate(25.0), InvalidateDecision::CooldownSkip);
    let served = v.stats().stale_served;
    v.cancel(c);
    assert_eq!(v.stats().stale_served, served - 1);
    background(v.get(121.0));

    // Unless something set the backoff between the start and the cancel: a store ...
    let mut v = backing_off(0.0);
    let c = background(v.get(120.0));
    v.set(125.0);
    v.cancel(c);
    assert_eq!(v.get(126.0), GetDecision::Hit, "the set() stands");

    // ... or an older retry that failed at the same instant.
    let mut v = backing_off(0.0);
    let l1 = background(v.get(120.0));
    let _ = v.abandon(l1, 120.0, 0);
    let l2 = background(v.get(220.0));
    assert_eq!(v.failed(l1, 220.0, 0, false), FailDecision::ServeStale);
    v.cancel(l2);
    assert_eq!(
        v.get(221.0),
        GetDecision::Stale,
        "the failure at 220 starts the backoff"
    );
}

#[test]
fn backoff_a_failing_origin_is_retried_in_the_background_once_per_retry_interval() {
    let mut v = var_retrying(10.0, 1000.0, 100.0);
    let a = started(v.get(0.0));
    assert!(v.loaded(a, 0.0));
    // Expired: the first caller waits for a reload, which fails: served stale.
    let b = started(v.get(20.0));
    assert_eq!(v.failed(b, 20.0, 1, false), FailDecision::ServeStale);
    // From now on callers staleIfError covers never wait on the origin ...
    assert_eq!(v.get(30.0), GetDecision::Stale);
    assert_eq!(v.get(119.0), GetDecision::Stale);
    // ... and one retry runs in the background per retryInterval.
    let c = match v.get(120.0) {
        GetDecision::StaleRevalidate(id) => id,
        d => panic!("expected a background retry, got {d:?}"),
    };
    assert_eq!(v.get(121.0), GetDecision::Stale, "one retry at a time");
    assert_eq!(v.failed(c, 140.0, 0, true), FailDecision::ServeStale);
    assert_eq!(
        v.get(239.0),
        GetDecision::Stale,
        "the interval counts from the last failure"
    );
    let d = match v.get(240.0) {
        GetDecision::StaleRevalidate(id) => id,
        other => panic!("expected a background retry, got {other:?}"),
    };
    assert!(v.loaded(d, 250.0));
    assert_eq!(v.get(255.0), GetDecision::Hit, "a success ends the backoff");
    // Past the staleIfError window nothing covers the caller: it waits, as ever.
    let e = started(v.get(2000.0));
    assert_eq!(v.failed(e, 2000.0, 1, false), FailDecision::Reject);
    assert!(matches!(v.get(2001.0), GetDecision::Start(_)));
    let s = v.stats();
    assert_eq!((s.loads, s.errors), (6, 3));
}

#[test]
fn backoff_also_holds_within_stale_while_revalidate() {
    // A failed background reload: the callers after it get the stale value without a new reload
    // until retryInterval has passed (each get() started one, all failing, on a dead origin).
    let mut v = var_retrying_swr(10.0, 1000.0, 5000.0, 100.0);
    let a = started(v.get(0.0));
    assert!(v.loaded(a, 0.0));
    let b = match v.get(20.0) {
        GetDecision::StaleRevalidate(id) => id,
        d => panic!("expected a background reload, got {d:?}"),
    };
    assert_eq!(v.failed(b, 20.0, 0, false), FailDecision::ServeStale);
    assert_eq!(
        v.get(21.0),
        GetDecision::Stale,
        "no reload: the origin failed 1 ms ago"
    );
    assert_eq!(v.get(119.0), GetDecision::Stale);
    assert!(
        matches!(v.get(120.0), GetDecision::StaleRevalidate(_)),
        "one retry per interval"
    );
    assert_eq!(v.stats().loads, 3);
}

#[test]
fn backoff_an_invalidate_still_sends_its_reload_to_the_origin() {
    let mut v = backing_off(0.0);
    assert_eq!(v.get(30.0), GetDecision::Stale, "backing off");
    // The origin may be back (a JWKS rotated its keys): invalidate() asks it again at once, and
    // the get() after it waits for that reload; the backoff goes on for the callers while it
    // runs: served the dropped value, never held by the failing origin (a hung one held them
    // for its whole `timeout`).
    assert_eq!(v.invalidate(31.0), InvalidateDecision::Invalidated);
    let c = started(v.get(32.0));
    assert_eq!(
        v.get(32.5),
        GetDecision::Stale,
        "while the reload runs: served stale"
    );
    // That reload fails too: the dropped value answers, and the backoff starts again from here.
    assert_eq!(v.failed(c, 33.0, 1, false), FailDecision::ServeStale);
    assert_eq!(v.get(34.0), GetDecision::Stale);
    let d = background(v.get(133.0));
    // Its success stores the new value.
    assert!(v.loaded(d, 134.0));
    assert_eq!(v.get(135.0), GetDecision::Hit);
}

#[test]
fn backoff_a_load_begun_before_the_invalidate_failing_leaves_its_reload_asked_for() {
    let mut v = backing_off(0.0);
    let retry = background(v.get(130.0));
    assert_eq!(v.invalidate(131.0), InvalidateDecision::Invalidated);
    // The retry begun before the invalidate fails: the reload the invalidate asked for still
    // starts at the next get(), which waits for it.
    assert_eq!(v.failed(retry, 132.0, 0, false), FailDecision::ServeStale);
    let c = started(v.get(133.0));
    assert!(v.loaded(c, 134.0));
    assert_eq!(v.get(135.0), GetDecision::Hit);
}

#[test]
fn an_invalidate_with_the_origin_healthy_makes_the_next_get_wait_for_the_reload() {
    let mut v = var_retrying(10.0, 1000.0, 100.0);
    let a = started(v.get(0.0));
    assert!(v.loaded(a, 0.0));
    assert_eq!(v.invalidate(1.0), InvalidateDecision::Invalidated);
    let b = started(v.get(2.0));
    assert_eq!(
        v.get(3.0),
        GetDecision::Join(b),
        "no backoff: callers wait for the new value"
    );
}

#[test]
fn backoff_without_stale_if_error_changes_nothing() {
    let mut v = var_retrying(10.0, 0.0, 100.0);
    let a = started(v.get(0.0));
    assert!(v.loaded(a, 0.0));
    let b = started(v.get(20.0));
    assert_eq!(v.failed(b, 20.0, 1, false), FailDecision::Reject);
    assert!(matches!(v.get(21.0), GetDecision::Start(_)));
}

#[test]
fn a_load_may_choose_its_value_s_freshness_lifetime() {
    let mut v = var(100.0, 0.0, 0.0, 0.0);
    let a = started(v.get(0.0));
    assert!(v.loaded_for(a, 0.0, 5.0));
    assert_eq!(v.fresh_until(), 5.0);
    assert_eq!(v.get(4.0), GetDecision::Hit);
    let b = started(v.get(5.0));
    assert!(
        v.loaded_for(b, 5.0, 0.0),
        "ttl 0: stored, served to its callers ..."
    );
    assert!(
        matches!(v.get(5.0), GetDecision::Start(_)),
        "... and the next get() loads again"
    );
    let mut w = var(100.0, 0.0, 0.0, 0.0);
    let c = started(w.get(0.0));
    assert!(w.loaded_for(c, 0.0, f64::NAN));
    assert_eq!(
        w.fresh_until(),
        100.0,
        "an invalid lifetime means the var's ttl"
    );
    let mut x = var(100.0, 0.0, 0.0, 0.0);
    let d = started(x.get(0.0));
    assert!(x.loaded_for(d, 0.0, f64::INFINITY));
    assert_eq!(x.get(1e12), GetDecision::Hit);
}

#[test]
fn get_unclocked_hits_only_a_value_that_never_expires() {
    let mut v = plain();
    assert!(!v.get_unclocked(), "nothing stored");
    let a = started(v.get(0.0));
    assert!(v.loaded(a, 1.0));
    assert!(v.get_unclocked());
    assert_eq!(v.stats().hits, 1);
    let mut t = var(10.0, 0.0, 0.0, 0.0);
    let a = started(t.get(0.0));
    assert!(t.loaded(a, 1.0));
    assert!(!t.get_unclocked(), "a finite ttl needs the clock");
    assert_eq!(t.stats().hits, 0);
    assert_eq!(t.get(2.0), GetDecision::Hit);
}

#[test]
fn option_errors_say_which_option_and_why_and_are_std_errors() {
    let e = Options::new(Mode::Shared, -1.0, 0.0, 0.0, INF, 0.0).expect_err("a negative ttl");
    assert_eq!(
        e.to_string(),
        "option ttl must be a duration >= 0 (or infinite)"
    );
    let e = Options::new(Mode::Shared, INF, 0.0, 0.0, 0.0, 0.0).expect_err("a zero timeout");
    assert_eq!(
        e.to_string(),
        "option timeout must be a duration > 0 (or infinite)"
    );
    let e = Options::new(Mode::PerCaller, 5.0, 0.0, 0.0, INF, 0.0).expect_err("ttl with storage");
    assert_eq!(
        e.to_string(),
        "option ttl cannot be combined with custom storage"
    );
    let boxed: Box<dyn std::error::Error> = Box::new(e);
    assert!(boxed.to_string().starts_with("option ttl"));
}
