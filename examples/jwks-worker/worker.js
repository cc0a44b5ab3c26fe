// The JWKS recipe: a Cloudflare Worker that verifies `Authorization: Bearer <jwt>` against the
// issuer's JSON Web Key Set, kept in isolate memory with simple-memory-cache.
//
// What the cache buys here, per isolate:
// - the key set is fetched once, not per request (and one fetch serves a burst of cold requests,
//   even when they are different requests — see the package README on workerd);
// - after `ttl` the keys are refreshed in the background while requests keep verifying with the
//   old ones (`staleWhileRevalidate`), and an origin outage is ridden out on stale keys
//   (`staleIfError`) instead of failing every request;
// - a token with an unknown key id (`kid`) triggers one refetch — the issuer may have rotated
//   keys — but at most one per `cooldown`, so a flood of made-up kids cannot hammer the origin;
// - a hung origin costs at most `timeout`.
// (jose's own createRemoteJWKSet does the fetching and the cooldown, but shares no fetch between
// requests on Workers and has no stale-while-revalidate or stale-if-error.)
//
// With a Workers KV binding JWKS_KV, the key set also has a shared second tier: isolate memory
// lives only as long as one isolate, and a Worker runs in many that come and go, each paying a
// cold fetch. With the tier, a cold isolate first reads the key set another isolate stored in KV
// (if still within ttl) and only a miss goes to the origin; a key set fetched from the origin is
// written to KV in the background (waitUntil), never delaying the request.
//
// Bindings: JWKS_URL (the key set's URL), JWT_ISSUER and JWT_AUDIENCE (what tokens must say),
// optionally JWKS_CACHE_OPTIONS (JSON overriding CACHE_OPTIONS; the demo shortens the durations)
// and JWKS_KV (a KV namespace: the shared tier; without it the keys live in isolate memory only).
// Every response is JSON: { valid, kid, sub? and refetched? (valid), reason? (invalid),
// jwks: { state, stats } } — the var's state and counters after this request (with the tier,
// also sharedHits, sharedMisses, sharedWrites, sharedErrors), for the demo.

import { env } from "cloudflare:workers";
import { GLOBAL_CACHE } from "simple-memory-cache";
import { workersKv } from "simple-memory-cache/shared/workers-kv";
import { createLocalJWKSet, decodeProtectedHeader, errors, jwtVerify } from "jose";

// Production-sized durations (ms); ttl, cooldown and timeout are jose's remote key set defaults.
const CACHE_OPTIONS = {
  ttl: 10 * 60_000, // keys count as fresh for 10 minutes...
  staleWhileRevalidate: 60_000, // ...then for 1 more minute they are served while one reload runs...
  staleIfError: 24 * 3_600_000, // ...and while the origin fails, stale keys serve for up to a day.
  cooldown: 30_000, // an unknown kid forces a refetch at most every 30 s
  timeout: 5_000, // a key-set fetch that takes longer fails (and its fetch is aborted)
};

// Module scope: the var lives as long as the isolate, so warm requests find the keys in memory.
// Declaring it here does no I/O; the first get() calls the loader (with the shared tier, it
// first reads KV; a KV read that fails or is slow falls back to the loader, never failing the
// request). `shared: undefined` means no tier. An unknown kid's invalidate() (below) makes the
// next load skip KV — the copy there may lack the new key too — and writes the refetched set to
// KV, where other isolates find it once their own copies expire.
const shared = env.JWKS_KV === undefined ? undefined : workersKv(env.JWKS_KV);
const jwks = GLOBAL_CACHE.memoryCachedVar("jwks", { ...CACHE_OPTIONS, ...env.JWKS_CACHE_OPTIONS, shared });

// The loader returns plain JSON, never the Response: a Response (or any stream) belongs to the
// request that created it, and reading it from another request throws in workerd.
jwks.onFirstAccess(async ({ signal }) => {
  const res = await fetch(env.JWKS_URL, { signal, headers: { accept: "application/json" } });
  // Throwing is safe: errors are never cached, and with stale keys stored, staleIfError
  // serves those instead.
  if (!res.ok) throw new Error(`JWKS origin answered ${res.status}`);
  const body = await res.json();
  if (!Array.isArray(body?.keys)) throw new Error("JWKS origin answered without a keys array");
  return body;
});

// get() resolves jose's local key set rather than the raw JSON. createLocalJWKSet picks the key
// by kid/alg/kty as JOSE specifies, tells "no such key" (worth a refetch) apart from other
// failures, and keeps the CryptoKeys it imports — so it is built once per fetched key set (the
// WeakMap) and warm requests do no key import. (importJWK per key would redo all of that by hand.)
const keySets = new WeakMap();
jwks.onEachAccess((json) => {
  let keySet = keySets.get(json);
  if (keySet === undefined) {
    keySet = createLocalJWKSet(json);
    keySets.set(json, keySet);
  }
  return keySet;
});

const VERIFY = { issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE, algorithms: ["ES256", "RS256"] };

async function verify(token, waitUntil) {
  // waitUntil keeps a background reload (stale-while-revalidate) alive after we respond.
  const keys = await jwks.get({ waitUntil });
  try {
    return { result: await jwtVerify(token, keys, VERIFY), refetched: false };
  } catch (error) {
    if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
    // Unknown kid: perhaps the issuer rotated its keys since we fetched them. Drop ours and
    // fetch once more. Within `cooldown` of the last fetch invalidate() does nothing, get()
    // resolves the same key set, and the answer stays "invalid" without touching the origin.
    // If the origin is down, the refetch fails and staleIfError answers with the keys the
    // invalidate() dropped: the same set again, so valid tokens keep verifying.
    jwks.invalidate();
    const fresh = await jwks.get({ waitUntil });
    if (fresh === keys) throw error;
    return { result: await jwtVerify(token, fresh, VERIFY), refetched: true };
  }
}

export default {
  async fetch(request, _env, ctx) {
    const path = new URL(request.url).pathname;
    if (path === "/__ready") return new Response("ready"); // the demo launcher's start-up probe
    const token = /^Bearer (\S+)$/.exec(request.headers.get("authorization") ?? "")?.[1];
    if (token === undefined) return answer(401, { valid: false, reason: "no Authorization: Bearer token" });
    let kid;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      return answer(401, { valid: false, reason: "malformed token" });
    }
    try {
      const { result, refetched } = await verify(token, (p) => ctx.waitUntil(p));
      return answer(200, { valid: true, kid, sub: result.payload.sub, refetched });
    } catch (error) {
      // jose's errors mean "this token is not acceptable"; anything else (origin down with no
      // usable keys, timeout) means we could not decide.
      if (error instanceof errors.JOSEError) return answer(401, { valid: false, kid, reason: error.code });
      return answer(503, { valid: false, kid, reason: `keys unavailable: ${error.message}` });
    }
  },
};

function answer(status, body) {
  return Response.json({ ...body, jwks: { state: jwks.state, stats: jwks.stats() } }, { status });
}
