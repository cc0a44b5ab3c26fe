// How options objects are read (issue 11, item 8): like a WebIDL dictionary, `options[name]` once
// for each known name, so options inherited through a prototype or served by getters take effect
// in every constructor and in get(); unknown keys are looked for among own enumerable keys.
// registerOptionsReadingTests(test, api, assert, helpers) registers the checks in the shared suite.

const KNOWN = ["storage", "shared", "clock", "onError", "ttl", "staleWhileRevalidate", "staleIfError", "timeout", "cooldown", "retryInterval"];

// `target` behind a Proxy that counts reads by property name (traps other than get pass through).
function counted(target) {
  const reads = {};
  const proxy = new Proxy(target, {
    get(t, key, receiver) {
      reads[key] = (reads[key] ?? 0) + 1;
      return Reflect.get(t, key, receiver);
    },
  });
  return { proxy, reads };
}

export function registerOptionsReadingTests(test, api, assert, { fakeClock, sleep }) {
  const { CachedVar, MemoryCache } = api;
  let n = 0;
  const fresh = (prefix) => `options-${prefix}-${++n}`;

  // Each of `names` was read exactly once, and no other property was read.
  const readOnce = (reads, names, label) => {
    for (const name of names) assert.is(reads[name], 1, `${label}: reads of ${name}`);
    const others = Object.keys(reads).filter((k) => !names.includes(k));
    assert.deepEqual(others, [], `${label}: other properties read`);
  };

  test("options: ttl and clock inherited through a prototype take effect (new CachedVar)", async () => {
    const clock = fakeClock();
    const v = new CachedVar(fresh("proto-ttl"), Object.create({ ttl: 100, clock }));
    let loads = 0;
    v.onFirstAccess(() => ++loads);
    assert.is(await v.get(), 1);
    clock.advance(99);
    assert.is(v.state, "fresh");
    clock.advance(1);
    assert.is(v.state, "stale", "the inherited ttl expired on the inherited clock");
    assert.is(await v.get(), 2);
  });

  test("options: a timeout inherited through a prototype takes effect", async () => {
    const v = new CachedVar(fresh("proto-timeout"), Object.create({ timeout: 20 }));
    v.onFirstAccess(() => new Promise(() => {}));
    await assert.rejects(v.get(), { name: "TimeoutError" });
  });

  test("options: maxEntries and var defaults inherited through a prototype take effect (new MemoryCache)", async () => {
    const clock = fakeClock();
    const c = new MemoryCache(Object.create({ maxEntries: 1, ttl: 50, clock }));
    const a = c.memoryCachedVar("a");
    const b = c.memoryCachedVar("b");
    a.onFirstAccess(() => "A");
    b.onFirstAccess(() => "B");
    await a.get();
    await b.get();
    assert.is(a.state, "empty", "the bound of 1 evicted a");
    assert.is(b.state, "fresh");
    clock.advance(50);
    assert.is(b.state, "stale", "the default ttl applies to the cache's vars");
  });

  test("options: memoryCachedVar reads options through a prototype, for creation and for the same-options check", async () => {
    const clock = fakeClock();
    const c = new MemoryCache();
    const base = { ttl: 100, clock };
    const name = fresh("proto-lookup");
    const v = c.memoryCachedVar(name, Object.create(base));
    v.set(1);
    clock.advance(100);
    assert.is(v.state, "stale");
    assert.is(c.memoryCachedVar(name, Object.create(base)), v, "same options through another object: the same var");
    assert.throws(() => c.memoryCachedVar(name, Object.create({ ttl: 5, clock })), { type: TypeError, message: new RegExp(`"${name}" already exists with other options \\(ttl: 100, given 5\\)`) });
  });

  test("options: a class instance with getters works everywhere", async () => {
    const clock = fakeClock();
    class Options {
      #ttl = 100;
      get ttl() {
        return this.#ttl;
      }
      get clock() {
        return clock;
      }
    }
    const v = new CachedVar(fresh("class"), new Options());
    v.set(1);
    const c = new MemoryCache(new Options());
    const w = c.memoryCachedVar("w");
    w.set(1);
    const x = new MemoryCache().memoryCachedVar(fresh("class"), new Options());
    x.set(1);
    clock.advance(100);
    assert.deepEqual([v.state, w.state, x.state], ["stale", "stale", "stale"]);
  });

  test("options: every known option is read exactly once per call (getter counts, and a counting Proxy)", async () => {
    let ttlReads = 0;
    const getter = {
      get ttl() {
        ttlReads++;
        return 10;
      },
    };
    new CachedVar(fresh("once"), getter);
    assert.is(ttlReads, 1, "new CachedVar");
    new MemoryCache(Object.create(getter));
    assert.is(ttlReads, 2, "new MemoryCache");
    const c = new MemoryCache();
    const name = fresh("once");
    c.memoryCachedVar(name, getter);
    assert.is(ttlReads, 3, "memoryCachedVar creating the var");
    c.memoryCachedVar(name, getter);
    assert.is(ttlReads, 4, "memoryCachedVar looking it up");

    const a = counted({ ttl: 10 });
    new CachedVar(fresh("once"), a.proxy);
    readOnce(a.reads, KNOWN, "new CachedVar");
    const b = counted({ maxEntries: 2 });
    new MemoryCache(b.proxy);
    readOnce(b.reads, [...KNOWN, "maxEntries", "onFirstAccess"], "new MemoryCache");
    const d = counted({});
    const name2 = fresh("once");
    c.memoryCachedVar(name2, d.proxy);
    readOnce(d.reads, KNOWN, "memoryCachedVar creating");
    const e = counted({});
    c.memoryCachedVar(name2, e.proxy);
    readOnce(e.reads, KNOWN, "memoryCachedVar looking up");
  });

  test("options: a shared adapter's readTimeout is read once, when the var is made, not on each read", async () => {
    const clock = fakeClock();
    let reads = 0;
    const adapter = {
      get readTimeout() {
        reads++;
        return 100;
      },
      read: () => undefined,
      write() {},
    };
    const v = new CachedVar(fresh("read-timeout"), { ttl: 10, clock, shared: adapter });
    assert.is(reads, 1);
    let loads = 0;
    v.onFirstAccess(() => ++loads);
    await v.get();
    clock.advance(10);
    await v.get();
    assert.is(loads, 2, "two loads, each reading the tier first");
    assert.is(reads, 1, "readTimeout not read again");
    const inherited = new CachedVar(fresh("read-timeout"), Object.create({ shared: Object.create(adapter) }));
    assert.is(reads, 2, "an inherited adapter and readTimeout are read too");
    inherited.onFirstAccess(() => "loaded");
    assert.is(await inherited.get(), "loaded");
  });

  test("options: a getter that throws, own or inherited, throws its error from the constructor and creates nothing", () => {
    const boom = new Error("getter threw");
    const throwing = { get timeout() { throw boom; } };
    for (const options of [throwing, Object.create(throwing)]) {
      assert.throws(() => new CachedVar("x", options), { is: boom });
      assert.throws(() => new MemoryCache(options), { is: boom });
      const c = new MemoryCache();
      const name = fresh("throwing");
      assert.throws(() => c.memoryCachedVar(name, options), { is: boom });
      const v = c.memoryCachedVar(name, { ttl: 5 });
      assert.is(c.memoryCachedVar(name, { ttl: 5 }), v, "the name was free: nothing was registered by the failed call");
    }
    const shared = { read: () => undefined, write() {}, get readTimeout() { throw boom; } };
    assert.throws(() => new CachedVar("x", { shared }), { is: boom });
  });

  test("options: unknown own keys are still refused; unknown inherited keys are not looked at", () => {
    const typo = Object.assign(Object.create({ ttl: 5 }), { tll: 5 });
    assert.throws(() => new CachedVar("x", typo), { type: TypeError, message: /CachedVar "x": unknown option "tll"/ });
    assert.throws(() => new MemoryCache(typo), { type: TypeError, message: /MemoryCache: unknown option "tll"/ });
    assert.throws(() => new MemoryCache().memoryCachedVar("x", typo), { type: TypeError, message: /unknown option "tll"/ });
    // As with fetch()'s RequestInit: inherited names that are not options are never read.
    const clock = fakeClock();
    const v = new CachedVar("x", Object.create({ tll: 5, ttl: 7, clock }));
    v.set(1);
    clock.advance(7);
    assert.is(v.state, "stale", "the inherited ttl applies");
  });

  test("options: get() reads waitUntil and signal through a prototype, each once", async () => {
    const v = new CachedVar(fresh("get"));
    v.onFirstAccess(() => sleep(5).then(() => "loaded"));
    const handed = [];
    const waitUntil = (p) => handed.push(p);
    const a = counted(Object.create({ waitUntil }));
    assert.is(await v.get(a.proxy), "loaded");
    assert.is(handed.length, 1, "the inherited waitUntil got the load");
    readOnce(a.reads, ["waitUntil", "signal"], "get()");
    v.invalidate();
    const controller = new AbortController();
    const waiting = v.get(Object.create({ signal: controller.signal }));
    controller.abort(new Error("gave up"));
    await assert.rejects(waiting, /gave up/);
  });
}
