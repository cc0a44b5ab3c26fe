// I/O objects inside cached values (issue 11, item 6). On workerd a Request, Response, stream,
// WebSocket or Promise belongs to the request that created it, so a var refuses a value holding one at any
// depth of plain objects, arrays, Maps and Sets, naming where it sits; other runtimes have no such
// rule and cache the very same values. registerIoObjectTests(test, api, assert, runtime) registers
// the checks in the shared suite.

/** The cases: a value made fresh per test (I/O objects belong to the request they are made in) and where its I/O object sits. */
const NESTED = [
  ["a Response at depth 1", () => ({ res: new Response("x"), at: Date.now() }), "Response (at .res)"],
  ["a Response at depth 3", () => ({ a: { b: { res: new Response("x") } } }), "Response (at .a.b.res)"],
  ["a Response inside an array", () => [1, { body: new Response("x") }], "Response (at [1].body)"],
  [
    "a Response in an object with cycles",
    () => {
      const value = { meta: { n: 1 }, list: [] };
      value.meta.root = value;
      value.list.push(value.meta, value.list);
      value.meta.res = new Response("x");
      return value;
    },
    "Response (at .meta.res)",
  ],
  ["a stream in a Map", () => ({ byUrl: new Map([["https://a.example/", new ReadableStream()]]) }), 'ReadableStream (at .byUrl.get("https://a.example/"))'],
  ["a Request in a Set", () => new Set(["x", new Request("https://a.example/")]), "Request (at .values()[1])"],
  ["a pending Promise: a forgotten await", () => ({ kid: "a", keys: new Promise(() => {}) }), "Promise (at .keys)"],
];

// Values a workerd var still caches: their I/O object is where the search does not look, or they
// hold none. The search's bound is IO_SEARCH_LIMIT in pkg/entry/workerd.js (10 000 values).
const ACCEPTED = [
  ["a plain value of 200 000 values", () => ({ rows: Array.from({ length: 50_000 }, (_, i) => ({ id: i, name: `n${i}`, tags: ["a"] })) })],
  ["a Response past the search's bound (element 100 000 of an array)", () => [...Array.from({ length: 100_000 }, (_, i) => i), new Response("x")]],
  ["a Response behind a getter (getters never run)", () => ({ get res() { return new Response("x"); } })],
  ["a Response in a class instance (only plain data is searched)", () => ({ holder: new (class Holder { res = new Response("x"); })() })],
  [
    "a revoked Proxy, Proxies whose traps throw and a throwing getter next to plain data",
    () => {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      const hostile = new Proxy({}, { get: () => () => { throw new Error("trap"); } });
      return { revoked: proxy, hostile, list: [hostile, proxy], getter: { get boom() { throw new Error("getter"); } }, ok: 1 };
    },
  ],
];

export function registerIoObjectTests(test, api, assert, runtime) {
  const { CachedVar, MemoryCache } = api;
  const workerd = runtime === "workerd";
  let n = 0;
  const name = (label) => `io-${label.replaceAll(" ", "-")}-${++n}`;
  const refusal = (varName, where) =>
    new RegExp(`^CachedVar ${JSON.stringify(varName)}: cannot cache a ${where.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: on workerd it belongs to the request that created it`);

  test(`io objects: a Response itself is ${workerd ? "refused with the message naming no path" : "cached"}`, async () => {
    const v = new CachedVar(name("top"));
    const res = new Response("x");
    v.onFirstAccess(() => res);
    if (workerd) await assert.rejects(v.get(), { type: TypeError, message: refusal(v.name, "Response") });
    else assert.is(await v.get(), res);
  });

  for (const [label, make, where] of NESTED) {
    test(`io objects: ${label} is ${workerd ? `refused, naming where (${where}); set() too` : "cached, as loaded and as set"}`, async () => {
      const c = new MemoryCache();
      const v = c.memoryCachedVar(name(label));
      let loads = 0;
      v.onFirstAccess(() => {
        loads++;
        return make();
      });
      const value = make();
      if (workerd) {
        await assert.rejects(v.get(), { type: TypeError, message: refusal(v.name, where) });
        assert.is(v.state, "empty", "nothing cached");
        await assert.rejects(v.get(), { type: TypeError, message: refusal(v.name, where) });
        assert.is(loads, 2, "the next get() loads again");
        assert.throws(() => v.set(value), { type: TypeError, message: refusal(v.name, where) });
        assert.is(v.peek(), undefined, "set() stored nothing");
      } else {
        const got = await v.get();
        assert.ok(got !== null && typeof got === "object", "a value was loaded");
        assert.is(await v.get(), got, "and cached");
        assert.is(loads, 1);
        v.set(value);
        assert.is(v.peek(), value);
        assert.is(await v.get(), value);
      }
    });
  }

  for (const [label, make] of ACCEPTED) {
    test(`io objects: ${label} is cached${workerd ? " on workerd too" : ""}`, async () => {
      const v = new CachedVar(name(label));
      const value = make();
      v.onFirstAccess(() => value);
      assert.is(await v.get(), value);
      assert.is(v.state, "fresh");
      v.set(value);
      assert.is(v.peek(), value);
    });
  }
}
