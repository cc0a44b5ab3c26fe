// Issue 12, items 3–5, in every runtime: a load choosing its value's freshness lifetime
// (`ctx.ttl`), backoff on a failing origin (`retryInterval`), and failures made visible
// (`onError`). Driven by the public API with an injected clock and hand-settled loaders.

const ISSUE = "issue 12";

export function registerLifetimeRetryErrorTests(test, api, { assert, deferred, fakeClock, sleep, fresh, manualLoader, loadedByHand }) {
  const { CachedVar, MemoryCache } = api;

  // Gives `v` a loader standing for an origin: it counts its calls (`origin.calls`), throws while
  // `origin.down` is set, and otherwise answers `value(n)` on its n-th call.
  function switchableOrigin(v, value) {
    const origin = { calls: 0, down: false };
    v.onFirstAccess(() => {
      origin.calls++;
      if (origin.down) throw new Error("origin down");
      return value(origin.calls);
    });
    return origin;
  }

  // A loader that resolves `value` at once after setting ctx.ttl to `ttl` (when given).
  const withTtl = (value, ttl) => (ctx) => {
    if (ttl !== undefined) ctx.ttl = ttl;
    return value;
  };

  test(`${ISSUE} #3 ctx.ttl: a load sets how long its value stays fresh; it starts as the var's ttl`, async () => {
    const clock = fakeClock();
    const v = new CachedVar(fresh("ctxttl"), { ttl: 1000, clock });
    const seen = [];
    let n = 0;
    v.onFirstAccess((ctx) => {
      seen.push(ctx.ttl);
      ctx.ttl = 50;
      return ++n;
    });
    assert.is(await v.get(), 1);
    assert.is(seen[0], 1000, "ctx.ttl starts as the var's ttl");
    clock.advance(49);
    assert.is(await v.get(), 1);
    clock.advance(1);
    assert.is(v.state, "stale", "fresh for the 50 ms the load chose, not the var's 1000");
    assert.is(await v.get(), 2);
  });

  test(`${ISSUE} #3 ctx.ttl = 0: served to that load's callers, the next get() loads again; Infinity never expires`, async () => {
    const clock = fakeClock();
    const zero = new CachedVar(fresh("ttl0"), { ttl: 1000, clock });
    let n = 0;
    zero.onFirstAccess((ctx) => {
      ctx.ttl = 0;
      return ++n;
    });
    const [a, b] = await Promise.all([zero.get(), zero.get()]);
    assert.is(a, 1);
    assert.is(b, 1, "both callers of the load get its value");
    assert.is(await zero.get(), 2, "the next get() loads again");
    const forever = new CachedVar(fresh("ttlinf"), { ttl: 10, clock });
    forever.onFirstAccess(withTtl("kept", Infinity));
    assert.is(await forever.get(), "kept");
    clock.advance(1e12);
    assert.is(forever.state, "fresh");
  });

  test(`${ISSUE} #3 ctx.ttl: an invalid value throws a RangeError naming the var at the assignment; nothing stored`, async () => {
    for (const bad of [-1, NaN, "60", null, undefined, 10n]) {
      const v = new CachedVar(fresh("badttl"));
      let thrown;
      v.onFirstAccess((ctx) => {
        try {
          ctx.ttl = bad;
        } catch (error) {
          thrown = error;
          throw error;
        }
        return "never";
      });
      await assert.rejects(v.get(), { type: RangeError, message: new RegExp(`^CachedVar "${v.name}": ctx\\.ttl must be a number of milliseconds >= 0`) });
      assert.ok(thrown instanceof RangeError, `thrown at the assignment for ${typeof bad}`);
      assert.is(v.state, "empty");
    }
  });

  test(`${ISSUE} #3 ctx.ttl travels through the shared tier: another isolate keeps the value for the load's lifetime`, async () => {
    const clock = fakeClock();
    const store = new Map();
    const shared = { read: async (k) => store.get(k) ?? null, write: async (k, text) => void store.set(k, text) };
    const name = fresh("tierttl");
    const a = new CachedVar(name, { ttl: 10_000, shared, clock });
    a.onFirstAccess(withTtl({ keys: 1 }, 100));
    await a.get();
    await sleep(0);
    assert.ok(/"l":100/.test(store.get(name)), `entry ${store.get(name)}`);
    const b = new CachedVar(name, { ttl: 10_000, shared, clock });
    let origin = 0;
    b.onFirstAccess(() => ++origin);
    assert.deepEqual(await b.get(), { keys: 1 });
    assert.is(origin, 0, "served from the tier");
    clock.advance(100);
    assert.is(b.state, "stale", "fresh for the entry's own 100 ms, not the var's 10 s");
  });

  test(`${ISSUE} #4 retryInterval: origin down, staleIfError set: 100 sequential get()s → 1 origin request, then one retry per interval`, async () => {
    const clock = fakeClock();
    const v = new CachedVar(fresh("backoff"), { ttl: 10, staleIfError: 60_000, retryInterval: 1000, clock });
    const origin = switchableOrigin(v, () => "keys");
    assert.is(await v.get(), "keys");
    origin.down = true;
    clock.advance(20);
    for (let i = 0; i < 100; i++) assert.is(await v.get(), "keys");
    assert.is(origin.calls, 2, "the first expired get() tried the origin; the 99 after it were served stale at once");
    clock.advance(999);
    assert.is(await v.get(), "keys");
    assert.is(origin.calls, 2);
    clock.advance(1);
    const retried = [];
    assert.is(await v.get({ waitUntil: (p) => retried.push(p) }), "keys", "served stale at once ...");
    assert.is(origin.calls, 3, "... while one retry runs");
    assert.is(retried.length, 1, "the retry is handed to waitUntil");
    await retried[0];
    origin.down = false;
    clock.advance(1000);
    assert.is(await v.get(), "keys");
    await sleep(0);
    assert.is(origin.calls, 4);
    assert.is(v.state, "fresh", "the successful retry ended the backoff");
  });

  test(`${ISSUE} #4 retryInterval after invalidate(): the reload it asked for fails, then callers get the dropped value at once and one retry runs per interval`, async () => {
    const clock = fakeClock();
    const v = new CachedVar(fresh("backoff-invalidated"), { ttl: 60_000, staleIfError: 600_000, retryInterval: 1000, clock });
    const origin = switchableOrigin(v, () => "keys");
    assert.is(await v.get(), "keys");
    origin.down = true;
    assert.is(v.invalidate(), true);
    assert.is(await v.get(), "keys", "the reload failed: the dropped value answers (stale-if-error)");
    assert.is(origin.calls, 2);
    for (let i = 0; i < 50; i++) assert.is(await v.get(), "keys");
    assert.is(origin.calls, 2, "no caller waited on the origin again within the interval");
    clock.advance(1000);
    const retried = [];
    assert.is(await v.get({ waitUntil: (p) => retried.push(p) }), "keys", "served the dropped value at once ...");
    assert.is(origin.calls, 3, "... while one retry runs in the background");
    assert.is(retried.length, 1);
    await retried[0];
    assert.is(v.peek(), undefined, "still nothing stored: the retry failed");
    origin.down = false;
    clock.advance(1000);
    const again = [];
    assert.is(await v.get({ waitUntil: (p) => again.push(p) }), "keys");
    await again[0];
    assert.is(origin.calls, 4);
    assert.is(v.state, "fresh", "the successful retry stored a value and ended the backoff");
    const s = v.stats();
    assert.deepEqual([s.loads, s.errors, s.staleServed], [4, 2, 53]);
  });

  test(`${ISSUE} #4 retryInterval within staleWhileRevalidate: a dead origin gets one background reload per interval, not one per get()`, async () => {
    const clock = fakeClock();
    const v = new CachedVar(fresh("backoff-swr"), { ttl: 60_000, staleWhileRevalidate: 60_000, staleIfError: 86_400_000, retryInterval: 5000, clock });
    const origin = switchableOrigin(v, () => "v1");
    assert.is(await v.get(), "v1");
    origin.down = true;
    clock.advance(61_000);
    const background = [];
    for (let i = 0; i < 10; i++) {
      assert.is(await v.get({ waitUntil: (p) => background.push(p) }), "v1");
      await Promise.all(background.splice(0)); // the reload (if any) fails before the next get()
    }
    assert.is(origin.calls, 2, "one failed background reload, then the backoff");
    clock.advance(5000);
    assert.is(await v.get({ waitUntil: (p) => background.push(p) }), "v1");
    await Promise.all(background.splice(0));
    assert.is(origin.calls, 3, "one retry per interval");
    assert.is(v.stats().errors, 2);
  });

  test(`${ISSUE} #4 retryInterval: invalidate() during a backoff still sends its reload to the origin (the unknown-key-id flow)`, async () => {
    const clock = fakeClock();
    const v = new CachedVar(fresh("backoff-then-invalidate"), { ttl: 60_000, staleIfError: 86_400_000, retryInterval: 60_000, clock });
    const origin = switchableOrigin(v, (n) => `keys${n}`);
    assert.is(await v.get(), "keys1");
    clock.advance(61_000);
    origin.down = true;
    assert.is(await v.get(), "keys1", "the failed reload serves the stale keys: the backoff starts");
    assert.is(await v.get(), "keys1");
    assert.is(origin.calls, 2);
    origin.down = false; // the origin is back, with rotated keys
    assert.is(v.invalidate(), true);
    assert.is(await v.get(), "keys3", "the reload invalidate() asked for went to the origin");
    assert.is(v.state, "fresh");
  });

  test(`${ISSUE} #4 retryInterval: invalidate() during a hung-origin backoff: its own get() waits for the reload it asked for, every other caller is served the dropped value at once`, async () => {
    // Found by a chaos pass on the JWKS example: one token with an unknown key id during an
    // outage held every request for the whole timeout (they all joined the reload).
    const clock = fakeClock();
    const v = new CachedVar(fresh("backoff-invalidate-hang"), { ttl: 60_000, staleIfError: 86_400_000, retryInterval: 60_000, clock });
    const { calls } = await loadedByHand(v, "keys1");
    clock.advance(61_000);
    const failing = v.get();
    calls[1].reject(new Error("origin down"));
    assert.is(await failing, "keys1", "the failed reload serves the stale keys: the backoff starts");
    assert.is(v.invalidate(), true);
    const asker = v.get();
    assert.is(calls.length, 3, "the invalidate's reload went to the origin at once");
    const others = await Promise.all(Array.from({ length: 5 }, () => v.get()));
    assert.deepEqual(others, Array(5).fill("keys1"), "callers while it runs are served the dropped value, not held");
    assert.is(calls.length, 3, "no other load");
    let settled = false;
    asker.then(() => (settled = true));
    await sleep(5);
    assert.is(settled, false, "the asker waits for its reload");
    calls[2].resolve("keys2");
    assert.is(await asker, "keys2");
    assert.is(await v.get(), "keys2");
  });

  test(`${ISSUE} #4 retryInterval: a hanging origin with a timeout: only the first caller waits for the timeout`, async () => {
    const v = new CachedVar(fresh("hang"), { ttl: 1, staleIfError: 60_000, timeout: 30, retryInterval: 60_000 });
    const { loader, calls } = manualLoader();
    v.onFirstAccess(loader);
    const first = v.get();
    calls[0].resolve("keys");
    await first;
    await sleep(5);
    const started = Date.now();
    assert.is(await v.get(), "keys", "the first caller waits for the timeout, then gets the stale value");
    assert.ok(Date.now() - started >= 25, "it did wait");
    const again = Date.now();
    for (let i = 0; i < 10; i++) assert.is(await v.get(), "keys");
    assert.ok(Date.now() - again < 25, `the next callers did not wait (${Date.now() - again} ms)`);
    assert.is(calls.length, 2);
    assert.is(v.stats().timeouts, 1);
  });

  test(`${ISSUE} #4 retryInterval: callers nothing stale covers still load, single-flight, errors never cached`, async () => {
    const clock = fakeClock();
    const v = new CachedVar(fresh("uncovered"), { ttl: 10, staleIfError: 100, retryInterval: 10_000, clock });
    const { loader, calls } = manualLoader();
    v.onFirstAccess(loader);
    const first = v.get();
    calls[0].resolve("a");
    await first;
    clock.advance(20);
    const failing = v.get();
    calls[1].reject(new Error("down"));
    assert.is(await failing, "a");
    clock.advance(200); // past staleIfError: nothing covers the callers
    const [x, y] = [v.get(), v.get()];
    assert.is(calls.length, 3, "one load for both callers");
    calls[2].reject(new Error("still down"));
    await assert.rejects(x, { message: /still down/ });
    await assert.rejects(y, { message: /still down/ });
    const z = v.get();
    assert.is(calls.length, 4, "the error was not cached");
    calls[3].resolve("b");
    assert.is(await z, "b");
  });

  test(`${ISSUE} #4 retryInterval: validated like the other durations; a MemoryCache passes it to its vars`, () => {
    assert.throws(() => new CachedVar(fresh("badretry"), { retryInterval: -1 }), { type: RangeError, message: /option retryInterval must be a number of milliseconds >= 0/ });
    assert.throws(() => new CachedVar(fresh("badretry"), { retryInterval: "5s" }), { type: TypeError, message: /option retryInterval must be a number/ });
    const cache = new MemoryCache({ retryInterval: 250 });
    assert.is(cache.memoryCachedVar(fresh("inherit")).options.retryInterval, 250);
    assert.is(new CachedVar(fresh("default")).options.retryInterval, 5000, "the documented default");
  });

  test(`${ISSUE} #5 onError: called once per failed load, foreground or background, with the error and { name, background, timedOut }`, async () => {
    const heard = [];
    const v = new CachedVar(fresh("onerror"), { ttl: 10, staleWhileRevalidate: 1000, timeout: 20, onError: (error, info) => heard.push([error, info]) });
    const { loader, calls } = manualLoader();
    v.onFirstAccess(loader);
    const boom = new Error("boom");
    const a = v.get();
    const b = v.get();
    calls[0].reject(boom);
    await assert.rejects(a, { is: boom });
    await assert.rejects(b, { is: boom });
    assert.is(heard.length, 1, "once per load, not per caller");
    assert.is(heard[0][0], boom);
    assert.deepEqual(heard[0][1], { name: v.name, background: false, timedOut: false });
    const c = v.get();
    calls[1].resolve("ok");
    await c;
    await sleep(15); // past ttl, within staleWhileRevalidate: the next get() revalidates in the background
    assert.is(await v.get(), "ok");
    await sleep(40); // the background reload times out
    assert.is(heard.length, 2);
    assert.is(heard[1][0].name, "TimeoutError");
    assert.deepEqual(heard[1][1], { name: v.name, background: true, timedOut: true });
  });

  test(`${ISSUE} #5 onError that throws or rejects never breaks the cache; a MemoryCache default applies to its vars`, async () => {
    const throwing = new CachedVar(fresh("throwing"), { onError: () => { throw new Error("observer broke"); } });
    let n = 0;
    throwing.onFirstAccess(() => {
      if (++n === 1) throw new Error("first");
      return "second";
    });
    await assert.rejects(throwing.get(), { message: /^first$/ });
    assert.is(await throwing.get(), "second");
    const rejecting = new CachedVar(fresh("rejecting"), { onError: async () => { throw new Error("async observer broke"); } });
    rejecting.onFirstAccess(() => Promise.reject(new Error("down")));
    await assert.rejects(rejecting.get(), { message: /^down$/ });
    await sleep(5); // an unhandled rejection would fail Node, Deno and Bun here
    const heard = [];
    const cache = new MemoryCache({ onError: (error, { name }) => heard.push(name) });
    const w = cache.memoryCachedVar(fresh("cached"));
    w.onFirstAccess(() => Promise.reject(new Error("x")));
    await assert.rejects(w.get());
    assert.deepEqual(heard, [w.name]);
    assert.throws(() => new CachedVar(fresh("badonerror"), { onError: 5 }), { type: TypeError, message: /option onError must be a function/ });
  });

  test(`${ISSUE} #5 onError also hears a value that could not be kept (the clock failed as it arrived)`, async () => {
    let bad = false;
    const clock = () => (bad ? NaN : 1000);
    const heard = [];
    const v = new CachedVar(fresh("lostvalue"), { clock, onError: (error) => heard.push(error) });
    const gate = deferred();
    v.onFirstAccess(() => gate.promise);
    const p = v.get();
    bad = true;
    gate.resolve("v");
    await assert.rejects(p, TypeError);
    assert.is(heard.length, 1);
    assert.ok(heard[0] instanceof TypeError);
  });
}
