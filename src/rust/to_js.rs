//! The JS-facing side of the Rust face: a cached value, or its counters, handed to JS as plain
//! JS values — for a `#[wasm_bindgen]` export of a browser app, or a Worker that answers JS.
//!
//! Nothing here touches the `get()` path: these methods await `get()` (or read `stats()`) and
//! convert the result, once per call.

use wasm_bindgen::JsValue;

use crate::core::Stats;

use super::cache::MemoryCache;
#[cfg(feature = "serde")]
use super::error::Error;
use super::var::CachedVar;

/// `stats` as the plain object the JS package's `stats()` returns: the names of
/// [`Stats::named`], each count a JS number (exact up to 2^53, as the JS package's counters).
fn stats_object(stats: Stats) -> JsValue {
    let object = js_sys::Object::new();
    for (name, count) in stats.named() {
        // (Setting a property of a new plain object cannot fail: no setter, not frozen.)
        let _ = js_sys::Reflect::set(
            &object,
            &JsValue::from_str(name),
            &JsValue::from_f64(count as f64),
        );
    }
    object.into()
}

/// `value` converted by serde-wasm-bindgen's JSON-compatible serializer.
#[cfg(feature = "serde")]
fn to_js<T: serde::Serialize + ?Sized, E>(value: &T) -> Result<JsValue, Error<E>> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| Error::ToJs(e.into()))
}

impl<K, T, E> MemoryCache<K, T, E>
where
    K: Ord + Clone + 'static,
    T: 'static,
    E: 'static,
{
    /// [`MemoryCache::get`], the value converted to a plain JS value (feature `serde`): what a
    /// JS caller of a `#[wasm_bindgen]` export expects. The conversion is serde-wasm-bindgen's
    /// [`Serializer::json_compatible()`](serde_wasm_bindgen::Serializer::json_compatible):
    /// structs and maps become plain objects (map keys must serialize as strings), sequences and
    /// tuples arrays, `None` and `()` `null`, bytes arrays of numbers, enums serde's externally
    /// tagged shape (`"Unit"`, `{"Variant": …}`); integers are numbers, and an `i64`/`u64`
    /// outside ±(2^53 − 1) is refused rather than rounded (`i128`/`u128` become `BigInt`s,
    /// which `JSON.stringify` refuses). Field names are the Rust ones unless the type renames
    /// them (`#[serde(rename_all = "camelCase")]`).
    ///
    /// One conversion per call: the cache keeps the Rust value (`Rc<T>`), never a JS copy, so
    /// every call builds a new JS value (its cost grows with the value's size) and what JS does
    /// to it does not reach the cache or other callers.
    ///
    /// Errors: those of [`MemoryCache::get`], and [`Error::ToJs`] if the value cannot be
    /// converted (it stays cached all the same).
    ///
    /// ```no_run
    /// use serde::Serialize;
    /// use simple_memory_cache::{Builder, MemoryCache};
    /// use wasm_bindgen::prelude::*;
    ///
    /// #[derive(Serialize)]
    /// #[serde(rename_all = "camelCase")]
    /// struct User {
    ///     id: u32,
    ///     display_name: String,
    /// }
    ///
    /// thread_local! {
    ///     static USERS: MemoryCache<u32, User, String> = Builder::new()
    ///         .ttl(std::time::Duration::from_secs(60))
    ///         .max_entries(1000)
    ///         .build(|id, _ctx| async move { Ok(User { id, display_name: format!("user {id}") }) })
    ///         .expect("valid options");
    /// }
    ///
    /// /// For the page's JS: `await user(7)` → `{ id: 7, displayName: "user 7" }`.
    /// #[wasm_bindgen]
    /// pub async fn user(id: u32) -> Result<JsValue, JsValue> {
    ///     let users = USERS.with(MemoryCache::clone);
    ///     users.get_js(&id).await.map_err(|e| JsError::new(&e.to_string()).into())
    /// }
    /// # fn main() {}
    /// ```
    #[cfg(feature = "serde")]
    pub async fn get_js(&self, key: &K) -> Result<JsValue, Error<E>>
    where
        T: serde::Serialize,
    {
        let value = self.get(key).await?;
        to_js(&*value)
    }

    /// The counters of `key` ([`MemoryCache::stats`]) as the plain object the JS package's
    /// `stats()` returns: `{ hits, misses, loads, errors, staleServed, timeouts, coalesced,
    /// cooldownSkips }`, each a number (zeros for a key never used). A new object per call.
    pub fn stats_js(&self, key: &K) -> JsValue {
        stats_object(self.stats(key))
    }
}

impl<T: 'static, E: 'static> CachedVar<T, E> {
    /// [`CachedVar::get`], the value converted to a plain JS value (feature `serde`), one
    /// conversion per call: see [`MemoryCache::get_js`].
    ///
    /// ```no_run
    /// use simple_memory_cache::{Builder, CachedVar};
    /// use wasm_bindgen::prelude::*;
    ///
    /// thread_local! {
    ///     static FLAGS: CachedVar<Vec<String>, String> = Builder::new()
    ///         .ttl(std::time::Duration::from_secs(30))
    ///         .build_var(|_ctx| async { Ok(vec!["dark-mode".to_string()]) })
    ///         .expect("valid options");
    /// }
    ///
    /// /// For the page's JS: `await flags()` → `["dark-mode"]`, a plain array.
    /// #[wasm_bindgen]
    /// pub async fn flags() -> Result<JsValue, JsValue> {
    ///     let flags = FLAGS.with(CachedVar::clone);
    ///     flags.get_js().await.map_err(|e| JsError::new(&e.to_string()).into())
    /// }
    /// # fn main() {}
    /// ```
    #[cfg(feature = "serde")]
    pub async fn get_js(&self) -> Result<JsValue, Error<E>>
    where
        T: serde::Serialize,
    {
        let value = self.get().await?;
        to_js(&*value)
    }

    /// The counters ([`CachedVar::stats`]) as the plain object the JS package's `stats()`
    /// returns: see [`MemoryCache::stats_js`].
    pub fn stats_js(&self) -> JsValue {
        stats_object(self.stats())
    }
}
