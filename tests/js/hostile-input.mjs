// Hostile input (issue 7): every public entry point given every kind of bad input — wrong types,
// symbols, BigInts, Proxies that throw on every trap, revoked Proxies, throwing getters, absurd
// numbers, broken clocks and storages, loaders and transforms that misbehave or call back in,
// detached methods, huge and odd names, calls made with no stack left. Each gives a clear error
// (TypeError/RangeError naming the var and the problem), the caller's own error unchanged, or a
// defined behaviour; and afterwards the vars hit at the start (one in GLOBAL_CACHE) still serve
// their values without reloading, and a fresh var still loads — the wasm instance is intact.
//
// `CASES` is the data of the bad-input table of docs/bad-input.md (tests/js/hostile-input-table.mjs prints it
// from real calls); registerHostileInputTests(test, api, assert) registers the checks in the
// shared suite, so they run in every runtime. `api` is the package's exports.

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A Proxy whose every trap throws `error`. */
export function explosive(target = {}, error = new Error("hostile trap")) {
  const handler = new Proxy({}, { get: () => () => { throw error; } });
  return new Proxy(target, handler);
}

function revoked() {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

const HUGE_NAME = "n".repeat(1 << 20);

// The runtime's own message for these differs by engine; the type is the contract.
const ANY = /[^]*/;

const BAD_NAMES = [
  ["a number", 42, /got 42/],
  ["the empty string", "", /got ""/],
  ["a Symbol", Symbol("s"), /got a symbol/],
  ["a BigInt", 5n, /got a bigint/],
  ["a String object", new String("x"), /got an object/],
  ["an array", ["x"], /got an array/],
  ["null", null, /got null/],
  ["a Proxy that throws on every trap", explosive(), /got an object/],
  ["a revoked Proxy", revoked(), /got a revoked Proxy/],
];

// A clock that works while the value is stored, then returns `reading` (get() takes its fast path).
function brokenClock(CachedVar, reading) {
  let now = 1000;
  const v = new CachedVar("x", { ttl: 100, clock: () => now });
  v.set("kept");
  now = reading;
  return v;
}

const BAD_READINGS = [
  ["returns NaN", NaN, /got NaN/],
  ["returns Infinity", Infinity, /got Infinity/],
  ["returns a string", "soon", /got "soon"/],
  ["returns a BigInt", 5n, /got a bigint/],
  ["returns a Symbol", Symbol("t"), /got a symbol/],
];
const clockError = (got) => new RegExp(`CachedVar "x": option clock must return a finite number of milliseconds, ${got.source}`);

/**
 * Each case: `entry` and `input` (what the table shows), `run(api, boom)` (makes the call; `boom`
 * is an error the hostile input may throw), and what must happen:
 *   ["throws" | "rejects", ErrorType, /message/]   a clear error (["rejects", undefined]: undefined)
 *   ["throws-own" | "rejects-own"]                 the input's own error (`boom`), unchanged
 *   ["returns" | "resolves", (v) => ok, "what"]    a defined result
 */
export const CASES = [
  ...BAD_NAMES.map(([input, name, got]) => ({ entry: "new CachedVar(name)", input, run: ({ CachedVar }) => new CachedVar(name), expect: ["throws", TypeError, new RegExp(`CachedVar name must be a non-empty string, ${got.source}`)] })),
  ...BAD_NAMES.map(([input, name, got]) => ({ entry: "cache.memoryCachedVar(name)", input, run: ({ MemoryCache }) => new MemoryCache().memoryCachedVar(name), expect: ["throws", TypeError, new RegExp(`CachedVar name must be a non-empty string, ${got.source}`)] })),
  // The keyed entry points (issue 12): get() never throws; set() throws; the readers answer as for
  // a name the cache does not know.
  ...BAD_NAMES.map(([input, name, got]) => ({ entry: "cache.get(name)", input, run: ({ MemoryCache }) => new MemoryCache({ onFirstAccess: () => 1 }).get(name), expect: ["rejects", TypeError, new RegExp(`MemoryCache get\\(name\\): name must be a non-empty string, ${got.source}`)] })),
  ...BAD_NAMES.map(([input, name, got]) => ({ entry: "cache.set(name, value)", input, run: ({ MemoryCache }) => new MemoryCache().set(name, 1), expect: ["throws", TypeError, new RegExp(`MemoryCache set\\(name\\): name must be a non-empty string, ${got.source}`)] })),
  {
    entry: "cache.peek / has / invalidate / delete (name)",
    input: "each of the nine bad names above",
    run: ({ MemoryCache }) => {
      const c = new MemoryCache({ onFirstAccess: () => 1 });
      return BAD_NAMES.every(([, name]) => c.peek(name) === undefined && c.has(name) === false && c.invalidate(name) === false && c.delete(name) === false);
    },
    expect: ["returns", (ok) => ok === true, "undefined / false / false / false: as for a name the cache does not know"],
  },
  ...[
    ["a name of 1 MiB", HUGE_NAME],
    ["a name with NUL", "a\0b"],
    ["a lone surrogate", "\uD800"],
    ["__proto__", "__proto__"],
  ].map(([input, name]) => ({
    entry: "GLOBAL_CACHE.memoryCachedVar(name)",
    input,
    run: async ({ GLOBAL_CACHE }) => {
      const v = GLOBAL_CACHE.memoryCachedVar(name);
      v.onFirstAccess((ctx) => ctx.name);
      return (await v.get()) === name && GLOBAL_CACHE.memoryCachedVar(name) === v;
    },
    expect: ["resolves", (ok) => ok === true, "a var like any other: loads, and the same name gives the same var"],
  })),
  { entry: "new CachedVar(name, options)", input: "options a Symbol", run: ({ CachedVar }) => new CachedVar("x", Symbol("o")), expect: ["throws", TypeError, /CachedVar "x": options must be an object, got a symbol/] },
  { entry: "new CachedVar(name, options)", input: "options a revoked Proxy", run: ({ CachedVar }) => new CachedVar("x", revoked()), expect: ["throws", TypeError, /CachedVar "x": options must be an object, got a revoked Proxy/] },
  { entry: "new CachedVar(name, options)", input: "options a Proxy that throws on every trap", run: ({ CachedVar }, boom) => new CachedVar("x", explosive({}, boom)), expect: ["throws-own"] },
  { entry: "new CachedVar(name, options)", input: "storage: a Proxy that throws on every trap", run: ({ CachedVar }, boom) => new CachedVar("x", { storage: explosive({}, boom) }), expect: ["throws-own"] },
  { entry: "new CachedVar(name, options)", input: "an option getter that throws", run: ({ CachedVar }, boom) => new CachedVar("x", { get ttl() { throw boom; } }), expect: ["throws-own"] },
  { entry: "new CachedVar(name, options)", input: "an inherited option getter that throws", run: ({ CachedVar }, boom) => new CachedVar("x", Object.create({ get ttl() { throw boom; } })), expect: ["throws-own"] },
  // Options are read through the prototype chain (as fetch() reads RequestInit): the engine's own error.
  { entry: "new CachedVar(name, options)", input: "options inheriting from a revoked Proxy", run: ({ CachedVar }) => new CachedVar("x", Object.create(revoked())), expect: ["throws", TypeError, ANY] },
  ...[
    ["ttl: 5n", { ttl: 5n }, TypeError, /option ttl must be a number, got a bigint/],
    ["ttl: Symbol()", { ttl: Symbol("t") }, TypeError, /option ttl must be a number, got a symbol/],
    ["ttl: new Number(5)", { ttl: new Number(5) }, TypeError, /option ttl must be a number, got an object/],
    ["ttl: -Infinity", { ttl: -Infinity }, RangeError, /option ttl must be a number of milliseconds >= 0 \(or Infinity\) \(got -Infinity\)/],
    ["cooldown: NaN", { cooldown: NaN }, RangeError, /option cooldown must be a number of milliseconds >= 0 \(or Infinity\) \(got NaN\)/],
    ["timeout: -0", { timeout: -0 }, RangeError, /option timeout must be a number of milliseconds > 0 \(or Infinity\) \(got 0\)/],
    ["timeout: 2 ** 31 (past the timer range)", { timeout: 2 ** 31 }, RangeError, /option timeout must be at most 2147483647 ms/],
    ["clock: 5", { clock: 5 }, TypeError, /option clock must be a function returning milliseconds, got 5/],
  ].map(([input, options, type, message]) => ({ entry: "new CachedVar(name, options)", input, run: ({ CachedVar }) => new CachedVar("x", options), expect: ["throws", type, message] })),
  ...[
    ["ttl: Number.MAX_VALUE", { ttl: Number.MAX_VALUE }],
    ["ttl: 5e-324", { ttl: 5e-324 }],
    ["staleWhileRevalidate: 1e308, staleIfError: Infinity", { staleWhileRevalidate: 1e308, staleIfError: Infinity }],
    ["timeout: 2147483647", { timeout: 2 ** 31 - 1 }],
  ].map(([input, options]) => ({
    entry: "new CachedVar(name, options)",
    input,
    run: async ({ CachedVar }) => {
      const v = new CachedVar("x", options);
      v.onFirstAccess(() => "loaded");
      return await v.get();
    },
    expect: ["resolves", (v) => v === "loaded", "accepted; the var works"],
  })),
  ...[
    ["maxEntries: 0", 0, /got 0/],
    ["maxEntries: 1.5", 1.5, /got 1.5/],
    ["maxEntries: 2 ** 32", 2 ** 32, /got 4294967296/],
    ["maxEntries: NaN", NaN, /got NaN/],
  ].map(([input, maxEntries, got]) => ({
    entry: "new MemoryCache(defaults)",
    input,
    run: ({ MemoryCache }) => new MemoryCache({ maxEntries }),
    expect: ["throws", RangeError, new RegExp(`MemoryCache: option maxEntries must be a whole number from 1 to 4294967295 \\(or Infinity\\) \\(${got.source}\\)`)],
  })),
  { entry: "new MemoryCache(defaults)", input: "maxEntries: 5n", run: ({ MemoryCache }) => new MemoryCache({ maxEntries: 5n }), expect: ["throws", TypeError, /MemoryCache: option maxEntries must be a number, got a bigint/] },
  { entry: "new MemoryCache(defaults)", input: "defaults an array", run: ({ MemoryCache }) => new MemoryCache([]), expect: ["throws", TypeError, /MemoryCache: options must be an object, got an array/] },
  { entry: "new MemoryCache(defaults)", input: "a default getter that throws", run: ({ MemoryCache }, boom) => new MemoryCache({ get cooldown() { throw boom; } }), expect: ["throws-own"] },
  { entry: "new MemoryCache(defaults)", input: "ttl default with storage", run: ({ MemoryCache, NO_VALUE_STORED }) => new MemoryCache({ storage: { get: () => NO_VALUE_STORED, set() {} }, ttl: 5 }), expect: ["throws", TypeError, /MemoryCache \(a default for its vars\): option ttl cannot be combined with custom storage/] },
  {
    entry: "cache.memoryCachedVar(name, options)",
    input: "an existing name with other options",
    run: ({ MemoryCache }) => {
      const c = new MemoryCache();
      c.memoryCachedVar("x", { ttl: 5 });
      return c.memoryCachedVar("x", { ttl: 6 });
    },
    expect: ["throws", TypeError, /CachedVar "x" already exists with other options \(ttl: 5, given 6\)/],
  },
  ...["onFirstAccess", "onEachAccess"].flatMap((method) =>
    [
      ["a Symbol", Symbol("f"), /got a symbol/],
      ["a Proxy that throws on every trap", explosive(), /got an object/],
      ["an async iterator object", { async *[Symbol.asyncIterator]() {} }, /got an object/],
    ].map(([input, fn, got]) => ({
      entry: `${method}(fn)`,
      input,
      run: ({ CachedVar }) => new CachedVar("x")[method](fn),
      expect: ["throws", TypeError, new RegExp(`CachedVar "x": ${method}\\((loader|fn)\\) takes a function, ${got.source}`)],
    })),
  ),
  ...[
    ["a class constructor", () => class Loader {}, ["rejects", TypeError, ANY]],
    ["a function Proxy whose apply trap throws", (boom) => explosive(() => 1, boom), ["rejects-own"]],
    ["a thenable whose then throws", (boom) => () => ({ then() { throw boom; } }), ["rejects-own"]],
    ["a thenable whose then getter throws", (boom) => () => ({ get then() { throw boom; } }), ["rejects-own"]],
    ["a Proxy value that throws on every trap", (boom) => () => explosive({}, boom), ["rejects-own"]],
    ["throw undefined", () => () => { throw undefined; }, ["rejects", undefined]],
  ].map(([input, loader, expect]) => ({
    entry: "get() with a loader that misbehaves",
    input,
    run: ({ CachedVar }, boom) => {
      const v = new CachedVar("x");
      v.onFirstAccess(loader(boom));
      return v.get();
    },
    expect,
  })),
  ...[
    ["options 5", 5, /get\(options\) takes an object, got 5/],
    ["waitUntil: 1", { waitUntil: 1 }, /get\(\) option waitUntil must be a function, got 1/],
    ["signal: {}", { signal: {} }, /get\(\) option signal must be an AbortSignal, got an object/],
  ].map(([input, options, message]) => ({
    entry: "get(options)",
    input,
    run: ({ CachedVar }) => {
      const v = new CachedVar("x");
      v.set(1);
      return v.get(options);
    },
    expect: ["rejects", TypeError, new RegExp(`CachedVar "x": ${message.source}`)],
  })),
  { entry: "get(options)", input: "signal: a Proxy that throws on every trap", run: ({ CachedVar }, boom) => { const v = new CachedVar("x"); v.set(1); return v.get({ signal: explosive({}, boom) }); }, expect: ["rejects-own"] },
  { entry: "get(options)", input: "a signal getter that throws", run: ({ CachedVar }, boom) => { const v = new CachedVar("x"); v.set(1); return v.get({ get signal() { throw boom; } }); }, expect: ["rejects-own"] },
  {
    entry: "get(options)",
    input: "waitUntil that throws",
    run: ({ CachedVar }, boom) => {
      const v = new CachedVar("x");
      v.onFirstAccess(() => 1);
      return v.get({ waitUntil() { throw boom; } });
    },
    expect: ["rejects-own"],
  },
  ...BAD_READINGS.map(([input, reading, got]) => ({ entry: "get() with a broken clock", input: `clock ${input}`, run: ({ CachedVar }) => brokenClock(CachedVar, reading).get(), expect: ["rejects", TypeError, clockError(got)] })),
  { entry: "get() with a broken clock", input: "clock throws", run: ({ CachedVar }, boom) => { let ok = true; const v = new CachedVar("x", { ttl: 100, clock: () => { if (ok) return 1; throw boom; } }); v.set(1); ok = false; return v.get(); }, expect: ["rejects-own"] },
  ...[
    ["storage.get throws", (boom) => ({ get() { throw boom; }, set() {} }), (v) => v.get(), "rejects-own"],
    ["storage.set throws", (boom, NO) => ({ get: () => NO, set() { throw boom; } }), (v) => (v.onFirstAccess(() => 1), v.get()), "rejects-own"],
    ["storage.set throws, on invalidate()", (boom, NO) => ({ get: () => NO, set() { throw boom; } }), (v) => v.invalidate(), "throws-own"],
    ["storage.get throws, on peek()", (boom) => ({ get() { throw boom; }, set() {} }), (v) => v.peek(), "returns"],
  ].map(([input, storage, call, kind]) => ({
    entry: "a var with a broken storage",
    input,
    run: ({ CachedVar, NO_VALUE_STORED }, boom) => call(new CachedVar("x", { storage: storage(boom, NO_VALUE_STORED) })),
    expect: kind === "returns" ? [kind, (v) => v === undefined, "undefined (peek never throws)"] : [kind],
  })),
  ...BAD_READINGS.map(([input, reading, got]) => ({ entry: "set(value) with a broken clock", input: `clock ${input}`, run: ({ CachedVar }) => brokenClock(CachedVar, reading).set(1), expect: ["throws", TypeError, clockError(got)] })),
  // (Likewise for every reading above; one row each.)
  { entry: "invalidate() with a broken clock", input: "clock returns NaN (any reading above)", run: ({ CachedVar }) => brokenClock(CachedVar, NaN).invalidate(), expect: ["throws", TypeError, clockError(/got NaN/)] },
  { entry: "v.state with a broken clock", input: "clock returns NaN (any reading above)", run: ({ CachedVar }) => brokenClock(CachedVar, NaN).state, expect: ["throws", TypeError, clockError(/got NaN/)] },
  { entry: "getStoredValue()", input: "nothing stored", run: ({ CachedVar }) => new CachedVar("x").getStoredValue(), expect: ["throws", Error, /CachedVar "x" has no stored value/] },
  { entry: "get()", input: "no loader, nothing stored", run: ({ CachedVar }) => new CachedVar("x").get(), expect: ["rejects", Error, /CachedVar "x": get\(\) found no value to serve \(nothing is stored\) and no loader is registered/] },
  {
    entry: "get() detached from its var",
    input: "const { get } = v; get()",
    run: ({ CachedVar }) => {
      const v = new CachedVar("x");
      v.set(1);
      const { get } = v;
      return get();
    },
    expect: ["rejects", TypeError, /CachedVar get\(\) was called on undefined, not on a CachedVar/],
  },
  ...["set", "invalidate", "peek", "getStoredValue", "stats", "onFirstAccess"].map((method) => ({
    entry: "a method called on something that is not a CachedVar",
    input: `CachedVar.prototype.${method}.call({})`,
    run: ({ CachedVar }) => CachedVar.prototype[method].call({}, () => 1),
    expect: ["throws", TypeError, ANY],
  })),
  {
    entry: "v.name = …",
    input: "assigning the name",
    run: ({ CachedVar }) => {
      const v = new CachedVar("x");
      v.name = "y";
    },
    expect: ["throws", TypeError, ANY],
  },
  {
    entry: "invalidateAll()",
    input: "one var's clock is broken",
    run: ({ MemoryCache }) => {
      const c = new MemoryCache();
      c.memoryCachedVar("broken", { clock: () => "soon" });
      const later = c.memoryCachedVar("later");
      later.set(1);
      try {
        c.invalidateAll();
      } finally {
        if (later.peek() !== undefined) throw new Error("invalidateAll() stopped at the broken var: a later var kept its value");
      }
    },
    expect: ["throws", TypeError, /CachedVar "broken": option clock must return a finite number of milliseconds, got "soon"/],
  },
  {
    entry: "set(value) with a thenable",
    input: "a promise that rejects (errors are never cached)",
    run: ({ CachedVar }) => {
      const p = Promise.reject(new Error("origin down"));
      p.catch(() => {});
      new CachedVar("x").set(p);
    },
    expect: ["throws", TypeError, /^CachedVar "x": set\(\) stores a value, not a promise or thenable \(errors are never cached\): await it first, then set\(\) the value$/],
  },
  {
    entry: "set(value) with a thenable",
    input: "a thenable whose then getter throws",
    run: ({ CachedVar }, boom) => {
      new CachedVar("x").set({
        get then() {
          throw boom;
        },
      });
    },
    expect: ["throws-own"],
  },
  // Last: before the fix of lib/machine.js this one broke the wasm instance for good.
  {
    entry: "any call into the cache",
    input: "made with almost no stack left (deep recursion)",
    run: ({ CachedVar, MemoryCache }) => {
      const cache = new MemoryCache({ maxEntries: 3 });
      for (const name of ["e", "f", "g"]) cache.set(name, name);
      const vars = [...["a", "b", "c", "d"].map((n) => new MemoryCache({ maxEntries: 3 }).memoryCachedVar(n)), new CachedVar("x")];
      return exhaustStack(vars, cache);
    },
    expect: ["throws", RangeError, /call stack/i],
  },
];

// Recurses to the stack limit; on the way back up every frame calls into the cache, so some call
// starts at every stack depth near the limit (and `cache.invalidateAll()`, which calls into each
// of its vars: one RangeError, not an AggregateError of theirs). Throws the first error that is
// not a plain JS stack overflow, else a stack overflow the calls met, after checking that every
// var still works.
function exhaustStack(vars, cache) {
  const seen = [];
  const dive = (depth) => {
    try {
      dive(depth + 1);
    } catch {}
    for (const v of vars) {
      try {
        v.set(depth);
        v.invalidate();
        v.peek();
      } catch (error) {
        seen.push(error);
      }
    }
  };
  dive(0);
  // invalidateAll() alone at each depth (fine steps: its window is a few frames deep).
  const diveAll = () => {
    try {
      diveAll();
    } catch {}
    try {
      cache.invalidateAll();
    } catch (error) {
      seen.push(error);
    }
  };
  for (let k = 0; k < 3; k++) diveAll();
  const bad = seen.find((e) => !(e instanceof RangeError) || /memory access|recursive use|unreachable/i.test(e.message));
  if (bad !== undefined) throw bad;
  for (const v of vars) {
    v.set("after");
    if (v.getStoredValue() !== "after") throw new Error("a var stopped storing after the stack ran out");
  }
  if (cache.set("e", "after").peek("e") !== "after") throw new Error("the cache stopped storing after the stack ran out");
  throw seen[0] ?? new RangeError("no call met the stack limit (call stack)");
}

/** What a call did: { kind: "throws" | "rejects" | "returns" | "resolves", value }. */
export async function outcome(call) {
  let result;
  try {
    result = call();
  } catch (error) {
    return { kind: "throws", value: error };
  }
  if (!(result instanceof Promise)) return { kind: "returns", value: result };
  try {
    return { kind: "resolves", value: await result };
  } catch (error) {
    return { kind: "rejects", value: error };
  }
}

/** Registers the hostile-input tests; `api` is the package's exports. */
export function registerHostileInputTests(test, api, assert) {
  const { CachedVar, MemoryCache, GLOBAL_CACHE } = api;

  // Vars that hold values before the hostile calls and must still serve them after.
  let victims;
  const setUp = async () => {
    if (victims !== undefined) return victims;
    let now = 1_000_000;
    const values = { global: { g: 1 }, bounded: { b: 2 }, standalone: { s: 3 } };
    const bounded = new MemoryCache({ maxEntries: 2 });
    const list = {
      global: GLOBAL_CACHE.memoryCachedVar("hostile-victim"),
      bounded: bounded.memoryCachedVar("victim", { ttl: 60_000, clock: () => now }),
      standalone: new CachedVar("hostile-victim", { ttl: 60_000, cooldown: 60_000, clock: () => now }),
    };
    for (const [key, v] of Object.entries(list)) {
      v.onFirstAccess(() => values[key]);
      assert.is(await v.get(), values[key]);
    }
    victims = { list, values, setClock: (t) => (now = t) };
    return victims;
  };

  test("hostile: bad calls on vars that hold values lose nothing", async () => {
    const { list, values, setClock } = await setUp();
    const v = list.standalone;
    const bad = [() => v.onFirstAccess(null), () => v.onEachAccess(5n), () => new CachedVar("hostile-victim", { timeout: -1 }), () => GLOBAL_CACHE.memoryCachedVar("hostile-victim", { ttl: 1 })];
    for (const call of bad) assert.throws(call);
    await assert.rejects(v.get({ signal: explosive() }));
    setClock(NaN);
    await assert.rejects(v.get(), TypeError);
    assert.throws(() => v.invalidate(), TypeError);
    assert.throws(() => v.set("overwritten"), TypeError);
    setClock(1_000_001);
    v.invalidate(); // within its cooldown: skipped, never a failure
    assert.is(await v.get(), values.standalone);
    assert.is(v.stats().loads, 1);
  });

  test("hostile: re-entrant loaders and transforms", async () => {
    const c = new MemoryCache();
    // A loader that invalidates, sets or invalidates all of its own cache while it runs.
    const inv = c.memoryCachedVar("invalidates-itself");
    let n = 0;
    inv.onFirstAccess(() => {
      n++;
      if (n === 1) inv.invalidate();
      return n;
    });
    assert.is(await inv.get(), 1, "its caller gets the value");
    assert.is(await inv.get(), 2, "which was not stored: the next get() loads again");
    const setter = c.memoryCachedVar("sets-itself");
    setter.onFirstAccess(() => {
      setter.set("set inside");
      c.invalidateAll();
      return "loaded";
    });
    assert.is(await setter.get(), "loaded");
    assert.is(setter.peek(), undefined, "invalidateAll() inside the loader dropped the set value; the load began before it");
    // A transform that reads its own var once more.
    const t = c.memoryCachedVar("transform-reenters");
    t.set(1);
    let depth = 0;
    t.onEachAccess((x) => (depth++ === 0 ? t.get().then((y) => x + y) : x));
    assert.is(await t.get(), 2);
    // A loader that waits on its own load (after an await, so it cannot be caught at once):
    // the var's timeout ends the wait with a TimeoutError, and the var loads again after.
    const self = new CachedVar("awaits-itself", { timeout: 50 });
    let calls = 0;
    self.onFirstAccess(async () => {
      calls++;
      if (calls > 1) return "second";
      await null;
      return self.get();
    });
    await assert.rejects(self.get(), { name: "TimeoutError" });
    assert.is(await self.get(), "second");
  });

  test("hostile: a cache's set() and delete() made near the stack limit never leave a held var on another name's slot", async () => {
    // Each depth gets a cache of its own whose held var "a" has its value; at that depth the
    // cache evicts "a" (set of another name, maxEntries 1) or deletes it. A check that failed
    // between the core forgetting a slot and the var letting go of it left the var on the slot
    // the next name took: its get() then served that name's value.
    const pairs = [];
    for (let i = 0; i < 4000; i++) {
      const cache = new MemoryCache({ maxEntries: 1, onFirstAccess: ({ name }) => name.toUpperCase() });
      const a = cache.memoryCachedVar("a");
      a.set("A");
      pairs.push({ cache, a });
    }
    let next = 0;
    const dive = (depth) => {
      try {
        dive(depth + 1);
      } catch {}
      const pair = pairs[next++ % pairs.length];
      try {
        if (depth % 2 === 0) pair.cache.set("b", "B");
        else pair.cache.delete("a");
      } catch {}
    };
    dive(0);
    for (const { cache, a } of pairs) {
      await cache.get("c");
      assert.is(await a.get(), "A", "the held var loads its own value");
      assert.is(cache.memoryCachedVar("a"), a, "one var per name");
    }
  });

  test("hostile: a transform that fails while what get() ran aborted the caller's signal: get() rejects with the signal's reason, no unhandled rejection", async () => {
    const unhandled = [];
    const stop = watchUnhandledRejections((reason) => unhandled.push(reason));
    try {
      // The signal aborted by the waitUntil a stale-while-revalidate get() hands its reload to.
      let now = 1000;
      const v = new CachedVar("abort-then-transform-fails", { clock: () => now, ttl: 5, staleWhileRevalidate: 1000 });
      v.onFirstAccess(() => "value");
      v.onEachAccess(() => {
        throw new Error("transform failed");
      });
      v.set("value");
      now += 10;
      const ac = new AbortController();
      await assert.rejects(v.get({ signal: ac.signal, waitUntil: () => ac.abort(new Error("caller gave up")) }), /caller gave up/);
      // …and by the transform itself, which then throws.
      const w = new CachedVar("transform-aborts-then-fails");
      const ac2 = new AbortController();
      w.set(1);
      w.onEachAccess(() => {
        ac2.abort(new Error("aborted in the transform"));
        throw new Error("transform failed (2)");
      });
      await assert.rejects(w.get({ signal: ac2.signal }), /aborted in the transform/);
      await sleep(30);
      assert.is(unhandled.length, 0, `unhandled rejections: ${unhandled.map((r) => r?.message ?? r).join(", ")}`);
    } finally {
      stop();
    }
  });

  test("hostile: a signal-like object whose reason getter throws: aborting it ends the waits with that error, none hangs", async () => {
    const boom = new Error("reason getter threw");
    const target = new EventTarget();
    let aborted = false;
    const signal = {
      get aborted() {
        return aborted;
      },
      get reason() {
        throw boom;
      },
      addEventListener: (type, fn, opts) => target.addEventListener(type, fn, opts),
      removeEventListener: (type, fn, opts) => target.removeEventListener(type, fn, opts),
    };
    const v = new CachedVar("signal-like-reason-throws");
    let finish;
    v.onFirstAccess(() => new Promise((resolve) => (finish = resolve)));
    const waits = [v.get({ signal }), v.get({ signal })];
    aborted = true;
    target.dispatchEvent(new Event("abort"));
    const outcomes = await Promise.race([Promise.allSettled(waits), sleep(200).then(() => "still waiting")]);
    assert.ok(outcomes !== "still waiting" && outcomes.every((o) => o.status === "rejected" && o.reason === boom), `the waits ended with the getter's error: ${JSON.stringify(outcomes)}`);
    finish("loaded");
    assert.is(await v.get(), "loaded", "the load went on");
  });

  test("hostile: a thenable or trap-throwing value given to set() is refused, stores nothing, no unhandled rejection", async () => {
    const unhandled = [];
    const stop = watchUnhandledRejections((reason) => unhandled.push(reason));
    try {
      const boom = new Error("then threw");
      const v = new CachedVar("thenable");
      v.set("kept");
      assert.throws(() => v.set({ then() { throw boom; } }), { type: TypeError, message: /set\(\) stores a value, not a promise or thenable/ });
      // A rejected promise refused by set() is no unhandled rejection either (fatal in Node).
      assert.throws(() => v.set(Promise.reject(new Error("origin down"))), TypeError);
      const p = new CachedVar("proxy-value");
      p.set("kept");
      // Reading its `then` throws: set() throws that, unchanged.
      assert.throws(() => p.set(explosive({}, boom)), { is: boom });
      await sleep(30);
      assert.is(unhandled.length, 0, `unhandled rejections: ${unhandled.map((r) => r?.message ?? r).join(", ")}`);
      assert.ok(v.getStoredValue() === "kept" && p.getStoredValue() === "kept", "nothing stored, nothing lost");
      assert.is(await v.get(), "kept");
    } finally {
      stop();
    }
  });

  test("hostile: a broken storage heals: the var then works", async () => {
    let broken = true;
    const map = new Map();
    const storage = {
      get: (name) => {
        if (broken) throw new Error("storage down");
        return map.has(name) ? map.get(name) : api.NO_VALUE_STORED;
      },
      set: (name, value) => {
        if (broken) throw new Error("storage down");
        map.set(name, value);
      },
    };
    const v = new CachedVar("heals", { storage });
    v.onFirstAccess(() => "fresh");
    await assert.rejects(v.get(), /storage down/);
    assert.throws(() => v.state, /storage down/);
    broken = false;
    assert.is(await v.get(), "fresh");
    assert.is(v.getStoredValue(), "fresh");
  });

  // The table's cases, the call with no stack left last.
  for (const c of CASES) {
    test(`hostile: ${c.entry}: ${c.input}`, async () => {
      await setUp();
      const boom = new Error("the input's own error");
      const got = await outcome(() => c.run(api, boom));
      const [kind, a, b] = c.expect;
      if (kind.endsWith("-own")) {
        assert.is(got.kind, kind.slice(0, -4), `${c.entry} with ${c.input}`);
        assert.ok(got.value === boom, `the input's own error comes back unchanged, got ${String(got.value?.message ?? got.value)}`);
      } else if (kind === "throws" || kind === "rejects") {
        assert.is(got.kind, kind, `${c.entry} with ${c.input}: ${String(got.value?.message ?? got.value)}`);
        if (a === undefined) assert.is(got.value, undefined);
        else {
          assert.ok(got.value instanceof a, `expected a ${a.name}, got ${got.value?.name}: ${got.value?.message}`);
          assert.ok(!(got.value instanceof WebAssembly.RuntimeError), `a wasm trap: ${got.value?.message}`);
          assert.ok(b.test(String(got.value.message)), `expected a message matching ${b}, got ${JSON.stringify(String(got.value.message).slice(0, 300))}`);
        }
      } else {
        assert.is(got.kind, kind, `${c.entry} with ${c.input}: ${String(got.value?.message ?? got.value)}`);
        assert.ok(a(got.value), `${c.entry} with ${c.input}: expected ${b}`);
      }
    }, { timeoutMs: 30_000 }); // the call with no stack left takes seconds in Bun
  }

  test("hostile: afterwards every victim serves its value without reloading, and a fresh var loads", async () => {
    const { list, values } = await setUp();
    for (const [key, v] of Object.entries(list)) {
      assert.is(await v.get(), values[key], `${key} var`);
      assert.is(v.stats().loads, 1, `${key} var did not reload`);
    }
    assert.is(GLOBAL_CACHE.memoryCachedVar("hostile-victim"), list.global);
    const fresh = GLOBAL_CACHE.memoryCachedVar(`hostile-fresh-${Date.now()}-${Math.random()}`);
    fresh.onFirstAccess(() => "fresh value");
    assert.is(await fresh.get(), "fresh value");
    const standalone = new CachedVar("hostile-fresh", { ttl: 10 });
    standalone.onFirstAccess(() => "also fresh");
    assert.is(await standalone.get(), "also fresh");
  });
}

// Calls `seen(reason)` for each unhandled promise rejection (and keeps it from ending the
// process): Node and Bun report them on `process`, Deno, browsers and workerd as an event.
function watchUnhandledRejections(seen) {
  const onProcess = (reason) => seen(reason);
  const onEvent = (event) => {
    event.preventDefault?.();
    seen(event.reason);
  };
  const proc = globalThis.process?.on !== undefined && globalThis.Deno === undefined ? globalThis.process : null;
  if (proc !== null) proc.on("unhandledRejection", onProcess);
  else globalThis.addEventListener?.("unhandledrejection", onEvent);
  return () => {
    if (proc !== null) proc.off("unhandledRejection", onProcess);
    else globalThis.removeEventListener?.("unhandledrejection", onEvent);
  };
}
