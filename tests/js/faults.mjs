// Issue 11's scenarios, one named test each, run in every runtime by the suite: faults and
// re-entrant calls between a decision of the core and the JS layer carrying it out. (Scenario 3
// and 10 need requests of real workerd: tests/workerd/request-safety.mjs. 5, 6 and 8 have files
// of their own.) Each test drives the package by its public API only.

const ISSUE = "issue 11";

export function registerFaultTests(test, api, { assert, deferred, fakeClock, sleep, fresh, manualLoader }) {
  const { CachedVar, MemoryCache } = api;

  // A clock that fails (returns `bad`, or throws it if it is an Error) on its next read only.
  function flakyClock(clock) {
    let fault;
    const flaky = () => {
      if (fault === undefined) return clock();
      const f = fault;
      fault = undefined;
      if (f instanceof Error) throw f;
      return f;
    };
    flaky.failNext = (bad) => {
      fault = bad;
    };
    flaky.advance = clock.advance;
    return flaky;
  }

  for (const [how, bad] of [
    ["returns NaN", NaN],
    ["throws", new Error("clock broke")],
  ]) {
    for (const outcome of ["resolves", "rejects"]) {
      test(`${ISSUE} #1: the clock ${how} once as a load ${outcome}: that call reports it, the var keeps serving, the next get() works`, async () => {
        const clock = flakyClock(fakeClock());
        // retryInterval 0: while the origin fails, every get() may start a background retry.
        const v = new CachedVar(fresh("clockfault"), { ttl: 10, staleIfError: 1000, retryInterval: 0, clock });
        const { loader, calls } = manualLoader();
        v.onFirstAccess(loader);
        const first = v.get();
        calls[0].resolve("a");
        assert.is(await first, "a");
        clock.advance(20); // stale: the next get() reloads (no staleWhileRevalidate)
        const during = v.get();
        clock.failNext(bad);
        if (outcome === "resolves") calls[1].resolve("b");
        else calls[1].reject(new Error("origin down"));
        await assert.rejects(during, (outcome === "resolves" ? (bad instanceof Error ? { is: bad } : { type: TypeError, message: /clock must return a finite number/ }) : { message: /origin down/ }));
        assert.is(v.peek(), "a", "the stored value is kept");
        // Healthy again: the var is not wedged. Stale within staleIfError, so a failing reload
        // serves "a" (at once, once the origin counts as failing); a working one stores its value.
        const next = v.get();
        assert.is(calls.length, 3, "the next get() started a new load at once");
        calls[2].reject(new Error("still down"));
        assert.is(await next, "a", "served stale, as staleIfError allows");
        assert.is(await v.get(), "a", "the origin is failing: served stale at once");
        assert.is(calls.length, 4, "... while a retry runs in the background");
        calls[3].resolve("c");
        await sleep(0);
        assert.is(await v.get(), "c", "the retry stored its value");
      });
    }
  }

  test(`${ISSUE} #2: a loader that invalidates its own var before its first await: a get() after that invalidate waits for a newer load`, async () => {
    const v = new CachedVar(fresh("selfinvalidate"));
    let n = 0;
    const gates = [deferred(), deferred()];
    v.onFirstAccess(async () => {
      const mine = n++;
      if (mine === 0) v.invalidate();
      await gates[mine].promise;
      return `load ${mine}`;
    });
    const before = v.get();
    const after = v.get();
    assert.is(n, 2, "the get() after the invalidate started load 2 instead of joining the fenced load");
    gates[1].resolve();
    assert.is(await after, "load 1");
    gates[0].resolve();
    assert.is(await before, "load 0", "the caller from before the invalidate gets its own load's value");
    assert.is(v.getStoredValue(), "load 1", "the fenced load stored nothing");
  });

  test(`${ISSUE} #4: a loader calling get() on its own var is refused clearly with a shared tier too (no deadlock)`, async () => {
    const shared = { read: async () => null, write: async () => {} };
    const v = new CachedVar(fresh("selfget-shared"), { shared });
    let inner;
    v.onFirstAccess(() => {
      inner = v.get();
      inner.catch(() => {});
      return "outer";
    });
    assert.is(await v.get(), "outer");
    await assert.rejects(inner, { message: /get\(\) was called while this var's load was starting/ });
  });

  test(`${ISSUE} #7: the default clock absorbs a wall-clock step back: freshness counts real elapsed time`, async () => {
    const realNow = Date.now;
    let wall = realNow();
    const v = new CachedVar(fresh("wallstep"), { ttl: 60_000 });
    let loads = 0;
    v.onFirstAccess(() => ++loads);
    try {
      Date.now = () => wall;
      assert.is(await v.get(), 1);
      wall += 40_000; // 40 s pass ...
      assert.is(v.state, "fresh");
      wall -= 3_600_000; // ... the wall clock steps back an hour ...
      assert.is(v.state, "fresh", "the step back is absorbed");
      wall += 19_999; // ... and 20 s pass: 59.999 s of real time since the store
      assert.is(v.state, "fresh");
      wall += 1;
      assert.is(v.state, "stale", "stale after 60 s of elapsed time, not an hour and a minute later");
      wall += 86_400_000; // a step forward only makes a value expire early, never late
      assert.is(await v.get(), 2);
      assert.is(v.state, "fresh");
      // Jitter (a reading up to 1 s behind the last) is waited out, never turned into an offset:
      // the clock must not run ahead of the wall (workerd times timer callbacks this way).
      const stored = wall;
      wall -= 500;
      assert.is(v.state, "fresh");
      wall = stored + 59_999;
      assert.is(v.state, "fresh", "no offset gained from the jitter");
      wall = stored + 60_000;
      assert.is(v.state, "stale");
    } finally {
      Date.now = realNow;
    }
  });

  test(`${ISSUE} #7: an injected clock that steps back before the store time: the value counts as expired, every window agrees`, async () => {
    const clock = fakeClock(1000);
    const v = new CachedVar(fresh("stepback"), { ttl: 100, staleWhileRevalidate: 100, staleIfError: 100, cooldown: 100, clock });
    const { loader, calls } = manualLoader();
    v.onFirstAccess(loader);
    const first = v.get();
    calls[0].resolve("a");
    assert.is(await first, "a");
    clock.set(950); // before the store: past every window
    assert.is(v.state, "stale", "not fresh");
    const during = v.get();
    assert.is(calls.length, 2, "a get() reloads and waits (not served stale within staleWhileRevalidate)");
    calls[1].reject(new Error("down"));
    await assert.rejects(during, { message: /down/ }, "staleIfError does not cover it");
    v.invalidate();
    assert.is(v.stats().cooldownSkips, 0, "the cooldown window is over too");
    // Time moving on from the store again: a value set then is fresh for its ttl.
    clock.set(1000);
    v.set("b");
    clock.set(1050);
    assert.is(await v.get(), "b");
  });

  test(`${ISSUE} #9: callers that abort while a load hangs are let go at once and no longer count as waiting (memory: tests/fuzz)`, async () => {
    const clock = fakeClock();
    const v = new CachedVar(fresh("abortleak"), { ttl: 10, staleIfError: 1000, clock });
    const { loader, calls } = manualLoader();
    v.onFirstAccess(loader);
    const first = v.get();
    calls[0].resolve("a");
    await first;
    clock.advance(20);
    const aborted = [];
    for (let i = 0; i < 50; i++) {
      const c = new AbortController();
      const p = v.get({ signal: c.signal });
      c.abort(new Error(`gave up ${i}`));
      aborted.push(p);
    }
    for (const p of aborted) await assert.rejects(p, { message: /gave up/ });
    const waiting = v.get();
    calls[1].reject(new Error("down"));
    assert.is(await waiting, "a");
    assert.is(v.stats().staleServed, 1, "the 50 callers that aborted are not counted as waiting");
  });

  test(`${ISSUE} #11: every get() is a hit or a miss, including those refused before any decision`, async () => {
    const v = new CachedVar(fresh("counting"));
    let gets = 0;
    const get = (options) => {
      gets++;
      return v.get(options).catch((error) => error);
    };
    await get(); // no loader yet
    await get({ signal: AbortSignal.abort() }); // signal already aborted
    await get({ signal: 5 }); // bad options
    let inner;
    v.onFirstAccess(() => {
      inner = get(); // own-var guard
      return 1;
    });
    await get();
    await inner;
    await get(); // a hit
    const { hits, misses } = v.stats();
    assert.is(hits + misses, gets, `hits ${hits} + misses ${misses}`);
    assert.is(hits, 1);
  });

  test(`${ISSUE} #11: B's loader calling A.get() while A is starting names A, and says it came through another loader`, async () => {
    const cache = new MemoryCache();
    const a = cache.memoryCachedVar(fresh("A"));
    const b = cache.memoryCachedVar(fresh("B"));
    let seen;
    b.onFirstAccess(() => a.get().catch((error) => (seen = error)));
    a.onFirstAccess(async () => {
      await b.get();
      return "a";
    });
    assert.is(await a.get(), "a");
    assert.ok(seen instanceof Error, "A.get() from B's loader was refused");
    assert.ok(seen.message.startsWith(`CachedVar ${JSON.stringify(a.name)}: get() was called while this var's load was starting`), seen.message);
    assert.ok(/another var's loader/.test(seen.message), seen.message);
  });

  test(`${ISSUE}: a signal-like object whose removeEventListener is missing or throws never crashes the process or hangs a get() (found by a newcomer)`, async () => {
    const v = new CachedVar(fresh("fakesignal"));
    v.onFirstAccess(() => 1);
    assert.is(await v.get(), 1);
    await assert.rejects(v.get({ signal: { aborted: false, addEventListener() {} } }), { type: TypeError, message: /option signal must be an AbortSignal/ });
    const throwing = { aborted: false, addEventListener() {}, removeEventListener() { throw new Error("nope"); } };
    assert.is(await v.get({ signal: throwing }), 1, "a cached value is served");
    const w = new CachedVar(fresh("fakesignal-load"));
    const gate = deferred();
    w.onFirstAccess(() => gate.promise);
    const p = w.get({ signal: throwing });
    gate.resolve(2);
    assert.is(await p, 2, "a loaded value is served");
  });

  test(`${ISSUE}: get() refuses an unknown option key, as the constructors do`, async () => {
    const v = new CachedVar(fresh("getoptions"));
    v.onFirstAccess(() => 1);
    await assert.rejects(v.get({ waitUntill: () => {} }), { type: TypeError, message: new RegExp(`^CachedVar "${v.name}": get\\(\\) has no option "waitUntill"`) });
    const inherited = Object.create({ extra: 1 });
    assert.is(await v.get(inherited), 1, "only own keys are checked");
    assert.is(v.stats().misses + v.stats().hits, 2);
  });

  test(`${ISSUE}: a stale-while-revalidate get() whose background loader invalidates the var at once still gets the stale value (found by the package fuzzer)`, async () => {
    const clock = fakeClock();
    const v = new CachedVar(fresh("swr-invalidate"), { ttl: 10, staleWhileRevalidate: 1000, clock });
    let n = 0;
    v.onFirstAccess(() => {
      if (++n === 2) v.invalidate();
      return `v${n}`;
    });
    assert.is(await v.get(), "v1");
    clock.advance(20);
    assert.is(await v.get(), "v1", "served the stale value it was decided on, not undefined");
  });

  test(`${ISSUE}: a waitUntil that calls back into the var while its load starts neither wedges nor doubles the load`, async () => {
    const v = new CachedVar(fresh("reentrant-waituntil"));
    let loads = 0;
    v.onFirstAccess(() => ++loads);
    let inner;
    const outer = v.get({
      waitUntil: () => {
        inner = v.get().catch((error) => error);
        v.invalidate();
      },
    });
    assert.is(await outer, 1);
    assert.ok((await inner) instanceof Error, "the re-entrant get() was refused by the own-var guard");
    assert.is(await v.get(), 2, "the invalidate made during set-up fenced load 1; the next get() loaded again");
    await sleep(0);
    assert.is(loads, 2);
  });
}
