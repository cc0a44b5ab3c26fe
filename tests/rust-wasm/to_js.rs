//! The JS-facing side (feature `serde`): `get_js()` hands a cached value to JS as a plain value
//! (serde-wasm-bindgen, JSON-compatible), `stats_js()` the counters as the JS package's
//! `stats()` object. Shapes are read back with `js_sys::Reflect` and `JSON.stringify`.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;

use js_sys::{Array, Object, Reflect, JSON};
use serde::Serialize;
use simple_memory_cache::{Builder, CachedVar, Error, MemoryCache};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

use super::{clock, get_of, join_all, Fut, Gate, Got};

/// The names of the JS package's `stats()`, in its order (`ZERO_STATS` in
/// `pkg/lib/cached-var.js`).
const JS_STATS: [&str; 8] = [
    "hits",
    "misses",
    "loads",
    "errors",
    "staleServed",
    "timeouts",
    "coalesced",
    "cooldownSkips",
];

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Jwks {
    keys: Vec<Jwk>,
    max_age: u32,
    issuer: Option<String>,
    rotated_at: Option<String>,
    labels: BTreeMap<String, u32>,
}

#[derive(Serialize)]
struct Jwk {
    kid: String,
    alg: &'static str,
}

/// A `Serialize` that always fails, as a user's own impl may.
struct Refuses;

impl Serialize for Refuses {
    fn serialize<S: serde::Serializer>(&self, _s: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("no JS shape for this"))
    }
}

fn get(target: &JsValue, name: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(name)).unwrap()
}

fn has(target: &JsValue, name: &str) -> bool {
    Reflect::has(target, &JsValue::from_str(name)).unwrap()
}

fn json(v: &JsValue) -> String {
    JSON::stringify(v).unwrap().as_string().unwrap()
}

/// An object whose prototype is `Object.prototype`: not a `Map`, not a class instance.
fn is_plain_object(v: &JsValue) -> bool {
    let Some(object) = v.dyn_ref::<Object>() else {
        return false;
    };
    !Array::is_array(v)
        && Object::is(
            &Object::get_prototype_of(object).into(),
            &Object::get_prototype_of(&Object::new()).into(),
        )
}

fn own_keys(v: &JsValue) -> Vec<String> {
    Object::keys(v.unchecked_ref::<Object>())
        .iter()
        .map(|k| k.as_string().unwrap())
        .collect()
}

#[wasm_bindgen_test]
async fn get_js_hands_nested_structs_arrays_and_maps_to_js_as_plain_objects_and_arrays() {
    let calls = Rc::new(Cell::new(0u32));
    let c = Rc::clone(&calls);
    let cache: MemoryCache<u32, Jwks, String> = Builder::new()
        .build(move |issuer, _ctx| {
            c.set(c.get() + 1);
            async move {
                Ok(Jwks {
                    keys: vec![
                        Jwk {
                            kid: "a".into(),
                            alg: "ES256",
                        },
                        Jwk {
                            kid: "b".into(),
                            alg: "RS256",
                        },
                    ],
                    max_age: 600,
                    issuer: Some(format!("https://issuer{issuer}.test")),
                    rotated_at: None,
                    labels: BTreeMap::from([("y".into(), 2), ("x".into(), 1)]),
                })
            }
        })
        .unwrap();
    let v = cache.get_js(&7).await.unwrap();
    assert_eq!(
        json(&v),
        r#"{"keys":[{"kid":"a","alg":"ES256"},{"kid":"b","alg":"RS256"}],"maxAge":600,"issuer":"https://issuer7.test","rotatedAt":null,"labels":{"x":1,"y":2}}"#
    );
    assert!(is_plain_object(&v));
    assert_eq!(
        own_keys(&v),
        ["keys", "maxAge", "issuer", "rotatedAt", "labels"]
    );
    assert!(!has(&v, "max_age"), "the serde renames are the JS names");
    let keys = get(&v, "keys");
    assert!(Array::is_array(&keys));
    let keys: Array = keys.unchecked_into();
    assert_eq!(keys.length(), 2);
    let second = keys.get(1);
    assert!(is_plain_object(&second), "a nested struct: a plain object");
    assert_eq!(get(&second, "kid").as_string().as_deref(), Some("b"));
    assert_eq!(get(&v, "maxAge").as_f64(), Some(600.0));
    let labels = get(&v, "labels");
    assert!(
        is_plain_object(&labels),
        "a map: a plain object, not a JS Map"
    );
    assert!(!labels.is_instance_of::<js_sys::Map>());
    assert_eq!(get(&labels, "x").as_f64(), Some(1.0));
    assert!(get(&v, "rotatedAt").is_null(), "None: null, not undefined");
    // The value came from one load and is still cached as the Rust value.
    assert_eq!(calls.get(), 1);
    assert_eq!(cache.peek(&7).unwrap().max_age, 600);
}

#[wasm_bindgen_test]
async fn get_js_converts_the_same_stored_value_afresh_on_every_call() {
    let calls = Rc::new(Cell::new(0u32));
    let c = Rc::clone(&calls);
    let var: CachedVar<Vec<u32>, String> = Builder::new()
        .build_var(move |_ctx| {
            c.set(c.get() + 1);
            async { Ok(vec![1, 2, 3]) }
        })
        .unwrap();
    let a = var.get_js().await.unwrap();
    let b = var.get_js().await.unwrap();
    assert!(Array::is_array(&a) && Array::is_array(&b));
    assert_eq!((json(&a), json(&b)), ("[1,2,3]".into(), "[1,2,3]".into()));
    assert!(!Object::is(&a, &b), "two calls: two JS arrays");
    // What JS does to one copy reaches neither the cache nor the next caller.
    let a: Array = a.unchecked_into();
    a.push(&JsValue::from_f64(99.0));
    a.set(0, JsValue::from_str("changed"));
    assert_eq!(json(&b), "[1,2,3]");
    assert_eq!(json(&var.get_js().await.unwrap()), "[1,2,3]");
    assert_eq!(*var.peek().unwrap(), vec![1, 2, 3]);
    // One load, and every later call a warm hit.
    let s = var.stats();
    assert_eq!((calls.get(), s.loads, s.misses, s.hits), (1, 1, 1, 2));
}

#[wasm_bindgen_test]
async fn a_value_that_cannot_be_converted_is_to_js_error_and_stays_cached() {
    const MAX_SAFE: u64 = (1 << 53) - 1;
    // The largest integer a JS number holds exactly is converted...
    let safe: CachedVar<u64, String> = Builder::new()
        .build_var(|_ctx| async { Ok(MAX_SAFE) })
        .unwrap();
    assert_eq!(
        safe.get_js().await.unwrap().as_f64(),
        Some(9_007_199_254_740_991.0)
    );
    // ... the next one is refused, not rounded.
    let calls = Rc::new(Cell::new(0u32));
    let c = Rc::clone(&calls);
    let big: CachedVar<u64, String> = Builder::new()
        .build_var(move |_ctx| {
            c.set(c.get() + 1);
            async { Ok(MAX_SAFE + 1) }
        })
        .unwrap();
    let e = big.get_js().await.unwrap_err();
    let Error::ToJs(js) = &e else { panic!("{e:?}") };
    let message: String = js.dyn_ref::<js_sys::Error>().unwrap().message().into();
    assert_eq!(
        message,
        "9007199254740992 can't be represented as a JavaScript number"
    );
    assert_eq!(
        e.to_string(),
        "the value could not be converted to JS: 9007199254740992 can't be represented as a JavaScript number"
    );
    assert!(!e.is_timeout() && e.load_error().is_none());
    assert!(matches!(e.clone(), Error::ToJs(_)));
    // Not a failed load: the value is cached, served by get(), and not loaded again.
    assert_eq!(*big.get().await.unwrap(), MAX_SAFE + 1);
    assert!(big.get_js().await.is_err());
    let s = big.stats();
    assert_eq!((calls.get(), s.loads, s.errors), (1, 1, 0));

    // A map whose keys are not strings has no plain-object shape.
    let by_id: MemoryCache<&'static str, BTreeMap<u32, String>, String> = Builder::new()
        .build(|_k, _ctx| async { Ok(BTreeMap::from([(1, "one".to_string())])) })
        .unwrap();
    match by_id.get_js(&"ids").await {
        Err(e @ Error::ToJs(_)) => assert_eq!(
            e.to_string(),
            "the value could not be converted to JS: Map key is not a string and cannot be an object key"
        ),
        other => panic!("{other:?}"),
    }
    // The value's own Serialize failing.
    let refuses: CachedVar<Refuses, String> = Builder::new()
        .build_var(|_ctx| async { Ok(Refuses) })
        .unwrap();
    let e = refuses.get_js().await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "the value could not be converted to JS: no JS shape for this"
    );
    // A loader's failure stays Error::Load: nothing to convert.
    let failing: CachedVar<u32, String> = Builder::new()
        .build_var(|_ctx| async { Err("origin down".to_string()) })
        .unwrap();
    let e = failing.get_js().await.unwrap_err();
    assert_eq!(e.load_error().map(String::as_str), Some("origin down"));
}

#[wasm_bindgen_test]
async fn stats_js_is_the_js_packages_stats_object() {
    let (now, clk) = clock();
    let hang = Gate::new(); // never opened: the third load times out
    let first = Gate::new();
    let calls = Cell::new(0u32);
    let f = first.clone();
    let var: CachedVar<u32, String> = Builder::new()
        .ttl(Duration::from_millis(100))
        .stale_if_error(Duration::from_secs(10))
        .retry_interval(Duration::ZERO)
        .cooldown(Duration::from_millis(50))
        .timeout(Duration::from_millis(30))
        .clock(clk)
        .build_var(move |_ctx| {
            calls.set(calls.get() + 1);
            let n = calls.get();
            let (first, hang) = (f.clone(), hang.clone());
            async move {
                match n {
                    1 => first.wait().await,
                    2 => return Err("origin down".to_string()),
                    _ => hang.wait().await,
                }
                Ok(n)
            }
        })
        .unwrap();
    assert_eq!(json(&var.stats_js()), json(&zeros()), "never used: zeros");
    // A cold burst of 8: 8 misses, 1 load, 7 coalesced.
    let burst = super::start(Box::pin(join_all(
        (0..8).map(|_| get_of(&var)).collect::<Vec<Fut<Got<u32>>>>(),
    )))
    .await;
    first.open();
    assert!(burst.await.iter().all(Result::is_ok));
    // 6 hits; 5 invalidates skipped within the cooldown.
    for _ in 0..6 {
        var.get().await.unwrap();
    }
    for _ in 0..5 {
        assert!(!var.invalidate());
    }
    // Stale: a failed load (2 callers, one joined, both served the stale value), then 2 callers
    // served the stale value at once while its stale-if-error retry runs in the background and
    // times out.
    now.set(1_200.0);
    let r = join_all((0..2).map(|_| get_of(&var)).collect::<Vec<_>>()).await;
    assert!(r.iter().all(|x| **x.as_ref().unwrap() == 1));
    assert_eq!(*var.get().await.unwrap(), 1);
    assert_eq!(*var.get().await.unwrap(), 1);
    super::sleep(60.0).await;
    let s = var.stats();
    let counts = [
        s.hits,
        s.misses,
        s.loads,
        s.errors,
        s.stale_served,
        s.timeouts,
        s.coalesced,
        s.cooldown_skips,
    ];
    assert_eq!(counts, [6, 12, 3, 2, 4, 1, 8, 5], "{s:?}");
    // Eight different counts, so that a name on the wrong counter shows.
    let mut sorted = counts;
    sorted.sort_unstable();
    sorted
        .windows(2)
        .for_each(|w| assert_ne!(w[0], w[1], "{s:?}"));

    let js = var.stats_js();
    assert!(is_plain_object(&js));
    assert_eq!(own_keys(&js), JS_STATS, "the JS names, in the JS order");
    for (name, count) in JS_STATS.iter().zip(counts) {
        assert_eq!(get(&js, name).as_f64(), Some(count as f64), "{name}");
    }
    assert!(!Object::is(&js, &var.stats_js()), "a new object per call");
    // `Stats`'s serde impl gives the same object.
    let serialized = serde_wasm_bindgen::to_value(&s).unwrap();
    assert_eq!(json(&serialized), json(&js));
    assert!(is_plain_object(&serialized));
}

#[wasm_bindgen_test]
async fn memory_cache_stats_js_is_per_key() {
    let cache: MemoryCache<u32, u32, String> = Builder::new()
        .build(|k, _ctx| async move { Ok(k) })
        .unwrap();
    cache.get(&1).await.unwrap();
    cache.get(&1).await.unwrap();
    cache.get(&2).await.unwrap();
    assert_eq!(
        json(&cache.stats_js(&1)),
        r#"{"hits":1,"misses":1,"loads":1,"errors":0,"staleServed":0,"timeouts":0,"coalesced":0,"cooldownSkips":0}"#
    );
    assert_eq!(get(&cache.stats_js(&2), "hits").as_f64(), Some(0.0));
    assert_eq!(
        json(&cache.stats_js(&3)),
        json(&zeros()),
        "a key never used"
    );
}

/// The JS package's zeroed `stats()`.
fn zeros() -> JsValue {
    let o = Object::new();
    for name in JS_STATS {
        Reflect::set(&o, &JsValue::from_str(name), &JsValue::from_f64(0.0)).unwrap();
    }
    o.into()
}
