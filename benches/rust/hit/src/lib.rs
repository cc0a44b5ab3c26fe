//! Issue 14, item 6: the warm hit of simple-memory-cache's Rust face against what a Rust user
//! would write by hand, timed by benches/run-rust.mjs in Node.
//!
//! Each contender is an `async fn` a handler would `.await`; [`run`] polls `n` of them in a loop
//! inside the wasm (one JS → wasm call per batch, so the boundary is not what is measured), each
//! with a no-op waker: a warm hit is ready at its first poll. Every contender's value is the same
//! `Rc<String>`, cloned out.

use std::cell::RefCell;
use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use simple_memory_cache::{Builder, CachedVar, MemoryCache};
use wasm_bindgen::prelude::*;

const KEYS: u32 = 1000;

thread_local! {
    /// The hand-written cache: a value, set once.
    static MEMO: RefCell<Option<Rc<String>>> = const { RefCell::new(None) };
    /// The hand-written cache with a ttl: the value and until when it is fresh (ms).
    static MEMO_TTL: RefCell<Option<(Rc<String>, f64)>> = const { RefCell::new(None) };
    static VAR: CachedVar<String, String> = Builder::new()
        .build_var(|_ctx| async { Ok(value()) })
        .unwrap_or_else(|_| unreachable!());
    static VAR_TTL: CachedVar<String, String> = Builder::new()
        .ttl(Duration::from_secs(60))
        .build_var(|_ctx| async { Ok(value()) })
        .unwrap_or_else(|_| unreachable!());
    static KEYED: MemoryCache<u32, String, String> = Builder::new()
        .build(|k, _ctx| async move { Ok(format!("value {k}")) })
        .unwrap_or_else(|_| unreachable!());
}

fn value() -> String {
    "a cached value".to_string()
}

/// The hand-written hit: `thread_local!` `RefCell<Option<Rc<T>>>` clone.
async fn memo_get() -> Result<Rc<String>, String> {
    if let Some(v) = MEMO.with(|c| c.borrow().clone()) {
        return Ok(v);
    }
    let v = Rc::new(value());
    MEMO.with(|c| *c.borrow_mut() = Some(Rc::clone(&v)));
    Ok(v)
}

/// The same with a ttl: one `Date.now()` per hit.
async fn memo_ttl_get() -> Result<Rc<String>, String> {
    let now = js_sys::Date::now();
    let hit = MEMO_TTL.with(|c| {
        c.borrow()
            .as_ref()
            .filter(|(_, until)| now < *until)
            .map(|(v, _)| Rc::clone(v))
    });
    if let Some(v) = hit {
        return Ok(v);
    }
    let v = Rc::new(value());
    MEMO_TTL.with(|c| *c.borrow_mut() = Some((Rc::clone(&v), now + 60_000.0)));
    Ok(v)
}

/// Polls `f` once with a no-op waker: `true` if it was ready with `Ok`.
fn ready<T, E>(f: impl Future<Output = Result<T, E>>) -> bool {
    let f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    match f.poll(&mut cx) {
        Poll::Ready(r) => black_box(r).is_ok(),
        Poll::Pending => false,
    }
}

/// Loads every contender's value (the first `get()` of each), so that [`run`] measures warm hits.
#[wasm_bindgen]
pub async fn warm() -> Result<(), JsValue> {
    let err = |e: simple_memory_cache::Error<String>| JsValue::from_str(&e.to_string());
    memo_get().await.map_err(|e| JsValue::from_str(&e))?;
    memo_ttl_get().await.map_err(|e| JsValue::from_str(&e))?;
    VAR.with(CachedVar::clone).get().await.map_err(err)?;
    VAR_TTL.with(CachedVar::clone).get().await.map_err(err)?;
    let keyed = KEYED.with(MemoryCache::clone);
    for k in 0..KEYS {
        keyed.get(&k).await.map_err(err)?;
    }
    Ok(())
}

/// The contenders' names, in the order of [`run`]'s `which`.
#[wasm_bindgen]
pub fn names() -> Vec<String> {
    [
        "hand-written thread_local! RefCell<Option<Rc<T>>> clone",
        "simple-memory-cache CachedVar::get().await (no ttl)",
        "hand-written, with a ttl (+ js_sys::Date::now())",
        "simple-memory-cache CachedVar::get().await (ttl 60 s)",
        "simple-memory-cache MemoryCache<u32, _>::get(&key).await over 1,000 keys",
    ]
    .map(String::from)
    .to_vec()
}

/// Polls `n` warm hits of contender `which` (see [`names`]); returns how many were ready with a
/// value (`n` unless something is wrong).
#[wasm_bindgen]
pub fn run(which: u32, n: u32) -> u32 {
    let mut ok = 0u32;
    match which {
        0 => {
            for _ in 0..n {
                ok += u32::from(ready(memo_get()));
            }
        }
        1 => {
            for _ in 0..n {
                // As a handler would: the handle out of its thread_local!, then get().
                ok += u32::from(ready(async { VAR.with(CachedVar::clone).get().await }));
            }
        }
        2 => {
            for _ in 0..n {
                ok += u32::from(ready(memo_ttl_get()));
            }
        }
        3 => {
            for _ in 0..n {
                ok += u32::from(ready(async { VAR_TTL.with(CachedVar::clone).get().await }));
            }
        }
        4 => {
            for i in 0..n {
                let k = black_box(i.wrapping_mul(7919) % KEYS);
                ok += u32::from(ready(async {
                    KEYED.with(MemoryCache::clone).get(&k).await
                }));
            }
        }
        _ => {}
    }
    ok
}
