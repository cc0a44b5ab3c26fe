//! Issue 14, item 6, "wasm size added to a Worker by the crate": the same small workers-rs Worker
//! (crate `worker` 0.8.7) caching an origin's answer, without (a hand-written `thread_local!`
//! `RefCell<Option<Rc<String>>>`, no single-flight, no ttl) and with the crate's `CachedVar`
//! (feature `cache`: ttl, stale-if-error, timeout, `waitUntil`). benches/run-rust.mjs builds both
//! and reports their wasm sizes; the Worker is not run.

use std::rc::Rc;

use worker::{event, Context, Env, Fetch, Request, Response, Result, Url};

/// Loads `url`'s body; any status but 200 is an error.
async fn load(
    url: &str,
    signal: Option<&worker::AbortSignal>,
) -> std::result::Result<String, String> {
    let url = Url::parse(url).map_err(|e| e.to_string())?;
    let fetch = Fetch::Url(url);
    let mut res = match signal {
        Some(s) => fetch.send_with_signal(s).await,
        None => fetch.send().await,
    }
    .map_err(|e| e.to_string())?;
    if res.status_code() != 200 {
        return Err(format!("origin answered {}", res.status_code()));
    }
    res.text().await.map_err(|e| e.to_string())
}

#[cfg(not(feature = "cache"))]
mod value {
    use std::cell::RefCell;
    use std::rc::Rc;

    thread_local! {
        static VALUE: RefCell<Option<Rc<String>>> = const { RefCell::new(None) };
    }

    pub async fn get(origin: &str, _ctx: &worker::Context) -> Result<Rc<String>, String> {
        if let Some(v) = VALUE.with(|c| c.borrow().clone()) {
            return Ok(v);
        }
        let v = Rc::new(super::load(origin, None).await?);
        VALUE.with(|c| *c.borrow_mut() = Some(Rc::clone(&v)));
        Ok(v)
    }
}

#[cfg(feature = "cache")]
mod value {
    use std::cell::OnceCell;
    use std::rc::Rc;
    use std::time::Duration;

    use simple_memory_cache::{Builder, CachedVar};

    thread_local! {
        static VAR: OnceCell<CachedVar<String, String>> = const { OnceCell::new() };
    }

    pub async fn get(origin: &str, ctx: &worker::Context) -> Result<Rc<String>, String> {
        let var = VAR.with(|cell| {
            if cell.get().is_none() {
                let url = format!("{origin}/value");
                let built = Builder::new()
                    .ttl(Duration::from_secs(600))
                    .stale_if_error(Duration::from_secs(3600))
                    .timeout(Duration::from_secs(5))
                    .build_var(move |ctx| {
                        let url = url.clone();
                        async move {
                            let signal = worker::AbortSignal::from(ctx.signal().clone());
                            super::load(&url, Some(&signal)).await
                        }
                    });
                if let Ok(v) = built {
                    let _ = cell.set(v);
                }
            }
            cell.get().cloned()
        });
        let var = var.ok_or("options")?;
        var.get_with_wait_until(|f| ctx.wait_until(f))
            .await
            .map_err(|e| e.to_string())
    }
}

#[event(fetch)]
async fn fetch(_req: Request, env: Env, ctx: Context) -> Result<Response> {
    let origin = env.var("ORIGIN")?.to_string();
    let v: std::result::Result<Rc<String>, String> = value::get(&origin, &ctx).await;
    match v {
        Ok(v) => Response::ok(v.as_str()),
        Err(e) => Response::error(e, 502),
    }
}
