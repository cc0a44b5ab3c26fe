// `simple-memory-cache/http` (issue 12, item 3): freshnessLifetime() and cacheDirectives() on
// real fetch `Response`s built in each runtime, so the same checks run in Node, Bun, Deno,
// Chromium and workerd. registerHttpLifetimeTests(test, assert) adds them to the shared suite.
// The rules tested are the ones pkg/http/index.d.ts documents (RFC 9111 section numbers there).

import { cacheDirectives, freshnessLifetime } from "simple-memory-cache/http";

const S = 1000;
const response = (headers) => new Response("", { headers });
const lifetime = (headers) => freshnessLifetime(response(headers));
const cc = (value, more = {}) => lifetime({ "cache-control": value, ...more });
const httpDate = (ms) => new Date(ms).toUTCString();
// A Date header (a whole second: HTTP-dates have no milliseconds). Not Date.now(): that is 0 at
// a Worker's module scope.
const DATE = Date.UTC(2026, 0, 15, 12, 0, 0);

export function registerHttpLifetimeTests(test, assert) {
  test("http: max-age is the lifetime in ms", () => {
    assert.is(cc("max-age=60"), 60 * S);
    assert.is(cc("max-age=0"), 0);
    assert.is(cc("public, max-age=600, must-revalidate, immutable, stale-while-revalidate=30"), 600 * S);
  });

  test("http: s-maxage wins over max-age (shared cache), larger or smaller; either makes Expires ignored", () => {
    assert.is(cc("max-age=60, s-maxage=30"), 30 * S);
    assert.is(cc("s-maxage=3600, max-age=60"), 3600 * S);
    assert.is(cc("s-maxage=0, max-age=60"), 0);
    const expires = { date: httpDate(DATE), expires: httpDate(DATE + 999 * S) };
    assert.is(cc("max-age=60", expires), 60 * S);
    assert.is(cc("s-maxage=5", expires), 5 * S);
  });

  test("http: Age is subtracted and the result clamped at 0; an invalid Age counts as 0, a repeated one by its first value", () => {
    assert.is(cc("max-age=60", { age: "10" }), 50 * S);
    assert.is(cc("max-age=60", { age: "60" }), 0);
    assert.is(cc("max-age=60", { age: "100" }), 0);
    assert.is(cc("max-age=60", { age: "99999999999999999999" }), 0);
    assert.is(cc("s-maxage=60", { age: "15" }), 45 * S);
    assert.is(cc("max-age=60", { age: "abc" }), 60 * S);
    assert.is(cc("max-age=60", { age: "-5" }), 60 * S);
    const h = new Headers({ "cache-control": "max-age=60" });
    h.append("age", "10");
    h.append("age", "50");
    assert.is(freshnessLifetime(h), 50 * S);
  });

  test("http: Expires − Date, less Age; Expires at or before Date → 0", () => {
    assert.is(lifetime({ date: httpDate(DATE), expires: httpDate(DATE + 90 * S) }), 90 * S);
    assert.is(lifetime({ date: httpDate(DATE), expires: httpDate(DATE + 90 * S), age: "30" }), 60 * S);
    assert.is(lifetime({ date: httpDate(DATE), expires: httpDate(DATE) }), 0);
    assert.is(lifetime({ date: httpDate(DATE), expires: httpDate(DATE - 60 * S) }), 0);
    // The obsolete formats a recipient must accept too (rfc850 with a two-digit year, asctime).
    assert.is(lifetime({ date: "Sun, 06 Nov 1994 08:49:37 GMT", expires: "Sunday, 06-Nov-94 08:50:37 GMT" }), 60 * S);
    assert.is(lifetime({ date: "Sun Nov  6 08:49:37 1994", expires: "Sun, 06 Nov 1994 08:51:37 GMT" }), 120 * S);
  });

  test("http: Expires without a Date (or with an invalid one) is measured from now", () => {
    const expires = Math.floor(Date.now() / S) * S + 120 * S;
    for (const date of [undefined, "yesterday", "0"]) {
      const before = Date.now();
      const got = lifetime(date === undefined ? { expires: httpDate(expires) } : { expires: httpDate(expires), date });
      const after = Date.now();
      assert.ok(got >= expires - after && got <= expires - before, `Date ${date}: expected ${expires - after}..${expires - before} ms, got ${got}`);
    }
  });

  test("http: an invalid Expires (0, no HTTP-date, an impossible day) is in the past → 0", () => {
    const date = { date: httpDate(DATE) };
    for (const expires of ["0", "-1", "3000", "tomorrow", "Thu, 01 Dec 2099 16:00:00", "thu, 01 dec 2099 16:00:00 gmt", "Thu, 31 Feb 2099 16:00:00 GMT", "Thu, 01 Dec 2099 25:00:00 GMT", "2099-12-01T16:00:00Z", ""]) {
      assert.is(lifetime({ ...date, expires }), 0, `Expires: ${JSON.stringify(expires)}`);
      assert.is(lifetime({ expires }), 0, `Expires: ${JSON.stringify(expires)} without Date`);
    }
  });

  test("http: no-store and no-cache → 0, whatever else is said (qualified no-cache too)", () => {
    assert.is(cc("no-store"), 0);
    assert.is(cc("max-age=600, no-store"), 0);
    assert.is(cc("no-cache"), 0);
    assert.is(cc("no-cache, max-age=600"), 0);
    assert.is(cc('no-cache="set-cookie", max-age=600'), 0);
    assert.is(lifetime({ "cache-control": "no-store", expires: httpDate(Date.now() + 3600 * S) }), 0);
  });

  test("http: private → 0 (the cache is shared by every user of the isolate), qualified too; public changes nothing", () => {
    assert.is(cc("private"), 0);
    assert.is(cc("private, max-age=600"), 0);
    assert.is(cc('private="set-cookie", s-maxage=600'), 0);
    assert.is(cc("public, max-age=600"), 600 * S);
  });

  test("http: a directive given twice: the first occurrence wins (also across two Cache-Control headers)", () => {
    assert.is(cc("max-age=60, max-age=3600"), 60 * S);
    assert.is(cc("max-age=3600, max-age=60"), 3600 * S);
    assert.is(cc("max-age=abc, max-age=60"), 0);
    assert.is(cc("s-maxage=10, max-age=60, s-maxage=99"), 10 * S);
    const h = new Headers();
    h.append("cache-control", "max-age=60");
    h.append("cache-control", "max-age=3600, no-transform");
    assert.is(freshnessLifetime(h), 60 * S);
    const twice = new Headers({ date: httpDate(DATE) });
    twice.append("expires", httpDate(DATE + 30 * S));
    twice.append("expires", httpDate(DATE + 90 * S));
    assert.is(freshnessLifetime(twice), 30 * S);
  });

  test("http: names are case-insensitive; quotes, white space and empty elements are accepted; a quoted comma is no separator", () => {
    assert.is(cc("Max-Age=60"), 60 * S);
    assert.is(cc("MAX-AGE=60, S-MAXAGE=30"), 30 * S);
    assert.is(cc('max-age="60"'), 60 * S);
    assert.is(cc("  max-age = 60  "), 60 * S);
    assert.is(cc(",, max-age=60 ,,"), 60 * S);
    assert.is(cc("NO-STORE"), 0);
    assert.is(cc('community="UCI, max-age=999"'), undefined);
    assert.is(cc('community="UCI, max-age=999", max-age=60'), 60 * S);
    assert.is(cc('ext="a \\" max-age=999", max-age=60'), 60 * S);
  });

  test("http: a lifetime that is no delta-seconds (junk, negative, fraction, exponent, hex, empty) → 0", () => {
    for (const v of ["max-age=abc", "max-age=-1", "max-age=1.5", "max-age=1e3", "max-age=0x10", "max-age=", "max-age", "max-age=60 abc", 'max-age="60', "max-age=6 0", 'max-age=""', "max-age=+60", "max-age=6O"]) {
      assert.is(cc(v), 0, v);
    }
    assert.is(cc("s-maxage=abc, max-age=60"), 0, "an invalid s-maxage beside a valid max-age");
  });

  test("http: a lifetime over 2^31 seconds counts as 2^31 s", () => {
    assert.is(cc("max-age=2147483647"), 2147483647 * S);
    assert.is(cc("max-age=2147483648"), 2 ** 31 * S);
    assert.is(cc("max-age=2147483649"), 2 ** 31 * S);
    assert.is(cc("s-maxage=99999999999999999999999999"), 2 ** 31 * S);
    assert.is(cc(`max-age=${"9".repeat(400)}`), 2 ** 31 * S);
    assert.is(cc("max-age=0000000060"), 60 * S);
    // Expires − Date too: the year 9999 is 2^31 s, not ~8,000 years.
    assert.is(lifetime({ date: httpDate(DATE), expires: "Fri, 31 Dec 9999 23:59:59 GMT" }), 2 ** 31 * S);
    assert.is(lifetime({ date: httpDate(DATE), expires: httpDate(DATE + (2 ** 31 - 1) * S) }), (2 ** 31 - 1) * S);
  });

  test("http: nothing said → undefined (no heuristic from Last-Modified; Pragma, must-revalidate, immutable alone say nothing)", () => {
    assert.is(lifetime({}), undefined);
    assert.is(lifetime({ "content-type": "application/json", date: httpDate(DATE) }), undefined);
    assert.is(lifetime({ "last-modified": httpDate(DATE - 86_400 * S), date: httpDate(DATE) }), undefined);
    assert.is(lifetime({ pragma: "no-cache" }), undefined);
    assert.is(cc("public"), undefined);
    assert.is(cc("must-revalidate, proxy-revalidate, immutable, no-transform"), undefined);
    assert.is(cc("stale-while-revalidate=60, stale-if-error=600"), undefined);
    assert.is(cc(""), undefined);
    assert.is(lifetime({ age: "10" }), undefined);
  });

  test("http: only headers are read: a 500 or a 404 says what its headers say", () => {
    assert.is(freshnessLifetime(new Response("down", { status: 500, headers: { "cache-control": "max-age=60" } })), 60 * S);
    assert.is(freshnessLifetime(new Response(null, { status: 404, headers: { "cache-control": "max-age=5" } })), 5 * S);
  });

  test("http: a Headers and a { headers: Headers } are read like a Response", () => {
    assert.is(freshnessLifetime(new Headers({ "Cache-Control": "max-age=60", Age: "20" })), 40 * S);
    assert.is(freshnessLifetime({ headers: new Headers({ "cache-control": "max-age=60" }) }), 60 * S);
    assert.is(freshnessLifetime({ headers: new Headers() }), undefined);
    assert.is(freshnessLifetime({ status: 200, headers: new Map([["cache-control", "s-maxage=7"]]) }), 7 * S);
    assert.is(cacheDirectives(new Headers({ "cache-control": "immutable" })).immutable, true);
  });

  test("http: anything without headers.get or get is a TypeError naming the function and what it got", () => {
    const cases = [
      [42, /got 42$/],
      [null, /got null$/],
      [undefined, /got undefined$/],
      ["max-age=60", /got "max-age=60"$/],
      [{}, /got an object$/],
      [{ headers: { "cache-control": "max-age=60" } }, /got an object \(its headers are a plain object: wrap them, \{ headers: new Headers\(headers\) \}\)$/],
      [[], /got an array$/],
      [() => 1, /got a function$/],
      [Symbol("r"), /got a symbol$/],
      [5n, /got a bigint$/],
    ];
    for (const fn of [freshnessLifetime, cacheDirectives]) {
      for (const [bad, got] of cases) {
        assert.throws(() => fn(bad), { type: TypeError, message: new RegExp(`^${fn.name}\\(response\\): response must be a Response, a Headers or an object with headers\\.get\\(name\\), ${got.source}`) });
      }
      assert.throws(() => fn(), { type: TypeError, message: /got undefined$/ });
    }
  });

  test("http: cacheDirectives gives the stale windows in ms, mustRevalidate and immutable", () => {
    const d = (value) => cacheDirectives(response(value === undefined ? {} : { "cache-control": value }));
    assert.deepEqual(d(undefined), { staleWhileRevalidate: undefined, staleIfError: undefined, mustRevalidate: false, immutable: false });
    assert.deepEqual(d("max-age=60, Stale-While-Revalidate=30, stale-if-error=\"86400\""), { staleWhileRevalidate: 30 * S, staleIfError: 86_400 * S, mustRevalidate: false, immutable: false });
    assert.is(d("stale-while-revalidate=30").staleIfError, undefined);
    assert.is(d("stale-if-error=abc").staleIfError, 0, "an invalid window is 0");
    assert.is(d("stale-if-error=5, stale-if-error=9").staleIfError, 5 * S, "first wins");
    assert.is(d("stale-while-revalidate=99999999999").staleWhileRevalidate, 2 ** 31 * S);
    assert.is(d("must-revalidate").mustRevalidate, true);
    assert.is(d("proxy-revalidate").mustRevalidate, true);
    assert.is(d("s-maxage=60").mustRevalidate, true, "s-maxage carries proxy-revalidate");
    assert.is(d("max-age=60, public").mustRevalidate, false);
    assert.is(d("IMMUTABLE, max-age=31536000").immutable, true);
  });
}
