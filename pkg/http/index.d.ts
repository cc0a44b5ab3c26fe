// Why a parser of our own (measured 2026-11, each bundled + minified by esbuild, gzip -9):
// - http-cache-semantics 4.3.0: adds 3.1 KB; wants Node-style request and response objects (a
//   fetch Headers reads as no headers: max-age=60 gives 0); never answers "nothing said" (it
//   applies the Last-Modified heuristic, else 0); gives 0 for a 500; reads `Max-Age=60` as
//   absent, `max-age=10abc` as 10 and `max-age=-1` as -1; the last duplicate wins; no 2^31 cap.
// - parse-cache-control 1.0.1 (0.6 KB), cache-parser 1.2.6 (1.0 KB), @tusbar/cache-control 3.0.1
//   (1.1 KB), cache-control-parser 2.2.0 (1.9 KB): Cache-Control only (no Expires, Date, Age);
//   all let the last duplicate win and none caps at 2^31; each misreads some of `Max-Age`,
//   `max-age="60"`, 1.5, 1e3, 0x10, -1, 10abc, or a quoted comma (`max-age=60, ext="a,
//   max-age=999"` gives 999 in two of them).
// Ours: pkg/http/index.js, 1.2 KB in a Worker bundle.

/**
 * `simple-memory-cache/http`: how long an origin lets a response be reused, read from its
 * headers, so a loader can honour it. Importing the main entry does not load this module.
 *
 * ```js
 * import { freshnessLifetime } from "simple-memory-cache/http";
 * jwks.onFirstAccess(async (ctx) => {
 *   const res = await fetch(JWKS_URL, { signal: ctx.signal });
 *   ctx.ttl = freshnessLifetime(res) ?? 60_000;
 *   return res.json();
 * });
 * ```
 *
 * Only headers are read (never the body, the status or the request): whether a 404 or a 500
 * is worth keeping is the loader's decision.
 */

/**
 * What is read: a fetch `Response`, anything with `headers.get(name)` (`{ headers: Headers }`),
 * or a `Headers` itself. Header names are asked in lower case; `get` returns `null` (or
 * `undefined`) for a missing header, and a repeated header's values joined by `", "`, as
 * `Headers.get` does. A plain object of headers (Node's `IncomingMessage.headers`) is not read:
 * wrap it, `new Headers(obj)`.
 */
export type ResponseLike = { headers: { get(name: string): string | null | undefined } } | { get(name: string): string | null | undefined };

/**
 * The freshness lifetime the response allows, in **milliseconds**, less the `Age` it already
 * has: how long from now it may be reused without asking the origin again (RFC 9111 4.2). Use
 * it as a var's ttl for the value the loader made from this response.
 *
 * - `undefined`: the response states no lifetime (no `max-age`, `s-maxage` or `Expires`, and no
 *   `no-store`, `no-cache` or `private`). Keep your own ttl. A heuristic lifetime from
 *   `Last-Modified` (RFC 9111 4.2.2) is never computed.
 * - `0`: the response must not be reused without asking again. A `0` is not nullish: `?? ttl`
 *   keeps it. As a `ctx.ttl` it makes the value stale at once; the var's `staleWhileRevalidate`
 *   and `staleIfError` windows still apply to it (they are the var's, not the value's). OAuth token responses carry `no-store` (RFC 6749 5.1): derive a token's lifetime
 *   from its `expires_in` instead.
 *
 * Rules (this cache is **shared**: one value serves every user of the isolate, so the shared
 * cache view of RFC 9111 applies):
 * - `no-store`, `no-cache` or `private` (also their qualified forms, `no-cache="Set-Cookie"`,
 *   as most caches do: 5.2.2.4, 5.2.2.7) → 0; they win over any lifetime (4.2.1: the most
 *   restrictive directive is honoured).
 * - else `s-maxage` (5.2.2.10), else `max-age` (5.2.2.1), in seconds; either one present makes
 *   `Expires` ignored (5.3). `must-revalidate`, `proxy-revalidate`, `immutable`, `public` and
 *   the stale windows do not change the lifetime (see {@link cacheDirectives}).
 * - else `Expires` − `Date` (4.2.1, 5.3). `Date` missing or invalid → the time of the call
 *   (`Date.now()`: call it when the response arrives; RFC 9110 6.6.1). `Expires` invalid (`0`,
 *   anything but an HTTP-date) or in the past → 0 (5.3). HTTP-dates are read in all three
 *   formats of RFC 9110 5.6.7 (IMF-fixdate, rfc850, asctime), case-sensitively, never by
 *   `Date.parse` (which reads `3000` as a year).
 * - less `Age` in seconds (5.1); the result is clamped at 0. Only `Age` is subtracted: the
 *   apparent age (now − `Date`) and the request's delay of 4.2.3 are not, because there is no
 *   request time here and `Date` would bring the origin's clock skew in. An invalid `Age` counts
 *   as 0. (`Expires` is measured from `Date`, so it is reduced by `Age` too.)
 * - Directive names are case-insensitive; values may be quoted (`max-age="60"`, 5.2); white
 *   space around `,` and `=` is skipped; empty list elements are skipped; a quoted value may
 *   hold commas.
 * - A directive given twice: the first wins (4.2.1 allows first-or-stale). A repeated `Expires`,
 *   `Date` or `Age` header (joined by `", "`): the first value counts.
 * - A lifetime value that is no delta-seconds (1*DIGIT, 1.2.2: `abc`, `-1`, `1.5`, `1e3`, empty,
 *   or junk after it) → 0: invalid freshness information is stale (4.2.1). So is an invalid
 *   `s-maxage` next to a valid `max-age`.
 * - Over 2^31 seconds counts as 2^31 s (1.2.2): at most 2 147 483 648 000 ms.
 * - `Pragma: no-cache` is ignored (a request directive; 5.4). `Vary` and `Set-Cookie` are not
 *   looked at; nor is the request's `Authorization` (3.5), which this function cannot see.
 *
 * @throws TypeError if `response` has neither `headers.get` nor `get`, naming what it got.
 */
export declare function freshnessLifetime(response: ResponseLike): number | undefined;

/** The Cache-Control directives beyond the lifetime that a loader may want. */
export interface CacheDirectives {
  /**
   * `stale-while-revalidate` in ms (RFC 5861 3): for how long past its lifetime the response
   * may be served while a reload runs. `undefined` if absent; `0` if its value is invalid.
   */
  staleWhileRevalidate: number | undefined;
  /**
   * `stale-if-error` in ms (RFC 5861 4): for how long past its lifetime the response may be
   * served when a reload fails. `undefined` if absent; `0` if its value is invalid.
   */
  staleIfError: number | undefined;
  /**
   * A shared cache must not serve it stale without asking the origin (RFC 9111 4.2.4):
   * `must-revalidate` (5.2.2.2), `proxy-revalidate` (5.2.2.8) or `s-maxage` (5.2.2.10, which
   * carries proxy-revalidate) is present. Reported as is: how it combines with the stale windows
   * above is the caller's choice.
   */
  mustRevalidate: boolean;
  /** `immutable` (RFC 8246): the response will not change while fresh. */
  immutable: boolean;
}

/**
 * The response's stale windows and revalidation directives, read by the same rules as
 * {@link freshnessLifetime} (case-insensitive names, quoted values, first occurrence wins,
 * 2^31 s cap).
 *
 * @throws TypeError if `response` has neither `headers.get` nor `get`, naming what it got.
 */
export declare function cacheDirectives(response: ResponseLike): CacheDirectives;
