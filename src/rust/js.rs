//! The few JS facilities the Rust face needs: timers and deferred promises.
//!
//! Every wait is a JS promise the waiting caller subscribes to itself (`JsFuture`), and every
//! timer is a `setTimeout` cleared when its future is dropped, so nothing outlives the caller
//! that owns it (no leaked timer keeps Node alive, none fires into a finished request).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout, catch)]
    fn set_timeout(handler: &Function, ms: f64) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = clearTimeout, catch)]
    fn clear_timeout(id: &JsValue) -> Result<JsValue, JsValue>;
}

/// The longest delay runtimes honour: longer ones fire at once (a signed 32-bit delay).
pub(crate) const MAX_TIMER_MS: f64 = 2_147_483_647.0;

thread_local! {
    static ON_WORKERD: bool = {
        let agent = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("navigator"))
            .and_then(|n| js_sys::Reflect::get(&n, &JsValue::from_str("userAgent")))
            .ok()
            .and_then(|a| a.as_string());
        agent.as_deref() == Some("Cloudflare-Workers")
    };
}

/// Whether this runs on Cloudflare Workers (workerd): `navigator.userAgent` is
/// `"Cloudflare-Workers"` there (Cloudflare's documented way to tell), read once.
pub(crate) fn on_workerd() -> bool {
    ON_WORKERD.with(|on| *on)
}

/// A promise and the function that resolves it.
pub(crate) fn deferred() -> (Promise, Option<Function>) {
    let mut resolver = None;
    let promise = Promise::new(&mut |resolve, _reject| resolver = Some(resolve));
    (promise, resolver)
}

/// Resolves after `ms` milliseconds (clamped to `[0, MAX_TIMER_MS]`); cleared on drop.
pub(crate) struct Timer {
    id: JsValue,
    fired: JsFuture,
}

impl Timer {
    /// Starts the timer; `Err` with the runtime's error if `setTimeout` is refused (workerd at
    /// module scope) or missing.
    pub(crate) fn new(ms: f64) -> Result<Timer, JsValue> {
        let ms = if ms > 0.0 { ms.min(MAX_TIMER_MS) } else { 0.0 };
        let (promise, resolve) = deferred();
        let resolve = resolve.ok_or_else(|| JsValue::from_str("Promise executor not called"))?;
        let id = set_timeout(&resolve, ms)?;
        Ok(Timer {
            id,
            fired: JsFuture::from(promise),
        })
    }
}

impl Future for Timer {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.fired).poll(cx).map(|_| ())
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        // Nothing to do if the runtime refuses: the timer then fires into a dropped future.
        let _ = clear_timeout(&self.id);
    }
}

/// Resolves (with `undefined`) a promise made by [`deferred`]; errors are ignored (a resolve
/// function never throws).
pub(crate) fn settle(resolve: &Function) {
    let _ = resolve.call0(&JsValue::UNDEFINED);
}
