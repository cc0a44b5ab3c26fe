//! The error of a `get()`.

use std::fmt;
use std::rc::Rc;

use wasm_bindgen::{JsCast, JsValue};

/// Why a `get()` did not produce a value.
///
/// `E` is the loader's own error type. Every caller that waited on the same load receives a
/// clone of the same error ([`Error::Load`] shares it through an [`Rc`]); errors are never
/// cached: the next `get()` loads again.
#[non_exhaustive]
pub enum Error<E> {
    /// The loader returned this error.
    Load(Rc<E>),
    /// The load ran past the `timeout` option: its `signal` was aborted and a late value is
    /// discarded.
    Timeout,
    /// Refused instead of waiting for itself for ever, or a panic:
    /// - a `get()` of a key made while that key's own loader was being called or polled (the
    ///   loader asked for its own value, directly or through another key's loader);
    /// - a `get()` whose load waits, through other loads, for the very loader that asked: A's
    ///   loader awaits B, whose loader awaits A (keys of any caches and vars of the instance; the
    ///   `get()` that closes the cycle is refused, so each load's callers get an error at once);
    /// - a call made from a key type's `Ord` or `Clone`, which the cache runs while it looks a key
    ///   up, into the same cache (see [`MemoryCache`](super::MemoryCache));
    /// - on an instance that outlived a trap (a browser app, Node): every `get()` of a key whose
    ///   loader panicked, as the trap left that key marked as being polled (docs/rust.md, "A panic
    ///   outside workers-rs").
    Reentrant,
    /// The clock returned a time that is not a finite number; nothing was decided.
    Clock,
    /// The JS runtime refused to set a load up (a timer or an `AbortController`; workerd refuses
    /// both outside a request): the load never started and left no trace. Call `get()` while
    /// handling a request.
    Runtime(JsValue),
    /// The loads this `get` started were abandoned twice in a row — their tasks dropped by its
    /// `wait_until` before they finished (it must poll them), or taken over past their bound —
    /// so it stopped instead of starting load after load. Nothing was cached; the next `get`
    /// loads again.
    Abandoned,
    /// The cache already holds 2^32 keys: no new key can be added.
    Full,
    /// The cache's bookkeeping disagreed with its core (a bug in this crate), or a `get()`
    /// future was polled again after it completed (a bug in its caller): reported instead of
    /// panicking, nothing was cached.
    Inconsistent,
    /// `get_js()` (feature `serde`) got the value but could not convert it to a JS value: the
    /// serde-wasm-bindgen error, a JS `Error` whose message says why (an `i64`/`u64` outside
    /// ±(2^53 − 1), a map key that does not serialize as a string, or the value's own
    /// `Serialize` failing). Not a failed load: the value stays cached, and `get()` serves it.
    ToJs(JsValue),
}

impl<E> Error<E> {
    /// Whether this is [`Error::Timeout`].
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout)
    }

    /// The loader's error, if the loader failed.
    pub fn load_error(&self) -> Option<&E> {
        match self {
            Error::Load(e) => Some(e),
            _ => None,
        }
    }
}

impl<E> Clone for Error<E> {
    fn clone(&self) -> Self {
        match self {
            Error::Load(e) => Error::Load(Rc::clone(e)),
            Error::Timeout => Error::Timeout,
            Error::Reentrant => Error::Reentrant,
            Error::Clock => Error::Clock,
            Error::Runtime(v) => Error::Runtime(v.clone()),
            Error::Abandoned => Error::Abandoned,
            Error::Full => Error::Full,
            Error::Inconsistent => Error::Inconsistent,
            Error::ToJs(v) => Error::ToJs(v.clone()),
        }
    }
}

impl<E: fmt::Debug> fmt::Debug for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Load(e) => f.debug_tuple("Load").field(e).finish(),
            Error::Timeout => f.write_str("Timeout"),
            Error::Reentrant => f.write_str("Reentrant"),
            Error::Clock => f.write_str("Clock"),
            Error::Runtime(v) => f.debug_tuple("Runtime").field(v).finish(),
            Error::Abandoned => f.write_str("Abandoned"),
            Error::Full => f.write_str("Full"),
            Error::Inconsistent => f.write_str("Inconsistent"),
            Error::ToJs(v) => f.debug_tuple("ToJs").field(v).finish(),
        }
    }
}

impl<E: fmt::Display> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Load(e) => write!(f, "the loader failed: {e}"),
            Error::Timeout => f.write_str("the load timed out"),
            Error::Reentrant => f.write_str(
                "a loader asked for its own key's value (or for a load that waits for its own), or a key's Ord or Clone called back into the cache",
            ),
            Error::Clock => f.write_str("the clock returned a non-finite time"),
            Error::Runtime(v) => write!(
                f,
                "a load could not be started ({v:?}); on Workers, call get() while handling a request"
            ),
            Error::Abandoned => f.write_str(
                "the loads this get() started were abandoned twice (is wait_until polling the task it is handed?)",
            ),
            Error::Full => f.write_str("the cache cannot hold more keys"),
            Error::Inconsistent => f.write_str("internal inconsistency (a bug); nothing cached"),
            Error::ToJs(v) => match v.dyn_ref::<js_sys::Error>() {
                Some(e) => write!(
                    f,
                    "the value could not be converted to JS: {}",
                    String::from(e.message())
                ),
                None => write!(f, "the value could not be converted to JS ({v:?})"),
            },
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for Error<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Load(e) => Some(&**e),
            _ => None,
        }
    }
}
