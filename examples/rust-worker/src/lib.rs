//! A workers-rs Worker that verifies `Authorization: Bearer <JWT>` (ES256) against the issuer's
//! JWKS, cached in the isolate with simple-memory-cache's [`CachedVar`]: one fetch for a cold
//! burst (single-flight, the load registered with `waitUntil`), the issuer's `max-age` honoured
//! within bounds, stale keys served while the issuer is down, and an unknown key id refetching
//! the set at most once per cooldown. Signatures are checked with WebCrypto through `web-sys`.
//!
//! Bindings (text): `JWKS_URL`, `JWT_ISSUER`, `JWT_AUDIENCE`, and optionally `JWKS_COOLDOWN_MS`
//! (default 30000). Replies are JSON: `200 {"valid":true,"sub":…,"refetched":…,"jwks":{…}}`,
//! `401 {"valid":false,"reason":…,"jwks":{…}}` for a token that does not verify, or `503` (same
//! shape) when no key set could be had at all (the issuer down or slow on a cold start): the
//! client's token is not at fault then. `jwks` carries the var's state and counters.

use std::cell::OnceCell;
use std::rc::Rc;
use std::time::Duration;

use serde::Deserialize;
use simple_memory_cache::{Builder, CachedVar, State};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use worker::{event, AbortSignal, Context, Env, Fetch, Request, Response, Result, Url};

/// The key set: each key's id and its JWK, as JSON text (imported into WebCrypto per use).
struct Jwks {
    keys: Vec<(String, String)>,
}

impl Jwks {
    fn find(&self, kid: &str) -> Option<&str> {
        self.keys
            .iter()
            .find(|(k, _)| k == kid)
            .map(|(_, jwk)| jwk.as_str())
    }
}

thread_local! {
    // One var per isolate, built at the first request (nothing may run at module scope).
    static JWKS: OnceCell<CachedVar<Jwks, String>> = const { OnceCell::new() };
}

/// Seconds of `Cache-Control: max-age`, if any.
fn max_age(cache_control: &str) -> Option<u64> {
    cache_control
        .split(',')
        .filter_map(|d| d.trim().strip_prefix("max-age="))
        .find_map(|v| v.trim().parse().ok())
}

/// Fetches and parses the key set; its freshness is the issuer's `max-age`, within 1 min..1 h.
async fn load_jwks(
    url: String,
    signal: AbortSignal,
) -> std::result::Result<(Jwks, Option<u64>), String> {
    let url = Url::parse(&url).map_err(|e| e.to_string())?;
    let mut res = Fetch::Url(url)
        .send_with_signal(&signal)
        .await
        .map_err(|e| e.to_string())?;
    if res.status_code() != 200 {
        return Err(format!("JWKS origin answered {}", res.status_code()));
    }
    let age = res
        .headers()
        .get("cache-control")
        .ok()
        .flatten()
        .and_then(|cc| max_age(&cc));
    let text = res.text().await.map_err(|e| e.to_string())?;
    let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let keys = doc
        .get("keys")
        .and_then(|k| k.as_array())
        .ok_or("no keys in the JWKS")?
        .iter()
        .filter_map(|k| Some((k.get("kid")?.as_str()?.to_string(), k.to_string())))
        .collect();
    Ok((Jwks { keys }, age))
}

fn jwks_var(env: &Env) -> std::result::Result<CachedVar<Jwks, String>, String> {
    let url = env.var("JWKS_URL").map_err(|e| e.to_string())?.to_string();
    let cooldown = env
        .var("JWKS_COOLDOWN_MS")
        .ok()
        .and_then(|v| v.to_string().parse().ok())
        .unwrap_or(30_000);
    Builder::new()
        .ttl(Duration::from_secs(600))
        .stale_if_error(Duration::from_secs(3600))
        .timeout(Duration::from_secs(5))
        .cooldown(Duration::from_millis(cooldown))
        .build_var(move |ctx| {
            let url = url.clone();
            let signal = AbortSignal::from(ctx.signal().clone());
            async move {
                let (jwks, age) = load_jwks(url, signal).await?;
                if let Some(age) = age {
                    ctx.set_ttl(Duration::from_secs(age.clamp(60, 3600)));
                }
                Ok(jwks)
            }
        })
        .map_err(|e| format!("{e:?}"))
}

fn base64url(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
}

#[derive(Deserialize)]
struct Claims {
    iss: Option<String>,
    aud: Option<serde_json::Value>,
    exp: Option<f64>,
    sub: Option<String>,
}

/// WebCrypto: does `signature` (ES256, r‖s) over `data` verify with the JWK `jwk`?
async fn es256_verify(
    jwk: &str,
    data: &[u8],
    signature: &[u8],
) -> std::result::Result<bool, String> {
    let js = |e: JsValue| format!("{e:?}");
    let crypto: web_sys::Crypto = js_sys::Reflect::get(&js_sys::global(), &"crypto".into())
        .map_err(js)?
        .unchecked_into();
    let subtle = crypto.subtle();
    let key_data: js_sys::Object = js_sys::JSON::parse(jwk).map_err(js)?.unchecked_into();
    let params = web_sys::EcKeyImportParams::new("ECDSA");
    params.set_named_curve("P-256");
    let usages = js_sys::Array::of1(&"verify".into());
    let key: web_sys::CryptoKey = JsFuture::from(
        subtle
            .import_key_with_object("jwk", &key_data, &params, false, &usages)
            .map_err(js)?,
    )
    .await
    .map_err(js)?
    .unchecked_into();
    let alg = web_sys::EcdsaParams::new_with_str("ECDSA", "SHA-256");
    let ok = JsFuture::from(
        subtle
            .verify_with_object_and_u8_array_and_u8_array(&alg, &key, signature, data)
            .map_err(js)?,
    )
    .await
    .map_err(js)?;
    Ok(ok.as_bool() == Some(true))
}

/// Why a token was not accepted: the token's fault (401), or no key set to check it with (503).
enum Reject {
    Token(String),
    NoKeys(String),
}

impl From<&str> for Reject {
    fn from(reason: &str) -> Self {
        Reject::Token(reason.into())
    }
}

impl From<String> for Reject {
    fn from(reason: String) -> Self {
        Reject::Token(reason)
    }
}

/// Verifies `token`; `Ok(sub)` or why not. `refetched`: set when an unknown kid made the key set
/// reload.
async fn verify(
    token: &str,
    env: &Env,
    jwks: &CachedVar<Jwks, String>,
    ctx: &Context,
    refetched: &mut bool,
) -> std::result::Result<String, Reject> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("not a JWT".into());
    };
    let header: Header =
        serde_json::from_slice(&base64url(h).ok_or("bad header")?).map_err(|_| "bad header")?;
    if header.alg != "ES256" {
        return Err(format!("alg {} not accepted", header.alg).into());
    }
    let kid = header.kid.ok_or("no kid")?;
    let get = || jwks.get_with_wait_until(|f| ctx.wait_until(f));
    let no_keys = |e| Reject::NoKeys(format!("no key set: {e}"));
    let mut keys: Rc<Jwks> = get().await.map_err(no_keys)?;
    if keys.find(&kid).is_none() {
        // A key the cached set lacks: the issuer may have rotated. Refetch, at most once per
        // cooldown (an invalidate within it is skipped), so made-up kids cannot flood the issuer;
        // look again either way: a refetch another request started is joined, not repeated.
        *refetched = jwks.invalidate();
        keys = get().await.map_err(no_keys)?;
    }
    let jwk = keys.find(&kid).ok_or("unknown kid")?;
    let signature = base64url(s).ok_or("bad signature")?;
    let signed = format!("{h}.{p}");
    if !es256_verify(jwk, signed.as_bytes(), &signature).await? {
        return Err("bad signature".into());
    }
    let claims: Claims =
        serde_json::from_slice(&base64url(p).ok_or("bad payload")?).map_err(|_| "bad payload")?;
    let want = |name: &str| env.var(name).map(|v| v.to_string()).ok();
    if claims.iss != want("JWT_ISSUER") {
        return Err("wrong issuer".into());
    }
    let audience = want("JWT_AUDIENCE").unwrap_or_default();
    let aud_ok = match &claims.aud {
        Some(serde_json::Value::String(a)) => *a == audience,
        Some(serde_json::Value::Array(list)) => list.iter().any(|a| a.as_str() == Some(&audience)),
        _ => false,
    };
    if !aud_ok {
        return Err("wrong audience".into());
    }
    if claims
        .exp
        .is_none_or(|exp| exp * 1000.0 <= js_sys::Date::now())
    {
        return Err("expired".into());
    }
    Ok(claims.sub.unwrap_or_default())
}

fn jwks_json(jwks: &CachedVar<Jwks, String>) -> serde_json::Value {
    let s = jwks.stats();
    let state = match jwks.state() {
        State::Empty => "empty",
        State::Loading => "loading",
        State::Fresh => "fresh",
        State::Stale => "stale",
    };
    serde_json::json!({
        "state": state,
        "stats": {
            "hits": s.hits, "misses": s.misses, "loads": s.loads, "errors": s.errors,
            "staleServed": s.stale_served, "timeouts": s.timeouts, "coalesced": s.coalesced,
            "cooldownSkips": s.cooldown_skips,
        },
    })
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    if req.path() == "/__ready" {
        return Response::ok("ready");
    }
    let jwks = JWKS
        .with(|cell| {
            if cell.get().is_none() {
                if let Ok(v) = jwks_var(&env) {
                    let _ = cell.set(v);
                }
            }
            cell.get().cloned()
        })
        .ok_or_else(|| worker::Error::RustError("JWKS_URL missing or options invalid".into()))?;
    let auth = req.headers().get("authorization")?.unwrap_or_default();
    let Some(token) = auth.strip_prefix("Bearer ") else {
        // No token: only the cache's counters (loads nothing).
        return Response::from_json(
            &serde_json::json!({ "valid": false, "reason": "no token", "jwks": jwks_json(&jwks) }),
        );
    };
    let mut refetched = false;
    match verify(token.trim(), &env, &jwks, &ctx, &mut refetched).await {
        Ok(sub) => Response::from_json(&serde_json::json!({
            "valid": true, "sub": sub, "refetched": refetched, "jwks": jwks_json(&jwks),
        })),
        Err(reject) => {
            let (status, reason) = match reject {
                Reject::Token(reason) => (401, reason),
                Reject::NoKeys(reason) => (503, reason),
            };
            Ok(Response::from_json(&serde_json::json!({
                "valid": false, "reason": reason, "refetched": refetched, "jwks": jwks_json(&jwks),
            }))?
            .with_status(status))
        }
    }
}
