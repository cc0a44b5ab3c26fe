//! A workers-rs Worker (crate `worker` 0.8.7) caching an origin's answer with
//! simple-memory-cache's `CachedVar` — the Rust user's path that `tokio::sync::OnceCell` and
//! `futures::Shared` break on workerd. Driven by `tests/rust-worker/run.mjs` in local workerd.
//!
//! Routes (the origin is the `ORIGIN` text binding):
//! - `/value`: a var loaded from `ORIGIN/slow` (300 ms), no timeout;
//! - `/value?leave`: starts that var's `get()` and returns at once without `waitUntil`
//!   (a leader whose request ends before its load does);
//! - `/value?leave-wait-until`: the same, the load registered with the request's `waitUntil`;
//! - `/value?send`: the var's value through the path for frameworks that demand `Send` futures
//!   (axum's handlers, `spawn`-style APIs): `get()`'s future wrapped in `worker::send::SendFuture`
//!   and handed to functions that require `Future + Send` (and `'static` with a `Send` output);
//! - `/fail`: a var whose loader always fails (`ORIGIN/fail` answers 500);
//! - `/timeout`: a var with a 100 ms timeout over `ORIGIN/very-slow` (1 s);
//! - `/stats?var=value|fail|timeout`: that var's counters;
//! - `/panic`: a bug elsewhere in the Worker — panics (under `panic = "abort"` the wasm traps
//!   and the instance is reset before the next call into it, wiping every Rust static).

use std::cell::OnceCell;
use std::future::Future;
use std::time::Duration;

use simple_memory_cache::{Builder, CachedVar, Error};
use worker::send::SendFuture;
use worker::{event, AbortSignal, Context, Env, Fetch, Request, Response, Result, Url};

struct Vars {
    value: CachedVar<String, String>,
    fail: CachedVar<String, String>,
    timeout: CachedVar<String, String>,
}

thread_local! {
    static VARS: OnceCell<Vars> = const { OnceCell::new() };
}

/// Loads `url`'s body; any status but 200 is an error.
async fn load(url: String, signal: AbortSignal) -> std::result::Result<String, String> {
    let url = Url::parse(&url).map_err(|e| e.to_string())?;
    let mut res = Fetch::Url(url)
        .send_with_signal(&signal)
        .await
        .map_err(|e| e.to_string())?;
    if res.status_code() != 200 {
        return Err(format!("origin answered {}", res.status_code()));
    }
    res.text().await.map_err(|e| e.to_string())
}

fn vars(origin: &str) -> std::result::Result<Vars, String> {
    let make = |path: &str, timeout: Option<Duration>| {
        let b = Builder::new();
        let b = match timeout {
            Some(t) => b.timeout(t),
            None => b,
        };
        let url = format!("{origin}{path}");
        b.build_var(move |ctx| load(url.clone(), AbortSignal::from(ctx.signal().clone())))
            .map_err(|e| format!("{e:?}"))
    };
    Ok(Vars {
        value: make("/slow", None)?,
        fail: make("/fail", None)?,
        timeout: make("/very-slow", Some(Duration::from_millis(100)))?,
    })
}

fn answer(r: std::result::Result<std::rc::Rc<String>, Error<String>>) -> Result<Response> {
    match r {
        Ok(v) => Response::ok(v.as_str()),
        Err(Error::Timeout) => Response::error("TimeoutError", 504),
        Err(e) => Response::error(format!("error: {e}"), 502),
    }
}

/// What a framework that demands `Send` futures does with one: the bound, then an await.
async fn require_send<F: Future + Send>(f: F) -> F::Output {
    f.await
}

/// The stricter demand of axum's `Handler` or a `spawn`: `Send + 'static`, a `Send` output.
async fn require_send_static<F>(f: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send,
{
    f.await
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    let path = req.path();
    if path == "/__ready" {
        return Response::ok("ready");
    }
    if path == "/panic" {
        panic!("a bug elsewhere in the Worker");
    }
    let origin = env.var("ORIGIN")?.to_string();
    let (value, fail, timeout) = VARS
        .with(|cell| {
            if cell.get().is_none() {
                if let Ok(v) = vars(&origin) {
                    let _ = cell.set(v);
                }
            }
            cell.get()
                .map(|v| (v.value.clone(), v.fail.clone(), v.timeout.clone()))
        })
        .ok_or_else(|| worker::Error::RustError("vars".into()))?;
    let query = req.url()?.query().unwrap_or("").to_string();
    match path.as_str() {
        "/value" if query == "leave" => {
            // The leader's request ends now; its load goes on in a task nobody awaits.
            wasm_bindgen_futures::spawn_local(async move {
                let _ = value.get().await;
            });
            Response::ok("left")
        }
        "/value" if query == "leave-wait-until" => {
            // The same, but the load is registered with this request's waitUntil.
            wasm_bindgen_futures::spawn_local(async move {
                let _ = value.get_with_wait_until(|f| ctx.wait_until(f)).await;
            });
            Response::ok("left")
        }
        "/value" if query == "send" => {
            // `get()`'s future is `!Send` (it holds `Rc`s and JS values); workers-rs runs on one
            // thread, so `SendFuture` may assert `Send` for it.
            let borrowed = require_send(SendFuture::new(value.get())).await;
            // Owning the var (a clone) and turning the `Rc` into an owned, `Send` answer.
            let var = value.clone();
            let owned = require_send_static(SendFuture::new(async move {
                var.get()
                    .await
                    .map(|v| v.to_string())
                    .map_err(|e| e.to_string())
            }))
            .await;
            match (borrowed, owned) {
                (Ok(a), Ok(b)) if *a == b => Response::ok(format!("send: {b}")),
                (a, b) => Response::error(format!("send: {a:?} / {b:?}"), 502),
            }
        }
        "/value" => answer(value.get_with_wait_until(|f| ctx.wait_until(f)).await),
        "/fail" => answer(fail.get().await),
        "/timeout" => answer(timeout.get().await),
        "/stats" => {
            let var = match query.as_str() {
                "var=fail" => &fail,
                "var=timeout" => &timeout,
                _ => &value,
            };
            let s = var.stats();
            Response::ok(format!(
                "{{\"hits\":{},\"misses\":{},\"loads\":{},\"errors\":{},\"timeouts\":{},\"coalesced\":{}}}",
                s.hits, s.misses, s.loads, s.errors, s.timeouts, s.coalesced
            ))
        }
        _ => Response::error("not found", 404),
    }
}
