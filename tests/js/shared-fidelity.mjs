// Shared-tier fidelity (issue 11, item 5): another isolate never gets a value different from the
// one this isolate loaded. Every kind of value JSON would change — at the top and nested three or
// more deep in objects and arrays — is served and kept in memory but never written (one
// `sharedErrors`, a warning naming the kind and the place); plain data is written and a second
// var (the other isolate) reads back exactly the same; and entries that are not entries, or come
// from too far in the future, are errors the origin's value replaces.
//
// registerSharedFidelityTests(test, api, helpers) registers the checks in the shared suite
// (tests/js/suite.mjs), so they run in every runtime; `helpers` are the suite's assert,
// fakeClock, sleep and memoryTier (its in-memory adapter).

export function registerSharedFidelityTests(test, api, { assert, fakeClock, sleep, memoryTier }) {
  const { CachedVar, MemoryCache } = api;
  let unique = 0;
  const fresh = () => `fidelity-${++unique}`;

  // Where a bad part is put: `path` is how the warning names that place.
  const PLACES = [
    { path: "", put: (x) => x },
    { path: ".a.b.c", put: (x) => ({ a: { b: { c: x } } }) },
    { path: "[0][1][0]", put: (x) => [[0, [x]]] },
    { path: ".keys[1].jwk[0]", put: (x) => ({ keys: [{ kid: "k0" }, { kid: "k1", jwk: [x] }] }) },
  ];

  class Key {}
  class Keys extends Array {}
  const revoked = () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  };

  // [kind, make() → a fresh bad part, what the warning says ("{}" stands for the place), places]
  const KINDS = [
    ["undefined as a property", () => ({ kid: "k", x: undefined }), "JSON would not give back undefined at value{}.x"],
    ["undefined as an array element", () => [1, undefined], "JSON would not give back undefined at value{}[1]"],
    ["undefined itself", () => undefined, "JSON would not give back undefined at value{}"],
    ["an array hole", () => [1, , 3], "JSON would not give back a hole in an array at value{}"],
    ["a function in a plain object", () => ({ kid: "k", verify() {} }), "JSON would not give back a function at value{}.verify"],
    ["a function", () => () => 1, "JSON would not give back a function at value{}"],
    ["-0", () => -0, "JSON would not give back -0 at value{}"],
    ["NaN", () => NaN, "JSON would not give back NaN at value{}"],
    ["Infinity", () => Infinity, "JSON would not give back Infinity at value{}"],
    ["-Infinity", () => -Infinity, "JSON would not give back -Infinity at value{}"],
    ["an own toJSON", () => ({ kid: "k", toJSON: () => "k" }), "JSON would not give back a toJSON method at value{}"],
    ["a symbol key", () => ({ kid: "k", [Symbol("s")]: 1 }), "JSON would not give back a symbol key at value{}"],
    ["a symbol value", () => Symbol("s"), "JSON would not give back a symbol at value{}"],
    ["a BigInt", () => 10n, "JSON would not give back a bigint at value{}"],
    ["a Map", () => new Map([[1, 2]]), "JSON would not give back an instance of Map at value{}"],
    ["a Set", () => new Set([1]), "JSON would not give back an instance of Set at value{}"],
    ["a Date", () => new Date(0), "JSON would not give back an instance of Date at value{}"],
    ["a class instance", () => new Key(), "JSON would not give back an instance of Key at value{}"],
    ["an Array subclass", () => Keys.from([1]), "JSON would not give back an instance of Keys at value{}"],
    ["a typed array", () => new Uint8Array(2), "JSON would not give back an instance of Uint8Array at value{}"],
    ["a String object", () => new String("s"), "JSON would not give back an instance of String at value{}"],
    ["an object made by Object.create(proto)", () => Object.create({ inherited: 1 }), "JSON would not give back an object with a prototype of its own at value{}"],
    ["a getter", () => ({ get g() { return 1; } }), "JSON would not give back a getter or setter at value{}.g"],
    ["a setter", () => ({ set s(_) {} }), "JSON would not give back a getter or setter at value{}.s"],
    ["a non-enumerable property", () => Object.defineProperty({ kid: "k" }, "hidden", { value: 1 }), "JSON would not give back a non-enumerable property at value{}.hidden"],
    ["an array with an extra property", () => Object.assign([1, 2], { extra: 3 }), "JSON would not give back an array with properties besides its elements at value{}"],
    ["an array with a symbol key", () => Object.assign([1], { [Symbol("s")]: 2 }), "JSON would not give back an array with properties besides its elements at value{}"],
    ["a hole made up for by an extra property", () => Object.assign([, 1], { extra: 2 }), "JSON would not give back a hole in an array at value{}[0]"],
    ["a cycle", () => { const o = { a: { b: [] } }; o.a.b.push(o); return o; }, "JSON would not give back a cycle at value{}.a.b[0]"],
    // Nested only: a loader's promise resolved with a revoked Proxy itself rejects (reading its
    // `then` throws), so there is no value to write.
    ["a revoked Proxy", revoked, "reading value{} threw TypeError", PLACES.slice(1)],
  ];

  // Loads `value` into a fresh var with its own tier; returns what was written and warned.
  async function load(value) {
    const shared = memoryTier();
    const v = new CachedVar(fresh(), { shared });
    v.onFirstAccess(() => value);
    const warn = console.warn;
    const warnings = [];
    console.warn = (w) => warnings.push(String(w));
    let got;
    try {
      got = await v.get();
    } finally {
      console.warn = warn;
    }
    await sleep(1); // a write would have landed by now
    return { v, shared, got, warnings };
  }

  async function refused(value, said) {
    const { v, shared, got, warnings } = await load(value);
    assert.is(got, value, "served as loaded");
    assert.is(await v.get(), value, "kept in this isolate's memory");
    assert.is(v.stats().loads, 1, "kept, not loaded again");
    assert.is(shared.writes.length, 0, `${said}: nothing written`);
    assert.is(v.stats().sharedErrors, 1, `${said}: counted`);
    assert.is(warnings.length, 1, `${said}: one warning`);
    // Exactly that (an error the value threw: that, then its message).
    const tail = warnings[0].split("not written to the shared tier: ")[1];
    assert.ok(tail === said || tail?.startsWith(`${said}: `), `the warning says "${said}", got: ${warnings[0]}`);
  }

  for (const [kind, make, says, places = PLACES] of KINDS) {
    test(`shared fidelity: ${kind} is never written, at the top or nested deep`, async () => {
      for (const { path, put } of places) await refused(put(make()), says.replace("{}", path));
    });
  }

  test("shared fidelity: a CryptoKey is never written, at the top or nested deep", async () => {
    const key = await crypto.subtle.importKey("raw", new Uint8Array(16), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    for (const { path, put } of PLACES) await refused(put(key), `JSON would not give back an instance of CryptoKey at value${path}`);
  });

  test("shared fidelity: an inherited toJSON (Object.prototype or Array.prototype) is never written", async () => {
    for (const [proto, value] of [[Object.prototype, { a: { b: { c: 1 } } }], [Array.prototype, [[[1]]]]]) {
      let outcome;
      Object.defineProperty(proto, "toJSON", { value: () => "replaced", configurable: true, writable: true });
      try {
        outcome = await load(value);
      } finally {
        delete proto.toJSON;
      }
      assert.is(outcome.shared.writes.length, 0, "nothing written");
      assert.is(outcome.v.stats().sharedErrors, 1);
      assert.ok(outcome.warnings[0].includes("JSON would not give back a toJSON method at value"), outcome.warnings[0]);
    }
  });

  test("shared fidelity: values past the walk's bounds are not written, and say so", async () => {
    await refused(new Array(100_001).fill(0), "more than 100000 values, the most checked");
    let deep = [1];
    for (let i = 0; i < 1000; i++) deep = [deep];
    await refused(deep, "nesting deeper than 1000, the most checked");
    // One object referred to twice, 60 times over: 2^60 paths, cut off at the bound.
    let bomb = { leaf: true };
    for (let i = 0; i < 60; i++) bomb = { l: bomb, r: bomb };
    await refused(bomb, "more than 100000 values, the most checked");
    // 1000 levels are within the bound.
    let within = 1;
    for (let i = 0; i < 1000; i++) within = [within];
    const { shared } = await load(within);
    assert.is(shared.writes.length, 1, "1000 levels deep is written");
  });

  // Exactly the same: same primitives (Object.is), prototypes, own keys in order, and every own
  // property a plain enumerable data property.
  function same(got, want, at = "value") {
    if (typeof want !== "object" || want === null) return assert.ok(Object.is(got, want), `${at}: expected ${String(want)}, got ${String(got)}`);
    assert.ok(typeof got === "object" && got !== null, `${at}: expected an object`);
    assert.is(Array.isArray(got), Array.isArray(want), `${at}: array or not`);
    assert.ok(Object.getPrototypeOf(got) === Object.getPrototypeOf(want), `${at}: prototype`);
    const keys = Reflect.ownKeys(want);
    assert.deepEqual(Reflect.ownKeys(got).map(String), keys.map(String), `${at}: own keys`);
    for (const key of keys) {
      const d = Reflect.getOwnPropertyDescriptor(got, key);
      if (key !== "length") assert.ok("value" in d && d.enumerable, `${at}.${key}: a plain property`);
      same(d.value, want[key], `${at}.${key}`);
    }
  }

  test("shared fidelity: plain data is written, and another isolate reads back exactly the same", async () => {
    const clock = fakeClock();
    const shared = memoryTier();
    const name = fresh();
    const value = {
      keys: [
        { kid: "k1", kty: "RSA", n: "0vx7…", e: "AQAB", ops: ["verify"], exp: 1e21, ratio: -2.5, small: 5e-324, ok: true, no: false, none: null },
        { kid: "k2", nested: [[[["deep"]], []], {}] },
      ],
      "ключ": { "名前": "值 😀", "": "empty key", "a b": 0, 7: "integer-like key", lone: "\ud800" },
      // `__proto__` as an own data key, as JSON.parse makes it: it must stay data, not a prototype.
      parsed: { a: { b: JSON.parse('{"kid":"k3","__proto__":{"admin":true}}') } },
    };
    const a = new MemoryCache({ clock }).memoryCachedVar(name, { ttl: 60_000, shared });
    a.onFirstAccess(() => value);
    assert.is(await a.get(), value);
    await sleep(1);
    assert.is(shared.writes.length, 1, "written");
    assert.is(a.stats().sharedErrors, 0);
    const b = new MemoryCache({ clock }).memoryCachedVar(name, { ttl: 60_000, shared });
    b.onFirstAccess(() => {
      throw new Error("the other isolate should not call the origin");
    });
    const got = await b.get();
    assert.is(b.stats().sharedHits, 1);
    same(got, value);
    const parsed = got.parsed.a.b;
    assert.ok(Object.hasOwn(parsed, "__proto__") && Object.getPrototypeOf(parsed) === Object.prototype && parsed.admin === undefined, "__proto__ stayed a data key");
    assert.is({}.admin, undefined, "nothing polluted");
  });

  // Entries: the reader's clock is fakeClock's; MAX_CLOCK_SKEW_MS (pkg/lib/shared-tier.js) is 1000.
  async function readEntry(text, { ttl = 60_000 } = {}) {
    const clock = fakeClock();
    const shared = memoryTier();
    const name = fresh();
    shared.map.set(name, typeof text === "function" ? text(clock()) : text);
    let calls = 0;
    const v = new MemoryCache({ clock }).memoryCachedVar(name, { ttl, shared });
    v.onFirstAccess(() => {
      calls++;
      return "from origin";
    });
    const got = await v.get();
    await sleep(1);
    return { v, got, calls: () => calls, clock, shared, name };
  }

  test("shared fidelity: an entry stored in the future beyond the skew tolerance is an error; the origin's value replaces it", async () => {
    for (const ahead of [1001, 365 * 86_400_000]) {
      const { v, got, calls, clock, shared, name } = await readEntry((now) => JSON.stringify({ t: now + ahead, v: "from the future" }));
      assert.is(got, "from origin", `${ahead} ms ahead: refused`);
      assert.is(calls(), 1);
      assert.is(v.stats().sharedErrors, 1, "counted as an error");
      assert.is(v.stats().sharedHits, 0);
      assert.deepEqual(JSON.parse(shared.map.get(name)), { t: clock(), v: "from origin" }, "replaced by the origin's value");
    }
  });

  test("shared fidelity: an entry ahead within the skew tolerance is served, counting from the reader's now", async () => {
    const { v, got, calls, clock } = await readEntry((now) => JSON.stringify({ t: now + 1000, v: "slightly ahead" }));
    assert.is(got, "slightly ahead");
    assert.is(calls(), 0);
    assert.is(v.stats().sharedHits, 1);
    clock.advance(59_999);
    assert.is(v.state, "fresh");
    clock.advance(1);
    assert.is(v.state, "stale", "fresh for one ttl from the reader's now, not from the entry's future");
  });

  test("shared fidelity: an entry without its value, or with no finite store time, is an error, not a miss", async () => {
    const broken = [
      (now) => JSON.stringify({ t: now }),
      (now) => `{"t":${now},"x":1}`,
      () => '{"t":1e400,"v":"forever"}',
      () => '{"t":-1e400,"v":"never"}',
      () => '{"t":"1000000","v":"string time"}',
      () => '{"v":"no time"}',
      () => "[1,2]",
      () => "null",
      () => "not json",
    ];
    for (const text of broken) {
      const { v, got, calls } = await readEntry(text);
      assert.is(got, "from origin", text(0));
      assert.is(calls(), 1);
      assert.is(v.stats().sharedErrors, 1, `${text(0)}: an error`);
      assert.is(v.stats().sharedMisses, 0, `${text(0)}: not a miss`);
    }
    const { v } = await readEntry(undefined);
    assert.is(v.stats().sharedMisses, 1, "no entry at all is a miss");
    assert.is(v.stats().sharedErrors, 0);
  });
}
