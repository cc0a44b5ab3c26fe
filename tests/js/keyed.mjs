// Issue 12, items 1–2, in every runtime: a MemoryCache used by name (one loader for many names:
// get, peek, set, invalidate, delete, has, size, stats), and memory bounded by maxEntries — a
// name the bound drops gives back its var and its core slot, and a var a user still holds for a
// dropped or deleted name keeps working (it is the one var of its name while held).

const ISSUE = "issue 12";

export function registerKeyedTests(test, api, { assert, deferred, fakeClock }) {
  const { MemoryCache } = api;

  // A cache whose loader answers `${name}#${n}` (n counts loads per name), with hand-settled
  // loads when `manual` is set.
  function keyed(options = {}, manual = false) {
    const loads = new Map();
    const pending = [];
    const cache = new MemoryCache({
      ...options,
      onFirstAccess: (ctx) => {
        const n = (loads.get(ctx.name) ?? 0) + 1;
        loads.set(ctx.name, n);
        const value = `${ctx.name}#${n}`;
        if (!manual) return value;
        const d = deferred();
        pending.push({ name: ctx.name, value, d });
        return d.promise;
      },
    });
    return { cache, loads, pending, total: () => [...loads.values()].reduce((a, b) => a + b, 0) };
  }

  test(`${ISSUE} #1 keyed get(name): one loader for many names, ctx.name says which; a warm get() is a hit`, async () => {
    const { cache, loads } = keyed();
    assert.is(await cache.get("iss-a"), "iss-a#1");
    assert.is(await cache.get("iss-b"), "iss-b#1");
    assert.is(await cache.get("iss-a"), "iss-a#1");
    assert.is(loads.get("iss-a"), 1, "one load per name");
    const s = cache.stats();
    assert.deepEqual([s.hits, s.misses, s.loads], [1, 2, 2], "stats() totals over the names");
  });

  test(`${ISSUE} #1 keyed warm hits of a value that never expires count in a held var's and the cache's stats, across set, invalidate, delete; those of a name no user holds (served by the cache's index) in the cache's`, async () => {
    const { cache } = keyed();
    const v = cache.memoryCachedVar("n");
    const hits = () => [v.stats().hits, cache.stats().hits];
    await cache.get("n"); // miss, load
    await cache.get("n");
    await cache.get("n");
    assert.deepEqual(hits(), [2, 2], "two keyed hits");
    await v.get();
    assert.deepEqual(hits(), [3, 3], "the var's own hit adds to the same count");
    cache.set("n", "set-n");
    assert.is(await cache.get("n"), "set-n", "a new value is served by name at once");
    assert.deepEqual(hits(), [4, 4], "the count of the replaced value is kept");
    assert.is(cache.invalidate("n"), true);
    assert.is(await cache.get("n"), "n#2", "after invalidate, a keyed get() loads again");
    assert.is(await cache.get("n"), "n#2");
    assert.deepEqual(hits(), [5, 5]);
    const s = cache.stats();
    assert.deepEqual([s.misses, s.loads], [2, 2]);
    assert.is(cache.delete("n"), true);
    assert.is(await cache.get("n"), "n#3", "after delete, loads afresh");
    assert.is(cache.stats().hits, 5, "totals keep the forgotten name's hits");
    cache.set("w", "set-w");
    assert.is(await cache.get("w"), "set-w");
    assert.is(await cache.get("w"), "set-w");
    assert.is(cache.stats().hits, 7, "hits of a name no user holds");
    cache.set("w", "set-w2");
    assert.is(await cache.get("w"), "set-w2", "a replaced value is served by name at once");
    assert.is(cache.invalidate("w"), true);
    assert.is(await cache.get("w"), "w#1", "after invalidate, a keyed get() of it loads");
    assert.is(cache.delete("w"), true);
    assert.is(await cache.get("w"), "w#2", "after delete, loads afresh");
    assert.is(await cache.get("w"), "w#2");
    const s2 = cache.stats();
    assert.deepEqual([s2.hits, s2.misses, s2.loads], [9, 5, 5], "totals keep the deleted name's counts");
  });

  test(`${ISSUE} #1 a caller that freezes the promise a warm get(name) gave it breaks nothing: later hits are served and counted`, async () => {
    const { cache, loads } = keyed();
    await cache.get("f");
    const p = cache.get("f");
    Object.freeze(p);
    assert.is(await p, "f#1");
    assert.is(await cache.get("f"), "f#1");
    assert.is(await cache.get("f"), "f#1");
    assert.is(loads.get("f"), 1, "no reload");
    assert.is(cache.stats().hits, 3);
  });

  test(`${ISSUE} #1 keyed calls on a name no user holds, then memoryCachedVar(name): the cache's stats() keep every count; the var's count from that first hand-out on, hits included`, async () => {
    const { cache } = keyed();
    await cache.get("u"); // miss, load
    await cache.get("u");
    await cache.get("u"); // two hits, served by the cache's index
    const before = cache.stats();
    assert.deepEqual([before.hits, before.misses, before.loads], [2, 1, 1]);
    const v = cache.memoryCachedVar("u");
    assert.deepEqual(v.stats(), { hits: 0, misses: 0, loads: 0, errors: 0, staleServed: 0, timeouts: 0, coalesced: 0, cooldownSkips: 0 }, "nothing yet since it was handed out");
    assert.is(cache.memoryCachedVar("u"), v, "same var on the next look-up");
    await cache.get("u");
    await v.get();
    assert.is(v.invalidate(), true);
    assert.is(await cache.get("u"), "u#2");
    const s = v.stats();
    assert.deepEqual([s.hits, s.misses, s.loads], [2, 1, 1], "a held var sees the keyed hits too");
    const total = cache.stats();
    assert.deepEqual([total.hits, total.misses, total.loads], [4, 2, 2], "the totals lost nothing");
  });

  test(`${ISSUE} #1 user code run inside set(name, value) (a then getter of the value) that deletes the name and asks for it again: still one var for the name, so get, peek and size agree`, async () => {
    const { cache } = keyed();
    let inner;
    const value = {
      get then() {
        if (inner === undefined) {
          cache.delete("k");
          inner = cache.get("k"); // a load that began before set() stored: it cannot overwrite
        }
        return undefined;
      },
    };
    cache.set("k", value);
    assert.is(await inner, "k#1", "the inner get() gets its load's value");
    assert.is(cache.peek("k"), value, "set() stored last");
    assert.is(await cache.get("k"), value, "get(name) serves what peek(name) shows");
    assert.is(cache.size, 1, "one name, one value held");
    assert.is(cache.memoryCachedVar("k").peek(), value);
  });

  test(`${ISSUE} #1 user code run inside get(name, options) (a getter of its options) that deletes the name and asks for it again: one var, one load, every get() counted`, async () => {
    const { cache, loads } = keyed({ ttl: 60_000 });
    let inner;
    await cache.get("g");
    cache.invalidate("g"); // the next get() decides in the core (no warm hit)
    const options = {
      get signal() {
        if (inner === undefined) {
          cache.delete("g");
          inner = cache.get("g");
        }
        return undefined;
      },
    };
    const outer = cache.get("g", options);
    assert.is(await inner, "g#2");
    assert.is(await outer, "g#2", "the outer get() joined the inner one's load");
    assert.is(loads.get("g"), 2, "one load after the delete");
    assert.is(await cache.get("g"), "g#2");
    assert.is(cache.size, 1);
    const s = cache.stats();
    assert.is(s.hits + s.misses, 4, "every get() counted once");
    assert.is(cache.memoryCachedVar("g").peek(), "g#2");
  });

  test(`${ISSUE} #1 keyed get(name): a cold stampede on one name is one load; other names load on their own`, async () => {
    const { cache, loads, pending } = keyed({}, true);
    const a = Array.from({ length: 50 }, () => cache.get("a"));
    const b = cache.get("b");
    assert.is(pending.length, 2, "one load each");
    for (const p of pending) p.d.resolve(p.value);
    assert.deepEqual(await Promise.all(a), Array(50).fill("a#1"));
    assert.is(await b, "b#1");
    assert.is(loads.get("a"), 1);
  });

  test(`${ISSUE} #1 peek/has/size/set: peek never loads or counts; set() stores as if loaded`, async () => {
    const { cache, total } = keyed();
    assert.is(cache.peek("x"), undefined);
    assert.is(cache.has("x"), false);
    assert.is(cache.size, 0);
    assert.is(cache.set("x", "set-x"), cache, "set() returns the cache");
    assert.is(cache.peek("x"), "set-x");
    assert.is(cache.has("x"), true);
    assert.is(cache.size, 1);
    assert.is(await cache.get("x"), "set-x");
    assert.is(total(), 0, "nothing loaded");
    assert.is(cache.stats().hits, 1, "peek counted nothing, the get() a hit");
  });

  test(`${ISSUE} #1 invalidate(name): true when it took effect, false for an unknown name or under cooldown`, async () => {
    const clock = fakeClock();
    const { cache } = keyed({ clock, cooldown: 100 });
    assert.is(cache.invalidate("never-seen"), false);
    assert.is(await cache.get("k"), "k#1");
    clock.advance(100);
    assert.is(cache.invalidate("k"), true);
    assert.is(cache.has("k"), false);
    assert.is(cache.invalidate("k"), false, "within the cooldown window");
    assert.is(await cache.get("k"), "k#2");
  });

  test(`${ISSUE} #1 delete(name): forgets value, stale fallback and cooldown; the next get() loads afresh; true if a value was stored`, async () => {
    const clock = fakeClock();
    const { cache, loads } = keyed({ clock, cooldown: 1000, staleIfError: 10_000 });
    assert.is(await cache.get("d"), "d#1");
    assert.is(cache.delete("d"), true);
    assert.is(cache.has("d"), false);
    assert.is(cache.peek("d"), undefined);
    assert.is(cache.delete("d"), false, "nothing stored any more");
    assert.is(cache.delete("unknown"), false);
    assert.is(await cache.get("d"), "d#2", "loads afresh at once (no cooldown carried over)");
    assert.is(loads.get("d"), 2);
  });

  test(`${ISSUE} #1 delete(name) while its load runs: that load stores nothing (its callers still get it); the next get() starts a new load`, async () => {
    const { cache, pending } = keyed({}, true);
    const before = cache.get("r");
    assert.is(cache.delete("r"), false, "nothing stored yet");
    const after = cache.get("r");
    assert.is(pending.length, 2, "a get() after delete() does not join the older load");
    pending[0].d.resolve(pending[0].value);
    assert.is(await before, "r#1", "the older load's caller gets its value");
    assert.is(cache.peek("r"), undefined, "but it is not stored");
    pending[1].d.resolve(pending[1].value);
    assert.is(await after, "r#2");
    assert.is(cache.peek("r"), "r#2");
  });

  test(`${ISSUE} #1 memoryCachedVar(name) shares the keyed entry; a var's own loader overrides the cache's`, async () => {
    const { cache } = keyed();
    const v = cache.memoryCachedVar("shared");
    assert.is(await cache.get("shared"), "shared#1");
    assert.is(v.peek(), "shared#1", "the same entry");
    const own = cache.memoryCachedVar("own");
    own.onFirstAccess(() => "own loader");
    assert.is(await cache.get("own"), "own loader");
  });

  test(`${ISSUE} #1 bad input: a name that is not a non-empty string is a clear TypeError (get rejects, never throws); nothing cached is lost`, async () => {
    const { cache } = keyed();
    assert.is(await cache.get("keep"), "keep#1");
    for (const bad of [undefined, null, 5, "", {}, Symbol("s")]) {
      const p = cache.get(bad);
      assert.ok(p instanceof Promise, "get() returns a promise");
      await assert.rejects(p, { type: TypeError, message: /MemoryCache get\(name\): name must be a non-empty string/ });
      assert.throws(() => cache.set(bad, 1), { type: TypeError, message: /MemoryCache set\(name\)/ });
      assert.is(cache.has(bad), false);
      assert.is(cache.delete(bad), false);
    }
    assert.throws(() => new MemoryCache({ onFirstAccess: 42 }), { type: TypeError, message: /option onFirstAccess must be a loader function/ });
    assert.is(await cache.get("keep"), "keep#1", "still cached");
    const none = new MemoryCache();
    await assert.rejects(none.get("x"), /no loader is registered; call onFirstAccess\(loader\) on the var first, or give its MemoryCache an onFirstAccess option/);
  });

  test(`${ISSUE} #2 maxEntries bounds names, not just values: dropped names leave the cache; stats() keeps their counts`, async () => {
    const { cache, total } = keyed({ maxEntries: 10 });
    for (let i = 0; i < 500; i++) assert.is(await cache.get(`n${i}`), `n${i}#1`);
    assert.is(cache.size, 10);
    assert.is(cache.has("n0"), false, "the oldest names were dropped");
    assert.is(cache.has("n499"), true);
    const s = cache.stats();
    assert.deepEqual([s.misses, s.loads], [500, 500], "counts of dropped names are kept in the totals");
    assert.is(total(), 500);
    assert.is(await cache.get("n0"), "n0#2", "a dropped name loads again");
  });

  test(`${ISSUE} #2 a var held for a dropped name keeps working: same object, reloads on its next get(), its stats carry on`, async () => {
    const { cache } = keyed({ maxEntries: 2 });
    const held = cache.memoryCachedVar("held");
    assert.is(await held.get(), "held#1");
    for (let i = 0; i < 5; i++) await cache.get(`other${i}`);
    assert.is(held.peek(), undefined, "its value was evicted");
    assert.is(held.state, "empty");
    assert.is(cache.memoryCachedVar("held"), held, "still the one var of its name");
    assert.is(await cache.get("held"), "held#2", "the keyed API finds the same var");
    assert.is(held.peek(), "held#2");
    assert.is(await held.get(), "held#2");
    const s = held.stats();
    assert.deepEqual([s.hits, s.misses, s.loads], [1, 2, 2], "its counters span the drop");
    assert.is(held.invalidate(), true);
    assert.is(await held.get(), "held#3");
  });

  test(`${ISSUE} #2 a var held for a deleted name keeps working: the next get() loads afresh`, async () => {
    const { cache } = keyed();
    const v = cache.memoryCachedVar("del");
    assert.is(await v.get(), "del#1");
    assert.is(cache.delete("del"), true);
    assert.is(v.peek(), undefined);
    assert.is(await v.get(), "del#2");
    assert.is(cache.get("del") instanceof Promise, true);
    assert.is(await cache.get("del"), "del#2", "one var for the name");
  });

  test(`${ISSUE} #2 names that never load are dropped too (a refused get(), a var looked up and left), whatever the cooldown`, async () => {
    const { cache } = keyed({ maxEntries: 2, cooldown: 60_000 });
    await assert.rejects(cache.get("refused", { signal: AbortSignal.abort() }), { name: "AbortError" });
    const cooling = cache.memoryCachedVar("cooling");
    assert.is(await cooling.get(), "cooling#1");
    assert.is(cooling.invalidate(), false, "within the cooldown window of its store");
    for (let i = 0; i < 10; i++) await cache.get(`other${i}`);
    assert.is(cache.invalidate("refused"), false, "forgotten: unknown again");
    assert.is(cooling.peek(), undefined, "evicted");
    assert.is(cooling.invalidate(), true, "forgotten while in its window: the held var starts afresh");
    assert.is(await cooling.get(), "cooling#2");
  });

  test(`${ISSUE} #1 custom storage: a held var of a deleted name still counts its hits; has/peek/get agree`, async () => {
    const map = new Map();
    const storage = { get: (n) => (map.has(n) ? map.get(n) : api.NO_VALUE_STORED), set: (n, v) => (v === api.NO_VALUE_STORED ? map.delete(n) : map.set(n, v)) };
    const cache = new MemoryCache({ onFirstAccess: ({ name }) => `loaded ${name}` });
    const v = cache.memoryCachedVar("s", { storage });
    assert.is(await v.get(), "loaded s");
    assert.is(cache.delete("s"), true);
    map.set("s", "from elsewhere");
    for (let i = 0; i < 3; i++) assert.is(await v.get(), "from elsewhere");
    assert.is(cache.has("s"), true);
    assert.is(cache.peek("s"), "from elsewhere");
    const st = v.stats();
    assert.is(st.hits + st.misses, 4, "every get() is a hit or a miss");
    assert.is(st.hits, 3);
  });

  test(`${ISSUE} #1 cache.get passed as a callback (unbound) rejects with a clear TypeError, never throws`, async () => {
    const { cache } = keyed();
    const get = cache.get;
    const p = get("x");
    assert.ok(p instanceof Promise);
    await assert.rejects(p, { type: TypeError, message: /MemoryCache get\(\) was called on undefined, not on a MemoryCache/ });
  });

  test(`${ISSUE} #2 a name whose load failed holds nothing in a bounded cache and is dropped; errors are not cached`, async () => {
    let fail = true;
    const cache = new MemoryCache({
      maxEntries: 5,
      onFirstAccess: ({ name }) => {
        if (fail) throw new Error(`origin down for ${name}`);
        return name;
      },
    });
    for (let i = 0; i < 100; i++) await assert.rejects(cache.get(`f${i}`), /origin down for f/);
    assert.is(cache.size, 0);
    assert.is(cache.stats().errors, 100);
    fail = false;
    assert.is(await cache.get("f0"), "f0");
  });

  // Option getters are user code run while memoryCachedVar() reads the options (the README: "an
  // option returned by a getter counts"); what they do to the cache must not split a name in two
  // or confuse the core (one such sequence once trapped the wasm: every cache of the isolate lost).
  test(`${ISSUE} #1 an option getter that uses the cache while a new var is made: the new var still belongs to the cache (its loader, its bound), and nothing traps`, async () => {
    const cache = new MemoryCache({ maxEntries: 2, onFirstAccess: ({ name }) => `${name}!` });
    const a = cache.memoryCachedVar("a", {
      get ttl() {
        cache.set("b", "B");
        return undefined;
      },
    });
    assert.is(await a.get(), "a!", "the cache's loader serves the var made while the getter ran");
    assert.is(await cache.get("a"), "a!");
    const b = cache.memoryCachedVar("b");
    assert.is(b.peek(), "B");
    assert.is(cache.delete("b"), true);
    b.set(1);
    assert.is(b.invalidate(), true);
    await b.get();
    cache.set("d", 1);
    cache.set("e", 1);
    cache.set("f", 1);
    assert.ok(cache.size <= 2, `size ${cache.size} within maxEntries 2`);
    for (const n of ["a", "b", "d", "e", "f"]) assert.is(cache.peek(n), cache.memoryCachedVar(n).peek(), `${n}: the cache and its var agree`);
    // A standalone var made inside a getter stays standalone.
    let standalone;
    cache.memoryCachedVar("g", {
      get ttl() {
        standalone = new api.CachedVar("alone");
        return undefined;
      },
    });
    standalone.set("mine");
    assert.is(cache.peek("alone"), undefined, "not a name of the cache");
    assert.is(await standalone.get(), "mine");
  });

  test(`${ISSUE} #1 an option getter that makes a var of the very name being made: memoryCachedVar() throws a TypeError saying so, and the name keeps one var`, async () => {
    const cache = new MemoryCache({ onFirstAccess: ({ name }) => `loaded ${name}` });
    assert.throws(
      () =>
        cache.memoryCachedVar("a", {
          get ttl() {
            cache.set("a", "inner");
            return undefined;
          },
        }),
      { type: TypeError, message: /memoryCachedVar\("a", options\): reading the options made a var of the same name meanwhile/ },
    );
    const v = cache.memoryCachedVar("a");
    assert.is(await cache.get("a"), "inner", "the value set inside the getter is kept");
    assert.is(v.peek(), "inner");
    assert.is(cache.delete("a"), true);
    assert.is(cache.has("a"), false);
    assert.is(await cache.get("a"), "loaded a", "after delete, loads afresh");
    assert.is(await v.get(), "loaded a", "the var agrees");
    assert.is(cache.size, 1);
  });

  test(`${ISSUE} #1 an option getter of a look-up that deletes the name: the var handed out is the name's one var`, async () => {
    const cache = new MemoryCache({ onFirstAccess: ({ name }) => `loaded ${name}` });
    await cache.get("a");
    const v = cache.memoryCachedVar("a", {
      get ttl() {
        cache.delete("a");
        return undefined;
      },
    });
    assert.is(cache.memoryCachedVar("a"), v, "the same object on the next look-up");
    cache.set("a", "X");
    assert.is(v.peek(), "X");
    assert.is(await v.get(), "X");
    v.set("Y");
    assert.is(cache.peek("a"), "Y");
    assert.is(await cache.get("a"), "Y");
  });

  test(`${ISSUE} #1 a loader is called as a plain function: its this is undefined, not the var`, async () => {
    let seen = "unset";
    const cache = new MemoryCache({
      onFirstAccess: function () {
        seen = this;
        return 1;
      },
    });
    await cache.get("n");
    assert.is(seen, undefined);
  });

  test(`${ISSUE} #1 a var first handed out after keyed calls keeps its shared-tier counters (the cache does not total them)`, async () => {
    const entries = new Map();
    const shared = { read: (name) => entries.get(name) ?? null, write: (name, text) => void entries.set(name, text) };
    const cache = new MemoryCache({ shared, onFirstAccess: ({ name }) => ({ name }) });
    assert.deepEqual(await cache.get("a"), { name: "a" });
    await new Promise((resolve) => setTimeout(resolve, 10)); // (the tier is written behind)
    assert.ok(entries.has("a"), "written to the tier");
    const s = cache.memoryCachedVar("a").stats();
    assert.deepEqual([s.hits, s.misses, s.loads], [0, 0, 0], "the eight counters start at the hand-out");
    assert.deepEqual([s.sharedMisses, s.sharedWrites], [1, 1], "the tier's counters since creation");
  });
}
