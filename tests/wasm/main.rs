//! wasm-bindgen-test tests of the adapter `Machine` (`src/wasm.rs`): the numbers-in,
//! numbers-out class the JS layer drives. One suite, run as wasm in Node and in headless Chromium
//! (`make test-wasm`). The core's logic is covered natively by `cargo test`; these check what
//! the adapter adds — bound validation, option error codes, packed decisions, stats as an array —
//! and that no input (unknown var ids, NaN, infinities) traps the instance. In Chromium the runner
//! adds `headless` and `no-sandbox` itself; `webdriver.json` here (named by
//! `WASM_BINDGEN_TEST_WEBDRIVER_JSON`) adds the quiet, loopback-only flags Playwright runs use.
#![cfg(target_arch = "wasm32")]
// Tests may expect (clippy.toml), but clippy does not count #[wasm_bindgen_test] fns as tests.
#![allow(clippy::expect_used)]

use simple_memory_cache::Machine;
use wasm_bindgen_test::wasm_bindgen_test;

const INF: f64 = f64::INFINITY;
// `loaded()`'s freshness lifetime: any invalid one (NaN) means the var's own ttl.
const OWN_TTL: f64 = f64::NAN;
// `add_var()`'s retryInterval: the default.
const RETRY: f64 = 5000.0;

// Decision kinds packed by the adapter as `load * 8 + kind`.
const HIT: f64 = 0.0;
const STALE: f64 = 1.0;
const STALE_REVALIDATE: f64 = 2.0;
const JOIN: f64 = 3.0;
const START: f64 = 4.0;
const UNKNOWN_VAR: f64 = 7.0;

// `state()` values.
const EMPTY: u32 = 0;
const LOADING: u32 = 1;
const FRESH: u32 = 2;
const STALE_STATE: u32 = 3;

fn packed(load: f64, kind: f64) -> f64 {
    load * 8.0 + kind
}

fn machine(max_entries: f64) -> Machine {
    Machine::create(max_entries).expect("a valid bound")
}

/// Adds a var with these options and returns its index, failing the test on an error code.
fn var(m: &mut Machine, ttl: f64, swr: f64, sie: f64, cooldown: f64) -> u32 {
    let id = m.add_var(false, ttl, swr, sie, INF, cooldown, RETRY);
    assert!(id >= 0.0, "add_var refused with code {}", -id);
    id as u32
}

/// A var with the default options: fresh forever, no stale serving, no timeout, no cooldown.
fn plain_var(m: &mut Machine) -> u32 {
    var(m, INF, 0.0, 0.0, 0.0)
}

/// A packed decision the JS layer can act on: a kind it knows, and a whole, non-negative load.
fn assert_decision(d: f64) {
    let kind = d % 8.0;
    assert!(
        d >= 0.0 && d.fract() == 0.0 && d.is_finite() && (kind <= START || kind == UNKNOWN_VAR),
        "not a packed decision: {d}"
    );
}

#[wasm_bindgen_test]
fn create_accepts_only_a_count_or_infinity() {
    for bad in [
        0.0,
        -0.0,
        -1.0,
        0.5,
        1.5,
        f64::NAN,
        f64::NEG_INFINITY,
        4_294_967_296.0,
        1e300,
    ] {
        assert!(Machine::create(bad).is_none(), "bound {bad} accepted");
    }
    for good in [1.0, 2.0, 4_294_967_295.0, INF] {
        assert!(Machine::create(good).is_some(), "bound {good} refused");
    }
}

#[wasm_bindgen_test]
fn add_var_returns_dense_indices_or_the_code_of_the_first_bad_option() {
    let mut m = machine(INF);
    assert_eq!(m.add_var(false, INF, 0.0, 0.0, INF, 0.0, RETRY), 0.0);
    // code = option * 16 + problem; options ttl 1, swr 2, sie 3, timeout 4, cooldown 5;
    // problems: 1 not >= 0, 2 not > 0, 4 not allowed with custom storage.
    let refused = [
        ((false, -1.0, 0.0, 0.0, INF, 0.0), -17.0),
        ((false, f64::NAN, 0.0, 0.0, INF, 0.0), -17.0),
        ((false, -1.0, -1.0, -1.0, 0.0, -1.0), -17.0),
        ((false, INF, -1.0, 0.0, INF, 0.0), -33.0),
        ((false, INF, 0.0, f64::NAN, INF, 0.0), -49.0),
        ((false, INF, 0.0, 0.0, 0.0, 0.0), -66.0),
        ((false, INF, 0.0, 0.0, -5.0, 0.0), -66.0),
        ((false, INF, 0.0, 0.0, f64::NAN, 0.0), -66.0),
        ((false, INF, 0.0, 0.0, INF, -0.5), -81.0),
        ((true, 10.0, 0.0, 0.0, INF, 0.0), -20.0),
        ((true, INF, 1.0, 0.0, INF, 0.0), -36.0),
        ((true, INF, 0.0, 1.0, INF, 0.0), -52.0),
        ((true, INF, 0.0, 0.0, INF, 5.0), -84.0),
    ];
    for ((per_caller, ttl, swr, sie, timeout, cooldown), code) in refused {
        assert_eq!(
            m.add_var(per_caller, ttl, swr, sie, timeout, cooldown, RETRY),
            code,
            "{per_caller} {ttl} {swr} {sie} {timeout} {cooldown}"
        );
    }
    // Refusals take no index; custom storage takes a timeout; infinities are durations.
    assert_eq!(m.add_var(true, INF, 0.0, 0.0, 50.0, 0.0, RETRY), 1.0);
    assert_eq!(m.add_var(false, 0.0, INF, INF, 1.0, INF, RETRY), 2.0);
}

#[wasm_bindgen_test]
fn get_packs_start_join_and_hit() {
    let mut m = machine(INF);
    let v = plain_var(&mut m);
    assert_eq!(m.state(v, 0.0), EMPTY);
    assert_eq!(m.fresh_until(v), f64::NEG_INFINITY);
    assert_eq!(m.get(v, 0.0), packed(1.0, START));
    assert_eq!(m.state(v, 1.0), LOADING);
    assert_eq!(m.get(v, 1.0), packed(1.0, JOIN));
    assert!(m.loaded(v, 1.0, 2.0, OWN_TTL));
    assert_eq!(m.get(v, 3.0), HIT);
    assert_eq!(m.state(v, 3.0), FRESH);
    assert_eq!(m.fresh_until(v), INF);
    // [hits, misses, loads, errors, staleServed, timeouts, coalesced, cooldownSkips]
    assert_eq!(m.stats(v), [1.0, 2.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0]);
}

#[wasm_bindgen_test]
fn ttl_and_stale_while_revalidate() {
    let mut m = machine(INF);
    let v = var(&mut m, 100.0, 50.0, 0.0, 0.0);
    assert_eq!(m.get(v, 0.0), packed(1.0, START));
    assert!(m.loaded(v, 1.0, 0.0, OWN_TTL));
    assert_eq!(m.fresh_until(v), 100.0);
    assert_eq!(m.get(v, 99.0), HIT);
    assert_eq!(m.state(v, 100.0), STALE_STATE);
    // Stale within the window: served, and the first such caller starts the revalidation.
    assert_eq!(m.get(v, 100.0), packed(2.0, STALE_REVALIDATE));
    assert_eq!(m.get(v, 120.0), STALE);
    // Past the window: waits for the running revalidation.
    assert_eq!(m.get(v, 150.0), packed(2.0, JOIN));
    assert!(m.loaded(v, 2.0, 160.0, OWN_TTL));
    assert_eq!(m.fresh_until(v), 260.0);
    assert_eq!(m.get(v, 200.0), HIT);
    assert_eq!(m.stats(v), [2.0, 4.0, 2.0, 0.0, 2.0, 0.0, 1.0, 0.0]);
}

#[wasm_bindgen_test]
fn failed_rejects_unless_stale_if_error_covers_it() {
    let mut m = machine(INF);
    let v = var(&mut m, 10.0, 0.0, 100.0, 0.0);
    assert_eq!(m.get(v, 0.0), packed(1.0, START));
    assert!(!m.failed(v, 1.0, 1.0, 3, false), "nothing stored: reject");
    // The error is not cached: the next get() starts another load.
    assert_eq!(m.get(v, 2.0), packed(2.0, START));
    assert!(m.loaded(v, 2.0, 2.0, OWN_TTL));
    assert_eq!(m.get(v, 12.0), packed(3.0, START));
    assert!(
        m.failed(v, 3.0, 13.0, 2, true),
        "stored at 2, ttl 10 + staleIfError 100"
    );
    assert_eq!(m.get(v, 200.0), packed(4.0, START));
    assert!(
        !m.failed(v, 4.0, 200.0, 1, false),
        "past staleIfError: reject"
    );
    assert_eq!(m.stats(v), [0.0, 4.0, 4.0, 3.0, 2.0, 1.0, 0.0, 0.0]);
}

#[wasm_bindgen_test]
fn invalidate_and_set_overtake_running_loads_and_respect_cooldown() {
    let mut m = machine(INF);
    let v = var(&mut m, INF, 0.0, 0.0, 30.0);
    m.set(v, 0.0);
    assert_eq!(m.state(v, 0.0), FRESH);
    assert_eq!(m.get(v, 1.0), HIT);
    assert!(!m.invalidate(v, 10.0), "within the cooldown of the set()");
    assert!(m.invalidate(v, 30.0));
    assert_eq!(m.state(v, 30.0), EMPTY);
    assert_eq!(m.fresh_until(v), f64::NEG_INFINITY);
    // set() took sequence number 1, invalidate() 2: the next load is 3.
    assert_eq!(m.get(v, 31.0), packed(3.0, START));
    m.set(v, 32.0);
    assert!(
        !m.loaded(v, 3.0, 33.0, OWN_TTL),
        "a load begun before set() is not stored"
    );
    assert_eq!(m.get(v, 34.0), HIT);
    assert_eq!(m.stats(v), [2.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0]);

    let w = plain_var(&mut m);
    assert_eq!(m.get(w, 0.0), packed(1.0, START));
    assert!(m.invalidate(w, 0.0));
    assert_eq!(
        m.state(w, 0.0),
        EMPTY,
        "the running load is no longer joinable"
    );
    assert!(
        !m.loaded(w, 1.0, 1.0, OWN_TTL),
        "a load begun before invalidate() is not stored"
    );
    assert_eq!(m.get(w, 2.0), packed(3.0, START));
}

#[wasm_bindgen_test]
fn abandon_starts_a_load_or_joins_the_one_another_waiter_started() {
    let mut m = machine(INF);
    let v = plain_var(&mut m);
    assert_eq!(m.get(v, 0.0), packed(1.0, START));
    assert_eq!(m.abandon(v, 1.0, 0.0, 1), packed(2.0, START));
    // A group of three callers that gave up together counts three times as coalesced.
    assert_eq!(m.abandon(v, 1.0, 0.0, 3), packed(2.0, JOIN));
    assert_eq!(m.stats(v).get(6), Some(&3.0));
    assert!(m.loaded(v, 2.0, 1.0, OWN_TTL));
    assert_eq!(m.get(v, 2.0), HIT);
    // A waiter that gives up after a value was stored is served it.
    assert_eq!(m.abandon(v, 1.0, 3.0, 1), HIT);
}

#[wasm_bindgen_test]
fn cancel_forgets_a_load_that_could_not_start_and_refused_counts_a_miss() {
    let mut m = machine(INF);
    let v = plain_var(&mut m);
    assert_eq!(m.get(v, 0.0), packed(1.0, START));
    m.cancel(v, 1.0);
    assert_eq!(m.state(v, 0.0), EMPTY);
    assert_eq!(
        m.get(v, 0.0),
        packed(2.0, START),
        "the next get() starts at once"
    );
    m.refused(v);
    let stats = m.stats(v);
    assert_eq!(
        (stats.get(1), stats.get(2)),
        (Some(&3.0), Some(&1.0)),
        "misses 3 (two gets, one refused), loads 1"
    );
    // Unknown vars and loads are ignored.
    m.cancel(99, 1.0);
    m.refused(99);
    m.cancel(v, f64::NAN);
}

#[wasm_bindgen_test]
fn stored_at_and_fresh_until_give_the_window_the_js_fast_path_reads() {
    let mut m = machine(INF);
    let v = var(&mut m, 10.0, 0.0, 0.0, 0.0);
    assert_eq!(m.stored_at(v), INF);
    m.set(v, 5.0);
    assert_eq!((m.stored_at(v), m.fresh_until(v)), (5.0, 15.0));
    assert_eq!(
        m.get(v, 4.0),
        packed(2.0, START),
        "a reading before the store is not fresh"
    );
    assert!(
        !m.loaded(v, 2.0, f64::NAN, OWN_TTL),
        "a load settled at an unknown time stores nothing"
    );
    assert_eq!(m.stored_at(99), INF);
}

#[wasm_bindgen_test]
fn a_bounded_cache_evicts_the_least_recently_used_value() {
    let mut m = machine(2.0);
    let [a, b, c] = [(); 3].map(|()| plain_var(&mut m));
    m.set(a, 0.0);
    m.set(b, 1.0);
    assert!(m.take_evicted().is_empty());
    m.touch_all(&[a]);
    m.set(c, 2.0);
    assert_eq!(
        m.take_evicted(),
        [b],
        "touch_all() made a more recent than b"
    );
    assert!(m.take_evicted().is_empty(), "taken once");
    assert_eq!(m.state(b, 3.0), EMPTY);
    assert_eq!(m.fresh_until(b), f64::NEG_INFINITY);
    assert_eq!(
        m.get(a, 3.0),
        HIT,
        "a hit is a use too: now c is the oldest"
    );
    // b's set() took sequence number 1; its reload is 2 and, once stored, evicts c.
    assert_eq!(m.get(b, 4.0), packed(2.0, START));
    assert!(m.loaded(b, 2.0, 5.0, OWN_TTL));
    assert_eq!(m.take_evicted(), [c]);
    assert_eq!([m.state(a, 6.0), m.state(b, 6.0)], [FRESH, FRESH]);

    let mut unbounded = machine(INF);
    for t in 0..100 {
        let v = plain_var(&mut unbounded);
        unbounded.set(v, f64::from(t));
    }
    assert!(unbounded.take_evicted().is_empty());
}

#[wasm_bindgen_test]
fn unknown_var_ids_never_trap() {
    let mut m = machine(1.0);
    for v in [0, 1, 1000, u32::MAX] {
        assert_eq!(m.get(v, 0.0), UNKNOWN_VAR);
        assert_eq!(m.abandon(v, 1.0, 0.0, 1), UNKNOWN_VAR);
        assert!(!m.loaded(v, 1.0, 0.0, OWN_TTL));
        assert!(!m.failed(v, 1.0, 0.0, 1, true));
        assert!(!m.invalidate(v, 0.0));
        m.set(v, 0.0);
        m.touch_all(&[v]);
        assert_eq!(m.state(v, 0.0), EMPTY);
        assert_eq!(m.fresh_until(v), f64::NEG_INFINITY);
        assert_eq!(m.stats(v), [0.0; 8]);
    }
    assert!(m.take_evicted().is_empty());
    // The machine still works after all of that.
    let v = plain_var(&mut m);
    assert_eq!(m.get(v, 0.0), packed(1.0, START));
    assert_eq!(m.get(1, 0.0), UNKNOWN_VAR);
}

#[wasm_bindgen_test]
fn nan_and_infinite_inputs_never_trap() {
    // A trap would abort the test; the results that have a defined meaning are checked too.
    let mut m = machine(2.0);
    assert_eq!(
        m.add_var(
            false,
            f64::NAN,
            f64::NAN,
            f64::NAN,
            f64::NAN,
            f64::NAN,
            RETRY
        ),
        -17.0
    );
    let v = var(&mut m, INF, INF, INF, INF);
    let w = var(&mut m, 10.0, 0.0, 5.0, 0.0);
    for now in [f64::NAN, INF, f64::NEG_INFINITY, -0.0, f64::MAX, f64::MIN] {
        for id in [v, w] {
            assert_decision(m.get(id, now));
            // NaN and negative load ids name load 0, which never exists: never stored.
            assert!(!m.loaded(id, f64::NAN, now, OWN_TTL));
            assert!(!m.loaded(id, -1.0, now, OWN_TTL));
            m.failed(id, f64::NAN, now, u32::MAX, true);
            m.failed(id, INF, now, 0, false);
            assert_decision(m.abandon(id, f64::NAN, now, 1));
            assert_decision(m.abandon(id, INF, now, 1));
            assert_decision(m.abandon(id, 1.0, f64::NAN, 1));
            m.invalidate(id, now);
            m.set(id, now);
            m.loaded(id, INF, now, OWN_TTL);
            m.touch_all(&[id]);
            assert!(m.state(id, now) <= STALE_STATE);
            m.fresh_until(id);
            assert!(m.stats(id).iter().all(|n| *n >= 0.0 && n.fract() == 0.0));
        }
        m.take_evicted();
    }
    // Still a working machine: a fresh var behaves as usual.
    let x = plain_var(&mut m);
    assert_eq!(m.get(x, 0.0), packed(1.0, START));
    assert!(m.loaded(x, 1.0, 0.0, OWN_TTL));
    assert_eq!(m.get(x, 1.0), HIT);
}

#[wasm_bindgen_test]
fn retry_interval_is_validated_and_a_load_may_set_its_value_s_lifetime() {
    let mut m = machine(INF);
    assert_eq!(
        m.add_var(false, 10.0, 0.0, 0.0, INF, 0.0, -1.0),
        -f64::from(7 * 16 + 1)
    );
    let v = var(&mut m, 100.0, 0.0, 0.0, 0.0);
    assert_eq!(m.get(v, 0.0), packed(1.0, START));
    assert!(m.loaded(v, 1.0, 0.0, 5.0));
    assert_eq!(m.fresh_until(v), 5.0);
}
