// Many issuers, one keyed cache: a Cloudflare Worker that verifies `Authorization: Bearer <jwt>`
// from any issuer on an allow-list, keeping one key set per issuer in isolate memory with a
// keyed simple-memory-cache `MemoryCache` — one loader for every issuer, the issuer as the name.
//
// What it does, per isolate:
// - the token's `iss` picks the key set; an issuer not on the allow-list is answered 401 before
//   anything is fetched, so made-up issuers cost the origins nothing and never reach the cache;
// - each issuer's key set is fetched once (one fetch serves a burst of cold requests for it) and
//   kept as long as that issuer's own `Cache-Control` says (`max-age`, read with
//   `freshnessLifetime` from `simple-memory-cache/http`), clamped to TTL_BOUNDS: an issuer saying
//   `no-store` or `max-age=0` cannot make us fetch per request, and one saying a year cannot keep
//   a retired key alive for a year;
// - while an issuer's origin fails, its stale keys keep verifying (`staleIfError`) and the
//   failing origin sees at most one retry per `retryInterval`, in the background — no request
//   waits on it; every failed load is reported to `onError` (here: logged);
// - a token with a kid its issuer's key set lacks (a key rotated in early) triggers one refetch
//   of that issuer's keys, at most one per `cooldown` per issuer.
// The keys are imported (WebCrypto, via jose's importJWK) once per fetched key set, inside the
// loader, so warm requests only verify. (examples/jwks-worker/ is the one-issuer recipe, with
// stale-while-revalidate and a shared KV tier; both combine the same way here.)
//
// Bindings: ISSUERS (JSON: { "<iss>": "<JWKS URL>" }, the allow-list), JWT_AUDIENCE (what tokens
// must say), optionally CACHE_OPTIONS and TTL_BOUNDS (JSON overriding the constants below; the
// demo shortens the durations). Every response is JSON: { valid, iss?, kid?, sub?, refetched?,
// reason?, keySets: { size, stats, errors } } — the cache's counters after this request, and how
// many failed loads onError saw, for the demo.

import { env } from "cloudflare:workers";
import { MemoryCache } from "simple-memory-cache";
import { freshnessLifetime } from "simple-memory-cache/http";
import { decodeJwt, decodeProtectedHeader, errors, importJWK, jwtVerify } from "jose";

// How long an issuer's key set counts as fresh (ms): what its Cache-Control allows, within
// [min, max]; `fallback` when the response states no lifetime at all.
const TTL_BOUNDS = {
  min: 60_000, // 1 minute: `no-store`, `no-cache`, `max-age=0` or a tiny max-age → refetched at most once a minute
  max: 24 * 3_600_000, // 1 day: a key the issuer retires is dropped within a day whatever it said
  fallback: 10 * 60_000, // 10 minutes when it says nothing (no Cache-Control max-age, no Expires)
  ...env.TTL_BOUNDS,
};

const CACHE_OPTIONS = {
  maxEntries: 100, // more than the allow-list holds: only allow-listed issuers ever become names
  staleIfError: 24 * 3_600_000, // while an issuer's origin fails, its stale keys serve for up to a day...
  retryInterval: 30_000, // ...and the failing origin sees one background retry per 30 s per isolate
  cooldown: 30_000, // an unknown kid refetches an issuer's keys at most every 30 s
  timeout: 5_000, // a key-set fetch that takes longer fails (and is aborted)
  ...env.CACHE_OPTIONS,
};

// Only these algorithms are accepted, and a key is used only for the algorithm it declares.
const ALGORITHMS = ["ES256", "RS256"];

const ISSUERS = new Map(Object.entries(env.ISSUERS ?? {}));

let failedLoads = 0;

// A fetched JWKS → Map kid → { alg, key: CryptoKey }: signing keys of an accepted algorithm,
// imported once here (WebCrypto importKey, via jose) so that warm requests only verify. A key
// set that is not one fails the load (and staleIfError keeps the keys we had).
async function importKeys(issuer, jwks) {
  if (!Array.isArray(jwks?.keys)) throw new Error(`JWKS of ${issuer} has no keys array`);
  const keys = new Map();
  for (const jwk of jwks.keys) {
    if (typeof jwk.kid !== "string" || !ALGORITHMS.includes(jwk.alg) || (jwk.use !== undefined && jwk.use !== "sig")) continue;
    keys.set(jwk.kid, { alg: jwk.alg, key: await importJWK(jwk, jwk.alg) });
  }
  return keys;
}

// Module scope: the cache lives as long as the isolate. Creating it does no I/O; the first
// get(iss) for an issuer calls the loader. The loader returns plain data — a Map of kid →
// { alg, key: CryptoKey } — never the Response, which belongs to the request that fetched it.
const keySets = new MemoryCache({
  ...CACHE_OPTIONS,
  async onFirstAccess(ctx) {
    const res = await fetch(ISSUERS.get(ctx.name), { signal: ctx.signal, headers: { accept: "application/json" } });
    // Throwing is safe: errors are never cached; with stale keys stored, staleIfError serves them.
    if (!res.ok) throw new Error(`JWKS of ${ctx.name} answered ${res.status}`);
    // The issuer's own lifetime for this key set, within our bounds (undefined: it said nothing).
    ctx.ttl = Math.min(TTL_BOUNDS.max, Math.max(TTL_BOUNDS.min, freshnessLifetime(res) ?? TTL_BOUNDS.fallback));
    return importKeys(ctx.name, await res.json());
  },
  onError(error, { name, background, timedOut }) {
    failedLoads++;
    console.warn(`key set of ${name}: ${timedOut ? "timed out" : error.message}${background ? " (background retry)" : ""}`);
  },
});

// jose calls this with the token's header: the issuer's key for that kid, if the algorithms agree.
const keyFor = (keys) => (header) => {
  const entry = keys.get(header.kid);
  if (entry === undefined || entry.alg !== header.alg) throw new errors.JWKSNoMatchingKey();
  return entry.key;
};

async function verify(token, iss, waitUntil) {
  // waitUntil keeps a background retry alive after we respond.
  const options = { issuer: iss, audience: env.JWT_AUDIENCE, algorithms: ALGORITHMS };
  const keys = await keySets.get(iss, { waitUntil });
  try {
    return { result: await jwtVerify(token, keyFor(keys), options), refetched: false };
  } catch (error) {
    if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
    // Unknown kid: the issuer may have rotated its keys since we fetched them. Within `cooldown`
    // invalidate() does nothing and get() resolves the same keys: the token stays invalid and the
    // origin is not asked. If the refetch fails, staleIfError answers with the keys we had.
    keySets.invalidate(iss);
    const fresh = await keySets.get(iss, { waitUntil });
    if (fresh === keys) throw error;
    return { result: await jwtVerify(token, keyFor(fresh), options), refetched: true };
  }
}

export default {
  async fetch(request, _env, ctx) {
    if (new URL(request.url).pathname === "/__ready") return new Response("ready"); // the demo launcher's start-up probe
    const token = /^Bearer (\S+)$/.exec(request.headers.get("authorization") ?? "")?.[1];
    if (token === undefined) return answer(401, { valid: false, reason: "no Authorization: Bearer token" });
    let iss, kid;
    try {
      // Unverified reads: they only choose which keys to verify with; jwtVerify checks `iss` again.
      iss = decodeJwt(token).iss;
      kid = decodeProtectedHeader(token).kid;
    } catch {
      return answer(401, { valid: false, reason: "malformed token" });
    }
    // The allow-list, before any cache or fetch: an unknown issuer is never a name in the cache.
    if (typeof iss !== "string" || !ISSUERS.has(iss)) return answer(401, { valid: false, iss, kid, reason: "issuer not allowed" });
    try {
      const { result, refetched } = await verify(token, iss, (p) => ctx.waitUntil(p));
      return answer(200, { valid: true, iss, kid, sub: result.payload.sub, refetched });
    } catch (error) {
      // jose's errors mean "this token is not acceptable"; anything else (the issuer's origin down
      // with no keys stored, a timeout) means we could not decide.
      if (error instanceof errors.JOSEError) return answer(401, { valid: false, iss, kid, reason: error.code });
      return answer(503, { valid: false, iss, kid, reason: `keys unavailable: ${error.message}` });
    }
  },
};

function answer(status, body) {
  return Response.json({ ...body, keySets: { size: keySets.size, stats: keySets.stats(), errors: failedLoads } }, { status });
}
